"""Admin pages for rounds and categories; the demo seed."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, User
from rounds import demo
from rounds.models import Proposal, Quota, SupportRound
from schools.models import (
    GENERATION_2025,
    REFORM_DATE,
    Commune,
    CommuneSuccession,
    Office,
    Province,
)
from tests.accounts.factories import UserFactory, role
from tests.rounds.factories import PupilFactory
from tests.schools.factories import DistrictFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    ["rounds_supportround", "rounds_quota", "rounds_proposal", "students_householdcategory"],
)
def test_admin_changelists_open(client_for, admin_user, submitted, model):
    client = client_for(admin_user)
    assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{model}_add")).status_code in (200, 403)


def test_admin_proposal_shows_items_read_only(client_for, admin_user, submitted):
    page = client_for(admin_user).get(reverse("admin:rounds_proposal_change", args=[submitted.pk]))
    assert page.status_code == 200
    assert submitted.items.first().student.full_name in page.content.decode()


def _commune_of_2025(province, schools):
    """The 2025 commune both demo schools went into, its committee and its officer."""
    new = Province.objects.create(generation_id=GENERATION_2025, code="15", name="Lào Cai")
    province.successor = new
    province.save(update_fields=["successor"])
    commune = Commune.objects.create(
        generation_id=GENERATION_2025, province=new, code="02980", name="Xã Bảo Yên"
    )
    for school in schools:
        CommuneSuccession.objects.get_or_create(old=school.commune, new=commune)
    Office.objects.create(
        kind=Office.Kind.COMMUNE_COMMITTEE, name="UBND xã Bảo Yên", province=new,
        commune=commune, valid_from=REFORM_DATE,
    )  # fmt: skip
    return UserFactory(username="xa", role=role("commune_officer"), commune=commune)


def test_demo_seeds_round_quotas_and_two_lists(
    province_official, district_officer, school, other_school, school_staff, other_district
):
    DistrictFactory(province=school.district.province, code="88", name="Thị xã Sa Pa")
    officer = _commune_of_2025(school.district.province, [school, other_school])
    for pupil_school in (school, other_school):
        for n in range(20):
            PupilFactory(school=pupil_school, need_data=n % 3 == 0)
    context = {"users": {"province": province_official, "district": district_officer}}
    demo.seed(context)
    round_ = SupportRound.objects.get(name=demo.ROUND_NAME)
    # Both 2021 rounds are past their end dates: the sweep closed them, with their 2021 dates.
    assert round_.status == SupportRound.Status.CLOSED
    assert set(round_.offers) == {"tablet", "computer", "data"}
    assert (round_.starts_on, round_.ends_on) == (dt.date(2021, 9, 20), dt.date(2021, 12, 31))
    assert round_.closes_on == dt.date(2022, 1, 30)
    assert AuditEvent.objects.filter(action="round.close", actor=None).count() == 2
    # The round open today is the new province's (seed_after_reform, tests/accounts/test_seed_demo.py).
    assert school_staff.notifications.filter(verb="round.school_quotas").count() == 2  # one a round
    assert dict(SupportRound.objects.values_list("name", "status")) == {
        demo.PILOT_NAME: "closed",
        demo.ROUND_NAME: "closed",
    }
    assert Quota.objects.filter(round=round_, school__isnull=True).count() == 3 * 3
    statuses = dict(Proposal.objects.filter(round=round_).values_list("school__code", "status"))
    assert statuses == {"08700002": "submitted", "08700003": "approved"}
    mine = Proposal.objects.get(round=round_, school=school)
    assert mine.items.count() == 10
    # Sent and decided within the round, before its deadline, as the story goes.
    for proposal in Proposal.objects.filter(round=round_):
        sent = timezone.localdate(proposal.submitted_at)
        assert round_.starts_on <= sent <= round_.ends_on
    approved = Proposal.objects.get(round=round_, school=other_school)
    assert timezone.localdate(approved.decided_at) <= round_.closes_on
    assert district_officer.notifications.filter(verb="proposal.submit").exists()
    # The pilot round left the demo school confirmed beneficiaries, none proposed again.
    pilot = Proposal.objects.get(round__name=demo.PILOT_NAME, school=school)
    assert pilot.status == Proposal.Status.CONFIRMED
    assert timezone.localdate(pilot.submitted_at) <= pilot.round.ends_on
    piloted = set(pilot.items.values_list("student_id", flat=True))
    assert piloted and piloted.isdisjoint(mine.items.values_list("student_id", flat=True))
    demo.seed(context)  # idempotent
    assert SupportRound.objects.count() == 2
    # Then the new era: the Sở of the 2025 province opens today's round on the commune chain.
    province_official.province = officer.commune.province
    province_official.save(update_fields=["province"])
    # Read again, as accounts.demo does: the scope was the old province's.
    so = User.objects.get(pk=province_official.pk)
    context["users"] |= {"province": so, "demo_xa": officer}
    demo.seed_after_reform(context)
    current = SupportRound.objects.get(name=demo.current_round_name(timezone.localdate()))
    assert current.is_open and current.chain == SupportRound.Chain.COMMUNE
    assert current.province == officer.commune.province
    assert not current.proposals.exists()
    demo.seed_after_reform(context)  # idempotent
    assert SupportRound.objects.count() == 3


def test_demo_without_pupils_keeps_round_and_quotas(province_official, district_officer, school):
    demo.seed({"users": {"province": province_official, "district": district_officer}})
    assert SupportRound.objects.count() == 2
    assert Quota.objects.exists()
    assert not Proposal.objects.exists()
