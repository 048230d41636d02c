"""A transfer received short: the missing devices stay accounted for, audited, the sender told."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent, Notification
from devices import services
from devices.models import Device, StockTransfer
from tests.devices.factories import DeviceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(province_official, district, purchase):
    devices = [DeviceFactory(source=purchase) for _ in range(3)]
    transfer = services.create_transfer(
        actor=province_official, devices=devices, to_district=district
    )
    return transfer, devices


def test_a_short_delivery_stocks_what_arrived_and_keeps_the_rest_on_the_senders_books(
    sent, district_officer, province_official, district
):
    transfer, devices = sent
    missing = devices[2]
    services.confirm_transfer(actor=district_officer, transfer=transfer, missing=[missing.pk])
    transfer.refresh_from_db()
    assert transfer.status == StockTransfer.Status.RECEIVED
    arrived = Device.objects.filter(holder=Device.Holder.DISTRICT, district=district)
    assert set(arrived.values_list("pk", flat=True)) == {devices[0].pk, devices[1].pk}
    missing.refresh_from_db()
    # Not in the receiver's stock, not silently in transit: lost on the sender's books.
    assert (missing.status, missing.holder) == (Device.Status.LOST, Device.Holder.PROVINCE)
    assert Device.objects.count() == 3  # 2 received + 1 lost: the difference is counted
    event = AuditEvent.objects.get(action="device.transfer_short", object_id=str(missing.pk))
    assert f"#{transfer.pk}" in event.reason
    receive = AuditEvent.objects.get(action="transfer.receive", object_id=str(transfer.pk))
    assert receive.changes["missing"] == [missing.serial_number]
    note = Notification.objects.get(recipient=province_official, verb="transfer.short")
    assert missing.serial_number in note.message


def test_nothing_received_is_refused_and_changes_nothing(sent, district_officer):
    transfer, devices = sent
    with pytest.raises(ValidationError):
        services.confirm_transfer(
            actor=district_officer, transfer=transfer, missing=[d.pk for d in devices]
        )
    transfer.refresh_from_db()
    assert transfer.status == StockTransfer.Status.SENT
    assert set(Device.objects.values_list("status", flat=True)) == {Device.Status.IN_TRANSIT}


def test_a_device_of_another_transfer_cannot_be_reported_missing(sent, district_officer, purchase):
    transfer, _devices = sent
    stranger = DeviceFactory(source=purchase)
    with pytest.raises(ValidationError):
        services.confirm_transfer(actor=district_officer, transfer=transfer, missing=[stranger.pk])
    assert not AuditEvent.objects.filter(action="transfer.receive").exists()


def test_the_page_records_a_short_delivery_and_shows_it(client_for, sent, district_officer):
    transfer, devices = sent
    client = client_for(district_officer)
    page = client.get(reverse("devices:transfer_detail", args=[transfer.pk])).content.decode()
    assert 'name="missing"' in page
    client.post(
        reverse("devices:transfer_confirm", args=[transfer.pk]), {"missing": [devices[0].pk]}
    )
    page = client.get(reverse("devices:transfer_detail", args=[transfer.pk])).content.decode()
    assert "Nhận thiếu 1 thiết bị" in page
    assert 'name="missing"' not in page


def _pdf_text(content: bytes) -> str:
    import io

    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_transfer_slip_lists_devices_what_was_short_and_both_signatures(
    client_for, sent, district_officer, province_official
):
    transfer, devices = sent
    services.confirm_transfer(actor=district_officer, transfer=transfer, missing=[devices[1].pk])
    response = client_for(province_official).get(
        reverse("devices:transfer_slip", args=[transfer.pk])
    )
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(_pdf_text(response.content).split())
    assert "GIAO NHẬN THIẾT BỊ" in text.upper()
    for device in devices:
        assert device.serial_number in text
    assert "Thiếu" in text and "thiếu 1 thiết bị" in text
    assert "ĐẠI DIỆN BÊN A" in text.upper() and "ĐẠI DIỆN BÊN B" in text.upper()
    assert f"{transfer.pk:04d}/BB-GNTB" in text


def test_another_district_cannot_print_the_slip(client_for, sent, other_district_officer):
    transfer, _devices = sent
    response = client_for(other_district_officer).get(
        reverse("devices:transfer_slip", args=[transfer.pk])
    )
    assert response.status_code == 404
