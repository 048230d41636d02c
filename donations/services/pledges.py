"""Pledges: their terms, instalments and in-kind items."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import record_audit
from donations.models import (
    Donor,
    Instalment,
    Pledge,
    PledgeItem,
)
from donations.services._base import (
    DEVICE_KINDS,
    InstalmentSpec,
    ItemSpec,
    _lock_pledge,
    _refresh_public_page,
    _require_manager,
)
from donations.services.receipts import cash_received, devices_delivered
from kernel.documents import format_vnd
from kernel.normalize import clean_text
from schools.choices import SupportKind


@transaction.atomic
def create_pledge(
    *,
    actor: User,
    donor: Donor,
    pledged_on: dt.date,
    cash_amount: int = 0,
    purpose: str = "",
    round: Any = None,
    note: str = "",
    items: Sequence[ItemSpec] = (),
    instalments: Sequence[InstalmentSpec] = (),
) -> Pledge:
    """Record a pledge of cash and/or in-kind items, with the cash due in instalments.

    Instalments, when given, must add up to the pledged cash.
    """
    _require_manager(actor, donor.province_id, round.province_id if round else None)
    errors = _pledge_errors(cash_amount, items, instalments)
    if errors:
        raise ValidationError(errors)
    pledge = Pledge.objects.create(
        donor=donor,
        pledged_on=pledged_on,
        cash_amount=cash_amount,
        purpose=clean_text(purpose),
        round=round,
        note=note.strip(),
        created_by=actor,
    )
    PledgeItem.objects.bulk_create(
        PledgeItem(
            pledge=pledge,
            kind=i.kind,
            quantity=i.quantity,
            months=i.months if i.kind == SupportKind.DATA else None,
        )
        for i in items
    )
    Instalment.objects.bulk_create(
        Instalment(pledge=pledge, due_on=i.due_on, amount=i.amount)
        for i in sorted(instalments, key=lambda i: i.due_on)
    )
    record_audit(
        actor=actor,
        action="donation.pledge.create",
        obj=pledge,
        changes={
            "donor": [None, str(donor)],
            "cash_amount": [None, cash_amount],
            "in_kind": [None, [f"{i.quantity} × {i.kind}" for i in items]],
            "instalments": [None, [f"{i.due_on:%d/%m/%Y}: {i.amount}" for i in instalments]],
        },
    )
    _refresh_public_page()
    return pledge


def _pledge_errors(
    cash_amount: int, items: Sequence[ItemSpec], instalments: Sequence[InstalmentSpec]
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if cash_amount < 0:
        errors["cash_amount"] = [_("Số tiền không được âm.")]
    if cash_amount <= 0 and not items:
        errors["__all__"] = [_("Cam kết phải có tiền hoặc hiện vật.")]
    for item in items:
        if item.quantity <= 0:
            errors.setdefault("items", []).append(_("Số lượng hiện vật phải lớn hơn 0."))
        if item.kind == SupportKind.DATA and not item.months:
            errors.setdefault("items", []).append(_("Gói cước cần ghi số tháng."))
    if instalments:
        if sum(i.amount for i in instalments) != cash_amount:
            errors["instalments"] = [
                _("Tổng các đợt nộp (%(sum)s) phải bằng số tiền cam kết (%(cash)s).")
                % {
                    "sum": format_vnd(sum(i.amount for i in instalments)),
                    "cash": format_vnd(max(cash_amount, 0)),
                }
            ]
        if any(i.amount <= 0 for i in instalments):
            errors.setdefault("instalments", []).append(_("Mỗi đợt nộp phải lớn hơn 0 đồng."))
    return errors


def _pledge_terms(pledge: Pledge) -> dict[str, Any]:
    """What an edit of the pledge may change, as the audit log shows it."""
    return {
        "pledged_on": pledge.pledged_on.isoformat(),
        "cash_amount": pledge.cash_amount,
        "round": str(pledge.round) if pledge.round_id else None,
        "purpose": pledge.purpose,
        "note": pledge.note,
        "in_kind": sorted(
            f"{i.quantity} × {i.kind}" + (f" ({i.months} tháng)" if i.months else "")
            for i in pledge.items.all()
        ),
        "instalments": [
            f"{i.due_on:%d/%m/%Y}: {i.amount}" for i in pledge.instalments.order_by("due_on")
        ],
    }


# size: terms, instalments and items of a pledge are checked against what was already received
#   under one lock
@transaction.atomic
def update_pledge(
    *,
    actor: User,
    pledge: Pledge,
    pledged_on: dt.date,
    cash_amount: int = 0,
    purpose: str = "",
    round: Any = None,
    note: str = "",
    items: Sequence[ItemSpec] = (),
    instalments: Sequence[InstalmentSpec] = (),
) -> Pledge:
    """Correct a pledge: its date, cash, purpose, round, note, in-kind items and instalments.

    What was already received stays true: the cash cannot fall below the receipts
    recorded against it, nor a kind of device below the devices delivered.  Items and
    instalments are replaced by the new ones (no receipt refers to them).
    """
    _require_manager(actor, pledge.donor.province_id, round.province_id if round else None)
    locked = _lock_pledge(pledge)  # receipts against the pledge wait for the edit
    errors = _pledge_errors(cash_amount, items, instalments)
    received = cash_received(locked)
    if received and cash_amount < received:
        errors.setdefault("cash_amount", []).append(
            _("Đã nhận %(received)s cho cam kết này; số tiền cam kết không thể thấp hơn.")
            % {"received": format_vnd(received)}
        )
    delivered = devices_delivered(locked)
    wanted: Counter[str] = Counter()
    for item in items:
        if item.kind in DEVICE_KINDS:
            wanted[item.kind] += item.quantity
    for kind, count in sorted(delivered.items()):
        if wanted[kind] < count:
            errors.setdefault("items", []).append(
                _("Đã nhận %(count)s %(kind)s; số cam kết không thể thấp hơn.")
                % {"count": count, "kind": SupportKind(kind).label.lower()}
            )
    if errors:
        raise ValidationError(errors)
    before = _pledge_terms(locked)
    locked.pledged_on = pledged_on
    locked.cash_amount = cash_amount
    locked.purpose = clean_text(purpose)
    locked.round = round
    locked.note = note.strip()
    locked.save(update_fields=["pledged_on", "cash_amount", "purpose", "round", "note"])
    locked.items.all().delete()
    PledgeItem.objects.bulk_create(
        PledgeItem(
            pledge=locked,
            kind=i.kind,
            quantity=i.quantity,
            months=i.months if i.kind == SupportKind.DATA else None,
        )
        for i in items
    )
    locked.instalments.all().delete()
    Instalment.objects.bulk_create(
        Instalment(pledge=locked, due_on=i.due_on, amount=i.amount)
        for i in sorted(instalments, key=lambda i: i.due_on)
    )
    after = _pledge_terms(locked)
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        record_audit(actor=actor, action="donation.pledge.update", obj=locked, changes=changes)
        _refresh_public_page()
    return locked
