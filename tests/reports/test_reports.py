import datetime as dt
import io
from unittest import mock
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.core import mail
from kombu.exceptions import OperationalError
from pypdf import PdfReader

from accounts.models import AuditEvent
from reports import services, tasks
from reports.models import OutreachActivity, ProgressReport
from students.models import Student
from tests.reports.factories import OutreachFactory

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = dt.datetime(2021, 10, 11, 7, 0, tzinfo=VN)  # the weekly run after Sun 10/10/2021


@pytest.fixture
def recipients(settings):
    settings.REPORT_RECIPIENTS = ["vanphong@sogd.example.vn", "ubnd@example.vn"]


def xlsx_of(report):
    with report.xlsx.open("rb") as fh:
        return openpyxl.load_workbook(io.BytesIO(fh.read()))


def pdf_text(report):
    with report.pdf.open("rb") as fh:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(fh.read())).pages)


def test_previous_week_is_monday_to_sunday():
    assert services.previous_week(dt.date(2021, 10, 11)) == (
        dt.date(2021, 10, 4),
        dt.date(2021, 10, 10),
    )
    assert services.previous_week(dt.date(2021, 10, 14)) == (
        dt.date(2021, 10, 4),
        dt.date(2021, 10, 10),
    )


@time_machine.travel(MONDAY, tick=False)
def test_scheduled_task_twice_gives_one_report(known, recipients):
    first = tasks.generate_progress_report.delay().get()
    second = tasks.generate_progress_report.delay().get()
    assert first == second
    assert ProgressReport.objects.count() == 1
    report = ProgressReport.objects.get()
    assert (report.period_start, report.period_end) == (dt.date(2021, 10, 4), dt.date(2021, 10, 10))
    assert report.status == ProgressReport.Status.DONE
    assert report.number == "01/BC-SGDĐT"
    # E-mailed once, with both files.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["vanphong@sogd.example.vn", "ubnd@example.vn"]
    assert "01/BC-SGDĐT" in message.subject
    assert sorted(name.rsplit(".", 1)[1] for name, _c, _t in message.attachments) == ["pdf", "xlsx"]


@time_machine.travel(MONDAY, tick=False)
def test_report_figures_are_exact(known):
    report = services.generate_report(dt.date(2021, 10, 4), dt.date(2021, 10, 10))
    figures = report.figures
    d87 = next(d for d in figures["districts"] if d["code"] == "87")
    assert (d87["needy"], d87["proposed"], d87["approved"], d87["handed_over"]) == (6, 5, 3, 1)
    # As of 10/10/2021: other_school (created today by its fixture) had no point yet.
    assert (d87["data_active"], d87["coverage_covered"], d87["coverage_total"]) == (1, 1, 3)
    assert figures["totals"]["needy"] == 7
    assert figures["donations"] == {"pledged": 15_000_000, "received": 9_000_000}
    assert figures["previous"] is None


@time_machine.travel(MONDAY, tick=False)
def test_report_xlsx_in_official_form(known):
    report = services.generate_report(dt.date(2021, 10, 4), dt.date(2021, 10, 10))
    wb = xlsx_of(report)
    assert wb.sheetnames == ["Báo cáo", "Thay đổi", "Chưa cập nhật", "Tuyên truyền"]
    ws = wb["Báo cáo"]
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert "UBND TỈNH LÀO CAI" in cells
    assert "SỞ GIÁO DỤC VÀ ĐÀO TẠO" in cells
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells
    assert "Độc lập - Tự do - Hạnh phúc" in cells
    assert "Số: 01/BC-SGDĐT" in cells
    assert any(c.startswith("BÁO CÁO TIẾN ĐỘ") for c in cells)
    assert "(Từ ngày 04/10/2021 đến ngày 10/10/2021)" in cells
    assert "NGƯỜI LẬP BIỂU" in cells
    rows = {
        r[1]: r
        for r in ws.iter_rows(values_only=True)
        if r[1] in ("Huyện Bảo Yên", "Huyện Si Ma Cai", "Tổng cộng")
    }
    # STT, name, needy, approved pupils, proposed, approved lines, handed over, data,
    # covered, points, outreach
    assert rows["Huyện Bảo Yên"][2:10] == (6, 3, 5, 3, 1, 1, 1, 3)
    assert rows["Huyện Si Ma Cai"][2:10] == (1, 1, 1, 1, 1, 0, 0, 1)
    assert rows["Tổng cộng"][2:10] == (7, 4, 6, 4, 2, 1, 1, 4)


