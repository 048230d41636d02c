"""Spending: money drawn on cash receipts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import record_audit
from devices.models import DeviceSource
from donations.models import (
    CashReceipt,
    FundAccount,
    Spending,
    SpendingDraw,
)
from donations.services._base import _refresh_public_page, _require_manager
from donations.services.donors import normalize_reference
from donations.services.receipts import _import_delivery
from kernel.documents import format_vnd


def receipt_balance(receipt: CashReceipt) -> int:
    """What is left of a cash receipt after the spendings that drew on it."""
    spent = receipt.draws.aggregate(total=Sum("amount"))["total"] or 0
    return receipt.amount - spent


# size: draws on several receipts are checked against their balances and written under one lock
@transaction.atomic
def record_spending(
    *,
    actor: User,
    spent_on: dt.date,
    amount: int,
    account: FundAccount,
    purpose: str,
    reference: str,
    receipts: Iterable[CashReceipt],
    description: str = "",
    purchase: DeviceSource | None = None,
    purchase_file: IO[bytes] | Any | None = None,
    subscriptions_count: int = 0,
) -> Spending:
    """Record cash spent from the fund, drawn on the given receipts in order.

    A purchase of devices links to a ``DeviceSource(kind=purchase)``: an existing
    one, or one created here from ``purchase_file`` with the devices importer.
    Data packages record how many subscriptions were bought.  The amount must be
    covered by what is left of the chosen receipts (oldest first).
    """
    _require_manager(actor, account.province_id)
    reference = normalize_reference(reference)
    errors: dict[str, list[str]] = {}
    if amount is None or amount <= 0:
        errors["amount"] = [_("Số tiền phải lớn hơn 0 đồng.")]
    if not reference:
        errors["reference"] = [_("Nhập số chứng từ chi.")]
    elif Spending.objects.filter(reference__iexact=reference).exists():
        errors["reference"] = [
            _("Số chứng từ chi “%(ref)s” đã được ghi nhận.") % {"ref": reference}
        ]
    if purpose == Spending.Purpose.DEVICES:
        if purchase is None and purchase_file is None:
            errors["purchase"] = [_("Chọn lô thiết bị đã mua hoặc tải lên danh sách thiết bị.")]
        elif purchase is not None and purchase.kind != DeviceSource.Kind.PURCHASE:
            errors["purchase"] = [_("Lô thiết bị phải là nguồn “Mua sắm”.")]
        elif purchase is not None and Spending.objects.filter(purchase=purchase).exists():
            errors["purchase"] = [_("Lô thiết bị này đã gắn với một khoản chi khác.")]
    elif purpose == Spending.Purpose.DATA and subscriptions_count <= 0:
        errors["subscriptions_count"] = [_("Ghi số thuê bao gói cước được mua.")]
    chosen = list(
        CashReceipt.objects.select_for_update()
        .filter(pk__in=[r.pk for r in receipts])
        .order_by("received_on", "pk")
    )
    if not chosen:
        errors["receipts"] = [_("Chọn khoản thu mà khoản chi này sử dụng.")]
    elif any(r.account_id != account.pk for r in chosen):
        errors["receipts"] = [_("Các khoản thu phải thuộc tài khoản quỹ của khoản chi.")]
    if errors:
        raise ValidationError(errors)
    draws: list[tuple[CashReceipt, int]] = []
    left = amount
    for receipt in chosen:
        take = min(receipt_balance(receipt), left)
        if take > 0:
            draws.append((receipt, take))
            left -= take
        if left == 0:
            break
    if left:
        raise ValidationError(
            {
                "receipts": [
                    _("Các khoản thu đã chọn chỉ còn %(available)s, không đủ chi %(amount)s.")
                    % {"available": format_vnd(amount - left), "amount": format_vnd(amount)}
                ]
            }
        )
    if purpose == Spending.Purpose.DEVICES and purchase is None:
        purchase, _report, _created = _import_delivery(
            actor=actor,
            kind=DeviceSource.Kind.PURCHASE,
            reference=reference,
            received_on=spent_on,
            note=description,
            delivery_file=purchase_file,
            file_field="purchase_file",
        )
    spending = Spending.objects.create(
        spent_on=spent_on,
        amount=amount,
        account=account,
        purpose=purpose,
        reference=reference,
        description=description.strip(),
        purchase=purchase if purpose == Spending.Purpose.DEVICES else None,
        subscriptions_count=subscriptions_count if purpose == Spending.Purpose.DATA else 0,
        recorded_by=actor,
    )
    SpendingDraw.objects.bulk_create(
        SpendingDraw(spending=spending, receipt=receipt, amount=take) for receipt, take in draws
    )
    record_audit(
        actor=actor,
        action="donation.spending.create",
        obj=spending,
        changes={
            "amount": [None, amount],
            "purpose": [None, purpose],
            "purchase": [None, str(spending.purchase) if spending.purchase else None],
            "draws": [None, [f"{r.reference}: {take}" for r, take in draws]],
        },
    )
    _refresh_public_page()
    return spending
