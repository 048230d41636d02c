"""Background work for support rounds."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from rounds import services


# Idempotent: a round already closed is not selected again, so a retry or a second beat
# run closes nothing twice and notifies nobody twice.
@shared_task(
    time_limit=300,
    soft_time_limit=240,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=3,
    retry_backoff=60,
)
def close_past_rounds() -> int:
    """Nightly (00:10 Asia/Ho_Chi_Minh, django-celery-beat): close the open rounds whose
    end date has passed. Returns how many were closed."""
    return services.close_past_rounds()
