"""Dashboards, progress reports and the outreach log; thin views over selectors and services."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import capability_required, get_for_user, own_province_ids, require
from accounts.http import AuthedRequest
from accounts.models import User
from accounts.selectors import history_for
from devices import readiness
from kernel.documents import format_vnd
from kernel.exporters import XLSX_CONTENT_TYPE, content_disposition
from kernel.exports import clean_params, export_button, export_response, get_export
from kernel.figures_cache import cached_figures
from kernel.sorting import Sorting
from reports import charts, documents, exports, rules, selectors, services
from reports.forms import OutreachForm, ReportPeriodForm
from reports.models import OutreachActivity, ProgressReport
from schools import grouping
from schools.grouping import PARAM


def _user(request: AuthedRequest) -> User:
    return request.user


def _require_provincial(user: User) -> None:
    require(rules.may_read_progress_reports(user))


# --- dashboard ------------------------------------------------------------------------------


@require_GET
@capability_required("can_view_reports")
def dashboard(request: AuthedRequest) -> HttpResponse:
    board = selectors.dashboard_for_user(_user(request), params=request.GET)
    export = request.GET.get("export")
    rows = exports.board_rows(board)
    if export == "figures":
        return export_response(request, key=exports.FIGURES, objects=rows, count=len(rows))
    if export == "categories":
        return export_response(request, key=exports.CATEGORIES, objects=rows, count=len(rows))
    rounds, years = selectors.filter_choices(_user(request))
    context: dict[str, Any] = {
        "board": board,
        "rounds": rounds,
        "years": years,
        "progress": selectors.progress_items(board),
        "category_rows": board.category_rows(),
        "query": urlencode(_keep(request, "district", "school", "xa", "round", "year", PARAM)),
        "filter_query": urlencode(_keep(request, "district", "school", "xa", PARAM)),
        "row_query": urlencode(_keep(request, "round", "year", PARAM)),
        "switch": _grouping_switch(request, board),
        "export_figures": export_button(
            request, key=exports.FIGURES, count=len(rows), name="figures"
        ),
        "export_categories": export_button(
            request, key=exports.CATEGORIES, count=len(rows), name="categories"
        ),
        **_charts(board),
        "pledged_vnd": format_vnd(board.pledged or 0),
        "received_vnd": format_vnd(board.received or 0),
        "readiness": _readiness(_user(request), board),
    }
    return render(request, "reports/dashboard.html", context)


def _grouping_switch(request: HttpRequest, board: selectors.Dashboard) -> dict[str, str] | None:
    """The link to the other grouping (today's units ↔ those of the time), when offered."""
    if not board.can_regroup:
        return None
    params = _keep(request, "round", "year")
    if board.grouping == grouping.CURRENT:
        params[PARAM] = grouping.OLD
        return {"url": "?" + urlencode(params), "label": _("Theo đơn vị hành chính cũ")}
    return {"url": "?" + urlencode(params), "label": _("Theo đơn vị hành chính hiện nay")}


def _readiness(user: User, board: selectors.Dashboard) -> readiness.ReadinessBoard:
    """Ready to learn online, for the dashboard's unit (``devices.readiness``)."""
    # The province with the provinces that went into it (a 2025 province's predecessors).
    province_id = own_province_ids(user) if board.level == selectors.Level.PROVINCE else None
    by_school = bool(board.school_rows) or board.level == selectors.Level.COMMUNE

    def compute() -> readiness.ReadinessBoard:
        if by_school:
            return selectors.readiness_by_school(board, province_id=province_id)
        return readiness.board(
            level=board.level, district=board.district, school=board.school, province_id=province_id
        )

    unit = (board.district, board.school, board.commune)
    return cached_figures(
        "readiness",
        (board.level, *(u.pk if u else None for u in unit), board.grouping, by_school)
        + (tuple(sorted(province_id or ())),),
        compute,
        version=board.data_version,
    )


def _charts(board: selectors.Dashboard) -> dict[str, str]:
    """The dashboard's three charts, drawn from the figures already on the board."""
    labels = [r.name for r in board.rows]
    # Village centres only have coverage points: they stay out of the support chart.
    pupils_rows = [r for r in board.rows if r.has_pupils]
    return {
        "support_chart": charts.bar_chart(
            [r.name for r in pupils_rows],
            [
                charts.Series(_("HS cần hỗ trợ"), [r.needy for r in pupils_rows], "#98a2b3"),
                charts.Series(
                    _("HS được duyệt hỗ trợ"), [r.approved_pupils for r in pupils_rows], "#2e6fbf"
                ),
                charts.Series(
                    _("Đã bàn giao thiết bị"), [r.handed_over for r in pupils_rows], "#1f7a4d"
                ),
                charts.Series(
                    _("Gói cước hoạt động"), [r.data_active for r in pupils_rows], "#e3a008"
                ),
            ],
            title=_("Hỗ trợ theo đơn vị"),
        ),
        "coverage_chart": charts.bar_chart(
            labels,
            [
                charts.Series(_("Tổng số điểm"), [r.coverage_total for r in board.rows], "#98a2b3"),
                charts.Series(
                    _("Đã phủ sóng"), [r.coverage_covered for r in board.rows], "#1f7a4d"
                ),
            ],
            title=_("Phủ sóng theo đơn vị"),
        ),
        "category_chart": charts.stacked_bar(
            [
                (c.name, n, charts.PALETTE[i % len(charts.PALETTE)])
                for i, (c, n) in enumerate(
                    zip(board.categories, board.category_totals(), strict=True)
                )
                if n
            ],
            title=_("Học sinh cần hỗ trợ theo diện hộ"),
        ),
    }


def _keep(request: HttpRequest, *names: str) -> dict[str, str]:
    return {n: request.GET[n] for n in names if request.GET.get(n)}


# --- progress reports (provincial users only) ------------------------------------------------


def _reports(user: User) -> QuerySet[ProgressReport]:
    """The reports of the user's own province."""
    return ProgressReport.objects.visible_to(user).select_related("requested_by")


REPORT_SORTS = {
    "so": ("number",),
    "ky": ("period_end", "period_start"),
    "trang_thai": ("status",),
    "lap_luc": ("generated_at",),
    "gui_email": ("emailed_at",),
    "nguoi_yeu_cau": ("requested_by__full_name", "requested_by__username"),
}
OUTREACH_SORTS = {
    "ngay": ("held_on",),
    "don_vi": ("district__name", "school__name"),
    "hinh_thuc": ("channel",),
    "noi_dung": ("title",),
}


def _without_page(request: AuthedRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@require_GET
@capability_required("can_view_reports")
def report_list(request: AuthedRequest) -> HttpResponse:
    user = _user(request)
    _require_provincial(user)
    # Reports requested while the broker was down are sent again by the task-queue sweep
    # (reports.services.sweep_reports), never by a page view: GET changes nothing.
    start, end = services.previous_week()
    form = ReportPeriodForm(initial={"period_start": start, "period_end": end})
    sorting = Sorting.from_params(request.GET, REPORT_SORTS, default=("-period_end", "-pk"))
    reports = sorting.apply(_reports(user).order_by("-period_end", "-pk"))
    page = Paginator(reports, 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "form": form,
        "sorting": sorting,
        "querystring": _without_page(request),
    }
    return render(request, "reports/report_list.html", context)


@require_POST
@capability_required("can_view_reports")
def report_request(request: AuthedRequest) -> HttpResponse:
    user = _user(request)
    _require_provincial(user)
    form = ReportPeriodForm(request.POST)
    if not form.is_valid():
        reports = _reports(user)
        page = Paginator(reports, 25).get_page(1)
        return render(request, "reports/report_list.html", {"page": page, "form": form}, status=400)
    report, enqueued = services.request_report(
        requested_by=user,
        period_start=form.cleaned_data["period_start"],
        period_end=form.cleaned_data["period_end"],
    )
    if not enqueued:
        messages.warning(request, BROKER_DOWN_MESSAGE)
    return redirect("reports:report_detail", pk=report.pk)


BROKER_DOWN_MESSAGE = _(
    "Hàng đợi tác vụ tạm thời không kết nối được. Yêu cầu đã được ghi lại và báo cáo "
    "sẽ được lập tự động khi hàng đợi hoạt động trở lại."
)


@require_GET
@capability_required("can_view_reports")
def report_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _user(request)
    _require_provincial(user)
    report = get_object_or_404(_reports(user), pk=pk)
    summary = documents.summary_lines(report.figures) if report.status == "done" else []
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "summary": summary,
            "history": history_for(report),
            "broker_message": BROKER_DOWN_MESSAGE,
        },
    )


