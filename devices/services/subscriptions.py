"""SIM data packages: subscriptions, problems and the daily expiry."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import require as require_allowed
from accounts.services import notify, record_audit
from devices import rules
from devices.models import (
    ACTIVE_SUBSCRIPTION,
    DataPackage,
    Subscription,
    SubscriptionProblem,
)
from devices.selectors import (
    approved_item_for_data,
    unit_users,
)
from devices.services.base import require, set_status
from devices.services.base import today as local_today
from devices.validators import normalize_iccid
from kernel import public_page
from kernel.normalize import normalize_phone
from students.models import Student

if TYPE_CHECKING:
    from accounts.models import User


# -------------------------------------------------------------- data packages


def subscription_end(starts_on: dt.date, package: DataPackage) -> dt.date:
    """Last day of the free period: ``free_months`` after the start, minus one day."""
    months = max(package.free_months, 1)
    return starts_on + relativedelta(months=months) - dt.timedelta(days=1)


def _subscription_scope_check(actor: User, student: Student) -> None:
    require(actor, "can_allocate")
    require_allowed(rules.may_manage_subscription_of(actor, student))


# size: eligibility, the carrier's numbering rules and the package dates are checked under one lock
#   before the write
@transaction.atomic
def create_subscription(
    *,
    actor: User,
    student: Student,
    package: DataPackage,
    phone: str,
    iccid: str = "",
    carrier: str = "",
    starts_on: dt.date | None = None,
    signal_acknowledged: bool = False,
) -> Subscription:
    """Register a SIM data package for an approved "data" beneficiary of the school.

    ``signal_acknowledged``: the user confirmed, on the form, the warning that the
    pupil's village has no or weak signal (kept in the audit row, so the warning is
    not repeated on the subscription's page).

    The phone number is normalised and must not belong to another active
    subscription; the ICCID has 19–20 digits; the package must be the carrier's.
    The free period runs ``package.free_months`` from ``starts_on`` (today by default).
    """
    _subscription_scope_check(actor, student)
    errors: dict[str, str] = {}
    try:
        phone = normalize_phone(phone)
    except ValueError as exc:
        message = str(exc)
        errors["phone"] = message[:1].upper() + message[1:] + "."
    if iccid:
        try:
            iccid = normalize_iccid(iccid)
        except ValueError as exc:
            errors["iccid"] = _("Số ICCID %(m)s.") % {"m": exc}
    carrier = carrier or package.carrier
    if package.carrier != carrier:
        errors["package"] = _("Gói cước này không thuộc nhà mạng đã chọn.")
    if not package.is_active:
        errors["package"] = _("Gói cước này không còn được cung cấp.")
    if errors:
        raise ValidationError(errors)
    item = approved_item_for_data(student=student)
    if item is None:
        raise ValidationError(
            _("Học sinh %(name)s chưa được duyệt nhận gói cước dữ liệu.")
            % {"name": student.full_name}
        )
    if Subscription.objects.filter(ACTIVE_SUBSCRIPTION, phone=phone).exists():
        raise ValidationError(
            {"phone": _("Số thuê bao %(p)s đang được dùng cho một gói cước khác.") % {"p": phone}}
        )
    if Subscription.objects.filter(ACTIVE_SUBSCRIPTION, student=student).exists():
        raise ValidationError(
            _("Học sinh %(name)s đã có một gói cước đang hoạt động.") % {"name": student.full_name}
        )
    starts_on = starts_on or local_today()
    try:
        with transaction.atomic():
            subscription = Subscription.objects.create(
                student=student,
                proposal_item=item,
                package=package,
                carrier=carrier,
                phone=phone,
                iccid=iccid,
                starts_on=starts_on,
                ends_on=subscription_end(starts_on, package),
                created_by=actor,
            )
    except IntegrityError:
        raise ValidationError(
            _("Số thuê bao hoặc học sinh này vừa được đăng ký gói cước khác.")
        ) from None
    record_audit(
        actor=actor,
        action="subscription.create",
        obj=subscription,
        changes={
            "phone": [None, phone],
            "package": [None, str(package)],
            "ends_on": [None, subscription.ends_on],
            **({"signal_acknowledged": True} if signal_acknowledged else {}),
        },
        school_id=student.school_id,
    )
    public_page.refresh_on_commit()  # the public page shows devices and packages
    return subscription


def _locked_subscription(actor: User, subscription: Subscription) -> Subscription:
    require(actor, "can_allocate")
    if not Subscription.objects.visible_to(actor).filter(pk=subscription.pk).exists():
        raise Http404
    return (
        Subscription.objects.select_for_update().select_related("student").get(pk=subscription.pk)
    )


@transaction.atomic
def report_problem(
    *, actor: User, subscription: Subscription, kind: str, description: str = ""
) -> SubscriptionProblem:
    """Record a problem (no signal, SIM locked...); the subscription shows "problem"."""
    subscription = _locked_subscription(actor, subscription)
    if subscription.status == Subscription.Status.EXPIRED:
        raise ValidationError(_("Thuê bao đã hết hạn, không thể báo sự cố."))
    if kind not in SubscriptionProblem.Kind.values:
        raise ValidationError({"kind": _("Chọn loại sự cố.")})
    problem = SubscriptionProblem.objects.create(
        subscription=subscription, kind=kind, description=description.strip(), reported_by=actor
    )
    set_status(
        subscription,
        Subscription.Status.PROBLEM,
        actor=actor,
        action="subscription.problem",
        reason=description,
        school_id=subscription.student.school_id,
        more={"problem": [None, kind]},
    )
    public_page.refresh_on_commit()  # the public page shows devices and packages
    return problem


@transaction.atomic
def resolve_problem(
    *, actor: User, problem: SubscriptionProblem, resolution: str
) -> SubscriptionProblem:
    """Close a problem; with no other open problem the subscription is active again."""
    subscription = _locked_subscription(actor, problem.subscription)
    problem = SubscriptionProblem.objects.select_for_update().get(pk=problem.pk)
    if problem.resolved_at is not None:
        raise ValidationError(_("Sự cố này đã được xử lý."))
    resolution = resolution.strip()
    if not resolution:
        raise ValidationError({"resolution": _("Ghi rõ cách xử lý.")})
    problem.resolved_at = timezone.now()
    problem.resolution = resolution
    problem.save(update_fields=["resolved_at", "resolution"])
    still_open = subscription.problems.filter(resolved_at__isnull=True).exists()
    before = subscription.status
    if not still_open and subscription.status == Subscription.Status.PROBLEM:
        subscription.status = Subscription.Status.ACTIVE
        subscription.save(update_fields=["status", "updated_at"])
    record_audit(
        actor=actor,
        action="subscription.problem_resolved",
        obj=subscription,
        changes={"status": [before, subscription.status]} if before != subscription.status else {},
        reason=f"{problem.get_kind_display()}: {resolution}",
        school_id=subscription.student.school_id,
    )
    public_page.refresh_on_commit()  # the public page shows devices and packages
    return problem


EXPIRY_WARNING_DAYS = 14


@transaction.atomic
def expire_subscriptions(*, today: dt.date | None = None) -> dict[str, int]:
    """Mark subscriptions past their end as expired and warn schools once of those
    ending within 14 days.  Running it twice on a day changes nothing the second time.
    """
    today = today or local_today()
    expired = list(
        Subscription.objects.select_for_update()
        .filter(ACTIVE_SUBSCRIPTION, ends_on__lt=today)
        .order_by("pk")
    )
    for subscription in expired:
        assert subscription.ends_on is not None  # selected by ends_on < today
        set_status(
            subscription,
            Subscription.Status.EXPIRED,
            actor=None,
            action="subscription.expire",
            reason=_("Hết hạn ngày %(d)s") % {"d": subscription.ends_on.strftime("%d/%m/%Y")},
        )
    expiring = list(
        Subscription.objects.select_for_update(of=("self",))
        .filter(
            ACTIVE_SUBSCRIPTION,
            ends_on__gte=today,
            ends_on__lte=today + dt.timedelta(days=EXPIRY_WARNING_DAYS),
            expiry_notified_on__isnull=True,
        )
        .select_related("student__school")
        .order_by("student__school_id", "ends_on", "pk")
    )
    by_school: dict[int, list[Subscription]] = {}
    for subscription in expiring:
        by_school.setdefault(subscription.student.school_id, []).append(subscription)
    url = reverse("devices:subscriptions") + "?expiring=1"
    for subscriptions in by_school.values():
        first = min(s.ends_on for s in subscriptions if s.ends_on)
        notify(
            recipients=unit_users(school=subscriptions[0].student.school),
            verb="subscription.expiring",
            message=_(
                "%(n)s gói cước của học sinh sẽ hết hạn trong %(d)s ngày tới (sớm nhất ngày %(first)s)."
            )
            % {
                "n": len(subscriptions),
                "d": EXPIRY_WARNING_DAYS,
                "first": first.strftime("%d/%m/%Y"),
            },
            url=url,
        )
    Subscription.objects.filter(pk__in=[s.pk for s in expiring]).update(expiry_notified_on=today)
    public_page.refresh_on_commit()  # the public page shows devices and packages
    return {"expired": len(expired), "notified": len(expiring), "schools": len(by_school)}
