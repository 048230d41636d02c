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
    from kernel.documents import format_vnd

    return format_vnd(int(amount)) if amount is not None else ""


@register.inclusion_tag("devices/_student_devices.html", takes_context=True)
def student_devices(context, student) -> dict:
    """The pupil's devices and data packages with their history, for the pupil's page:
    ``{% load devices_tags %}{% student_devices student %}``."""
    from devices.selectors import student_device_history

    return {"student": student, "user": context.get("user"), **student_device_history(student)}


@register.inclusion_tag("devices/_student_readiness.html", takes_context=True)
def student_readiness(context, student) -> dict:
    """Whether the pupil is ready to learn online (device, package, platform account) and
    what is missing, with the pupil's platform accounts: ``{% student_readiness student %}``."""
    from devices.readiness import of_pupil

    return {
        "student": student,
        "user": context.get("user"),
        "csrf_token": context.get("csrf_token"),
        "readiness": of_pupil(student),
    }
