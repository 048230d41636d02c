"""Allocation of devices to approved pupils: beneficiaries, handover record, returns."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.access import capability_required, get_for_user, pupil_data_required
from accounts.http import AuthedRequest
from accounts.models import PersonalDataAccess
from accounts.selectors import history_for
from accounts.services import record_access
from devices import exports, rules, selectors, services
from devices.documents import handover_pdf
from devices.forms import AllocateForm, CancelForm, HandoverForm, ReturnForm
from devices.models import Allocation
from devices.views.common import choice, own_school_id, paginate, report_errors, wants_export
from kernel.exports import export_button, export_response
from rounds.models import ProposalItem
from schools.choices import NEED_SATISFIED_BY
from schools.models import School

VIEW = ("can_allocate", "can_view_reports")
WAITING_SORTS = {
    "truong": ("proposal__school__name",),
    "hoc_sinh": ("student__sort_key",),
    "lop": ("student__grade", "student__class_name"),
    "duoc_duyet": ("kind",),
    "dot": ("round__name",),
}
WAITING_DEFAULT = ("proposal__school__name", "student__sort_key", "pk")
ALLOCATION_SORTS = {
    "truong": ("school__name",),
    "hoc_sinh": ("student__sort_key",),
    "lop": ("student__grade", "student__class_name"),
    "thiet_bi": ("device__device_type", "device__make", "device__model_name"),
    "serial": ("device__serial_number",),
    "hinh_thuc": ("terms",),
    "trang_thai": ("status",),
    "ngay_ban_giao": ("handover_date",),
}


@pupil_data_required
@capability_required("can_allocate")
def beneficiaries(request: AuthedRequest) -> HttpResponse:
    """Approved beneficiaries still waiting for their device or data package."""
    user = request.user
    waiting_devices = exports.waiting_device_rows(user, request.GET)
    waiting_data = exports.waiting_data_rows(user, request.GET)
    if wants_export(request):
        return export_response(request, key=exports.WAITING_DEVICES, objects=waiting_devices)
    if wants_export(request, "data"):
        return export_response(request, key=exports.WAITING_DATA, objects=waiting_data)
    context = {
        "waiting_data": waiting_data[:200],
        "waiting_data_count": waiting_data.count(),
        "is_school": access.is_school_user(user),
        **paginate(request, waiting_devices, sorts=WAITING_SORTS, default=WAITING_DEFAULT),
    }
    context["export"] = export_button(
        request, key=exports.WAITING_DEVICES, count=context["page"].paginator.count
    )
    context["export_data"] = export_button(
        request, key=exports.WAITING_DATA, count=context["waiting_data_count"], name="data"
    )
    return render(request, "devices/beneficiaries.html", context)


@pupil_data_required
@capability_required("can_allocate")
def allocate(request: AuthedRequest, item: int) -> HttpResponse:
    """Pick a device of the school's stock for one approved beneficiary."""
    school_id = own_school_id(request)
    proposal_item = get_for_user(
        ProposalItem.objects.beneficiaries().select_related("student", "round"),
        request.user,
        pk=item,
        kind__in=list(NEED_SATISFIED_BY),
    )
    student = proposal_item.student
    devices = selectors.school_stock(school_id).filter(
        device_type__in=NEED_SATISFIED_BY[proposal_item.kind]
    )
    form = AllocateForm(request.POST or None, devices=devices)
    if request.method == "POST" and form.is_valid():
        try:
            allocation = services.allocate_device(
                actor=request.user,
                device=form.cleaned_data["device"],
                student=student,
                terms=form.cleaned_data["terms"],
                loan_until=form.cleaned_data.get("loan_until"),
            )
        except ValidationError as exc:
            report_errors(request, exc, form)
        else:
            messages.success(
                request,
                _("Đã phân bổ thiết bị cho %(name)s; hãy in biên bản bàn giao.")
                % {"name": student.full_name},
            )
            return redirect("devices:allocation_detail", pk=allocation.pk)
    context = {"item": proposal_item, "student": student, "form": form}
    return render(request, "devices/allocate.html", context)


@pupil_data_required
@capability_required(*VIEW)
def allocations(request: AuthedRequest) -> HttpResponse:
    """Allocations and handovers; districts and the province filter by school."""
    user = request.user
    school_id = request.GET.get("school", "")
    status = choice(request, "status", Allocation.Status)
    items = exports.allocation_rows(user, request.GET)
    if wants_export(request):
        return export_response(request, key=exports.ALLOCATIONS, objects=items)
    schools = (
        School.objects.none()
        if access.is_school_user(user)
        else School.objects.filter(
            pk__in=Allocation.objects.visible_to(user).values("school_id")
        ).order_by("name")
    )
    context = {
        "schools": schools,
        "status_choices": Allocation.Status.choices,
        "filters": {"school": school_id, "status": status},
        **paginate(request, items, sorts=ALLOCATION_SORTS, default=("-allocated_at", "-pk")),
    }
    context["export"] = export_button(
        request, key=exports.ALLOCATIONS, count=context["page"].paginator.count
    )
    return render(request, "devices/allocations.html", context)


