"""A NUL character in a posted reason (read by views straight from the POST data) is
stripped with a message instead of reaching PostgreSQL, which refuses it with a 500
(issue 13)."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import AuditEvent
from rounds.models import ProposalItem, SupportRound

pytestmark = pytest.mark.django_db


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_nul_in_a_rejection_reason_is_stripped(client_for, district_officer, submitted):
    response = client_for(district_officer).post(
        reverse("rounds:proposal_transition", args=[submitted.pk, "reject"]),
        {"version": 1, "reason": "Thiếu\x00 hồ sơ"},
    )
    assert response.status_code == 302
    assert "“reason”" in _messages(response) and "NUL" in _messages(response)
    submitted.refresh_from_db()
    assert submitted.status == "rejected"
    reasons = set(ProposalItem.objects.filter(proposal=submitted).values_list("reason", flat=True))
    assert reasons == {"Thiếu hồ sơ"}


def test_nul_in_the_reason_for_rejecting_pupils_is_stripped(
    client_for, district_officer, submitted
):
    item = submitted.items.order_by("priority").first()
    response = client_for(district_officer).post(
        reverse("rounds:proposal_decide_items", args=[submitted.pk]),
        {"version": 1, "items": [item.pk], "action": "reject", "reason": "Đã\x00 có máy"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.reason) == ("rejected", "Đã có máy")


def test_nul_in_the_reason_for_closing_a_round_is_stripped(
    client_for, province_official, support_round
):
    response = client_for(province_official).post(
        reverse("rounds:close", args=[support_round.pk]), {"reason": "Hết\x00 hạn"}
    )
    assert response.status_code == 302
    support_round.refresh_from_db()
    assert support_round.status == SupportRound.Status.CLOSED
    assert AuditEvent.objects.get(action="round.close").reason == "Hết hạn"


def test_a_clean_post_passes_unchanged_and_without_a_message(
    client_for, district_officer, submitted
):
    response = client_for(district_officer).post(
        reverse("rounds:proposal_transition", args=[submitted.pk, "reject"]),
        {"version": 1, "reason": "Thiếu hồ sơ"},
    )
    assert "NUL" not in _messages(response)
    assert set(submitted.items.values_list("reason", flat=True)) == {"Thiếu hồ sơ"}
