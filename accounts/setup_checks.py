"""First-run checklist items of accounts and of the settings their e-mails need."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.checks import DEFAULT_SITE_URL, check_site_url
from accounts.models import User
from kernel.setup_checks import SetupItem, register
from schools.models import School

# Backends that never deliver a message to anyone.
_NON_DELIVERING = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
)


@register(40)
def school_accounts() -> SetupItem:
    schools = School.objects.count()
    without = School.objects.filter(users__isnull=True).count()
    return SetupItem(
        label=_("Mỗi trường có ít nhất một tài khoản"),
        done=schools > 0 and without == 0,
        detail=_("%(n)d/%(t)d trường chưa có tài khoản") % {"n": without, "t": schools},
        url=reverse("admin:accounts_user_import"),
        how="manage.py create_user … --role school --unit MÃ_TRƯỜNG",
    )


@register(45)
def accounts_activated() -> SetupItem:
    active = User.objects.filter(is_active=True)
    waiting = active.filter(
        password__startswith=UNUSABLE_PASSWORD_PREFIX, last_login__isnull=True
    ).count()
    return SetupItem(
        label=_("Tài khoản đã được kích hoạt"),
        done=waiting == 0,
        detail=_("%(n)d/%(t)d tài khoản đang chờ kích hoạt") % {"n": waiting, "t": active.count()},
        url=reverse("accounts:activation_sheet"),
    )


@register(80)
def email_configured() -> SetupItem:
    backend = str(settings.EMAIL_BACKEND)
    host = str(getattr(settings, "EMAIL_HOST", "") or "")
    done = backend not in _NON_DELIVERING
    return SetupItem(
        label=_("Thư điện tử được gửi đi thật (thư kích hoạt, thông báo, báo cáo)"),
        done=done,
        detail=host if done else _("Thư chỉ được in ra nhật ký máy chủ (%(b)s).") % {"b": backend},
        how="EMAIL_URL=smtp+tls://user:password@smtp.example.vn:587",
    )


@register(85)
def site_url() -> SetupItem:
    value = str(settings.SITE_URL)
    done = not check_site_url() and value.rstrip("/") != DEFAULT_SITE_URL
    return SetupItem(
        label=_("Địa chỉ công khai của cổng (SITE_URL) cho đường dẫn trong thư và phiếu in"),
        done=done,
        detail=value,
        how="SITE_URL=https://portal.example.vn",
    )
