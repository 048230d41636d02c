"""Data packages: the package list, subscriptions, problems and carrier status files."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import capability_required, get_for_user, pupil_data_required
from accounts.http import AuthedRequest
from accounts.selectors import history_for
from devices import exports, rules, selectors, services
from devices.forms import ProblemForm, ResolveForm, StatusImportForm, SubscriptionForm
from devices.importers import CARRIER_COLUMNS, import_carrier_statuses
from devices.models import Subscription, SubscriptionProblem
from devices.views.common import choice, own_school_id, paginate, report_errors, wants_export
from kernel.exports import export_button, export_response
from kernel.sorting import Sorting
from schools import import_batches
from schools.models import ImportBatch
from students.models import Student

SUBSCRIPTION_SORTS = {
    "hoc_sinh": ("student__sort_key",),
    "truong": ("student__school__name",),
    "goi": ("carrier", "package__name"),
    "bat_dau": ("starts_on",),
    "ket_thuc": ("ends_on",),
    "trang_thai": ("status",),
}


@pupil_data_required
@capability_required("can_allocate")
def subscriptions(request: AuthedRequest) -> HttpResponse:
    status = choice(request, "status", Subscription.Status)
    expiring = request.GET.get("expiring") == "1"
    items = exports.subscription_rows(request.user, request.GET)
    if wants_export(request):
        return export_response(request, key=exports.SUBSCRIPTIONS, objects=items)
    context = {
        "status_choices": Subscription.Status.choices,
        "filters": {"status": status, "expiring": expiring, "q": request.GET.get("q", "")},
        "counts": selectors.subscription_counts(request.user),
        "is_school": rules.may_allocate_at_school(request.user),
        **paginate(request, items, sorts=SUBSCRIPTION_SORTS, default=("-created_at", "-pk")),
    }
    context["export"] = export_button(
        request, key=exports.SUBSCRIPTIONS, count=context["page"].paginator.count
    )
    return render(request, "devices/subscriptions.html", context)


PACKAGE_SORTS = {
    "nha_mang": ("carrier",),
    "ten": ("name",),
    "dung_luong": ("data_per_day_mb", "data_per_month_mb"),
    "gia": ("price_vnd_per_month",),
    "mien_phi": ("free_months",),
    "dang_cung_cap": ("is_active",),
}


@capability_required("can_allocate")
def packages(request: AuthedRequest) -> HttpResponse:
    items = exports.package_rows(request.user, request.GET)
    if wants_export(request):
        return export_response(request, key=exports.PACKAGES, objects=items)
    export = export_button(request, key=exports.PACKAGES, count=items.count())
    sorting = Sorting.from_params(request.GET, PACKAGE_SORTS, default=("carrier", "name"))
    context = {"packages": sorting.apply(items), "export": export, "sorting": sorting}
    return render(request, "devices/packages.html", context)


@pupil_data_required
@capability_required("can_allocate")
def subscription_create(request: AuthedRequest) -> HttpResponse:
    own_school_id(request)
    students = (
        Student.objects.visible_to(request.user)
        .filter(pk__in=selectors.beneficiaries_without_package(request.user).values("student_id"))
        .order_by("sort_key")
    )
    initial = {"student": request.GET.get("student")}
    # The pupil chosen (posted, or preselected by a link): its signal warning is shown on
    # the form before saving, once, with the box that acknowledges it.
    chosen_id = str(request.POST.get("student") or request.GET.get("student") or "")
    chosen = students.filter(pk=int(chosen_id)).first() if chosen_id.isdigit() else None
    warning = selectors.signal_warning(chosen) if chosen else ""
    form = SubscriptionForm(
        request.POST or None, students=students, initial=initial, signal_warning=warning
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            subscription = services.create_subscription(
                actor=request.user,
                student=data["student"],
                package=data["package"],
                phone=data["phone"],
                iccid=data["iccid"],
                carrier=data["carrier"],
                starts_on=data["starts_on"],
                signal_acknowledged=bool(data.get("confirm_signal")),
            )
        except ValidationError as exc:
            report_errors(request, exc, form)
        else:
            messages.success(request, _("Đã đăng ký gói cước cho %(n)s.") % {"n": data["student"]})
            return redirect("devices:subscription_detail", pk=subscription.pk)
    return render(request, "devices/subscription_form.html", {"form": form, "warning": warning})


def _acknowledged(subscription: Subscription) -> bool:
    """Whether the warning was confirmed on the form when the package was registered."""
    created = history_for(subscription).filter(action="subscription.create").first()
    return bool(created and (created.changes or {}).get("signal_acknowledged"))


def _subscription(request: AuthedRequest, pk: int) -> Subscription:
    return get_for_user(
        Subscription.objects.select_related("student__school", "package", "created_by"),
        request.user,
        pk=pk,
    )


@pupil_data_required
@capability_required("can_allocate")
def subscription_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    subscription = _subscription(request, pk)
    context = {
        "subscription": subscription,
        "problems": subscription.problems.select_related("reported_by"),
        "signal_warning": ""
        if _acknowledged(subscription)
        else selectors.signal_warning(subscription.student),
        "problem_form": ProblemForm(),
        "resolve_form": ResolveForm(),
        "history": history_for(subscription),
    }
    return render(request, "devices/subscription_detail.html", context)


@pupil_data_required
@capability_required("can_allocate")
@require_POST
def subscription_problem(request: AuthedRequest, pk: int) -> HttpResponse:
    subscription = _subscription(request, pk)
    form = ProblemForm(request.POST)
    if form.is_valid():
        try:
            services.report_problem(
                actor=request.user,
                subscription=subscription,
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            report_errors(request, exc)
        else:
            messages.success(request, _("Đã ghi nhận sự cố."))
    else:
        messages.error(request, _("Chọn loại sự cố."))
    return redirect("devices:subscription_detail", pk=subscription.pk)


@pupil_data_required
@capability_required("can_allocate")
@require_POST
def problem_resolve(request: AuthedRequest, pk: int) -> HttpResponse:
    problem = SubscriptionProblem.objects.filter(
        pk=pk,
        subscription__in=Subscription.objects.visible_to(request.user),
    ).first()
    if problem is None:
        raise Http404
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.resolve_problem(
                actor=request.user,
                problem=problem,
                resolution=form.cleaned_data["resolution"],
            )
        except ValidationError as exc:
            report_errors(request, exc)
        else:
            messages.success(request, _("Đã ghi nhận cách xử lý sự cố."))
    else:
        messages.error(request, _("Ghi rõ cách xử lý."))
    return redirect("devices:subscription_detail", pk=problem.subscription_id)


@pupil_data_required
@capability_required("can_allocate")
def status_import(request: AuthedRequest) -> HttpResponse:
    """A carrier's activation/status file: dry run with row errors, then confirm."""
    form = StatusImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch, unreadable = services.check_import_upload(
            actor=request.user,
            kind=ImportBatch.Kind.SUBSCRIPTIONS,
            upload=upload,
            check=lambda f: import_carrier_statuses(
                actor=request.user, source=f, dry_run=True, filename=f.name or ""
            ),
        )
        if not unreadable:
            return redirect("devices:status_import_result", pk=batch.pk)
        form.add_error("file", unreadable)
    return render(request, "devices/status_import.html", {"form": form})


