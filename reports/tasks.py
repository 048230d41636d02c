"""Celery tasks for reports: take ids or dates, call a service, safe to run twice."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from reports import services
from reports.models import ProgressReport


@shared_task(
    time_limit=15 * 60,
    soft_time_limit=14 * 60,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def generate_progress_report(period_end_iso: str | None = None) -> list[int]:
    """The weekly reports (beat), one per province: the week ending ``period_end_iso``,
    default last week; their ids.

    Running it twice for the same week returns the same reports.
    """
    if period_end_iso:
        start, end = services.week_ending(dt.date.fromisoformat(period_end_iso))
    else:
        start, end = services.previous_week()
    return services.generate_weekly_reports(start, end)


@shared_task(
    time_limit=15 * 60,
    soft_time_limit=14 * 60,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def build_progress_report(report_id: int) -> int:
    """An on-demand report already recorded as a row."""
    return services.generate_existing_report(report_id=report_id).pk


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60)
def process_pending_reports() -> int:
    """Beat sweep: build every report still waiting (e.g. requested while the broker was down)."""
    done = 0
    waiting = ProgressReport.objects.filter(status=ProgressReport.Status.PENDING)
    for pk in list(waiting.values_list("pk", flat=True)):
        services.generate_existing_report(report_id=pk)
        done += 1
    return done
