"""Template helpers shared by every app's pages (``{% load portal %}``).

The Content-Security-Policy allows no inline ``style`` attribute, so a bar's width
is a class of the portal's stylesheet (``.pct-0`` … ``.pct-100``) instead of
``style="width: 37%"``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


@register.filter
def pct(value: Any) -> str:
    """``37.6`` → ``"pct-38"``: the class of a bar that wide, clamped to 0–100 %."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return "pct-0"
    if not number.is_finite():
        return "pct-0"
    whole = int(number.quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    return f"pct-{min(max(whole, 0), 100)}"
