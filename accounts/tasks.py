"""Background work for accounts: sending notification e-mails."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    max_retries=5,
    default_retry_delay=60,
    time_limit=120,
    soft_time_limit=100,
)
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail each notification once (tasks queued before the outbox; new ones use it)."""
    from accounts.services import email_notifications

    return email_notifications(notification_ids)
