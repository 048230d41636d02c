import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from accounts.models import AuditEvent
from devices import services
from devices.models import Allocation, Device
from tests.devices.factories import DeviceFactory, StudentFactory, approve

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% scan\n" + b"0" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


def nothing_written(device):
    device.refresh_from_db()
    return (
        device.status == Device.Status.IN_STOCK
        and not Allocation.objects.exists()
        and not AuditEvent.objects.filter(action__startswith="allocation").exists()
    )


def test_allocate_reserves_device_for_approved_beneficiary(
    school_staff, school_tablet, beneficiary
):
    allocation = services.allocate_device(
        actor=school_staff, device=school_tablet, student=beneficiary
    )
    school_tablet.refresh_from_db()
    assert allocation.status == Allocation.Status.RESERVED
    assert allocation.proposal_item.kind == "tablet"
    assert school_tablet.status == Device.Status.RESERVED
    assert AuditEvent.objects.filter(action="device.allocate", object_id=str(school_tablet.pk))


def test_allocation_to_non_approved_pupil_is_refused(school_staff, school_tablet, pupil):
    approve(pupil, "tablet", confirmed=False)  # proposed, not yet approved
    with pytest.raises(ValidationError) as exc:
        services.allocate_device(actor=school_staff, device=school_tablet, student=pupil)
    assert "chưa được duyệt nhận máy tính bảng" in exc.value.messages[0]
    assert nothing_written(school_tablet)


def test_allocation_of_a_type_the_pupil_was_not_approved_for_is_refused(
    school_staff, school, purchase, beneficiary
):
    laptop = DeviceFactory(
        device_type="laptop",
        imei=None,
        source=purchase,
        holder=Device.Holder.SCHOOL,
        school=school,
        district=school.district,
    )
    with pytest.raises(ValidationError) as exc:
        services.allocate_device(actor=school_staff, device=laptop, student=beneficiary)
    assert "chưa được duyệt nhận máy tính xách tay" in exc.value.messages[0]
    assert nothing_written(laptop)


def test_computer_approval_accepts_a_laptop(school_staff, school, purchase, pupil):
    approve(pupil, "computer")
    laptop = DeviceFactory(
        device_type="laptop",
        imei=None,
        source=purchase,
        holder=Device.Holder.SCHOOL,
        school=school,
        district=school.district,
    )
    allocation = services.allocate_device(actor=school_staff, device=laptop, student=pupil)
    assert allocation.proposal_item.kind == "computer"


def test_device_of_another_school_is_refused(school_staff, other_school, purchase, beneficiary):
    foreign = DeviceFactory(
        source=purchase,
        holder=Device.Holder.SCHOOL,
        school=other_school,
        district=other_school.district,
    )
    with pytest.raises(ValidationError) as exc:
        services.allocate_device(actor=school_staff, device=foreign, student=beneficiary)
    assert "không thuộc kho của trường" in exc.value.messages[0]
    assert nothing_written(foreign)


def test_device_still_in_district_stock_is_refused(school_staff, district, purchase, beneficiary):
    device = DeviceFactory(source=purchase, holder=Device.Holder.DISTRICT, district=district)
    with pytest.raises(ValidationError):
        services.allocate_device(actor=school_staff, device=device, student=beneficiary)
    assert nothing_written(device)


def test_device_already_allocated_is_refused(school_staff, school, school_tablet, beneficiary):
    services.allocate_device(actor=school_staff, device=school_tablet, student=beneficiary)
    second = StudentFactory(school=school)
    approve(second, "tablet")
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.allocate_device(actor=school_staff, device=school_tablet, student=second)
    assert "đã được phân bổ cho một học sinh khác" in exc.value.messages[0]
    assert Allocation.objects.count() == 1 and AuditEvent.objects.count() == events


def test_database_refuses_second_open_allocation_of_a_device(
    school_staff, school, school_tablet, beneficiary
):
    """The partial unique constraint holds even if the status check is bypassed."""
    services.allocate_device(actor=school_staff, device=school_tablet, student=beneficiary)
    Device.objects.filter(pk=school_tablet.pk).update(status=Device.Status.IN_STOCK)
    second = StudentFactory(school=school)
    approve(second, "tablet")
    with pytest.raises(ValidationError) as exc:
        services.allocate_device(actor=school_staff, device=school_tablet, student=second)
    assert "đã được phân bổ cho một học sinh khác" in exc.value.messages[0]
    assert Allocation.objects.count() == 1


