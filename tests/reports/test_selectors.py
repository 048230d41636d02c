import pytest
from django.http import Http404

from reports import selectors
from reports.selectors import Filters, Level, build_dashboard
from rounds.models import ProposalItem
from tests.reports.conftest import pupil
from tests.reports.factories import ItemFactory, ProposalFactory, RoundFactory

pytestmark = pytest.mark.django_db


def by_code(board):
    return {row.code: row for row in board.rows}


def test_province_figures_per_district(known, district, other_district, categories):
    board = build_dashboard(level=Level.PROVINCE)
    rows = by_code(board)
    d87, d84 = rows["87"], rows["84"]
    assert (d87.needy, d87.proposed, d87.approved, d87.handed_over, d87.data_active) == (
        6,
        5,
        3,
        1,
        1,
    )
    assert (d87.approved_devices, d87.approved_data) == (2, 1)
    assert d87.by_category == {categories.poor.pk: 3, categories.near.pk: 3}
    # Covered: the school's 4G point only; the site's verified plan has no 4G measured.
    # other_school's point counts (unmeasured): every school is a point.
    assert (d87.coverage_covered, d87.coverage_total) == (1, 4)
    assert (d84.needy, d84.proposed, d84.approved, d84.handed_over, d84.data_active) == (
        1,
        1,
        1,
        1,
        0,
    )
    assert (d84.coverage_covered, d84.coverage_total) == (0, 1)
    assert board.totals.needy == 7
    assert board.totals.approved == 4
    assert board.category_totals() == [0, 4, 3, 0, 0]  # covid, poor, near-poor, policy, hardship
    assert (board.pledged, board.received) == (15_000_000, 9_000_000)


def test_approved_matches_the_rounds_definition_of_beneficiaries(known):
    board = build_dashboard(level=Level.PROVINCE)
    assert board.totals.approved == ProposalItem.objects.beneficiaries().count() == 4


def test_round_and_school_year_filters(known):
    board = build_dashboard(level=Level.PROVINCE, filters=Filters(round_id=known.round1.pk))
    rows = by_code(board)
    assert (rows["87"].proposed, rows["87"].approved, rows["87"].handed_over) == (5, 3, 1)
    assert (rows["84"].proposed, rows["84"].approved, rows["84"].handed_over) == (0, 0, 0)
    # The registry of needy pupils and the coverage have no round.
    assert rows["84"].needy == 1
    assert rows["84"].coverage_total == 1
    assert (board.pledged, board.received) == (10_000_000, 4_000_000)

    by_year = build_dashboard(level=Level.PROVINCE, filters=Filters(school_year="2022-2023"))
    assert by_code(by_year)["84"].approved == 1
    assert by_code(by_year)["87"].approved == 0
    assert by_year.pledged == 0


def test_district_figures_per_school_with_village_points(known, district, school, other_school):
    board = build_dashboard(level=Level.DISTRICT, district=district)
    rows = by_code(board)
    assert set(rows) == {school.code, other_school.code, ""}
    own, other, villages = rows[school.code], rows[other_school.code], rows[""]
    assert (own.needy, own.proposed, own.approved, own.handed_over, own.data_active) == (
        4,
        4,
        3,
        1,
        1,
    )
    assert (own.coverage_covered, own.coverage_total) == (1, 2)
    assert (other.needy, other.proposed, other.approved) == (2, 1, 0)
    assert (villages.coverage_covered, villages.coverage_total, villages.needy) == (0, 1, 0)
    assert (other.coverage_covered, other.coverage_total) == (0, 1)
    assert board.totals.coverage_total == 4
    assert board.pledged is None


def test_school_figures(known, school):
    board = build_dashboard(level=Level.SCHOOL, school=school, district=school.district)
    assert [r.code for r in board.rows] == [school.code]
    assert board.totals.needy == 4
    assert board.totals.coverage_total == 2


def test_resolve_scope_for_each_role(
    district, other_district, school, far_school, province_official, district_officer, school_staff
):
    assert selectors.resolve_scope(province_official)[0] == Level.PROVINCE
    assert selectors.resolve_scope(province_official, district_id=other_district.pk)[1] == (
        other_district
    )
    assert selectors.resolve_scope(district_officer) == (Level.DISTRICT, district, None)
    assert selectors.resolve_scope(district_officer, school_id=school.pk)[2] == school
    assert selectors.resolve_scope(school_staff) == (Level.SCHOOL, district, school)
    for user, kwargs in [
        (district_officer, {"district_id": other_district.pk}),
        (district_officer, {"school_id": far_school.pk}),
        (school_staff, {"school_id": far_school.pk}),
        (school_staff, {"district_id": other_district.pk}),
        (province_official, {"district_id": "abc"}),
        (province_official, {"district_id": 999999}),
    ]:
        with pytest.raises(Http404):
            selectors.resolve_scope(user, **kwargs)


def test_school_staff_ignores_district_param(school_staff, school, other_district):
    # A school user only ever sees their school; asking for a district is out of scope.
    with pytest.raises(Http404):
        selectors.resolve_scope(school_staff, district_id=other_district.pk)


def grow(school, far_school, category, n):
    """n more needy pupils per school, each proposed in a fresh round."""
    round_ = RoundFactory()
    for s in (school, far_school):
        proposal = ProposalFactory(round=round_, school=s)
        for _ in range(n):
            ItemFactory(proposal=proposal, student=pupil(s, category))


@pytest.mark.parametrize("extra", [1, 12])
def test_province_dashboard_query_count_is_fixed(
    known, school, far_school, categories, extra, django_assert_num_queries
):
    grow(school, far_school, categories.poor, extra)
    # districts, categories, pupils, items, allocations, subscriptions, coverage, pledges, receipts
    with django_assert_num_queries(9):
        board = build_dashboard(level=Level.PROVINCE)
    assert board.totals.needy == 7 + 2 * extra


@pytest.mark.parametrize("extra", [1, 12])
def test_district_dashboard_query_count_is_fixed(
    known, district, school, far_school, categories, extra, django_assert_num_queries
):
    grow(school, far_school, categories.poor, extra)
    with django_assert_num_queries(7):
        board = build_dashboard(level=Level.DISTRICT, district=district)
    assert board.totals.needy == 6 + extra


def test_progress_items(known):
    board = build_dashboard(level=Level.PROVINCE)
    items = {i["label"]: i for i in selectors.progress_items(board)}
    assert items["Học sinh khó khăn đã được duyệt hỗ trợ"]["percent"] == 57  # 4/7
    assert items["Thiết bị đã bàn giao / suất thiết bị được duyệt"]["percent"] == 67  # 2/3
    assert items["Tiền tài trợ đã nhận / đã cam kết"]["percent"] == 60
