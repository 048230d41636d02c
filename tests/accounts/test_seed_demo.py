"""The demo shows both eras: the 2021 rounds in the old province exactly as before the
reform data was added, and the new province (old Lào Cai and former Yên Bái) since."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from accounts.models import User
from reports.selectors import Filters, Level, build_dashboard
from rounds.models import Proposal, ProposalItem, Quota, SupportRound
from schools.models import REFORM_DATE, School

pytestmark = pytest.mark.django_db

# The 2021 rounds as main's seed_demo made them before the reform's demo data (figures of
# the old province's dashboard filtered by the round, its lists and its quotas).
PILOT_2021 = {
    "needy": 48,
    "approved_pupils": 4,
    "proposed": 6,
    "approved": 6,
    "approved_devices": 2,
    "approved_data": 4,
    "handed_over": 2,
    "data_active": 3,
    "coverage_covered": 13,
    "coverage_total": 39,
}
FIRST_2021 = PILOT_2021 | {
    "approved_pupils": 0,
    "proposed": 14,
    "approved": 0,
    "approved_devices": 0,
    "approved_data": 0,
    "handed_over": 0,
    "data_active": 0,
}
OLD_DISTRICTS = ("80", "82", "83", "84", "85", "86", "87", "88", "89")


@pytest.fixture
def demo():
    with override_settings(DEBUG=True, DEMO_PASSWORD="demo-pass-123"):
        call_command("seed_demo", stdout=io.StringIO())


def _figures(round_name: str) -> dict[str, int]:
    province_id = User.objects.get(username="demo_so").province_id
    round_ = SupportRound.objects.get(name=round_name)
    board = build_dashboard(
        level=Level.PROVINCE, filters=Filters(round_id=round_.pk), province_id=province_id
    )
    totals = board.totals.as_dict()
    return {key: totals[key] for key in PILOT_2021}


def _quotas(round_name: str) -> list[tuple[str, int, str, str]]:
    return sorted(
        (q.kind, q.amount, q.district.code if q.district else "", q.school.code if q.school else "")
        for q in Quota.objects.filter(round__name=round_name).select_related("district", "school")
    )


def test_the_2021_rounds_are_as_before(demo):
    assert _figures("Đợt thí điểm tháng 9/2021") == PILOT_2021
    assert _figures("Đợt 1 năm học 2021-2022") == FIRST_2021
    pilot = ProposalItem.objects.filter(round__name="Đợt thí điểm tháng 9/2021")
    assert sorted(pilot.values_list("status", flat=True)) == ["approved"] * 6
    first = Proposal.objects.filter(round__name="Đợt 1 năm học 2021-2022")
    assert sorted(first.values_list("school__code", "status")) == [
        ("08700002", "submitted"),
        ("08700003", "approved"),
    ]
    assert ProposalItem.objects.filter(round__name="Đợt 1 năm học 2021-2022").count() == 14
    pilot_quotas = [
        (k, a, "87", s)
        for k in ("computer", "data", "tablet")
        for a, s in ((4, "08700002"), (10, ""))
    ]
    assert _quotas("Đợt thí điểm tháng 9/2021") == sorted(pilot_quotas)
    first_quotas = _quotas("Đợt 1 năm học 2021-2022")
    district_rows = [
        (k, a, d, "")
        for k, a in (("computer", 30), ("data", 150), ("tablet", 120))
        for d in OLD_DISTRICTS
    ]
    school_rows = [
        (k, a, "87", f"0870000{n}")
        for k, a in (("computer", 4), ("data", 20), ("tablet", 15))
        for n in range(1, 7)
    ]
    assert first_quotas == sorted(district_rows + school_rows)


def test_former_yen_bai_schools_stand_in_their_2025_communes(demo):
    with connection.cursor() as cur:
        cur.execute(
            """SELECT s.code, new.name FROM schools_school s
               JOIN schools_district d ON d.id = s.district_id
               JOIN schools_schoolplacement p ON p.school_id = s.id AND p.valid_from = %s
               JOIN schools_commune new ON new.id = p.commune_id
               WHERE d.code IN ('137', '139') ORDER BY s.code""",
            [REFORM_DATE],
        )
        placed = cur.fetchall()
    assert placed == [
        ("13700001", "Xã Mù Cang Chải"),
        ("13700002", "Xã Mù Cang Chải"),
        ("13700003", "Xã Mù Cang Chải"),
        ("13700004", "Xã Mù Cang Chải"),
        ("13900001", "Xã Trạm Tấu"),
    ]
    schools = School.objects.filter(code__in=[code for code, _name in placed])
    assert all(s.students.exists() for s in schools)
