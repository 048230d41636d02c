"""PostgreSQL only: quotas hold when officers approve at the same time."""

import threading

import pytest
from django.db import connection, connections

from rounds import services
from rounds.models import Proposal, ProposalItem
from tests.accounts.factories import UserFactory, role
from tests.rounds.factories import (
    ProposalFactory,
    ProposalItemFactory,
    QuotaFactory,
    SupportRoundFactory,
)
from tests.schools.factories import SchoolFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (set DATABASE_URL)")


def _run_concurrently(calls):
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(call):
        try:
            barrier.wait(timeout=10)
            call()
            result = "ok"
        except services.QuotaExceeded:
            result = "quota"
        except Exception as exc:  # noqa: BLE001 - report any other failure to the test
            result = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_twenty_concurrent_approvals_against_quota_of_ten_leave_ten(
    province_official, district, commune
):
    round_ = SupportRoundFactory(created_by=province_official)
    QuotaFactory(round=round_, district=district, kind="tablet", amount=10)
    officers = [UserFactory(role=role("district_officer"), district=district) for _ in range(20)]
    proposals = []
    for _ in range(20):
        school = SchoolFactory(commune=commune, district=district)
        proposal = ProposalFactory(round=round_, school=school, status=Proposal.Status.SUBMITTED)
        ProposalItemFactory(proposal=proposal, kind="tablet")
        proposals.append(proposal)

    outcomes = _run_concurrently(
        [
            (lambda p=p, u=u: services.approve_proposal(actor=u, proposal=p, version=None))
            for p, u in zip(proposals, officers, strict=True)
        ]
    )

    assert sorted(outcomes) == ["ok"] * 10 + ["quota"] * 10
    assert ProposalItem.objects.filter(round=round_, status="approved").count() == 10
    assert Proposal.objects.filter(round=round_, status="approved").count() == 10


def test_concurrent_single_pupil_approvals_respect_quota(province_official, district, school):
    round_ = SupportRoundFactory(created_by=province_official)
    QuotaFactory(round=round_, district=district, kind="tablet", amount=3)
    officer = UserFactory(role=role("district_officer"), district=district)
    proposal = ProposalFactory(round=round_, school=school, status=Proposal.Status.SUBMITTED)
    items = [ProposalItemFactory(proposal=proposal, kind="tablet") for _ in range(8)]

    outcomes = _run_concurrently(
        [
            (
                lambda i=i: services.approve_items(
                    actor=officer, proposal=proposal, item_ids=[i.pk], version=None
                )
            )
            for i in items
        ]
    )

    assert sorted(outcomes) == ["ok"] * 3 + ["quota"] * 5
    assert ProposalItem.objects.filter(round=round_, status="approved").count() == 3
