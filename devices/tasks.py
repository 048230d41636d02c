"""Background work for devices and data packages."""

from __future__ import annotations

from celery import shared_task

from devices import services


@shared_task(time_limit=600, soft_time_limit=540, max_retries=3, default_retry_delay=300)
def expire_subscriptions() -> dict[str, int]:
    """Daily (06:00 Asia/Ho_Chi_Minh, django-celery-beat): mark expired subscriptions and
    warn schools of those ending within 14 days.  Safe to run twice."""
    return services.expire_subscriptions()