def test_pupil_gets_one_open_device_per_type(
    school_staff, school, purchase, school_tablet, beneficiary
):
    services.allocate_device(actor=school_staff, device=school_tablet, student=beneficiary)
    another = DeviceFactory(
        source=purchase, holder=Device.Holder.SCHOOL, school=school, district=school.district
    )
    with pytest.raises(ValidationError) as exc:
        services.allocate_device(actor=school_staff, device=another, student=beneficiary)
    assert "đã có một máy tính bảng chưa thu hồi" in exc.value.messages[0]
    another.refresh_from_db()
    assert another.status == Device.Status.IN_STOCK


def test_pupil_of_another_school_is_out_of_scope(school_staff, other_school, school_tablet):
    stranger = StudentFactory(school=other_school)
    approve(stranger, "tablet")
    with pytest.raises(Http404):
        services.allocate_device(actor=school_staff, device=school_tablet, student=stranger)


def test_district_officer_cannot_allocate(district_officer, school_tablet, beneficiary):
    with pytest.raises(Http404):
        services.allocate_device(actor=district_officer, device=school_tablet, student=beneficiary)


def test_loan_needs_a_future_end_date(school_staff, school_tablet, beneficiary):
    with pytest.raises(ValidationError):
        services.allocate_device(
            actor=school_staff, device=school_tablet, student=beneficiary, terms="loan"
        )
    allocation = services.allocate_device(
        actor=school_staff,
        device=school_tablet,
        student=beneficiary,
        terms="loan",
        loan_until=dt.date.today() + dt.timedelta(days=300),
    )
    assert allocation.terms == "loan"


@pytest.fixture
def reserved(school_staff, school_tablet, beneficiary):
    return services.allocate_device(actor=school_staff, device=school_tablet, student=beneficiary)


