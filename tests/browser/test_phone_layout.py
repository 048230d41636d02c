"""The phone layout: the menu behind a button (open without JavaScript), lists as cards."""

import pytest

from tests.browser.journey import DESKTOP, PHONE
from tests.rounds.factories import ProposalFactory, PupilFactory, QuotaFactory, SupportRoundFactory
from tests.students.factories import StudentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"


def logged_in(browser, base_url, user, viewport, *, javascript=True):
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{base_url}/dang-nhap/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    return context, page


def test_the_menu_button_opens_and_closes_the_menu_on_a_phone(browser, live_server, school_staff):
    context, page = logged_in(browser, live_server.url, school_staff, PHONE)
    toggle = page.locator(".menu-toggle")
    pupils = page.locator(".mainnav").get_by_role("link", name="Học sinh")
    assert toggle.is_visible() and not pupils.is_visible()
    assert page.locator("header").bounding_box()["height"] <= 60
    toggle.click()
    assert pupils.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    assert not pupils.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    pupils.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/hoc-sinh/")
    context.close()


def test_without_javascript_the_phone_menu_stays_open(browser, live_server, school_staff):
    context, page = logged_in(browser, live_server.url, school_staff, PHONE, javascript=False)
    assert not page.locator(".menu-toggle").is_visible()
    assert page.locator(".mainnav").get_by_role("link", name="Học sinh").is_visible()
    context.close()


def test_on_a_desktop_the_menu_is_one_row_without_the_button(browser, live_server, school_staff):
    context, page = logged_in(browser, live_server.url, school_staff, DESKTOP)
    assert not page.locator(".menu-toggle").is_visible()
    assert page.locator(".mainnav").get_by_role("link", name="Học sinh").is_visible()
    assert page.locator("header").bounding_box()["height"] <= 60
    context.close()


def test_lists_are_cards_labelled_by_their_columns_on_a_phone(
    browser, live_server, school_staff, school
):
    StudentFactory(school=school, full_name="Sùng Thị Dua", class_name="7B")
    context, page = logged_in(browser, live_server.url, school_staff, PHONE)
    page.goto(f"{live_server.url}/hoc-sinh/")
    table = page.locator("main table.table").first
    assert table.evaluate("t => getComputedStyle(t).display") == "block"
    assert not table.locator("thead").is_visible()
    cells = table.locator("tbody tr").first.locator("td")
    labels = [cells.nth(i).get_attribute("data-label") for i in range(cells.count())]
    headings = [" ".join(h.split()) for h in table.locator("thead th").all_text_contents()]
    assert labels == headings
    column = next(i for i, label in enumerate(labels) if label.startswith("Lớp"))
    before = cells.nth(column).evaluate("td => getComputedStyle(td, '::before').content")
    assert before == f'"{labels[column]}"' and cells.nth(column).inner_text().strip() == "7B"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_lists_stay_tables_on_a_desktop(browser, live_server, school_staff, school):
    StudentFactory(school=school)
    context, page = logged_in(browser, live_server.url, school_staff, DESKTOP)
    page.goto(f"{live_server.url}/hoc-sinh/")
    table = page.locator("main table.table").first
    assert table.evaluate("t => getComputedStyle(t).display") == "table"
    assert table.locator("thead").is_visible()
    context.close()


@pytest.fixture
def draft_with_candidates(province_official, district, school):
    support_round = SupportRoundFactory(created_by=province_official)
    QuotaFactory(round=support_round, district=district, amount=10)
    QuotaFactory(round=support_round, district=district, school=school, amount=10)
    for n, name in enumerate(["Đặng Văn Dũng", "Ma Thị Mai", "Giàng Seo Phủ", "Lò Thị Ánh"]):
        PupilFactory(school=school, full_name=name, class_name="7B" if n % 2 else "6A")
    return ProposalFactory(round=support_round, school=school)


def candidate_page(browser, base_url, user, proposal, viewport, query=""):
    context, page = logged_in(browser, base_url, user, viewport)
    page.goto(f"{base_url}/dot-ho-tro/de-xuat/{proposal.pk}/{query}#them-hoc-sinh")
    page.wait_for_load_state("networkidle")
    return context, page


def test_select_all_is_usable_on_a_phone_and_ticks_every_shown_candidate(
    browser, live_server, school_staff, draft_with_candidates, screenshot_dir
):
    context, page = candidate_page(
        browser, live_server.url, school_staff, draft_with_candidates, PHONE, "?lop=7B"
    )
    candidates = page.locator("[data-testid=candidates]")
    assert not candidates.locator("thead").is_visible()
    boxes = candidates.locator("tbody input[type=checkbox][name=add]")
    assert boxes.count() == 2
    select_all = page.get_by_label("Chọn tất cả học sinh đang hiển thị").locator("visible=true")
    assert select_all.count() == 1
    box = select_all.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    select_all.check()
    page.screenshot(path=f"{screenshot_dir}/phone-proposal-select-all.png", full_page=True)
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    assert page.locator("[data-selected-count]").inner_text() == "2"
    boxes.first.uncheck()
    assert not select_all.is_checked()
    assert select_all.evaluate("el => el.indeterminate")
    select_all.check()
    page.get_by_role("button", name="Thêm các em đã chọn").click()
    page.wait_for_load_state("networkidle")
    added = sorted(i.student.full_name for i in draft_with_candidates.items.all())
    assert added == ["Lò Thị Ánh", "Ma Thị Mai"]
    context.close()


def test_on_a_desktop_select_all_stays_in_the_table_header(
    browser, live_server, school_staff, draft_with_candidates
):
    context, page = candidate_page(
        browser, live_server.url, school_staff, draft_with_candidates, DESKTOP
    )
    assert not page.locator(".select-all-cards").is_visible()
    header_box = page.locator("[data-testid=candidates] thead [data-select-all]")
    assert header_box.is_visible()
    header_box.check()
    boxes = page.locator("[data-testid=candidates] tbody input[type=checkbox][name=add]")
    assert boxes.count() == 4
    assert all(boxes.nth(i).is_checked() for i in range(4))
    assert page.locator(".select-all-cards [data-select-all]").is_checked()
    context.close()
