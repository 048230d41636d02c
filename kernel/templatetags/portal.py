"""Template helpers shared by every app's pages (``{% load portal %}``).

The Content-Security-Policy allows no inline ``style`` attribute, so a bar's width
is a class of the portal's stylesheet (``.pct-0`` … ``.pct-100``) instead of
``style="width: 37%"``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.html import format_html

from kernel.sorting import SORT_PARAM, Sorting

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


@register.simple_tag
def sort_header(
    sorting: Sorting | None, key: str, label: str, css: str = "", rowspan: int = 1
) -> str:
    """A sortable column header: a link that sorts by ``key``, with ``aria-sort``.

    ``{% sort_header sorting "ten" _("Họ và tên") %}``; without a ``sorting`` (a list
    that is not sortable) the header is plain. ``rowspan`` for a header over two rows."""
    classes = format_html(' class="{}"', css) if css else ""
    if rowspan > 1:
        classes = format_html('{} rowspan="{}"', classes, rowspan)
    if sorting is None or key not in sorting.columns:
        return format_html('<th scope="col"{}>{}</th>', classes, label)
    state = sorting.state(key)
    arrow = {"ascending": "▲", "descending": "▼"}.get(state, "↕")
    return format_html(
        '<th scope="col" aria-sort="{}"{}><a class="sort" href="?{}">{} '
        '<span class="sort-arrow" aria-hidden="true">{}</span></a></th>',
        state,
        classes,
        sorting.link(key),
        label,
        arrow,
    )


@register.simple_tag
def sort_field(sorting: Sorting | None) -> str:
    """The hidden input that keeps the chosen sort when a filter form is submitted."""
    if sorting is None or not sorting.key:
        return ""
    value = f"-{sorting.key}" if sorting.descending else sorting.key
    return format_html('<input type="hidden" name="{}" value="{}">', SORT_PARAM, value)