@require_GET
@capability_required("can_view_reports")
def report_status(request: AuthedRequest, pk: int) -> JsonResponse:
    user = _user(request)
    _require_provincial(user)
    report = get_object_or_404(_reports(user), pk=pk)
    return JsonResponse(
        {
            "status": report.status,
            "status_label": report.get_status_display(),
            "progress": report.progress,
            "finished": report.is_finished,
            "waits_for_broker": report.waits_for_broker,
        }
    )


@require_GET
@capability_required("can_view_reports")
def report_download(request: AuthedRequest, pk: int, kind: str) -> FileResponse:
    """The stored files are never served publicly: only provincial users get them here."""
    user = _user(request)
    _require_provincial(user)
    report = get_object_or_404(_reports(user), pk=pk, status=ProgressReport.Status.DONE)
    if kind not in ("xlsx", "pdf"):
        raise Http404
    field = getattr(report, kind)
    if not field:
        raise Http404
    content_type = XLSX_CONTENT_TYPE if kind == "xlsx" else "application/pdf"
    response = FileResponse(field.open("rb"), content_type=content_type)
    name = f"Bao-cao-{report.number.replace('/', '-')}.{kind}"
    response["Content-Disposition"] = content_disposition(name)
    return response


# --- outreach log -----------------------------------------------------------------------------


