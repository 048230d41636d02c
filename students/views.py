"""Pages of the pupil registry and of the household-list import; thin: parse, check, call, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import capability_required, pupil_data_required, refuse
from accounts.http import AuthedRequest
from accounts.models import PersonalDataAccess
from accounts.services import record_access
from kernel.exporters import XLSX_CONTENT_TYPE, content_disposition
from kernel.exports import clean_params, export_response, get_export
from kernel.http import ViewFunc
from kernel.paging import BoundedPaginator
from kernel.sorting import Sorting
from kernel.spreadsheets import SpreadsheetError
from schools.models import ImportBatch
from students import duplicate_pairs, merging, selectors, services
from students.forms import ConfirmForm, MappingForm, StudentForm, UploadForm
from students.importers.merge import KEEP_PORTAL, TAKE_FILE

# can_view_beneficiaries alone: an account of an abolished office, read-only since 1/7/2025.
VIEW_CAPABILITIES = ("can_edit_students", "can_import", "can_approve", "can_view_beneficiaries")
REGISTRY_EXPORT = "students.registry"
PAGE_SIZES = (25, 50, 100, 200)


def _abilities(request: AuthedRequest) -> dict[str, bool]:
    user = request.user
    return {
        "can_edit": user.can("can_edit_students"),
        "can_import": user.can("can_import"),
    }


def _page_size(request: HttpRequest) -> int:
    value = request.GET.get("per_page", "")
    return int(value) if value.isdigit() and int(value) in PAGE_SIZES else 50


# ---------------------------------------------------------------------- registry


@pupil_data_required
@capability_required(*VIEW_CAPABILITIES)
@require_GET
def student_list(request: AuthedRequest) -> HttpResponse:
    filters = selectors.StudentFilters.from_params(request.GET)
    sorting = Sorting.from_params(
        request.GET, selectors.STUDENT_SORTS, default=("sort_key", "date_of_birth", "pk")
    )
    students = selectors.student_list(user=request.user, filters=filters, sorting=sorting)
    page = BoundedPaginator(students, _page_size(request)).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "students/student_list.html",
        {
            "page": page,
            "filters": filters,
            "sorting": sorting,
            "querystring": params.urlencode(),
            "export_key": REGISTRY_EXPORT,
            "export_params": clean_params(request.GET),
            "export_in_background": get_export(REGISTRY_EXPORT).in_background(page.paginator.count),
            "page_sizes": PAGE_SIZES,
            "per_page": _page_size(request),
            **_abilities(request),
            **selectors.filter_choices(user=request.user),
        },
    )


@pupil_data_required
@capability_required(*VIEW_CAPABILITIES)
@require_GET
def student_export(request: AuthedRequest) -> HttpResponse:
    filters = selectors.StudentFilters.from_params(request.GET)
    students = selectors.student_list(user=request.user, filters=filters)
    # The registry is never written in the request: back to the list and its button.
    return export_response(
        request, key=REGISTRY_EXPORT, objects=students, back_to=reverse("students:list")
    )


@pupil_data_required
@capability_required(*VIEW_CAPABILITIES)
@require_GET
def student_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    student = selectors.get_student_for_user(request.user, pk)
    services.record_pupil_access(
        user=request.user,
        student=student,
        action=PersonalDataAccess.Action.VIEW,
        what=_("Trang học sinh"),
    )
    return _detail_page(request, student, revealed=False)


@pupil_data_required
@capability_required("can_reveal_personal_ids")
@require_POST
def student_reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    """The pupil page with full ID numbers and phones, for roles that need them; recorded.

    Answered to the POST itself (not redirected) so the full numbers never sit behind a
    bookmarkable GET address.
    """
    student = selectors.get_student_for_user(request.user, pk)
    services.record_pupil_access(
        user=request.user,
        student=student,
        action=PersonalDataAccess.Action.REVEAL,
        what=_("Số định danh, số điện thoại của học sinh và người giám hộ"),
    )
    return _detail_page(request, student, revealed=True)


def _detail_page(request: AuthedRequest, student, *, revealed: bool) -> HttpResponse:
    siblings, other_school_siblings = selectors.sibling_summary(user=request.user, student=student)
    return render(
        request,
        "students/student_detail.html",
        {
            "student": student,
            "household": student.household,
            "siblings": siblings,
            "other_school_siblings": other_school_siblings,
            "history": selectors.student_history(student),
            "can_delete": services.can_delete(student),
            "revealed": revealed,
            "can_reveal": request.user.can("can_reveal_personal_ids"),
            "can_audit_access": request.user.can("can_manage_users"),
            **_abilities(request),
        },
    )


@pupil_data_required
@capability_required("can_edit_students")
@require_http_methods(["GET", "POST"])
def student_create(request: AuthedRequest) -> HttpResponse:
    form = StudentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            student = services.create_student(actor=request.user, data=form.to_data())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Đã thêm học sinh %(name)s.") % {"name": student})
            return redirect("students:detail", pk=student.pk)
    return render(request, "students/student_form.html", {"form": form, "student": None})


@pupil_data_required
@capability_required("can_edit_students")
@require_http_methods(["GET", "POST"])
def student_update(request: AuthedRequest, pk: int) -> HttpResponse:
    student = selectors.get_student_for_user(request.user, pk)
    form = StudentForm(request.POST or None, user=request.user, student=student)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_student(actor=request.user, student=student, data=form.to_data())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect("students:detail", pk=student.pk)
    return render(request, "students/student_form.html", {"form": form, "student": student})


@pupil_data_required
@capability_required("can_edit_students")
@require_POST
def student_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    student = selectors.get_student_for_user(request.user, pk)
    try:
        services.delete_student(
            actor=request.user,
            student=student,
            reason=request.POST.get("reason", "")[:500],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("students:detail", pk=pk)
    messages.success(request, _("Đã xóa học sinh %(name)s.") % {"name": student})
    return redirect("students:list")


def _add_errors(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict") and len(exc.error_list) == 1:
        error = exc.error_list[0]
        if error.code and form.ask_confirmation(error.code, " ".join(error.messages)):
            return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# ------------------------------------------------------------------------ import


@pupil_data_required
@capability_required("can_import")
@require_http_methods(["GET", "POST"])
def import_upload(request: AuthedRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.upload_household_list(
                actor=request.user,
                upload=form.cleaned_data["file"],
                school=form.cleaned_data.get("school"),
            )
        except (SpreadsheetError, services.ImportRefused) as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("students:import_detail", pk=batch.pk)
    context = {
        "form": form,
        "max_mb": settings.IMPORT_MAX_UPLOAD_MB,
        "max_rows": services.row_limit_for(request.user),
        "recent": selectors.import_batches(request.user)[:5],
    }
    return render(request, "students/import_upload.html", context)


BATCH_SORTS = {
    "thoi_diem": ("uploaded_at",),
    "tep": ("file_name",),
    "nguoi_tai_len": ("uploaded_by__full_name", "uploaded_by__username"),
    "truong": ("school__name",),
    "trang_thai": ("status",),
    "dong": ("rows",),
    "them": ("created",),
    "cap_nhat": ("updated",),
    "loi": ("error_count",),
}


@pupil_data_required
@capability_required("can_import")
@require_GET
def import_list(request: AuthedRequest) -> HttpResponse:
    batches = selectors.import_batches(request.user)
    sorting = Sorting.from_params(request.GET, BATCH_SORTS, default=("-uploaded_at", "-pk"))
    page = Paginator(sorting.apply(batches), 30).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {"page": page, "sorting": sorting, "querystring": params.urlencode()}
    return render(request, "students/import_list.html", context)


BatchView = Callable[[AuthedRequest, ImportBatch], HttpResponse]


def batch_view(method: str) -> Callable[[BatchView], ViewFunc]:
    """A page of one pupil import: pupil data and ``can_import`` required, only ``method``;
    the view is given the batch, looked up in the user's scope (404 outside it)."""

    def decorate(view: BatchView) -> ViewFunc:
        @pupil_data_required
        @capability_required("can_import")
        @require_http_methods([method])
        @wraps(view)
        def wrapped(request: AuthedRequest, pk: int) -> HttpResponse:
            return view(request, selectors.get_batch_for_user(request.user, pk))

        return wrapped

    return decorate


