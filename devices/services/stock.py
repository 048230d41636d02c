"""Receiving devices into the provincial stock, transfers down the hierarchy, uploads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any

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
    Device,
    DeviceSource,
    StockTransfer,
)
from devices.selectors import (
    can_receive_devices,
    sendable_stock,
    unit_users,
)
from devices.services.base import require
from devices.validators import IMEI_TYPES, normalize_imei, normalize_serial
from kernel import public_page
from kernel.importing import ImportReport
from kernel.spreadsheets import SpreadsheetError
from schools import import_batches
from schools.models import Commune, District, ImportBatch, School

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from accounts.models import Scope, User


# ----------------------------------------------------------------- receiving


@transaction.atomic
def create_device_source(
    *, actor: User, kind: str, reference: str, received_on: dt.date, note: str = ""
) -> DeviceSource:
    """Record where a batch of devices comes from (a purchase or an in-kind donation)."""
    if not can_receive_devices(actor):
        raise Http404
    source = DeviceSource.objects.create(
        kind=kind, reference=reference, received_on=received_on, note=note, created_by=actor
    )
    record_audit(
        actor=actor,
        action="device_source.create",
        obj=source,
        changes={"kind": [None, kind], "reference": [None, reference]},
    )
    return source


@transaction.atomic
def receive_device(
    *,
    actor: User,
    device_source: DeviceSource,
    device_type: str,
    make: str,
    model_name: str,
    serial_number: str,
    imei: str = "",
    condition: str = Device.Condition.NEW,
) -> Device:
    """Enter one device into the provincial stock.

    Serial and IMEI are normalised; the IMEI is required (and Luhn-checked) for
    tablets and smartphones; a serial or IMEI already in the stock is refused.
    """
    if not can_receive_devices(actor):
        raise Http404
    try:
        serial = normalize_serial(serial_number)
    except ValueError as exc:
        raise ValidationError({"serial_number": str(exc)}) from None
    clean_imei: str | None = None
    if imei:
        try:
            clean_imei = normalize_imei(imei)
        except ValueError as exc:
            raise ValidationError({"imei": str(exc)}) from None
    elif device_type in IMEI_TYPES:
        raise ValidationError({"imei": _("Máy tính bảng và điện thoại phải có IMEI.")})
    if Device.objects.filter(serial_number=serial).exists():
        raise ValidationError(
            {"serial_number": _("Số serial %(s)s đã có trong kho.") % {"s": serial}}
        )
    if clean_imei and Device.objects.filter(imei=clean_imei).exists():
        raise ValidationError({"imei": _("IMEI %(i)s đã có trong kho.") % {"i": clean_imei}})
    try:
        with transaction.atomic():
            device = Device.objects.create(
                device_type=device_type,
                make=make.strip(),
                model_name=model_name.strip(),
                serial_number=serial,
                imei=clean_imei,
                condition=condition,
                source=device_source,
                holder=Device.Holder.PROVINCE,
                status=Device.Status.IN_STOCK,
            )
    except IntegrityError:
        # Another user entered the same serial/IMEI a moment ago.
        raise ValidationError(_("Số serial hoặc IMEI này vừa được nhập vào kho.")) from None
    record_audit(
        actor=actor,
        action="device.receive",
        obj=device,
        changes={"source": [None, str(device_source)], "holder": [None, device.holder]},
    )
    public_page.refresh_on_commit()  # the public page shows devices and packages
    return device


# ------------------------------------------------------------------ transfers


# size: sender/receiver rules, locking every device and the audit entry form one transaction
@transaction.atomic
def create_transfer(
    *,
    actor: User,
    devices: Iterable[Device],
    to_district: District | None = None,
    to_commune: Commune | None = None,
    to_school: School | None = None,
    note: str = "",
) -> StockTransfer:
    """Send devices one step down: province → district (before 1/7/2025) or commune
    committee, district or commune committee → one of its schools.

    Only devices in the sender's own stock and in stock (not reserved, damaged...)
    may be sent; they are "in transit" until the receiver confirms.
    """
    require(actor, "can_allocate")
    scope = actor.scope
    _check_receiver(scope, to_district=to_district, to_commune=to_commune, to_school=to_school)
    ids = sorted({d.pk for d in devices})
    if not ids:
        raise ValidationError(_("Chọn ít nhất một thiết bị để điều chuyển."))
    # Lock the rows so two transfers cannot take the same device.
    locked = list(
        sendable_stock(actor).select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
    )
    if len(locked) != len(ids):
        raise ValidationError(
            _(
                "Có thiết bị không còn trong kho của đơn vị (đã điều chuyển, phân bổ hoặc "
                "không thuộc đơn vị); hãy tải lại trang và chọn lại."
            )
        )
    transfer = StockTransfer.objects.create(
        from_district_id=scope.district_id if scope.is_district else None,
        from_commune_id=scope.commune_id if scope.is_commune else None,
        to_district=to_district,
        to_commune=to_commune,
        to_school=to_school,
        note=note,
        sent_by=actor,
    )
    transfer.devices.set(locked)
    Device.objects.filter(pk__in=ids).update(
        status=Device.Status.IN_TRANSIT, updated_at=timezone.now()
    )
    destination = str(to_school or to_commune or to_district)
    for device in locked:
        record_audit(
            actor=actor,
            action="device.transfer_send",
            obj=device,
            changes={"status": [Device.Status.IN_STOCK, Device.Status.IN_TRANSIT]},
            reason=_("Phiếu điều chuyển #%(n)s đến %(to)s") % {"n": transfer.pk, "to": destination},
        )
    if to_school is not None:
        receiving_district_id: int | None = to_school.district_id
    else:
        receiving_district_id = to_district.pk if to_district is not None else None
    record_audit(
        actor=actor,
        action="transfer.send",
        obj=transfer,
        changes={"devices": [None, len(ids)], "to": [None, destination]},
        district_id=receiving_district_id,
        school_id=to_school.pk if to_school else None,
    )
    url = reverse("devices:transfer_detail", args=[transfer.pk])
    message = _("%(n)s thiết bị đang được chuyển đến %(to)s; hãy xác nhận khi nhận được.") % {
        "n": len(ids),
        "to": destination,
    }
    notify(
        recipients=unit_users(district=to_district, commune=to_commune, school=to_school),
        verb="transfer.sent",
        message=message,
        url=url,
    )
    public_page.refresh_on_commit()  # the public page shows devices and packages
    return transfer


def _check_receiver(
    scope: Scope,
    *,
    to_district: District | None,
    to_commune: Commune | None,
    to_school: School | None,
) -> None:
    """One step down from the sender's unit to exactly one receiver of its own."""
    if scope.is_provincial:
        receiver = to_district or to_commune
        if receiver is None or to_school is not None or (to_district and to_commune):
            raise ValidationError(
                _("Sở GD&ĐT điều chuyển thiết bị cho một Phòng GD&ĐT hoặc một UBND xã/phường.")
            )
        if receiver.province_id not in scope.province_ids:
            raise Http404
    elif scope.is_district or scope.is_commune:
        if to_school is None or to_district is not None or to_commune is not None:
            raise ValidationError(_("Phòng GD&ĐT, UBND xã điều chuyển thiết bị cho một trường."))
        if scope.is_district and to_school.district_id != scope.district_id:
            raise Http404
        if scope.is_commune and to_school.pk not in scope.school_ids:
            raise Http404
    else:
        raise Http404


