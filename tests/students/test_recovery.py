"""Nothing stuck, nothing lost: a broker outage queues a batch, a lost task is ended by the sweep."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from schools.models import ImportBatch
from students import services
from students.models import Student
from students.tasks import run_student_import
from taskqueue.services import sweep
from tests.students.helpers import pupil, standard
from tests.students.test_import_flow import check, upload
from tests.taskqueue.broker import stop_broker

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(client_for, school_staff, monkeypatch, settings, django_capture_on_commit_callbacks):
    """A big list whose check was asked for while Redis was down."""
    settings.IMPORT_ASYNC_ROWS = 1
    client = client_for(school_staff)
    upload(client, standard([pupil(1), pupil(2)]))
    batch = ImportBatch.objects.get()
    stop_broker(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        response = check(client, batch)
    assert response.status_code == 302
    batch.refresh_from_db()
    return client, batch


def test_check_with_the_broker_down_leaves_the_batch_queued_and_the_sweep_sends_it(
    queued, monkeypatch, django_capture_on_commit_callbacks
):
    _client, batch = queued
    assert (batch.status, batch.task_id) == ("validating", "")
    monkeypatch.undo()  # Redis is back
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep()["students.import_batches"] == 1
    batch.refresh_from_db()
    assert batch.status == "validated" and batch.task_id


def test_cancel_works_on_a_batch_queued_while_the_broker_was_down(
    queued, school_staff, school, monkeypatch
):
    client, batch = queued
    page = client.get(reverse("students:import_detail", args=[batch.pk])).content.decode()
    assert "sẽ tự chạy khi hàng đợi hoạt động trở lại" in page
    assert reverse("students:import_cancel", args=[batch.pk]) in page
    response = client.post(reverse("students:import_cancel", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "cancelled"
    monkeypatch.undo()
    assert services.running_batch_for(actor=school_staff, school=school) is None
    # A task delivered late leaves the cancelled batch alone.
    run_student_import.delay(batch.pk, "validate")
    batch.refresh_from_db()
    assert batch.status == "cancelled"


def _importing(batch, *, started_ago: dt.timedelta):
    ImportBatch.objects.filter(pk=batch.pk).update(
        status="importing", task_id="lost-task", started_at=timezone.now() - started_ago
    )


def test_sweep_fails_an_import_whose_worker_died_and_frees_the_school(
    client_for, school_staff, school
):
    client = client_for(school_staff)
    upload(client, standard([pupil(1)]))
    batch = ImportBatch.objects.get()
    _importing(batch, started_ago=dt.timedelta(hours=2))
    sweep()
    batch.refresh_from_db()
    assert batch.status == "failed"
    assert "bị gián đoạn" in batch.message and "chưa ghi học sinh nào" in batch.message
    assert services.running_batch_for(actor=school_staff, school=school) is None
    assert Student.objects.count() == 0
    response = upload(client, standard([pupil(2)]), name="moi.xlsx")
    assert response.status_code == 302
    assert ImportBatch.objects.count() == 2  # a new upload is no longer refused


def test_sweep_leaves_an_import_within_its_time_limit_alone(client_for, school_staff):
    client = client_for(school_staff)
    upload(client, standard([pupil(1)]))
    batch = ImportBatch.objects.get()
    _importing(batch, started_ago=dt.timedelta(minutes=5))
    sweep()
    batch.refresh_from_db()
    assert batch.status == "importing"


def test_import_task_is_acknowledged_late_and_requeued_when_its_worker_dies():
    assert run_student_import.acks_late is True
    assert run_student_import.reject_on_worker_lost is True


def test_a_redelivered_import_of_a_done_batch_writes_nothing_twice(client_for, school_staff):
    client = client_for(school_staff)
    upload(client, standard([pupil(1), pupil(2)]))
    batch = ImportBatch.objects.get()
    check(client, batch)
    client.post(reverse("students:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "done"
    run_student_import.delay(batch.pk, "import")
    batch.refresh_from_db()
    assert (batch.status, batch.created, Student.objects.count()) == ("done", 2, 2)


def test_a_failing_import_task_runs_once_and_leaves_the_batch_failed(
    client_for, school_staff, monkeypatch
):
    """No silent retries: the batch ends failed with a message and the school uploads again."""
    client = client_for(school_staff)
    upload(client, standard([pupil(1)]))
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(status="validating")
    calls = []

    def crash(*args, **kwargs):
        calls.append(1)
        raise OSError("disk gone")

    monkeypatch.setattr(services, "_run_batch", crash)
    with pytest.raises(OSError):
        run_student_import.delay(batch.pk, "validate")
    batch.refresh_from_db()
    assert (len(calls), batch.status) == (1, "failed")
    assert "Lỗi hệ thống" in batch.message
