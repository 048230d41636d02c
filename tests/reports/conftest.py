"""A small province with known figures (see ``known`` for the expected numbers)."""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from devices.models import Allocation, Subscription
from rounds.models import Proposal, ProposalItem
from schools.models import School
from students.models import HouseholdCategory
from tests.accounts.factories import UserFactory
from tests.reports.factories import (
    ItemFactory,
    ProposalFactory,
    RoundFactory,
    StudentFactory,
    allocate,
    coverage_point,
    pledge,
    subscribe,
)
from tests.schools.factories import SchoolSiteFactory, VillageFactory


@pytest.fixture
def categories(db):
    # The five categories come with the students app's reference data migration.
    return SimpleNamespace(
        poor=HouseholdCategory.objects.get(code="poor"),
        near=HouseholdCategory.objects.get(code="near-poor"),
    )


def pupil(school, category, **kwargs):
    from tests.reports.factories import HouseholdFactory

    household = HouseholdFactory(category=category, commune=school.commune)
    return StudentFactory(school=school, household=household, **kwargs)


KNOWN_AT = dt.datetime(2021, 10, 1, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
def known(school, other_school, far_school, categories, district, other_district):
    """The data set of ``_known``, entered on 01/10/2021, before the week of 04–10/10/2021."""
    # The schools (root fixtures, created at today's date) were there in 2021 too.
    School.objects.update(created_at=KNOWN_AT)
    with time_machine.travel(KNOWN_AT, tick=False):
        return _known(school, other_school, far_school, categories, district, other_district)


def _known(school, other_school, far_school, categories, district, other_district):
    """The data set, and the figures it must give.

    Needy pupils: school 3 poor + 1 near-poor (data only); other_school 2 near-poor;
    far_school 1 poor. Not needy: a poor pupil needing nothing, a poor pupil who left.
    Round 1 (2021-2022, needs the province's confirmation): school's proposal is
    confirmed (2 tablets approved, 1 rejected, 1 data approved); other_school's is
    approved by the district but not confirmed (1 tablet: not a beneficiary yet).
    Round 2 (2022-2023, no confirmation): far_school 1 tablet approved.
    Handed over: school 1 (a second one reserved), far_school 1. Active data: school 1.
    Coverage: district 87 has 4 points (school 4G, site 0G with a verified plan, village
    in construction, other_school unmeasured) of which 1 covered (a verified plan without
    4G measured is not covered); district 84 one 3G point, not covered.
    Donations: pledged 10M (round 1) + 5M, received 4M + 5M.
    """
    by = UserFactory(username="nguoi_lap")
    poor, near = categories.poor, categories.near
    s1, s2, s3 = (pupil(school, poor) for _ in range(3))
    s4 = pupil(school, near, need_device="", need_data=True)
    pupil(school, poor, need_device="", need_data=False)
    pupil(school, poor, status="left")
    o1, _o2 = pupil(other_school, near), pupil(other_school, near)
    f1 = pupil(far_school, poor)

    round1 = RoundFactory(name="Đợt 1", school_year="2021-2022", created_by=by)
    round2 = RoundFactory(
        name="Đợt 2",
        school_year="2022-2023",
        starts_on=dt.date(2022, 9, 1),
        ends_on=dt.date(2022, 10, 31),
        requires_province_confirmation=False,
        created_by=by,
    )
    confirmed = ProposalFactory(round=round1, school=school, status=Proposal.Status.CONFIRMED)
    approved = ProposalItem.Status.APPROVED
    i1 = ItemFactory(proposal=confirmed, student=s1, status=approved)
    i2 = ItemFactory(proposal=confirmed, student=s2, status=approved)
    ItemFactory(proposal=confirmed, student=s3, status=ProposalItem.Status.REJECTED)
    i4 = ItemFactory(proposal=confirmed, student=s4, kind="data", status=approved)
    not_confirmed = ProposalFactory(
        round=round1, school=other_school, status=Proposal.Status.APPROVED
    )
    io1 = ItemFactory(proposal=not_confirmed, student=o1, status=approved)
    far = ProposalFactory(round=round2, school=far_school, status=Proposal.Status.APPROVED)
    if1 = ItemFactory(proposal=far, student=f1, status=approved)

    allocate(i1, status=Allocation.Status.HANDED_OVER, by=by)
    allocate(i2, status=Allocation.Status.RESERVED, by=by)
    allocate(if1, status=Allocation.Status.HANDED_OVER, by=by)
    subscribe(i4, status=Subscription.Status.ACTIVE, by=by)
    subscribe(io1, status=Subscription.Status.EXPIRED, by=by)

    site = SchoolSiteFactory(school=school)
    village = VillageFactory(commune=school.commune)
    coverage_point(district=district, commune=school.commune, kind="school", best=4, school=school)
    coverage_point(
        district=district, commune=school.commune, kind="site", best=0, stage=5, site=site
    )
    coverage_point(
        district=district, commune=school.commune, kind="village", best=2, stage=3, village=village
    )
    coverage_point(
        district=other_district,
        commune=far_school.commune,
        kind="school",
        best=3,
        school=far_school,
    )

    pledge(amount=10_000_000, received=4_000_000, by=by, round=round1)
    pledge(amount=5_000_000, received=5_000_000, by=by)
    return SimpleNamespace(round1=round1, round2=round2, by=by, items=[i1, i2, i4, io1, if1])
