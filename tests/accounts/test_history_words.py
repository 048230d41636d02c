"""Histories in words: actions, field labels and display values, in both languages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditEvent
from accounts.services import record_audit
from accounts.templatetags.audit_history import history_rows
from coverage import services as coverage_services
from coverage.models import CarrierSignal
from students.models import Student
from tests.accounts.factories import UserFactory, role
from tests.coverage.factories import CoveragePointFactory
from tests.students.factories import StudentFactory
from tests.students.test_views import form_data

pytestmark = pytest.mark.django_db


def _words(rows):
    return [(r.action, [(line.label, line.old, line.new) for line in r.lines]) for r in rows]


def test_a_pupil_created_on_the_form_shows_the_action_labels_and_choice_words(
    client_for, school_staff, school, commune
):
    response = client_for(school_staff).post(reverse("students:create"), form_data(school, commune))
    assert response.status_code == 302
    student = Student.objects.get(pupil_code="2122330792")
    page = client_for(school_staff).get(reverse("students:detail", args=[student.pk]))
    html = page.content.decode()
    assert "Tạo học sinh" in html
    assert "student.create" not in html
    assert "<strong>Giới tính</strong>: — → Nữ" in html
    assert "<strong>Ngày sinh</strong>: — → 09/09/2009" in html
    # A foreign key stored as its name is shown as it is; the masked ID keeps its mask.
    assert f"<strong>Trường</strong>: — → {school.name}" in html
    assert "2122330792" not in html.split("Lịch sử thay đổi")[1]


def test_the_same_history_in_english(client_for, school_staff, school, commune):
    client = client_for(school_staff)
    client.post(reverse("students:create"), form_data(school, commune))
    student = Student.objects.get(pupil_code="2122330792")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("students:detail", args=[student.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = html.content.decode()
    assert "Pupil created" in text
    assert "<strong>Sex</strong>: — → Female" in text


def test_a_signal_reads_as_carrier_and_technology(province):
    coverage_officer = UserFactory(role=role("coverage_officer"), province=province)
    point = CoveragePointFactory()
    coverage_services.record_signal(
        actor=coverage_officer,
        point=point,
        carrier="viettel",
        technology=4,
        measured_on=dt.date(2021, 10, 5),
        source=CarrierSignal.Source.CARRIER_SURVEY,
    )
    events = AuditEvent.objects.filter(action="coverage.signal.record")
    with translation.override("vi"):
        [(action, lines)] = _words(history_rows(events))
    assert action == "Ghi nhận sóng của nhà mạng"
    assert ("Sóng Viettel", "—", "Có sóng 4G") in lines
    assert ("Ngày đo", "—", "05/10/2021") in lines
    assert ("Nguồn", "—", "Nhà mạng khảo sát") in lines


def test_a_foreign_key_stored_as_an_id_shows_the_objects_name(school_staff, school, other_school):
    student = StudentFactory(school=school)
    record_audit(
        actor=school_staff,
        action="student.update",
        obj=student,
        changes={"school": [other_school.pk, school.pk], "need_data": [False, True]},
    )
    with translation.override("vi"):
        [(action, lines)] = _words(history_rows(AuditEvent.objects.filter(object_id=student.pk)))
    assert action == "Sửa thông tin học sinh"
    assert ("Trường", other_school.name, school.name) in lines
    assert any(line[1:] == ("Không", "Có") for line in lines)


def test_an_unknown_key_and_a_count_still_read(school_staff, school):
    student = StudentFactory(school=school)
    record_audit(actor=school_staff, action="student.import", obj=student, changes={"created": 3})
    with translation.override("en"):
        [(action, lines)] = _words(history_rows(AuditEvent.objects.filter(object_id=student.pk)))
    assert action == "Import pupil list"
    assert lines == [("created", None, "3")] or lines[0][2] == "3"
