"""Dashboards by today's communes and by the units of the time (issue 16).

The data set is ``known`` (old Lào Cai, 2021: districts 87 and 84) with the reform laid
over it: the new Lào Cai (2025) with Xã Bảo Yên (← Tân Tiến, and ← Vĩnh Yên, merged into
Tân Tiến in 2024: two steps), Xã Nghĩa Đô (2025; old Nghĩa Đô was split, so its school
is placed there by a SchoolPlacement) and Xã Si Ma Cai (← Nàn Sán). A village centre of
old Nghĩa Đô cannot be placed (a split, no school): it stays in the "not placed" row.
Expected figures come from SQL over the recorded units, independent of the selectors.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.selectors import COUNT_FIELDS, Level, build_dashboard
from schools import grouping
from schools.models import (
    GENERATION_2025,
    REFORM_DATE,
    Commune,
    CommuneSuccession,
    InterimUnitChange,
    Province,
    SchoolPlacement,
)
from schools.provinces import province_with_predecessors
from tests.accounts.factories import UserFactory, role
from tests.reports.conftest import pupil
from tests.reports.factories import coverage_point
from tests.schools.factories import CommuneFactory, SchoolFactory, VillageFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/bao-cao/"


def build_reform(poor, province, district, school, other_school, far_school):
    """The 2025 units and crosswalk over ``known``, and one more school in Vĩnh Yên."""
    new = Province.objects.create(code="15", name="Lào Cai", generation_id=GENERATION_2025)
    Province.objects.filter(pk=province.pk).update(successor=new)

    def commune(code: str, name: str) -> Commune:
        return Commune.objects.create(
            generation_id=GENERATION_2025, province=new, code=code, name=name
        )

    bao_yen, nghia_do, si_ma_cai = (
        commune("02980", "Xã Bảo Yên"),
        commune("02953", "Xã Nghĩa Đô"),
        commune("02800", "Xã Si Ma Cai"),
    )
    vinh_yen = CommuneFactory(district=district, code="02989", name="Xã Vĩnh Yên")
    InterimUnitChange.objects.create(
        old=vinh_yen,
        successor=school.commune,
        legal_basis="1197/NQ-UBTVQH15",
        effective_date=dt.date(2024, 11, 1),
    )
    CommuneSuccession.objects.bulk_create(
        [
            CommuneSuccession(old=school.commune, new=bao_yen),
            CommuneSuccession(old=other_school.commune, new=bao_yen, partial=True),
            CommuneSuccession(old=other_school.commune, new=nghia_do, partial=True),
            CommuneSuccession(old=far_school.commune, new=si_ma_cai),
        ]
    )
    SchoolPlacement.objects.create(school=other_school, commune=nghia_do, valid_from=REFORM_DATE)
    vinh_yen_school = SchoolFactory(
        commune=vinh_yen, district=district, code="08700009", name="Trường TH Vĩnh Yên"
    )
    pupil(vinh_yen_school, poor)
    pupil(vinh_yen_school, poor, need_device="", need_data=True)
    coverage_point(
        district=district,
        commune=other_school.commune,
        kind="village",
        best=4,
        village=VillageFactory(commune=other_school.commune),
    )
    return SimpleNamespace(
        new=new,
        bao_yen=bao_yen,
        nghia_do=nghia_do,
        si_ma_cai=si_ma_cai,
        vinh_yen=vinh_yen,
        vinh_yen_school=vinh_yen_school,
        ids=province_with_predecessors(new.pk),
    )


@pytest.fixture
def reform(known, categories, province, district, school, other_school, far_school):
    return build_reform(categories.poor, province, district, school, other_school, far_school)


# --- independent counts over the recorded units --------------------------------------------

NEEDY_SQL = """
    SELECT sc.{key}, COUNT(*) FROM students_student st
    JOIN schools_school sc ON sc.id = st.school_id
    WHERE st.status = 'studying' AND (st.need_device <> '' OR st.need_data)
    GROUP BY sc.{key}
"""
POINTS_SQL = "SELECT {key}, COUNT(*) FROM coverage_coveragepoint GROUP BY {key}"
ITEMS_SQL = """
    SELECT sc.{key}, COUNT(*) FROM rounds_proposalitem it
    JOIN rounds_proposal p ON p.id = it.proposal_id
    JOIN schools_school sc ON sc.id = p.school_id
    GROUP BY sc.{key}
