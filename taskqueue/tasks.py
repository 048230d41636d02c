"""Celery tasks of the outbox and the periodic sweep."""

from __future__ import annotations

from celery import shared_task

from taskqueue import services


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=300, soft_time_limit=280)
def run_outbox_task(pk: int) -> bool:
    """Run one outbox row; safe to run twice (a done or locked row is skipped)."""
    return services.run_outbox_task(pk)


@shared_task(time_limit=15 * 60, soft_time_limit=14 * 60)
def sweep() -> dict[str, int]:
    """Beat: run the undone outbox, re-send queued work, end stuck work as failed."""
    return services.sweep()
