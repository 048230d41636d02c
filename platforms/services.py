"""Writes: the platform catalogue and pupils' platform accounts (each audited)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import require
from accounts.services import record_audit
from platforms import rules
from platforms.models import LearningPlatform, PlatformAccount
from students.models import Student

if TYPE_CHECKING:
    from accounts.models import User

CATALOGUE_FIELDS = ("name", "url", "operator", "kind", "is_active")


@transaction.atomic
def save_platform(
    *, actor: User, data: dict[str, Any], platform: LearningPlatform | None = None
) -> LearningPlatform:
    """Add a platform to the catalogue, or change one; the change is audited field by field."""
    require(rules.may_manage_catalogue(actor))
    creating = platform is None
    platform = platform or LearningPlatform()
    # From the database: a model form has already set the new values on its instance.
    stored = LearningPlatform.objects.filter(pk=platform.pk).values(*CATALOGUE_FIELDS).first()
    before = stored or dict.fromkeys(CATALOGUE_FIELDS)
    for name in CATALOGUE_FIELDS:
        setattr(platform, name, data[name])
    duplicate = LearningPlatform.objects.filter(name__iexact=platform.name).exclude(pk=platform.pk)
    if duplicate.exists():
        raise ValidationError(
            {"name": _("Đã có nền tảng tên “%(name)s”.") % {"name": platform.name}}
        )
    platform.save()
    changes = {
        name: [None if creating else before[name], getattr(platform, name)]
        for name in CATALOGUE_FIELDS
        if creating or before[name] != getattr(platform, name)
    }
    if changes:
        record_audit(
            actor=actor,
            action="platform.create" if creating else "platform.update",
            obj=platform,
            changes=changes,
        )
    return platform


@transaction.atomic
def add_platform_account(
    *,
    actor: User,
    student: Student,
    platform: LearningPlatform,
    login_name: str,
    set_up_on: dt.date,
) -> PlatformAccount:
    """Record the account the school set up for a pupil on a platform (a login, no password).

    Refused (a message naming the field) when the pupil already has a working account on
    that platform or the login is another pupil's; nothing is written then.
    """
    require(rules.may_manage_accounts_of(actor, student))
    if not platform.is_active:
        raise ValidationError({"platform": _("Nền tảng này đã ngừng sử dụng.")})
    current = PlatformAccount.objects.select_for_update().filter(platform=platform, is_active=True)
    if current.filter(student=student).exists():
        raise ValidationError(
            {"platform": _("Học sinh đã có tài khoản đang dùng trên %(p)s.") % {"p": platform}}
        )
    if current.filter(login_name__iexact=login_name).exists():
        raise ValidationError(
            {
                "login_name": _("Tên đăng nhập “%(login)s” trên %(p)s đã là của học sinh khác.")
                % {"login": login_name, "p": platform}
            }
        )
    try:
        with transaction.atomic():
            account = PlatformAccount.objects.create(
                student=student,
                platform=platform,
                login_name=login_name,
                set_up_on=set_up_on,
                set_up_by=actor,
            )
    except IntegrityError as exc:  # a concurrent save of the same login or platform
        raise ValidationError(
            {"login_name": _("Tài khoản này vừa được ghi cho học sinh khác; hãy kiểm tra lại.")}
        ) from exc
    record_audit(
        actor=actor,
        action="platform_account.create",
        obj=account,
        changes={
            "platform": [None, platform.pk],
            "login_name": [None, login_name],
            "set_up_on": [None, set_up_on.isoformat()],
        },
        school_id=student.school_id,
    )
    return account


@transaction.atomic
def deactivate_platform_account(
    *, actor: User, account: PlatformAccount, reason: str
) -> PlatformAccount:
    """Stop counting an account (the pupil left the platform, the login was closed)."""
    account = (
        PlatformAccount.objects.select_for_update().select_related("student").get(pk=account.pk)
    )
    require(rules.may_manage_accounts_of(actor, account.student))
    if not account.is_active:
        raise ValidationError(_("Tài khoản này đã ngừng dùng."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Ghi lý do ngừng tài khoản.")})
    account.is_active = False
    account.deactivated_on = timezone.localdate()
    account.deactivated_by = actor
    account.deactivation_reason = reason
    account.save(
        update_fields=["is_active", "deactivated_on", "deactivated_by", "deactivation_reason"]
    )
    record_audit(
        actor=actor,
        action="platform_account.deactivate",
        obj=account,
        changes={"is_active": [True, False]},
        reason=reason,
        school_id=account.student.school_id,
    )
    return account
