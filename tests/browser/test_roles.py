"""Log in as each demo role in a real browser and check the role's home page."""

import io
import os

import pytest
from django.core.management import call_command
from django.test import override_settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-browser-123"


@pytest.fixture
def demo_data():
    with override_settings(DEBUG=True, DEMO_PASSWORD=PASSWORD):
        call_command("seed_demo", stdout=io.StringIO())


def log_in(page, base_url, username):
    page.goto(f"{base_url}/dang-nhap/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("demo_truong", "Trường PTDTBT THCS Tân Tiến"),
        ("demo_phong", "Phòng GD&ĐT Huyện Bảo Yên"),
        ("demo_so", "Sở Giáo dục và Đào tạo – toàn tỉnh"),
        ("demo_admin", "Sở Giáo dục và Đào tạo – toàn tỉnh"),
    ],
)
def test_each_demo_role_lands_on_its_home_page(
    demo_data, live_server, page, screenshot_dir, username, expected
):
    log_in(page, live_server.url, username)
    assert page.locator("h1").first.inner_text().strip() == expected
    assert page.url.rstrip("/") == live_server.url
    page.screenshot(path=os.path.join(screenshot_dir, f"home-{username}.png"), full_page=True)


def test_province_home_lists_the_districts_of_both_former_provinces(demo_data, live_server, page):
    # demo_so works in the 2025 Lào Cai: the 9 districts of old Lào Cai and those of
    # former Yên Bái that the demo seeds, all of its predecessors' active districts.
    from schools.models import District

    log_in(page, live_server.url, "demo_so")
    rows = page.locator("[data-testid=district-table] tbody tr")
    expected = District.objects.filter(
        province__successor__code="15", province__successor__generation_id="2025", is_active=True
    )
    assert expected.filter(province__code="10").count() == 9
    assert rows.count() == expected.count() > 9


def test_wrong_password_shows_vietnamese_message(demo_data, live_server, page):
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("input[name=username]", "demo_truong")
    page.fill("input[name=password]", "sai-mat-khau")
    with page.expect_navigation():
        page.click("button[type=submit]")
    # The click returns before the answer is loaded: read the page once it has arrived.
    page.get_by_text("Tên đăng nhập hoặc mật khẩu không đúng").first.wait_for()
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in page.content()