@transaction.atomic
def confirm_transfer(
    *, actor: User, transfer: StockTransfer, missing: Collection[int] = ()
) -> StockTransfer:
    """The receiving unit confirms it got the devices; they enter its stock.

    ``missing``: devices of the transfer that did not arrive (a short delivery). They stay
    on the sender's books, marked lost with the transfer's number, so the difference is
    accounted for; the sender is told which ones."""
    require(actor, "can_allocate")
    transfer = (
        StockTransfer.objects.select_for_update(of=("self",))
        .select_related("to_district", "to_commune")
        .get(pk=transfer.pk)
    )
    require_allowed(rules.is_transfer_receiver(actor, transfer))
    if transfer.status != StockTransfer.Status.SENT:
        raise ValidationError(_("Phiếu điều chuyển này đã được xử lý."))
    devices, short = _split_short(
        list(transfer.devices.select_for_update().order_by("pk")), missing
    )
    changes = _arrival(transfer)
    now = timezone.now()
    Device.objects.filter(pk__in=[d.pk for d in devices]).update(
        status=Device.Status.IN_STOCK, updated_at=now, **changes
    )
    for device in devices:
        record_audit(
            actor=actor,
            action="device.transfer_receive",
            obj=device,
            changes={
                "holder": [device.holder, changes["holder"]],
                "status": [device.status, Device.Status.IN_STOCK],
            },
            reason=_("Nhận theo phiếu điều chuyển #%(n)s") % {"n": transfer.pk},
        )
    transfer.status = StockTransfer.Status.RECEIVED
    transfer.received_by = actor
    transfer.received_at = now
    transfer.save(update_fields=["status", "received_by", "received_at"])
    record_audit(
        actor=actor,
        action="transfer.receive",
        obj=transfer,
        changes={
            "status": [StockTransfer.Status.SENT, StockTransfer.Status.RECEIVED],
            **({"missing": [d.serial_number for d in short]} if short else {}),
        },
    )
    if short:
        _record_short_delivery(actor, transfer, short)
    public_page.refresh_on_commit()  # the public page shows devices and packages
    return transfer


