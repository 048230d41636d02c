"""The delivery-list importer: devices arriving at the provincial stock from an .xlsx.

Built on the shared import machinery (``kernel.spreadsheets`` to read the file and
find the table, ``kernel.importing`` for row errors and the report): every row is
validated first, errors are reported by Excel row and column, and only a file
without errors is written, all in one transaction.

Public API (also used by the donations app for in-kind receipts)::

    report, rows = parse_device_list(upload)          # no database writes
    report = import_device_list(actor=user, source=upload,
                                device_source=source, dry_run=True)   # preview
    report = import_device_list(actor=user, source=upload,
                                device_source=source, dry_run=False)  # write

A file that cannot be read at all raises ``kernel.spreadsheets.SpreadsheetError``
(its ``message`` is one Vietnamese sentence).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import record_audit
from devices.models import Device, DeviceSource, Subscription
from devices.selectors import can_receive_devices
from devices.validators import (
    IMEI_TYPES,
    normalize_iccid,
    normalize_imei,
    normalize_serial,
    parse_condition,
    parse_device_type,
)
from kernel import public_page
from kernel.importing import DuplicateTracker, ImportReport, RowError, RowValidator
from kernel.normalize import clean_text, fold, normalize_phone, parse_date
from kernel.spreadsheets import (
    ColumnSpec,
    SpreadsheetError,
    locate_list,
    read_rows,
    reading_notices,
    row_ref,
)

if TYPE_CHECKING:
    from accounts.models import User

__all__ = [
    "CARRIER_COLUMNS",
    "error_copy",
    "DEVICE_COLUMNS",
    "DeviceRow",
    "StatusRow",
    "import_carrier_statuses",
    "import_device_list",
    "parse_carrier_statuses",
    "parse_device_list",
]

MAX_ROWS = 5000

DEVICE_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "device_type",
        "Loại thiết bị",
        ("loại", "loại máy", "chủng loại", "thiết bị", "tên thiết bị", "loại tb", "device type"),
        required=True,
    ),
    ColumnSpec("make", "Hãng", ("hãng sản xuất", "nhà sản xuất", "thương hiệu", "make", "brand")),
    ColumnSpec(
        "model_name",
        "Model",
        ("mẫu", "mẫu máy", "kiểu máy", "model máy", "dòng máy", "tên model"),
        required=True,
    ),
    ColumnSpec(
        "serial_number",
        "Số serial",
        ("serial", "số seri", "seri", "số sê-ri", "s/n", "sn", "serial number", "số máy"),
        required=True,
    ),
    ColumnSpec("imei", "IMEI", ("số imei", "mã imei", "imei 1", "imei1")),
    ColumnSpec(
        "condition",
        "Tình trạng",
        ("tình trạng máy", "hiện trạng", "chất lượng", "condition", "tình trạng thiết bị"),
    ),
)


@dataclass(frozen=True)
class DeviceRow:
    """One valid row of a delivery list."""

    row: int
    device_type: str
    make: str
    model_name: str
    serial_number: str
    imei: str | None
    condition: str


def _max_bytes() -> int:
    return int(settings.IMPORT_MAX_UPLOAD_MB) * 1024 * 1024


def _text(limit: int):
    def parse(value: Any) -> str:
        text = clean_text(value)
        if len(text) > limit:
            raise ValueError(_("dài quá %(n)s ký tự") % {"n": limit})
        return text

    return parse


def parse_device_list(source: Any, *, filename: str = "") -> tuple[ImportReport, list[DeviceRow]]:
    """Read and validate a delivery list without writing anything.

    Checks every row (type, model, serial, IMEI with its Luhn digit for tablets and
    phones, condition), serials and IMEIs repeated in the file ("trùng với dòng N")
    and those already in the stock.  Returns the report (``created`` = rows that
    would be created) and the valid rows; rows are only usable when ``report.ok``.
    """
    sheet = read_rows(source, filename=filename, max_bytes=_max_bytes(), max_rows=MAX_ROWS)
    # Every sheet with the list's header is read ("Sheet Lô 2, dòng 8").
    table = locate_list(sheet, DEVICE_COLUMNS)
    labels = table.field_labels()
    report = ImportReport(rows=0)
    serials = DuplicateTracker()
    imeis = DuplicateTracker()
    rows: list[DeviceRow] = []
    for row, values in table.data_rows(limit=MAX_ROWS):
        report.rows += 1
        v = RowValidator(row, values, labels=labels, errors=report.errors)
        device_type = v.field("device_type", parse_device_type, required=True)
        make = v.field("make", _text(60), required=True)
        model_name = v.field("model_name", _text(120), required=True)
        serial = v.field("serial_number", normalize_serial, required=True)
        imei = v.field("imei", normalize_imei, required=device_type in IMEI_TYPES)
        condition = v.field("condition", parse_condition, default=Device.Condition.NEW)
        if serial and (first := serials.seen(serial, row)) is not None:
            v.error("serial_number", _("trùng với %(row)s") % {"row": row_ref(first)})
        if imei and (first := imeis.seen(imei, row)) is not None:
            v.error("imei", _("trùng với %(row)s") % {"row": row_ref(first)})
        if v.ok:
            rows.append(
                DeviceRow(
                    row=row,
                    device_type=device_type,
                    make=make,
                    model_name=model_name,
                    serial_number=serial,
                    imei=imei or None,
                    condition=condition,
                )
            )
    _check_against_stock(report, rows, labels)
    # Hidden rows not imported, sheets read, legacy cells converted: for the dry run.
    report.notices = reading_notices(table)
    if report.rows == 0:
        report.errors.append(_no_rows_error(table.header_row))
    report.errors.sort(key=lambda e: e.row)
    valid = [r for r in rows if r.row not in set(report.error_rows())]
    report.created = len(valid)
    return report, valid


def _no_rows_error(header_row: int) -> RowError:
    return RowError(
        row=header_row, column="", field="", message=_("không có dòng dữ liệu nào dưới tiêu đề")
    )


def _check_against_stock(report: ImportReport, rows: list[DeviceRow], labels: dict) -> None:
    """Serials/IMEIs already in the portal are errors (two queries, whatever the file size)."""
    serials = {r.serial_number for r in rows}
    imeis = {r.imei for r in rows if r.imei}
    known_serials = set(
        Device.objects.filter(serial_number__in=serials).values_list("serial_number", flat=True)
    )
    known_imeis = set(Device.objects.filter(imei__in=imeis).values_list("imei", flat=True))
    for r in rows:
        if r.serial_number in known_serials:
            report.errors.append(
                RowError(
                    row=r.row,
                    column=labels.get("serial_number", "Số serial"),
                    field="serial_number",
                    message=_("số serial %(s)s đã có trong kho") % {"s": r.serial_number},
                )
            )
        if r.imei and r.imei in known_imeis:
            report.errors.append(
                RowError(
                    row=r.row,
                    column=labels.get("imei", "IMEI"),
                    field="imei",
                    message=_("IMEI %(i)s đã có trong kho") % {"i": r.imei},
                )
            )


# size: validate, re-check serials under the transaction, bulk-create and audit: one all-or-nothing
#   write
def import_device_list(
    *, actor: User, source: Any, device_source: DeviceSource, dry_run: bool, filename: str = ""
) -> ImportReport:
    """Validate a delivery list and, unless ``dry_run`` or any row has an error, create
    every device in the provincial stock with ``device_source`` (all or nothing).

    Only provincial users who receive devices (``can_allocate`` or
    ``can_manage_donations``) may import.  Each device gets a "device.receive"
    audit entry.
    """
    if not can_receive_devices(actor):
        raise Http404
    report, rows = parse_device_list(source, filename=filename)
    if dry_run or not report.ok:
        return report
    with transaction.atomic():
        # Re-check under the transaction: a parallel import may have taken a serial.
        recheck = ImportReport(rows=report.rows)
        _check_against_stock(recheck, rows, {})
        if not recheck.ok:
            recheck.created = 0
            return recheck
        devices = Device.objects.bulk_create(
            [
                Device(
                    device_type=r.device_type,
                    make=r.make,
                    model_name=r.model_name,
                    serial_number=r.serial_number,
                    imei=r.imei,
                    condition=r.condition,
                    source=device_source,
                    holder=Device.Holder.PROVINCE,
                    status=Device.Status.IN_STOCK,
                )
                for r in rows
            ]
        )
        if any(d.pk is None for d in devices):  # backends without RETURNING
            by_serial = dict(
                Device.objects.filter(
                    serial_number__in=[d.serial_number for d in devices]
                ).values_list("serial_number", "pk")
            )
            for d in devices:
                d.pk = by_serial[d.serial_number]
        for device, r in zip(devices, rows, strict=True):
            record_audit(
                actor=actor,
                action="device.receive",
                obj=device,
                changes={"source": [None, str(device_source)], "holder": [None, device.holder]},
                reason=_("Nhập từ danh sách giao nhận %(f)s, %(r)s")
                % {"f": filename, "r": row_ref(r.row)},
            )
        record_audit(
            actor=actor,
            action="device_source.import",
            obj=device_source,
            changes={"devices": [None, len(devices)]},
            reason=filename,
        )
    report.created = len(devices)
    public_page.refresh_on_commit()  # the public page counts devices received
    return report


# ------------------------------------------------------------ carrier status file

CARRIER_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "phone",
        "Số thuê bao",
        ("số điện thoại", "sđt", "số đt", "điện thoại", "msisdn", "số tb", "thuê bao", "isdn"),
    ),
    ColumnSpec("iccid", "ICCID", ("số iccid", "serial sim", "số serial sim", "số sim", "mã sim")),
    ColumnSpec(
        "status",
        "Trạng thái",
        ("tình trạng", "trạng thái thuê bao", "trạng thái tb", "status", "tình trạng thuê bao"),
        required=True,
    ),
    ColumnSpec(
        "activated_on", "Ngày kích hoạt", ("ngày hoạt động", "ngày đấu nối", "ngày kích hoạt gói")
    ),
)

_STATUS_WORDS: dict[str, str] = {
    "hoat dong": Subscription.Status.ACTIVE,
    "dang hoat dong": Subscription.Status.ACTIVE,
    "da kich hoat": Subscription.Status.ACTIVE,
    "kich hoat": Subscription.Status.ACTIVE,
    "active": Subscription.Status.ACTIVE,
    "tam ngung": Subscription.Status.SUSPENDED,
    "tam ngat": Subscription.Status.SUSPENDED,
    "khoa": Subscription.Status.SUSPENDED,
    "khoa 1 chieu": Subscription.Status.SUSPENDED,
    "khoa 2 chieu": Subscription.Status.SUSPENDED,
    "suspended": Subscription.Status.SUSPENDED,
    "het han": Subscription.Status.EXPIRED,
    "da huy": Subscription.Status.EXPIRED,
    "huy": Subscription.Status.EXPIRED,
    "expired": Subscription.Status.EXPIRED,
}


def parse_carrier_status(value: Any) -> str:
    """ "Hoạt động", "Tạm ngưng", "Khóa 2 chiều", "Hết hạn" -> ``Subscription.Status``."""
    key = re.sub(r"[^a-z0-9]+", " ", fold(value)).strip()
    if key in _STATUS_WORDS:
        return _STATUS_WORDS[key]
    raise ValueError(_("không thuộc danh mục (hoạt động, tạm ngưng, hết hạn)"))


@dataclass(frozen=True)
class StatusRow:
    """One valid row of a carrier's status file, matched to a subscription."""

    row: int
    subscription_id: int
    status: str
    activated_on: dt.date | None


