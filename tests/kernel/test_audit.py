"""Every audit row goes through accounts.services; code below accounts reaches it via kernel.audit."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from accounts.models import AuditEvent, PersonalDataAccess
from accounts.services import AUDIT_FIELDS, AuditRow, record_audits
from kernel import audit
from schools.models import School

pytestmark = pytest.mark.django_db


def test_kernel_port_writes_the_row_through_accounts(school_staff, school):
    audit.record_audit(
        actor=school_staff,
        action="school.update",
        obj=school,
        changes={"name": ["Cũ", "Mới"]},
        reason="Sửa tên",
        school_id=school.pk,
        district_id=school.district_id,
    )
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.object_id, event.object_repr) == (
        school_staff,
        "school.update",
        str(school.pk),
        str(school),
    )
    assert event.content_type == ContentType.objects.get_for_model(School)
    assert (event.changes, event.reason) == ({"name": ["Cũ", "Mới"]}, "Sửa tên")
    assert (event.school_id_snapshot, event.district_id_snapshot) == (
        school.pk,
        school.district_id,
    )


def test_kernel_port_records_an_access(school_staff, school):
    audit.record_access(user=school_staff, action="export", what="Danh sách", rows=7)
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.action, access.what, access.rows) == (
        school_staff,
        PersonalDataAccess.Action.EXPORT,
        "Danh sách",
        7,
    )
    assert access.school_id_snapshot == school.pk


def test_kernel_port_refuses_when_no_writer_is_installed(monkeypatch, school):
    monkeypatch.setattr(audit, "_writers", {})
    with pytest.raises(ImproperlyConfigured):
        audit.record_audit(actor=None, action="school.update", obj=school)
    assert not AuditEvent.objects.exists()


def _row(school, at, action="student.create"):
    return AuditRow(
        at=at,
        actor_id=None,
        action=action,
        content_type_id=ContentType.objects.get_for_model(School).pk,
        object_id=str(school.pk),
        object_repr=school.name,
        changes={"name": [None, school.name]},
        reason="Nhập từ tệp",
        district_id_snapshot=school.district_id,
        school_id_snapshot=school.pk,
    )


def test_bulk_audit_rows_are_stored_field_by_field(school, other_school):
    at = timezone.now() - dt.timedelta(minutes=1)
    assert record_audits([_row(school, at), _row(other_school, at, "student.update")]) == 2
    stored = {e.object_id: e for e in AuditEvent.objects.all()}
    for pupil_school, action in ((school, "student.create"), (other_school, "student.update")):
        event = stored[str(pupil_school.pk)]
        assert (event.action, event.object_repr, event.reason) == (
            action,
            pupil_school.name,
            "Nhập từ tệp",
        )
        assert event.changes == {"name": [None, pupil_school.name]}
        assert (event.school_id_snapshot, event.district_id_snapshot) == (
            pupil_school.pk,
            pupil_school.district_id,
        )


def test_bulk_audit_hands_rows_to_the_callers_writer(school):
    calls = []
    row = _row(school, timezone.now())
    assert record_audits([row], insert=lambda *args: calls.append(args)) == 1
    assert calls == [(AuditEvent, AUDIT_FIELDS, [row])]
    assert record_audits([]) == 0
