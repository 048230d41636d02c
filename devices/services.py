"""Writes for devices and data packages.

Every function is a verb, takes keyword-only arguments including the acting user,
runs in one transaction, checks the actor's scope itself (views fetch objects
through ``visible_to`` first; services check again) and leaves an audit entry.
A business refusal raises ``ValidationError`` with one Vietnamese sentence;
an actor outside the object's scope gets ``Http404``, a missing capability
``PermissionDenied``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import notify, record_audit
from devices.models import (
    ACTIVE_SUBSCRIPTION,
    Allocation,
    DataPackage,
    Device,
    DeviceSource,
    StockTransfer,
    Subscription,
    SubscriptionProblem,
)
from devices.selectors import (
    approved_item_for_data,
    approved_item_for_device,
    can_receive_devices,
    sendable_stock,
    unit_users,
)
from devices.validators import IMEI_TYPES, normalize_iccid, normalize_imei, normalize_serial
from schools.importing import ImportReport
from schools.models import District, ImportBatch, School
from schools.normalize import normalize_phone
from students.models import Student

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from accounts.models import User

# Magic bytes of the accepted scans of a signed handover record.
SCAN_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
)


def _require(actor: User, *capabilities: str) -> None:
    if not any(actor.can(c) for c in capabilities):
        raise PermissionDenied


def _today() -> dt.date:
    return timezone.localdate()


# ----------------------------------------------------------------- receiving


@transaction.atomic
def create_device_source(
    *, actor: User, kind: str, reference: str, received_on: dt.date, note: str = ""
) -> DeviceSource:
    """Record where a batch of devices comes from (a purchase or an in-kind donation)."""
    if not can_receive_devices(actor):
        raise PermissionDenied
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
        raise PermissionDenied
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
    return device


# ------------------------------------------------------------------ transfers


@transaction.atomic
def create_transfer(
    *,
    actor: User,
    devices: Iterable[Device],
    to_district: District | None = None,
    to_school: School | None = None,
    note: str = "",
) -> StockTransfer:
    """Send devices one step down: province → district, or district → one of its schools.

    Only devices in the sender's own stock and in stock (not reserved, damaged...)
    may be sent; they are "in transit" until the receiver confirms.
    """
    _require(actor, "can_allocate")
    scope = actor.scope
    if scope.is_provincial:
        if to_district is None or to_school is not None:
            raise ValidationError(_("Sở GD&ĐT điều chuyển thiết bị cho một Phòng GD&ĐT."))
    elif scope.is_district:
        if to_school is None or to_district is not None:
            raise ValidationError(_("Phòng GD&ĐT điều chuyển thiết bị cho một trường."))
        if to_school.district_id != scope.district_id:
            raise Http404
    else:
        raise PermissionDenied
    ids = sorted({d.pk for d in devices})
    if not ids:
        raise ValidationError(_("Chọn ít nhất một thiết bị để điều chuyển."))
    # Lock the rows so two transfers cannot take the same device.
    locked = list(sendable_stock(actor).select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(locked) != len(ids):
        raise ValidationError(
            _(
                "Có thiết bị không còn trong kho của đơn vị (đã điều chuyển, phân bổ hoặc "
                "không thuộc đơn vị); hãy tải lại trang và chọn lại."
            )
        )
    transfer = StockTransfer.objects.create(
        from_district_id=scope.district_id if scope.is_district else None,
        to_district=to_district,
        to_school=to_school,
        note=note,
        sent_by=actor,
    )
    transfer.devices.set(locked)
    Device.objects.filter(pk__in=ids).update(
        status=Device.Status.IN_TRANSIT, updated_at=timezone.now()
    )
    destination = str(to_school or to_district)
    for device in locked:
        record_audit(
            actor=actor,
            action="device.transfer_send",
            obj=device,
            changes={"status": [Device.Status.IN_STOCK, Device.Status.IN_TRANSIT]},
            reason=_("Phiếu điều chuyển #%(n)s đến %(to)s") % {"n": transfer.pk, "to": destination},
        )
    record_audit(
        actor=actor,
        action="transfer.send",
        obj=transfer,
        changes={"devices": [None, len(ids)], "to": [None, destination]},
        district_id=(to_district.pk if to_district else to_school.district_id),  # type: ignore[union-attr]
        school_id=to_school.pk if to_school else None,
    )
    url = reverse("devices:transfer_detail", args=[transfer.pk])
    message = _("%(n)s thiết bị đang được chuyển đến %(to)s; hãy xác nhận khi nhận được.") % {
        "n": len(ids),
        "to": destination,
    }
    notify(
        recipients=unit_users(district=to_district, school=to_school),
        verb="transfer.sent",
        message=message,
        url=url,
    )
    return transfer


def _is_receiver(actor: User, transfer: StockTransfer) -> bool:
    scope = actor.scope
    if transfer.to_school_id is not None:
        return scope.is_school and scope.school_id == transfer.to_school_id
    return scope.is_district and scope.district_id == transfer.to_district_id


@transaction.atomic
def confirm_transfer(*, actor: User, transfer: StockTransfer) -> StockTransfer:
    """The receiving unit confirms it got the devices; they enter its stock."""
    _require(actor, "can_allocate")
    transfer = StockTransfer.objects.select_for_update().get(pk=transfer.pk)
    if not _is_receiver(actor, transfer):
        raise Http404
    if transfer.status != StockTransfer.Status.SENT:
        raise ValidationError(_("Phiếu điều chuyển này đã được xử lý."))
    devices = list(transfer.devices.select_for_update().order_by("pk"))
    if transfer.to_school_id is not None:
        school = transfer.to_school
        assert school is not None
        changes = {
            "holder": Device.Holder.SCHOOL,
            "district_id": school.district_id,
            "school_id": school.pk,
        }
    else:
        changes = {
            "holder": Device.Holder.DISTRICT,
            "district_id": transfer.to_district_id,
            "school_id": None,
        }
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
        changes={"status": [StockTransfer.Status.SENT, StockTransfer.Status.RECEIVED]},
    )
    return transfer


@transaction.atomic
def cancel_transfer(*, actor: User, transfer: StockTransfer, reason: str = "") -> StockTransfer:
    """The sender withdraws a transfer not yet received; the devices are back in its stock."""
    _require(actor, "can_allocate")
    transfer = StockTransfer.objects.select_for_update().get(pk=transfer.pk)
    scope = actor.scope
    is_sender = (scope.is_provincial and transfer.from_district_id is None) or (
        scope.is_district and transfer.from_district_id == scope.district_id
    )
    if not is_sender:
        raise Http404
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
    return transfer


# ----------------------------------------------------------------- allocation


def _own_school(actor: User) -> int:
    _require(actor, "can_allocate")
    if not actor.scope.is_school or actor.scope.school_id is None:
        raise PermissionDenied
    return actor.scope.school_id


ALREADY_ALLOCATED = _(
    "Thiết bị %(serial)s đã được phân bổ cho một học sinh khác (chưa thu hồi); hãy chọn thiết bị khác."
)


@transaction.atomic
def allocate_device(
    *,
    actor: User,
    device: Device,
    student: Student,
    terms: str = Allocation.Terms.GIFT,
    loan_until: dt.date | None = None,
) -> Allocation:
    """Reserve a device of the school's stock for an approved beneficiary.

    The pupil must be an approved beneficiary of the school for a kind of support
    that this device type satisfies (a laptop for "computer", a tablet for
    "tablet"...).  The database allows one open allocation per device and one open
    device of a type per pupil; a refused insert becomes a clear message.
    """
    school_id = _own_school(actor)
    if student.school_id != school_id:
        raise Http404
    if terms == Allocation.Terms.LOAN:
        if loan_until is None:
            raise ValidationError({"loan_until": _("Cho mượn phải có ngày hết hạn mượn.")})
        if loan_until <= _today():
            raise ValidationError({"loan_until": _("Ngày hết hạn mượn phải sau hôm nay.")})
    else:
        loan_until = None
    # Lock the device row: concurrent allocations of one device queue here and the
    # second one sees it is no longer in stock.
    locked = Device.objects.select_for_update().filter(pk=device.pk).first()
    if locked is None or locked.school_id != school_id or locked.holder != Device.Holder.SCHOOL:
        raise ValidationError(
            _("Thiết bị %(serial)s không thuộc kho của trường.") % {"serial": device.serial_number}
        )
    if locked.status != Device.Status.IN_STOCK:
        if locked.status in (Device.Status.RESERVED, Device.Status.HANDED_OVER):
            raise ValidationError(ALREADY_ALLOCATED % {"serial": locked.serial_number})
        raise ValidationError(
            _("Thiết bị %(serial)s đang ở trạng thái “%(status)s”, không thể phân bổ.")
            % {"serial": locked.serial_number, "status": locked.get_status_display()}
        )
    item = approved_item_for_device(student=student, device_type=locked.device_type)
    if item is None:
        raise ValidationError(
            _(
                "Học sinh %(name)s chưa được duyệt nhận %(type)s; chỉ cấp thiết bị cho học sinh "
                "đã được phê duyệt đúng loại hỗ trợ."
            )
            % {"name": student.full_name, "type": locked.get_device_type_display().lower()}
        )
    try:
        with transaction.atomic():
            allocation = Allocation.objects.create(
                device=locked,
                device_type=locked.device_type,
                student=student,
                proposal_item=item,
                school_id=school_id,
                terms=terms,
                loan_until=loan_until,
                allocated_by=actor,
            )
    except IntegrityError:
        if Allocation.objects.open().filter(device=locked).exists():
            raise ValidationError(ALREADY_ALLOCATED % {"serial": locked.serial_number}) from None
        raise ValidationError(
            _(
                "Học sinh %(name)s đã có một %(type)s chưa thu hồi; mỗi học sinh chỉ nhận "
                "một thiết bị mỗi loại."
            )
            % {"name": student.full_name, "type": locked.get_device_type_display().lower()}
        ) from None
    locked.status = Device.Status.RESERVED
    locked.save(update_fields=["status", "updated_at"])
    record_audit(
        actor=actor,
        action="device.allocate",
        obj=locked,
        changes={"status": [Device.Status.IN_STOCK, Device.Status.RESERVED]},
        reason=_("Phân bổ cho %(name)s") % {"name": student.full_name},
        school_id=school_id,
    )
    record_audit(
        actor=actor,
        action="allocation.create",
        obj=allocation,
        changes={"terms": [None, terms], "loan_until": [None, loan_until]},
        school_id=school_id,
    )
    return allocation


def _locked_allocation(actor: User, allocation: Allocation) -> Allocation:
    school_id = _own_school(actor)
    locked = (
        Allocation.objects.select_for_update()
        .select_related("device", "student")
        .get(pk=allocation.pk)
    )
    if locked.school_id != school_id:
        raise Http404
    return locked


def check_scan(upload: UploadedFile) -> str:
    """The kind ("pdf", "png", "jpg") of a signed scan, judged by its first bytes and size."""
    limit_mb = int(settings.SCAN_MAX_UPLOAD_MB)
    if upload.size is None or upload.size > limit_mb * 1024 * 1024:
        raise ValidationError({"scan": _("Bản quét vượt quá giới hạn %(n)s MB.") % {"n": limit_mb}})
    if upload.size == 0:
        raise ValidationError({"scan": _("Tệp bản quét trống.")})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, kind in SCAN_SIGNATURES:
        if head.startswith(magic):
            return kind
    raise ValidationError(
        {"scan": _("Bản quét phải là tệp PDF, JPEG hoặc PNG (nội dung tệp không đúng định dạng).")}
    )


@transaction.atomic
def record_handover(
    *, actor: User, allocation: Allocation, scan: UploadedFile, handover_date: dt.date
) -> Allocation:
    """Attach the signed handover record; only then is the device "handed over"."""
    allocation = _locked_allocation(actor, allocation)
    if allocation.status != Allocation.Status.RESERVED:
        raise ValidationError(_("Chỉ ghi nhận bàn giao cho thiết bị đang chờ bàn giao."))
    if handover_date > _today():
        raise ValidationError({"handover_date": _("Ngày bàn giao không được sau hôm nay.")})
    if handover_date < timezone.localtime(allocation.allocated_at).date():
        raise ValidationError({"handover_date": _("Ngày bàn giao không được trước ngày phân bổ.")})
    kind = check_scan(scan)
    allocation.signed_scan.save(f"bien-ban.{kind}", scan, save=False)
    allocation.status = Allocation.Status.HANDED_OVER
    allocation.handover_date = handover_date
    allocation.handed_over_by = actor
    allocation.save(update_fields=["signed_scan", "status", "handover_date", "handed_over_by"])
    device = allocation.device
    before = {"status": device.status, "holder": device.holder}
    device.status = Device.Status.HANDED_OVER
    device.holder = Device.Holder.PUPIL
    device.save(update_fields=["status", "holder", "updated_at"])
    record_audit(
        actor=actor,
        action="device.handover",
        obj=device,
        changes={
            "status": [before["status"], device.status],
            "holder": [before["holder"], device.holder],
        },
        reason=_("Bàn giao cho %(name)s ngày %(d)s")
        % {"name": allocation.student.full_name, "d": handover_date.strftime("%d/%m/%Y")},
        school_id=allocation.school_id,
    )
    record_audit(
        actor=actor,
        action="allocation.handover",
        obj=allocation,
        changes={
            "status": [Allocation.Status.RESERVED, Allocation.Status.HANDED_OVER],
            "handover_date": [None, handover_date],
        },
        school_id=allocation.school_id,
    )
    return allocation


RETURN_DEVICE_STATUS = {
    Allocation.ReturnCondition.GOOD: Device.Status.IN_STOCK,
    Allocation.ReturnCondition.DAMAGED: Device.Status.DAMAGED,
    Allocation.ReturnCondition.LOST: Device.Status.LOST,
}


@transaction.atomic
def record_return(
    *,
    actor: User,
    allocation: Allocation,
    reason: str,
    condition: str,
    returned_on: dt.date | None = None,
    note: str = "",
) -> Allocation:
    """Close a handed-over allocation (end of loan, pupil leaving, recovery).

    Good condition: the device is back in the school's stock (as used); damaged:
    it stays at the school marked damaged; lost (a note is required): it is
    marked lost.
    """
    allocation = _locked_allocation(actor, allocation)
    if allocation.status != Allocation.Status.HANDED_OVER:
        raise ValidationError(_("Chỉ thu hồi được thiết bị đã bàn giao."))
    if reason not in Allocation.ReturnReason.values:
        raise ValidationError({"reason": _("Chọn lý do thu hồi.")})
    if condition not in Allocation.ReturnCondition.values:
        raise ValidationError({"condition": _("Chọn tình trạng khi thu hồi.")})
    note = note.strip()
    if condition == Allocation.ReturnCondition.LOST and not note:
        raise ValidationError({"note": _("Thiết bị bị mất: hãy ghi rõ hoàn cảnh.")})
    returned_on = returned_on or _today()
    if returned_on > _today() or (
        allocation.handover_date and returned_on < allocation.handover_date
    ):
        raise ValidationError({"returned_on": _("Ngày thu hồi phải từ ngày bàn giao đến hôm nay.")})
    allocation.status = Allocation.Status.RETURNED
    allocation.returned_at = returned_on
    allocation.return_reason = reason
    allocation.return_condition = condition
    allocation.return_note = note
    allocation.save(
        update_fields=["status", "returned_at", "return_reason", "return_condition", "return_note"]
    )
    device = allocation.device
    before = snapshot_device(device)
    device.status = RETURN_DEVICE_STATUS[condition]
    device.holder = Device.Holder.SCHOOL
    if condition == Allocation.ReturnCondition.DAMAGED:
        device.condition = Device.Condition.DAMAGED
    elif device.condition == Device.Condition.NEW:
        device.condition = Device.Condition.USED_GOOD
    device.save(update_fields=["status", "holder", "condition", "updated_at"])
    record_audit(
        actor=actor,
        action="device.return",
        obj=device,
        changes=_changes(before, snapshot_device(device)),
        reason=f"{allocation.get_return_reason_display()}. {note}".strip(),
        school_id=allocation.school_id,
    )
    record_audit(
        actor=actor,
        action="allocation.return",
        obj=allocation,
        changes={
            "status": [Allocation.Status.HANDED_OVER, Allocation.Status.RETURNED],
            "return_condition": [None, condition],
        },
        reason=note,
        school_id=allocation.school_id,
    )
    return allocation


def snapshot_device(device: Device) -> dict[str, Any]:
    return {"status": device.status, "holder": device.holder, "condition": device.condition}


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before[k], after[k]] for k in before if before[k] != after[k]}


@transaction.atomic
def cancel_allocation(*, actor: User, allocation: Allocation, reason: str = "") -> Allocation:
    """Withdraw a reservation not yet handed over; the device is back in stock."""
    allocation = _locked_allocation(actor, allocation)
    if allocation.status != Allocation.Status.RESERVED:
        raise ValidationError(
            _("Chỉ hủy được phân bổ chưa bàn giao; thiết bị đã bàn giao phải làm thủ tục thu hồi.")
        )
    allocation.status = Allocation.Status.CANCELLED
    allocation.save(update_fields=["status"])
    device = allocation.device
    device.status = Device.Status.IN_STOCK
    device.save(update_fields=["status", "updated_at"])
    record_audit(
        actor=actor,
        action="device.allocation_cancel",
        obj=device,
        changes={"status": [Device.Status.RESERVED, Device.Status.IN_STOCK]},
        reason=reason,
        school_id=allocation.school_id,
    )
    record_audit(
        actor=actor,
        action="allocation.cancel",
        obj=allocation,
        changes={"status": [Allocation.Status.RESERVED, Allocation.Status.CANCELLED]},
        reason=reason,
        school_id=allocation.school_id,
    )
    return allocation


# -------------------------------------------------------------- data packages


def subscription_end(starts_on: dt.date, package: DataPackage) -> dt.date:
    """Last day of the free period: ``free_months`` after the start, minus one day."""
    months = max(package.free_months, 1)
    return starts_on + relativedelta(months=months) - dt.timedelta(days=1)


def _subscription_scope_check(actor: User, student: Student) -> None:
    _require(actor, "can_allocate")
    scope = actor.scope
    if scope.is_school and student.school_id == scope.school_id:
        return
    raise Http404


@transaction.atomic
def create_subscription(
    *,
    actor: User,
    student: Student,
    package: DataPackage,
    phone: str,
    iccid: str = "",
    carrier: str = "",
    starts_on: dt.date | None = None,
) -> Subscription:
    """Register a SIM data package for an approved "data" beneficiary of the school.

    The phone number is normalised and must not belong to another active
    subscription; the ICCID has 19–20 digits; the package must be the carrier's.
    The free period runs ``package.free_months`` from ``starts_on`` (today by default).
    """
    _subscription_scope_check(actor, student)
    errors: dict[str, str] = {}
    try:
        phone = normalize_phone(phone)
    except ValueError as exc:
        errors["phone"] = str(exc).capitalize() + "."
    if iccid:
        try:
            iccid = normalize_iccid(iccid)
        except ValueError as exc:
            errors["iccid"] = _("Số ICCID %(m)s.") % {"m": exc}
    carrier = carrier or package.carrier
    if package.carrier != carrier:
        errors["package"] = _("Gói cước này không thuộc nhà mạng đã chọn.")
    if not package.is_active:
        errors["package"] = _("Gói cước này không còn được cung cấp.")
    if errors:
        raise ValidationError(errors)
    item = approved_item_for_data(student=student)
    if item is None:
        raise ValidationError(
            _("Học sinh %(name)s chưa được duyệt nhận gói cước dữ liệu.")
            % {"name": student.full_name}
        )
    if Subscription.objects.filter(ACTIVE_SUBSCRIPTION, phone=phone).exists():
        raise ValidationError(
            {"phone": _("Số thuê bao %(p)s đang được dùng cho một gói cước khác.") % {"p": phone}}
        )
    if Subscription.objects.filter(ACTIVE_SUBSCRIPTION, student=student).exists():
        raise ValidationError(
            _("Học sinh %(name)s đã có một gói cước đang hoạt động.") % {"name": student.full_name}
        )
    starts_on = starts_on or _today()
    try:
        with transaction.atomic():
            subscription = Subscription.objects.create(
                student=student,
                proposal_item=item,
                package=package,
                carrier=carrier,
                phone=phone,
                iccid=iccid,
                starts_on=starts_on,
                ends_on=subscription_end(starts_on, package),
                created_by=actor,
            )
    except IntegrityError:
        raise ValidationError(
            _("Số thuê bao hoặc học sinh này vừa được đăng ký gói cước khác.")
        ) from None
    record_audit(
        actor=actor,
        action="subscription.create",
        obj=subscription,
        changes={
            "phone": [None, phone],
            "package": [None, str(package)],
            "ends_on": [None, subscription.ends_on],
        },
        school_id=student.school_id,
    )
    return subscription


def _locked_subscription(actor: User, subscription: Subscription) -> Subscription:
    _require(actor, "can_allocate")
    if not Subscription.objects.visible_to(actor).filter(pk=subscription.pk).exists():
        raise Http404
    return (
        Subscription.objects.select_for_update().select_related("student").get(pk=subscription.pk)
    )


@transaction.atomic
def report_problem(
    *, actor: User, subscription: Subscription, kind: str, description: str = ""
) -> SubscriptionProblem:
    """Record a problem (no signal, SIM locked...); the subscription shows "problem"."""
    subscription = _locked_subscription(actor, subscription)
    if subscription.status == Subscription.Status.EXPIRED:
        raise ValidationError(_("Thuê bao đã hết hạn, không thể báo sự cố."))
    if kind not in SubscriptionProblem.Kind.values:
        raise ValidationError({"kind": _("Chọn loại sự cố.")})
    problem = SubscriptionProblem.objects.create(
        subscription=subscription, kind=kind, description=description.strip(), reported_by=actor
    )
    before = subscription.status
    subscription.status = Subscription.Status.PROBLEM
    subscription.save(update_fields=["status", "updated_at"])
    record_audit(
        actor=actor,
        action="subscription.problem",
        obj=subscription,
        changes={"status": [before, subscription.status], "problem": [None, kind]},
        reason=description,
        school_id=subscription.student.school_id,
    )
    return problem


@transaction.atomic
def resolve_problem(
    *, actor: User, problem: SubscriptionProblem, resolution: str
) -> SubscriptionProblem:
    """Close a problem; with no other open problem the subscription is active again."""
    subscription = _locked_subscription(actor, problem.subscription)
    problem = SubscriptionProblem.objects.select_for_update().get(pk=problem.pk)
    if problem.resolved_at is not None:
        raise ValidationError(_("Sự cố này đã được xử lý."))
    resolution = resolution.strip()
    if not resolution:
        raise ValidationError({"resolution": _("Ghi rõ cách xử lý.")})
    problem.resolved_at = timezone.now()
    problem.resolution = resolution
    problem.save(update_fields=["resolved_at", "resolution"])
    still_open = subscription.problems.filter(resolved_at__isnull=True).exists()
    before = subscription.status
    if not still_open and subscription.status == Subscription.Status.PROBLEM:
        subscription.status = Subscription.Status.ACTIVE
        subscription.save(update_fields=["status", "updated_at"])
    record_audit(
        actor=actor,
        action="subscription.problem_resolved",
        obj=subscription,
        changes={"status": [before, subscription.status]} if before != subscription.status else {},
        reason=f"{problem.get_kind_display()}: {resolution}",
        school_id=subscription.student.school_id,
    )
    return problem


EXPIRY_WARNING_DAYS = 14


@transaction.atomic
def expire_subscriptions(*, today: dt.date | None = None) -> dict[str, int]:
    """Mark subscriptions past their end as expired and warn schools once of those
    ending within 14 days.  Running it twice on a day changes nothing the second time.
    """
    today = today or _today()
    expired = list(
        Subscription.objects.select_for_update()
        .filter(ACTIVE_SUBSCRIPTION, ends_on__lt=today)
        .order_by("pk")
    )
    for subscription in expired:
        before = subscription.status
        subscription.status = Subscription.Status.EXPIRED
        subscription.save(update_fields=["status", "updated_at"])
        record_audit(
            actor=None,
            action="subscription.expire",
            obj=subscription,
            changes={"status": [before, Subscription.Status.EXPIRED]},
            reason=_("Hết hạn ngày %(d)s") % {"d": subscription.ends_on.strftime("%d/%m/%Y")},  # type: ignore[union-attr]
        )
    expiring = list(
        Subscription.objects.select_for_update(of=("self",))
        .filter(
            ACTIVE_SUBSCRIPTION,
            ends_on__gte=today,
            ends_on__lte=today + dt.timedelta(days=EXPIRY_WARNING_DAYS),
            expiry_notified_on__isnull=True,
        )
        .select_related("student__school")
        .order_by("student__school_id", "ends_on", "pk")
    )
    by_school: dict[int, list[Subscription]] = {}
    for subscription in expiring:
        by_school.setdefault(subscription.student.school_id, []).append(subscription)
    url = reverse("devices:subscriptions") + "?expiring=1"
    for subscriptions in by_school.values():
        first = min(s.ends_on for s in subscriptions if s.ends_on)
        notify(
            recipients=unit_users(school=subscriptions[0].student.school),
            verb="subscription.expiring",
            message=_(
                "%(n)s gói cước của học sinh sẽ hết hạn trong %(d)s ngày tới (sớm nhất ngày %(first)s)."
            )
            % {
                "n": len(subscriptions),
                "d": EXPIRY_WARNING_DAYS,
                "first": first.strftime("%d/%m/%Y"),
            },
            url=url,
        )
    Subscription.objects.filter(pk__in=[s.pk for s in expiring]).update(expiry_notified_on=today)
    return {"expired": len(expired), "notified": len(expiring), "schools": len(by_school)}


# ------------------------------------------------------------ uploaded files


@transaction.atomic
def store_import_upload(
    *, actor: User, kind: str, upload: UploadedFile, options: dict[str, Any] | None = None
) -> ImportBatch:
    """Keep an uploaded spreadsheet as an ``ImportBatch`` so its dry run can be confirmed."""
    import hashlib

    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    scope = actor.scope
    batch = ImportBatch(
        kind=kind,
        uploaded_by=actor,
        file_name=(upload.name or "")[-255:],
        file_sha256=digest.hexdigest(),
        options=options or {},
        district_id=scope.district_id if scope.is_district else None,
        school_id=scope.school_id if scope.is_school else None,
    )
    batch.file.save(upload.name or "upload.xlsx", upload, save=False)
    batch.save()
    record_audit(actor=actor, action="import.upload", obj=batch, changes={"kind": [None, kind]})
    return batch


@transaction.atomic
def record_import_result(
    *,
    actor: User,
    batch: ImportBatch,
    report: ImportReport | None,
    dry_run: bool,
    message: str = "",
) -> ImportBatch:
    """Store a dry run's or an import's outcome on its batch."""
    if report is None:
        batch.status = ImportBatch.Status.FAILED
        batch.message = message
    else:
        batch.rows = report.rows
        batch.created = report.created
        batch.updated = report.updated
        batch.unchanged = report.unchanged
        batch.error_count = len(report.errors)
        batch.errors = [e.as_dict() for e in report.errors]
        if not report.ok:
            batch.status = ImportBatch.Status.VALIDATED if dry_run else ImportBatch.Status.FAILED
        else:
            batch.status = ImportBatch.Status.VALIDATED if dry_run else ImportBatch.Status.DONE
    batch.progress = 100
    if not dry_run or report is None:
        batch.finished_at = timezone.now()
    batch.save()
    if not dry_run and report is not None and report.ok:
        record_audit(
            actor=actor,
            action="import.done",
            obj=batch,
            changes={"created": [None, report.created], "updated": [None, report.updated]},
        )
    return batch
