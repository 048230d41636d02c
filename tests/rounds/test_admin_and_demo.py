"""Admin pages for rounds and categories; the demo seed."""

import pytest
from django.urls import reverse

from rounds import demo
from rounds.models import Proposal, Quota, SupportRound
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


def test_demo_seeds_round_quotas_and_two_lists(
    province_official, district_officer, school, other_school, school_staff, other_district
):
    DistrictFactory(province=school.district.province, code="88", name="Thị xã Sa Pa")
    for pupil_school in (school, other_school):
        for n in range(20):
            PupilFactory(school=pupil_school, need_data=n % 3 == 0)
    context = {"users": {"province": province_official, "district": district_officer}}
    demo.seed(context)
    round_ = SupportRound.objects.get(name=demo.ROUND_NAME)
    assert round_.is_open and set(round_.offers) == {"tablet", "computer", "data"}
    assert Quota.objects.filter(round=round_, school__isnull=True).count() == 3 * 3
    statuses = dict(Proposal.objects.filter(round=round_).values_list("school__code", "status"))
    assert statuses == {"08700002": "submitted", "08700003": "approved"}
    mine = Proposal.objects.get(round=round_, school=school)
    assert mine.items.count() == 10
    assert district_officer.notifications.filter(verb="proposal.submit").exists()
    # The pilot round left the demo school confirmed beneficiaries, none proposed again.
    pilot = Proposal.objects.get(round__name=demo.PILOT_NAME, school=school)
    assert pilot.status == Proposal.Status.CONFIRMED
    piloted = set(pilot.items.values_list("student_id", flat=True))
    assert piloted and piloted.isdisjoint(mine.items.values_list("student_id", flat=True))
    demo.seed(context)  # idempotent
    assert SupportRound.objects.count() == 2


def test_demo_without_pupils_keeps_round_and_quotas(province_official, district_officer, school):
    demo.seed({"users": {"province": province_official, "district": district_officer}})
    assert SupportRound.objects.count() == 2
    assert Quota.objects.exists()
    assert not Proposal.objects.exists()