@batch_view("GET")
def import_detail(request: AuthedRequest, batch: ImportBatch) -> HttpResponse:
    context: dict = {"batch": batch, "async_rows": settings.IMPORT_ASYNC_ROWS}
    if batch.status in (ImportBatch.Status.UPLOADED, ImportBatch.Status.VALIDATED):
        try:
            table, importer = services.describe_batch_table(actor=request.user, batch=batch)
        except SpreadsheetError as exc:
            context["file_error"] = exc.message
        else:
            context["table"] = table
            context["mapping_form"] = MappingForm(table=table)
            context["default_school"] = importer.school
            context["mapped"] = [
                (spec_label, table.headers.get(col, ""))
                for spec_label, col in _mapped_labels(table)
            ]
    if batch.status == ImportBatch.Status.VALIDATED:
        context["confirm_form"] = ConfirmForm(
            initial={"skip_invalid": False}, warnings=bool((batch.options or {}).get("warnings"))
        )
    context["warnings"] = (batch.options or {}).get("warnings", [])
    context["reading_notices"] = (batch.options or {}).get("reading", [])
    if batch.status in (ImportBatch.Status.VALIDATED, ImportBatch.Status.DONE):
        context.update(_difference_pages(request, batch))
    errors = batch.errors or []
    context["errors"] = errors[:500]
    context["more_errors"] = max(len(errors) - 500, 0)
    return render(request, "students/import_detail.html", context)


