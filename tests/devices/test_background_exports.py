"""Devices lists export through a background job (at any length since issue 17); pupil-level
ones record the export and stay closed to aggregate roles (issue 13)."""

import io

import openpyxl
import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.models import PersonalDataAccess
from devices import services
from schools.models import ExportJob
from tests.accounts.factories import UserFactory, role
from tests.devices.factories import DeviceFactory, StudentFactory, approve
from tests.exports import export_via_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_allocations(school, school_staff, purchase):
    from devices.models import Device

    for name in ("Giàng Thị Mai", "Lù Thị Mỷ", "Sùng A Chứ"):
        pupil = StudentFactory(school=school, full_name=name)
        approve(pupil, "tablet")
        device = DeviceFactory(
            source=purchase, holder=Device.Holder.SCHOOL, school=school, district=school.district
        )
        services.allocate_device(actor=school_staff, device=device, student=pupil)


@override_settings(EXPORT_BACKGROUND_ROWS=2)
def test_big_allocation_list_exports_in_the_background(
    client_for, district_officer, three_allocations, django_capture_on_commit_callbacks
):
    client = client_for(district_officer)
    url = reverse("devices:allocations")
    response = client.get(url, {"export": "xlsx", "status": "allocated"}, follow=True)
    assert response.redirect_chain == [(url + "?status=allocated", 302)]
    html = response.content.decode()
    assert "Danh sách có 3 dòng" in html
    assert "Xuất Excel (chạy nền)" in html
    start = reverse("schools:export_start", args=["devices.allocations"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(start, {"status": "allocated"})
    job = ExportJob.objects.get()
    assert (job.status, job.rows) == (ExportJob.Status.DONE, 3)
    download = client.get(reverse("schools:export_download", args=[job.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    names = {row[1] for row in sheet.iter_rows(values_only=True)}
    assert {"Giàng Thị Mai", "Lù Thị Mỷ", "Sùng A Chứ"} <= names
    record = PersonalDataAccess.objects.get()
    assert (record.user, record.rows) == (district_officer, 3)


def test_small_allocation_export_runs_in_the_worker_and_is_recorded(
    client_for, district_officer, three_allocations
):
    response = export_via_worker(
        client_for(district_officer),
        reverse("devices:allocations"),
        {"export": "xlsx"},
        key="devices.allocations",
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert PersonalDataAccess.objects.get().rows == 3


@override_settings(EXPORT_BACKGROUND_ROWS=0)
def test_device_list_export_goes_to_the_background_without_an_access_record(
    client_for, province_official, school_tablet, django_capture_on_commit_callbacks
):
    client = client_for(province_official)
    response = client.get(reverse("devices:stock"), {"export": "xlsx"})
    assert response.status_code == 302
    start = reverse("schools:export_start", args=["devices.devices"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(start, {})
    assert ExportJob.objects.get().rows == 1
    assert not PersonalDataAccess.objects.exists()


def test_coverage_officer_cannot_start_a_pupil_level_devices_export(client_for, province):
    officer = UserFactory(role=role("coverage_officer"), province=province)
    for key in ("devices.allocations", "devices.waiting_devices", "devices.subscriptions"):
        response = client_for(officer).post(reverse("schools:export_start", args=[key]), {})
        assert response.status_code == 404
    assert not ExportJob.objects.exists()
