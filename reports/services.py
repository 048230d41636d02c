"""Writes for reports: progress reports (generate, request, e-mail) and the outreach log."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import diff, record_audit, snapshot
from kernel.exporters import XLSX_CONTENT_TYPE
from reports import completeness, documents, rules, selectors
from reports.models import OutreachActivity, ProgressReport
from schools import grouping
from schools.models import Office, Province, first_province_id
from schools.provinces import province_with_predecessors

logger = logging.getLogger(__name__)
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NUMBER_SUFFIX = "BC-SGDĐT"
# A report left RUNNING longer than this (worker killed) may be taken over.
STALE_RUNNING = dt.timedelta(minutes=40)


class BrokerUnavailable(Exception):
    """The task queue could not be reached; the work stays recorded and runs later."""


# --- periods and numbers -----------------------------------------------------------------


def previous_week(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """Monday–Sunday of the week before ``today`` (Vietnam time)."""
    today = today or timezone.now().astimezone(VN_TZ).date()
    end = today - dt.timedelta(days=today.weekday() + 1)
    return end - dt.timedelta(days=6), end


def week_ending(period_end: dt.date) -> tuple[dt.date, dt.date]:
    return period_end - dt.timedelta(days=6), period_end


def _local_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=VN_TZ)


def _next_seq(province_id: int, year: int) -> int:
    """The next free place in the province's sequence of ``year`` (each Sở numbers its own
    reports; the unique constraint settles races)."""
    numbered = ProgressReport.objects.in_province(province_id).filter(number_year=year)
    top = numbered.aggregate(m=Max("number_seq"))["m"]
    return (top or 0) + 1


def format_number(seq: int) -> str:
    """``3`` -> ``"03/BC-SGDĐT"``: the report's number as printed after "Số:"."""
    return f"{seq:02d}/{NUMBER_SUFFIX}"


def _report_province(requested_by: User | None, province_id: int | None) -> int:
    """The province a report is made for: given, else the requester's, else the first."""
    province_id = province_id or (requested_by.scope.province_id if requested_by else None)
    province_id = province_id or first_province_id()
    if province_id is None:
        raise ValueError("no province to report on")
    return province_id


def _get_or_create(
    period_start: dt.date,
    period_end: dt.date,
    requested_by: User | None,
    province_id: int | None = None,
) -> tuple[ProgressReport, bool]:
    """The province's report row of the period, created once (the unique constraint
    settles races)."""
    if period_end < period_start:
        raise ValueError("period_end before period_start")
    province_id = _report_province(requested_by, province_id)
    period = {"province_id": province_id, "period_start": period_start, "period_end": period_end}
    existing = ProgressReport.objects.filter(**period).first()
    if existing:
        return existing, False
    # Numbered in the sequence of the year it is issued, once; a report registered at the
    # same moment by another worker takes the next place (or is this very period).
    year = timezone.now().astimezone(VN_TZ).year
    for _attempt in range(5):
        seq = _next_seq(province_id, year)
        try:
            with transaction.atomic():
                report = ProgressReport.objects.create(
                    **period,
                    number=format_number(seq),
                    number_year=year,
                    number_seq=seq,
                    requested_by=requested_by,
                )
            break
        except IntegrityError:
            if (found := ProgressReport.objects.filter(**period).first()) is not None:
                return found, False
    else:
        raise RuntimeError("no free report number after 5 attempts")
    record_audit(
        actor=requested_by,
        action="report.create",
        obj=report,
        changes={"period": [None, f"{period_start:%d/%m/%Y}–{period_end:%d/%m/%Y}"]},
    )
    return report, True


def generate_weekly_reports(period_start: dt.date, period_end: dt.date) -> list[int]:
    """The week's report of every province (by code): their ids."""
    provinces = Province.objects.order_by("code").values_list("pk", flat=True)
    return [generate_report(period_start, period_end, province_id=pk).pk for pk in list(provinces)]


# --- figures -----------------------------------------------------------------------------