CHANGES_PER_PAGE = 50


def _difference_pages(request: HttpRequest, batch: ImportBatch) -> dict:
    """The dry run's conflicts and per-field changes, 50 pupils a page each."""
    conflicts = Paginator(selectors.import_changes(batch, conflicts_only=True), CHANGES_PER_PAGE)
    changes = Paginator(selectors.import_changes(batch), CHANGES_PER_PAGE)
    conflict_page = conflicts.get_page(request.GET.get("xung_dot"))
    change_page = changes.get_page(request.GET.get("trang"))
    return {
        "conflict_page": conflict_page,
        "conflicts": selectors.describe_changes(conflict_page.object_list, batch=batch),
        "change_page": change_page,
        "pupil_changes": selectors.describe_changes(change_page.object_list, batch=batch),
        "conflict_default": (batch.options or {}).get("conflicts", {}).get("all", KEEP_PORTAL),
    }


def _conflict_choices(request: HttpRequest) -> tuple[dict[str, str], str]:
    """Per-value choices (``c:<key>`` fields) and the choice for all, as posted."""
    choices = {
        name.removeprefix("c:"): value
        for name, value in request.POST.items()
        if name.startswith("c:") and value in (KEEP_PORTAL, TAKE_FILE)
    }
    for_all = request.POST.get("all", "")
    return choices, for_all if for_all in (KEEP_PORTAL, TAKE_FILE) else ""


def _save_conflict_choices(request: AuthedRequest, batch: ImportBatch) -> None:
    choices, for_all = _conflict_choices(request)
    if choices or for_all:
        services.choose_conflict_values(
            actor=request.user,
            batch=batch,
            choices=choices,
            for_all=for_all,
        )


def _mapped_labels(table):
    from students.importers import COLUMNS

    return [
        (spec.label, table.mapping[spec.field]) for spec in COLUMNS if spec.field in table.mapping
    ]


@batch_view("POST")
def import_check(request: AuthedRequest, batch: ImportBatch) -> HttpResponse:
    """Save the column mapping and run the dry run."""
    try:
        table, _importer = services.describe_batch_table(actor=request.user, batch=batch)
        form = MappingForm(request.POST, table=table)
        if not form.is_valid():
            for field, errors in form.errors.items():
                messages.error(
                    request,
                    f"{form.fields[field].label if field in form.fields else ''}: {' '.join(str(e) for e in errors)}",
                )
            return redirect("students:import_detail", pk=batch.pk)
        services.save_mapping(actor=request.user, batch=batch, mapping=form.mapping())
        services.start_batch(actor=request.user, batch=batch, phase="validate")
    except (SpreadsheetError, services.ImportRefused) as exc:
        messages.error(request, exc.message)
    return redirect("students:import_detail", pk=batch.pk)


@batch_view("POST")
def import_confirm(request: AuthedRequest, batch: ImportBatch) -> HttpResponse:
    form = ConfirmForm(request.POST)
    skip_invalid = form.is_valid() and form.cleaned_data["skip_invalid"]
    try:
        _save_conflict_choices(request, batch)
        batch = services.start_batch(
            actor=request.user,
            batch=batch,
            phase="import",
            skip_invalid=skip_invalid,
            confirm_duplicates=form.is_valid() and form.cleaned_data["confirm_duplicates"],
        )
    except services.ImportRefused as exc:
        messages.error(request, exc.message)
        return redirect("students:import_detail", pk=batch.pk)
    if batch.status == ImportBatch.Status.DONE:
        messages.success(
            request,
            _("Đã nhập: thêm %(c)s, cập nhật %(u)s, không đổi %(n)s học sinh.")
            % {"c": batch.created, "u": batch.updated, "n": batch.unchanged},
        )
    elif batch.status == ImportBatch.Status.VALIDATED and batch.message:
        messages.error(request, batch.message)
    return redirect("students:import_detail", pk=batch.pk)


