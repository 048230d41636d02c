import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent

pytestmark = pytest.mark.django_db

REQUIRED = ["superuser", "provincial"]


def password_login(client, username):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": "secret-pass-123"}
    )


def code_for(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def enrolled(province_official):
    return TOTPDevice.objects.create(user=province_official, name="authenticator")


def test_provincial_account_is_sent_to_enrolment_after_the_password(
    client, province_official, settings
):
    settings.OTP_REQUIRED_FOR = REQUIRED
    password_login(client, "so")
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_enrol"))
    # Every other page too, until the second factor is set up.
    assert client.get(reverse("students:list")).status_code == 302


def test_enrolment_shows_a_qr_code_and_confirms_with_a_computed_code(
    client, province_official, settings
):
    settings.OTP_REQUIRED_FOR = REQUIRED
    password_login(client, "so")
    page = client.get(reverse("accounts:otp_enrol"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Bật xác thực hai bước" in body
    assert "<svg" in body
    device = TOTPDevice.objects.get(user=province_official, confirmed=False)

    response = client.post(
        reverse("accounts:otp_enrol"), {"token": code_for(device), "next": "/hoc-sinh/"}
    )
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert set(
        StaticToken.objects.filter(device__user=province_official).values_list("token", flat=True)
    ) == set(codes)
    assert AuditEvent.objects.filter(action="otp_enrolled", object_id=str(province_official.pk))
    # The session has passed the second factor.
    assert client.get(reverse("accounts:home")).status_code == 200


def test_a_wrong_enrolment_code_is_refused(client, province_official, settings):
    settings.OTP_REQUIRED_FOR = REQUIRED
    password_login(client, "so")
    client.get(reverse("accounts:otp_enrol"))
    device = TOTPDevice.objects.get(user=province_official)
    wrong = f"{(int(code_for(device)) + 1) % 1000000:06d}"
    response = client.post(reverse("accounts:otp_enrol"), {"token": wrong})
    assert response.status_code == 200
    assert "Mã xác thực không đúng" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("accounts:home")).status_code == 302


def test_enrolled_account_must_verify_after_the_password(client, enrolled, settings):
    settings.OTP_REQUIRED_FOR = REQUIRED
    response = password_login(client, "so")
    home = client.get(response["Location"])
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("accounts:otp_verify"))
    # It cannot skip verification by enrolling a new phone.
    assert client.get(reverse("accounts:otp_enrol"))["Location"] == reverse("accounts:otp_verify")

    ok = client.post(
        reverse("accounts:otp_verify"), {"token": code_for(enrolled), "next": "/hoc-sinh/"}
    )
    assert ok.status_code == 302
    assert ok["Location"] == "/hoc-sinh/"
    assert client.get(reverse("accounts:home")).status_code == 200


def test_a_wrong_verification_code_is_refused(client, enrolled, settings):
    settings.OTP_REQUIRED_FOR = REQUIRED
    password_login(client, "so")
    wrong = f"{(int(code_for(enrolled)) + 1) % 1000000:06d}"
    response = client.post(reverse("accounts:otp_verify"), {"token": wrong})
    assert response.status_code == 200
    assert "Mã xác thực không đúng" in response.content.decode()
    assert client.get(reverse("accounts:home")).status_code == 302


def test_verify_does_not_redirect_to_another_site(client, enrolled, settings):
    settings.OTP_REQUIRED_FOR = REQUIRED
    password_login(client, "so")
    response = client.post(
        reverse("accounts:otp_verify"),
        {"token": code_for(enrolled), "next": "https://evil.example.com/"},
    )
    assert response["Location"] == reverse("accounts:home")


def test_a_backup_code_works_once(client, enrolled, settings):
    from accounts.twofactor import replace_backup_codes

    settings.OTP_REQUIRED_FOR = REQUIRED
    code = replace_backup_codes(user=enrolled.user)[0]
    password_login(client, "so")
    assert client.post(reverse("accounts:otp_verify"), {"token": code}).status_code == 302
    client.logout()
    password_login(client, "so")
    again = client.post(reverse("accounts:otp_verify"), {"token": code})
    assert again.status_code == 200
    assert "Mã xác thực không đúng" in again.content.decode()


def test_superuser_must_verify_for_the_admin(client, admin_user, settings):
    settings.OTP_REQUIRED_FOR = ["superuser"]
    password_login(client, "quantri")
    response = client.get("/quan-tri/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_enrol"))


def test_school_staff_log_in_with_the_password_alone(client, school_staff, settings):
    settings.OTP_REQUIRED_FOR = REQUIRED
    password_login(client, "truong")
    assert client.get(reverse("accounts:home")).status_code == 200


def test_district_officers_can_be_required_too(client, district_officer, settings):
    settings.OTP_REQUIRED_FOR = ["district"]
    password_login(client, "phong")
    assert client.get(reverse("accounts:home")).status_code == 302


def test_the_enrolment_page_is_in_vietnamese_and_needs_a_login(client):
    response = client.get(reverse("accounts:otp_enrol"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
