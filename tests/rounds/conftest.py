"""Fixtures for rounds: an open round with quotas for ``district`` and its schools."""

import pytest

from rounds.models import Proposal
from tests.rounds.factories import (
    ProposalFactory,
    ProposalItemFactory,
    PupilFactory,
    QuotaFactory,
    SupportRoundFactory,
)


@pytest.fixture
def support_round(province_official):
    return SupportRoundFactory(created_by=province_official)


@pytest.fixture
def quotas(support_round, district, other_district, school, other_school, far_school):
    """District 87: 10 tablets, 5 data; school 08700002: 5 tablets, 3 data."""
    return {
        "district": QuotaFactory(round=support_round, district=district, amount=10),
        "district_data": QuotaFactory(
            round=support_round, district=district, kind="data", amount=5
        ),
        "school": QuotaFactory(round=support_round, district=district, school=school, amount=5),
        "school_data": QuotaFactory(
            round=support_round, district=district, school=school, kind="data", amount=3
        ),
        "other_school": QuotaFactory(
            round=support_round, district=district, school=other_school, amount=5
        ),
        "far": QuotaFactory(round=support_round, district=other_district, amount=10),
        "far_school": QuotaFactory(
            round=support_round, district=other_district, school=far_school, amount=10
        ),
    }


@pytest.fixture
def pupils(school):
    return [PupilFactory(school=school) for _ in range(4)]


@pytest.fixture
def draft(support_round, school, quotas):
    return ProposalFactory(round=support_round, school=school)


@pytest.fixture
def submitted(support_round, school, quotas, pupils):
    proposal = ProposalFactory(round=support_round, school=school, status=Proposal.Status.SUBMITTED)
    for n, pupil in enumerate(pupils, start=1):
        ProposalItemFactory(proposal=proposal, student=pupil, priority=n)
    return proposal


@pytest.fixture
def far_submitted(support_round, far_school, quotas):
    proposal = ProposalFactory(
        round=support_round, school=far_school, status=Proposal.Status.SUBMITTED
    )
    ProposalItemFactory(proposal=proposal)
    return proposal
