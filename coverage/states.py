"""A coverage point's history and the points every school and school site has.

``record_state`` writes ``PointState`` rows (the history a progress report for a past
period counts) and refreshes the public page; ``ensure_place_points`` gives each school
and school site its point from the moment it exists.  The coverage services call
``record_state`` after each change of a point's best technology or plan.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from coverage.models import CoveragePlan, CoveragePoint, PointState
from kernel import public_page
from schools.models import School, SchoolSite


def record_state(point: CoveragePoint) -> PointState | None:
    """Note the point's state from now on, when it changed; the public page is refreshed.

    Its history (``PointState``) is what a progress report for a past period counts;
    a row is added only when the best technology or the plan's stage differs from the
    last one recorded.
    """
    public_page.refresh_on_commit()
    stage = CoveragePlan.objects.filter(point_id=point.pk).values_list("stage", flat=True).first()
    last = PointState.objects.filter(point_id=point.pk).order_by("-at", "-pk").first()
    if last is not None and (last.best_technology, last.plan_stage) == (
        point.best_technology,
        stage,
    ):
        return None
    return PointState.objects.create(
        point=point, at=timezone.now(), best_technology=point.best_technology, plan_stage=stage
    )


def _place_point(school: School | None = None, site: SchoolSite | None = None) -> CoveragePoint:
    """The point a school or school site stands for, not yet saved ("chưa khảo sát")."""
    if school is not None:
        return CoveragePoint(
            kind=CoveragePoint.Kind.SCHOOL,
            school=school,
            name=school.name,
            commune_id=school.commune_id,
            district_id=school.district_id,
            latitude=school.latitude,
            longitude=school.longitude,
        )
    assert site is not None
    return CoveragePoint(
        kind=CoveragePoint.Kind.SITE,
        site=site,
        village_id=site.village_id,
        name=site.name,
        commune_id=site.village.commune_id if site.village else site.school.commune_id,
        district_id=site.school.district_id,
        latitude=site.latitude,
        longitude=site.longitude,
    )


@transaction.atomic
def ensure_place_points(
    *, schools: Iterable[School] = (), sites: Iterable[SchoolSite] = ()
) -> list[CoveragePoint]:
    """Every school and school site is a coverage point from the moment it exists.

    Creates the missing points, unmeasured ("chưa khảo sát"), with the place's
    coordinates when it has them (a point without coordinates is counted but not
    drawn on the map); a point that had no coordinates takes the place's once known.
    Called when a school or site is saved (admin, ``import_schools``, demo data);
    returns the points created.
    """
    created: list[CoveragePoint] = []
    places: list[tuple[School | None, SchoolSite | None]] = [(s, None) for s in schools]
    places += [(None, s) for s in sites]
    for school, site in places:
        existing = CoveragePoint.objects.filter(
            **({"school": school} if school is not None else {"site": site})
        ).first()
        if existing is None:
            point = _place_point(school, site)
            point.save()
            record_state(point)
            created.append(point)
            continue
        place = school if school is not None else site
        if existing.latitude is None and place is not None and place.latitude is not None:
            existing.latitude, existing.longitude = place.latitude, place.longitude
            existing.save(update_fields=["latitude", "longitude", "updated_at"])
    return created
