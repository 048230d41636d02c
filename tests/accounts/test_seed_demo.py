"""The demo shows both eras: the 2021 rounds in the old province exactly as before the
reform data was added, and the new province (old Lào Cai and former Yên Bái) since."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from accounts.models import User
from reports.selectors import Filters, Level, build_dashboard
from rounds.models import Proposal, ProposalItem, Quota, SupportRound
from schools.models import GENERATION_2025, REFORM_DATE, Province, School

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
    # demo_so works in the 2025 province now; the 2021 records stay the old Lào Cai's (10),
    # which went into it (its predecessor in demo_so's scope).
    demo_so = User.objects.get(username="demo_so")
    assert demo_so.province.generation_id == GENERATION_2025
    province_id = Province.objects.get(successor=demo_so.province, code="10").pk
    assert province_id in demo_so.scope.province_ids
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


def _round_2026() -> SupportRound:
    from django.utils import timezone

    from rounds.demo import current_round_name

    return SupportRound.objects.get(name=current_round_name(timezone.localdate()))


def test_the_2026_round_runs_on_the_communes_of_the_new_province(demo):
    round_ = _round_2026()
    assert round_.is_open and round_.by_communes
    assert (round_.province.code, round_.province.generation_id) == ("15", "2025")
    with connection.cursor() as cur:
        cur.execute(
            """SELECT c.code, q.kind, q.amount FROM rounds_quota q
               JOIN schools_commune c ON c.id = q.commune_id
               WHERE q.round_id = %s AND q.school_id IS NULL ORDER BY 1, 2""",
            [round_.pk],
        )
        commune_quotas = cur.fetchall()
        cur.execute(
            """SELECT s.code, q.kind, q.amount FROM rounds_quota q
               JOIN schools_school s ON s.id = q.school_id
               WHERE q.round_id = %s AND q.commune_id IS NULL ORDER BY 1, 2""",
            [round_.pk],
        )
        province_run = cur.fetchall()
    assert commune_quotas == [
        ("2953", "data", 12),
        ("2953", "tablet", 12),
        ("4456", "data", 10),
        ("4456", "tablet", 10),
        ("4606", "data", 4),
        ("4606", "tablet", 4),
    ]
    assert province_run == [("13700004", "data", 3), ("13700004", "tablet", 3)]
    # Each commune officer shared the whole quota among the commune's schools.
    for code in ("2953", "4456"):
        shares = Quota.objects.filter(round=round_, commune__code=code, school__isnull=False)
        assert sum(shares.values_list("amount", flat=True)) == 2 * (12 if code == "2953" else 10)
    # A former Yên Bái school's list, decided by its commune's committee.
    proposal = Proposal.objects.get(round=round_, school__code="13700001")
    assert proposal.status == Proposal.Status.APPROVED
    assert proposal.decided_by.username == "demo_xa_mcc"
    assert proposal.items.exists()


def _schools_of_commune_today(commune_id: int) -> set[str]:
    """Independently of the portal's code: a placement in force today, else the crosswalk."""
    from django.utils import timezone

    today = timezone.localdate()
    with connection.cursor() as cur:
        cur.execute(
            """SELECT s.code FROM schools_school s
               LEFT JOIN schools_schoolplacement p ON p.school_id = s.id
                 AND (p.valid_from IS NULL OR p.valid_from <= %s)
                 AND (p.valid_to IS NULL OR p.valid_to >= %s)
               LEFT JOIN schools_communesuccession cs ON cs.old_id = s.commune_id
               WHERE COALESCE(p.commune_id, cs.new_id) = %s""",
            [today, today, commune_id],
        )
        return {code for (code,) in cur.fetchall()}


def test_a_commune_officer_sees_only_the_schools_of_the_commune(demo, client):
    officer = User.objects.get(username="demo_xa")
    expected = _schools_of_commune_today(officer.commune_id)
    assert expected == {"08700002", "08700003", "08700004"}
    visible = set(School.objects.visible_to(officer).values_list("code", flat=True))
    assert visible == expected
    client.force_login(officer)
    own = School.objects.get(code="08700002")
    other = School.objects.get(code="13700001")  # Xã Mù Cang Chải
    assert client.get(f"/don-vi/truong/{own.pk}/").status_code == 200
    assert client.get(f"/don-vi/truong/{other.pk}/").status_code == 404
    mcc = User.objects.get(username="demo_xa_mcc")
    assert set(School.objects.visible_to(mcc).values_list("code", flat=True)) == (
        _schools_of_commune_today(mcc.commune_id)
    )


def _table_counts() -> dict[str, int]:
    with connection.cursor() as cur:
        tables = connection.introspection.table_names(cur)
        counts = {}
        for table in tables:
            cur.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - names from the schema
            counts[table] = cur.fetchone()[0]
    return counts


def test_seed_demo_if_empty_changes_nothing(demo):
    before = _table_counts()
    out = io.StringIO()
    with override_settings(DEBUG=True, DEMO_PASSWORD="demo-pass-123"):
        call_command("seed_demo", "--if-empty", stdout=out)
    assert "không tạo dữ liệu mẫu" in out.getvalue()
    assert _table_counts() == before


def test_the_new_provinces_officer_sees_the_predecessors_figures(demo, client):
    """demo_so (2025 province) sees on the dashboard every pupil of old Lào Cai and former
    Yên Bái: the needy count equals an independent SQL count over both old provinces."""
    demo_so = User.objects.get(username="demo_so")
    client.force_login(demo_so)
    page = client.get(reverse("reports:dashboard"))
    assert page.status_code == 200
    board = page.context["board"]
    predecessors = sorted(demo_so.scope.province_ids - {demo_so.province_id})
    assert len(predecessors) == 2  # old Lào Cai and old Yên Bái
    marks = ", ".join(["%s"] * len(predecessors))
    with connection.cursor() as cursor:
        sql = (
            "SELECT COUNT(*) FROM students_student s"  # noqa: S608 - placeholders only
            " JOIN schools_school sc ON sc.id = s.school_id"
            " JOIN schools_district d ON d.id = sc.district_id"
            f" WHERE d.province_id IN ({marks}) AND d.is_active AND s.status = 'studying'"
            " AND (s.need_device <> '' OR s.need_data)"
        )  # only placeholders are interpolated
        cursor.execute(sql, predecessors)
        (needy,) = cursor.fetchone()
    assert needy > 0
    assert board.totals.as_dict()["needy"] == needy
