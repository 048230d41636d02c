"""Coverage pages: map, list, gap ranking, progress, point detail, forms and survey import.

Reading needs any of ``VIEW_CAPABILITIES`` and shows only points in the user's
scope; writing is decided again by ``coverage.services`` (404 outside scope).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import capability_required, get_for_user, own_school_id
from accounts.http import AuthedRequest
from coverage import exports, rules, selectors, services
from coverage.forms import (
    NoteForm,
    PlanForm,
    PointEditForm,
    PointForm,
    SchoolReportForm,
    SignalForm,
    SurveyUploadForm,
)
from coverage.importers import COLUMNS as SURVEY_COLUMNS
from coverage.models import CoveragePlan, CoveragePoint, PointStatus
from kernel.exports import export_button, export_response
from kernel.spreadsheets import (
    SpreadsheetError,
    guess_table,
    locate_list,
    read_rows,
    write_error_copy,
)
from schools import import_batches
from schools.choices import Carrier
from schools.models import LAT_RANGE, LON_RANGE, ImportBatch, School, inside_province

VIEW_CAPABILITIES = ("can_manage_coverage", "can_report_coverage", "can_view_reports")
MANAGE = "can_manage_coverage"


def _form_error(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _render(request: AuthedRequest, template: str, context: dict) -> HttpResponse:
    """Render a coverage page with what its tabs need to know about the user."""
    user = request.user
    context.setdefault("perms_manage", rules.may_manage_coverage(user))
    context.setdefault("perms_report", rules.may_report_at_own_school(user))
    return render(request, template, context)


def _wants_export(request: HttpRequest) -> bool:
    """``?export=xlsx`` (the shared button) or the older ``?format=xlsx`` links."""
    return "xlsx" in (request.GET.get("export"), request.GET.get("format"))


SORT_COLUMNS = (
    ("name", gettext_lazy("Điểm")),
    ("district", gettext_lazy("Huyện / xã")),
    ("status", gettext_lazy("Tình trạng")),
    ("best", gettext_lazy("Tốt nhất")),
    ("stage", gettext_lazy("Kế hoạch")),
    ("needy", gettext_lazy("HS cần hỗ trợ")),
)


def _filter_context(request: AuthedRequest, filters: selectors.PointFilters) -> dict:
    return {
        "filters": filters,
        "districts": selectors.visible_districts(request.user),
        "carriers": Carrier.choices,
        "kinds": CoveragePoint.Kind.choices,
        "stages": CoveragePlan.Stage.choices,
        "statuses": PointStatus.choices,
        "querystring": filters.as_querystring(),
    }


# ---------------------------------------------------------------------- reading


@require_GET
@capability_required(*VIEW_CAPABILITIES)
def point_map(request: AuthedRequest) -> HttpResponse:
    filters = selectors.PointFilters.from_params(request.GET)
    config = {
        "tileUrl": settings.MAP_TILE_URL,
        "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
        "bounds": [[LAT_RANGE[0], LON_RANGE[0]], [LAT_RANGE[1], LON_RANGE[1]]],
        "statusLabels": dict(PointStatus.choices),
        "labels": {
            "commune": _("Xã"),
            "communeToday": _("Xã/phường hiện nay"),
            "school": _("Trường"),
            "plan": _("Kế hoạch"),
            "noPlan": _("Chưa có kế hoạch"),
            "needy": _("HS cần hỗ trợ sống tại thôn"),
            "beneficiaries": _("HS được duyệt hỗ trợ"),
            "ministry": _("Thuộc danh sách của Bộ"),
            "noSignalData": _("Chưa có kết quả đo"),
            "detail": _("Xem chi tiết"),
            "shown": _("điểm đang hiển thị"),
            "tilesFailed": _(
                "Không tải được bản đồ nền; các điểm vẫn hiển thị trên nền trống theo tọa độ."
            ),
        },
    }
    context = {
        **_filter_context(request, filters),
        "points": selectors.map_points(request.user),
        "map_config": config,
        "can_manage": request.user.can(MANAGE),
    }
    return _render(request, "coverage/map.html", context)


@require_GET
@capability_required(*VIEW_CAPABILITIES)
def point_list(request: AuthedRequest) -> HttpResponse:
    filters = selectors.PointFilters.from_params(request.GET)
    sort = exports.point_sort(request.GET)
    rows = exports.point_rows(request.user, request.GET)
    if _wants_export(request):
        return export_response(request, key=exports.POINTS, objects=rows, count=len(rows))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    querystring = "&".join(q for q in (filters.as_querystring(), f"sort={sort}") if q)
    context = {
        **_filter_context(request, filters),
        "page": page,
        "sort": sort,
        "querystring": querystring,
        "filter_querystring": filters.as_querystring(),
        "can_manage": request.user.can(MANAGE),
        "total": len(rows),
        "sort_columns": SORT_COLUMNS,
        "export": export_button(request, key=exports.POINTS, count=len(rows)),
    }
    return _render(request, "coverage/point_list.html", context)


@require_GET
@capability_required(*VIEW_CAPABILITIES)
def gap_ranking(request: AuthedRequest) -> HttpResponse:
    include_weak = request.GET.get("weak") == "1"
    district_id = exports.gap_district(request.GET)
    rows = exports.gap_rows(request.user, request.GET)
    if _wants_export(request):
        return export_response(request, key=exports.GAP_RANKING, objects=rows, count=len(rows))
    context = {
        "rows": rows,
        "include_weak": include_weak,
        "district_id": district_id,
        "districts": selectors.visible_districts(request.user),
        "total_priority": sum(r.priority for r in rows),
        "export": export_button(request, key=exports.GAP_RANKING, count=len(rows)),
    }
    return _render(request, "coverage/gap_ranking.html", context)


@require_GET
@capability_required(*VIEW_CAPABILITIES)
def progress(request: AuthedRequest) -> HttpResponse:
    rows = selectors.progress_by_district(request.user)
    ministry = selectors.ministry_points(request.user)
    context = {
        "rows": rows,
        "total": selectors.progress_total(rows),
        "by_kind": selectors.progress_by_kind(request.user),
        "ministry": ministry,
        "ministry_covered": sum(1 for r in ministry if r.status == PointStatus.COVERED),
    }
    return _render(request, "coverage/progress.html", context)


@require_GET
@capability_required(*VIEW_CAPABILITIES)
def point_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    point = selectors.point_detail(user=request.user, pk=pk)
    user = request.user
    can_manage = user.can(MANAGE)
    school_id = point.school_id or (point.site.school_id if point.site else None)
    can_report = can_manage or rules.may_report_for_school(user, school_id)
    context = {
        "point": point,
        "row": selectors.point_row(point),
        "plan": point.current_plan,
        "notes": selectors.plan_notes(point),
        "history": selectors.point_history(point),
        "can_manage": can_manage,
        "signal_form": SignalForm(school_report=not can_manage) if can_report else None,
        "note_form": NoteForm() if can_manage and point.current_plan else None,
    }
    return _render(request, "coverage/point_detail.html", context)


# ---------------------------------------------------------------------- writing


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def point_create(request: AuthedRequest) -> HttpResponse:
    form = PointForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            point = services.create_point(
                actor=request.user,
                kind=data["kind"],
                school=data["school"],
                site=data["site"],
                village=data["village"],
                commune=data["commune"],
                village_name=data["village_name"],
                name=data["name"].strip(),
                latitude=data["latitude"],
                longitude=data["longitude"],
                on_ministry_list=data["on_ministry_list"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Đã thêm điểm phủ sóng “%(n)s”.") % {"n": point.name})
            return redirect("coverage:detail", pk=point.pk)
    return _render(request, "coverage/point_form.html", {"form": form, "point": None})


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def point_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    point = get_for_user(CoveragePoint.objects.all(), request.user, pk=pk)
    original = CoveragePoint.objects.get(pk=point.pk)
    form = PointEditForm(request.POST or None, instance=point)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_point(
                actor=request.user,
                point=original,
                name=data["name"],
                village=data.get("village"),
                latitude=data["latitude"],
                longitude=data["longitude"],
                on_ministry_list=data["on_ministry_list"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Đã lưu điểm phủ sóng."))
            return redirect("coverage:detail", pk=point.pk)
    return _render(request, "coverage/point_form.html", {"form": form, "point": original})


@require_POST
@capability_required(MANAGE, "can_report_coverage")
def signal_record(request: AuthedRequest, pk: int) -> HttpResponse:
    point = get_for_user(CoveragePoint.objects.all(), request.user, pk=pk)
    can_manage = request.user.can(MANAGE)
    form = SignalForm(request.POST, school_report=not can_manage)
    if form.is_valid():
        try:
            services.record_signal(
                actor=request.user,
                point=point,
                carrier=form.cleaned_data["carrier"],
                technology=form.cleaned_data["technology"],
                measured_on=form.cleaned_data["measured_on"],
                source=form.cleaned_data.get("source") or "school",
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Đã ghi nhận kết quả đo sóng."))
    else:
        for error_list in form.errors.values():
            for error_text in error_list:
                messages.error(request, str(error_text))
    return redirect("coverage:detail", pk=point.pk)


@require_POST
@capability_required(MANAGE)
def ministry_toggle(request: AuthedRequest, pk: int) -> HttpResponse:
    point = get_for_user(CoveragePoint.objects.all(), request.user, pk=pk)
    on_list = request.POST.get("on_list") == "1"
    services.set_ministry_list(
        actor=request.user,
        point=point,
        on_list=on_list,
        reason=request.POST.get("reason", "").strip(),
    )
    messages.success(
        request,
        _("Đã đưa điểm vào danh sách của Bộ.")
        if on_list
        else _("Đã bỏ điểm khỏi danh sách của Bộ."),
    )
    return redirect("coverage:detail", pk=point.pk)


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def plan_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Create the point's plan, or update it (carrier, date, solution, stage) with a note."""
    point = get_for_user(CoveragePoint.objects.select_related("plan"), request.user, pk=pk)
    plan = point.current_plan
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if plan is None:
                services.create_plan(
                    actor=request.user,
                    point=point,
                    carrier=data["carrier"],
                    target_date=data["target_date"],
                    solution=data["solution"],
                    stage=data["stage"],
                    note=data["note"],
                )
            else:
                services.update_plan(
                    actor=request.user,
                    plan=CoveragePlan.objects.get(pk=plan.pk),
                    carrier=data["carrier"],
                    target_date=data["target_date"],
                    solution=data["solution"],
                    stage=data["stage"],
                    note=data["note"],
                )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Đã lưu kế hoạch phủ sóng."))
            return redirect("coverage:detail", pk=point.pk)
    return _render(request, "coverage/plan_form.html", {"form": form, "point": point, "plan": plan})