def _split_short(
    devices: list[Device], missing: Collection[int]
) -> tuple[list[Device], list[Device]]:
    """The devices that arrived and those reported missing; refuses a wrong or total report."""
    if set(missing) - {d.pk for d in devices}:
        raise ValidationError(_("Thiết bị báo thiếu không thuộc phiếu điều chuyển này."))
    short = [d for d in devices if d.pk in set(missing)]
    if len(short) == len(devices):
        raise ValidationError(
            _("Không nhận được thiết bị nào: hãy đề nghị bên gửi hủy phiếu thay vì xác nhận.")
        )
    return [d for d in devices if d not in short], short


def _arrival(transfer: StockTransfer) -> dict[str, Any]:
    """Where the received devices are held: the school, the commune committee or the
    district office."""
    if transfer.to_school_id is not None:
        school = transfer.to_school
        assert school is not None
        return {
            "holder": Device.Holder.SCHOOL,
            "district_id": school.district_id,
            "commune_id": None,
            "school_id": school.pk,
        }
    if transfer.to_commune_id is not None:
        return {
            "holder": Device.Holder.COMMUNE,
            "district_id": None,
            "commune_id": transfer.to_commune_id,
            "school_id": None,
        }
    return {
        "holder": Device.Holder.DISTRICT,
        "district_id": transfer.to_district_id,
        "commune_id": None,
        "school_id": None,
    }


def _record_short_delivery(actor: User, transfer: StockTransfer, short: list[Device]) -> None:
    """Devices that did not arrive: lost on the sender's books, audited, the sender told."""
    reason = _("Không nhận được theo phiếu điều chuyển #%(n)s") % {"n": transfer.pk}
    Device.objects.filter(pk__in=[d.pk for d in short]).update(
        status=Device.Status.LOST, updated_at=timezone.now()
    )
    for device in short:
        record_audit(
            actor=actor,
            action="device.transfer_short",
            obj=device,
            changes={"status": [device.status, Device.Status.LOST]},
            reason=reason,
        )
    notify(
        recipients=[transfer.sent_by],
        verb="transfer.short",
        message=_(
            "Phiếu điều chuyển #%(n)s được nhận thiếu %(k)s thiết bị (%(serials)s); các thiết bị "
            "này được ghi là mất trong kho của đơn vị gửi, cần xác minh."
        )
        % {
            "n": transfer.pk,
            "k": len(short),
            "serials": ", ".join(d.serial_number for d in short),
        },
        url=reverse("devices:transfer_detail", args=[transfer.pk]),
    )


