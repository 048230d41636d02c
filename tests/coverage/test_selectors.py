"""Reads: the gap ranking on a known data set, village signal, progress, query counts."""

import pytest

from accounts.models import User
from coverage import selectors
from coverage.models import CoveragePlan, CoveragePoint
from tests.coverage.factories import CoveragePointFactory, beneficiary, plan, pupil, signal
from tests.schools.factories import SchoolSiteFactory, VillageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(school, commune, far_school, province_official):
    """Villages with a known number of needy pupils and beneficiaries."""
    v = {
        name: VillageFactory(commune=commune, name=name)
        for name in ("Bắc", "An", "Cốc", "Dào", "Én")
    }
    points = {
        "bac": CoveragePointFactory(village=v["Bắc"], name="Thôn Bắc"),
        "an": CoveragePointFactory(village=v["An"], name="Thôn An"),
        "coc": CoveragePointFactory(village=v["Cốc"], name="Thôn Cốc"),
        "dao": CoveragePointFactory(village=v["Dào"], name="Thôn Dào"),
        "unmeasured": CoveragePointFactory(
            village=VillageFactory(commune=commune), name="Thôn Chưa Đo"
        ),
    }
    site = SchoolSiteFactory(school=school, name="Điểm trường Đá", village=v["Én"])
    points["site"] = CoveragePointFactory(
        kind=CoveragePoint.Kind.SITE, site=site, village=v["Én"], name="Điểm trường Đá"
    )
    points["school"] = CoveragePointFactory(
        kind=CoveragePoint.Kind.SCHOOL,
        school=school,
        village=None,
        name="Trường Tân Tiến",
        commune=commune,
        district=commune.district,
    )
    for key in ("bac", "an", "site", "school"):
        signal(points[key], "viettel", 0)
    signal(points["coc"], "viettel", 3)
    signal(points["dao"], "viettel", 4)
    # Bắc: two needy pupils, one not needy, one needy who left school.
    pupil(school, v["Bắc"], need_device="tablet")
    pupil(far_school, v["Bắc"], need_device="computer")
    pupil(school, v["Bắc"])
    pupil(school, v["Bắc"], need_device="tablet", status="left")
    # An: one needy (data), one approved beneficiary without a remaining need.
    pupil(school, v["An"], need_data=True)
    beneficiary(pupil(school, v["An"]), province_official)
    # Én (the site's village): three needy; one also a beneficiary (counted once).
    for _ in range(3):
        last = pupil(school, v["Én"], need_data=True)
    beneficiary(last, province_official)
    # Cốc (weak) five needy, Dào (covered) four needy.
    for _ in range(5):
        pupil(school, v["Cốc"], need_device="smartphone")
    for _ in range(4):
        pupil(school, v["Dào"], need_device="smartphone")
    return points


def _names(rows):
    return [r.point.name for r in rows]


def test_gap_ranking_exact_order(known, province_official):
    rows = selectors.gap_ranking(province_official)
    # Ties (An and Bắc, 2 each) go by name; the school point has no village: 0.
    assert _names(rows) == ["Điểm trường Đá", "Thôn An", "Thôn Bắc", "Trường Tân Tiến"]
    assert [(r.needy, r.beneficiaries, r.priority) for r in rows] == [
        (3, 1, 3),
        (1, 1, 2),
        (2, 0, 2),
        (0, 0, 0),
    ]
    assert [r.rank for r in rows] == [1, 2, 3, 4]


def test_gap_ranking_with_weak_points(known, province_official):
    rows = selectors.gap_ranking(province_official, include_weak=True)
    assert _names(rows) == ["Thôn Cốc", "Điểm trường Đá", "Thôn An", "Thôn Bắc", "Trường Tân Tiến"]


def test_gap_ranking_is_scoped(known, school_staff, other_district_officer):
    assert _names(selectors.gap_ranking(school_staff)) == ["Điểm trường Đá", "Trường Tân Tiến"]
    assert selectors.gap_ranking(other_district_officer) == []


def _more_gaps(commune, school, n):
    for i in range(n):
        village = VillageFactory(commune=commune)
        point = CoveragePointFactory(village=village, name=f"Thôn Thêm {i}")
        signal(point, "viettel", 0)
        signal(point, "vnpt", 2)
        plan(point, CoveragePlan.Stage.PLANNED)
        pupil(school, village, need_data=True)


