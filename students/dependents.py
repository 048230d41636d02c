"""What the apps above ``students`` hold about a pupil, asked without importing them.

Proposals (``rounds``) and devices and data packages (``devices``) point at a pupil,
and a few pupil rules depend on them: a pair of duplicates shows them, a merge is
refused when both records hold one of a kind and moves them otherwise, a household
with pupils in a decided proposal is locked, a pupil in a submitted proposal is not
deleted. ``students`` sits below those apps (they import its models), so each of
them registers a ``PupilDependents`` in its ``AppConfig.ready`` and the pupil rules
ask the registry: the dependency points one way, and the rules stay here.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

if TYPE_CHECKING:
    from students.models import Student


class PupilDependents:
    """One app's records that hang off a pupil; every method has a neutral default."""

    #: Names what ``summaries`` lists (``PupilSide`` field: "proposals", "allocations").
    key: str = ""

    def summaries(self, pupil_ids: Collection[int]) -> dict[int, list[str]]:
        """One short line per record of each pupil (the duplicate review page)."""
        return {}

    def merge_conflicts(self, kept: Student, away: Student) -> list[str]:
        """Why the two records cannot be merged (one message per conflict)."""
        return []

    def move(self, *, away: Student, kept: Student) -> dict[str, int]:
        """Move ``away``'s records to ``kept``; how many of each kind moved."""
        return {}

    def decided(self, pupils: QuerySet[Student]) -> QuerySet[Student]:
        """Those of ``pupils`` in a proposal already submitted, approved or confirmed."""
        return pupils.none()

    def blocks_deletion(self, student: Student) -> bool:
        """Whether ``student`` must stay (e.g. in a submitted proposal)."""
        return False

    def before_delete(self, *, actor: Any, student: Student) -> None:
        """Remove (with an audit record) what may go with a pupil deleted by mistake."""


_REGISTRY: list[PupilDependents] = []


def register(dependents: PupilDependents) -> None:
    """Called from an app's ``ready()``; registering the same kind twice keeps one."""
    if not any(type(d) is type(dependents) for d in _REGISTRY):
        _REGISTRY.append(dependents)


def registered() -> tuple[PupilDependents, ...]:
    return tuple(_REGISTRY)


def summaries(key: str, pupil_ids: Collection[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for dependents in _REGISTRY:
        if dependents.key == key:
            for pk, lines in dependents.summaries(pupil_ids).items():
                found.setdefault(pk, []).extend(lines)
    return found


def merge_conflicts(kept: Student, away: Student) -> list[str]:
    return [problem for d in _REGISTRY for problem in d.merge_conflicts(kept, away)]


def move(*, away: Student, kept: Student) -> dict[str, int]:
    moved: dict[str, int] = {}
    for dependents in _REGISTRY:
        moved.update(dependents.move(away=away, kept=kept))
    return moved


def any_decided(pupils: QuerySet[Student]) -> bool:
    return any(d.decided(pupils).exists() for d in _REGISTRY)


def decided_ids(pupils: QuerySet[Student]) -> set[int]:
    ids: set[int] = set()
    for dependents in _REGISTRY:
        ids.update(dependents.decided(pupils).values_list("pk", flat=True))
    return ids


def blocks_deletion(student: Student) -> bool:
    return any(d.blocks_deletion(student) for d in _REGISTRY)


def before_delete(*, actor: Any, student: Student) -> None:
    for dependents in _REGISTRY:
        dependents.before_delete(actor=actor, student=student)
