import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from accounts.models import Notification
from devices import services
from devices.models import Device, StockTransfer
from devices.selectors import stock_counts
from tests.devices.factories import DeviceFactory, make_imei

pytestmark = pytest.mark.django_db


def receive(actor, source, **kwargs):
    data = {
        "device_type": "tablet",
        "make": "Samsung",
        "model_name": "Galaxy Tab A7 Lite",
        "serial_number": "r9xt-100",
        "imei": make_imei(500),
        "condition": "new",
    }
    data.update(kwargs)
    return services.receive_device(actor=actor, device_source=source, **data)


def test_receive_device_normalises_and_stocks_at_province(province_official, purchase):
    device = receive(
        province_official, purchase, imei=" " + make_imei(500)[:7] + " " + make_imei(500)[7:]
    )
    assert device.serial_number == "R9XT-100"
    assert device.holder == Device.Holder.PROVINCE and device.status == Device.Status.IN_STOCK


def test_imei_failing_luhn_is_refused(province_official, purchase):
    good = make_imei(500)
    bad = good[:-1] + str((int(good[-1]) + 3) % 10)
    with pytest.raises(ValidationError) as exc:
        receive(province_official, purchase, imei=bad)
    assert exc.value.message_dict["imei"] == ["IMEI không hợp lệ (sai chữ số kiểm tra Luhn)"]
    assert not Device.objects.exists()


def test_duplicate_serial_is_refused(province_official, purchase):
    receive(province_official, purchase)
    with pytest.raises(ValidationError) as exc:
        receive(province_official, purchase, serial_number="R9XT-100 ", imei=make_imei(501))
    assert exc.value.message_dict["serial_number"] == ["Số serial R9XT-100 đã có trong kho."]
    assert Device.objects.count() == 1


def test_tablet_needs_imei_laptop_does_not(province_official, purchase):
    with pytest.raises(ValidationError):
        receive(province_official, purchase, imei="")
    laptop = receive(province_official, purchase, device_type="laptop", imei="", make="Dell")
    assert laptop.imei is None


def test_school_cannot_receive_into_province_stock(school_staff, purchase):
    with pytest.raises(Http404):
        receive(school_staff, purchase)


@pytest.fixture
def province_devices(purchase):
    return [DeviceFactory(source=purchase) for _ in range(3)]


def test_transfer_province_to_district_then_school(
    province_official, district_officer, school_staff, school, district, province_devices
):
    transfer = services.create_transfer(
        actor=province_official, devices=province_devices, to_district=district
    )
    assert set(Device.objects.values_list("status", flat=True)) == {Device.Status.IN_TRANSIT}
    assert Notification.objects.filter(recipient=district_officer, verb="transfer.sent").exists()
    services.confirm_transfer(actor=district_officer, transfer=transfer)
    assert (
        Device.objects.filter(
            holder=Device.Holder.DISTRICT, district=district, status="in_stock"
        ).count()
        == 3
    )
    onward = services.create_transfer(
        actor=district_officer, devices=province_devices[:2], to_school=school
    )
    services.confirm_transfer(actor=school_staff, transfer=onward)
    counts = stock_counts(Device.objects.all())
    assert counts[("school", "tablet")] == 2
    assert counts[("district", "tablet")] == 1
    assert Device.objects.filter(school=school, district=district).count() == 2


def test_only_the_receiver_confirms(
    province_official, other_district_officer, district, province_devices
):
    transfer = services.create_transfer(
        actor=province_official, devices=province_devices, to_district=district
    )
    with pytest.raises(Http404):
        services.confirm_transfer(actor=other_district_officer, transfer=transfer)
    with pytest.raises(Http404):
        services.confirm_transfer(actor=province_official, transfer=transfer)
    transfer.refresh_from_db()
    assert transfer.status == StockTransfer.Status.SENT


def test_district_cannot_send_province_stock(district_officer, school, province_devices):
    with pytest.raises(ValidationError):
        services.create_transfer(actor=district_officer, devices=province_devices, to_school=school)
    assert not StockTransfer.objects.exists()


def test_district_cannot_send_to_school_of_other_district(
    district_officer, district, far_school, purchase
):
    device = DeviceFactory(source=purchase, holder=Device.Holder.DISTRICT, district=district)
    with pytest.raises(Http404):
        services.create_transfer(actor=district_officer, devices=[device], to_school=far_school)


def test_device_in_transit_cannot_be_sent_twice(
    province_official, district, other_district, province_devices
):
    services.create_transfer(
        actor=province_official, devices=province_devices, to_district=district
    )
    with pytest.raises(ValidationError):
        services.create_transfer(
            actor=province_official, devices=province_devices[:1], to_district=other_district
        )
    assert StockTransfer.objects.count() == 1


def test_cancelled_transfer_returns_devices(province_official, district, province_devices):
    transfer = services.create_transfer(
        actor=province_official, devices=province_devices, to_district=district
    )
    services.cancel_transfer(actor=province_official, transfer=transfer, reason="Nhầm huyện")
    assert set(Device.objects.values_list("status", "holder")) == {("in_stock", "province")}