def compute_figures(report: ProgressReport) -> dict[str, Any]:
    """Figures per district as of the period's end, changes since the previous report,
    completeness, outreach.

    Every figure is as it stood at the end of ``period_end`` (Vietnam time), from dated
    events and the coverage state history, so a report rebuilt later for the same
    period gives the same figures.
    """
    province_id = report.province_id
    # A 2025 province's figures take in the records of the provinces that went into it.
    ids = province_with_predecessors(province_id) if province_id else None
    # Tabled by the units in force on the period's last day: the districts (and their
    # Phòng GD&ĐT) before 1 July 2025, the communes (and their People's Committees) since.
    board = selectors.build_dashboard(
        level=selectors.Level.PROVINCE,
        as_of=report.period_end,
        province_id=ids,
        grouping=grouping.CURRENT,
    )
    previous = (
        ProgressReport.objects.in_province(province_id)
        .filter(status=ProgressReport.Status.DONE, period_end__lt=report.period_end)
        .exclude(pk=report.pk)
        .order_by("-period_end")
        .first()
    )
    # Completeness window: from the day after the previous report's period (or this
    # period's start when there is none) to the end of this period's last day.
    since_day = previous.period_end + dt.timedelta(days=1) if previous else report.period_start
    until = _local_start(report.period_end + dt.timedelta(days=1))
    since = min(_local_start(since_day), _local_start(report.period_start))
    districts = [row.as_dict() for row in board.rows]
    _name_bodies(districts, board.grouping, report.period_end)
    changes: dict[str, dict[str, int]] = {}
    # Rows of another grouping (the last report before the reform) are other units.
    if previous and previous.figures.get("grouping", grouping.OLD) == board.grouping:
        before = {d["code"]: d for d in previous.figures.get("districts", [])}
        for d in districts:
            old = before.get(d["code"], {})
            changes[d["code"]] = {key: d[key] - old.get(key, 0) for key in selectors.COUNT_FIELDS}
    outreach = _outreach(report, ids, board)
    return {
        "grouping": board.grouping,
        "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(),
        "categories": [{"id": c.pk, "code": c.code, "name": c.name} for c in board.categories],
        "districts": districts,
        "totals": board.totals.as_dict(),
        "donations": {"pledged": board.pledged or 0, "received": board.received or 0},
        "previous": {
            "id": previous.pk,
            "number": previous.number,
            "period_end": previous.period_end.isoformat(),
        }
        if previous
        else None,
        "changes": changes,
        "completeness": completeness.completeness(since, until, province_id=ids),
        "outreach": outreach,
    }


def _outreach(report: ProgressReport, ids: Any, board: selectors.Dashboard) -> dict[str, Any]:
    """The period's outreach per row: per district, or per commune of today gathered from
    the schools' activities."""
    outreach = completeness.outreach_counts(report.period_start, report.period_end, province_id=ids)
    outreach["channel_labels"] = {
        value: str(label) for value, label in OutreachActivity.Channel.choices
    }
    if board.grouping == grouping.CURRENT:
        outreach["by_commune"] = _fold_outreach(outreach.pop("by_school"), board.school_rows)
    else:
        outreach.pop("by_school")
    return outreach


def _name_bodies(rows: list[dict[str, Any]], choice: str, day: dt.date) -> None:
    """Each row's body as it was on ``day`` (``schools.Office``, one query): the Phòng
    GD&ĐT of a district, the People's Committee of a commune; none recorded, none named."""
    ids = [r["id"] for r in rows if r["id"] is not None]
    if choice == grouping.CURRENT:
        offices = Office.objects.filter(kind=Office.Kind.COMMUNE_COMMITTEE, commune_id__in=ids)
        unit = "commune_id"
    else:
        offices = Office.objects.filter(kind=Office.Kind.DISTRICT_OFFICE, district_id__in=ids)
        unit = "district_id"
    names = {getattr(o, unit): o.name for o in offices if o.in_force_on(day)}
    for row in rows:
        if row["id"] in names:
            row["body"] = names[row["id"]]


def _fold_outreach(
    by_school: dict[str, dict[str, int]], school_rows: dict[int, int | None]
) -> dict[str, dict[str, int]]:
    """Outreach counts per school gathered into the rows of today's communes."""
    folded: dict[str, dict[str, int]] = {}
    for school_id, counts in by_school.items():
        key = str(school_rows.get(int(school_id)))
        into = folded.setdefault(key, {"total": 0, "period": 0})
        into["total"] += counts["total"]
        into["period"] += counts["period"]
    return folded


def _set_progress(report: ProgressReport, percent: int) -> None:
    report.progress = percent
    ProgressReport.objects.filter(pk=report.pk).update(progress=percent)


def _claim(report: ProgressReport) -> bool:
    """Mark the report RUNNING unless it is done or another worker is on it."""
    now = timezone.now()
    claimable = ProgressReport.objects.filter(pk=report.pk).exclude(
        status=ProgressReport.Status.DONE
    )
    fresh_run = {"status": ProgressReport.Status.RUNNING, "started_at__gt": now - STALE_RUNNING}
    claimed = (
        claimable.exclude(**fresh_run).update(
            status=ProgressReport.Status.RUNNING, started_at=now, progress=5, error=""
        )
        == 1
    )
    report.refresh_from_db()
    return claimed