@time_machine.travel(MONDAY, tick=False)
def test_report_pdf_reads_back(known):
    report = services.generate_report(dt.date(2021, 10, 4), dt.date(2021, 10, 10))
    text = pdf_text(report)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Số: 01/BC-SGDĐT" in text
    assert "BÁO CÁO TIẾN ĐỘ" in text
    assert "Huyện Bảo Yên" in text and "Tổng cộng" in text
    assert "NGƯỜI LẬP BIỂU" in text


def test_second_report_shows_changes_and_completeness(known, school, far_school, categories):
    with time_machine.travel(MONDAY, tick=False):
        first = services.generate_report(dt.date(2021, 10, 4), dt.date(2021, 10, 10))
    # During the next week only the far school changes data: one more needy pupil.
    with time_machine.travel(dt.datetime(2021, 10, 13, 9, 0, tzinfo=VN), tick=False):
        from tests.reports.conftest import pupil

        pupil(far_school, categories.poor)
        OutreachFactory(held_on=dt.date(2021, 10, 12), school=school, channel="press")
    with time_machine.travel(dt.datetime(2021, 10, 18, 7, 0, tzinfo=VN), tick=False):
        second = services.generate_report(dt.date(2021, 10, 11), dt.date(2021, 10, 17))
    figures = second.figures
    assert second.number == "02/BC-SGDĐT"
    assert figures["previous"]["number"] == first.number
    assert figures["changes"]["84"]["needy"] == 1
    assert figures["changes"]["87"]["needy"] == 0
    c = figures["completeness"]
    assert [s["code"] for s in c["schools"]] == [school.code, "08700003"]
    assert [d["code"] for d in c["districts"]] == ["87"]
    assert (c["schools_updated"], c["schools_total"]) == (1, 3)
    assert figures["outreach"]["period"] == 1
    assert figures["outreach"]["by_district"][str(school.district_id)]["period"] == 1
    wb = xlsx_of(second)
    comp = [r[0] for r in wb["Chưa cập nhật"].iter_rows(values_only=True)]
    assert "Huyện Bảo Yên" in comp
    changes = {r[0]: r for r in wb["Thay đổi"].iter_rows(values_only=True)}
    assert changes["Huyện Si Ma Cai"][1] == 1
    assert wb["Thay đổi"]["B3"].number_format.startswith("+")
    assert "+1" in pdf_text(second)


def test_school_with_audit_event_counts_as_updated(known, school, school_staff):
    with time_machine.travel(dt.datetime(2021, 10, 6, 9, 0, tzinfo=VN), tick=False):
        Student.objects.update(updated_at=dt.datetime(2021, 9, 1, tzinfo=VN))
        services.create_outreach_activity(
            actor=school_staff, held_on=dt.date(2021, 10, 6), channel="event", title="Lễ phát động"
        )
    with time_machine.travel(MONDAY, tick=False):
        report = services.generate_report(dt.date(2021, 10, 4), dt.date(2021, 10, 10))
    stale = [s["code"] for s in report.figures["completeness"]["schools"]]
    assert school.code not in stale


@time_machine.travel(MONDAY, tick=False)
def test_failed_report_is_regenerated_in_place(known):
    with (
        mock.patch("reports.documents.build_pdf", side_effect=RuntimeError("font")),
        pytest.raises(RuntimeError),
    ):
        services.generate_report(dt.date(2021, 10, 4), dt.date(2021, 10, 10))
    report = ProgressReport.objects.get()
    assert report.status == ProgressReport.Status.FAILED
    assert "font" in report.error
    again = services.generate_report(dt.date(2021, 10, 4), dt.date(2021, 10, 10))
    assert again.pk == report.pk
    assert again.status == ProgressReport.Status.DONE
    assert again.xlsx.name.endswith("bao-cao-tien-do-20211004-20211010.xlsx")
    assert ProgressReport.objects.count() == 1


@time_machine.travel(MONDAY, tick=False)
def test_running_report_is_left_to_its_worker(known):
    report = ProgressReport.objects.create(
        period_start=dt.date(2021, 10, 4),
        period_end=dt.date(2021, 10, 10),
        number="01/BC-SGDĐT",
        status=ProgressReport.Status.RUNNING,
        started_at=MONDAY,
    )
    result = services.generate_report(dt.date(2021, 10, 4), dt.date(2021, 10, 10))
    assert result.pk == report.pk
    assert result.status == ProgressReport.Status.RUNNING