def _own_batch(request: AuthedRequest, pk: int) -> ImportBatch:
    return import_batches.batch_for_user(
        request.user, pk, kinds=[ImportBatch.Kind.SUBSCRIPTIONS], uploader_only=True
    )


@pupil_data_required
@capability_required("can_allocate")
def status_import_result(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = _own_batch(request, pk)
    return render(request, "devices/status_import_result.html", {"batch": batch})


@pupil_data_required
@capability_required("can_allocate")
def status_import_errors(request: AuthedRequest, pk: int) -> HttpResponse:
    """The carrier file with a "Lỗi" column."""
    from devices.views.stock import _error_copy_response

    return _error_copy_response(_own_batch(request, pk), CARRIER_COLUMNS)


@pupil_data_required
@capability_required("can_allocate")
@require_POST
def status_import_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = _own_batch(request, pk)
    report, problem = services.confirm_import(
        actor=request.user,
        batch=batch,
        run=lambda fh: import_carrier_statuses(
            actor=request.user, source=fh, dry_run=False, filename=batch.file_name
        ),
    )
    if report is None:
        messages.error(request, problem)
        return redirect("devices:status_import_result", pk=batch.pk)
    if report.ok:
        messages.success(
            request, _("Đã cập nhật trạng thái %(n)s thuê bao.") % {"n": report.updated}
        )
        return redirect("devices:subscriptions")
    messages.error(request, _("Không cập nhật được: dữ liệu đã thay đổi kể từ lần kiểm tra."))
    return redirect("devices:status_import_result", pk=batch.pk)