def test_handover_needs_a_real_scan(school_staff, reserved):
    fake = SimpleUploadedFile("bien-ban.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    with pytest.raises(ValidationError) as exc:
        services.record_handover(
            actor=school_staff, allocation=reserved, scan=fake, handover_date=dt.date.today()
        )
    assert "PDF, JPEG hoặc PNG" in exc.value.messages[0]
    reserved.refresh_from_db()
    assert reserved.status == Allocation.Status.RESERVED and not reserved.signed_scan


def test_handover_scan_size_is_limited(school_staff, reserved, settings):
    settings.SCAN_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("scan.png", PNG + b"0" * (1024 * 1024), "image/png")
    with pytest.raises(ValidationError) as exc:
        services.record_handover(
            actor=school_staff, allocation=reserved, scan=big, handover_date=dt.date.today()
        )
    assert "1 MB" in exc.value.messages[0]


def test_handover_with_scan_hands_the_device_over(school_staff, reserved):
    scan = SimpleUploadedFile("scan.pdf", PDF, "application/pdf")
    services.record_handover(
        actor=school_staff, allocation=reserved, scan=scan, handover_date=dt.date.today()
    )
    reserved.refresh_from_db()
    reserved.device.refresh_from_db()
    assert reserved.status == Allocation.Status.HANDED_OVER
    assert reserved.signed_scan.name.endswith(".pdf")
    assert reserved.device.status == Device.Status.HANDED_OVER
    assert reserved.device.holder == Device.Holder.PUPIL


def test_handover_date_cannot_be_in_the_future(school_staff, reserved):
    scan = SimpleUploadedFile("scan.pdf", PDF, "application/pdf")
    with pytest.raises(ValidationError):
        services.record_handover(
            actor=school_staff,
            allocation=reserved,
            scan=scan,
            handover_date=dt.date.today() + dt.timedelta(days=2),
        )


@pytest.fixture
def handed_over(school_staff, reserved):
    scan = SimpleUploadedFile("scan.png", PNG, "image/png")
    return services.record_handover(
        actor=school_staff, allocation=reserved, scan=scan, handover_date=dt.date.today()
    )


def test_return_in_good_condition_puts_device_back_in_school_stock(school_staff, handed_over):
    services.record_return(
        actor=school_staff, allocation=handed_over, reason="left_school", condition="good"
    )
    device = Device.objects.get(pk=handed_over.device_id)
    assert device.status == Device.Status.IN_STOCK and device.holder == Device.Holder.SCHOOL
    assert device.condition == Device.Condition.USED_GOOD
    assert Allocation.objects.get().status == Allocation.Status.RETURNED


def test_damaged_return_marks_device_damaged(school_staff, handed_over):
    services.record_return(
        actor=school_staff, allocation=handed_over, reason="recovery", condition="damaged"
    )
    device = Device.objects.get(pk=handed_over.device_id)
    assert device.status == Device.Status.DAMAGED and device.condition == "damaged"


def test_lost_device_needs_a_note(school_staff, handed_over):
    with pytest.raises(ValidationError) as exc:
        services.record_return(
            actor=school_staff, allocation=handed_over, reason="recovery", condition="lost"
        )
    assert "ghi rõ" in exc.value.messages[0]
    services.record_return(
        actor=school_staff,
        allocation=handed_over,
        reason="recovery",
        condition="lost",
        note="Nhà bị lũ cuốn trôi",
    )
    assert Device.objects.get(pk=handed_over.device_id).status == Device.Status.LOST


def test_after_return_device_may_go_to_another_pupil(school_staff, school, handed_over):
    services.record_return(
        actor=school_staff, allocation=handed_over, reason="loan_ended", condition="good"
    )
    second = StudentFactory(school=school)
    approve(second, "tablet")
    device = Device.objects.get(pk=handed_over.device_id)
    assert services.allocate_device(actor=school_staff, device=device, student=second)


def test_cancel_reservation_frees_device(school_staff, reserved):
    services.cancel_allocation(actor=school_staff, allocation=reserved, reason="Nhầm học sinh")
    reserved.refresh_from_db()
    assert reserved.status == Allocation.Status.CANCELLED
    assert Device.objects.get(pk=reserved.device_id).status == Device.Status.IN_STOCK


def test_other_school_cannot_touch_allocation(other_school_staff, reserved):
    with pytest.raises(Http404):
        services.cancel_allocation(actor=other_school_staff, allocation=reserved)


def test_return_cannot_precede_handover(school_staff, handed_over):
    with pytest.raises(ValidationError):
        services.record_return(
            actor=school_staff,
            allocation=handed_over,
            reason="recovery",
            condition="good",
            returned_on=dt.date(2021, 10, 1),
        )


def test_pupil_who_left_school_gets_no_device(school_staff, school_tablet, beneficiary):
    beneficiary.status = "left"
    beneficiary.save()
    with pytest.raises(ValidationError) as exc:
        services.allocate_device(actor=school_staff, device=school_tablet, student=beneficiary)
    assert "không còn học tại trường" in exc.value.messages[0]
    assert nothing_written(school_tablet)


def test_damaged_return_then_write_off(school_staff, other_school_staff, handed_over):
    services.record_return(
        actor=school_staff, allocation=handed_over, reason="recovery", condition="damaged"
    )
    device = Device.objects.get(pk=handed_over.device_id)
    with pytest.raises(Http404):
        services.write_off_device(actor=other_school_staff, device=device, reason="Vỡ màn hình")
    with pytest.raises(ValidationError):
        services.write_off_device(actor=school_staff, device=device, reason=" ")
    services.write_off_device(actor=school_staff, device=device, reason="Vỡ màn hình, mainboard")
    device.refresh_from_db()
    assert device.status == Device.Status.WRITTEN_OFF
    assert AuditEvent.objects.filter(action="device.write_off", object_id=str(device.pk)).exists()


def test_handed_over_device_cannot_be_written_off(school_staff, handed_over):
    with pytest.raises(ValidationError):
        services.write_off_device(actor=school_staff, device=handed_over.device, reason="Nhầm")
