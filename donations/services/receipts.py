"""Receipts: cash into the fund account and devices delivered in kind."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import record_audit
from devices.models import Device, DeviceSource
from donations.models import (
    CashReceipt,
    FundAccount,
    InKindReceipt,
    Pledge,
)
from donations.services._base import (
    DEVICE_KINDS,
    KIND_OF_DEVICE,
    DeliveryImportError,
    _lock_pledge,
    _refresh_public_page,
    _require_manager,
)
from donations.services.donors import normalize_reference
from kernel.documents import format_vnd
from kernel.importing import ImportReport
from kernel.normalize import clean_text
from kernel.spreadsheets import SpreadsheetError
from schools.choices import SupportKind


def cash_received(pledge: Pledge) -> int:
    return pledge.cash_receipts.aggregate(total=Sum("amount"))["total"] or 0


def _over_delivery_reason(over_delivery: bool, reason: str) -> str:
    reason = clean_text(reason)
    if over_delivery and not reason:
        raise ValidationError(
            {"over_delivery_reason": [_("Ghi lý do xác nhận nhận vượt số đã cam kết.")]}
        )
    return reason


# size: the receipt's checks (fund account, reference, over-payment) and the write run under the
#   pledge lock
@transaction.atomic
def record_cash_receipt(
    *,
    actor: User,
    pledge: Pledge,
    amount: int,
    received_on: dt.date,
    account: FundAccount,
    reference: str,
    over_delivery: bool = False,
    over_delivery_reason: str = "",
) -> CashReceipt:
    """Record cash received into the fund account against a pledge.

    Refused: an amount that is not positive; a bank/treasury reference already
    recorded; more than the pledge's remaining cash unless ``over_delivery`` is
    set with a reason (the donor really gave more).
    """
    _require_manager(actor, pledge.donor.province_id, account.province_id)
    pledge = _lock_pledge(pledge)
    reference = normalize_reference(reference)
    errors: dict[str, list[str]] = {}
    if amount is None or amount <= 0:
        errors["amount"] = [_("Số tiền phải lớn hơn 0 đồng.")]
    if not reference:
        errors["reference"] = [_("Nhập số chứng từ ngân hàng/kho bạc.")]
    else:
        existing = (
            CashReceipt.objects.filter(reference__iexact=reference)
            .select_related("pledge__donor")
            .first()
        )
        if existing is not None:
            errors["reference"] = [_duplicate_reference_message(existing)]
    if errors:
        raise ValidationError(errors)
    remaining = pledge.cash_amount - cash_received(pledge)
    beyond = amount > remaining
    if beyond and not over_delivery:
        raise ValidationError(
            {
                "amount": [
                    _(
                        "Số tiền %(amount)s vượt số còn lại của cam kết (%(remaining)s). "
                        "Nếu nhà tài trợ thực sự nộp nhiều hơn, đánh dấu “Vượt cam kết” và ghi lý do."
                    )
                    % {"amount": format_vnd(amount), "remaining": format_vnd(max(remaining, 0))}
                ]
            }
        )
    reason = _over_delivery_reason(beyond, over_delivery_reason) if beyond else ""
    try:
        # A savepoint, so a concurrent duplicate reference fails cleanly with our message.
        with transaction.atomic():
            receipt = CashReceipt.objects.create(
                pledge=pledge,
                amount=amount,
                received_on=received_on,
                account=account,
                reference=reference,
                over_delivery=beyond,
                over_delivery_reason=reason,
                recorded_by=actor,
            )
    except IntegrityError as exc:
        existing = CashReceipt.objects.filter(reference__iexact=reference).first()
        if existing is None:
            raise
        raise ValidationError({"reference": [_duplicate_reference_message(existing)]}) from exc
    record_audit(
        actor=actor,
        action="donation.cash_receipt.create",
        obj=receipt,
        changes={
            "pledge": [None, str(pledge)],
            "amount": [None, amount],
            "reference": [None, reference],
            "account": [None, str(account)],
            "over_delivery": [None, beyond],
        },
        reason=reason,
    )
    _refresh_public_page()
    return receipt


def _duplicate_reference_message(existing: CashReceipt) -> str:
    return _(
        "Số chứng từ “%(ref)s” đã được ghi nhận ngày %(date)s (nhà tài trợ %(donor)s, %(amount)s). "
        "Mỗi chứng từ ngân hàng/kho bạc chỉ được ghi một lần."
    ) % {
        "ref": existing.reference,
        "date": f"{existing.received_on:%d/%m/%Y}",
        "donor": existing.pledge.donor,
        "amount": format_vnd(existing.amount),
    }


def _import_delivery(
    *,
    actor: User,
    kind: str,
    reference: str,
    received_on: dt.date,
    note: str,
    delivery_file: IO[bytes] | Any,
    file_field: str = "delivery_file",
) -> tuple[DeviceSource, ImportReport, Counter[str]]:
    """Create a device source and import its device list through the devices importer.

    Must run inside the caller's transaction: any error rolls the source back.
    Returns the source, the importer's report and the count of created devices per type.
    """
    from devices.importers import import_device_list

    source = DeviceSource.objects.create(
        kind=kind,
        reference=clean_text(reference),
        received_on=received_on,
        note=note.strip(),
        created_by=actor,
    )
    try:
        report = import_device_list(
            actor=actor,
            source=delivery_file,
            device_source=source,
            dry_run=False,
            filename=getattr(delivery_file, "name", "") or "",
        )
    except SpreadsheetError as exc:
        raise ValidationError({file_field: [exc.message]}) from exc
    if not report.ok:
        raise DeliveryImportError(report, field=file_field)
    created = Counter(
        Device.objects.filter(source=source).values_list("device_type", flat=True).iterator()
    )
    total = sum(created.values())
    if report.updated or total != report.created or total == 0:
        raise ValidationError(
            {
                file_field: _(
                    "Danh sách giao nhận chỉ được tạo thiết bị mới: %(created)s thiết bị mới, "
                    "%(updated)s thiết bị đã có trong kho. Kiểm tra lại số serial/IMEI."
                )
                % {"created": total, "updated": report.updated + report.unchanged}
            }
        )
    return source, report, created


def devices_pledged(pledge: Pledge) -> Counter[str]:
    """Pledged device quantities per support kind (computer, tablet, smartphone)."""
    counts: Counter[str] = Counter()
    for item in pledge.items.all():
        if item.kind in DEVICE_KINDS:
            counts[item.kind] += item.quantity
    return counts


def devices_delivered(pledge: Pledge) -> Counter[str]:
    """Delivered device quantities per support kind, over all in-kind receipts of the pledge."""
    counts: Counter[str] = Counter()
    rows = Device.objects.filter(source__donation_receipt__pledge=pledge).values_list(
        "device_type", flat=True
    )
    for device_type in rows:
        counts[KIND_OF_DEVICE[device_type]] += 1
    return counts


# size: the delivery list import and the receipt are one all-or-nothing write under the pledge lock
@transaction.atomic
def record_inkind_receipt(
    *,
    actor: User,
    pledge: Pledge,
    received_on: dt.date,
    reference: str,
    delivery_file: IO[bytes] | Any,
    note: str = "",
    over_delivery: bool = False,
    over_delivery_reason: str = "",
) -> InKindReceipt:
    """Receive a delivery of devices against a pledge, all or nothing.

    Creates a ``DeviceSource(kind=donation)``, imports the delivery list with the
    devices importer (exactly the listed devices enter the provincial stock with
    this source) and refuses more devices of a kind than were pledged unless
    ``over_delivery`` is confirmed with a reason.
    """
    _require_manager(actor, pledge.donor.province_id)
    pledge = _lock_pledge(pledge)
    if not clean_text(reference):
        raise ValidationError({"reference": [_("Nhập số biên bản giao nhận.")]})
    if DeviceSource.objects.filter(
        kind=DeviceSource.Kind.DONATION, reference__iexact=clean_text(reference)
    ).exists():
        raise ValidationError(
            {
                "reference": [
                    _("Biên bản giao nhận “%(ref)s” đã được ghi nhận.")
                    % {"ref": clean_text(reference)}
                ]
            }
        )
    before = devices_delivered(pledge)
    source, _report, created = _import_delivery(
        actor=actor,
        kind=DeviceSource.Kind.DONATION,
        reference=reference,
        received_on=received_on,
        note=note,
        delivery_file=delivery_file,
    )
    pledged = devices_pledged(pledge)
    new_by_kind: Counter[str] = Counter()
    for device_type, count in created.items():
        new_by_kind[KIND_OF_DEVICE[device_type]] += count
    beyond = [
        str(SupportKind(kind).label)
        for kind, count in sorted(new_by_kind.items())
        if before[kind] + count > pledged[kind]
    ]
    if beyond and not over_delivery:
        raise ValidationError(
            {
                "delivery_file": [
                    _(
                        "Số thiết bị giao vượt số đã cam kết (%(kinds)s). Nếu nhà tài trợ thực sự "
                        "tặng thêm, đánh dấu “Vượt cam kết” và ghi lý do."
                    )
                    % {"kinds": ", ".join(beyond)}
                ]
            }
        )
    reason = _over_delivery_reason(bool(beyond), over_delivery_reason) if beyond else ""
    receipt = InKindReceipt.objects.create(
        pledge=pledge,
        source=source,
        over_delivery=bool(beyond),
        over_delivery_reason=reason,
        recorded_by=actor,
    )
    record_audit(
        actor=actor,
        action="donation.inkind_receipt.create",
        obj=receipt,
        changes={
            "pledge": [None, str(pledge)],
            "devices": [None, dict(sorted(created.items()))],
            "over_delivery": [None, bool(beyond)],
        },
        reason=reason,
    )
    _refresh_public_page()
    return receipt
