"""Template helpers for donations: money, and the device → donor link for device pages."""

from __future__ import annotations

from typing import Any

from django import template

from donations.models import manages_donations
from kernel.documents import format_vnd

register = template.Library()


@register.filter
def vnd(amount: Any) -> str:
    """``{{ 1234567|vnd }}`` -> ``1.234.567 đ`` (a no-break space keeps "đ" on the line)."""
    if amount in (None, ""):
        return ""
    return format_vnd(int(amount)).replace(" ", "\u00a0")


@register.inclusion_tag("donations/_device_donor.html", takes_context=True)
def device_donor(context: dict[str, Any], device: Any) -> dict[str, Any]:
    """Who gave (or paid for) ``device``: ``{% load donations_tags %}{% device_donor device %}``.

    Donation managers get a link to the donor's page; other users see the donor's
    public name only (or "Nhà tài trợ ẩn danh").
    """
    from donations.selectors import donor_of_device, funding_donors_of_device

    donor = donor_of_device(device)
    funders = [] if donor else funding_donors_of_device(device)
    user = context.get("user")
    return {
        "donor": donor,
        "funders": funders,
        "can_open": bool(user is not None and manages_donations(user)),
    }
