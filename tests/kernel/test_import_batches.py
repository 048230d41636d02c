"""The shared import-batch workflow: upload, report, claim, cancel, lookup, error copy."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from accounts.models import AuditEvent
from kernel.importing import ImportReport, RowError
from schools import import_batches
from schools.models import ImportBatch

pytestmark = pytest.mark.django_db

DATA = b"PK fake spreadsheet bytes"


def _upload(user, **kwargs):
    return import_batches.store_upload(
        actor=user,
        kind=ImportBatch.Kind.DEVICES,
        upload=SimpleUploadedFile("giao-nhan.xlsx", DATA),
        file_name="giao-nhan.xlsx",
        **kwargs,
    )


def test_store_upload_keeps_file_hash_uploader_and_unit(school_staff, school):
    batch = _upload(school_staff, options={"device_source": 3})
    batch.refresh_from_db()
    assert (batch.kind, batch.status, batch.uploaded_by) == (
        ImportBatch.Kind.DEVICES,
        ImportBatch.Status.UPLOADED,
        school_staff,
    )
    assert batch.file_sha256 == hashlib.sha256(DATA).hexdigest()
    assert (batch.school_id, batch.district_id, batch.options) == (
        school.pk,
        None,
        {"device_source": 3},
    )
    with batch.file.open("rb") as fh:
        assert fh.read() == DATA
    event = AuditEvent.objects.get(action="import.upload")
    assert (event.object_id, event.changes) == (str(batch.pk), {"kind": [None, "devices"]})
    assert event.school_id_snapshot is None


def test_store_upload_files_the_audit_under_the_unit_when_asked(district_officer, district):
    batch = import_batches.store_upload(
        actor=district_officer,
        kind=ImportBatch.Kind.STUDENTS,
        upload=DATA,
        file_name="ds.xlsx",
        audit_action="student_import.upload",
        audit_changes=lambda b: {"sha256": [None, b.file_sha256]},
        audit_unit=True,
    )
    assert (batch.district_id, batch.school_id) == (district.pk, None)
    event = AuditEvent.objects.get(action="student_import.upload")
    assert event.changes == {"sha256": [None, hashlib.sha256(DATA).hexdigest()]}
    assert event.district_id_snapshot == district.pk


def test_store_report_copies_counts_and_errors(school_staff):
    batch = _upload(school_staff)
    report = ImportReport(rows=3, created=1, updated=1, unchanged=0)
    report.errors.append(
        RowError(row=4, column="Số sê-ri", field="serial_number", message="Trùng số sê-ri")
    )
    import_batches.store_report(batch, report)
    assert (batch.rows, batch.created, batch.updated, batch.unchanged, batch.error_count) == (
        3,
        1,
        1,
        0,
        1,
    )
    assert import_batches.errors_by_row(batch.errors) == {4: ["Số sê-ri: Trùng số sê-ri"]}


def test_claim_for_import_takes_a_checked_batch_once(school_staff):
    batch = _upload(school_staff, status=ImportBatch.Status.VALIDATED)
    claimed = import_batches.claim_for_import(batch, refusal="đã nhập")
    assert ImportBatch.objects.get(pk=claimed.pk).status == ImportBatch.Status.IMPORTING
    with pytest.raises(ValueError, match="đã nhập"):
        import_batches.claim_for_import(batch, refusal="đã nhập")


def test_claim_for_import_refuses_a_checked_batch_with_errors(school_staff):
    batch = _upload(school_staff, status=ImportBatch.Status.VALIDATED, error_count=2)
    with pytest.raises(ValueError):
        import_batches.claim_for_import(batch, refusal="còn lỗi")
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.VALIDATED


def test_cancel_marks_the_batch_and_audits_it(school_staff, school):
    batch = _upload(school_staff, status=ImportBatch.Status.VALIDATED)
    import_batches.cancel(actor=school_staff, batch=batch, audit_action="devices_import.cancel")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED and batch.finished_at is not None
    event = AuditEvent.objects.get(action="devices_import.cancel")
    assert event.school_id_snapshot == school.pk
    with pytest.raises(ValueError, match="Chỉ hủy được"):
        import_batches.cancel(actor=school_staff, batch=batch, audit_action="x")


def test_batch_lookup_is_scoped_and_optionally_the_uploaders_own(
    school_staff, other_school_staff, district_officer
):
    batch = _upload(school_staff)
    kinds = [ImportBatch.Kind.DEVICES]
    assert import_batches.batch_for_user(school_staff, batch.pk, kinds=kinds) == batch
    assert import_batches.batch_for_user(district_officer, batch.pk, kinds=kinds) == batch
    with pytest.raises(Http404):
        import_batches.batch_for_user(district_officer, batch.pk, kinds=kinds, uploader_only=True)
    with pytest.raises(Http404):
        import_batches.batch_for_user(other_school_staff, batch.pk, kinds=kinds)
    with pytest.raises(Http404):
        import_batches.batch_for_user(school_staff, batch.pk, kinds=[ImportBatch.Kind.COVERAGE])


def _report(errors=0):
    return ImportReport(rows=3, errors=[RowError(2, "Serial", "serial", "trùng")] * errors)


def test_begin_moves_a_batch_into_its_phase_or_refuses(school_staff):
    S = ImportBatch.Status
    for status, phase, running in (
        (S.UPLOADED, import_batches.CHECK, S.VALIDATING),
        (S.VALIDATED, import_batches.CHECK, S.VALIDATING),
        (S.VALIDATED, import_batches.IMPORT, S.IMPORTING),
    ):
        batch = ImportBatch(status=status, progress=100)
        import_batches.begin(batch, phase=phase, refusal="không")
        assert (batch.status, batch.progress) == (running, 0)
        assert import_batches.running_status(phase) == running
    for status, phase in (
        (S.UPLOADED, import_batches.IMPORT),
        (S.DONE, import_batches.CHECK),
        (S.CANCELLED, import_batches.IMPORT),
    ):
        with pytest.raises(ValueError, match="không"):
            import_batches.begin(ImportBatch(status=status), phase=phase, refusal="không")


def test_reopen_only_before_the_batch_has_run():
    batch = ImportBatch(status=ImportBatch.Status.VALIDATED)
    import_batches.reopen(batch, refusal="đã chạy")
    assert batch.status == ImportBatch.Status.UPLOADED
    with pytest.raises(ValueError, match="đã chạy"):
        import_batches.reopen(ImportBatch(status=ImportBatch.Status.DONE), refusal="đã chạy")


def test_outcome_of_a_check_and_of_an_import():
    S, check, load = ImportBatch.Status, import_batches.CHECK, import_batches.IMPORT
    checked = import_batches.outcome(phase=check, report=_report(errors=1))
    assert (checked["status"], checked["error_count"], checked["progress"]) == (S.VALIDATED, 1, 100)
    assert "finished_at" not in checked  # still to confirm
    failed_check = import_batches.outcome(phase=check, report=_report(1), on_errors=S.FAILED)
    assert failed_check["status"] == S.FAILED and failed_check["finished_at"]
    assert import_batches.outcome(phase=load, report=_report())["status"] == S.DONE
    assert import_batches.outcome(phase=load, report=_report(1))["status"] == S.FAILED
    kept = import_batches.outcome(phase=load, report=_report(1), on_errors=S.VALIDATED)
    assert kept["status"] == S.VALIDATED and "finished_at" not in kept
    unreadable = import_batches.outcome(phase=check, report=None, message="hỏng")
    assert (unreadable["status"], unreadable["message"]) == (S.FAILED, "hỏng")
    assert "rows" not in unreadable
    back = import_batches.outcome(phase=check, report=None, on_errors=S.UPLOADED)
    assert back["status"] == S.UPLOADED and "finished_at" not in back


def test_conclude_stores_the_outcome_on_the_batch(school_staff):
    batch = _upload(school_staff, status=ImportBatch.Status.IMPORTING)
    import_batches.conclude(batch, phase=import_batches.IMPORT, report=_report())
    batch.save()
    stored = ImportBatch.objects.get(pk=batch.pk)
    assert (stored.status, stored.rows, stored.error_count) == (ImportBatch.Status.DONE, 3, 0)
    assert stored.finished_at is not None
