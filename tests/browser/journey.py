"""A user's walk through the portal in a real browser: every page screenshotted and checked.

``Journey.check(name)`` is called on each page a journey reaches: it keeps a screenshot under
``SCREENSHOT_DIR``, runs axe-core (no serious or critical violation) and, at phone width,
checks the layout (no sideways scrolling, a header of at most 60 px).
"""

import os
import re
from dataclasses import dataclass, field

from tests.browser.axe import format_violations, serious_violations

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}
PASSWORD = "demo-browser-123"
HEADER_MAX_PX = 60


@dataclass
class Journey:
    browser: object
    base_url: str
    screenshot_dir: str
    role: str
    width: str
    pages: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.context = self.browser.new_context(  # type: ignore[attr-defined]
            viewport=WIDTHS[self.width], locale="vi-VN", accept_downloads=True
        )
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()

    @property
    def phone(self) -> bool:
        return self.width == "phone"

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def go(self, path: str, name: str) -> None:
        self.page.goto(self.url(path))
        self.check(name)

    def log_in(self, username: str, password: str = PASSWORD) -> None:
        self.page.goto(self.url("/dang-nhap/"))
        self.check("login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.locator("main button[type=submit]").click()
        self.page.wait_for_load_state("networkidle")
        self.check("home")

    def open_menu_item(self, label: str) -> None:
        """Follow a main-menu link the way the user would: on a phone, through the menu button."""
        if self.phone:
            self.page.locator(".menu-toggle").click()
        self.page.locator(".mainnav").get_by_role("link", name=label, exact=True).click()
        self.page.wait_for_load_state("networkidle")

    def submit(self, button: str, *, scope: str = "main") -> None:
        self.page.locator(scope).get_by_role("button", name=button, exact=True).click()
        self.page.wait_for_load_state("networkidle")

    def check(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("networkidle")
        slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
        self.pages.append(page.url)
        page.screenshot(
            path=os.path.join(
                self.screenshot_dir, f"{self.role}-{self.width}-{len(self.pages):02d}-{slug}.png"
            ),
            full_page=True,
        )
        violations = serious_violations(page)
        assert not violations, f"{page.url} ({name}):\n{format_violations(violations)}"
        if self.phone:
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{page.url} scrolls sideways ({width} px)"
            header = page.evaluate(
                "() => document.querySelector('header').getBoundingClientRect().height"
            )
            assert header <= HEADER_MAX_PX, f"{page.url}: the header is {header} px high"

    def message(self) -> str:
        return " ".join(self.page.locator("main .msg").all_inner_texts())

    def close(self) -> None:
        self.context.close()