@require_GET
@capability_required("can_view_reports")
def outreach_list(request: AuthedRequest) -> HttpResponse:
    user = _user(request)
    activities = selectors.outreach_list(user, request.GET)
    if request.GET.get("export") == "xlsx":
        return export_response(request, key="reports.outreach", objects=activities)
    sorting = Sorting.from_params(request.GET, OUTREACH_SORTS, default=("-held_on", "-pk"))
    page = Paginator(sorting.apply(activities), 30).get_page(request.GET.get("page"))
    query = clean_params(request.GET)
    editable = {a.pk for a in page if rules.may_edit_outreach(user, a)}
    return render(
        request,
        "reports/outreach_list.html",
        {
            "page": page,
            "editable": editable,
            "channels": OutreachActivity.Channel.choices,
            "channel": request.GET.get("channel", ""),
            "querystring": urlencode(query),
            "sorting": sorting,
            "background": get_export("reports.outreach").in_background(page.paginator.count),
            "params": query,
        },
    )


@capability_required("can_view_reports")
def outreach_create(request: AuthedRequest) -> HttpResponse:
    form = OutreachForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.create_outreach_activity(actor=_user(request), **form.cleaned_data)
        messages.success(request, _("Đã ghi hoạt động tuyên truyền."))
        return redirect("reports:outreach_list")
    return render(request, "reports/outreach_form.html", {"form": form})


@capability_required("can_view_reports")
def outreach_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _user(request)
    activity = get_for_user(OutreachActivity.objects.all(), user, pk=pk)
    if not rules.may_edit_outreach(user, activity):
        raise Http404
    # The form gets its own copy: validation writes into its instance, and the service
    # needs the unchanged one to record what changed.
    form = OutreachForm(request.POST or None, instance=OutreachActivity.objects.get(pk=activity.pk))
    if request.method == "POST" and form.is_valid():
        services.update_outreach_activity(actor=user, activity=activity, data=form.cleaned_data)
        messages.success(request, _("Đã cập nhật hoạt động tuyên truyền."))
        return redirect("reports:outreach_list")
    return render(
        request,
        "reports/outreach_form.html",
        {"form": form, "activity": activity, "history": history_for(activity)},
    )


@require_POST
@capability_required("can_view_reports")
def outreach_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _user(request)
    activity = get_for_user(OutreachActivity.objects.all(), user, pk=pk)
    services.delete_outreach_activity(actor=user, activity=activity)
    messages.success(request, _("Đã xóa hoạt động tuyên truyền."))
    return redirect("reports:outreach_list")
