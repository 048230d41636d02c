"""Fixtures for rounds: an open round with quotas for ``district`` and its schools."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from accounts.models import Notification
from rounds import services
from rounds.models import Proposal, SupportRound
from tests.accounts.factories import UserFactory, role
from tests.reform_world import build_reform_world
from tests.rounds.factories import (
    ProposalFactory,
    ProposalItemFactory,
    PupilFactory,
    QuotaFactory,
    SupportRoundFactory,
)

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
COMMUNE_DEADLINE = dt.date(2026, 10, 31)


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


@pytest.fixture
def reform_world():
    """``tests.reform_world`` with a staff account for each of its schools but the split one."""
    world = build_reform_world()
    for key in ("tan_tien_school", "au_lau_school", "upper_school"):
        school = getattr(world, key)
        world.users[key] = UserFactory(
            username=f"staff_{school.code}", role=role("school_staff"), school=school
        )
    return world


@pytest.fixture
def commune_round(reform_world):
    """A round of the new province on the commune chain: proposals due 31/10/2026; quotas:
    Bảo Yên 10 (5 to Tân Tiến), Văn Phú 10 (5 to Âu Lâu), THPT Âu Lâu 3 from the Sở.
    The notifications of setting it up are cleared."""
    world = reform_world
    round_ = SupportRoundFactory(
        province=world.new_lao_cai,
        created_by=world.users["new_province"],
        name="Đợt 1 năm học 2026-2027",
        school_year="2026-2027",
        starts_on=dt.date(2026, 9, 1),
        ends_on=COMMUNE_DEADLINE,
        closes_on=dt.date(2026, 12, 31),
        chain=SupportRound.Chain.COMMUNE,
    )
    with time_machine.travel(dt.datetime(2026, 9, 2, 9, 0, tzinfo=VN), tick=False):
        services.set_commune_quotas(
            actor=world.users["new_province"],
            round=round_,
            communes={(world.bao_yen.pk, "tablet"): 10, (world.van_phu.pk, "tablet"): 10},
            schools={(world.upper_school.pk, "tablet"): 3},
        )
        for key, commune, school in (
            ("bao_yen", world.bao_yen, world.tan_tien_school),
            ("van_phu", world.van_phu, world.au_lau_school),
        ):
            services.split_school_quota(
                actor=world.users[key],
                round=round_,
                commune=commune,
                amounts={(school.pk, "tablet"): 5},
            )
    Notification.objects.all().delete()
    return round_
