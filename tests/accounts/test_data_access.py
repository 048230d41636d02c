"""Every pupil page view and every export of pupil-level data leaves an access record,
listed for administrators per pupil, per user and per date (Decree 356/2025)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.models import PersonalDataAccess
from tests.exports import export_via_worker
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupil(school):
    return StudentFactory(school=school, full_name="Giàng Seo Phủ")


def test_viewing_a_pupil_page_is_recorded(client_for, school_staff, pupil):
    assert (
        client_for(school_staff).get(reverse("students:detail", args=[pupil.pk])).status_code == 200
    )
    record = PersonalDataAccess.objects.get()
    assert record.user == school_staff
    assert record.action == PersonalDataAccess.Action.VIEW
    assert record.object_id == str(pupil.pk)
    assert record.object_repr == "Giàng Seo Phủ"
    assert record.rows == 1
    assert record.school_id_snapshot == pupil.school_id


def test_export_of_the_registry_records_how_many_rows(client_for, district_officer, school, pupil):
    StudentFactory(school=school, full_name="Lù Thị Mỷ")
    response = export_via_worker(
        client_for(district_officer), reverse("students:export"), key="students.registry"
    )
    assert response.status_code == 200
    record = PersonalDataAccess.objects.get()
    assert record.action == PersonalDataAccess.Action.EXPORT
    assert record.user == district_officer
    assert record.rows == 2
    assert record.district_id_snapshot == school.district_id


def test_admin_lists_accesses_per_pupil_and_per_user(
    client_for, admin_user, school_staff, district_officer, pupil, school
):
    other = StudentFactory(school=school, full_name="Lù Thị Mỷ")
    client_for(school_staff).get(reverse("students:detail", args=[pupil.pk]))
    client_for(district_officer).get(reverse("students:detail", args=[other.pk]))
    url = reverse("accounts:data_access_list")
    client = client_for(admin_user)

    by_pupil = client.get(url, {"hoc_sinh": pupil.pk})
    assert by_pupil.status_code == 200
    assert [a.user for a in by_pupil.context["page"]] == [school_staff]

    by_user = client.get(url, {"nguoi_dung": district_officer.username})
    assert [a.object_repr for a in by_user.context["page"]] == ["Lù Thị Mỷ"]
    assert "Nhật ký truy cập dữ liệu cá nhân" in by_user.content.decode()
    assert "no-store" in by_user["Cache-Control"]


def test_access_list_filters_by_date_and_paginates(client_for, admin_user, school_staff, pupil):
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)):
        client_for(school_staff).get(reverse("students:detail", args=[pupil.pk]))
    for _ in range(55):
        client_for(school_staff).get(reverse("students:detail", args=[pupil.pk]))
    url = reverse("accounts:data_access_list")
    client = client_for(admin_user)
    march = client.get(url, {"tu_ngay": "2026-03-01", "den_ngay": "2026-03-01"})
    assert len(march.context["page"]) == 1
    everything = client.get(url)
    assert everything.context["page"].paginator.count == 56
    assert len(everything.context["page"]) == 50


def test_access_list_is_for_administrators_only(client_for, school_staff, district_officer):
    url = reverse("accounts:data_access_list")
    assert client_for(school_staff).get(url).status_code == 404
    assert client_for(district_officer).get(url).status_code == 404


def test_access_records_are_read_only_in_the_admin(client_for, admin_user, school_staff, pupil):
    client_for(school_staff).get(reverse("students:detail", args=[pupil.pk]))
    record = PersonalDataAccess.objects.get()
    client = client_for(admin_user)
    changelist = reverse("admin:accounts_personaldataaccess_changelist")
    assert client.get(changelist).status_code == 200
    delete = reverse("admin:accounts_personaldataaccess_delete", args=[record.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert PersonalDataAccess.objects.count() == 1


def test_pupil_page_links_administrators_to_its_access_log(
    client_for, admin_user, school_staff, pupil
):
    link = reverse("accounts:data_access_list") + f"?hoc_sinh={pupil.pk}"
    assert (
        link
        in client_for(admin_user).get(reverse("students:detail", args=[pupil.pk])).content.decode()
    )
    assert (
        link
        not in client_for(school_staff)
        .get(reverse("students:detail", args=[pupil.pk]))
        .content.decode()
    )
