"""Template helpers for the devices pages."""

from __future__ import annotations

from django import template

from students.models import mask as mask_value

register = template.Library()


@register.filter
def can(user, capability: str) -> bool:
    """``{% if user|can:"can_allocate" %}``: the user's role carries the capability."""
    return bool(getattr(user, "is_authenticated", False) and user.can(capability))


@register.filter
def mask(value: str) -> str:
    """Only the last four digits of a phone number or ID."""
    return mask_value(value or "")


@register.filter
def get_count(counts: dict, key: str) -> int:
    """``{{ counts|get_count:status }}``: a count from a dict, 0 when missing."""
    return counts.get(key, 0) if counts else 0


@register.filter
def vnd(amount) -> str:
    """Whole đồng, Vietnamese grouping: 50000 -> "50.000 đ"."""
    from schools.documents import format_vnd

    return format_vnd(int(amount)) if amount is not None else ""