@pytest.mark.parametrize("extra", [0, 6])
def test_gap_ranking_query_count_is_fixed(
    known, commune, school, province_official, django_assert_num_queries, extra
):
    _more_gaps(commune, school, extra)
    # The user as a request reads it (the manager annotates what the scope needs).
    province_official = User.objects.get(pk=province_official.pk)
    # points, signals, pupil counts, and whether today's communes are loaded (not here)
    with django_assert_num_queries(4):
        rows = selectors.gap_ranking(province_official)
        [(r.status, r.stage_label, r.school_name, r.point.district.name) for r in rows]
    assert len(rows) == 4 + extra


def test_village_signal(known, commune):
    bac = known["bac"].village
    assert selectors.village_signal(bac.pk) == {"status": "no_signal", "point": known["bac"]}
    assert selectors.village_signal(known["coc"].village_id)["status"] == "weak"
    assert selectors.village_signal(known["dao"].village_id)["status"] == "covered"
    assert selectors.village_signal(known["unmeasured"].village_id) == {
        "status": "unknown",
        "point": known["unmeasured"],
    }
    assert selectors.village_signal(VillageFactory(commune=commune).pk) == {
        "status": "unknown",
        "point": None,
    }
    assert selectors.village_signal(None)["status"] == "unknown"


def test_village_signal_prefers_the_measured_village_centre(school, commune):
    village = VillageFactory(commune=commune)
    centre = CoveragePointFactory(village=village)
    site = SchoolSiteFactory(school=school, village=village)
    site_point = CoveragePointFactory(kind=CoveragePoint.Kind.SITE, site=site, village=village)
    signal(site_point, "viettel", 3)
    # The centre is not measured yet: the site stands in.
    assert selectors.village_signal(village.pk) == {"status": "weak", "point": site_point}
    signal(centre, "viettel", 0)
    assert selectors.village_signal(village.pk) == {"status": "no_signal", "point": centre}


def test_village_signals_batch_is_one_query(known, django_assert_num_queries):
    ids = [p.village_id for p in known.values() if p.village_id]
    with django_assert_num_queries(1):
        result = selectors.village_signals(ids)
    assert result[known["dao"].village_id]["status"] == "covered"


def test_progress_by_district(known, province_official, far_school):
    far_point = CoveragePointFactory(
        kind=CoveragePoint.Kind.SCHOOL,
        school=far_school,
        village=None,
        commune=far_school.commune,
        district=far_school.district,
        name="Trường Nàn Sán",
    )
    signal(far_point, "viettel", 4)
    plan(far_point, CoveragePlan.Stage.ON_AIR)  # on air, not verified: not yet covered
    rows = {r.name: r for r in selectors.progress_by_district(province_official)}
    bao_yen = rows["Huyện Bảo Yên"]
    assert (bao_yen.total, bao_yen.covered, bao_yen.no_signal, bao_yen.weak, bao_yen.unknown) == (
        7,
        1,
        4,
        1,
        1,
    )
    assert bao_yen.percent == 14
    si_ma_cai = rows["Huyện Si Ma Cai"]
    assert (si_ma_cai.total, si_ma_cai.covered, si_ma_cai.pending) == (1, 0, 1)
    total = selectors.progress_total(list(rows.values()))
    assert (total.total, total.covered) == (8, 1)


def test_ministry_points(known, province_official):
    CoveragePoint.objects.filter(pk__in=[known["bac"].pk, known["dao"].pk]).update(
        on_ministry_list=True
    )
    rows = selectors.ministry_points(province_official)
    assert sorted(_names(rows)) == ["Thôn Bắc", "Thôn Dào"]


def test_point_filters(known, province_official):
    plan(known["an"], CoveragePlan.Stage.CONSTRUCTION)
    f = selectors.PointFilters.from_params
    rows = selectors.point_rows(province_official, f({"stage": "3"}))
    assert _names(rows) == ["Thôn An"]
    rows = selectors.point_rows(province_official, f({"status": "weak"}))
    assert _names(rows) == ["Thôn Cốc"]
    rows = selectors.point_rows(province_official, f({"kind": "site"}))
    assert _names(rows) == ["Điểm trường Đá"]
    assert selectors.point_rows(province_official, f({"carrier": "vnpt"})) == []
    # far_school is a point from the moment it exists (unmeasured, no plan).
    assert len(selectors.point_rows(province_official, f({"stage": "none"}))) == 7
    rows = selectors.point_rows(province_official, f({}), sort="-needy")
    assert _names(rows)[:2] == ["Thôn Cốc", "Thôn Dào"]