@transaction.atomic
def cancel_transfer(*, actor: User, transfer: StockTransfer, reason: str = "") -> StockTransfer:
    """The sender withdraws a transfer not yet received; the devices are back in its stock."""
    require(actor, "can_allocate")
    transfer = (
        StockTransfer.objects.select_for_update(of=("self",))
        .select_related("to_district", "to_commune")
        .get(pk=transfer.pk)
    )
    require_allowed(rules.is_transfer_sender(actor, transfer))
    if transfer.status != StockTransfer.Status.SENT:
        raise ValidationError(_("Phiếu điều chuyển này đã được xử lý."))
    devices = list(transfer.devices.select_for_update().order_by("pk"))
    Device.objects.filter(pk__in=[d.pk for d in devices]).update(
        status=Device.Status.IN_STOCK, updated_at=timezone.now()
    )
    for device in devices:
        record_audit(
            actor=actor,
            action="device.transfer_cancel",
            obj=device,
            changes={"status": [Device.Status.IN_TRANSIT, Device.Status.IN_STOCK]},
            reason=reason,
        )
    transfer.status = StockTransfer.Status.CANCELLED
    transfer.save(update_fields=["status"])
    record_audit(
        actor=actor,
        action="transfer.cancel",
        obj=transfer,
        changes={"status": [StockTransfer.Status.SENT, StockTransfer.Status.CANCELLED]},
        reason=reason,
    )
    public_page.refresh_on_commit()  # the public page shows devices and packages
    return transfer


# ------------------------------------------------------------ uploaded files


def store_import_upload(
    *, actor: User, kind: str, upload: UploadedFile, options: dict[str, Any] | None = None
) -> ImportBatch:
    """Keep an uploaded spreadsheet as an ``ImportBatch`` so its dry run can be confirmed."""
    return import_batches.store_upload(
        actor=actor,
        kind=kind,
        upload=upload,
        file_name=upload.name or "",
        stored_name=upload.name or "upload.xlsx",
        options=options or {},
    )


def check_import_upload(
    *,
    actor: User,
    kind: str,
    upload: UploadedFile,
    check: Callable[[UploadedFile], ImportReport],
    options: dict[str, Any] | None = None,
) -> tuple[ImportBatch, str]:
    """Keep an uploaded list and dry-run it (``check(upload)``, nothing written).

    Returns the batch and, when the file cannot be read, the message saying why (the
    batch is then failed); "" when the dry run's counts and row errors are on the batch.
    """
    batch = store_import_upload(actor=actor, kind=kind, upload=upload, options=options)
    try:
        report = check(upload)
    except SpreadsheetError as exc:
        record_import_result(
            actor=actor, batch=batch, report=None, dry_run=True, message=exc.message
        )
        return batch, exc.message
    record_import_result(actor=actor, batch=batch, report=report, dry_run=True)
    return batch, ""


def confirm_import(
    *, actor: User, batch: ImportBatch, run: Callable[[Any], ImportReport]
) -> tuple[ImportReport | None, str]:
    """Import a checked batch for real: claimed once (a second click, or a batch already
    imported or with errors, is refused), its stored file given to ``run`` (the importer,
    ``dry_run=False``) and the outcome stored on the batch.

    Returns the report, or ``None`` and the message saying why nothing was imported.
    """
    try:
        batch = import_batches.claim_for_import(
            batch, refusal=_("Tệp này không thể nhập (đã nhập hoặc còn lỗi).")
        )
    except ValueError as exc:
        return None, str(exc)
    try:
        with batch.file.open("rb") as fh:
            report = run(fh)
    except SpreadsheetError as exc:
        record_import_result(
            actor=actor, batch=batch, report=None, dry_run=False, message=exc.message
        )
        return None, exc.message
    except Exception:
        # Never leave the batch "importing": it could be neither confirmed nor retried.
        message = _("Lỗi hệ thống khi xử lý tệp; chưa ghi dữ liệu nào. Vui lòng thử lại.")
        record_import_result(actor=actor, batch=batch, report=None, dry_run=False, message=message)
        raise
    record_import_result(actor=actor, batch=batch, report=report, dry_run=False)
    return report, ""


@transaction.atomic
def record_import_result(
    *,
    actor: User,
    batch: ImportBatch,
    report: ImportReport | None,
    dry_run: bool,
    message: str = "",
) -> ImportBatch:
    """Store a dry run's or an import's outcome on its batch.

    A dry run with row errors stays "checked" with its error count (the page offers
    the corrected copy, not the confirmation); an import with errors failed."""
    phase = import_batches.CHECK if dry_run else import_batches.IMPORT
    import_batches.conclude(batch, phase=phase, report=report, message=message)
    batch.save()
    if not dry_run and report is not None and report.ok:
        record_audit(
            actor=actor,
            action="import.done",
            obj=batch,
            changes={"created": [None, report.created], "updated": [None, report.updated]},
        )
    return batch
