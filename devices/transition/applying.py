"""Carrying out a transition plan: everything in one transaction, or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import record_audit
from devices.models import Device, StockTransfer
from devices.transition.choices import Choices, apply_choices
from devices.transition.planning import (
    DEVICE,
    PROPOSAL,
    QUOTA,
    SHARE,
    TRANSFER,
    Move,
    Plan,
    plan,
)
from kernel import public_page
from rounds.models import Proposal, Quota, SupportRound
from schools.models import REFORM_DATE, Office, SchoolPlacement

if TYPE_CHECKING:
    from accounts.models import User
    from schools.models import Province


class TransitionRefused(Exception):
    """The plan cannot be carried out as it stands; ``messages`` says why, per item."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def waiting_messages(current: Plan) -> list[str]:
    """One line per item that waits for the administrator's choice."""
    lines: list[str] = []
    seen: set[str] = set()
    for move in current.waiting:
        key = move.choice_key or move.key
        if key in seen:
            continue
        seen.add(key)
        names = {"key": key, "o": ", ".join(c.key for c in move.candidates)}
        if move.school is not None:
            text = _(
                "%(key)s (%(obj)s): xã cũ đã chia cho nhiều xã — cần chọn xã của trường: %(o)s"
            )
            names["obj"] = str(move.school)
        elif move.kind == QUOTA:
            text = _("%(key)s (%(obj)s): huyện đã chia cho nhiều xã — cần chia chỉ tiêu: %(o)s")
            names["obj"] = str(move.obj)
        else:
            text = _("%(key)s (%(obj)s): huyện đã chia cho nhiều xã — cần chọn nơi nhận: %(o)s")
            names["obj"] = str(move.obj)
        lines.append(text % names)
    return lines


@transaction.atomic
def transition_offices(
    *, actor: User | None, province: Province, on: dt.date | None = None, choices: Choices
) -> Plan:
    """Hand the work in flight at ``province``'s abolished district offices to their
    successors: one audit entry per item moved and one for the whole run.

    Refuses (``TransitionRefused``, nothing written) while an item waits for a choice.
    A second run finds nothing left and writes nothing."""
    on = on or timezone.localdate()
    current = apply_choices(plan(province, on=on), choices)
    if current.waiting:
        raise TransitionRefused(waiting_messages(current))
    if current.is_empty:
        return current
    _lock(current)
    _place_schools(actor, current)
    appliers: dict[str, Callable[[User | None, Move], None]] = {
        DEVICE: _move_device,
        TRANSFER: _move_transfer,
        QUOTA: _move_quota,
        PROPOSAL: _move_proposal,
        SHARE: _move_share,
    }
    for move in current.moves:
        appliers[move.kind](actor, move)
    for round_ in current.rounds:
        _switch_round(actor, round_)
    record_audit(
        actor=actor,
        action="transition.run",
        obj=province,
        changes={kind: [None, n] for kind, n in sorted(current.counts_by_kind().items())},
        reason=_("Chuyển giao việc của các Phòng GD&ĐT đã giải thể (ngày %(d)s)")
        % {"d": on.strftime("%d/%m/%Y")},
    )
    public_page.refresh_on_commit()  # the public page counts devices per holder
    return current


def _lock(current: Plan) -> None:
    """Lock the rows the plan moves; refuse if one changed since the plan read it."""
    kinds = ((Device, (DEVICE,)), (StockTransfer, (TRANSFER,)), (Quota, (QUOTA, SHARE)))
    for model, names in (*kinds, (Proposal, (PROPOSAL,))):
        ids = sorted(m.obj.pk for m in current.moves if m.kind in names)
        if not ids:
            continue
        locked = list(
            model.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True)
        )
        if len(locked) != len(ids):
            raise TransitionRefused(
                [_("Dữ liệu vừa thay đổi trong lúc chuyển giao; hãy chạy lại.")]
            )


def _move_device(actor: User | None, move: Move) -> None:
    device = move.obj
    assert isinstance(device, Device) and move.target is not None
    commune = move.target.commune
    before = {"holder": device.holder, "district": str(device.district_id)}
    device.holder = Device.Holder.COMMUNE if commune else Device.Holder.PROVINCE
    device.district = None
    device.commune = commune
    device.save(update_fields=["holder", "district", "commune", "updated_at"])
    record_audit(
        actor=actor,
        action="transition.device",
        obj=device,
        changes={
            "holder": [before["holder"], device.holder],
            "district": [before["district"], None],
            "commune": [None, commune.code if commune else None],
        },
        reason=_("Chuyển giao từ Phòng GD&ĐT %(d)s đến %(t)s")
        % {"d": move.district.name, "t": move.target},
    )


