"""The outbox: a call recorded in the transaction is run once, whatever the broker does."""

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts.models import Notification
from accounts.services import notify
from taskqueue import services
from taskqueue.models import OutboxTask
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

CALLS: list[tuple] = []


def record_call(*args):
    CALLS.append(args)


def fail_call(*args):
    raise OSError("SMTP down")


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLS.clear()


def test_outbox_row_is_written_in_the_transaction_and_rolled_back_with_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        services.enqueue_durably("tests.taskqueue.test_outbox.record_call", 1)
        raise RuntimeError
    assert OutboxTask.objects.count() == 0


def test_outbox_runs_the_call_after_commit_and_marks_it_done(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = services.enqueue_durably("tests.taskqueue.test_outbox.record_call", 7, "x")
    row.refresh_from_db()
    assert CALLS == [(7, "x")]
    assert row.done_at is not None and row.published_at is not None


def test_broker_down_keeps_the_row_and_the_sweep_runs_it_once(
    broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = services.enqueue_durably("tests.taskqueue.test_outbox.record_call", 3)
    row.refresh_from_db()
    assert (row.published_at, row.done_at, CALLS) == (None, None, [])
    services.sweep()
    services.sweep()
    row.refresh_from_db()
    assert CALLS == [(3,)]
    assert row.done_at is not None


def test_published_row_whose_task_was_lost_is_run_by_the_sweep_after_the_grace(settings):
    settings.TASKQUEUE_GRACE_SECONDS = 60
    row = OutboxTask.objects.create(
        name="tests.taskqueue.test_outbox.record_call", args=[5], published_at=timezone.now()
    )
    assert services.sweep()["outbox"] == 0  # its task may still be on its way
    later = timezone.now() + dt.timedelta(seconds=61)
    assert services.sweep(now=later)["outbox"] == 1
    row.refresh_from_db()
    assert CALLS == [(5,)] and row.done_at is not None


def test_failing_call_is_retried_later_with_its_error_kept():
    row = OutboxTask.objects.create(name="tests.taskqueue.test_outbox.fail_call", args=[])
    assert services.run_outbox_task(row.pk) is False
    row.refresh_from_db()
    assert row.attempts == 1 and row.done_at is None
    assert "SMTP down" in row.last_error
    assert row.available_at > timezone.now()
    assert services.drain_outbox() == 0  # not before its backoff


def test_notification_emails_survive_a_broker_outage(
    broker_down, django_capture_on_commit_callbacks
):
    user = UserFactory(email="gv@example.org")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify(recipients=[user], verb="proposal.submit", message="Danh sách mới")
    assert mail.outbox == []
    assert OutboxTask.objects.filter(done_at__isnull=True).count() == 1
    broker_down.undo()
    services.sweep()
    assert [m.to for m in mail.outbox] == [["gv@example.org"]]
    assert Notification.objects.get().emailed_at is not None
    services.sweep()
    assert len(mail.outbox) == 1
