"""Two-factor login: who must use it, enrolling an authenticator app, backup codes.

TOTP devices and static backup codes are django-otp's models; this module decides who
needs them (``OTP_REQUIRED_FOR``) and writes them with an audit entry.
"""

from __future__ import annotations

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.services import record_audit

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"


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
    of codes at a time.
    """
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = replace_backup_codes(user=user)
    record_audit(actor=user, action="otp_enrolled", obj=user)
    return codes


def replace_backup_codes(*, user: User) -> list[str]:
    """Ten new single-use backup codes; the previous ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes
