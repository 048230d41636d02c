"""The proposal deadline: each school's, its extensions, and closing rounds past their end.

A school's deadline is the latest of the round's "hạn đề xuất", its district's extension
and its own. A first submission after it is refused; a list the district returned for
correction may be sent again after it (the district asked for it). A round closes once
its end date ("ngày kết thúc đợt") has passed, by the nightly sweep.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.access import require
from accounts.models import User
from accounts.services import notify, record_audit
from kernel import clock
from rounds import rules
from rounds.models import DeadlineExtension, Quota, SupportRound
from rounds.services.common import district_officers, require_not_closed, school_staff_of
from rounds.workflow import RoundsError
from schools.models import District, School

# Days a round stays open for decisions after its proposal deadline, unless set.
REVIEW_DAYS = 30


def default_closing(ends_on: dt.date) -> dt.date:
    return ends_on + dt.timedelta(days=REVIEW_DAYS)


def _fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def school_deadline(round_: SupportRound, school: School) -> dt.date:
    """The day until which ``school`` may first send its list in ``round_``."""
    return school_deadlines(round_, [school])[school.pk]


def school_deadlines(round_: SupportRound, schools: Iterable[School]) -> dict[int, dt.date]:
    """Each school's deadline (one query for the extensions of all of them)."""
    schools = list(schools)
    by_district: dict[int, dt.date] = {}
    by_school: dict[int, dt.date] = {}
    for ext in DeadlineExtension.objects.filter(
        round=round_, district_id__in={s.district_id for s in schools}
    ):
        if ext.school_id is None:
            by_district[ext.district_id] = ext.until
        else:
            by_school[ext.school_id] = ext.until
    return {
        s.pk: max(
            round_.ends_on,
            by_district.get(s.district_id, round_.ends_on),
            by_school.get(s.pk, round_.ends_on),
        )
        for s in schools
    }


def require_before_deadline(round_: SupportRound, school: School) -> None:
    deadline = school_deadline(round_, school)
    if clock.today() > deadline:
        raise RoundsError(
            _(
                "Đã quá hạn đề xuất của trường (%(deadline)s); không thể gửi danh sách. "
                "Nếu trường cần thêm thời gian, đề nghị Phòng GD&ĐT gia hạn."
            )
            % {"deadline": _fmt(deadline)}
        )


def _check_new_deadline(round_: SupportRound, until: dt.date, current: dt.date) -> None:
    if until <= current:
        raise RoundsError(
            _("Hạn mới phải sau hạn đề xuất hiện tại (%(current)s).") % {"current": _fmt(current)}
        )
    if until < clock.today():
        raise RoundsError(_("Hạn mới đã qua; chọn một ngày từ hôm nay trở đi."))
    if round_.closes_on and until > round_.closes_on:
        raise RoundsError(
            _(
                "Hạn mới (%(until)s) sau ngày kết thúc đợt (%(closes)s). Sở GD&ĐT lùi ngày "
                "kết thúc đợt trước khi gia hạn đến ngày này."
            )
            % {"until": _fmt(until), "closes": _fmt(round_.closes_on)}
        )


def _schools_with_quota(round_: SupportRound, district_ids: Iterable[int] | None) -> list[int]:
    quotas = Quota.objects.filter(round=round_, school__isnull=False, amount__gt=0)
    if district_ids is not None:
        quotas = quotas.filter(district_id__in=list(district_ids))
    return sorted(set(quotas.values_list("school_id", flat=True)))


def _round_url(round_: SupportRound) -> str:
    return reverse("rounds:detail", args=[round_.pk])


def _tell_schools(round_: SupportRound, school_ids: Iterable[int], message: str) -> None:
    recipients = [u for sid in school_ids for u in school_staff_of(sid)]
    notify(
        recipients=recipients, verb="round.extend_deadline", message=message,
        url=_round_url(round_),
    )  # fmt: skip


def _officers_with_quota(round_: SupportRound) -> list[User]:
    """The district offices (district chain) or commune committees (commune chain) given a
    quota in the round."""
    quotas = Quota.objects.filter(round=round_)
    return list(
        User.objects.filter(
            Q(district_id__in=quotas.filter(district__isnull=False).values("district_id"))
            | Q(commune_id__in=quotas.filter(commune__isnull=False).values("commune_id")),
            is_active=True,
            role__can_approve=True,
        ).order_by("pk")
    )


@transaction.atomic
def extend_deadline(
    *,
    actor: User,
    round: SupportRound,
    until: dt.date,
    reason: str,
    district: District | None = None,
    school: School | None = None,
) -> dt.date:
    """Extend the proposal deadline of the whole round (province), of a district's schools
    or of one school (that district's office or the province), with a reason.

    Returns the new deadline; audited as ``round.extend_deadline`` and notified to the
    schools concerned (and to the district office when the province extends for it)."""
    round_ = SupportRound.objects.select_for_update().get(pk=round.pk)
    require_not_closed(round_)
    reason = reason.strip()
    if not reason:
        raise RoundsError(_("Vui lòng nhập lý do gia hạn."))
    if school is not None:
        district = school.district
    if district is None:
        require(rules.may_manage_rounds(actor))
        _check_new_deadline(round_, until, round_.ends_on)
        old = round_.ends_on
        round_.ends_on = until
        round_.save(update_fields=["ends_on"])
        record_audit(
            actor=actor, action="round.extend_deadline", obj=round_,
            changes={"ends_on": [old, until]}, reason=reason,
        )  # fmt: skip
        message = _(
            "Sở GD&ĐT gia hạn đề xuất đợt “%(round)s” đến hết ngày %(until)s. Lý do: %(reason)s"
        ) % {"round": round_.name, "until": _fmt(until), "reason": reason}
        notify(
            recipients=_officers_with_quota(round_), verb="round.extend_deadline",
            message=message, url=_round_url(round_),
        )  # fmt: skip
        _tell_schools(round_, _schools_with_quota(round_, None), message)
        return until
    require(rules.may_extend_deadline(actor, district))
    return _extend_for_unit(actor, round_, until, reason, district, school)


