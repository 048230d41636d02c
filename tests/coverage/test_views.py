"""Every coverage page: access per role and scope, methods, map assets, exports, query counts."""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from coverage.models import CarrierSignal, CoveragePlan, CoveragePoint
from schools.models import ImportBatch
from tests.coverage.factories import CoveragePointFactory, plan, pupil, signal
from tests.coverage.test_importers import good_rows, xlsx
from tests.exports import export_via_worker
from tests.schools.factories import SchoolSiteFactory, VillageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_point(school):
    point = CoveragePointFactory(
        kind=CoveragePoint.Kind.SCHOOL,
        school=school,
        village=None,
        name=school.name,
        commune=school.commune,
        district=school.district,
    )
    signal(point, "viettel", 3)
    return point


@pytest.fixture
def other_point(other_school):
    return CoveragePointFactory(
        kind=CoveragePoint.Kind.SCHOOL,
        school=other_school,
        village=None,
        name=other_school.name,
        commune=other_school.commune,
        district=other_school.district,
    )


@pytest.fixture
def far_point(far_school):
    return CoveragePointFactory(
        kind=CoveragePoint.Kind.SCHOOL,
        school=far_school,
        village=None,
        name=far_school.name,
        commune=far_school.commune,
        district=far_school.district,
    )


READ_PAGES = ["coverage:map", "coverage:list", "coverage:ranking", "coverage:progress"]
READERS = [
    "school_staff",
    "district_officer",
    "province_official",
    "coverage_officer",
    "admin_user",
]


@pytest.mark.parametrize(
    "name", READ_PAGES + ["coverage:report", "coverage:create", "coverage:import"]
)
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", READ_PAGES)
@pytest.mark.parametrize("who", READERS)
def test_read_pages_for_every_role(request, client_for, own_point, name, who):
    response = client_for(request.getfixturevalue(who)).get(reverse(name))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "name", READ_PAGES + ["coverage:report", "coverage:create", "coverage:import"]
)
def test_user_without_role_gets_404(client_for, outsider, name):
    assert client_for(outsider).get(reverse(name)).status_code == 404


def test_detail_scope(
    client_for,
    school_staff,
    district_officer,
    other_district_officer,
    coverage_officer,
    own_point,
    other_point,
    far_point,
):
    url = lambda p: reverse("coverage:detail", args=[p.pk])  # noqa: E731
    assert client_for(school_staff).get(url(own_point)).status_code == 200
    assert client_for(school_staff).get(url(other_point)).status_code == 404
    assert client_for(district_officer).get(url(other_point)).status_code == 200
    assert client_for(district_officer).get(url(far_point)).status_code == 404
    assert client_for(other_district_officer).get(url(own_point)).status_code == 404
    assert client_for(coverage_officer).get(url(far_point)).status_code == 200
    assert (
        client_for(school_staff).get(reverse("coverage:detail", args=[999999])).status_code == 404
    )


def test_lists_show_only_points_in_scope(client_for, school_staff, own_point, other_point):
    response = client_for(school_staff).get(reverse("coverage:list"))
    assert [r.point for r in response.context["page"]] == [own_point]
    points = client_for(school_staff).get(reverse("coverage:map")).context["points"]
    assert [p["id"] for p in points] == [own_point.pk]


@pytest.mark.parametrize("name", ["coverage:edit", "coverage:plan"])
def test_manager_forms_access(
    client_for, school_staff, district_officer, coverage_officer, own_point, name
):
    url = reverse(name, args=[own_point.pk])
    assert client_for(coverage_officer).get(url).status_code == 200
    assert client_for(school_staff).get(url).status_code == 404
    assert client_for(district_officer).get(url).status_code == 404


def test_manager_pages_access(client_for, school_staff, district_officer, coverage_officer):
    for name in ("coverage:create", "coverage:import"):
        assert client_for(coverage_officer).get(reverse(name)).status_code == 200
        assert client_for(school_staff).get(reverse(name)).status_code == 404
        assert client_for(district_officer).get(reverse(name)).status_code == 404


def test_school_report_page_is_for_schools(
    client_for, school_staff, district_officer, coverage_officer
):
    assert client_for(school_staff).get(reverse("coverage:report")).status_code == 200
    assert client_for(district_officer).get(reverse("coverage:report")).status_code == 404
    assert client_for(coverage_officer).get(reverse("coverage:report")).status_code == 404


@pytest.mark.parametrize("name", ["coverage:signal", "coverage:ministry", "coverage:plan_note"])
def test_state_changes_are_post_only(client_for, coverage_officer, own_point, name):
    assert client_for(coverage_officer).get(reverse(name, args=[own_point.pk])).status_code == 405


@time_machine.travel(dt.date(2021, 11, 15))
def test_school_reports_signal_at_own_point(client_for, school_staff, own_point):
    response = client_for(school_staff).post(
        reverse("coverage:signal", args=[own_point.pk]),
        {"carrier": "vnpt", "technology": "4", "measured_on": "2021-11-10"},
    )
    assert response.status_code == 302
    own_point.refresh_from_db()
    assert own_point.best_technology == 4
    assert own_point.signals.get(carrier="vnpt").source == CarrierSignal.Source.SCHOOL_REPORT


@time_machine.travel(dt.date(2021, 11, 15))
def test_school_cannot_edit_another_schools_point(client_for, school_staff, other_point):
    client = client_for(school_staff)
    data = {"carrier": "vnpt", "technology": "4", "measured_on": "2021-11-10"}
    assert client.post(reverse("coverage:signal", args=[other_point.pk]), data).status_code == 404
    assert (
        client.post(reverse("coverage:edit", args=[other_point.pk]), {"name": "X"}).status_code
        == 404
    )
    assert (
        client.post(
            reverse("coverage:ministry", args=[other_point.pk]), {"on_list": "1"}
        ).status_code
        == 404
    )
    other_point.refresh_from_db()
    assert other_point.best_technology is None and not other_point.on_ministry_list


@time_machine.travel(dt.date(2021, 11, 15))
def test_school_report_form_creates_site_point(client_for, school_staff, school):
    site = SchoolSiteFactory(
        school=school, name="Điểm trường Nậm Đét", latitude=22.7, longitude=103.87
    )
    response = client_for(school_staff).post(
        reverse("coverage:report"),
        {
            "target": f"site:{site.pk}",
            "carrier": "viettel",
            "technology": "0",
            "measured_on": "2021-11-14",
        },
    )
    point = CoveragePoint.objects.get(site=site)
    assert response.status_code == 302 and response["Location"] == reverse(
        "coverage:detail", args=[point.pk]
    )
    assert point.has_no_signal


def test_officer_creates_village_point_and_plan(client_for, coverage_officer, commune):
    client = client_for(coverage_officer)
    response = client.post(
        reverse("coverage:create"),
        {
            "kind": "village",
            "commune": commune.pk,
            "village_name": "Thôn Nà Lang",
            "latitude": "22.69",
            "longitude": "103.86",
            "on_ministry_list": "on",
        },
    )
    point = CoveragePoint.objects.get()
    assert (
        response.status_code == 302
        and point.on_ministry_list
        and point.village.name == "Thôn Nà Lang"
    )
    response = client.post(
        reverse("coverage:plan", args=[point.pk]),
        {
            "carrier": "viettel",
            "target_date": "2022-06-30",
            "solution": "new_bts",
            "stage": "2",
            "note": "Đưa vào kế hoạch 2022",
        },
    )
    assert response.status_code == 302
    assert point.plan.stage == CoveragePlan.Stage.PLANNED
    # Verification without a measured 4G signal is refused with a form error.
    response = client.post(
        reverse("coverage:plan", args=[point.pk]),
        {
            "carrier": "viettel",
            "target_date": "2022-06-30",
            "solution": "new_bts",
            "stage": "5",
            "note": "Nghiệm thu",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["stage"]


def test_officer_outside_coordinates_shows_form_error(client_for, coverage_officer, commune):
    response = client_for(coverage_officer).post(
        reverse("coverage:create"),
        {
            "kind": "village",
            "commune": commune.pk,
            "village_name": "Thôn X",
            "latitude": "10.8",
            "longitude": "106.6",
        },
    )
    assert response.status_code == 200
    assert "ngoài tỉnh Lào Cai" in str(response.context["form"].errors)
    assert not CoveragePoint.objects.exists()


# ----------------------------------------------------------------- the map


URL_RE = re.compile(r"https?://[^\s\"'<>)]+")


def test_map_loads_leaflet_from_the_portal(client_for, province_official, own_point, settings):
    settings.MAP_TILE_URL = "https://tiles.laocai.example/{z}/{x}/{y}.png"
    html = client_for(province_official).get(reverse("coverage:map")).content.decode()
    assert '<script src="/static/leaflet/leaflet.js"></script>' in html
    assert '<link rel="stylesheet" href="/static/leaflet/leaflet.css">' in html
    assert '<script src="/static/coverage/map.js"></script>' in html
    for path in ("leaflet/leaflet.js", "leaflet/leaflet.css", "coverage/map.js"):
        assert finders.find(path), path
    # The only external address in the page is the configurable tile server.
    assert set(URL_RE.findall(html)) == {"https://tiles.laocai.example/{z}/{x}/{y}.png"}


def test_map_without_tile_server_has_no_external_url(
    client_for, province_official, own_point, settings
):
    settings.MAP_TILE_URL = ""
    html = client_for(province_official).get(reverse("coverage:map")).content.decode()
    assert URL_RE.findall(html) == []
    assert 'id="cov-points"' in html


def test_map_data_has_counts_but_no_pupil_names(client_for, province_official, school, commune):
    village = VillageFactory(commune=commune)
    point = CoveragePointFactory(village=village)
    signal(point, "viettel", 0)
    child = pupil(school, village, need_device="tablet")
    response = client_for(province_official).get(reverse("coverage:map"))
    data = next(p for p in response.context["points"] if p["id"] == point.pk)
    assert data["needy"] == 1 and data["status"] == "no_signal"
    assert child.full_name not in response.content.decode()


# ------------------------------------------------------------ lists, export


def _points(commune, school, n):
    for i in range(n):
        village = VillageFactory(commune=commune)
        point = CoveragePointFactory(village=village, name=f"Thôn {i:02d}")
        signal(point, "viettel", (0, 2, 3, 4, 5)[i % 5])
        signal(point, "vnpt", 2)
        if i % 2:
            plan(point, CoveragePlan.Stage.CONSTRUCTION)
        pupil(school, village, need_data=True)


@pytest.mark.parametrize(
    "name", ["coverage:list", "coverage:ranking", "coverage:map", "coverage:progress"]
)
def test_list_pages_make_a_fixed_number_of_queries(
    client_for, province_official, commune, school, name
):
    client = client_for(province_official)
    _points(commune, school, 2)
    client.get(reverse(name))  # warm the session and content types
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(name)).status_code == 200
    _points(commune, school, 12)
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse(name)).status_code == 200
    assert len(small) == len(large) <= 12


def test_list_export_xlsx(client_for, province_official, commune, school):
    _points(commune, school, 3)
    response = export_via_worker(
        client_for(province_official),
        reverse("coverage:list"),
        {"format": "xlsx", "sort": "name"},
        key="coverage.points",
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r and r[0] == "Loại điểm"))
    # The school is a point too, from the moment it exists.
    assert [r[1] for r in rows[header + 1 :]] == [
        "Thôn 00",
        "Thôn 01",
        "Thôn 02",
        "Trường PTDTBT THCS Tân Tiến",
    ]


def test_ranking_export_xlsx(client_for, province_official, commune, school):
    _points(commune, school, 3)
    response = export_via_worker(
        client_for(province_official),
        reverse("coverage:ranking"),
        {"format": "xlsx"},
        key="coverage.gap_ranking",
    )
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert ("Thứ tự" in rows[2]) and rows[3][0] == 1


def test_list_filters_by_status(client_for, province_official, commune, school):
    _points(commune, school, 5)
    response = client_for(province_official).get(reverse("coverage:list"), {"status": "no_signal"})
    assert sorted(r.point.name for r in response.context["page"]) == ["Thôn 00", "Thôn 01"]


# ------------------------------------------------------------------- import


@time_machine.travel(dt.date(2021, 11, 1))
def test_upload_check_and_confirm(client_for, coverage_officer, school, commune):

    SchoolSiteFactory(school=school, name="Điểm trường Nậm Đét", latitude=22.70, longitude=103.87)
    VillageFactory(commune=commune, name="Thôn Khuổi Phường")
    client = client_for(coverage_officer)
    upload = io.BytesIO(xlsx(*good_rows()))
    upload.name = "khao-sat.xlsx"
    response = client.post(reverse("coverage:import"), {"file": upload})
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("coverage:import_detail", args=[batch.pk])
    assert (batch.kind, batch.status, batch.created) == ("coverage", "validated", 3)
    # The school and the site are points since they exist, not yet surveyed.
    assert not CoveragePoint.objects.filter(best_technology__isnull=False).exists()
    assert CoveragePoint.objects.count() == 2
    assert client.get(reverse("coverage:import_confirm", args=[batch.pk])).status_code == 405
    client.post(reverse("coverage:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "done" and CoveragePoint.objects.count() == 3


@time_machine.travel(dt.date(2021, 11, 1))
def test_upload_with_errors_cannot_be_confirmed(client_for, coverage_officer, school):
    client = client_for(coverage_officer)
    upload = io.BytesIO(
        xlsx(
            [
                "Thôn",
                "X",
                "",
                "Bảo Yên",
                "Tân Tiến",
                "Không Có",
                22.5,
                104.0,
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    )
    upload.name = "loi.xlsx"
    client.post(reverse("coverage:import"), {"file": upload})
    batch = ImportBatch.objects.get()
    assert batch.status == "failed" and batch.error_count == 1
    page = client.get(reverse("coverage:import_detail", args=[batch.pk]))
    assert "không tìm thấy thôn/bản" in page.content.decode()
    client.post(reverse("coverage:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "failed"
    assert not CoveragePoint.objects.exclude(kind__in=("school", "site")).exists()
    copy = client.get(reverse("coverage:import_errors", args=[batch.pk]))
    sheet = load_workbook(io.BytesIO(copy.content)).active
    assert "không tìm thấy thôn/bản" in str(sheet.cell(row=5, column=16).value)


def test_import_pages_are_scoped(client_for, coverage_officer, school_staff):
    batch = ImportBatch.objects.create(
        kind="coverage",
        uploaded_by=coverage_officer,
        file_name="a.xlsx",
        file_sha256="0" * 64,
        status="validated",
    )
    assert (
        client_for(school_staff).get(reverse("coverage:import_detail", args=[batch.pk])).status_code
        == 404
    )
    assert (
        client_for(school_staff)
        .post(reverse("coverage:import_confirm", args=[batch.pk]))
        .status_code
        == 404
    )


def test_officer_edits_school_point_village_and_ministry_flag(
    client_for, coverage_officer, own_point, commune
):
    from accounts.models import AuditEvent

    village = VillageFactory(commune=commune, name="Thôn Nà Lang")
    client = client_for(coverage_officer)
    response = client.post(
        reverse("coverage:edit", args=[own_point.pk]),
        {
            "name": own_point.name,
            "village": village.pk,
            "latitude": "22.41",
            "longitude": "104.01",
            "notes": "Trường đứng ở thôn Nà Lang",
        },
    )
    assert response.status_code == 302
    own_point.refresh_from_db()
    assert own_point.village == village and own_point.latitude == 22.41
    client.post(reverse("coverage:ministry", args=[own_point.pk]), {"on_list": "1"})
    own_point.refresh_from_db()
    assert own_point.on_ministry_list
    assert (
        AuditEvent.objects.filter(
            action="coverage.point.update", object_id=str(own_point.pk)
        ).count()
        == 2
    )


def test_plan_note_is_logged(client_for, coverage_officer, own_point):
    from coverage.models import PlanNote

    plan(own_point, CoveragePlan.Stage.CONSTRUCTION)
    client = client_for(coverage_officer)
    client.post(
        reverse("coverage:plan_note", args=[own_point.pk]), {"text": "Đã kéo xong điện lưới"}
    )
    note = PlanNote.objects.get()
    assert (note.text, note.stage, note.author) == ("Đã kéo xong điện lưới", 3, coverage_officer)
    page = client.get(reverse("coverage:detail", args=[own_point.pk])).content.decode()
    assert "Đã kéo xong điện lưới" in page and "Ghi chú tiến độ phủ sóng" in page


def test_survey_with_a_far_cell_is_refused_on_the_form(client_for, coverage_officer):
    from tests.schools.test_safe_read import far_cell_workbook

    upload = io.BytesIO(far_cell_workbook())
    upload.name = "khao-sat.xlsx"
    response = client_for(coverage_officer).post(
        reverse("coverage:import"), {"file": upload}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "ô XFD1048576" in page and "200 cột" in page
    batch = ImportBatch.objects.get()
    assert batch.created == 0 and "XFD1048576" in batch.errors[0]["message"]