def _allocation(request: AuthedRequest, pk: int) -> Allocation:
    return get_for_user(
        Allocation.objects.select_related(
            "device",
            "student__household",
            "student__village",
            "student__commune",
            "school__district",
            "school__commune",
            "proposal_item__round",
            "allocated_by",
            "handed_over_by",
        ),
        request.user,
        pk=pk,
    )


@pupil_data_required
@capability_required(*VIEW)
def allocation_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    allocation = _allocation(request, pk)
    _record(request, allocation, PersonalDataAccess.Action.VIEW, _("Trang cấp phát thiết bị"))
    context = {
        "allocation": allocation,
        "can_act": rules.may_allocate_at_school(request.user),
        "handover_form": HandoverForm(),
        "return_form": ReturnForm(),
        "cancel_form": CancelForm(),
        "history": history_for(allocation),
    }
    return render(request, "devices/allocation_detail.html", context)


@pupil_data_required
@capability_required(*VIEW)
def allocation_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    """The printable handover record (biên bản bàn giao)."""
    allocation = _allocation(request, pk)
    if allocation.status == Allocation.Status.CANCELLED:
        raise Http404
    _record(request, allocation, PersonalDataAccess.Action.EXPORT, _("Biên bản bàn giao (PDF)"))
    response = HttpResponse(handover_pdf(allocation), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bien-ban-ban-giao-{allocation.pk}.pdf"'
    return response


@pupil_data_required
@capability_required(*VIEW)
def allocation_scan(request: AuthedRequest, pk: int) -> FileResponse:
    """The signed scan uploaded by the school (served only through the scope check)."""
    allocation = _allocation(request, pk)
    if not allocation.signed_scan:
        raise Http404
    _record(request, allocation, PersonalDataAccess.Action.EXPORT, _("Bản quét biên bản đã ký"))
    content_type = (
        mimetypes.guess_type(allocation.signed_scan.name)[0] or "application/octet-stream"
    )
    return FileResponse(allocation.signed_scan.open("rb"), content_type=content_type)


def _record(request: AuthedRequest, allocation: Allocation, action: str, what: str) -> None:
    record_access(
        user=request.user,
        action=action,
        what=what,
        obj=allocation.student,
        school_id=allocation.school_id,
        district_id=allocation.school.district_id,
    )


def _school_allocation(request: AuthedRequest, pk: int) -> Allocation:
    own_school_id(request)
    return _allocation(request, pk)


def _change_allocation(
    request: AuthedRequest, pk: int, form: Any, service: Callable[..., Any], done: str
) -> HttpResponse:
    """One step of an allocation's life from a posted form: the school's allocation, the
    form checked, ``service`` called with the form's fields (they are its keyword
    arguments); back to the allocation."""
    allocation = _school_allocation(request, pk)
    if form.is_valid():
        try:
            service(actor=request.user, allocation=allocation, **form.cleaned_data)
        except ValidationError as exc:
            report_errors(request, exc)
        else:
            messages.success(request, done)
    else:
        _form_errors(request, form)
    return redirect("devices:allocation_detail", pk=allocation.pk)


@pupil_data_required
@capability_required("can_allocate")
@require_POST
def allocation_handover(request: AuthedRequest, pk: int) -> HttpResponse:
    form = HandoverForm(request.POST, request.FILES)
    done = _("Đã ghi nhận bàn giao thiết bị.")
    return _change_allocation(request, pk, form, services.record_handover, done)


@pupil_data_required
@capability_required("can_allocate")
@require_POST
def allocation_return(request: AuthedRequest, pk: int) -> HttpResponse:
    form = ReturnForm(request.POST)
    done = _("Đã ghi nhận thu hồi thiết bị.")
    return _change_allocation(request, pk, form, services.record_return, done)


@pupil_data_required
@capability_required("can_allocate")
@require_POST
def allocation_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    form = CancelForm(request.POST)
    done = _("Đã hủy phân bổ; thiết bị trở lại kho trường.")
    return _change_allocation(request, pk, form, services.cancel_allocation, done)


def _form_errors(request: HttpRequest, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for message in errors:
            messages.error(request, f"{label}: {message}" if label else message)