"""


def sql_counts(sql: str, key: str) -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(key=key))
        return dict(cursor.fetchall())


def village_points_by_commune() -> dict[int, int]:
    """Village centres (points of no school or site) per recorded commune."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT commune_id, COUNT(*) FROM coverage_coveragepoint
            WHERE school_id IS NULL AND site_id IS NULL
            GROUP BY commune_id
            """
        )
        return dict(cursor.fetchall())


def rows_by_name(board):
    return {row.name: row for row in board.rows}


def both(reform):
    old = build_dashboard(level=Level.PROVINCE, province_id=reform.ids, grouping=grouping.OLD)
    new = build_dashboard(level=Level.PROVINCE, province_id=reform.ids, grouping=grouping.CURRENT)
    return old, new


# --- the province under both groupings -------------------------------------------------------


def test_totals_agree_under_both_groupings(reform):
    old, new = both(reform)
    assert (old.grouping, new.grouping) == (grouping.OLD, grouping.CURRENT)
    for name in COUNT_FIELDS:
        assert getattr(old.totals, name) == getattr(new.totals, name), name
    assert old.totals.by_category == new.totals.by_category
    # Against SQL: 7 needy pupils of known + 2 in Vĩnh Yên; every coverage point.
    assert new.totals.needy == sum(sql_counts(NEEDY_SQL, "commune_id").values()) == 9
    assert new.totals.coverage_total == sum(sql_counts(POINTS_SQL, "commune_id").values())
    assert new.totals.proposed == sum(sql_counts(ITEMS_SQL, "commune_id").values())


def test_each_current_commune_is_the_sum_of_its_old_units(reform, school, other_school, far_school):
    _old, new = both(reform)
    rows = rows_by_name(new)
    needy = sql_counts(NEEDY_SQL, "commune_id")
    items = sql_counts(ITEMS_SQL, "commune_id")
    # Bảo Yên ← Tân Tiến + Vĩnh Yên (merged into Tân Tiến in 2024)
    tan_tien, vinh_yen = school.commune_id, reform.vinh_yen.pk
    assert rows["Xã Bảo Yên"].needy == needy[tan_tien] + needy[vinh_yen] == 4 + 2
    assert rows["Xã Bảo Yên"].proposed == items[tan_tien]
    # Nghĩa Đô (2025) ← the school placed there (its old commune was split)
    assert rows["Xã Nghĩa Đô"].needy == needy[other_school.commune_id] == 2
    assert rows["Xã Nghĩa Đô"].proposed == items[other_school.commune_id]
    assert rows["Xã Si Ma Cai"].needy == needy[far_school.commune_id] == 1
    # Coverage: the schools' and sites' points follow their school; village centres their
    # commune; old Nghĩa Đô's village centre (a split) is not placed.
    # Tân Tiến's school, site and village centre, and the Vĩnh Yên school's own point
    assert rows["Xã Bảo Yên"].coverage_total == 4
    assert rows["Xã Nghĩa Đô"].coverage_total == 1  # other_school's own point
    assert rows["Xã Si Ma Cai"].coverage_total == 1
    unplaced = rows["Chưa xác định được xã/phường hiện nay"]
    assert unplaced.coverage_total == village_points_by_commune()[other_school.commune_id]
    assert unplaced.needy == 0
    # Every row in the commune grouping: today's three communes and the unplaced row.
    assert [r.name for r in new.rows] == [
        "Xã Si Ma Cai",
        "Xã Nghĩa Đô",
        "Xã Bảo Yên",
        "Chưa xác định được xã/phường hiện nay",
    ]


def test_each_old_district_matches_sql_and_the_communes_it_became(reform):
    old, new = both(reform)
    by_district = sql_counts(NEEDY_SQL, "district_id")
    rows = {r.pk: r for r in old.rows}
    assert {pk: r.needy for pk, r in rows.items() if r.needy} == by_district
    current = rows_by_name(new)
    d87 = next(r for r in old.rows if r.code == "87")
    d84 = next(r for r in old.rows if r.code == "84")
    for name in ("needy", "approved_pupils", "proposed", "approved", "handed_over", "data_active"):
        assert getattr(d87, name) == getattr(current["Xã Bảo Yên"], name) + getattr(
            current["Xã Nghĩa Đô"], name
        ), name
        assert getattr(d84, name) == getattr(current["Xã Si Ma Cai"], name), name
    assert d87.coverage_total == (
        current["Xã Bảo Yên"].coverage_total
        + current["Xã Nghĩa Đô"].coverage_total
        + current["Chưa xác định được xã/phường hiện nay"].coverage_total
    )


def test_as_of_a_day_before_the_reform_groups_by_the_districts(reform):
    board = build_dashboard(
        level=Level.PROVINCE,
        province_id=reform.ids,
        grouping=grouping.CURRENT,
        as_of=dt.date(2021, 10, 10),
    )
    assert board.grouping == grouping.OLD and not board.can_regroup
    assert {r.code for r in board.rows} == {"87", "84"}


@pytest.mark.parametrize("extra", [1, 12])
def test_current_grouping_query_count_is_fixed(
    reform, school, far_school, categories, extra, django_assert_num_queries
):
    from tests.reports.test_selectors import grow

    grow(school, far_school, categories.poor, extra)
    # today's communes, schools, placements, interim changes, crosswalk lines; categories;
    # pupils, items, allocations, subscriptions, coverage points; pledges, receipts
    with django_assert_num_queries(13):
        board = build_dashboard(
            level=Level.PROVINCE, province_id=reform.ids, grouping=grouping.CURRENT
        )
    assert board.totals.needy == 9 + 2 * extra


# --- pages -----------------------------------------------------------------------------------


@pytest.fixture
def new_official(reform):
    return UserFactory(username="so_moi", role=role("province_officer"), province=reform.new)


@pytest.fixture
def commune_officer(reform):
    return UserFactory(username="xa_bao_yen", role=role("commune_officer"), commune=reform.bao_yen)


def test_province_page_groups_by_todays_communes_with_a_switch(client_for, new_official):
    client = client_for(new_official)
    page = client.get(DASHBOARD).content.decode()
    table = page[page.index('data-testid="figures-table"') :]
    assert "Xã Bảo Yên" in table and "Huyện Bảo Yên" not in table
    assert 'href="?don_vi=cu"' in page and "Theo đơn vị hành chính cũ" in page

    old = client.get(DASHBOARD, {"don_vi": "cu"}).content.decode()
    table = old[old.index('data-testid="figures-table"') :]
    assert "Huyện Bảo Yên" in table and "Xã Bảo Yên" not in table
    assert "Theo đơn vị hành chính hiện nay" in old


def test_province_page_opens_a_current_commune(client_for, new_official, reform, school):
    page = client_for(new_official).get(DASHBOARD, {"xa": reform.bao_yen.pk})
    assert page.status_code == 200
    board = page.context["board"]
    assert board.level == Level.COMMUNE
    assert {r.code for r in board.rows if r.pk} == {school.code, reform.vinh_yen_school.code}
    assert board.totals.needy == 6


def test_province_page_refuses_a_commune_of_another_province(client_for, province_official, reform):
    # An account of old Lào Cai: the 2025 communes belong to the new province.
    client = client_for(province_official)
    assert client.get(DASHBOARD, {"xa": reform.bao_yen.pk}).status_code == 404
    assert client.get(DASHBOARD, {"xa": "x"}).status_code == 404


def test_commune_officer_sees_the_communes_figures_over_all_its_schools(
    client_for, commune_officer, reform, school
):
    response = client_for(commune_officer).get(DASHBOARD)
    assert response.status_code == 200
    board = response.context["board"]
    assert board.level == Level.COMMUNE and board.title == "Xã Bảo Yên"
    needy = sql_counts(NEEDY_SQL, "id")
    schools = {school.pk, reform.vinh_yen_school.pk}
    assert {r.pk for r in board.rows if r.has_pupils} == schools
    assert board.totals.needy == sum(needy[pk] for pk in schools) == 6
    for row in board.rows:
        if row.has_pupils:
            assert row.needy == needy[row.pk]
    # Tân Tiến's village centre (the commune went wholly into Bảo Yên) and the points of
    # both schools (the Tân Tiến school's, its site's, the Vĩnh Yên school's).
    assert board.totals.coverage_total == 4
    readiness = response.context["readiness"]
    assert {r.pk for r in readiness.rows} == schools


def test_commune_officer_cannot_open_another_communes_school_or_commune(
    client_for, commune_officer, reform, far_school, district
):
    client = client_for(commune_officer)
    assert client.get(DASHBOARD, {"school": far_school.pk}).status_code == 404
    assert client.get(DASHBOARD, {"xa": reform.si_ma_cai.pk}).status_code == 404
    assert client.get(DASHBOARD, {"district": district.pk}).status_code == 404
    own = client.get(DASHBOARD, {"school": reform.vinh_yen_school.pk})
    assert own.status_code == 200 and own.context["board"].level == Level.SCHOOL


def test_commune_dashboard_query_count_is_fixed(
    reform, commune_officer, school, far_school, categories, django_assert_num_queries
):
    from tests.reports.test_selectors import grow

    grow(school, far_school, categories.poor, 5)
    ids = commune_officer.scope.school_ids
    # today's communes, schools, placements, interim changes, crosswalk lines; the rows'
    # schools; categories; pupils, items, allocations, subscriptions, coverage points
    with django_assert_num_queries(12):
        board = build_dashboard(level=Level.COMMUNE, commune=reform.bao_yen, school_ids=ids)
    assert board.totals.needy == 6 + 5


# --- the school list -------------------------------------------------------------------------

SCHOOLS = "/don-vi/truong/"


def test_school_list_shows_todays_commune_with_a_switch(
    client_for, new_official, reform, school, other_school, far_school
):
    client = client_for(new_official)
    response = client.get(SCHOOLS)
    today = {s.pk: c.name if c else None for s, c in response.context["rows"]}
    assert today == {
        school.pk: "Xã Bảo Yên",  # Tân Tiến → Bảo Yên
        reform.vinh_yen_school.pk: "Xã Bảo Yên",  # Vĩnh Yên → Tân Tiến (2024) → Bảo Yên
        other_school.pk: "Xã Nghĩa Đô",  # placed there: its old commune was split
        far_school.pk: "Xã Si Ma Cai",
    }
    page = response.content.decode()
    assert "Xã/phường hiện nay" in page and "?don_vi=cu" in page

    old = client.get(SCHOOLS, {"don_vi": "cu"})
    assert old.context["by_today"] is False
    assert all(c is None for _s, c in old.context["rows"])
    assert "Xã/phường hiện nay" not in old.content.decode()
    assert "Theo đơn vị hành chính hiện nay" in old.content.decode()


def test_school_list_by_today_query_count_is_fixed(
    client_for, new_official, reform, school, django_assert_num_queries
):
    client = client_for(new_official)
    with CaptureQueriesContext(connection) as few:
        client.get(SCHOOLS)
    SchoolFactory.create_batch(20, commune=school.commune, district=school.district)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(client.get(SCHOOLS).context["rows"]) == 24


# --- coverage: today's communes, the ministry's points' history --------------------------------


def test_coverage_lists_show_todays_commune_and_keep_the_recorded_units(
    new_official, reform, school, other_school, django_assert_num_queries
):
    from accounts.models import User
    from coverage import selectors as coverage
    from coverage.models import CoveragePoint, PointState

    user = User.objects.get(pk=new_official.pk)
    village = CoveragePoint.objects.get(kind="village", commune=school.commune)
    split = CoveragePoint.objects.get(kind="village", commune=other_school.commune)
    CoveragePoint.objects.filter(pk=village.pk).update(on_ministry_list=True)
    states = list(
        PointState.objects.filter(point=village).values_list(
            "pk", "at", "best_technology", "plan_stage"
        )
    )

    coverage.point_rows(user, coverage.PointFilters())  # the user's scope, read once
    # points, signals, pupil counts; today's communes, schools, placements, interim
    # changes, crosswalk lines: the same for more points
    with CaptureQueriesContext(connection) as before:
        coverage.point_rows(user, coverage.PointFilters())
    for _ in range(3):
        coverage_point(
            district=school.district,
            commune=reform.vinh_yen,
            kind="village",
            best=1,
            village=VillageFactory(commune=reform.vinh_yen),
        )
    with django_assert_num_queries(len(before.captured_queries)):
        rows = {r.point.pk: r for r in coverage.point_rows(user, coverage.PointFilters())}
    assert sum(r.commune_today == reform.bao_yen for r in rows.values()) == 3 + 4
    assert rows[village.pk].commune_today == reform.bao_yen
    assert rows[village.pk].point.commune == school.commune  # as recorded
    assert rows[split.pk].commune_today is None  # Nghĩa Đô was split: no guess
    own = CoveragePoint.objects.get(school=other_school)
    assert rows[own.pk].commune_today == reform.nghia_do  # its school's placement
    assert rows[village.pk].as_json()["commune_today"] == "Xã Bảo Yên"

    ministry = coverage.ministry_points(user)
    assert [r.point.pk for r in ministry] == [village.pk]
    assert ministry[0].commune_today == reform.bao_yen
    assert ministry[0].point.district.name == "Huyện Bảo Yên"
    # The history the ministry's point had is untouched by the reform's units.
    assert list(
        PointState.objects.filter(point=village).values_list(
            "pk", "at", "best_technology", "plan_stage"
        )
    ) == (states)


def test_priority_list_page_shows_todays_commune(client_for, new_official, reform):
    page = client_for(new_official).get("/phu-song/uu-tien/", {"weak": "1"}).content.decode()
    assert 'data-testid="commune-today">Xã Bảo Yên<' in page