# size: each row's checks (number, ICCID, conflicting rows, expired-but-active) depend on the rows
#   before it
def parse_carrier_statuses(
    source: Any, *, actor: User, filename: str = ""
) -> tuple[ImportReport, list[StatusRow]]:
    """Validate a carrier's status file against the subscriptions ``actor`` may see.

    Errors: a number or ICCID that matches no subscription, phone and ICCID that
    point to different subscriptions, one subscription listed twice with different
    statuses ("mâu thuẫn với dòng N"), and an expired subscription reported active.
    ``updated``/``unchanged`` in the report count rows that would change a status.
    """
    sheet = read_rows(source, filename=filename, max_bytes=_max_bytes(), max_rows=MAX_ROWS)
    table = locate_list(sheet, CARRIER_COLUMNS)
    if "phone" not in table.mapping and "iccid" not in table.mapping:
        raise SpreadsheetError(
            _("Tệp phải có cột “Số thuê bao” hoặc cột “ICCID” để nhận ra thuê bao.")
        )
    labels = table.field_labels()
    report = ImportReport(rows=0)
    parsed: list[tuple[RowValidator, bool, str | None, str | None, str, dt.date | None]] = []
    for row, values in table.data_rows(limit=MAX_ROWS):
        report.rows += 1
        v = RowValidator(row, values, labels=labels, errors=report.errors)
        phone = v.field("phone", normalize_phone)
        iccid = v.field("iccid", normalize_iccid)
        status = v.field("status", parse_carrier_status, required=True)
        activated_on = v.field("activated_on", parse_date)
        if not clean_text(v.value("phone")) and not clean_text(v.value("iccid")):
            v.row_error(_("thiếu số thuê bao hoặc ICCID"))
        # v.ok is only meaningful until the next row appends to the shared error list.
        parsed.append((v, v.ok, phone, iccid, status, activated_on))

    visible = Subscription.objects.visible_to(actor)
    phones = {p for _v, _ok, p, _i, _s, _a in parsed if p}
    iccids = {i for _v, _ok, _p, i, _s, _a in parsed if i}
    # Active subscriptions first: a number reused after an expired SIM means the new one.
    candidates = list(
        visible.filter(models.Q(phone__in=phones) | models.Q(iccid__in=iccids))
        .order_by("-created_at", "-pk")
        .only("pk", "phone", "iccid", "status", "ends_on")
    )
    by_phone: dict[str, Subscription] = {}
    by_iccid: dict[str, Subscription] = {}
    for candidate in sorted(candidates, key=lambda s: s.status == Subscription.Status.EXPIRED):
        by_phone.setdefault(candidate.phone, candidate)
        if candidate.iccid:
            by_iccid.setdefault(candidate.iccid, candidate)

    first_row: dict[int, tuple[int, str]] = {}
    rows: list[StatusRow] = []
    today = timezone.localdate()
    for v, valid, phone, iccid, status, activated_on in parsed:
        if not valid:
            continue
        sub_by_phone = by_phone.get(phone) if phone else None
        sub_by_iccid = by_iccid.get(iccid) if iccid else None
        if phone and sub_by_phone is None:
            v.error("phone", _("không có thuê bao nào với số %(p)s") % {"p": phone})
            continue
        if iccid and sub_by_iccid is None:
            v.error("iccid", _("không có thuê bao nào với ICCID %(i)s") % {"i": iccid})
            continue
        sub = sub_by_phone or sub_by_iccid
        assert sub is not None
        if sub_by_phone and sub_by_iccid and sub_by_phone.pk != sub_by_iccid.pk:
            v.row_error(_("số thuê bao và ICCID thuộc hai thuê bao khác nhau"))
            continue
        seen = first_row.get(sub.pk)
        if seen is not None:
            if seen[1] != status:
                v.row_error(
                    _("trạng thái mâu thuẫn với %(row)s của cùng thuê bao")
                    % {"row": row_ref(seen[0])}
                )
            else:
                v.duplicate_of(seen[0])
            continue
        first_row[sub.pk] = (v.row, status)
        ended = sub.ends_on is not None and sub.ends_on < today
        if status == Subscription.Status.ACTIVE and (
            sub.status == Subscription.Status.EXPIRED or ended
        ):
            v.error(
                "status",
                _("thuê bao %(p)s đã hết hạn (ngày %(d)s) nhưng tệp báo đang hoạt động")
                % {
                    "p": sub.phone,
                    "d": sub.ends_on.strftime("%d/%m/%Y") if sub.ends_on else "—",
                },
            )
            continue
        if sub.status == status:
            report.unchanged += 1
        else:
            report.updated += 1
        rows.append(StatusRow(v.row, sub.pk, status, activated_on))
    report.notices = reading_notices(table)
    report.errors.sort(key=lambda e: e.row)
    return report, rows


