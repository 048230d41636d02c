"""Reads for accounts."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from accounts.models import AuditEvent, Notification, User


def history_for(obj: Model) -> QuerySet[AuditEvent]:
    """The audit trail of one object, newest first, with the actors loaded."""
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return AuditEvent.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)
