"""Carrying out a transition plan: everything in one transaction, or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import record_audit
from devices.models import Device, StockTransfer
from devices.transition.choices import Choices, apply_choices
from devices.transition.planning import DEVICE, QUOTA, TRANSFER, Move, Plan, plan
from kernel import public_page
from rounds.models import Quota

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
    lines = []
    for move in current.waiting:
        options = ", ".join(c.key for c in move.candidates)
        if move.kind == QUOTA:
            lines.append(
                _("%(key)s (%(obj)s): huyện đã chia cho nhiều xã — cần chia chỉ tiêu: %(o)s")
                % {"key": move.key, "obj": move.obj, "o": options}
            )
        else:
            lines.append(
                _("%(key)s (%(obj)s): huyện đã chia cho nhiều xã — cần chọn nơi nhận: %(o)s")
                % {"key": move.key, "obj": move.obj, "o": options}
            )
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
    appliers: dict[str, Callable[[User | None, Move], None]] = {
        DEVICE: _move_device,
        TRANSFER: _move_transfer,
        QUOTA: _move_quota,
    }
    for move in current.moves:
        appliers[move.kind](actor, move)
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
    for model, kind in ((Device, DEVICE), (StockTransfer, TRANSFER), (Quota, QUOTA)):
        ids = sorted(m.obj.pk for m in current.moves if m.kind == kind)
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
        changes = {"to": [move.district.name, str(move.target)]}
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
        shares.append(f"{share.commune}: {amount}")  # type: ignore[attr-defined]
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
