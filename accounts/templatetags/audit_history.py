"""``{% history_rows history as rows %}``: an object's audit trail in words, for the pages.

The words come from the registry each app fills in (``kernel.history``); ID numbers and
phones stay masked as in ``AuditEvent.change_list``; related objects named by id are
loaded with one query per model for the whole list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import template
from django.contrib.contenttypes.models import ContentType

from accounts.models import MASKED_CHANGE_FIELDS, AuditEvent, User, masked
from kernel.history import ChangeLine, Changes, action_label, change_lines

register = template.Library()


@dataclass(frozen=True)
class HistoryRow:
    at: dt.datetime
    actor: User | None
    action: str
    code: str
    lines: list[ChangeLine]
    reason: str


def _mask(name: str, value: Any) -> Any:
    return masked(value) if name in MASKED_CHANGE_FIELDS else value


@register.simple_tag
def history_rows(events: Iterable[AuditEvent]) -> list[HistoryRow]:
    events = list(events)
    models = []
    for event in events:
        model = ContentType.objects.get_for_id(event.content_type_id).model_class()
        models.append(Changes(model, event.changes or {}))
    lines = change_lines(models, mask=_mask)
    return [
        HistoryRow(
            at=event.at,
            actor=event.actor,
            action=action_label(event.action),
            code=event.action,
            lines=event_lines,
            reason=event.reason,
        )
        for event, event_lines in zip(events, lines, strict=True)
    ]
