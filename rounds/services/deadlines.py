"""The proposal deadline: each school's, its extensions, and closing rounds past their end.

A school's deadline is the latest of the round's "hạn đề xuất", its unit's extension —
its district's (district chain) or its deciding commune's (commune chain) — and its own.
A first submission after it is refused; a list the deciding body returned for correction
may be sent again after it (the body asked for it). A round closes once its end date
("ngày kết thúc đợt") has passed, by the nightly sweep.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.access import is_commune_user, own_commune_id, require
from accounts.models import User
from accounts.services import notify, record_audit
from kernel import clock
from rounds import chain, rules
from rounds.models import DeadlineExtension, Quota, SupportRound
from rounds.services.common import district_officers, require_not_closed, school_staff_of
from rounds.workflow import RoundsError
from schools.models import Commune, District, School

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
    by_unit: dict[tuple[str, int], dt.date] = {}
    by_school: dict[int, dt.date] = {}
    for ext in DeadlineExtension.objects.filter(round=round_).filter(
        Q(school_id__in=[s.pk for s in schools])
        | Q(school__isnull=True, district_id__in={s.district_id for s in schools})
        | Q(school__isnull=True, commune__isnull=False)
    ):
        if ext.school_id is not None:
            by_school[ext.school_id] = ext.until
        elif ext.commune_id is not None:
            by_unit[(chain.COMMUNE, ext.commune_id)] = ext.until
        elif ext.district_id is not None:
            by_unit[(chain.DISTRICT, ext.district_id)] = ext.until
    unit_of = _extension_units(round_, schools, by_unit)
    return {
        s.pk: max(
            round_.ends_on,
            by_unit.get(unit_of[s.pk], round_.ends_on) if s.pk in unit_of else round_.ends_on,
            by_school.get(s.pk, round_.ends_on),
        )
        for s in schools
    }


def _extension_units(
    round_: SupportRound, schools: list[School], by_unit: dict[tuple[str, int], dt.date]
) -> dict[int, tuple[str, int]]:
    """The unit whose extension counts for each school: its district (district chain) or
    the commune whose committee decides it in the round (commune chain; the deciding
    offices are asked only when a commune extended, in one bulk call)."""
    if not round_.by_communes:
        return {s.pk: (chain.DISTRICT, s.district_id) for s in schools}
    if not any(kind == chain.COMMUNE for kind, _pk in by_unit):
        return {}
    return {
        pk: (chain.COMMUNE, d.unit_id)
        for pk, d in chain.deciders(round_, schools).items()
        if d is not None and d.kind == chain.COMMUNE
    }


def require_before_deadline(round_: SupportRound, school: School) -> None:
    deadline = school_deadline(round_, school)
    if clock.today() > deadline:
        raise RoundsError(
            _(
                "Đã quá hạn đề xuất của trường (%(deadline)s); không thể gửi danh sách. "
                "Nếu trường cần thêm thời gian, đề nghị %(body)s gia hạn."
            )
            % {
                "deadline": _fmt(deadline),
                "body": chain.body_name(chain.decider_for(round_, school)),
            }
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
    commune: Commune | None = None,
    school: School | None = None,
) -> dt.date:
    """Extend the proposal deadline of the whole round (province), of a district's schools
    (district chain), of a commune's schools (commune chain) or of one school, with a reason.

    A district's extension is given by its office or the province; in a round of the
    commune chain a commune's, or one of its schools', by that commune's committee or the
    province, and a school the Sở decides by the province. Returns the new deadline;
    audited as ``round.extend_deadline`` and notified to the schools concerned (and to
    the district office or commune committee when the province extends for it)."""
    round_ = SupportRound.objects.select_for_update().get(pk=round.pk)
    require_not_closed(round_)
    reason = reason.strip()
    if not reason:
        raise RoundsError(_("Vui lòng nhập lý do gia hạn."))
    if school is not None:
        district = school.district
        commune = _require_school_extender(actor, round_, school)
    elif commune is not None:
        require(round_.by_communes and rules.may_extend_commune_deadline(actor, commune))
    elif district is not None:
        require(not round_.by_communes and rules.may_extend_deadline(actor, district))
    else:
        return _extend_round(actor, round_, until, reason)
    unit = Unit(district=district, commune=commune, school=school)
    return _extend_for_unit(actor, round_, until, reason, unit)


def _require_school_extender(actor: User, round_: SupportRound, school: School) -> Commune | None:
    """Refuse (404) anyone who may not extend for ``school``; its deciding commune (commune
    chain), recorded with the extension."""
    if not round_.by_communes:
        require(rules.may_extend_deadline(actor, school.district))
        return None
    decider = chain.decider_for(round_, school)
    if decider is not None and decider.kind == chain.COMMUNE:
        commune = Commune.objects.get(pk=decider.unit_id)
        require(rules.may_extend_commune_deadline(actor, commune))
        return commune
    # The Sở decides the school (THPT, GDTX), or no office can be named yet: the province.
    require(rules.may_extend_for_province_run(actor, school))
    return None


def _extend_round(actor: User, round_: SupportRound, until: dt.date, reason: str) -> dt.date:
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


@dataclass(frozen=True)
class Unit:
    """Whom an extension is for: one school (with its district and, on the commune chain,
    its deciding commune), or all the schools of a district or of a commune."""

    district: District | None
    commune: Commune | None
    school: School | None

    @property
    def name(self) -> str:
        return (self.school or self.commune or self.district or "").__str__()

    def existing(self) -> Q:
        if self.school is not None:
            return Q(school=self.school)
        if self.commune is not None:
            return Q(commune=self.commune, school__isnull=True)
        return Q(district=self.district, school__isnull=True, commune__isnull=True)

    def schools_told(self, round_: SupportRound) -> list[int]:
        if self.school is not None:
            return [self.school.pk]
        if self.commune is not None:
            shares = Quota.objects.filter(
                round=round_, commune=self.commune, school__isnull=False, amount__gt=0
            )
            return sorted(set(shares.values_list("school_id", flat=True)))
        assert self.district is not None
        return _schools_with_quota(round_, [self.district.pk])

    def officers(self, round_: SupportRound) -> list[User]:
        """The office the unit belongs to, told when the province extends for it: the
        commune committee, or the district office of a district-chain round (a school the
        Sở decides itself has none)."""
        if self.commune is not None:
            return chain.users_of(chain.Decider(chain.COMMUNE, self.commune.pk, ""))
        if round_.by_communes or self.district is None:
            return []
        return district_officers(self.district.pk)


def _granted_by(actor: User, unit: Unit) -> str:
    """The body named in the notification: the Sở, the district office or the committee."""
    if actor.scope.is_provincial:
        return _("Sở GD&ĐT")
    if unit.commune is not None:
        return chain.committee_name(unit.commune)
    return _("Phòng GD&ĐT")


def _extend_for_unit(
    actor: User, round_: SupportRound, until: dt.date, reason: str, unit: Unit
) -> dt.date:
    existing = (
        # Ordered by pk alone: the model's ordering joins the school, and PostgreSQL locks
        # no row on the nullable side of an outer join.
        DeadlineExtension.objects.select_for_update(of=("self",))
        .filter(unit.existing(), round=round_)
        .order_by("pk")
        .first()
    )
    if unit.school is not None:
        current = school_deadline(round_, unit.school)
    else:
        current = max(round_.ends_on, existing.until if existing else round_.ends_on)
    _check_new_deadline(round_, until, current)
    if existing is None:
        existing = DeadlineExtension(
            round=round_, district=unit.district, commune=unit.commune, school=unit.school
        )
    old = existing.until if existing.pk else None
    existing.until, existing.reason = until, reason
    existing.granted_by, existing.granted_at = actor, clock.now()
    existing.save()
    record_audit(
        actor=actor,
        action="round.extend_deadline",
        obj=round_,
        changes={_("Hạn đề xuất – %(unit)s") % {"unit": unit.name}: [old or current, until]},
        reason=reason,
        school_id=unit.school.pk if unit.school else None,
        district_id=unit.district.pk if unit.district else None,
    )
    message = _(
        "%(by)s gia hạn đề xuất đợt “%(round)s” cho %(unit)s đến hết ngày %(until)s. "
        "Lý do: %(reason)s"
    ) % {
        "by": _granted_by(actor, unit),
        "round": round_.name,
        "unit": unit.name,
        "until": _fmt(until),
        "reason": reason,
    }
    _tell_schools(round_, unit.schools_told(round_), message)
    if actor.scope.is_provincial:
        notify(
            recipients=unit.officers(round_), verb="round.extend_deadline",
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


def scoped_commune(actor: User, pk: int) -> Commune:
    """A commune of 2025 the actor may extend for (its own, or one of its province's)."""
    commune = Commune.objects.filter(pk=pk, generation__has_districts=False).first()
    if commune is None or not rules.may_extend_commune_deadline(actor, commune):
        raise Http404
    return commune


def extension_communes(round_: SupportRound, actor: User) -> list[Commune]:
    """The communes the actor may extend for in a round of the commune chain: a commune
    officer's own, the province's communes given a quota in the round."""
    communes = Commune.objects.filter(
        quotas__round=round_, quotas__school__isnull=True, quotas__amount__gt=0
    ).distinct()
    if is_commune_user(actor):
        communes = Commune.objects.filter(pk=own_commune_id(actor))
    return [c for c in communes.order_by("code") if rules.may_extend_commune_deadline(actor, c)]
