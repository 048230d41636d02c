"""Reads for the administrative units and schools, always scoped to the user."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from kernel.scoping import ScopedUser, get_for_user
from schools.models import Commune, District, School, SchoolSite


def visible_districts(user: ScopedUser) -> QuerySet[District]:
    return District.objects.visible_to(user)


def visible_schools(user: ScopedUser) -> QuerySet[School]:
    return School.objects.visible_to(user).select_related("district", "commune")


def province_overview(*, user: ScopedUser) -> QuerySet[District]:
    """Every district of the user's province with its counts, in one query."""
    return visible_districts(user).annotate(
        school_count=Count("schools", filter=Q(schools__is_active=True), distinct=True),
        commune_count=Count("communes", distinct=True),
    )


def district_overview(*, user: ScopedUser, pk: int) -> District:
    district = get_for_user(
        District.objects.annotate(commune_count=Count("communes", distinct=True)), user, pk=pk
    )
    district.school_list = list(
        visible_schools(user)
        .filter(district=district)
        .annotate(site_count=Count("sites"))
        .order_by("commune__name", "name")
    )
    return district


def commune_overview(*, user: ScopedUser, pk: int) -> tuple[Commune, list[School]]:
    """A commune officer's commune (of 1 July 2025) and the schools that stand in it today."""
    commune = Commune.objects.select_related("province").get(pk=pk)
    schools: list[School] = list(
        visible_schools(user).annotate(site_count=Count("sites")).order_by("commune__name", "name")
    )
    return commune, schools


def school_overview(*, user: ScopedUser, pk: int) -> School:
    return get_for_user(
        School.objects.select_related("district", "commune").prefetch_related(
            Prefetch("sites", queryset=SchoolSite.objects.select_related("village__commune"))
        ),
        user,
        pk=pk,
    )


def current_communes_of(schools: list[School]) -> dict[int, Commune] | None:
    """Today's commune of each of ``schools`` (a page of a list), five queries whatever
    their number (``schools.grouping``); None when today's units are not loaded (or
    it is before 1 July 2025): the recorded communes are today's."""
    from schools.grouping import CurrentUnits

    units = CurrentUnits.load(schools=School.objects.filter(pk__in=[s.pk for s in schools]))
    if not units.available:
        return None
    by_pk = {c.pk: c for c in units.communes}
    # Those the province has; a school placed in another province's commune is shown
    # without one rather than with a guess.
    return {
        school_id: by_pk[commune_id]
        for school_id, commune_id in units.school_commune.items()
        if commune_id in by_pk
    }


def communes_of(district: District) -> QuerySet[Commune]:
    return district.communes.order_by("name")
