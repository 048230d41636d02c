"""Pages for districts and schools; every lookup goes through the user's scope."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import capability_required
from schools import selectors
from schools.normalize import fold


@capability_required()
def district_detail(request: HttpRequest, pk: int) -> HttpResponse:
    district = selectors.district_overview(user=request.user, pk=pk)  # type: ignore[arg-type]
    return render(request, "schools/district_detail.html", {"district": district})


@capability_required()
def school_detail(request: HttpRequest, pk: int) -> HttpResponse:
    school = selectors.school_overview(user=request.user, pk=pk)  # type: ignore[arg-type]
    return render(request, "schools/school_detail.html", {"school": school})


@capability_required()
def school_list(request: HttpRequest) -> HttpResponse:
    schools = selectors.visible_schools(request.user).order_by("district__code", "name")  # type: ignore[arg-type]
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
    page = Paginator(schools, 50).get_page(request.GET.get("page"))
    districts = selectors.visible_districts(request.user)  # type: ignore[arg-type]
    return render(
        request,
        "schools/school_list.html",
        {"page": page, "query": query, "districts": districts, "district_id": district_id},
    )
