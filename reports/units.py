"""The rows of a dashboard and how a figure grouped in SQL finds its row.

Each source table is aggregated once, grouped by a unit path (``Units.paths``) and kept
to the board's scope (``Units.where``). By the units of the time the path is the row
itself (the recorded district, or the school); by today's units the database groups by
school (and a coverage point by school and recorded commune) and ``schools.grouping``'s
dicts, read once, fold those groups into today's communes: no query per unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from kernel.scoping import Ids, in_provinces
from reports.board import Level, UnitFigures
from schools import grouping
from schools.grouping import CurrentUnits
from schools.models import Commune, District, School

# Grouping expression per source: district for the province, school below.
BY_DISTRICT: dict[str, Any] = {
    "student": F("school__district_id"),
    "item": F("proposal__school__district_id"),
    "allocation": F("school__district_id"),
    "subscription": F("student__school__district_id"),
    "coverage": F("district_id"),
}
BY_SCHOOL: dict[str, Any] = {
    "student": F("school_id"),
    "item": F("proposal__school_id"),
    "allocation": F("school_id"),
    "subscription": F("student__school_id"),
    "coverage": Coalesce("school_id", "site__school_id"),
}
# The school of a row of each source.
SCHOOL_PATH = {
    "student": "school",
    "item": "proposal__school",
    "allocation": "school",
    "subscription": "student__school",
}


@dataclass
class Units:
    """A board's rows (by pk, in display order) and the way to them."""

    level: str
    title: str
    rows: dict[int, UnitFigures]
    paths: dict[str, Any]
    where: Callable[[str], Q]
    grouping: str = grouping.OLD
    can_regroup: bool = False
    # Coverage points without a school (village centres), at district and commune level.
    villages: UnitFigures | None = None
    # By today's units: each school's row, and where coverage points of no school go.
    current: CurrentUnits | None = None
    unplaced: UnitFigures | None = None
    district: District | None = None
    school: School | None = None
    commune: Commune | None = None
    school_rows: dict[int, int | None] = field(default_factory=dict)

    @property
    def by_commune(self) -> bool:
        """Coverage points are grouped by school *and* recorded commune (today's units)."""
        return self.current is not None

    def target(self, unit: int | None) -> UnitFigures | None:
        """The row of a group whose unit path gave ``unit``."""
        if self.current is not None:
            commune = self.current.school_commune.get(unit) if unit is not None else None
            return self.unplaced if commune is None else self.rows.get(commune, self.unplaced)
        if unit is None:
            return self.villages
        return self.rows.get(unit)

    def point_target(self, item: dict[str, Any]) -> UnitFigures | None:
        """The row of a group of coverage points (``unit``, and ``commune`` by today's units)."""
        if self.current is None:
            return self.target(item["unit"])
        commune = self.current.of_point(item["unit"], item["recorded_commune"])
        return self.unplaced if commune is None else self.rows.get(commune, self.unplaced)

    def result_rows(self) -> list[UnitFigures]:
        rows = list(self.rows.values())
        if self.villages is not None and self.villages.coverage_total:
            rows.append(self.villages)
        if self.unplaced is not None and any(
            getattr(self.unplaced, name) for name in ("needy", "proposed", "coverage_total")
        ):
            rows.append(self.unplaced)
        return rows


def _figures(units: Any) -> dict[int, UnitFigures]:
    return {u.pk: UnitFigures(pk=u.pk, code=u.code, name=u.name) for u in units}


def _villages() -> UnitFigures:
    return UnitFigures(pk=None, code="", name=_("Trung tâm thôn/bản"), has_pupils=False)


def province_units(
    province_id: Ids | None, *, choice: str | None = None, on: dt.date | None = None
) -> Units:
    """The province's rows: today's communes (``choice`` CURRENT) when they are loaded,
    else the districts of the time. ``choice`` None: the districts, no switch offered (the
    benchmark's and the tests' default); OLD: the districts, asked for on the page."""

    def where(source: str) -> Q:
        if not province_id:
            return Q()
        if source == "coverage":
            return in_provinces("district__province_id", province_id)
        return in_provinces(f"{SCHOOL_PATH[source]}__district__province_id", province_id)

    title = _("Toàn tỉnh")
    if choice == grouping.CURRENT:
        schools = School.objects.all()
        if province_id:
            schools = schools.filter(in_provinces("district__province_id", province_id))
        current = grouping.CurrentUnits.load(schools=schools, province_id=province_id, on=on)
        if current.available:
            return Units(
                level=Level.PROVINCE,
                title=title,
                rows=_figures(current.communes),
                paths=BY_SCHOOL,
                where=where,
                grouping=grouping.CURRENT,
                can_regroup=True,
                current=current,
                unplaced=UnitFigures(
                    pk=None, code="", name=_("Chưa xác định được xã/phường hiện nay")
                ),
                school_rows=dict(current.school_commune),
            )
    districts = District.objects.filter(is_active=True)
    if province_id:
        districts = districts.filter(in_provinces("province_id", province_id))
    return Units(
        level=Level.PROVINCE,
        title=title,
        rows=_figures(districts.order_by("code")),
        paths=BY_DISTRICT,
        where=where,
        can_regroup=choice == grouping.OLD,
    )


def district_units(district: District) -> Units:
    def where(source: str) -> Q:
        if source == "coverage":
            return Q(district_id=district.pk)
        return Q(**{f"{SCHOOL_PATH[source]}__district_id": district.pk})

    schools = School.objects.filter(district=district, is_active=True).order_by("code")
    return Units(
        level=Level.DISTRICT,
        title=district.name,
        rows=_figures(schools),
        paths=BY_SCHOOL,
        where=where,
        villages=_villages(),
        district=district,
    )


def commune_units(commune: Commune, school_ids: frozenset[int], on: dt.date | None = None) -> Units:
    """A commune of today: the schools standing in it (``school_ids``), and the village
    centres of every recorded commune that went wholly into it."""
    current = grouping.CurrentUnits.load(
        schools=School.objects.filter(pk__in=sorted(school_ids)), on=on
    )
    old_communes = current.old_communes_of(commune.pk)

    def where(source: str) -> Q:
        if source == "coverage":
            return (
                grouping.school_filter("school_id", school_ids)
                | grouping.school_filter("site__school_id", school_ids)
                | Q(school__isnull=True, site__isnull=True, commune_id__in=old_communes)
            )
        return grouping.school_filter(f"{SCHOOL_PATH[source]}_id", school_ids)

    schools = School.objects.filter(pk__in=sorted(school_ids), is_active=True).order_by("code")
    rows = _figures(schools)
    return Units(
        level=Level.COMMUNE,
        title=commune.name,
        rows=rows,
        paths=BY_SCHOOL,
        where=where,
        grouping=grouping.CURRENT,
        villages=_villages(),
        commune=commune,
        school_rows={pk: pk for pk in rows},
    )


def school_units(school: School) -> Units:
    def where(source: str) -> Q:
        if source == "coverage":
            return Q(school_id=school.pk) | Q(site__school_id=school.pk)
        return Q(**{f"{SCHOOL_PATH[source]}_id": school.pk})

    return Units(
        level=Level.SCHOOL,
        title=school.name,
        rows=_figures([school]),
        paths=BY_SCHOOL,
        where=where,
        district=school.district,
        school=school,
    )
