"""A user replaces their own authenticator or backup codes after confirming the password
and a current code again; an administrator resets a lost phone. Each step is audited
(issue 13)."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent
from accounts.twofactor import replace_backup_codes
from tests.integration.test_no_inline_styles import scan

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"
MANAGE = reverse("accounts:otp_manage")
ENROL = reverse("accounts:otp_enrol")


def code_for(device, drift=0):
    """The device's code; ``drift=1`` is the next 30-second step (each step's code is
    accepted once, so a second check in the same step needs the next one)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


@pytest.fixture
def verified(client, province_official, settings):
    """A provincial official with a phone and backup codes, logged in with both factors."""
    settings.OTP_REQUIRED_FOR = ["provincial"]
    phone = TOTPDevice.objects.create(user=province_official, name="authenticator")
    codes = replace_backup_codes(user=province_official)
    client.post(reverse("accounts:login"), {"username": "so", "password": PASSWORD})
    assert (
        client.post(reverse("accounts:otp_verify"), {"token": code_for(phone)}).status_code == 302
    )
    assert client.get(reverse("accounts:home")).status_code == 200
    return {"user": province_official, "phone": phone, "codes": codes}


def backup_codes(user):
    return set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def test_the_page_needs_the_second_factor_first(client, province_official, settings):
    settings.OTP_REQUIRED_FOR = ["provincial"]
    TOTPDevice.objects.create(user=province_official, name="authenticator")
    client.post(reverse("accounts:login"), {"username": "so", "password": PASSWORD})
    response = client.get(MANAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_verify"))


def test_a_verified_user_cannot_enrol_a_new_phone_without_reconfirming(client, verified):
    response = client.get(ENROL)
    assert response.status_code == 302
    assert response["Location"] == MANAGE
    assert not TOTPDevice.objects.filter(user=verified["user"], confirmed=False).exists()


def test_manage_page_lists_both_actions_in_vietnamese(client, verified):
    response = client.get(MANAGE)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Đổi điện thoại" in body and "Tạo lại mã dự phòng" in body
    assert "Còn 10 mã dự phòng chưa dùng." in body
    assert "no-store" in response["Cache-Control"]
    assert scan(body).problems == []  # nothing the Content-Security-Policy refuses


def test_replacing_the_phone_after_reconfirming(client, verified):
    user, old = verified["user"], verified["phone"]
    old_codes = backup_codes(user)
    response = client.post(
        MANAGE, {"action": "replace", "password": PASSWORD, "token": code_for(old, drift=1)}
    )
    assert response.status_code == 302 and response["Location"] == ENROL
    page = client.get(ENROL)
    assert page.status_code == 200
    assert "Đổi điện thoại xác thực" in page.content.decode()
    assert scan(page.content.decode()).problems == []
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    # The old phone still works until the new one is confirmed.
    assert TOTPDevice.objects.filter(pk=old.pk, confirmed=True).exists()

    done = client.post(ENROL, {"token": code_for(new)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", "confirmed")) == [
        (new.pk, True)
    ]
    assert backup_codes(user) == set(codes) and not (old_codes & set(codes))
    event = AuditEvent.objects.get(action="otp_replaced")
    assert (event.actor, event.object_id) == (user, str(user.pk))
    assert event.changes == {"devices": [1, 1]}
    # The reconfirmation is used up: another phone needs another one.
    assert client.get(ENROL)["Location"] == MANAGE
    assert client.get(reverse("accounts:home")).status_code == 200


def test_a_backup_code_can_reconfirm_when_the_phone_is_lost(client, verified):
    user = verified["user"]
    code = verified["codes"][3]
    response = client.post(MANAGE, {"action": "replace", "password": PASSWORD, "token": code})
    assert response["Location"] == ENROL
    assert code not in backup_codes(user)  # single use
    assert client.get(ENROL).status_code == 200


@pytest.mark.parametrize(
    ("password", "token", "message"),
    [
        ("wrong-password-99", "right", "Mật khẩu không đúng."),
        (PASSWORD, "000000", "Mã xác thực không đúng hoặc đã hết hạn."),
        (PASSWORD, "", "Trường này là bắt buộc."),
    ],
)
def test_a_wrong_password_or_code_changes_nothing(client, verified, password, token, message):
    user = verified["user"]
    if token == "right":
        token = verified["codes"][0]
    before = backup_codes(user)
    response = client.post(MANAGE, {"action": "codes", "password": password, "token": token})
    assert response.status_code == 200
    assert message in response.content.decode()
    # a backup code is not spent by a wrong password
    assert backup_codes(user) == before
    assert client.get(ENROL)["Location"] == MANAGE
    assert not AuditEvent.objects.filter(action__startswith="otp_").exists()


def test_wrong_passwords_count_towards_the_login_lockout(client, verified, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(MANAGE, {"action": "codes", "password": "guess-guess-1", "token": "123456"})
    response = client.post(
        MANAGE, {"action": "codes", "password": PASSWORD, "token": verified["codes"][0]}
    )
    assert response.status_code == 429
    assert backup_codes(verified["user"]) == set(verified["codes"])
    assert not AuditEvent.objects.filter(action__startswith="otp_").exists()


def test_regenerating_backup_codes(client, verified):
    user = verified["user"]
    old = backup_codes(user)
    response = client.post(
        MANAGE,
        {"action": "codes", "password": PASSWORD, "token": code_for(verified["phone"], drift=1)},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    codes = set(re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode()))
    assert len(codes) == 10
    assert backup_codes(user) == codes and not (old & codes)
    assert TOTPDevice.objects.filter(pk=verified["phone"].pk, confirmed=True).exists()
    event = AuditEvent.objects.get(action="otp_backup_codes_regenerated")
    assert (event.actor, event.changes) == (user, {"backup_codes": [10, 10]})
    # A new code logs in; an old one no longer does.
    for code, status in ((sorted(codes)[0], 302), (sorted(old)[0], 200)):
        client.logout()
        client.post(reverse("accounts:login"), {"username": "so", "password": PASSWORD})
        assert client.post(reverse("accounts:otp_verify"), {"token": code}).status_code == status


def staff_client(user):
    staff = Client()
    staff.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return staff


def test_an_administrator_resets_a_lost_phone(verified, admin_user, district_officer, settings):
    settings.OTP_REQUIRED_FOR = []  # the administrator's own second step is not the point here
    user = verified["user"]
    other = TOTPDevice.objects.create(user=district_officer, name="authenticator")
    changelist = reverse("admin:accounts_user_changelist")
    staff = staff_client(admin_user)
    response = staff.post(
        changelist,
        {"action": "reset_two_factor", "_selected_action": [user.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Đã đặt lại xác thực hai bước của 1 tài khoản: so." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert not StaticToken.objects.filter(device__user=user).exists()
    assert TOTPDevice.objects.filter(pk=other.pk).exists()
    event = AuditEvent.objects.get(action="otp_reset")
    assert (event.actor, event.object_id) == (admin_user, str(user.pk))
    assert event.changes == {"authenticators": [1, 0], "backup_devices": [1, 0]}


def test_after_a_reset_the_user_must_enrol_again(client, verified, admin_user):
    from accounts.twofactor import reset_two_factor

    user = verified["user"]
    assert reset_two_factor(actor=admin_user, user=user) == 2
    # The session that passed with the removed phone is no longer verified.
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(ENROL)
    client.logout()
    client.post(reverse("accounts:login"), {"username": "so", "password": PASSWORD})
    response = client.get(reverse("students:list"))
    assert response["Location"].startswith(ENROL)
    # Enrolling again needs no reconfirmation: there is no phone left to confirm with.
    assert client.get(ENROL).status_code == 200


def test_resetting_a_user_without_two_factor_writes_nothing(admin_user, school_staff, settings):
    settings.OTP_REQUIRED_FOR = []
    response = staff_client(admin_user).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [school_staff.pk]},
        follow=True,
    )
    assert "chưa bật xác thực hai bước" in response.content.decode()
    assert not AuditEvent.objects.filter(action="otp_reset").exists()


def test_staff_without_the_change_permission_cannot_reset(verified, settings):
    settings.OTP_REQUIRED_FOR = []
    from tests.accounts.factories import UserFactory

    viewer = UserFactory(username="xem", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename="view_user"))
    response = staff_client(viewer).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [verified["user"].pk]},
    )
    assert response.status_code in (200, 302, 403)
    assert TOTPDevice.objects.filter(user=verified["user"]).exists()
    assert not AuditEvent.objects.filter(action="otp_reset").exists()


def test_the_device_admin_shows_no_secret_and_audits_a_deletion(verified, admin_user, settings):
    settings.OTP_REQUIRED_FOR = []
    user, phone = verified["user"], verified["phone"]
    staff = staff_client(admin_user)
    listing = staff.get(reverse("admin:otp_totp_totpdevice_changelist"))
    assert listing.status_code == 200
    assert user.username in listing.content.decode()
    page = staff.get(reverse("admin:otp_totp_totpdevice_change", args=[phone.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert phone.key not in body and "qrcode" not in body
    backup = StaticDevice.objects.get(user=user)
    codes_page = staff.get(reverse("admin:otp_static_staticdevice_change", args=[backup.pk]))
    assert not any(code in codes_page.content.decode() for code in verified["codes"])
    assert staff.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403

    response = staff.post(
        reverse("admin:otp_totp_totpdevice_changelist"),
        {"action": "delete_selected", "_selected_action": [phone.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=phone.pk).exists()
    event = AuditEvent.objects.get(action="otp_device_deleted")
    assert (event.actor, event.object_id) == (admin_user, str(user.pk))
    assert event.changes == {"device": ["totpdevice:authenticator", None]}
