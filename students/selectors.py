"""Reads for the pupil registry, always scoped to the user, with a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Field, Model, Q, QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.access import get_for_user
from accounts.models import AuditEvent, User
from accounts.selectors import history_for
from kernel.normalize import fold
from kernel.sorting import Sorting
from kernel.spreadsheets import RowNumber
from schools.choices import DeviceNeed
from schools.import_batches import batch_for_user
from schools.models import Commune, ImportBatch, School, Village
from students.importers.columns import COMPARED_STUDENT_FIELDS, HOUSEHOLD_FIELDS
from students.models import (
    Ethnicity,
    Household,
    HouseholdCategory,
    ImportChange,
    Student,
    StudentQuerySet,
    mask,
)

LIST_RELATED = ("school", "household__category", "village", "commune", "ethnicity")


def visible_students(user: User) -> StudentQuerySet:
    return Student.objects.visible_to(user)


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
            digits = self.q.replace(" ", "").lstrip("•*.")
            if digits.isdigit() and len(digits) > 10:
                queryset = queryset.none()  # no code is that long
            elif digits.isdigit():
                # Codes are exactly 10 digits: a prefix is the range of codes it starts,
                # which the unique index serves under any collation. The list shows the
                # last four digits of the code and the guardian's phone (••••••0792): those
                # find the pupil too, without the list ever showing more of either.
                prefix = Q(
                    pupil_code__gte=digits.ljust(10, "0"), pupil_code__lte=digits.ljust(10, "9")
                )
                shown = Q(pupil_code__endswith=digits) | Q(
                    household__guardian_phone__endswith=digits
                )
                queryset = queryset.filter(prefix | shown if len(digits) >= 4 else prefix)
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


# The registry list's sortable columns (``?sap_xep=``); ties fall back to Vietnamese order.
STUDENT_SORTS: dict[str, tuple[str, ...]] = {
    "ten": ("sort_key", "date_of_birth"),
    "ngay_sinh": ("date_of_birth",),
    "lop": ("grade", "class_name"),
    "truong": ("school__name",),
    "thon": ("village__name",),
    "dien": ("household__category__priority",),
    "thiet_bi": ("has_device",),
}


def student_list(
    *, user: User, filters: StudentFilters, sorting: Sorting | None = None
) -> StudentQuerySet:
    """The filtered registry in Vietnamese order (or the chosen column's), rows joined in."""
    students = filters.apply(visible_students(user)).select_related(*LIST_RELATED)
    students = students.vietnamese_order()
    return sorting.apply(students) if sorting is not None else students


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
    if scope.is_provincial and scope.province_id is not None:
        # A province of 2025 lists its predecessors' communes: the pupils' are of 2021.
        return communes.filter(district__province_id__in=sorted(scope.province_ids))
    if scope.is_commune:
        return communes.filter(schools__pk__in=sorted(scope.school_ids)).distinct()
    if scope.district_id is not None:  # a district officer's district, or a school's
        return communes.filter(district_id=scope.district_id)
    return communes.none()


def import_batches(user: User) -> QuerySet[ImportBatch]:
    """Household-list uploads the user may see, newest first."""
    return (
        ImportBatch.objects.visible_to(user)
        .filter(kind=ImportBatch.Kind.STUDENTS)
        .select_related("uploaded_by", "school", "district")
    )


def get_batch_for_user(user: User, pk: int) -> ImportBatch:
    return batch_for_user(
        user, pk, kinds=[ImportBatch.Kind.STUDENTS], related=["uploaded_by", "school", "district"]
    )


# ----------------------------------------------------- a dry run's differences


@dataclass(frozen=True)
class FieldChange:
    """One field of a pupil or household as the dry run would change it, for display."""

    key: str  # "notes", "household.guardian_phone"
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class FieldConflict:
    """A value set in the portal that the file would overwrite, and the user's choice."""

    key: str  # merge.conflict_key: "s12:notes"
    label: str
    portal: str
    file: str
    by: str
    at: str
    takes_file: bool


@dataclass(frozen=True)
class PupilChange:
    row: int
    student_id: int | None
    full_name: str
    changes: list[FieldChange]
    conflicts: list[FieldConflict]


def import_changes(batch: ImportBatch, *, conflicts_only: bool = False) -> QuerySet[ImportChange]:
    """The pupils a checked batch would change (or whose portal values it conflicts with),
    in file order."""
    changes = ImportChange.objects.filter(batch=batch).order_by("row", "pk")
    if conflicts_only:
        changes = changes.exclude(conflicts={})
    return changes


def conflict_keys(batch: ImportBatch) -> set[str]:
    """Every conflict of a checked batch, by key."""
    keys: set[str] = set()
    for conflicts in import_changes(batch, conflicts_only=True).values_list("conflicts", flat=True):
        keys.update(conflict["key"] for conflict in conflicts.values())
    return keys


# size: a fixed number of queries per page: the ids of every kind of reference are gathered, looked
#   up together, then labelled
def describe_changes(changes: Iterable[ImportChange], *, batch: ImportBatch) -> list[PupilChange]:
    """Labels and display values ("Hộ nghèo", "Nữ", "05/07/2012") for a page of changes.

    A fixed number of queries per page: the ids the page names are looked up
    together, one query per kind of reference.
    """
    from students.importers.merge import ConflictChoices

    changes = list(changes)
    wanted: dict[str, set[Any]] = {kind: set() for kind in _REFERENCES}
    users: set[int] = set()
    for change in changes:
        for key, values in change.changes.items():
            kind = _FIELD_KINDS.get(key)
            if kind in wanted:
                wanted[kind].update(v for v in values if v is not None)
        for key, conflict in change.conflicts.items():
            kind = _FIELD_KINDS.get(key)
            if kind in wanted:
                wanted[kind].update(
                    v for v in (conflict["portal"], conflict["file"]) if v is not None
                )
            if conflict.get("by"):
                users.add(conflict["by"])
    households = wanted.pop("household")
    names = {
        kind: dict(model.objects.filter(pk__in=ids).values_list("pk", name)) if ids else {}
        for kind, ids in wanted.items()
        for model, name in [_REFERENCES[kind]]
    }
    names["household"] = {
        pk: code or guardian
        for pk, code, guardian in Household.objects.filter(
            pk__in=[pk for pk in households if pk > 0]
        ).values_list("pk", "code", "guardian_name")
    }
    user_names = {
        user.pk: user.get_full_name() or user.username for user in User.objects.filter(pk__in=users)
    }
    choices = ConflictChoices.of_batch(batch)
    # A list over several sheets: "Sheet 6A, dòng 12" (the stored number keys the row).
    sheets = (batch.options or {}).get("sheets") or []
    return [
        PupilChange(
            row=RowNumber.decode(change.row, sheets),
            student_id=change.student_id,
            full_name=change.full_name,
            changes=[
                FieldChange(
                    key=key,
                    label=change_label(key),
                    old=display_value(key, old, names),
                    new=display_value(key, new, names),
                )
                for key, (old, new) in sorted(change.changes.items(), key=_field_order)
                if key not in change.conflicts  # shown with the user's choice
            ],
            conflicts=[
                FieldConflict(
                    key=conflict["key"],
                    label=change_label(key),
                    portal=display_value(key, conflict["portal"], names),
                    file=display_value(key, conflict["file"], names),
                    by=user_names.get(conflict.get("by"), "—"),
                    at=_display_time(conflict.get("at")),
                    takes_file=choices.takes_file(conflict["key"]),
                )
                for key, conflict in sorted(change.conflicts.items(), key=_field_order)
            ],
        )
        for change in changes
    ]


def change_label(key: str) -> str:
    """The label of a stored field ("Số điện thoại"), household fields said to be the household's."""
    if key == "household":
        return str(_("Hộ gia đình"))
    if key.startswith("household."):
        name = _verbose_name(Household, key.removeprefix("household.").removesuffix("_id"))
        return str(_("%(field)s (hộ)") % {"field": name})
    return _verbose_name(Student, key.removesuffix("_id"))


def _verbose_name(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    # Stored changes name concrete fields; a reverse relation has no verbose name.
    return str(capfirst(field.verbose_name)) if isinstance(field, Field) else name


def display_value(key: str, value: Any, names: Mapping[str, Mapping[Any, str]]) -> str:
    """A stored value as the portal shows it: names, not ids; labels, not codes; IDs masked."""
    if value is None or value == "":
        return str(_("(trống)"))
    kind = _FIELD_KINDS.get(key)
    if kind == "household" and isinstance(value, int) and value < 0:
        return str(_("(hộ mới)"))  # numbered in the dry run only
    if kind in _REFERENCES:
        return names.get(kind, {}).get(value) or f"#{value}"
    if kind == "gender":
        return str(Student.Gender(value).label) if value in Student.Gender.values else str(value)
    if kind == "need":
        return str(DeviceNeed(value).label) if value in DeviceNeed.values else str(value)
    if kind == "bool" or isinstance(value, bool):
        return str(_("Có") if value else _("Không"))
    if kind == "date":
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except (TypeError, ValueError):
            return str(value)
    if kind == "masked":
        return mask(str(value))
    return str(value)


def _display_time(value: str | None) -> str:
    if not value:
        return "—"
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


_FIELD_KINDS: dict[str, str] = {
    "date_of_birth": "date",
    "gender": "gender",
    "ethnicity_id": "ethnicity",
    "school_id": "school",
    "commune_id": "commune",
    "village_id": "village",
    "personal_id": "masked",
    "has_device": "bool",
    "need_data": "bool",
    "need_device": "need",
    "household": "household",
    "household.category_id": "category",
    "household.commune_id": "commune",
    "household.village_id": "village",
    "household.guardian_phone": "masked",
    "household.guardian_id_number": "masked",
}
_REFERENCES: dict[str, tuple[Any, str]] = {
    "ethnicity": (Ethnicity, "name"),
    "school": (School, "name"),
    "commune": (Commune, "name"),
    "village": (Village, "name"),
    "category": (HouseholdCategory, "name"),
    "household": (Household, "code"),
}
# Rows of a difference in the order of the list's columns: pupil, household link, household.
_ORDER = {
    name: i
    for i, name in enumerate(
        (
            *COMPARED_STUDENT_FIELDS,
            "household",
            *(f"household.{name}" for name in HOUSEHOLD_FIELDS),
        )
    )
}


def _field_order(item: tuple[str, Any]) -> int:
    return _ORDER.get(item[0], len(_ORDER))


def import_change_lines(batch: ImportBatch) -> Iterable[tuple[PupilChange, Any]]:
    """Every (pupil, field change or conflict) of a checked batch, for the export."""
    changes = import_changes(batch)
    chunk = 500
    for start in range(0, changes.count(), chunk):
        for pupil in describe_changes(changes[start : start + chunk], batch=batch):
            for conflict in pupil.conflicts:
                yield pupil, conflict
            for change in pupil.changes:
                yield pupil, change
