"""One mechanism for ``visible_to(user)``: each scoped queryset declares the lookups that
lead from its model to a province, a district and a school, and the rule is written once.

A school user sees what hangs off their school, a district officer what hangs off their
district, a provincial user what hangs off their province; anyone else sees nothing.
Several lookups for one level are alternatives (OR): a device is in a district's view
when the district holds it *or* one of its schools does.

Every subclass must declare all three tuples itself (checked when the class is
created). An empty tuple means "nothing at that level" — never "everything": with a
second province in the database, "province level" must not mean "every province".
A lookup is a field path compared with the unit's id, or a callable taking the id and
returning a ``Q`` for rows whose way to the unit is conditional (a device in the
provincial store belongs to the province that recorded where it came from).

A scope may cover several units of a level: a province of 1 July 2025 covers the
provinces it succeeded (``Scope.province_ids``), a commune officer the schools of the
commune (``Scope.school_ids``). A path is then matched with ``__in``, and a callable
receives the set (``Ids``); ``match_ids`` builds either form.

A commune officer sees what hangs off the commune's schools (``school_lookups``) and,
where a model has them, rows held by the commune itself (``commune_lookups``, matched
with ``Scope.commune_id``: a commune committee's device store). That tuple is optional:
most rows reach a commune only through its schools, and an empty one adds nothing.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import reduce
from typing import Any, ClassVar, Protocol, Self, TypeVar

from django.db import models
from django.shortcuts import get_object_or_404


class Scope(Protocol):
    """Where a user may look (``accounts.models.Scope``): the kernel needs only this much."""

    @property
    def is_provincial(self) -> bool: ...
    @property
    def is_district(self) -> bool: ...
    @property
    def is_school(self) -> bool: ...
    @property
    def is_commune(self) -> bool: ...
    @property
    def province_id(self) -> int | None: ...
    @property
    def province_ids(self) -> frozenset[int]: ...
    @property
    def school_ids(self) -> frozenset[int]: ...
    @property
    def district_id(self) -> int | None: ...
    @property
    def commune_id(self) -> int | None: ...
    @property
    def school_id(self) -> int | None: ...


class ScopedUser(Protocol):
    """A user with a scope (``accounts.models.User``)."""

    @property
    def scope(self) -> Scope: ...


class SignedInUser(ScopedUser, Protocol):
    """A signed-in portal user as the kernel sees one: a scope and capabilities."""

    @property
    def pk(self) -> Any: ...
    @property
    def capabilities(self) -> frozenset[str]: ...
    def can(self, capability: str) -> bool: ...


# One unit's id, or the ids of several units of one level (a province and its predecessors).
Ids = int | frozenset[int]
Lookup = str | Callable[[Ids], models.Q]
LEVELS = ("province_lookups", "district_lookups", "school_lookups")
M = TypeVar("M", bound=models.Model)
M_co = TypeVar("M_co", bound=models.Model, covariant=True)


class VisibleTo(Protocol[M_co]):
    """Any queryset of ``M_co`` that narrows itself to what a user may see: a
    ``ScopedQuerySet`` or one with a rule of its own (donations')."""

    def visible_to(self, user: Any) -> models.QuerySet[M_co]: ...


class ScopedQuerySet(models.QuerySet[M]):
    """A queryset of ``M`` that knows how to narrow itself to what a user may see."""

    province_lookups: ClassVar[tuple[Lookup, ...]] = ()
    district_lookups: ClassVar[tuple[Lookup, ...]] = ()
    school_lookups: ClassVar[tuple[Lookup, ...]] = ()
    # Optional (see the module's docstring): rows a commune itself holds.
    commune_lookups: ClassVar[tuple[Lookup, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Django builds manager-bound subclasses of a queryset (as_manager,
        # from_queryset); those inherit a declaration that was already checked.
        if any(
            issubclass(base, ScopedQuerySet) and base is not ScopedQuerySet
            for base in cls.__bases__
        ):
            return
        missing = [name for name in LEVELS if name not in cls.__dict__]
        if missing:
            raise TypeError(f"{cls.__name__} must declare {', '.join(missing)} (empty = nothing).")

    def visible_to(self, user: ScopedUser) -> Self:
        scope = user.scope
        if scope.is_provincial:
            return self._matching(self.province_lookups, scope.province_ids)
        if scope.is_district:
            return self._matching(self.district_lookups, scope.district_id)
        if scope.is_commune:
            return self._matching_any(
                (self.school_lookups, scope.school_ids), (self.commune_lookups, scope.commune_id)
            )
        if scope.is_school:
            return self._matching(self.school_lookups, scope.school_id)
        return self.none()

    def in_province(self, province_id: Ids | None) -> Self:
        """The rows of one province (or of a set of provinces), whoever asks (a task
        building a province's figures). Exactly the province(s) given: a caller wanting a
        province's predecessors too passes ``Scope.province_ids``."""
        return self._matching(self.province_lookups, province_id)

    def _matching(self, lookups: tuple[Lookup, ...], value: Ids | None) -> Self:
        return self._matching_any((lookups, value))

    def _matching_any(self, *pairs: tuple[tuple[Lookup, ...], Ids | None]) -> Self:
        """Rows that any pair's lookups lead to the pair's unit(s)."""
        found = [c for lookups, value in pairs if (c := _condition(lookups, value)) is not None]
        return self.filter(reduce(operator.or_, found)) if found else self.none()


def _condition(lookups: tuple[Lookup, ...], value: Ids | None) -> models.Q | None:
    """The rows any of ``lookups`` leads to ``value``; None when none can."""
    if isinstance(value, frozenset) and len(value) == 1:
        # One unit: the same SQL as before sets existed (pinned query plans, indexes).
        (value,) = value
    if not lookups or value is None or value == frozenset():
        return None
    condition = models.Q()
    for lookup in lookups:
        condition |= lookup(value) if callable(lookup) else match_ids(lookup, value)
    return condition


def match_ids(path: str, value: Ids) -> models.Q:
    """``path`` equal to one id, or ``path__in`` a set of ids (in a stable order)."""
    if isinstance(value, frozenset):
        return models.Q(**{f"{path}__in": sorted(value)})
    return models.Q(**{path: value})


def get_for_user[M: models.Model](queryset: VisibleTo[M], user: ScopedUser, **lookup: Any) -> M:
    """Fetch one object through a ``visible_to`` queryset, 404 when out of scope."""
    visible = queryset.visible_to(user)
    return get_object_or_404(visible, **lookup)


def in_provinces(path: str, ids: Ids) -> models.Q:
    """Rows whose ``path`` is one province's id, or any of a set (a 2025 province with the
    provinces that went into it, ``Scope.province_ids``)."""
    if isinstance(ids, frozenset):
        return models.Q(**{f"{path}__in": sorted(ids)})
    return models.Q(**{path: ids})
