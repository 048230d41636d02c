"""Reads for the pupil registry, always scoped to the user, with a fixed number of queries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from accounts.access import get_for_user
from accounts.models import AuditEvent, User
from accounts.selectors import history_for
from schools.models import Commune, ImportBatch, School
from schools.normalize import fold
from students.models import HouseholdCategory, Student, StudentQuerySet

LIST_RELATED = ("school", "household__category", "village", "commune", "ethnicity")


def visible_students(user: User) -> StudentQuerySet:
    return Student.objects.visible_to(user)  # type: ignore[attr-defined]


def get_student_for_user(user: User, pk: int) -> Student:
    """One pupil in the user's scope (404 otherwise), with what the detail page shows."""
    return get_for_user(
        Student.objects.select_related(
            "school__district",
            "household__category",
            "household__village",
            "household__commune",
            "village",
            "commune",
            "ethnicity",
            "created_by",
            "import_batch__uploaded_by",
        ),
        user,
        pk=pk,
    )


@dataclass(frozen=True)
class StudentFilters:
    """The registry list's search and filters, parsed from the query string."""

    q: str = ""
    class_name: str = ""
    category: int | None = None
    need: str = ""
    has_device: str = ""
    status: str = ""
    school: int | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> StudentFilters:
        def number(name: str) -> int | None:
            value = str(params.get(name, "")).strip()
            return int(value) if value.isdigit() else None

        need = str(params.get("need", ""))
        has_device = str(params.get("has_device", ""))
        status = str(params.get("status", ""))
        return cls(
            q=str(params.get("q", "")).strip()[:100],
            class_name=str(params.get("class_name", "")).strip().upper()[:20],
            category=number("category"),
            need=need if need in {"device", "data", "any", "none"} else "",
            has_device=has_device if has_device in {"yes", "no"} else "",
            status=status if status in Student.Status.values else "",
            school=number("school"),
        )

    def apply(self, queryset: StudentQuerySet) -> StudentQuerySet:
        if self.q:
            digits = self.q.replace(" ", "")
            if digits.isdigit() and len(digits) > 10:
                queryset = queryset.none()  # no code is that long
            elif digits.isdigit():
                # Codes are exactly 10 digits: a prefix is the range of codes it starts,
                # which the unique index serves under any collation.
                queryset = queryset.filter(
                    pupil_code__gte=digits.ljust(10, "0"), pupil_code__lte=digits.ljust(10, "9")
                )
            else:
                queryset = queryset.filter(name_key__contains=fold(self.q))
        if self.class_name:
            queryset = queryset.filter(class_name=self.class_name)
        if self.category:
            queryset = queryset.filter(household__category_id=self.category)
        if self.need == "device":
            queryset = queryset.exclude(need_device="")
        elif self.need == "data":
            queryset = queryset.filter(need_data=True)
        elif self.need == "any":
            queryset = queryset.filter(~Q(need_device="") | Q(need_data=True))
        elif self.need == "none":
            queryset = queryset.filter(need_device="", need_data=False)
        if self.has_device:
            queryset = queryset.filter(has_device=self.has_device == "yes")
        if self.status:
            queryset = queryset.filter(status=self.status)
        if self.school:
            queryset = queryset.filter(school_id=self.school)
        return queryset


def student_list(*, user: User, filters: StudentFilters) -> StudentQuerySet:
    """The filtered registry in Vietnamese order, with everything a row shows joined in."""
    return filters.apply(visible_students(user)).select_related(*LIST_RELATED).vietnamese_order()


def filter_choices(*, user: User) -> dict[str, Any]:
    """Options of the list filters: categories, and schools for district/province users."""
    schools: list[School] = []
    if not user.scope.is_school:
        schools = list(School.objects.visible_to(user).only("pk", "name", "code").order_by("name"))
    return {
        "categories": list(HouseholdCategory.objects.filter(is_active=True)),
        "schools": schools,
        "statuses": Student.Status.choices,
    }


def sibling_summary(*, user: User, student: Student) -> tuple[list[Student], list[tuple[str, int]]]:
    """Siblings the user may see by name, and the others as (school name, count).

    Another school's siblings are that school's pupils: the page says how many and
    where, never their names or classes.
    """
    siblings = list(
        student.household.members.exclude(pk=student.pk)
        .select_related("school")
        .order_by("sort_key", "pk")
    )
    visible = set(
        visible_students(user).filter(pk__in=[s.pk for s in siblings]).values_list("pk", flat=True)
    )
    named = [s for s in siblings if s.pk in visible]
    counts: dict[str, int] = {}
    for sibling in siblings:
        if sibling.pk not in visible:
            counts[sibling.school.name] = counts.get(sibling.school.name, 0) + 1
    return named, sorted(counts.items())


def student_history(student: Student) -> QuerySet[AuditEvent]:
    """The pupil's audit trail, newest first.

    A pupil created by a household-list import has no event of its own for that:
    the batch's ``student.import`` event (who, when, which file) is its creation
    record, and ``import_batch`` points to it.
    """
    events = history_for(student)
    if student.import_batch_id is None:
        return events
    created_by_import = Q(
        content_type=ContentType.objects.get_for_model(ImportBatch),
        object_id=str(student.import_batch_id),
        action="student.import",
    )
    return AuditEvent.objects.filter(
        Q(pk__in=events.values("pk")) | created_by_import
    ).select_related("actor")


def communes_for(user: User) -> QuerySet[Commune]:
    scope = user.scope
    communes = Commune.objects.select_related("district").order_by("district__code", "name")
    if scope.is_provincial:
        return communes.filter(district__province_id=scope.province_id)  # type: ignore[misc]
    return communes.filter(district_id=scope.district_id)  # type: ignore[misc]


def import_batches(user: User) -> QuerySet[ImportBatch]:
    """Household-list uploads the user may see, newest first."""
    return (
        ImportBatch.objects.visible_to(user)
        .filter(kind=ImportBatch.Kind.STUDENTS)
        .select_related("uploaded_by", "school", "district")
    )


def get_batch_for_user(user: User, pk: int) -> ImportBatch:
    return get_for_user(
        ImportBatch.objects.filter(kind=ImportBatch.Kind.STUDENTS).select_related(
            "uploaded_by", "school", "district"
        ),
        user,
        pk=pk,
    )
