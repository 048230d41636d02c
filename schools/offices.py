"""Who decides for a school on a day, and which schools a commune holds on a day.

Before 1 July 2025: the district education office of the school's district. From
1 July 2025 (Decree 142/2025/NĐ-CP): the Sở GD&ĐT for upper-secondary schools (THPT,
THCS&THPT) and continuing-education centres (GDTX), the People's Committee of the
school's commune on that day for every other school. A school whose commune on that
day is ambiguous (its old commune was split) has no office until an administrator
records a ``SchoolPlacement``: the answer is None and ``OfficeChart.gap`` says why.

``OfficeChart.load(schools, on=...)`` answers for any number of schools in a fixed
number of queries; ``deciding_office(school, on)`` is the one-school form.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.crosswalk import Crosswalk
from schools.models import (
    REFORM_DATE,
    Commune,
    District,
    Office,
    Province,
    School,
    SchoolPlacement,
)
from schools.models_reform import in_period_q

# Levels the Sở GD&ĐT decides for since 1 July 2025.
PROVINCE_RUN_LEVELS = frozenset(
    {School.Level.UPPER_SECONDARY, School.Level.LOWER_UPPER, School.Level.CONTINUING}
)


def is_province_run(school: School) -> bool:
    return school.level in PROVINCE_RUN_LEVELS


class OfficeChart:
    """The deciding office of each of a set of schools on one day."""

    def __init__(self, on: dt.date) -> None:
        self.on = on
        self.offices: dict[int, Office | None] = {}
        self.gaps: dict[int, str] = {}

    @classmethod
    def load(cls, schools: Iterable[School], *, on: dt.date | None = None) -> OfficeChart:
        """A fixed number of queries, whatever the number of schools: placements, the
        two tables of the crosswalk, the districts' provinces, their successors (one
        query a generation) and the offices in force."""
        chart = cls(on or timezone.localdate())
        schools = list(schools)
        if chart.on < REFORM_DATE:
            chart._before_reform(schools)
        else:
            chart._after_reform(schools)
        return chart

    def office(self, school: School) -> Office | None:
        return self.offices.get(school.pk)

    def gap(self, school: School) -> str | None:
        """Why ``school`` has no office on the chart's day (None when it has one)."""
        return self.gaps.get(school.pk)

    def _before_reform(self, schools: list[School]) -> None:
        offices = {
            o.district_id: o
            for o in Office.objects.filter(
                in_period_q(self.on),
                kind=Office.Kind.DISTRICT_OFFICE,
                district_id__in={s.district_id for s in schools},
            )
        }
        for school in schools:
            self._set(school, offices.get(school.district_id))

    def _after_reform(self, schools: list[School]) -> None:
        communes = communes_on([s for s in schools if not is_province_run(s)], self.on)
        district_province = dict(
            District.objects.filter(pk__in={s.district_id for s in schools}).values_list(
                "pk", "province_id"
            )
        )
        current = _current_provinces(set(district_province.values()))
        province_of = {d: current[p] for d, p in district_province.items()}
        found = Office.objects.filter(in_period_q(self.on)).filter(
            Q(kind=Office.Kind.COMMUNE_COMMITTEE, commune_id__in=[c.pk for c in communes.values()])
            | Q(kind=Office.Kind.DEPARTMENT, province_id__in=set(province_of.values()))
        )
        committees, departments = {}, {}
        for o in found:
            if o.kind == Office.Kind.COMMUNE_COMMITTEE:
                committees[o.commune_id] = o
            else:
                departments[o.province_id] = o
        for school in schools:
            if is_province_run(school):
                self._set(school, departments.get(province_of.get(school.district_id, -1)))
                continue
            commune = communes.get(school.pk)
            if commune is None:
                self.offices[school.pk] = None
                self.gaps[school.pk] = _(
                    "Chưa xác định được xã/phường của trường %(s)s ngày %(d)s (xã cũ đã chia "
                    "cho nhiều xã mới): quản trị viên cần ghi địa bàn của trường."
                ) % {"s": school, "d": self.on.strftime("%d/%m/%Y")}
                continue
            self._set(school, committees.get(commune.pk))

    def _set(self, school: School, office: Office | None) -> None:
        self.offices[school.pk] = office
        if office is None:
            self.gaps[school.pk] = _("Chưa có cơ quan quản lý trường %(s)s ngày %(d)s.") % {
                "s": school,
                "d": self.on.strftime("%d/%m/%Y"),
            }


def _current_provinces(province_ids: set[int]) -> dict[int, int]:
    """Each province's successor in force (itself when it has none): one query a step."""
    result = {pk: pk for pk in province_ids}
    todo = set(province_ids)
    while todo:
        successors = dict(
            Province.objects.filter(pk__in=todo, successor__isnull=False).values_list(
                "pk", "successor_id"
            )
        )
        for start, at in result.items():
            if at in successors:
                result[start] = successors[at]
        todo = set(successors.values())
    return result


def deciding_office(school: School, on: dt.date) -> Office | None:
    """The office that decides for ``school`` on ``on``; None (with ``OfficeChart.gap``
    giving the reason) when no office can be named, e.g. the school's commune was split."""
    return OfficeChart.load([school], on=on).office(school)


def communes_on(schools: Iterable[School], on: dt.date) -> dict[int, Commune]:
    """Each school's commune on ``on`` (``School.commune_on`` for many schools in three
    queries); a school whose commune cannot be told (a split) is left out."""
    schools = list(schools)
    if not schools:
        return {}
    placements: dict[int, list[SchoolPlacement]] = defaultdict(list)
    prefetched = [getattr(s, "_prefetched_objects_cache", {}).get("placements") for s in schools]
    if all(p is not None for p in prefetched):
        for school, found in zip(schools, prefetched, strict=True):
            placements[school.pk] = list(found or [])
    else:
        for placement in SchoolPlacement.objects.filter(
            school_id__in=[s.pk for s in schools]
        ).select_related("commune"):
            placements[placement.school_id].append(placement)
    result: dict[int, Commune] = {}
    unplaced: list[School] = []
    for school in schools:
        placed = next((p for p in placements[school.pk] if p.covers(on)), None)
        if placed is not None:
            result[school.pk] = placed.commune
        else:
            unplaced.append(school)
    uncached = [s for s in unplaced if not School.commune.is_cached(s)]
    if uncached:
        loaded = Commune.objects.in_bulk({s.commune_id for s in uncached})
        for school in uncached:
            school.commune = loaded[school.commune_id]
    crosswalk = Crosswalk.load(on=on, communes=[s.commune for s in unplaced])
    for school in unplaced:
        commune = crosswalk.resolve(school.commune).commune
        if commune is not None:
            result[school.pk] = commune
    return result


def school_ids_in_commune(commune_id: int, on: dt.date | None = None) -> frozenset[int]:
    """The schools that stand in ``commune_id`` on ``on`` (today): a commune officer's
    scope. Placements first, else the recorded commune through the crosswalk."""
    on = on or timezone.localdate()
    candidates = School.objects.filter(
        Q(commune_id=commune_id)
        | Q(commune__successions__new_id=commune_id)
        | Q(commune__interim_changes__isnull=False)
        | Q(placements__commune_id=commune_id)
    ).distinct()
    schools = list(
        candidates.select_related("commune").prefetch_related(
            Prefetch("placements", queryset=SchoolPlacement.objects.select_related("commune"))
        )
    )
    located = communes_on(schools, on)
    return frozenset(pk for pk, commune in located.items() if commune.pk == commune_id)
