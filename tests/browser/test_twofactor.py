"""Two-factor enrolment and the Content-Security-Policy in a real browser."""

import os

import pytest
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_csp(page):
    """Collects the browser's reports of anything the policy blocked."""
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return blocked


@override_settings(OTP_REQUIRED_FOR=["provincial"])
def test_provincial_official_enrols_an_authenticator(
    live_server, page, screenshot_dir, province_official
):
    blocked = watch_csp(page)
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("input[name=username]", "so")
    page.fill("input[name=password]", "secret-pass-123")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")

    assert "/xac-thuc-hai-buoc/dang-ky/" in page.url
    assert page.locator("h1").first.inner_text().strip() == "Bật xác thực hai bước"
    qr = page.locator("[data-testid=otp-qr] svg")
    box = qr.bounding_box()
    assert box is not None and box["width"] > 150 and box["height"] > 150
    page.screenshot(path=os.path.join(screenshot_dir, "otp-enrol.png"), full_page=True)

    device = TOTPDevice.objects.get(user=province_official, confirmed=False)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    page.fill("input[name=token]", f"{code:06d}")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=backup-codes] li").count() == 10
    page.click("text=Tôi đã lưu các mã, tiếp tục")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").first.inner_text().strip() == "Sở Giáo dục và Đào tạo – toàn tỉnh"
    assert blocked == []


def test_language_switch_works_under_the_policy(live_server, page, school_staff):
    blocked = watch_csp(page)
    page.goto(f"{live_server.url}/dang-nhap/")
    page.select_option("select[name=language]", "en")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert blocked == []
