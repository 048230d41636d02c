"""Today's unit of a record's unit, derived — never by rewriting the record.

A 2021 commune reaches the units in force on a day in up to two steps: the
2023–2024 merges an administrator recorded (``InterimUnitChange``, each with its
resolution), then, from 1 July 2025, the package's crosswalk (``CommuneSuccession``).
A commune split between several successors is reported as ambiguous, never guessed.

``Crosswalk.load()`` reads both tables in two queries for any number of communes,
so a page grouping by today's units makes no query per unit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models_reform import (
    GENERATION_2021,
    REFORM_DATE,
    CommuneSuccession,
    InterimUnitChange,
    in_period_q,
)

if TYPE_CHECKING:
    from schools.models import Commune, School


@dataclass(frozen=True)
class Step:
    """One move of a resolution: from a unit to its successor, and why."""

    old: Commune
    new: Commune
    basis: str
    effective: dt.date
    partial: bool = False

    def __str__(self) -> str:
        text = _("%(old)s → %(new)s (%(basis)s, từ %(day)s)") % {
            "old": self.old,
            "new": self.new,
            "basis": self.basis,
            "day": self.effective.strftime("%d/%m/%Y"),
        }
        return text + (_(", một phần") if self.partial else "")


@dataclass(frozen=True)
class Resolution:
    """Where the records of ``source`` belong on ``on``: ``communes`` is one unit when
    the way is clear, several when the commune was split, none when no list knows it."""

    source: Commune
    on: dt.date
    communes: tuple[Commune, ...]
    steps: tuple[Step, ...] = field(default=())

    @property
    def commune(self) -> Commune | None:
        """The one unit, or None when ambiguous or unknown."""
        return self.communes[0] if len(self.communes) == 1 else None

    @property
    def is_ambiguous(self) -> bool:
        return len(self.communes) > 1

    @property
    def is_unknown(self) -> bool:
        return not self.communes

    def __str__(self) -> str:
        if self.is_unknown:
            return _("%(c)s: không có trong bảng chuyển đổi") % {"c": self.source}
        if self.is_ambiguous:
            return _("%(c)s: đã chia cho %(names)s — cần chọn") % {
                "c": self.source,
                "names": ", ".join(str(c) for c in self.communes),
            }
        return str(self.communes[0])


# The package's crosswalk carries no resolution per commune; its lines are the
# arrangement that took effect with the two-level units.
PACKAGE_BASIS = "vietnam-provinces 2026.2.0"


class Crosswalk:
    """Both steps of the crosswalk, read once for a set of communes."""

    def __init__(
        self,
        on: dt.date,
        interim: dict[int, list[InterimUnitChange]],
        successions: dict[int, list[CommuneSuccession]],
    ) -> None:
        self.on = on
        self._interim = interim
        self._successions = successions

    @classmethod
    def load(
        cls, *, on: dt.date | None = None, communes: Iterable[Commune] | None = None
    ) -> Crosswalk:
        """Read the interim changes in force on ``on`` (a small table, all of it) and the
        2025 crosswalk lines of the communes they lead to (all lines when ``communes`` is None)."""
        on = on or timezone.localdate()
        interim: dict[int, list[InterimUnitChange]] = defaultdict(list)
        changes = InterimUnitChange.objects.filter(effective_date__lte=on).select_related(
            "old", "successor"
        )
        for change in changes:
            interim[change.old_id].append(change)
        successions: dict[int, list[CommuneSuccession]] = defaultdict(list)
        if on >= REFORM_DATE:
            lines = CommuneSuccession.objects.select_related("old", "new")
            if communes is not None:
                lines = lines.filter(old_id__in=_reachable({c.pk for c in communes}, interim))
            for line in lines:
                successions[line.old_id].append(line)
        return cls(on, interim, successions)

    def resolve(self, commune: Commune) -> Resolution:
        if commune.generation_id != GENERATION_2021:
            return Resolution(commune, self.on, (commune,))
        frontier: list[tuple[Commune, tuple[Step, ...]]] = [(commune, ())]
        final: dict[int, Commune] = {}
        steps: list[Step] = []
        seen: set[int] = set()
        while frontier:
            unit, path = frontier.pop()
            if unit.pk in seen:  # a loop in the recorded changes: stop rather than spin
                continue
            seen.add(unit.pk)
            moves = self._moves(unit)
            if moves is None:
                final[unit.pk] = unit
                continue
            for step in moves:
                steps.append(step)
                frontier.append((step.new, (*path, step)))
        ordered = tuple(sorted(final.values(), key=lambda c: c.code))
        return Resolution(commune, self.on, ordered, tuple(steps))

    def resolve_all(self) -> dict[int, Resolution]:
        """Every commune the loaded tables lead from, by id: what a page grouping recorded
        units under today's needs (``resolutions[record.commune_id]``), with no query per unit."""
        sources = {line.old.pk: line.old for lines in self._successions.values() for line in lines}
        sources |= {c.old.pk: c.old for changes in self._interim.values() for c in changes}
        return {pk: self.resolve(commune) for pk, commune in sources.items()}

    def _moves(self, unit: Commune) -> list[Step] | None:
        """The steps out of ``unit`` on this crosswalk's day; None when ``unit`` is in force."""
        if changes := self._interim.get(unit.pk):
            return [Step(c.old, c.successor, c.legal_basis, c.effective_date) for c in changes]
        if unit.generation_id != GENERATION_2021:
            return None
        if self.on < REFORM_DATE:
            return None
        return [
            Step(line.old, line.new, PACKAGE_BASIS, REFORM_DATE, line.partial)
            for line in self._successions.get(unit.pk, [])
        ] or []


def communes_in_force(day: dt.date | None = None) -> QuerySet[Commune]:
    """The communes of the list in force on ``day`` (today): the two-level list since
    1 July 2025, the three-level one before (2023–2024 merges aside)."""
    from schools.models import Commune

    day = day or timezone.localdate()
    return Commune.objects.filter(in_period_q(day, "generation__"))


def _reachable(ids: set[int], interim: dict[int, list[InterimUnitChange]]) -> set[int]:
    """``ids`` and every commune the interim changes lead them to."""
    reached, todo = set(ids), list(ids)
    while todo:
        for change in interim.get(todo.pop(), []):
            if change.successor_id not in reached:
                reached.add(change.successor_id)
                todo.append(change.successor_id)
    return reached


def school_commune_on(school: School, day: dt.date) -> Commune | None:
    """A school's commune on ``day``: its placement for that day when one is recorded,
    else its recorded commune carried through the crosswalk (None for a split)."""
    placements = getattr(school, "_prefetched_objects_cache", {}).get("placements")
    if placements is None:
        placements = school.placements.select_related("commune")
    for placement in placements:
        if placement.covers(day):
            return placement.commune
    return school.commune.resolve_on(day).commune