def _extend_for_unit(
    actor: User,
    round_: SupportRound,
    until: dt.date,
    reason: str,
    district: District,
    school: School | None,
) -> dt.date:
    existing = (
        # Ordered by pk alone: the model's ordering joins the school, and PostgreSQL locks
        # no row on the nullable side of an outer join.
        DeadlineExtension.objects.select_for_update(of=("self",))
        .filter(round=round_, district=district, school=school)
        .order_by("pk")
        .first()
    )
    if school is not None:
        current = school_deadline(round_, school)
    else:
        current = max(round_.ends_on, existing.until if existing else round_.ends_on)
    _check_new_deadline(round_, until, current)
    if existing is None:
        existing = DeadlineExtension(round=round_, district=district, school=school)
    old = existing.until if existing.pk else None
    existing.until, existing.reason = until, reason
    existing.granted_by, existing.granted_at = actor, clock.now()
    existing.save()
    unit = school.name if school is not None else district.name
    record_audit(
        actor=actor,
        action="round.extend_deadline",
        obj=round_,
        changes={_("Hạn đề xuất – %(unit)s") % {"unit": unit}: [old or current, until]},
        reason=reason,
        school_id=school.pk if school else None,
        district_id=district.pk,
    )
    by = _("Sở GD&ĐT") if actor.scope.is_provincial else _("Phòng GD&ĐT")
    message = _(
        "%(by)s gia hạn đề xuất đợt “%(round)s” cho %(unit)s đến hết ngày %(until)s. "
        "Lý do: %(reason)s"
    ) % {"by": by, "round": round_.name, "unit": unit, "until": _fmt(until), "reason": reason}
    schools = [school.pk] if school is not None else _schools_with_quota(round_, [district.pk])
    _tell_schools(round_, schools, message)
    if actor.scope.is_provincial:
        notify(
            recipients=district_officers(district.pk), verb="round.extend_deadline",
            message=message, url=_round_url(round_),
        )  # fmt: skip
    return until


def deadline_moved(round_: SupportRound, old: dt.date) -> None:
    """The province changed the round's deadline on its edit form: the district offices
    and the schools with a quota learn the new date."""
    message = _("Sở GD&ĐT đã đổi hạn đề xuất đợt “%(round)s” từ %(old)s thành %(new)s.") % {
        "round": round_.name,
        "old": _fmt(old),
        "new": _fmt(round_.ends_on),
    }
    notify(
        recipients=_officers_with_quota(round_), verb="round.update", message=message,
        url=_round_url(round_),
    )  # fmt: skip
    recipients = [u for sid in _schools_with_quota(round_, None) for u in school_staff_of(sid)]
    notify(recipients=recipients, verb="round.update", message=message, url=_round_url(round_))


def close_past_rounds() -> int:
    """Close every open round whose end date has passed; safe to run twice. Returns how
    many were closed. The district offices that had a quota are told."""
    today = clock.today()
    closed = 0
    due = SupportRound.objects.filter(
        status=SupportRound.Status.OPEN, closes_on__lt=today
    ).values_list("pk", flat=True)
    for pk in list(due):
        if _close_if_past(pk, today):
            closed += 1
    return closed


@transaction.atomic
def _close_if_past(pk: int, today: dt.date) -> bool:
    round_ = (
        SupportRound.objects.select_for_update()
        .filter(pk=pk, status=SupportRound.Status.OPEN, closes_on__lt=today)
        .first()
    )
    if round_ is None or round_.closes_on is None:
        return False  # closed meanwhile (another run, or by hand)
    round_.status = SupportRound.Status.CLOSED
    round_.save(update_fields=["status"])
    reason = _("Tự động đóng: đã qua ngày kết thúc đợt %(day)s.") % {"day": _fmt(round_.closes_on)}
    record_audit(
        actor=None,
        action="round.close",
        obj=round_,
        changes={"status": [SupportRound.Status.OPEN, SupportRound.Status.CLOSED]},
        reason=reason,
    )
    notify(
        recipients=_officers_with_quota(round_),
        verb="round.close",
        message=_("Đợt hỗ trợ “%(round)s” đã đóng (%(reason)s)")
        % {"round": round_.name, "reason": reason},
        url=_round_url(round_),
    )
    return True


def scoped_district(actor: User, pk: int) -> District:
    district = District.objects.visible_to(actor).filter(pk=pk).first()
    if district is None:
        raise Http404
    return district


def scoped_school(actor: User, pk: int) -> School:
    school = School.objects.visible_to(actor).select_related("district").filter(pk=pk).first()
    if school is None:
        raise Http404
    return school
