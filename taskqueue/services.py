"""Sending work to Celery without ever failing the request, and never losing it.

* ``enqueue_safely(task, *args)`` sends a task and answers ``None`` when the broker is
  unreachable. The caller keeps the work recorded on its own row (a batch left
  "queued", a report left pending) and a sweeper registered with
  ``register_sweeper`` sends it again once the broker is back.
* ``enqueue_durably("app.module.function", *args)`` writes an ``OutboxTask`` row in
  the caller's transaction and, after commit, sends the task that runs it. Used for
  notification e-mails: the row is in the database as soon as the data it follows
  is, and ``drain_outbox`` (the sweep) runs whatever is still undone.
* ``sweep()`` (beat, ``taskqueue.tasks.sweep``) drains the outbox and runs every
  registered sweeper: each app ends or re-sends its own stuck work.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from taskqueue.models import OutboxTask

logger = logging.getLogger(__name__)

Sweeper = Callable[[dt.datetime], int]
_SWEEPERS: dict[str, Sweeper] = {}


def broker_errors() -> tuple[type[BaseException], ...]:
    """What a publish raises when Redis or the broker is down (kombu wraps most of it)."""
    from kombu.exceptions import OperationalError
    from redis.exceptions import RedisError

    return (OperationalError, RedisError, OSError)


def enqueue_safely(task: Any, *args: Any, **kwargs: Any) -> Any | None:
    """``task.apply_async(args, kwargs)``; the result, or None (logged) when the broker is down."""
    try:
        return task.apply_async(args=args, kwargs=kwargs or None)
    except broker_errors() as exc:
        logger.warning("Broker unavailable, %s not sent: %s", getattr(task, "name", task), exc)
        return None


def enqueue_safely_on_commit(
    task: Any, *args: Any, on_sent: Callable[[Any], None] | None = None
) -> None:
    """``enqueue_safely`` once the current transaction commits; ``on_sent(result)`` if sent."""

    def send() -> None:
        result = enqueue_safely(task, *args)
        if result is not None and on_sent is not None:
            on_sent(result)

    transaction.on_commit(send)


# --- the outbox ---------------------------------------------------------------------------


def enqueue_durably(name: str, *args: Any) -> OutboxTask:
    """Record the call ``name(*args)`` in the current transaction; run it after commit.

    ``name`` is the dotted path of a plain function that is safe to run twice.
    """
    row = OutboxTask.objects.create(name=name, args=list(args))
    transaction.on_commit(lambda: publish_outbox_task(row.pk))
    return row


def publish_outbox_task(pk: int) -> bool:
    from taskqueue.tasks import run_outbox_task

    if enqueue_safely(run_outbox_task, pk) is None:
        return False
    OutboxTask.objects.filter(pk=pk, published_at__isnull=True).update(published_at=timezone.now())
    return True


def max_attempts() -> int:
    return int(getattr(settings, "TASKQUEUE_OUTBOX_MAX_ATTEMPTS", 10))


def run_outbox_task(pk: int) -> bool:
    """Run one outbox row if nobody else is running it; True when it is done."""
    with transaction.atomic():
        row = (
            OutboxTask.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, done_at__isnull=True)
            .first()
        )
        if row is None:
            return False
        row.attempts += 1
        try:
            # No savepoint: what the call recorded before failing (e-mails sent) is kept.
            import_string(row.name)(*row.args)
        except Exception as exc:
            logger.warning("Outbox task %s failed (attempt %s): %s", row.name, row.attempts, exc)
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            delay = min(60 * 2**row.attempts, 6 * 3600)
            row.available_at = timezone.now() + dt.timedelta(seconds=delay)
            row.save(update_fields=["attempts", "last_error", "available_at"])
            return False
        row.done_at = timezone.now()
        row.last_error = ""
        row.save(update_fields=["attempts", "done_at", "last_error"])
        return True


def drain_outbox(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Run the outbox rows still undone: never sent, or sent but not run within the grace."""
    now = now or timezone.now()
    grace = dt.timedelta(seconds=grace_seconds())
    undone = (
        OutboxTask.objects.filter(
            done_at__isnull=True, available_at__lte=now, attempts__lt=max_attempts()
        )
        .exclude(published_at__gt=now - grace, attempts=0)
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in list(undone) if run_outbox_task(pk))


# --- the sweep ----------------------------------------------------------------------------


def grace_seconds() -> int:
    """How long past a task's time limit its work may look stuck before it is ended."""
    return int(getattr(settings, "TASKQUEUE_GRACE_SECONDS", 300))


def stale_before(task: Any, now: dt.datetime) -> dt.datetime:
    """Work started before this moment has outlived ``task``'s hard time limit (plus grace)."""
    limit = getattr(task, "time_limit", None) or settings.CELERY_TASK_TIME_LIMIT
    return now - dt.timedelta(seconds=int(limit) + grace_seconds())


def register_sweeper(name: str, sweeper: Sweeper) -> None:
    """``sweeper(now)`` re-sends its app's queued work and fails what is stuck; returns a count."""
    _SWEEPERS[name] = sweeper


def sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Drain the outbox and run every sweeper; one failing sweeper does not stop the others."""
    now = now or timezone.now()
    counts = {"outbox": drain_outbox(now=now)}
    for name, sweeper in _SWEEPERS.items():
        try:
            counts[name] = sweeper(now)
        except Exception:
            logger.exception("Sweeper %s failed", name)
            counts[name] = -1
    return counts
