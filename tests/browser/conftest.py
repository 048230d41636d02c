"""Playwright driving Debian's Chromium (never a downloaded browser)."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the test's ORM calls stay synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot_dir(tmp_path):
    target = os.environ.get("SCREENSHOT_DIR")
    if target:
        os.makedirs(target, exist_ok=True)
        return target
    return str(tmp_path)


@pytest.fixture
def journey(browser, live_server, screenshot_dir):
    """Open journeys (one browser context per role and width); all closed at the end."""
    from tests.browser.journey import Journey

    opened = []

    def start(role: str, width: str) -> Journey:
        walk = Journey(browser, live_server.url, screenshot_dir, role, width)
        opened.append(walk)
        return walk

    yield start
    for walk in opened:
        walk.close()


@pytest.fixture
def demo(transactional_db):
    """The demo data set (``seed_demo``): the province, Bảo Yên district, Tân Tiến school."""
    import io

    from django.core.management import call_command
    from django.test import override_settings

    from tests.browser.journey import PASSWORD

    with override_settings(DEBUG=True, DEMO_PASSWORD=PASSWORD):
        call_command("seed_demo", stdout=io.StringIO())