def test_task_has_time_limit_and_retries():
    for task in (tasks.generate_progress_report, tasks.build_progress_report):
        assert task.time_limit and task.soft_time_limit
        assert OSError in task.autoretry_for
        assert task.max_retries >= 3


@time_machine.travel(MONDAY, tick=False)
def test_request_with_broker_down_stays_pending_then_runs(known, province_official):
    with mock.patch(
        "reports.tasks.build_progress_report.apply_async",
        side_effect=OperationalError("redis down"),
    ):
        report, enqueued = services.request_report(
            requested_by=province_official,
            period_start=dt.date(2021, 10, 1),
            period_end=dt.date(2021, 10, 10),
        )
    assert enqueued is False
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.PENDING
    assert report.waits_for_broker
    # The broker is back: the beat sweep builds it.
    assert tasks.process_pending_reports.delay().get() == 1
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.DONE


@time_machine.travel(MONDAY, tick=False)
def test_request_report_enqueues_and_is_idempotent(known, province_official):
    report, enqueued = services.request_report(
        requested_by=province_official,
        period_start=dt.date(2021, 10, 4),
        period_end=dt.date(2021, 10, 10),
    )
    assert enqueued
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.DONE  # eager Celery in tests
    assert report.requested_by == province_official
    again, _ = services.request_report(
        requested_by=province_official,
        period_start=dt.date(2021, 10, 4),
        period_end=dt.date(2021, 10, 10),
    )
    assert again.pk == report.pk
    assert AuditEvent.objects.filter(action="report.create").count() == 1


def test_only_provincial_users_request_reports(known, district_officer):
    from django.http import Http404

    with pytest.raises(Http404):
        services.request_report(
            requested_by=district_officer,
            period_start=dt.date(2021, 10, 4),
            period_end=dt.date(2021, 10, 10),
        )


def test_outreach_services_audit_and_own_unit(school_staff, district_officer, school):
    activity = services.create_outreach_activity(
        actor=school_staff, held_on=dt.date(2021, 9, 12), channel="website", title="Bài đăng"
    )
    assert (activity.school_id, activity.district_id) == (school.pk, None)
    services.update_outreach_activity(
        actor=school_staff, activity=activity, data={"title": "Bài mới"}
    )
    event = AuditEvent.objects.filter(action="outreach.update").get()
    assert event.changes == {"title": ["Bài đăng", "Bài mới"]}
    from django.http import Http404

    with pytest.raises(Http404):
        services.delete_outreach_activity(actor=district_officer, activity=activity)
    services.delete_outreach_activity(actor=school_staff, activity=activity)
    assert not OutreachActivity.objects.exists()


def test_schedule_migration_created_the_weekly_task():
    from django_celery_beat.models import PeriodicTask

    weekly = PeriodicTask.objects.get(task="reports.tasks.generate_progress_report")
    assert (weekly.crontab.hour, weekly.crontab.minute, weekly.crontab.day_of_week) == (
        "7",
        "0",
        "1",
    )
    assert str(weekly.crontab.timezone) == "Asia/Ho_Chi_Minh"
    assert PeriodicTask.objects.filter(task="reports.tasks.process_pending_reports").exists()


def test_district_office_action_counts_for_its_district(known, district_officer, district):
    with time_machine.travel(dt.datetime(2021, 10, 6, 9, 0, tzinfo=VN), tick=False):
        Student.objects.update(updated_at=dt.datetime(2021, 9, 1, tzinfo=VN))
        services.create_outreach_activity(
            actor=district_officer, held_on=dt.date(2021, 10, 6), channel="press", title="Báo"
        )
    with time_machine.travel(MONDAY, tick=False):
        report = services.generate_report(dt.date(2021, 10, 4), dt.date(2021, 10, 10))
    c = report.figures["completeness"]
    assert [d["code"] for d in c["districts"]] == ["84"]
    assert c["schools_updated"] == 0


def test_sweep_fails_a_report_whose_worker_died(known, province_official):
    from django.utils import timezone

    from taskqueue.services import sweep

    report = ProgressReport.objects.create(
        period_start=dt.date(2021, 10, 1),
        period_end=dt.date(2021, 10, 7),
        status=ProgressReport.Status.RUNNING,
        started_at=timezone.now() - dt.timedelta(hours=2),
        enqueued_at=timezone.now() - dt.timedelta(hours=2),
    )
    sweep()
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.FAILED
    assert "bị gián đoạn" in report.error


def test_report_tasks_are_requeued_when_their_worker_dies():
    assert tasks.build_progress_report.reject_on_worker_lost is True
    assert tasks.generate_progress_report.reject_on_worker_lost is True
