"""Reads: the platform catalogue and pupils' platform accounts, scoped, joins done once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet

from kernel.sorting import Sorting
from platforms.models import LearningPlatform, PlatformAccount

if TYPE_CHECKING:
    from accounts.models import User
    from students.models import Student


CATALOGUE_SORTS = {
    "ten": ("name",),
    "dia_chi": ("url",),
    "don_vi": ("operator",),
    "loai": ("kind",),
    "dang_dung": ("is_active",),
}


def catalogue_sorting(params: Any) -> Sorting:
    """The catalogue's order (``?sap_xep=``): platforms in use first, by name, by default."""
    return Sorting.from_params(params, CATALOGUE_SORTS, default=("-is_active", "name"))


def catalogue(user: User, sorting: Sorting | None = None) -> list[LearningPlatform]:
    """Every platform with how many working accounts of the user's pupils it holds
    (two queries: the platforms, the counts)."""
    counts = dict(
        PlatformAccount.objects.visible_to(user)
        .usable()
        .values("platform_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("platform_id", "n")
    )
    platforms = LearningPlatform.objects.order_by("-is_active", "name")
    if sorting is not None:
        platforms = sorting.apply(platforms)
    rows = list(platforms)
    for platform in rows:
        platform.account_count = counts.get(platform.pk, 0)  # type: ignore[attr-defined]  # shown on the list only
    return rows


def accounts_of(student: Student) -> QuerySet[PlatformAccount]:
    """A pupil's platform accounts, working ones first (the pupil fetched in scope)."""
    return (
        PlatformAccount.objects.filter(student=student)
        .select_related("platform", "set_up_by", "deactivated_by")
        .order_by("-is_active", "platform__name", "-set_up_on", "pk")
    )
