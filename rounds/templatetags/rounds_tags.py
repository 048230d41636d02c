"""Small presentation helpers for the rounds pages."""

from django import template

register = template.Library()

PILL = {
    "draft": "",
    "submitted": "warn",
    "returned": "warn",
    "approved": "ok",
    "confirmed": "ok",
    "rejected": "bad",
    "proposed": "",
    "open": "ok",
    "closed": "bad",
}


@register.filter
def pill_class(status: str) -> str:
    """CSS modifier of the status pill for a proposal, item or round status."""
    return PILL.get(status, "")
