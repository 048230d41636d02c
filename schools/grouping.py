"""Grouping records by today's units, or by the units of the time (issue 16).

Records keep the unit they were recorded with: a school its commune (and district) of
2021, a coverage point its commune and district. A page that groups "by today's units"
reads once where every school and every recorded commune stands on a day
(``CurrentUnits.load``: five queries for any number of units) and folds figures that the
database grouped by school or by commune into today's communes; "by the units of the
time" groups by the recorded district, as the records were made. Nothing is rewritten.

The switch travels as ``?don_vi=cu`` (``PARAM``/``OLD``); today's units are the default.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from kernel.scoping import Ids, in_provinces
from schools.crosswalk import Crosswalk
from schools.models_reform import GENERATION_2025, REFORM_DATE, SchoolPlacement

CURRENT = "moi"
OLD = "cu"
PARAM = "don_vi"
CHOICES = (CURRENT, OLD)


def parse(params: Any, default: str = CURRENT) -> str:
    """The grouping a page was asked for (``?don_vi=cu``), ``default`` otherwise."""
    value = str(params.get(PARAM, "") or "")
    return value if value in CHOICES else default


@dataclass
class CurrentUnits:
    """Where each school and each recorded commune stands on ``on``: today's communes
    (``communes``, the rows of a page) and two dicts of ids. A school or a commune that
    the crosswalk cannot place (its old commune was split, or no list knows it) is
    missing from the dicts: pages show it in one row "not placed", never guess."""

    on: dt.date
    communes: list[Any] = field(default_factory=list)
    school_commune: dict[int, int] = field(default_factory=dict)
    commune_current: dict[int, int] = field(default_factory=dict)
    _today_ids: set[int] | None = field(default=None, repr=False)

    @classmethod
    def load(
        cls,
        *,
        schools: QuerySet[Any],
        province_id: Ids | None = None,
        on: dt.date | None = None,
    ) -> CurrentUnits:
        """Five queries: today's communes of the province(s), the schools, their
        placements, the 2023–2024 changes and the 2025 crosswalk lines. Before the reform
        (``on`` earlier than 1 July 2025) the units of the time are today's: no query."""
        from schools.models import Commune

        units = cls(on or timezone.localdate())
        if units.on < REFORM_DATE:
            return units
        communes = Commune.objects.filter(generation_id=GENERATION_2025)
        if province_id:
            communes = communes.filter(in_provinces("province_id", province_id))
        units.communes = list(communes.order_by("code"))
        if not units.communes:
            return units
        today = {c.pk for c in units.communes}
        recorded = list(schools.values_list("pk", "commune_id", "commune__generation_id"))
        placements: dict[int, list[SchoolPlacement]] = defaultdict(list)
        for placement in SchoolPlacement.objects.filter(school_id__in=[r[0] for r in recorded]):
            placements[placement.school_id].append(placement)
        for pk, resolution in Crosswalk.load(on=units.on).resolve_all().items():
            if (commune := resolution.commune) is not None and commune.pk in today:
                units.commune_current[pk] = commune.pk
        for school_id, commune_id, generation in recorded:
            placed = next((p for p in placements[school_id] if p.covers(units.on)), None)
            if placed is not None:
                target: int | None = placed.commune_id
            elif generation == GENERATION_2025:
                target = commune_id
            else:
                target = units.commune_current.get(commune_id)
            if target is not None:
                units.school_commune[school_id] = target
        return units

    @property
    def available(self) -> bool:
        """Today's units differ from those of the time and are loaded."""
        return bool(self.communes)

    def of_point(self, school_id: int | None, commune_id: int | None) -> int | None:
        """Today's commune of a coverage point: its school's, else its recorded commune's."""
        if school_id is not None:
            return self.school_commune.get(school_id)
        if commune_id is None:
            return None
        return self.commune_current.get(
            commune_id, commune_id if self._is_today(commune_id) else None
        )

    def _is_today(self, commune_id: int) -> bool:
        return any(c.pk == commune_id for c in self.communes)

    def old_communes_of(self, commune_id: int) -> list[int]:
        """The recorded communes whose records belong to ``commune_id`` today (itself too)."""
        return sorted(
            {commune_id} | {old for old, new in self.commune_current.items() if new == commune_id}
        )


def school_filter(path: str, school_ids: frozenset[int] | set[int]) -> Q:
    """Rows whose ``path`` (a school FK) is one of ``school_ids``, in a stable order."""
    return Q(**{f"{path}__in": sorted(school_ids)})
