"""The supported pupils and whether each is ready to learn online (``devices.readiness``)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from accounts import access
from accounts.access import capability_required, pupil_data_required
from accounts.http import AuthedRequest
from devices import exports, readiness
from devices.views.common import paginate, wants_export
from kernel.exports import export_button, export_response
from schools.models import School

EXPORT = exports.READINESS
READINESS_SORTS = {
    "truong": ("school__name",),
    "hoc_sinh": ("sort_key",),
    "lop": ("grade", "class_name"),
    "thiet_bi": ("with_device",),
    "goi_cuoc": ("with_package",),
    "tai_khoan": ("with_platform",),
}
READINESS_DEFAULT = ("school__name", "sort_key", "pk")


@pupil_data_required
@capability_required("can_allocate", "can_view_reports")
def readiness_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    rows = readiness.pupil_rows(user, request.GET)
    if wants_export(request):
        return export_response(request, key=EXPORT, objects=rows)
    is_school = access.is_school_user(user)
    context = {
        "is_school": is_school,
        "filters": {
            "thieu": request.GET.get("thieu", ""),
            "school": request.GET.get("school", ""),
            "q": request.GET.get("q", ""),
        },
        "filter_choices": [
            ("any", readiness.ANY_LABEL),
            *readiness.MISSING_LABELS.items(),
            ("ready", readiness.READY_LABEL),
        ],
        "schools": (
            School.objects.none()
            if is_school
            else School.objects.visible_to(user).filter(is_active=True).order_by("name")
        ),
        "totals": readiness.counts_for_user(user),
        **paginate(request, rows, sorts=READINESS_SORTS, default=READINESS_DEFAULT),
    }
    context["export"] = export_button(request, key=EXPORT, count=context["page"].paginator.count)
    return render(request, "devices/readiness.html", context)