@require_POST
@capability_required(MANAGE)
def plan_note(request: AuthedRequest, pk: int) -> HttpResponse:
    point = get_for_user(CoveragePoint.objects.select_related("plan"), request.user, pk=pk)
    if point.current_plan is None:
        raise Http404
    form = NoteForm(request.POST)
    if form.is_valid():
        services.add_plan_note(
            actor=request.user,
            plan=point.current_plan,
            text=form.cleaned_data["text"],
        )
        messages.success(request, _("Đã thêm ghi chú tiến độ."))
    else:
        messages.error(request, _("Cần ghi nội dung tiến độ."))
    return redirect("coverage:detail", pk=point.pk)


@require_http_methods(["GET", "POST"])
@capability_required("can_report_coverage")
def school_report(request: AuthedRequest) -> HttpResponse:
    """A school reports the signal measured at the school or one of its sites."""
    school_id = own_school_id(request.user)
    school = get_object_or_404(School.objects.prefetch_related("sites"), pk=school_id)
    form = SchoolReportForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            signal = services.report_school_signal(
                actor=request.user,
                carrier=form.cleaned_data["carrier"],
                technology=form.cleaned_data["technology"],
                measured_on=form.cleaned_data["measured_on"],
                **form.target_objects(),
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Đã ghi nhận báo cáo sóng. Cảm ơn nhà trường."))
            return redirect("coverage:detail", pk=signal.point_id)
    points = selectors.point_rows(request.user, selectors.PointFilters())
    return _render(
        request,
        "coverage/school_report.html",
        {
            "form": form,
            "school": school,
            "rows": points,
            "inside": inside_province(school.latitude, school.longitude),
        },
    )


# ------------------------------------------------------------------------ import


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def import_upload(request: AuthedRequest) -> HttpResponse:
    form = SurveyUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        batch = services.upload_survey(actor=request.user, upload=form.cleaned_data["file"])
        return redirect("coverage:import_detail", pk=batch.pk)
    batches = (
        ImportBatch.objects.visible_to(request.user)
        .filter(kind=ImportBatch.Kind.COVERAGE)
        .select_related("uploaded_by")[:10]
    )
    return _render(request, "coverage/import_upload.html", {"form": form, "batches": batches})


def _coverage_batch(request: AuthedRequest, pk: int) -> ImportBatch:
    return import_batches.batch_for_user(
        request.user,
        pk,
        kinds=[ImportBatch.Kind.COVERAGE],
        related=["uploaded_by"],
    )


@require_GET
@capability_required(MANAGE)
def import_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = _coverage_batch(request, pk)
    return _render(
        request, "coverage/import_detail.html", {"batch": batch, "errors": batch.errors[:500]}
    )


@require_POST
@capability_required(MANAGE)
def import_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = _coverage_batch(request, pk)
    try:
        batch = services.confirm_survey(actor=request.user, batch=batch)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if batch.status == ImportBatch.Status.DONE:
            messages.success(
                request,
                _("Đã nhập: %(c)s điểm mới, %(u)s điểm cập nhật.")
                % {"c": batch.created, "u": batch.updated},
            )
        else:
            messages.error(request, _("Không nhập được; không có dữ liệu nào được ghi."))
    return redirect("coverage:import_detail", pk=batch.pk)


@require_GET
@capability_required(MANAGE)
def import_error_copy(request: AuthedRequest, pk: int) -> HttpResponse:
    """The uploaded file with a "Lỗi" column, for the user to fix and upload again."""
    batch = _coverage_batch(request, pk)
    try:
        with batch.file.open("rb") as handle:
            sheet = read_rows(handle.read(), filename=batch.file_name)
        try:  # every sheet of the survey, each with its own "Lỗi" column
            table = locate_list(sheet, SURVEY_COLUMNS)
        except SpreadsheetError:
            table = guess_table(sheet, SURVEY_COLUMNS)
    except SpreadsheetError as exc:
        messages.error(request, exc.message)
        return redirect("coverage:import_detail", pk=batch.pk)
    return import_batches.error_copy_response(
        write_error_copy(sheet, table, import_batches.errors_by_row(batch.errors)),
        f"Lỗi - {batch.file_name.rsplit('.', 1)[0]}.xlsx",
    )
