"""Rounds and quotas: opened, changed and closed by the province, split by the district."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import diff, record_audit, snapshot
from rounds.models import Proposal, SupportRound
from rounds.services import deadlines, notices
from rounds.services.common import (
    ROUND_FIELDS,
    check_offers,
    own_round,
    require_not_closed,
    require_province,
)
from rounds.workflow import RoundsError
from schools.models import District

# --- rounds ---------------------------------------------------------------------------


@transaction.atomic
def open_round(
    *,
    actor: User,
    name: str,
    school_year: str,
    starts_on: dt.date,
    ends_on: dt.date,
    offers: Sequence[str],
    requires_province_confirmation: bool = True,
    description: str = "",
    closes_on: dt.date | None = None,
) -> SupportRound:
    """Create a support round and open it to proposals (province only).

    Schools propose until ``ends_on``; the round closes after ``closes_on`` (by default
    30 days later, time for the districts and the province to decide)."""
    require_province(actor)
    starts_on, ends_on = _date(starts_on), _date(ends_on)
    closes_on = _date(closes_on) if closes_on else deadlines.default_closing(ends_on)
    if ends_on < starts_on:
        raise RoundsError(_("Hạn đề xuất phải sau ngày bắt đầu."))
    if closes_on < ends_on:
        raise RoundsError(_("Ngày kết thúc đợt không được trước hạn đề xuất."))
    round_ = SupportRound.objects.create(
        province_id=actor.scope.province_id,
        name=name.strip(),
        school_year=school_year.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        closes_on=closes_on,
        offers=check_offers(offers),
        requires_province_confirmation=requires_province_confirmation,
        description=description,
        status=SupportRound.Status.OPEN,
        chain=SupportRound.chain_for(starts_on),
        created_by=actor,
    )
    record_audit(
        actor=actor, action="round.open", obj=round_, changes=snapshot(round_, ROUND_FIELDS)
    )
    notices.round_opened(round_, District.objects.visible_to(actor).values_list("pk", flat=True))
    return round_


@transaction.atomic
def update_round(*, actor: User, round: SupportRound, reason: str = "", **fields) -> SupportRound:
    """Change a round's name, dates, offers or confirmation rule (not once it is closed)."""
    require_province(actor)
    round_ = own_round(actor, round, lock=True)
    require_not_closed(round_)
    before = snapshot(round_, ROUND_FIELDS)
    allowed = set(ROUND_FIELDS) - {"status", "chain"}
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(f"Cannot update {name}")
        setattr(round_, name, value)
    if "offers" in fields:
        round_.offers = check_offers(fields["offers"])
        dropped = set(before["offers"]) - set(round_.offers)
        if dropped and round_.items.filter(kind__in=dropped).exists():
            raise RoundsError(
                _("Không thể bỏ hình thức hỗ trợ đã có học sinh được đề xuất trong đợt.")
            )
    if round_.ends_on < round_.starts_on:
        raise RoundsError(_("Hạn đề xuất phải sau ngày bắt đầu."))
    _check_chain(round_)
    _check_closing(round_)
    if (
        "requires_province_confirmation" in fields
        and not round_.requires_province_confirmation
        and round_.proposals.filter(status=Proposal.Status.APPROVED).exists()
        and before["requires_province_confirmation"]
    ):
        raise RoundsError(_("Đã có danh sách chờ Sở xác nhận; không thể bỏ bước xác nhận lúc này."))
    round_.save()
    changes = diff(before, snapshot(round_, ROUND_FIELDS))
    if changes:
        record_audit(actor=actor, action="round.update", obj=round_, changes=changes, reason=reason)
    if "ends_on" in changes:
        deadlines.deadline_moved(round_, _date(changes["ends_on"][0]))
    return round_


def _date(value: dt.date | str) -> dt.date:
    """A date given as ``date`` or ISO text (fixtures, the shell)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _check_chain(round_: SupportRound) -> None:
    """A new start date across 1/7/2025 changes who decides: only before any quota or list."""
    chain = SupportRound.chain_for(round_.starts_on)
    if chain == round_.chain:
        return
    if round_.quotas.exists() or round_.proposals.exists():
        raise RoundsError(
            _(
                "Ngày bắt đầu mới làm thay đổi cấp xét duyệt của đợt (trước và sau 1/7/2025), "
                "nhưng đợt đã có chỉ tiêu hoặc danh sách đề xuất; không thể đổi."
            )
        )
    round_.chain = chain


def _check_closing(round_: SupportRound) -> None:
    """The end date may not come before the deadline nor before an extension granted."""
    if not round_.closes_on:
        round_.closes_on = deadlines.default_closing(round_.ends_on)
    if round_.closes_on < round_.ends_on:
        raise RoundsError(_("Ngày kết thúc đợt không được trước hạn đề xuất."))
    latest = round_.extensions.order_by("-until").values_list("until", flat=True).first()
    if latest and round_.closes_on < latest:
        raise RoundsError(
            _("Đã gia hạn đề xuất đến %(until)s; ngày kết thúc đợt không được sớm hơn.")
            % {"until": latest.strftime("%d/%m/%Y")}
        )


@transaction.atomic
def close_round(*, actor: User, round: SupportRound, reason: str = "") -> SupportRound:
    """Close the round: no proposal, decision or quota may change afterwards."""
    require_province(actor)
    round_ = own_round(actor, round, lock=True)
    require_not_closed(round_)
    old = round_.status
    round_.status = SupportRound.Status.CLOSED
    round_.save(update_fields=["status"])
    record_audit(
        actor=actor,
        action="round.close",
        obj=round_,
        changes={"status": [old, round_.status]},
        reason=reason,
    )
    return round_
