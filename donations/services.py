"""Writes for donations: donors, pledges, cash and in-kind receipts, spending.

Every function takes the acting user, checks that they are a provincial
donation manager, runs in one transaction and leaves an audit record.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import diff, record_audit, snapshot
from devices.models import Device, DeviceSource
from donations.models import (
    CashReceipt,
    Donor,
    FundAccount,
    InKindReceipt,
    Instalment,
    Pledge,
    PledgeItem,
    Spending,
    SpendingDraw,
    manages_donations,
)
from kernel import public_page
from kernel.documents import format_vnd
from kernel.importing import ImportReport
from kernel.normalize import clean_text, normalize_phone
from kernel.spreadsheets import SpreadsheetError
from schools.choices import DeviceType, SupportKind

DONOR_FIELDS = (
    "kind",
    "name",
    "tax_code",
    "contact_name",
    "phone",
    "email",
    "address",
    "public_consent",
)
# The kind of pledged support a delivered device counts against.
KIND_OF_DEVICE: dict[str, str] = {
    DeviceType.DESKTOP: SupportKind.COMPUTER,
    DeviceType.LAPTOP: SupportKind.COMPUTER,
    DeviceType.TABLET: SupportKind.TABLET,
    DeviceType.SMARTPHONE: SupportKind.SMARTPHONE,
}
DEVICE_KINDS = frozenset(KIND_OF_DEVICE.values())


class DeliveryImportError(ValidationError):
    """The delivery list could not be imported; ``report`` says which rows are wrong."""

    def __init__(self, report: ImportReport, field: str = "delivery_file") -> None:
        self.report = report
        message = _("Danh sách thiết bị có %(n)s lỗi, chưa nhận thiết bị nào.") % {
            "n": len(report.errors)
        }
        super().__init__({field: [message, *(str(e) for e in report.errors[:50])]})


@dataclass(frozen=True)
class ItemSpec:
    """An in-kind part of a pledge."""

    kind: str
    quantity: int
    months: int | None = None


@dataclass(frozen=True)
class InstalmentSpec:
    due_on: dt.date
    amount: int


def _require_manager(actor: User) -> None:
    if not manages_donations(actor):
        raise Http404


def _refresh_public_page() -> None:
    """Once the change is committed, the public page shows it on its next request."""
    public_page.refresh_on_commit()


def normalize_tax_code(value: Any) -> str:
    """ "0100109106-001" -> "0100109106001"; raises ``ValueError`` unless 10 or 13 digits."""
    text = re.sub(r"[\s.\-]", "", clean_text(value))
    if text and not re.fullmatch(r"\d{10}|\d{13}", text):
        raise ValueError(_("Mã số thuế gồm 10 hoặc 13 chữ số."))
    return text


def normalize_reference(value: Any) -> str:
    """Bank/treasury references compare without case and spacing differences."""
    return clean_text(value).upper()


def _clean_donor(donor: Donor) -> None:
    errors: dict[str, list[str]] = {}
    donor.name = clean_text(donor.name)
    donor.contact_name = clean_text(donor.contact_name)
    donor.address = clean_text(donor.address)
    try:
        donor.tax_code = normalize_tax_code(donor.tax_code)
    except ValueError as exc:
        errors["tax_code"] = [str(exc)]
    if donor.phone:
        try:
            donor.phone = normalize_phone(donor.phone)
        except ValueError as exc:
            errors["phone"] = [str(exc)]
    if donor.kind == Donor.Kind.ENTERPRISE and not donor.tax_code and "tax_code" not in errors:
        errors["tax_code"] = [_("Doanh nghiệp phải có mã số thuế (10 hoặc 13 chữ số).")]
    if (
        donor.tax_code
        and "tax_code" not in errors
        and Donor.objects.filter(tax_code=donor.tax_code).exclude(pk=donor.pk).exists()
    ):
        other = Donor.objects.filter(tax_code=donor.tax_code).exclude(pk=donor.pk).first()
        errors["tax_code"] = [
            _("Mã số thuế %(code)s đã thuộc nhà tài trợ “%(name)s”.")
            % {"code": donor.tax_code, "name": other}
        ]
    if errors:
        raise ValidationError(errors)
    donor.full_clean()


@transaction.atomic
def create_donor(
    *,
    actor: User,
    kind: str,
    name: str,
    tax_code: str = "",
    contact_name: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    public_consent: bool = False,
) -> Donor:
    """Register a donor; an enterprise needs a tax code, any tax code is 10 or 13 digits."""
    _require_manager(actor)
    donor = Donor(
        kind=kind,
        name=name,
        tax_code=tax_code,
        contact_name=contact_name,
        phone=phone,
        email=email,
        address=address,
        public_consent=public_consent,
    )
    _clean_donor(donor)
    donor.save()
    record_audit(
        actor=actor,
        action="donation.donor.create",
        obj=donor,
        changes=diff({}, snapshot(donor, DONOR_FIELDS)),
    )
    return donor


@transaction.atomic
def update_donor(*, actor: User, donor: Donor, **values: Any) -> Donor:
    """Change a donor's details (only the fields in ``DONOR_FIELDS``)."""
    _require_manager(actor)
    unknown = set(values) - set(DONOR_FIELDS)
    if unknown:
        raise TypeError(f"update_donor() got unknown fields {sorted(unknown)}")
    donor = Donor.objects.select_for_update().get(pk=donor.pk)
    before = snapshot(donor, DONOR_FIELDS)
    for name, value in values.items():
        setattr(donor, name, value)
    _clean_donor(donor)
    changes = diff(before, snapshot(donor, DONOR_FIELDS))
    if changes:
        donor.save()
        record_audit(actor=actor, action="donation.donor.update", obj=donor, changes=changes)
    _refresh_public_page()
    return donor


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
    _require_manager(actor)
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
    _require_manager(actor)
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


def _lock_pledge(pledge: Pledge) -> Pledge:
    # Serialises receipts against one pledge, so two clerks cannot both fill its remainder.
    return Pledge.objects.select_for_update().select_related("donor").get(pk=pledge.pk)


def cash_received(pledge: Pledge) -> int:
    return pledge.cash_receipts.aggregate(total=Sum("amount"))["total"] or 0


def _over_delivery_reason(over_delivery: bool, reason: str) -> str:
    reason = clean_text(reason)
    if over_delivery and not reason:
        raise ValidationError(
            {"over_delivery_reason": [_("Ghi lý do xác nhận nhận vượt số đã cam kết.")]}
        )
    return reason


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
    _require_manager(actor)
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
    _require_manager(actor)
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


def receipt_balance(receipt: CashReceipt) -> int:
    """What is left of a cash receipt after the spendings that drew on it."""
    spent = receipt.draws.aggregate(total=Sum("amount"))["total"] or 0
    return receipt.amount - spent


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
    _require_manager(actor)
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
