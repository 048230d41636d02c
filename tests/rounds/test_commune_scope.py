"""A commune officer reaches the lists of its own commune's schools only (issue 16).

In a round of the new province, the officer of phường Văn Phú asks for the list of the
THCS of Tân Tiến (xã Bảo Yên's) — its page, its decisions, its export — and gets 404;
the list is as it was (read back with SQL). Bảo Yên's officer opens the same page.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from rounds import services
from tests.rounds.conftest import VN
from tests.rounds.factories import PupilFactory

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 10, 20, 9, 0, tzinfo=VN)


def _row(pk):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, version, decided_by_id FROM rounds_proposal WHERE id = %s", [pk]
        )
        return cursor.fetchone()


def test_another_communes_officer_gets_404_on_a_list_and_its_decisions(
    reform_world, commune_round, client_for
):
    staff = reform_world.users["tan_tien_school"]
    with time_machine.travel(WHEN, tick=False):
        proposal = services.start_proposal(actor=staff, round=commune_round)
        pupil = PupilFactory(school=reform_world.tan_tien_school)
        services.add_proposal_items(
            actor=staff, proposal=proposal, entries=[(pupil.pk, "tablet")], version=None
        )
        proposal = services.submit_proposal(actor=staff, proposal=proposal, version=None)
        before = _row(proposal.pk)
        other = client_for(reform_world.users["van_phu"])
        page = reverse("rounds:proposal", args=[proposal.pk])
        assert other.get(page).status_code == 404
        assert other.get(reverse("rounds:proposal_export", args=[proposal.pk])).status_code == 404
        assert other.get(reverse("rounds:student_history", args=[pupil.pk])).status_code == 404
        for name in ("approve", "reject", "return"):
            url = reverse("rounds:proposal_transition", args=[proposal.pk, name])
            response = other.post(url, {"version": proposal.version, "reason": "x"})
            assert response.status_code == 404, name
        decide = reverse("rounds:proposal_decide_items", args=[proposal.pk])
        assert other.post(decide, {"version": proposal.version}).status_code == 404
        assert _row(proposal.pk) == before == ("submitted", proposal.version, None)
        own = client_for(reform_world.users["bao_yen"])
        assert own.get(page).status_code == 200
