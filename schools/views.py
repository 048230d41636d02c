"""Pages for districts and schools; every lookup goes through the user's scope.

Any logged-in user may open them (``login_required``: no capability is needed, as
``capability_required()`` with none, which lives above this app in ``accounts``):
what each user sees is decided by ``visible_to``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kernel.exporters import XLSX_CONTENT_TYPE, content_disposition
from kernel.http import SignedInRequest, no_store
from kernel.normalize import fold
from kernel.sorting import Sorting
from schools import background_exports, grouping, selectors
from schools.models import ExportJob


@login_required
def district_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    district = selectors.district_overview(user=request.user, pk=pk)
    return render(request, "schools/district_detail.html", {"district": district})


@login_required
def school_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    school = selectors.school_overview(user=request.user, pk=pk)
    return render(request, "schools/school_detail.html", {"school": school})


@login_required
def school_list(request: SignedInRequest) -> HttpResponse:
    schools = selectors.visible_schools(request.user).order_by("district__code", "name")
    query = request.GET.get("q", "").strip()
    district_id = request.GET.get("district", "")
    if district_id.isdigit():
        schools = schools.filter(district_id=int(district_id))
    if query:
        wanted = fold(query)
        ids = [
            pk
            for pk, name, code in schools.values_list("pk", "name", "code")
            if wanted in fold(name) or wanted in code
        ]
        schools = schools.filter(pk__in=ids)
    sorting = Sorting.from_params(request.GET, SCHOOL_SORTS, default=("district__code", "name"))
    page = Paginator(sorting.apply(schools), 50).get_page(request.GET.get("page"))
    districts = selectors.visible_districts(request.user)
    # Today's commune of each school on the page (the default), or the units of the time.
    choice = grouping.parse(request.GET)
    today = selectors.current_communes_of(list(page)) if choice == grouping.CURRENT else None
    rows = [(school, today.get(school.pk) if today else None) for school in page]
    return render(
        request,
        "schools/school_list.html",
        {
            "page": page,
            "rows": rows,
            "query": query,
            "districts": districts,
            "district_id": district_id,
            "sorting": sorting,
            "querystring": _without_page(request),
            "by_today": today is not None,
            "switch": _grouping_switch(request, choice, today is not None),
        },
    )


def _grouping_switch(
    request: SignedInRequest, choice: str, by_today: bool
) -> dict[str, str] | None:
    """The link to the other grouping: to the units of the time from today's, and back."""
    params = request.GET.copy()
    params.pop("page", None)
    if by_today:
        params[grouping.PARAM] = grouping.OLD
        return {"url": "?" + params.urlencode(), "label": _("Theo đơn vị hành chính cũ")}
    if choice == grouping.OLD:
        params.pop(grouping.PARAM, None)
        return {"url": "?" + params.urlencode(), "label": _("Theo đơn vị hành chính hiện nay")}
    return None


def _without_page(request: SignedInRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# The school list's sortable columns (``?sap_xep=``).
SCHOOL_SORTS = {
    "ma": ("code",),
    "ten": ("name",),
    "cap": ("level",),
    "xa": ("commune__name",),
    "huyen": ("district__name",),
}


# --- background exports: start (POST), follow, download (only the requesting user) ---------


@require_POST
@login_required
def export_start(request: SignedInRequest, key: str) -> HttpResponse:
    job = background_exports.start_export(
        user=request.user,
        key=key,
        params=background_exports.clean_params(request.POST),
    )
    return redirect("schools:export_detail", pk=job.pk)


def _own_job(request: SignedInRequest, pk: int) -> ExportJob:
    return get_object_or_404(ExportJob, pk=pk, user=request.user)


@login_required
def export_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    entry = background_exports.get_export(job.exporter)
    return render(request, "schools/export_detail.html", {"job": job, "entry": entry})


@login_required
def export_status(request: SignedInRequest, pk: int) -> JsonResponse:
    job = _own_job(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "rows": job.rows,
            "done": job.status == ExportJob.Status.DONE,
            "finished": job.status in (ExportJob.Status.DONE, ExportJob.Status.FAILED),
            "error": job.error,
            "download_url": reverse("schools:export_download", args=[job.pk])
            if job.status == ExportJob.Status.DONE
            else "",
        }
    )


@login_required
@no_store
def export_download(request: SignedInRequest, pk: int) -> FileResponse:
    job = _own_job(request, pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    entry = background_exports.get_export(job.exporter)
    response = FileResponse(job.file.open("rb"), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(
        entry.filename_for(job.user, job.params or {})
    )
    return response