@batch_view("POST")
def import_choose(request: AuthedRequest, batch: ImportBatch) -> HttpResponse:
    """Save which value wins for the conflicts shown (or for all) before confirming."""
    try:
        _save_conflict_choices(request, batch)
    except services.ImportRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã lưu lựa chọn giá trị."))
    url = reverse("students:import_detail", args=[batch.pk])
    page = request.POST.get("xung_dot", "")
    return redirect(f"{url}?xung_dot={page}#conflicts" if page.isdigit() else f"{url}#conflicts")


@batch_view("GET")
def import_changes_export(request: AuthedRequest, batch: ImportBatch) -> HttpResponse:
    """The dry run's per-field difference as .xlsx."""
    data = services.import_changes_file(actor=request.user, batch=batch)
    stem = batch.file_name.rsplit(".", 1)[0]
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(f"{stem} - thay đổi.xlsx")
    return response


@batch_view("POST")
def import_cancel(request: AuthedRequest, batch: ImportBatch) -> HttpResponse:
    try:
        services.cancel_batch(actor=request.user, batch=batch)
    except services.ImportRefused as exc:
        messages.error(request, exc.message)
    return redirect("students:import_detail", pk=batch.pk)


@batch_view("GET")
def import_status(request: AuthedRequest, batch: ImportBatch) -> JsonResponse:
    """Small JSON for the progress bar (polled while the import runs in Celery)."""
    return JsonResponse(
        {
            "status": batch.status,
            "status_label": batch.get_status_display(),
            "progress": batch.live_progress,
            "running": batch.is_running,
            "rows": batch.rows,
            "created": batch.created,
            "updated": batch.updated,
            "unchanged": batch.unchanged,
            "error_count": batch.error_count,
            "url": reverse("students:import_detail", args=[batch.pk]),
        }
    )


@batch_view("GET")
def import_error_file(request: AuthedRequest, batch: ImportBatch) -> HttpResponse:
    """The uploaded file with a "Lỗi" column added."""
    try:
        data = services.error_copy(actor=request.user, batch=batch)
    except SpreadsheetError as exc:
        messages.error(request, exc.message)
        return redirect("students:import_detail", pk=batch.pk)
    stem = batch.file_name.rsplit(".", 1)[0]
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(f"{stem} - lỗi.xlsx")
    return response


# ------------------------------------------------------------ duplicate review

DUPLICATE_REVIEW_CAPABILITY = "can_approve"


def _require_reviewer(request: AuthedRequest) -> None:
    if not request.user.can(DUPLICATE_REVIEW_CAPABILITY):
        refuse()


@pupil_data_required
@require_GET
def duplicate_review(request: AuthedRequest) -> HttpResponse:
    _require_reviewer(request)
    paginator = duplicate_pairs.PairPaginator(user=request.user, per_page=_page_size(request))
    page = paginator.get_page(request.GET.get("page"))
    record_access(
        user=request.user,
        action=PersonalDataAccess.Action.VIEW,
        what=_("Hồ sơ có thể trùng giữa các trường"),
        rows=2 * len(page),
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "students/duplicate_review.html",
        {"page": page, "querystring": params.urlencode(), "reasons": duplicate_pairs.REASONS},
    )


def _pair_ids(request: HttpRequest) -> tuple[int, int]:
    try:
        return int(request.POST["first"]), int(request.POST["second"])
    except (KeyError, ValueError) as exc:
        raise Http404 from exc


def _back(request: HttpRequest) -> HttpResponse:
    url = reverse("students:duplicates")
    page = request.POST.get("page", "")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


def _error_messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [m for messages_ in error.message_dict.values() for m in messages_]
    return list(error.messages)


@pupil_data_required
@require_POST
def duplicate_dismiss(request: AuthedRequest) -> HttpResponse:
    _require_reviewer(request)
    first_id, second_id = _pair_ids(request)
    try:
        merging.dismiss_pair(
            actor=request.user,
            first_id=first_id,
            second_id=second_id,
            token=request.POST.get("token", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        for message in _error_messages(error):
            messages.error(request, message)
    else:
        messages.success(request, _("Đã ghi nhận: hai hồ sơ không phải một học sinh."))
    return _back(request)


@pupil_data_required
@require_POST
def duplicate_merge(request: AuthedRequest) -> HttpResponse:
    _require_reviewer(request)
    first_id, second_id = _pair_ids(request)
    kept = request.POST.get("kept", "")
    try:
        student = merging.merge_pair(
            actor=request.user,
            first_id=first_id,
            second_id=second_id,
            kept_id=int(kept) if kept.isdigit() else 0,
            token=request.POST.get("token", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        for message in _error_messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Đã gộp hai hồ sơ vào hồ sơ của %(name)s (%(school)s).")
            % {"name": student.full_name, "school": student.school.name},
        )
    return _back(request)