def import_carrier_statuses(
    *, actor: User, source: Any, dry_run: bool, filename: str = ""
) -> ImportReport:
    """Apply a carrier's activation/status file (all rows or none).

    A subscription activated for the first time starts on its activation date (or
    today) and its free period is recomputed from there.
    """
    from devices.services import subscription_end

    if not actor.can("can_allocate"):
        raise Http404
    report, rows = parse_carrier_statuses(source, actor=actor, filename=filename)
    if dry_run or not report.ok:
        return report
    with transaction.atomic():
        subs = {
            s.pk: s
            for s in Subscription.objects.select_for_update()
            .select_related("package", "student")
            .filter(pk__in=[r.subscription_id for r in rows])
        }
        for r in rows:
            sub = subs[r.subscription_id]
            if sub.status == r.status:
                continue
            before = {"status": sub.status, "starts_on": sub.starts_on, "ends_on": sub.ends_on}
            if (
                r.status == Subscription.Status.ACTIVE
                and sub.status == Subscription.Status.REQUESTED
            ):
                sub.starts_on = r.activated_on or timezone.localdate()
                sub.ends_on = subscription_end(sub.starts_on, sub.package)
            sub.status = r.status
            sub.save(update_fields=["status", "starts_on", "ends_on", "updated_at"])
            after = {"status": sub.status, "starts_on": sub.starts_on, "ends_on": sub.ends_on}
            record_audit(
                actor=actor,
                action="subscription.carrier_status",
                obj=sub,
                changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
                reason=_("Tệp trạng thái nhà mạng %(f)s, %(r)s")
                % {"f": filename, "r": row_ref(r.row)},
                school_id=sub.student.school_id,
            )
        public_page.refresh_on_commit()  # the public page counts active packages
    return report


def error_copy(
    source: Any, errors: list[dict[str, Any]], *, columns: Any = DEVICE_COLUMNS
) -> bytes:
    """The uploaded file back as .xlsx with a "Lỗi" column (``errors`` as stored on the
    ``ImportBatch``), so the sender can correct it and upload it again."""
    from kernel.spreadsheets import write_error_copy

    sheet = read_rows(source, max_bytes=_max_bytes(), max_rows=MAX_ROWS)
    table = locate_list(sheet, columns)
    by_row: dict[int, list[str]] = {}
    for error in errors:
        text = f"{error['column']}: {error['message']}" if error.get("column") else error["message"]
        by_row.setdefault(int(error["row"]), []).append(text)
    return write_error_copy(sheet, table, by_row)
