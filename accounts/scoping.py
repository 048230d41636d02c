"""One mechanism for ``visible_to(user)``: each scoped queryset declares the lookups that
lead from its model to a province, a district and a school, and the rule is written once.

A school user sees what hangs off their school, a district officer what hangs off their
district, a provincial user their province (everything when no province lookup is
declared); anyone else sees nothing. Several lookups for one level are alternatives
(OR): a device is in a district's view when the district holds it *or* one of its
schools does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Self, TypeVar

from django.db import models

if TYPE_CHECKING:
    from accounts.models import User

M = TypeVar("M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[M]):
    """A queryset of ``M`` that knows how to narrow itself to what a user may see."""

    province_lookups: ClassVar[tuple[str, ...]] = ()
    district_lookups: ClassVar[tuple[str, ...]] = ()
    school_lookups: ClassVar[tuple[str, ...]] = ()

    def visible_to(self, user: User) -> Self:
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

    def _matching(self, lookups: tuple[str, ...], value: int | None) -> Self:
        if not lookups or value is None:
            return self.none()
        condition = models.Q()
        for lookup in lookups:
            condition |= models.Q(**{lookup: value})
        return self.filter(condition)
