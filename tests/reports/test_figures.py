"""Figures officials sign, checked against SQL written from the data model.

Every expected number here comes from a raw ``connection.cursor()`` query over the
tables (never the portal's selectors), and is compared with what a page shows
(parsed from the rendered HTML) or what a report stores, at province, district and
school scope.
"""

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from coverage.models import CoveragePlan, CoveragePoint
from coverage.states import record_state
from reports import services as report_services
from reports.models import ProgressReport
from reports.selectors import Level, build_dashboard
from rounds.models import Proposal, ProposalItem
from tests.accounts.factories import UserFactory, role
from tests.reports.conftest import pupil
from tests.reports.factories import ItemFactory, ProposalFactory, RoundFactory
from tests.schools.factories import CommuneFactory, SchoolSiteFactory, VillageFactory

pytestmark = pytest.mark.django_db


def sql(query: str, params: tuple = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return int(cursor.fetchone()[0] or 0)


def number(text: str) -> int:
    return int(text.replace(".", "").replace(",", ""))


# --------------------------------------------------------------- approved pupils

BENEFICIARY_PUPILS = """
    SELECT COUNT(DISTINCT i.student_id)
    FROM rounds_proposalitem i
    JOIN rounds_proposal p ON p.id = i.proposal_id
    JOIN rounds_supportround r ON r.id = i.round_id
    JOIN students_student s ON s.id = i.student_id
    JOIN schools_school sc ON sc.id = s.school_id
    WHERE i.status = 'approved'
      AND (p.status = 'confirmed' OR (p.status = 'approved' AND r.requires_province_confirmation = %s))
"""
BENEFICIARY_LINES = BENEFICIARY_PUPILS.replace("COUNT(DISTINCT i.student_id)", "COUNT(*)")
NEEDY = """
    SELECT COUNT(*) FROM students_student s JOIN schools_school sc ON sc.id = s.school_id
    WHERE s.status = 'studying' AND (s.need_device <> '' OR s.need_data = %s)
"""


def scoped(query: str, scope: str, unit_id: int | None) -> tuple[str, tuple]:
    params: tuple = (False,) if "requires_province" in query else (True,)
    if scope == "district":
        return query + " AND sc.district_id = %s", (*params, unit_id)
    if scope == "school":
        return query + " AND s.school_id = %s", (*params, unit_id)
    return query, params


@pytest.fixture
def approvals(school, other_school, far_school, categories):
    """Pupils approved for several lines each, in rounds with and without confirmation.

    school: a1 tablet+data, a2 tablet, a3 data (list confirmed), a4 rejected, a5 needy
    only; other_school: b1 tablet+data in a round without confirmation, b2 approved by
    the district but not confirmed (not a beneficiary); far_school: c1 laptop+data
    (confirmed), c2 needy only, c3 approved but no longer needing anything.
    """
    poor = categories.poor
    confirm = RoundFactory(name="Đợt xác nhận", requires_province_confirmation=True)
    direct = RoundFactory(name="Đợt không xác nhận", requires_province_confirmation=False)
    approved, rejected = ProposalItem.Status.APPROVED, ProposalItem.Status.REJECTED

    a1, a2, a3, a4, _a5 = (pupil(school, poor) for _ in range(5))
    p = ProposalFactory(round=confirm, school=school, status=Proposal.Status.CONFIRMED)
    ItemFactory(proposal=p, student=a1, kind="tablet", status=approved)
    ItemFactory(proposal=p, student=a1, kind="data", status=approved)
    ItemFactory(proposal=p, student=a2, kind="tablet", status=approved)
    ItemFactory(proposal=p, student=a3, kind="data", status=approved)
    ItemFactory(proposal=p, student=a4, kind="tablet", status=rejected)

    b1, b2 = pupil(other_school, poor), pupil(other_school, poor)
    q = ProposalFactory(round=direct, school=other_school, status=Proposal.Status.APPROVED)
    ItemFactory(proposal=q, student=b1, kind="tablet", status=approved)
    ItemFactory(proposal=q, student=b1, kind="data", status=approved)
    q2 = ProposalFactory(round=confirm, school=other_school, status=Proposal.Status.APPROVED)
    ItemFactory(proposal=q2, student=b2, kind="tablet", status=approved)

    c1, _c2 = pupil(far_school, poor), pupil(far_school, poor)
    c3 = pupil(far_school, poor, need_device="", need_data=False)
    r = ProposalFactory(round=confirm, school=far_school, status=Proposal.Status.CONFIRMED)
    ItemFactory(proposal=r, student=c1, kind="laptop", status=approved)
    ItemFactory(proposal=r, student=c1, kind="data", status=approved)
    ItemFactory(proposal=r, student=c3, kind="tablet", status=approved)


def todays_report() -> ProgressReport:
    today = timezone.localdate()
    return ProgressReport.objects.create(period_start=today, period_end=today)


def coverage_cell(html: str, name: str) -> tuple[int, int]:
    start = html.index(f">{name}</a></td>")
    row = html[start : html.index("</tr>", start)]
    m = re.search(r'<td class="num">(\d+)/(\d+)</td>', row)
    assert m
    return int(m.group(1)), int(m.group(2))


def stat(html: str, testid: str) -> int:
    match = re.search(rf'data-testid="{testid}"><div class="value">([\d.,]+)</div>', html)
    assert match, testid
    return number(match.group(1))


def table_row(html: str, name: str) -> list[int]:
    """The numbers of a unit's row in the dashboard's figures table."""
    start = html.index(f">{name}</a></td>")
    row = html[start : html.index("</tr>", start)]
    return [number(v) for v in re.findall(r'<td class="num">([\d.,]+)</td>', row)]


@pytest.mark.parametrize("scope", ["province", "district", "school"])
def test_approved_pupils_are_distinct_pupils_at_every_scope(
    approvals,
    scope,
    client_for,
    province_official,
    district_officer,
    school_staff,
    district,
    school,
):
    user, unit = {
        "province": (province_official, None),
        "district": (district_officer, district.pk),
        "school": (school_staff, school.pk),
    }[scope]
    html = client_for(user).get(reverse("reports:dashboard")).content.decode()
    pupils = sql(*scoped(BENEFICIARY_PUPILS, scope, unit))
    lines = sql(*scoped(BENEFICIARY_LINES, scope, unit))
    assert stat(html, "approved-pupils") == pupils
    assert stat(html, "approved-lines") == lines
    assert pupils < lines  # the data set has pupils approved for two lines
    needy = sql(*scoped(NEEDY, scope, unit))
    goal = re.search(
        r"Học sinh khó khăn đã được duyệt hỗ trợ</span><strong>([\d.]+)/([\d.]+) · (\d+)%", html
    )
    assert goal and (number(goal.group(1)), number(goal.group(2))) == (pupils, needy)
    assert int(goal.group(3)) == min(round(100 * pupils / needy), 100)


def test_approved_pupils_per_district_and_per_school_rows(
    approvals, client_for, province_official, district_officer, district, other_district, school
):
    html = client_for(province_official).get(reverse("reports:dashboard")).content.decode()
    for d in (district, other_district):
        row = table_row(html, d.name)
        assert row[0] == sql(*scoped(NEEDY, "district", d.pk))
        assert row[1] == sql(*scoped(BENEFICIARY_PUPILS, "district", d.pk))
        assert row[3] == sql(*scoped(BENEFICIARY_LINES, "district", d.pk))
    # Bảo Yên: a1, a2, a3, b1 approved (b2 waits for the province): 4 pupils, 6 lines.
    assert table_row(html, district.name)[1] == 4
    html = client_for(district_officer).get(reverse("reports:dashboard")).content.decode()
    row = table_row(html, school.name)
    assert (row[1], row[3]) == (
        sql(*scoped(BENEFICIARY_PUPILS, "school", school.pk)),
        sql(*scoped(BENEFICIARY_LINES, "school", school.pk)),
    )


# -------------------------------------------------------------- one "covered"

# (best technology, plan stage) of the 19 points: every status × plan state.
MIX = [
    (4, None),  # school: 4G, no plan -> covered
    (4, 4),  # other_school: 4G, plan on air -> pending
    (5, None),  # far_school (alone in its commune): 5G -> covered
    (4, 5),  # sites of school
    (None, 1),
    (3, None),
    (0, None),  # sites of other_school
    (4, 1),
    (None, None),  # villages in Bảo Yên
    (0, 3),
    (2, None),
    (2, 5),
    (3, 2),
    (3, 5),
    (4, 3),
    (5, 2),  # villages in Si Ma Cai
    (5, 4),
    (5, 5),
    (0, 5),
]
COVERED = """
    SELECT COUNT(*) FROM coverage_coveragepoint p
    LEFT JOIN coverage_coverageplan pl ON pl.point_id = p.id
    LEFT JOIN schools_schoolsite st ON st.id = p.site_id
    WHERE p.best_technology >= 4 AND (pl.id IS NULL OR pl.stage = 5)
"""
POINTS = """
    SELECT COUNT(*) FROM coverage_coveragepoint p
    LEFT JOIN schools_schoolsite st ON st.id = p.site_id WHERE 1 = 1
"""


def point_scope(query: str, scope: str, unit_id: int | None) -> tuple[str, tuple]:
    if scope == "district":
        return query + " AND p.district_id = %s", (unit_id,)
    if scope == "school":
        return query + " AND (p.school_id = %s OR st.school_id = %s)", (unit_id, unit_id)
    return query, ()


def _set(point: CoveragePoint, best: int | None, stage: int | None) -> None:
    CoveragePoint.objects.filter(pk=point.pk).update(best_technology=best)
    point.best_technology = best
    if stage is not None:
        CoveragePlan.objects.create(
            point=point,
            carrier="viettel",
            target_date=dt.date(2022, 6, 30),
            solution=CoveragePlan.Solution.NEW_BTS,
            stage=stage,
        )
    record_state(point)


@pytest.fixture
def mix(school, other_school, far_school, district, other_district):
    """19 points: 3 schools, 5 sites (each a point since it exists), 11 village centres."""
    sites = [SchoolSiteFactory(school=school, name=f"Điểm trường {n}") for n in range(3)]
    sites += [SchoolSiteFactory(school=other_school, name=f"Điểm lẻ {n}") for n in range(2)]
    places: list[CoveragePoint] = [
        CoveragePoint.objects.get(school=school),
        CoveragePoint.objects.get(school=other_school),
        CoveragePoint.objects.get(school=far_school),
        *(CoveragePoint.objects.get(site=s) for s in sites),
    ]
    by_district = [(school.commune, 7), (CommuneFactory(district=other_district), 4)]
    for commune, count in by_district:
        for n in range(count):
            village = VillageFactory(commune=commune, name=f"Thôn {commune.pk}-{n}")
            places.append(
                CoveragePoint.objects.create(
                    kind="village",
                    village=village,
                    name=village.name,
                    commune=commune,
                    district=commune.district,
                    latitude=22.3,
                    longitude=104.1,
                )
            )
    assert len(places) == len(MIX) == 19
    for point, (best, stage) in zip(places, MIX, strict=True):
        _set(point, best, stage)
    return places


def covered_on_pages(client, district_name: str | None = None) -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    html = client.get(reverse("accounts:home")).content.decode()
    m = re.search(r'<div class="value">(\d+)/(\d+)</div><div class="label">Điểm đã phủ sóng<', html)
    if m:
        found["home"] = (int(m.group(1)), int(m.group(2)))
    response = client.get(reverse("coverage:progress"))
    if response.status_code == 200:
        m = re.search(r"(\d+)/(\d+) điểm đã phủ sóng", response.content.decode())
        assert m
        found["progress"] = (int(m.group(1)), int(m.group(2)))
    html = client.get(reverse("reports:dashboard")).content.decode()
    m = re.search(
        r'<div class="value">([\d.]+)/([\d.]+)</div><div class="label">Điểm đã phủ sóng / tổng số',
        html,
    )
    assert m
    found["dashboard"] = (number(m.group(1)), number(m.group(2)))
    return found


def public_coverage(client, district_name: str | None = None) -> tuple[int, int]:
    html = client.get(reverse("donations:public")).content.decode()
    if district_name is None:
        m = re.search(
            r'data-testid="public-coverage"><div class="value">([\d.]+)<small class="muted"> / '
            r"([\d.]+)</small>",
            html,
        )
    else:
        start = html.index(f"<h3>{district_name}</h3>")
        m = re.search(r"Phủ sóng: <strong>(\d+)/(\d+)</strong>", html[start:])
    assert m
    return number(m.group(1)), number(m.group(2))


def test_the_19_point_mix_gives_one_answer_on_every_page_of_the_province(
    mix, client_for, province_official, client
):
    expected = (sql(*point_scope(COVERED, "province", None)), sql(POINTS))
    # 4G+ without a plan (school 4G, far school 5G) and 4G+ with a verified plan (two).
    assert expected == (4, 19)
    pages = covered_on_pages(client_for(province_official))
    assert pages == {"home": expected, "progress": expected, "dashboard": expected}
    figures = report_services.compute_figures(todays_report())
    assert (figures["totals"]["coverage_covered"], figures["totals"]["coverage_total"]) == expected
    client.logout()
    assert public_coverage(client) == expected


@pytest.mark.parametrize("which", ["district", "other_district"])
def test_the_19_point_mix_per_district(mix, which, client_for, province_official, request, client):
    d = request.getfixturevalue(which)
    expected = (
        sql(*point_scope(COVERED, "district", d.pk)),
        sql(*point_scope(POINTS, "district", d.pk)),
    )
    officer = UserFactory(username=f"phong_{d.code}", role=role("district_officer"), district=d)
    assert covered_on_pages(client_for(officer)) == {
        "home": expected,
        "progress": expected,
        "dashboard": expected,
    }
    html = client_for(province_official).get(reverse("reports:dashboard")).content.decode()
    assert coverage_cell(html, d.name) == expected
    figures = report_services.compute_figures(todays_report())
    row = next(r for r in figures["districts"] if r["code"] == d.code)
    assert (row["coverage_covered"], row["coverage_total"]) == expected
    client.logout()
    assert public_coverage(client, d.name) == expected


def test_commune_whose_one_school_has_5g_is_covered_on_the_public_page(mix, client, far_school):
    # Si Ma Cai: far_school 5G (covered), villages 5G+stage 2, 5G on air, 5G verified, 0G verified.
    assert public_coverage(client, far_school.district.name) == (2, 5)


def test_the_19_point_mix_for_a_school(mix, client_for, school, school_staff):
    expected = (
        sql(*point_scope(COVERED, "school", school.pk)),
        sql(*point_scope(POINTS, "school", school.pk)),
    )
    assert expected == (2, 4)  # the school 4G, a site 4G verified; a planned and a 3G site
    html = client_for(school_staff).get(reverse("reports:dashboard")).content.decode()
    m = re.search(
        r'<div class="value">(\d+)/(\d+)</div><div class="label">Điểm đã phủ sóng / tổng số', html
    )
    assert m and (int(m.group(1)), int(m.group(2))) == expected


def test_covered_count_by_kind_on_the_progress_page(mix, client_for, province_official):
    html = client_for(province_official).get(reverse("coverage:progress")).content.decode()
    table = html[html.index('data-testid="progress-by-kind"') :]
    for kind, label in CoveragePoint.Kind.choices:
        covered = sql(COVERED + " AND p.kind = %s", (kind,))
        total = sql(POINTS + " AND p.kind = %s", (kind,))
        start = table.index(f"<td>{label}</td>")
        m = re.search(r'<small class="muted">(\d+)/(\d+)</small>', table[start:])
        assert m and (int(m.group(1)), int(m.group(2))) == (covered, total), label
    assert (sql(COVERED + " AND p.kind = 'school'"), sql(POINTS + " AND p.kind = 'school'")) == (
        2,
        3,
    )


# ----------------------------------------------------- a point for every place


def test_every_school_and_site_is_a_coverage_point_from_the_start(district, commune):
    from schools.services import import_schools

    rows = [
        (
            2,
            {
                "code": "08700010",
                "name": "Trường Mầm non Xuân Thượng",
                "level": "Mầm non",
                "district": "Bảo Yên",
                "commune": "Tân Tiến",
                "lat": 22.2,
                "lon": 104.4,
            },
        ),
        (
            3,
            {
                "code": "08700011",
                "name": "Trường Tiểu học Long Phúc",
                "level": "Tiểu học",
                "district": "Huyện Bảo Yên",
                "commune": "xã tân tiến",
            },
        ),
    ]
    report = import_schools(rows=rows)
    assert report.created == 2, report.errors
    for code, lat in (("08700010", 22.2), ("08700011", None)):
        point = CoveragePoint.objects.select_related("plan").get(school__code=code)
        assert (point.kind, point.commune_id, point.district_id) == (
            "school",
            commune.pk,
            district.pk,
        )
        assert point.latitude == lat
        assert point.get_status_display() == "Chưa khảo sát"
        assert point.states.count() == 1
    school = CoveragePoint.objects.get(school__code="08700010").school
    village = VillageFactory(commune=commune, name="Thôn Khuổi Phường")
    site = SchoolSiteFactory(school=school, name="Điểm trường Khuổi Phường", village=village)
    site_point = CoveragePoint.objects.get(site=site)
    assert (site_point.kind, site_point.village_id, site_point.best_technology) == (
        "site",
        village.pk,
        None,
    )
    assert sql("SELECT COUNT(*) FROM coverage_coveragepoint WHERE kind IN ('school', 'site')") == (
        sql("SELECT COUNT(*) FROM schools_school") + sql("SELECT COUNT(*) FROM schools_schoolsite")
    )


def test_data_migration_makes_points_for_existing_schools_and_sites(school, other_school):
    import importlib

    from django.apps import apps

    site = SchoolSiteFactory(school=school, name="Điểm trường Nậm Cường")
    # As before this branch: places without points.
    CoveragePoint.objects.all().delete()
    village = VillageFactory(commune=school.commune)
    kept = CoveragePoint.objects.create(
        kind="village",
        village=village,
        name="Thôn cũ",
        commune=school.commune,
        district=school.district,
        latitude=22.3,
        longitude=104.1,
        best_technology=4,
    )
    migration = importlib.import_module("coverage.migrations.0004_figures_points_for_every_place")
    migration.forwards(apps, None)
    assert set(CoveragePoint.objects.values_list("kind", "school_id", "site_id")) == {
        ("school", school.pk, None),
        ("school", other_school.pk, None),
        ("site", None, site.pk),
        ("village", None, None),
    }
    assert sql("SELECT COUNT(*) FROM coverage_pointstate") == 4
    assert kept.states.get().best_technology == 4
    migration.forwards(apps, None)  # twice changes nothing
    assert (
        CoveragePoint.objects.count() == 4 and sql("SELECT COUNT(*) FROM coverage_pointstate") == 4
    )


# ------------------------------------------------------ a report as of its period


VN = ZoneInfo("Asia/Ho_Chi_Minh")
IN_PERIOD = dt.datetime(2021, 10, 6, 9, 0, tzinfo=VN)
BUILT = dt.datetime(2021, 10, 11, 7, 0, tzinfo=VN)
AFTER = dt.datetime(2021, 10, 13, 9, 0, tzinfo=VN)
PERIOD = (dt.date(2021, 10, 4), dt.date(2021, 10, 10))
UNTIL = dt.datetime(2021, 10, 11, 0, 0, tzinfo=VN)  # the first instant after the period


def until_param():
    return connection.ops.adapt_datetimefield_value(UNTIL)


def as_of_sql() -> dict[str, int]:
    """The report's province totals, computed from the tables as of the period's end."""
    day, until = PERIOD[1], until_param()
    latest_state = """
        SELECT COUNT(*), COALESCE(SUM(CASE WHEN s.best_technology >= 4
            AND (s.plan_stage IS NULL OR s.plan_stage = 5) THEN 1 ELSE 0 END), 0)
        FROM coverage_pointstate s
        WHERE s.at < %s AND s.id = (
            SELECT s2.id FROM coverage_pointstate s2
            WHERE s2.point_id = s.point_id AND s2.at < %s ORDER BY s2.at DESC, s2.id DESC LIMIT 1)
    """
    with connection.cursor() as cursor:
        cursor.execute(latest_state, (until, until))
        points, covered = cursor.fetchone()
    return {
        "needy": sql(
            "SELECT COUNT(*) FROM students_student WHERE status = 'studying'"
            " AND (need_device <> '' OR need_data = %s) AND created_at < %s",
            (True, until),
        ),
        "approved_pupils": sql(
            BENEFICIARY_PUPILS + " AND i.decided_at < %s AND p.decided_at < %s"
            " AND (r.requires_province_confirmation = %s OR p.confirmed_at < %s)"
            " AND s.created_at < %s",
            (False, until, until, False, until, until),
        ),
        "handed_over": sql(
            "SELECT COUNT(*) FROM devices_allocation WHERE handover_date <= %s"
            " AND status IN ('handed_over', 'returned')"
            " AND (returned_at IS NULL OR returned_at > %s)",
            (day, day),
        ),
        "data_active": sql(
            "SELECT COUNT(*) FROM devices_subscription WHERE status IN ('active', 'expired')"
            " AND starts_on <= %s AND (ends_on IS NULL OR ends_on >= %s)",
            (day, day),
        ),
        "coverage_total": int(points),
        "coverage_covered": int(covered),
        "pledged": sql(
            "SELECT COALESCE(SUM(cash_amount), 0) FROM donations_pledge WHERE pledged_on <= %s",
            (day,),
        ),
        "received": sql(
            "SELECT COALESCE(SUM(amount), 0) FROM donations_cashreceipt WHERE received_on <= %s",
            (day,),
        ),
    }


def report_totals(figures) -> dict[str, int]:
    t = figures["totals"]
    keys = ("needy", "approved_pupils", "handed_over", "data_active")
    return {
        **{k: t[k] for k in keys},
        "coverage_total": t["coverage_total"],
        "coverage_covered": t["coverage_covered"],
        "pledged": figures["donations"]["pledged"],
        "received": figures["donations"]["received"],
    }


def test_a_report_for_a_past_week_is_as_of_its_end_and_rebuilt_identical(
    school, categories, district
):
    from tests.reports.factories import allocate, pledge, subscribe
    from tests.schools.factories import SchoolFactory

    by = UserFactory(username="so_lap")
    poor = categories.poor
    confirm = RoundFactory(name="Đợt 1", requires_province_confirmation=True)
    approved = ProposalItem.Status.APPROVED
    with time_machine.travel(IN_PERIOD, tick=False):
        pupils = [pupil(school, poor) for _ in range(3)]
        lists = ProposalFactory(round=confirm, school=school, status=Proposal.Status.CONFIRMED)
        items = [ItemFactory(proposal=lists, student=p, status=approved) for p in pupils]
        data = ItemFactory(proposal=lists, student=pupils[0], kind="data", status=approved)
        kept = allocate(items[0], status="handed_over", by=by)
        returned_later = allocate(items[1], status="handed_over", by=by)
        late = allocate(items[2], status="reserved", by=by)
        subscribe(data, status="active", by=by)
        pledge(amount=10_000_000, received=4_000_000, by=by)
        from donations.models import CashReceipt, Pledge

        CashReceipt.objects.update(received_on=dt.date(2021, 10, 6))
        Pledge.objects.update(pledged_on=dt.date(2021, 10, 1))
        school_point = CoveragePoint.objects.get(school=school)
        _set(school_point, 4, None)
        other_school = SchoolFactory(district=district, commune=school.commune, code="08700050")
    with time_machine.travel(BUILT, tick=False):
        report = report_services.generate_report(*PERIOD)
    first = report.figures
    assert report_totals(first) == as_of_sql()
    assert report_totals(first) == {
        "needy": 3,
        "approved_pupils": 3,
        "handed_over": 2,
        "data_active": 1,
        "coverage_total": 2,  # the school and other_school (created before the period)
        "coverage_covered": 1,
        "pledged": 10_000_000,
        "received": 4_000_000,
    }

    # After the period: more pupils and approvals, a handover, a return, cash, coverage.
    with time_machine.travel(AFTER, tick=False):
        newcomer = pupil(school, poor)
        second = ProposalFactory(
            round=RoundFactory(name="Đợt 2", requires_province_confirmation=False),
            school=school,
            status=Proposal.Status.APPROVED,
        )
        ItemFactory(proposal=second, student=newcomer, status=approved)
        late.status, late.handover_date = "handed_over", AFTER.date()
        late.save()
        returned_later.status, returned_later.returned_at = "returned", AFTER.date()
        returned_later.save()
        pledge(amount=5_000_000, received=5_000_000, by=by)
        Pledge.objects.filter(pledged_on=dt.date(2021, 9, 20)).update(pledged_on=AFTER.date())
        CashReceipt.objects.exclude(received_on=dt.date(2021, 10, 6)).update(
            received_on=AFTER.date()
        )
        _set(CoveragePoint.objects.get(school=other_school), 5, None)
        _set(school_point, 2, None)  # a carrier reports the school's signal fell
        SchoolFactory(district=district, commune=school.commune, code="08700099")

    with time_machine.travel(dt.datetime(2021, 10, 14, 8, 0, tzinfo=VN), tick=False):
        now = build_dashboard(level=Level.PROVINCE).totals
        assert (now.needy, now.approved_pupils, now.handed_over) == (4, 4, 2)
        assert (now.coverage_total, now.coverage_covered) == (3, 1)
        ProgressReport.objects.filter(pk=report.pk).update(status=ProgressReport.Status.FAILED)
        rebuilt = report_services.generate_report(*PERIOD)
    assert rebuilt.pk == report.pk and rebuilt.status == ProgressReport.Status.DONE
    assert json.dumps(rebuilt.figures, sort_keys=True) == json.dumps(first, sort_keys=True)
    assert report_totals(rebuilt.figures) == as_of_sql()
    assert kept.pk  # handed over in the period, never returned: counted both times
