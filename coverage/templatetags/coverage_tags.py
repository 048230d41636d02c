"""Template tags other pages use to show the mobile signal where a pupil lives."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("coverage/_village_signal.html")
def village_signal_badge(village_id: int | None) -> dict[str, Any]:
    """``{% load coverage_tags %}{% village_signal_badge student.village_id %}``."""
    from coverage.selectors import village_signal

    return village_signal(village_id)
