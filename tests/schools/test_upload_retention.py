"""Uploaded lists are deleted after UPLOAD_RETENTION_DAYS; the batch's record and counts stay."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.models import AuditEvent
from schools import tasks
from schools.models import ImportBatch

pytestmark = pytest.mark.django_db


def _batch(user, school, *, age_days: int, status=ImportBatch.Status.DONE) -> ImportBatch:
    batch = ImportBatch(
        kind=ImportBatch.Kind.STUDENTS,
        status=status,
        uploaded_by=user,
        school=school,
        district=school.district,
        file_name="danh-sach.xlsx",
        file_sha256="ab" * 32,
        rows=40,
        created=30,
        updated=10,
    )
    batch.file.save("danh-sach.xlsx", ContentFile(b"household list"), save=False)
    batch.save()
    ImportBatch.objects.filter(pk=batch.pk).update(
        uploaded_at=timezone.now() - dt.timedelta(days=age_days)
    )
    batch.refresh_from_db()
    return batch


def test_expired_upload_file_is_deleted_and_record_kept(
    school_staff, school, django_capture_on_commit_callbacks
):
    old = _batch(school_staff, school, age_days=366)
    recent = _batch(school_staff, school, age_days=300)
    storage, name = old.file.storage, old.file.name
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.purge_expired_uploads() == 1

    old.refresh_from_db()
    assert not storage.exists(name)
    assert old.file_deleted_at is not None
    assert not old.file
    assert (old.file_name, old.rows, old.created, old.updated) == ("danh-sach.xlsx", 40, 30, 10)
    assert old.file_sha256 == "ab" * 32
    recent.refresh_from_db()
    assert recent.file and recent.file.storage.exists(recent.file.name)
    event = AuditEvent.objects.get(action="import.file_deleted")
    assert event.object_id == str(old.pk)
    # A second run finds nothing more to delete.
    assert tasks.purge_expired_uploads() == 0


def test_running_import_is_not_purged(school_staff, school, django_capture_on_commit_callbacks):
    running = _batch(school_staff, school, age_days=400, status=ImportBatch.Status.IMPORTING)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.purge_expired_uploads() == 0
    running.refresh_from_db()
    assert running.file_deleted_at is None


@override_settings(UPLOAD_RETENTION_DAYS=30)
def test_retention_period_is_a_setting(school_staff, school, django_capture_on_commit_callbacks):
    batch = _batch(school_staff, school, age_days=31)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.purge_expired_uploads() == 1
    batch.refresh_from_db()
    assert batch.file_deleted_at is not None


def test_purge_is_scheduled_nightly_in_celery_beat():
    task = PeriodicTask.objects.get(task="schools.tasks.purge_expired_uploads")
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour) == ("30", "2")
    assert str(task.crontab.timezone) == "Asia/Ho_Chi_Minh"


def test_batch_page_says_the_file_was_deleted_by_retention(
    client_for, school_staff, school, django_capture_on_commit_callbacks
):
    batch = _batch(school_staff, school, age_days=400, status=ImportBatch.Status.VALIDATED)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.purge_expired_uploads()
    response = client_for(school_staff).get(reverse("students:import_detail", args=[batch.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "đã được xóa ngày" in html
    assert "theo thời hạn lưu trữ" in html
    assert reverse("students:import_error_file", args=[batch.pk]) not in html


def test_confirming_a_batch_whose_file_was_deleted_is_refused(
    client_for, school_staff, school, django_capture_on_commit_callbacks
):
    batch = _batch(school_staff, school, age_days=400, status=ImportBatch.Status.VALIDATED)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.purge_expired_uploads()
    client = client_for(school_staff)
    response = client.post(reverse("students:import_confirm", args=[batch.pk]), follow=True)
    assert "đã được xóa theo thời hạn lưu trữ" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED
