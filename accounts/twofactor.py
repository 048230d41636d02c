"""Two-factor login: who must use it, enrolling an authenticator app, backup codes.

TOTP devices and static backup codes are django-otp's models; this module decides who
needs them (``OTP_REQUIRED_FOR``) and writes them with an audit entry.
"""

from __future__ import annotations

import time
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.services import record_audit

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"
# How long a re-confirmation (password + current code) lets the user replace the phone.
RECONFIRM_SECONDS = 10 * 60
RECONFIRMED_AT = "otp_reconfirmed_at"


def otp_required(user: User) -> bool:
    """Whether ``user`` must pass a second factor, from the ``OTP_REQUIRED_FOR`` setting."""
    if not user.is_authenticated or not user.is_active:
        return False
    groups = {g.strip().lower() for g in settings.OTP_REQUIRED_FOR}
    if "all" in groups:
        return True
    scope = user.scope
    return bool(
        ("superuser" in groups and user.is_superuser)
        or ("staff" in groups and user.is_staff)
        or ("provincial" in groups and scope.is_provincial)
        or ("district" in groups and scope.is_district)
        or ("school" in groups and scope.is_school)
    )


def has_confirmed_device(user: User) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def pending_totp_device(user: User) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled, created the first time it is asked for."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG markup (no image file, no extra assets)."""
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2
    )
    return image.to_string(encoding="unicode")


def readable_secret(device: TOTPDevice) -> str:
    """The key in base32, grouped by four, for typing into an app without a camera."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def confirm_totp_device(*, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the authenticator if ``token`` is right; return fresh backup codes, else None.

    Earlier authenticators and backup codes of the user are replaced: one phone, one set
    of codes at a time. The old phone keeps working until the new one is confirmed.
    """
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token):
        return None
    replaced = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).count()
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = replace_backup_codes(user=user)
    if replaced:
        record_audit(
            actor=user, action="otp_replaced", obj=user, changes={"devices": [replaced, 1]}
        )
    else:
        record_audit(actor=user, action="otp_enrolled", obj=user)
    return codes


def reconfirm(*, request: HttpRequest, user: User, password: str, token: str) -> str | None:
    """Check the password and a current code (authenticator or backup) again before a
    change of the second factor; ``None`` when both are right, else the message to show.

    The password goes through ``authenticate`` so failures count towards the login
    throttle (django-axes); the code is only tried after a right password, so a guessed
    password does not use up a backup code.
    """
    if authenticate(request, username=user.get_username(), password=password) is None:
        if getattr(request, "axes_locked_out", False):
            return _(
                "Tài khoản tạm bị khóa vì nhập sai mật khẩu nhiều lần; hãy thử lại sau %(n)d phút."
            ) % {"n": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)}
        return _("Mật khẩu không đúng.")
    if match_token(user, token) is None:
        return _("Mã xác thực không đúng hoặc đã hết hạn.")
    request.session[RECONFIRMED_AT] = int(time.time())
    return None


def recently_reconfirmed(request: HttpRequest) -> bool:
    seen = request.session.get(RECONFIRMED_AT)
    return isinstance(seen, int) and 0 <= time.time() - seen <= RECONFIRM_SECONDS


def end_reconfirmation(request: HttpRequest) -> None:
    request.session.pop(RECONFIRMED_AT, None)


@transaction.atomic
def regenerate_backup_codes(*, user: User) -> list[str]:
    """New backup codes for a user who re-confirmed; the old ones stop working. Audited."""
    left = StaticToken.objects.filter(device__user=user).count()
    codes = replace_backup_codes(user=user)
    record_audit(
        actor=user,
        action="otp_backup_codes_regenerated",
        obj=user,
        changes={"backup_codes": [left, len(codes)]},
    )
    return codes


@transaction.atomic
def reset_two_factor(*, actor: User, user: User, reason: str = "") -> int:
    """An administrator removes ``user``'s authenticator and backup codes (a lost phone):
    the user must enrol again at the next request. Returns the devices removed (0: nothing
    to reset, no audit entry); audited."""
    authenticators = TOTPDevice.objects.filter(user=user)
    static = StaticDevice.objects.filter(user=user)
    totp_count, static_count = authenticators.count(), static.count()
    if not totp_count + static_count:
        return 0
    authenticators.delete()
    StaticToken.objects.filter(device__in=static).delete()
    static.delete()
    record_audit(
        actor=actor,
        action="otp_reset",
        obj=user,
        changes={"authenticators": [totp_count, 0], "backup_devices": [static_count, 0]},
        reason=reason,
    )
    return totp_count + static_count


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def replace_backup_codes(*, user: User) -> list[str]:
    """Ten new single-use backup codes; the previous ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes
