import datetime as dt
import io
from unittest import mock
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from kombu.exceptions import OperationalError

from reports import services
from reports.models import OutreachActivity, ProgressReport
from taskqueue.services import sweep
from tests.exports import export_via_worker
from tests.reports.factories import OutreachFactory

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = dt.datetime(2021, 10, 11, 7, 0, tzinfo=VN)
DASHBOARD = reverse("reports:dashboard")


def workbook(response):
    return openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )


def table_names(response):
    return [row.name for row in response.context["board"].rows]


# --- dashboard -------------------------------------------------------------------------


def test_dashboard_requires_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert "/dang-nhap/" in response["Location"]


def test_province_sees_every_district(known, client_for, province_official):
    response = client_for(province_official).get(DASHBOARD)
    assert response.status_code == 200
    assert table_names(response) == ["Huyện Si Ma Cai", "Huyện Bảo Yên"]
    content = response.content.decode()
    assert "<svg" in content and "Báo cáo tiến độ" in content
    assert "9.000.000 đ" in content  # donations are shown to the province


def test_province_drills_into_a_district(known, client_for, province_official, other_district):
    response = client_for(province_official).get(DASHBOARD, {"district": other_district.pk})
    assert response.status_code == 200
    assert table_names(response) == ["Trường PTDTBT THCS Nàn Sán"]


def test_district_sees_only_its_schools(known, client_for, district_officer):
    response = client_for(district_officer).get(DASHBOARD)
    assert response.status_code == 200
    assert table_names(response) == [
        "Trường PTDTBT THCS Tân Tiến",
        "Trường TH&THCS Nghĩa Đô",
        "Trung tâm thôn/bản",
    ]
    assert response.context["board"].totals.needy == 6
    assert "9.000.000" not in response.content.decode()


@pytest.mark.parametrize("param", [{"district": "other"}, {"school": "far"}, {"district": "junk"}])
def test_district_gets_404_outside_its_district(
    known, client_for, district_officer, other_district, far_school, param
):
    key, value = next(iter(param.items()))
    value = {"other": other_district.pk, "far": far_school.pk}.get(value, value)
    assert client_for(district_officer).get(DASHBOARD, {key: value}).status_code == 404


def test_school_sees_only_itself(known, client_for, school_staff, other_school, other_district):
    client = client_for(school_staff)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert table_names(response) == ["Trường PTDTBT THCS Tân Tiến"]
    assert response.context["board"].totals.needy == 4
    assert client.get(DASHBOARD, {"school": other_school.pk}).status_code == 404
    assert client.get(DASHBOARD, {"district": other_district.pk}).status_code == 404


def test_wrong_role_gets_404(client_for, outsider):
    assert client_for(outsider).get(DASHBOARD).status_code == 404


def test_dashboard_is_read_only(client_for, province_official):
    assert client_for(province_official).post(DASHBOARD).status_code == 405


def test_dashboard_filters_by_round(known, client_for, province_official):
    response = client_for(province_official).get(DASHBOARD, {"round": known.round1.pk})
    assert response.context["board"].totals.approved == 3


def test_dashboard_tables_export_to_xlsx(known, client_for, district_officer):
    client = client_for(district_officer)
    response = client.get(DASHBOARD, {"export": "figures"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(workbook(response).active.iter_rows(values_only=True))
    by_name = {r[1]: r for r in rows if r and r[1]}
    assert by_name["Trường PTDTBT THCS Tân Tiến"][2:5] == (4, 4, 3)
    assert by_name["Tổng cộng"][2] == 6
    categories = client.get(DASHBOARD, {"export": "categories"})
    rows = list(workbook(categories).active.iter_rows(values_only=True))
    header = next(r for r in rows if r and r[0] == "Mã")
    assert "Hộ nghèo" in header and header[-1] == "Tổng"


@pytest.mark.parametrize("extra", [0, 10])
def test_dashboard_page_query_count_is_fixed(
    known,
    client_for,
    province_official,
    school,
    far_school,
    categories,
    extra,
    django_assert_num_queries,
):
    from tests.reports.test_selectors import grow

    if extra:
        grow(school, far_school, categories.poor, extra)
    client = client_for(province_official)
    # session, user, the data version (newest audit event), 9 figure queries, whether
    # today's communes are loaded (not here: the page groups by the districts and offers no
    # switch), rounds for the filter, unread notifications, and ready to learn online (its
    # counts per unit, the units)
    with django_assert_num_queries(17):
        assert client.get(DASHBOARD).status_code == 200


# --- progress reports --------------------------------------------------------------------


@pytest.fixture
def report(known):
    with time_machine.travel(MONDAY, tick=False):
        return services.generate_report(dt.date(2021, 10, 4), dt.date(2021, 10, 10))


def test_report_pages_are_provincial_only(report, client_for, district_officer, school_staff):
    urls = [
        reverse("reports:report_list"),
        reverse("reports:report_detail", args=[report.pk]),
        reverse("reports:report_status", args=[report.pk]),
        reverse("reports:report_download", args=[report.pk, "xlsx"]),
        reverse("reports:report_download", args=[report.pk, "pdf"]),
    ]
    for user in (district_officer, school_staff):
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)


def test_report_list_and_downloads(report, client_for, province_official):
    client = client_for(province_official)
    response = client.get(reverse("reports:report_list"))
    assert response.status_code == 200
    assert "01/BC-SGDĐT" in response.content.decode()
    xlsx = client.get(reverse("reports:report_download", args=[report.pk, "xlsx"]))
    assert xlsx.status_code == 200
    assert "Báo cáo" in workbook(xlsx).sheetnames
    pdf = client.get(reverse("reports:report_download", args=[report.pk, "pdf"]))
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert (
        client.get(reverse("reports:report_download", args=[report.pk, "doc"])).status_code == 404
    )


def test_report_files_are_not_public(report, client):
    assert client.get("/media/" + report.xlsx.name).status_code == 404
    response = client.get(reverse("reports:report_download", args=[report.pk, "pdf"]))
    assert response.status_code == 302


def test_report_request_is_post_only(client_for, province_official):
    client = client_for(province_official)
    assert client.get(reverse("reports:report_request")).status_code == 405


@time_machine.travel(MONDAY, tick=False)
def test_report_request_button_builds_the_report(known, client_for, province_official):
    client = client_for(province_official)
    response = client.post(
        reverse("reports:report_request"),
        {"period_start": "2021-10-04", "period_end": "2021-10-10"},
    )
    report = ProgressReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:report_detail", args=[report.pk])
    status = client.get(reverse("reports:report_status", args=[report.pk])).json()
    assert status == {
        "status": "done",
        "status_label": "Hoàn tất",
        "progress": 100,
        "finished": True,
        "waits_for_broker": False,
    }


@time_machine.travel(MONDAY, tick=False)
def test_report_request_with_broker_down(known, client_for, province_official):
    client = client_for(province_official)
    with mock.patch(
        "reports.tasks.build_progress_report.apply_async", side_effect=OperationalError("down")
    ):
        response = client.post(
            reverse("reports:report_request"),
            {"period_start": "2021-10-04", "period_end": "2021-10-10"},
            follow=True,
        )
        assert response.status_code == 200
        content = response.content.decode()
        assert "tạm thời không kết nối được" in content
        assert 'data-job-status="' in content  # the page keeps polling
        # Pages keep working while the broker is down.
        assert client.get(reverse("reports:report_list")).status_code == 200
        assert client.get(DASHBOARD).status_code == 200
    report = ProgressReport.objects.get()
    assert report.status == ProgressReport.Status.PENDING
    # The broker is back: opening the pages changes nothing, the periodic sweep sends it.
    client.get(reverse("reports:report_list"))
    client.get(reverse("reports:report_detail", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.PENDING
    assert sweep()["reports.progress_reports"] == 1
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.DONE


WRITES = ("INSERT", "UPDATE", "DELETE")


def _writes(queries):
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


@time_machine.travel(MONDAY, tick=False)
@pytest.mark.parametrize("page", ["reports:report_list", "reports:report_detail"])
def test_report_pages_write_nothing_on_get(known, client_for, province_official, page):
    """Waiting reports are the sweep's work: a GET neither re-queues nor builds them."""
    client = client_for(province_official)
    with mock.patch(
        "reports.tasks.build_progress_report.apply_async", side_effect=OperationalError("down")
    ):
        for day in (4, 11, 18):
            services.request_report(
                requested_by=province_official,
                period_start=dt.date(2021, 9, day),
                period_end=dt.date(2021, 9, day + 6),
            )
    waiting = ProgressReport.objects.order_by("pk")
    assert [r.waits_for_broker for r in waiting] == [True, True, True]
    args = [waiting[0].pk] if page == "reports:report_detail" else []
    client.get(reverse(page, args=args))  # the session and login bookkeeping settle first
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(page, args=args))
    assert response.status_code == 200
    assert _writes(ctx.captured_queries) == []
    assert ProgressReport.objects.filter(status=ProgressReport.Status.PENDING).count() == 3
    assert sweep()["reports.progress_reports"] == 3
    assert ProgressReport.objects.filter(status=ProgressReport.Status.DONE).count() == 3


def test_report_request_rejects_bad_period(client_for, province_official):
    response = client_for(province_official).post(
        reverse("reports:report_request"),
        {"period_start": "2021-10-10", "period_end": "2021-10-01"},
    )
    assert response.status_code == 400
    assert not ProgressReport.objects.exists()


def test_report_detail_shows_history(report, client_for, province_official):
    response = client_for(province_official).get(reverse("reports:report_detail", args=[report.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Lập báo cáo tiến độ" in content
    assert "Tài trợ bằng tiền: cam kết 15.000.000 đ, đã nhận 9.000.000 đ." in content


# --- outreach ----------------------------------------------------------------------------


def test_outreach_list_is_scoped(client_for, district_officer, school, far_school, district):
    own = OutreachFactory(school=school, title="Tân Tiến phát động")
    OutreachFactory(district=district, title="Phòng phát thanh")
    OutreachFactory(school=far_school, title="Nàn Sán đăng bài")
    response = client_for(district_officer).get(reverse("reports:outreach_list"))
    assert response.status_code == 200
    titles = [a.title for a in response.context["page"]]
    assert sorted(titles) == ["Phòng phát thanh", own.title]


def test_outreach_create_edit_delete(client_for, school_staff, school):
    client = client_for(school_staff)
    response = client.post(
        reverse("reports:outreach_create"),
        {"held_on": "2021-09-15", "channel": "event", "title": "Lễ phát động", "link": ""},
    )
    assert response.status_code == 302
    activity = OutreachActivity.objects.get()
    assert activity.school == school
    edit = reverse("reports:outreach_edit", args=[activity.pk])
    assert client.get(edit).status_code == 200
    client.post(edit, {"held_on": "2021-09-16", "channel": "event", "title": "Lễ phát động mới"})
    activity.refresh_from_db()
    assert activity.title == "Lễ phát động mới"
    delete = reverse("reports:outreach_delete", args=[activity.pk])
    assert client.get(delete).status_code == 405
    assert client.post(delete).status_code == 302
    assert not OutreachActivity.objects.exists()


def test_outreach_of_another_unit_is_404(
    client_for, school_staff, district_officer, far_school, school
):
    far = OutreachFactory(school=far_school)
    mine = OutreachFactory(school=school)
    client = client_for(school_staff)
    assert client.get(reverse("reports:outreach_edit", args=[far.pk])).status_code == 404
    assert client.post(reverse("reports:outreach_delete", args=[far.pk])).status_code == 404
    # The district sees its school's activity but does not edit the school's log.
    officer = client_for(district_officer)
    assert officer.get(reverse("reports:outreach_edit", args=[mine.pk])).status_code == 404


def test_outreach_export_neutralises_formulas(client_for, school_staff, school):
    OutreachFactory(school=school, title='=HYPERLINK("http://evil","x")')
    response = export_via_worker(
        client_for(school_staff),
        reverse("reports:outreach_list"),
        {"export": "xlsx"},
        key="reports.outreach",
    )
    rows = list(workbook(response).active.iter_rows(values_only=True))
    cell = next(v for r in rows for v in r if isinstance(v, str) and "HYPERLINK" in v)
    assert cell.startswith("'=")


@pytest.mark.parametrize("n", [2, 12])
def test_outreach_list_query_count(
    client_for, school_staff, school, n, django_assert_max_num_queries
):
    for _ in range(n):
        OutreachFactory(school=school)
    client = client_for(school_staff)
    # session, user, count, page, unread notifications
    with django_assert_max_num_queries(5):
        assert client.get(reverse("reports:outreach_list")).status_code == 200
