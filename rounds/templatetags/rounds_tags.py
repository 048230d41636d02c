"""Small presentation helpers for the rounds pages."""

from django import template

from rounds import chain
from rounds.models import Proposal

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


@register.simple_tag
def proposal_status(proposal: Proposal, body: str = "") -> str:
    """The list's status in its round's words: "Đã gửi UBND xã Tân Tiến" on the commune
    chain (``body``: the deciding body when the page knows it), as recorded on the district
    chain ("Đã gửi Phòng GD&ĐT")."""
    return chain.status_label(proposal, body)