def generate_report(
    period_start: dt.date,
    period_end: dt.date,
    requested_by: User | None = None,
    *,
    province_id: int | None = None,
) -> ProgressReport:
    """Produce a province's progress report of a period; idempotent.

    The province is ``province_id``, else the requester's, else the first by code.
    The same province and period always give the same row (unique constraint): a finished
    report is returned as is, a failed or pending one is (re)generated in place,
    one being generated by another worker is left alone. The XLSX and PDF are
    stored on the report and e-mailed once to ``settings.REPORT_RECIPIENTS``.
    """
    report, _created = _get_or_create(period_start, period_end, requested_by, province_id)
    return generate_existing_report(report_id=report.pk)


def generate_existing_report(*, report_id: int) -> ProgressReport:
    """Generate one report row (see ``generate_report``)."""
    report = ProgressReport.objects.get(pk=report_id)
    if not _claim(report):
        if report.status == ProgressReport.Status.DONE:
            # A retry after a failed e-mail: the files exist, only the e-mail is missing.
            email_report(report_id=report.pk)
        return report
    try:
        figures = compute_figures(report)
        _set_progress(report, 40)
        issued_on = timezone.now().astimezone(VN_TZ).date()
        xlsx = documents.build_xlsx(figures, number=report.number, issued_on=issued_on)
        _set_progress(report, 60)
        pdf = documents.build_pdf(figures, number=report.number, issued_on=issued_on)
        _set_progress(report, 80)
        with transaction.atomic():
            report = ProgressReport.objects.select_for_update().get(pk=report.pk)
            _replace_file(report, "xlsx", xlsx)
            _replace_file(report, "pdf", pdf)
            report.figures = figures
            report.status = ProgressReport.Status.DONE
            report.progress = 100
            report.generated_at = timezone.now()
            report.error = ""
            report.save()
            record_audit(
                actor=None, action="report.generate", obj=report, changes={"status": [None, "done"]}
            )
    except Exception as exc:
        ProgressReport.objects.filter(pk=report.pk).update(
            status=ProgressReport.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    email_report(report_id=report.pk)
    return report


def _file_stem(report: ProgressReport) -> str:
    return f"bao-cao-tien-do-{report.period_start:%Y%m%d}-{report.period_end:%Y%m%d}"


def _replace_file(report: ProgressReport, field_name: str, content: bytes) -> None:
    """Write the file under a fixed name, replacing any earlier attempt's file."""
    field = getattr(report, field_name)
    if field:
        field.storage.delete(field.name)
    name = f"{_file_stem(report)}.{field_name}"
    if field.storage.exists(f"reports/{name}"):
        field.storage.delete(f"reports/{name}")
    field.save(name, ContentFile(content), save=False)


def email_report(*, report_id: int) -> bool:
    """E-mail a finished report with both files, once; True when sent now."""
    recipients = list(getattr(settings, "REPORT_RECIPIENTS", []) or [])
    report = ProgressReport.objects.get(pk=report_id)
    if not recipients or report.emailed_at or report.status != ProgressReport.Status.DONE:
        return False
    message = EmailMessage(
        subject=_("[Sóng và máy tính cho em] Báo cáo tiến độ số %(number)s")
        % {"number": report.number},
        body=_(
            "Kính gửi Quý cơ quan,\n\nSở GD&ĐT gửi báo cáo tiến độ số %(number)s "
            "(từ ngày %(start)s đến ngày %(end)s).\n"
            "Báo cáo gồm tệp Excel và tệp PDF đính kèm.\n"
        )
        % {
            "number": report.number,
            "start": f"{report.period_start:%d/%m/%Y}",
            "end": f"{report.period_end:%d/%m/%Y}",
        },
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    stem = _file_stem(report)
    with report.xlsx.open("rb") as fh:
        message.attach(f"{stem}.xlsx", fh.read(), XLSX_CONTENT_TYPE)
    with report.pdf.open("rb") as fh:
        message.attach(f"{stem}.pdf", fh.read(), "application/pdf")
    message.send()
    ProgressReport.objects.filter(pk=report.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    return True


# --- on demand, with a broker that may be down --------------------------------------------


def request_report(
    *, requested_by: User, period_start: dt.date, period_end: dt.date
) -> tuple[ProgressReport, bool]:
    """Record a report request and enqueue it; (report, enqueued).

    When the broker is unreachable the row stays PENDING without ``enqueued_at``;
    ``process_pending_reports`` (beat) or the next page view enqueues it again.
    """
    if not rules.may_read_progress_reports(requested_by):
        raise Http404
    report, created = _get_or_create(period_start, period_end, requested_by)
    if report.status == ProgressReport.Status.FAILED:
        with transaction.atomic():
            ProgressReport.objects.filter(pk=report.pk).update(
                status=ProgressReport.Status.PENDING, progress=0, enqueued_at=None
            )
            record_audit(
                actor=requested_by,
                action="report.retry",
                obj=report,
                changes={"status": ["failed", "pending"]},
            )
        report.refresh_from_db()
    if report.status != ProgressReport.Status.PENDING:
        return report, True
    return report, enqueue_report(report_id=report.pk)


def enqueue_report(*, report_id: int) -> bool:
    """Send the build task to the broker; False (and logged) when the broker is down."""
    from reports.tasks import build_progress_report
    from taskqueue.services import enqueue_safely

    if enqueue_safely(build_progress_report, report_id) is None:
        ProgressReport.objects.filter(pk=report_id).update(enqueued_at=None)
        return False
    ProgressReport.objects.filter(pk=report_id, status=ProgressReport.Status.PENDING).update(
        enqueued_at=timezone.now()
    )
    return True


def requeue_waiting_reports() -> int:
    """Enqueue again the reports requested while the broker was down; how many were sent."""
    sent = 0
    waiting = ProgressReport.objects.filter(
        status=ProgressReport.Status.PENDING, enqueued_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(waiting):
        if not enqueue_report(report_id=pk):
            break
        sent += 1
    return sent


def sweep_reports(now: dt.datetime) -> int:
    """The task-queue sweep's part: re-send waiting reports, fail those whose task is gone."""
    from reports.tasks import build_progress_report
    from taskqueue.services import stale_before

    lost = ProgressReport.objects.filter(
        status=ProgressReport.Status.RUNNING,
        started_at__lt=stale_before(build_progress_report, now),
    ).update(
        status=ProgressReport.Status.FAILED,
        error=_(
            "Việc lập báo cáo bị gián đoạn (máy chủ xử lý dừng hoặc quá thời gian); "
            "hãy bấm lập lại báo cáo."
        ),
    )
    if lost:
        logger.warning("%s progress report(s) ended by the sweep: their task is gone", lost)
    return lost + requeue_waiting_reports()


# --- outreach ------------------------------------------------------------------------------

OUTREACH_FIELDS = ("held_on", "channel", "title", "link")


def _own_unit(user: User) -> dict[str, Any]:
    scope = user.scope
    if scope.is_school:
        return {"school_id": scope.school_id, "district_id": None}
    if scope.is_district:
        return {"school_id": None, "district_id": scope.district_id}
    if scope.is_provincial:
        return {"school_id": None, "district_id": None}
    raise Http404


def can_edit_outreach(user: User, activity: OutreachActivity) -> bool:
    """Each unit keeps its own log: ``reports.rules.may_edit_outreach``."""
    return rules.may_edit_outreach(user, activity)


@transaction.atomic
def create_outreach_activity(
    *, actor: User, held_on: dt.date, channel: str, title: str, link: str = ""
) -> OutreachActivity:
    """Log an outreach activity for the actor's own unit."""
    if not actor.can("can_view_reports"):
        raise Http404
    activity = OutreachActivity.objects.create(
        **_own_unit(actor),
        held_on=held_on,
        channel=channel,
        title=title,
        link=link,
        created_by=actor,
    )
    record_audit(
        actor=actor,
        action="outreach.create",
        obj=activity,
        changes=diff({}, snapshot(activity, OUTREACH_FIELDS)),
        school_id=activity.school_id,
        district_id=activity.district_id or actor.scope.district_id,
    )
    return activity


@transaction.atomic
def update_outreach_activity(
    *, actor: User, activity: OutreachActivity, data: dict[str, Any]
) -> OutreachActivity:
    if not can_edit_outreach(actor, activity):
        raise Http404
    before = snapshot(activity, OUTREACH_FIELDS)
    for name in OUTREACH_FIELDS:
        if name in data:
            setattr(activity, name, data[name])
    activity.save()
    changes = diff(before, snapshot(activity, OUTREACH_FIELDS))
    if changes:
        record_audit(
            actor=actor,
            action="outreach.update",
            obj=activity,
            changes=changes,
            school_id=activity.school_id,
            district_id=activity.district_id or actor.scope.district_id,
        )
    return activity


@transaction.atomic
def delete_outreach_activity(*, actor: User, activity: OutreachActivity) -> None:
    if not can_edit_outreach(actor, activity):
        raise Http404
    record_audit(
        actor=actor,
        action="outreach.delete",
        obj=activity,
        changes=diff(snapshot(activity, OUTREACH_FIELDS), {}),
        school_id=activity.school_id,
        district_id=activity.district_id or actor.scope.district_id,
    )
    activity.delete()
