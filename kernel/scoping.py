"""One mechanism for ``visible_to(user)``: each scoped queryset declares the lookups that
lead from its model to a province, a district and a school, and the rule is written once.

A school user sees what hangs off their school, a district officer what hangs off their
district, a provincial user their province (everything when no province lookup is
declared); anyone else sees nothing. Several lookups for one level are alternatives
(OR): a device is in a district's view when the district holds it *or* one of its
schools does.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, TypeVar

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
    def province_id(self) -> int | None: ...
    @property
    def district_id(self) -> int | None: ...
    @property
    def school_id(self) -> int | None: ...


class ScopedUser(Protocol):
    """A user with a scope (``accounts.models.User``)."""

    @property
    def scope(self) -> Scope: ...


class ScopedQuerySet(models.QuerySet[Any]):
    province_lookups: ClassVar[tuple[str, ...]] = ()
    district_lookups: ClassVar[tuple[str, ...]] = ()
    school_lookups: ClassVar[tuple[str, ...]] = ()

    def visible_to(self, user: ScopedUser) -> Any:
        scope = user.scope
        if scope.is_provincial:
            if not self.province_lookups:
                return self.all()
            return self._matching(self.province_lookups, scope.province_id)
        if scope.is_district:
            return self._matching(self.district_lookups, scope.district_id)
        if scope.is_school:
            return self._matching(self.school_lookups, scope.school_id)
        return self.none()

    def _matching(self, lookups: tuple[str, ...], value: int | None) -> Any:
        if not lookups or value is None:
            return self.none()
        condition = models.Q()
        for lookup in lookups:
            condition |= models.Q(**{lookup: value})
        return self.filter(condition)


M = TypeVar("M", bound=models.Model)


def get_for_user(queryset: models.QuerySet[M], user: ScopedUser, **lookup: Any) -> M:
    """Fetch one object through a ``visible_to`` queryset, 404 when out of scope."""
    visible = queryset.visible_to(user)  # type: ignore[attr-defined]
    return get_object_or_404(visible, **lookup)
