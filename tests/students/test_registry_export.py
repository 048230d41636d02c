"""The registry export runs in the worker (issue 17), masks IDs for roles that may not see
them, and records every export as an access to pupil-level data (issue 13)."""

import io

import openpyxl
import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.models import PersonalDataAccess
from schools.models import ExportJob
from tests.accounts.factories import UserFactory, role
from tests.exports import export_via_worker
from tests.students.factories import HouseholdFactory, StudentFactory

pytestmark = pytest.mark.django_db
START = reverse("schools:export_start", args=["students.registry"])


@pytest.fixture
def pupils(school):
    household = HouseholdFactory(commune=school.commune, guardian_phone="0912345678")
    StudentFactory(
        school=school,
        household=household,
        full_name="Giàng Seo Phủ",
        pupil_code="0308246281",
        personal_id="001209012345",
    )
    StudentFactory(school=school, full_name="Giàng Thị Mai")
    StudentFactory(school=school, full_name="Lù Thị Mỷ")


def _rows(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def _pupil_row(rows, name="Giàng Seo Phủ"):
    return next(r for r in rows if r[0] == name)


def test_roles_with_reveal_capability_get_full_ids(client_for, district_officer, pupils):
    response = export_via_worker(
        client_for(district_officer), reverse("students:export"), key="students.registry"
    )
    row = _pupil_row(_rows(response.content))
    assert "0308246281" in row
    assert "001209012345" in row
    assert "0912345678" in row


def test_roles_without_reveal_capability_get_masked_ids(client_for, province_official, pupils):
    response = export_via_worker(
        client_for(province_official), reverse("students:export"), key="students.registry"
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    row = _pupil_row(_rows(response.content))
    assert not {"0308246281", "001209012345", "0912345678"} & set(row)
    assert "••••••6281" in row
    assert "••••••••2345" in row
    assert "••••••5678" in row


@override_settings(EXPORT_BACKGROUND_ROWS=2)
def test_big_registry_export_runs_in_the_background(
    client_for, province_official, pupils, django_capture_on_commit_callbacks
):
    client = client_for(province_official)
    response = client.get(reverse("students:export"), {"class_name": "6A"}, follow=True)
    assert response.redirect_chain == [(reverse("students:list") + "?class_name=6A", 302)]
    html = response.content.decode()
    assert "Danh sách có 3 dòng" in html
    assert "Xuất Excel (chạy nền)" in html
    assert not PersonalDataAccess.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(START, {"class_name": "6A"})
    job = ExportJob.objects.get()
    assert started.status_code == 302
    assert job.status == ExportJob.Status.DONE
    assert job.rows == 3
    download = client.get(reverse("schools:export_download", args=[job.pk]))
    assert "no-store" in download["Cache-Control"]
    rows = _rows(b"".join(download.streaming_content))
    assert "••••••6281" in _pupil_row(rows)
    record = PersonalDataAccess.objects.get()
    assert (record.user, record.action, record.rows) == (
        province_official,
        PersonalDataAccess.Action.EXPORT,
        3,
    )


def test_small_export_is_recorded_with_its_rows(client_for, school_staff, pupils):
    export_via_worker(
        client_for(school_staff),
        reverse("students:export"),
        {"q": "giang"},
        key="students.registry",
    )
    record = PersonalDataAccess.objects.get()
    assert record.rows == 2
    assert record.action == PersonalDataAccess.Action.EXPORT


@pytest.mark.parametrize("code", ["coverage_officer", "donation_manager"])
def test_aggregate_roles_cannot_start_a_registry_export(client_for, province, pupils, code):
    user = UserFactory(role=role(code), province=province)
    response = client_for(user).post(START, {})
    assert response.status_code == 404
    assert not ExportJob.objects.exists()
