"""Background work for devices and data packages."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from devices import services


# A lost database connection is worth a few retries: the run is idempotent, and waiting
# for tomorrow's beat would leave expired packages shown as active for a day.
@shared_task(
    time_limit=600,
    soft_time_limit=540,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=3,
    retry_backoff=60,
    retry_backoff_max=600,
)
def expire_subscriptions() -> dict[str, int]:
    """Daily (06:00 Asia/Ho_Chi_Minh, django-celery-beat): mark expired subscriptions and
    warn schools of those ending within 14 days.  Safe to run twice."""
    return services.expire_subscriptions()
