"""Background work for accounts: sending notification e-mails."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from accounts.models import Notification


@shared_task(bind=True, max_retries=5, default_retry_delay=60, time_limit=120, soft_time_limit=100)
def send_notification_emails(self, notification_ids: list[int]) -> int:
    """E-mail each notification once; safe to run twice (already e-mailed ones are skipped)."""
    sent = 0
    pending = Notification.objects.filter(
        pk__in=notification_ids, emailed_at__isnull=True
    ).select_related("recipient")
    for note in pending:
        if not note.recipient.email:
            continue
        try:
            send_mail(
                subject=f"[Sóng và máy tính cho em] {note.message[:80]}",
                message=f"{note.message}\n\n{note.url}",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[note.recipient.email],
            )
        except OSError as exc:
            raise self.retry(exc=exc) from exc
        Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        sent += 1
    return sent
