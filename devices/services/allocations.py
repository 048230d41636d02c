"""Allocation of devices to approved pupils, handover with a signed scan, returns."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import own_school_id
from accounts.access import require as require_allowed
from accounts.services import record_audit
from devices import rules
from devices.models import (
    Allocation,
    Device,
)
from devices.selectors import (
    approved_item_for_device,
)
from devices.services.base import require, set_status, today
from kernel import public_page
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


# ----------------------------------------------------------------- allocation


def _own_school(actor: User) -> int:
    require(actor, "can_allocate")
    return own_school_id(actor)


ALREADY_ALLOCATED = gettext_lazy(
    "Thiết bị %(serial)s đã được phân bổ cho một học sinh khác (chưa thu hồi); hãy chọn thiết bị khác."
)


# size: locks the device and the proposal item and checks every allocation invariant before the
#   write, in one transaction
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
    if student.status != Student.Status.STUDYING:
        raise ValidationError(
            _("Học sinh %(name)s không còn học tại trường; không thể cấp thiết bị.")
            % {"name": student.full_name}
        )
    if terms == Allocation.Terms.LOAN:
        if loan_until is None:
            raise ValidationError({"loan_until": _("Cho mượn phải có ngày hết hạn mượn.")})
        if loan_until <= today():
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
    set_status(
        locked,
        Device.Status.RESERVED,
        actor=actor,
        action="device.allocate",
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
    public_page.refresh_on_commit()  # the public page shows devices and packages
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
    if handover_date > today():
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
    public_page.refresh_on_commit()  # the public page shows devices and packages
    return allocation


RETURN_DEVICE_STATUS: dict[str, str] = {
    Allocation.ReturnCondition.GOOD: Device.Status.IN_STOCK,
    Allocation.ReturnCondition.DAMAGED: Device.Status.DAMAGED,
    Allocation.ReturnCondition.LOST: Device.Status.LOST,
}


# size: the return updates the allocation, the device and the pupil's item under one lock, with the
#   audit entry
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
    returned_on = returned_on or today()
    if returned_on > today() or (
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
    public_page.refresh_on_commit()  # the public page shows devices and packages
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
    set_status(
        allocation.device,
        Device.Status.IN_STOCK,
        actor=actor,
        action="device.allocation_cancel",
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
    public_page.refresh_on_commit()  # the public page shows devices and packages
    return allocation


def can_write_off(actor: User, device: Device) -> bool:
    return rules.may_write_off(actor, device)


@transaction.atomic
def write_off_device(*, actor: User, device: Device, reason: str) -> Device:
    """Take a lost, damaged or unusable device out of the stock for good (thanh lý)."""
    require(actor, "can_allocate")
    device = Device.objects.select_for_update().get(pk=device.pk)
    require_allowed(rules.holds_device(actor, device))
    if device.status not in rules.WRITE_OFF_FROM:
        raise ValidationError(
            _("Thiết bị đang ở trạng thái “%(s)s”, không thể thanh lý.")
            % {"s": device.get_status_display()}
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Ghi rõ lý do thanh lý.")})
    set_status(
        device,
        Device.Status.WRITTEN_OFF,
        actor=actor,
        action="device.write_off",
        reason=reason,
        school_id=device.school_id,
        district_id=device.district_id,
    )
    public_page.refresh_on_commit()  # the public page shows devices and packages
    return device