def _move_transfer(actor: User | None, move: Move) -> None:
    transfer = move.obj
    assert isinstance(transfer, StockTransfer) and move.target is not None
    commune = move.target.commune
    reason = _("Phòng GD&ĐT %(d)s đã giải thể: chuyển hướng đến %(t)s") % {
        "d": move.district.name,
        "t": move.target,
    }
    if commune is not None:
        transfer.to_district = None
        transfer.to_commune = commune
        transfer.save(update_fields=["to_district", "to_commune"])
        changes: dict[str, Any] = {"to": [move.district.name, str(move.target)]}
    else:
        # Back to the provincial store: the devices never left it (they were in transit).
        devices = list(transfer.devices.values_list("pk", "serial_number"))
        Device.objects.filter(pk__in=[pk for pk, _serial in devices]).update(
            status=Device.Status.IN_STOCK, updated_at=timezone.now()
        )
        transfer.status = StockTransfer.Status.CANCELLED
        transfer.save(update_fields=["status"])
        changes = {
            "status": [StockTransfer.Status.SENT, StockTransfer.Status.CANCELLED],
            "devices": [None, [serial for _pk, serial in devices]],
        }
    record_audit(
        actor=actor, action="transition.transfer", obj=transfer, changes=changes, reason=reason
    )


def _move_quota(actor: User | None, move: Move) -> None:
    quota = move.obj
    assert isinstance(quota, Quota)
    shares = []
    for commune_id, amount in sorted(move.split.items()):
        share, created = Quota.objects.get_or_create(
            round_id=quota.round_id,
            commune_id=commune_id,
            school=None,
            kind=quota.kind,
            defaults={"amount": amount},
        )
        if not created:
            share.amount += amount
            share.save(update_fields=["amount", "updated_at"])
        shares.append(f"{share.commune}: {amount}")
    record_audit(
        actor=actor,
        action="transition.quota",
        obj=quota.round,
        changes={
            "quota": [f"{move.district.name} · {quota.kind}: {quota.amount}", "; ".join(shares)]
        },
        reason=_("Chỉ tiêu của %(d)s chuyển cho các xã kế thừa") % {"d": move.district.name},
    )
    quota.delete()


def _place_schools(actor: User | None, current: Plan) -> None:
    """A school whose commune was split is placed in the commune the administrator chose,
    from the reform on: its committee decides its lists from then (``schools.offices``)."""
    placed: set[int] = set()
    for move in current.moves:
        school, target = move.school, move.target
        if school is None or target is None or target.commune is None or school.pk in placed:
            continue
        placed.add(school.pk)
        placement, _created = SchoolPlacement.objects.get_or_create(
            school=school, valid_from=REFORM_DATE, defaults={"commune": target.commune}
        )
        record_audit(
            actor=actor,
            action="transition.placement",
            obj=placement,
            changes={"commune": [school.commune.name, target.commune.name]},
            reason=_("Chọn xã của trường khi chuyển giao (xã cũ đã chia cho nhiều xã)"),
            school_id=school.pk,
        )


def _office_of(move: Move) -> Office | None:
    """The office a list or a share goes to: the one named, or the chosen commune's."""
    assert move.target is not None
    if move.target.office is not None:
        return move.target.office  # type: ignore[return-value]
    return Office.objects.filter(
        kind=Office.Kind.COMMUNE_COMMITTEE, commune=move.target.commune
    ).first()


def _move_proposal(actor: User | None, move: Move) -> None:
    proposal = move.obj
    assert isinstance(proposal, Proposal)
    office = _office_of(move)
    record_audit(
        actor=actor,
        action="transition.proposal",
        obj=proposal,
        changes={
            "decider": [
                _("Phòng GD&ĐT %(d)s") % {"d": move.district.name},
                str(office or move.target),
            ]
        },
        reason=_("Danh sách chờ duyệt chuyển cho cơ quan quản lý mới của trường"),
        school_id=proposal.school_id,
    )


def _move_share(actor: User | None, move: Move) -> None:
    """A school's share of its district's quota: a share of its commune's, or for a school
    the Sở decides, the school's own quota."""
    share = move.obj
    assert isinstance(share, Quota)
    office = _office_of(move)
    commune = office.commune if office is not None else move.target.commune  # type: ignore[union-attr]
    if office is not None and office.kind == Office.Kind.DEPARTMENT:
        commune = None
    share.district = None
    share.commune = commune
    share.save(update_fields=["district", "commune", "updated_at"])
    record_audit(
        actor=actor,
        action="transition.quota",
        obj=share.round,
        changes={
            "quota": [
                f"{move.district.name} · {share.school} · {share.kind}: {share.amount}",
                f"{commune or office} · {share.school} · {share.kind}: {share.amount}",
            ]
        },
        reason=_("Chỉ tiêu của trường chuyển theo cơ quan quản lý mới"),
        school_id=share.school_id,
    )


def _switch_round(actor: User | None, round_: SupportRound) -> None:
    round_.chain = SupportRound.Chain.COMMUNE
    round_.save(update_fields=["chain"])
    record_audit(
        actor=actor,
        action="transition.round",
        obj=round_,
        changes={"chain": [SupportRound.Chain.DISTRICT, SupportRound.Chain.COMMUNE]},
        reason=_("Các Phòng GD&ĐT đã giải thể: UBND xã và Sở GD&ĐT duyệt tiếp"),
    )
