"""Reads for the province-wide review of possible duplicate pupils across schools.

A pair is two records at different schools, neither merged away nor already
reviewed, that are probably one child: the same folded name and birth date plus
the same commune (or village), household or guardian ID.  Two different personal
IDs are two children and never pair; two equal ones cannot exist
(``student_personal_id_unique``), so at least one of a pair has no personal ID.

The pairs are found in one self-join on (sort_key, date_of_birth), which the
``student_sort_idx`` index serves (``sort_key`` is a one-to-one rewrite of the
folded name), then paged in SQL; a page loads its pupils and their proposals and
allocations in a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from schools.models import School
from students import dependents
from students.models import DuplicateReview, Household, Student

# Why a pair is listed, strongest first.
REASONS: dict[str, Any] = {
    "household": _("Cùng hộ gia đình"),
    "guardian": _("Cùng CCCD người giám hộ"),
    "village": _("Cùng họ tên, ngày sinh, thôn/bản"),
    "commune": _("Cùng họ tên, ngày sinh, xã/phường"),
}


@dataclass
class PupilSide:
    student: Student
    visible: bool
    proposals: list[str] = field(default_factory=list)
    allocations: list[str] = field(default_factory=list)


@dataclass
class DuplicatePair:
    first: PupilSide
    second: PupilSide
    reason: str

    @property
    def sides(self) -> tuple[PupilSide, PupilSide]:
        return (self.first, self.second)

    @property
    def reason_label(self) -> Any:
        return REASONS[self.reason]

    @property
    def token(self) -> str:
        """What the reviewer saw: a newer version of either record makes the form stale."""
        return pair_token(self.first.student, self.second.student)

    @property
    def both_visible(self) -> bool:
        return self.first.visible and self.second.visible


def pair_token(first: Student, second: Student) -> str:
    return f"{first.version}-{second.version}"


def _scope_condition(scope: Any) -> tuple[str, list[Any]]:
    """The WHERE part limiting a pair to the user's unit (either pupil's school in it)."""
    params: list[Any] = []
    if scope.is_provincial:
        if scope.province_id is None:
            where_scope = "1=1"
        else:
            # Districts belong to one province: compare through the school's district.
            from schools.models import District

            district = District._meta.db_table
            # A province of 2025 with its predecessors (Scope.province_ids).
            ids = sorted(scope.province_ids or {scope.province_id})
            marks = ", ".join(["%s"] * len(ids))
            where_scope = (
                f"(sa.district_id IN (SELECT id FROM {district} WHERE province_id IN ({marks})) "  # noqa: S608 - model metadata
                f"OR sb.district_id IN (SELECT id FROM {district} WHERE province_id IN ({marks})))"
            )
            params += [*ids, *ids]
    elif scope.is_district and scope.district_id is not None:
        where_scope = "(sa.district_id = %s OR sb.district_id = %s)"
        params += [scope.district_id, scope.district_id]
    elif scope.is_commune and scope.school_ids:
        schools = sorted(scope.school_ids)
        marks = ", ".join(["%s"] * len(schools))
        where_scope = f"(sa.id IN ({marks}) OR sb.id IN ({marks}))"
        params += [*schools, *schools]
    else:
        where_scope = "1=0"
    return where_scope, params


def _pairs_sql(user: User) -> tuple[str, list[Any]]:
    """SELECT first id, second id, reason of the user's unreviewed pairs (portable SQL)."""
    student = Student._meta.db_table
    school = School._meta.db_table
    household = Household._meta.db_table
    review = DuplicateReview._meta.db_table
    scope = user.scope
    where_scope, params = _scope_condition(scope)
    same_place = (
        "a.commune_id = b.commune_id OR a.household_id = b.household_id "
        "OR (ha.guardian_id_number <> '' AND ha.guardian_id_number = hb.guardian_id_number)"
    )
    # One equi-join on (sort_key, date_of_birth), which PostgreSQL hashes; no join on
    # personal_id: student_personal_id_unique means two records never share one, so the
    # pupils left to pair are those with no ID on one side (two different IDs are two
    # children).  Only table names from model metadata are interpolated; values are
    # parameters.
    sql = f"""
        SELECT a.id, b.id,
               CASE
                 WHEN a.household_id = b.household_id THEN 'household'
                 WHEN ha.guardian_id_number <> ''
                      AND ha.guardian_id_number = hb.guardian_id_number THEN 'guardian'
                 WHEN a.village_id IS NOT NULL AND a.village_id = b.village_id THEN 'village'
                 ELSE 'commune'
               END
        FROM {student} a
        JOIN {student} b ON b.sort_key = a.sort_key AND b.date_of_birth = a.date_of_birth
        JOIN {school} sa ON sa.id = a.school_id
        JOIN {school} sb ON sb.id = b.school_id
        JOIN {household} ha ON ha.id = a.household_id
        JOIN {household} hb ON hb.id = b.household_id
        LEFT JOIN {review} r ON r.first_id = a.id AND r.second_id = b.id
        WHERE b.id > a.id AND b.school_id <> a.school_id
          AND (a.personal_id = '' OR b.personal_id = '')
          AND a.merged_into_id IS NULL AND b.merged_into_id IS NULL AND r.id IS NULL
          AND ({same_place})
          AND {where_scope}
    """  # noqa: S608
    return sql, params


def count_pairs(*, user: User) -> int:
    sql, params = _pairs_sql(user)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) pairs", params)  # noqa: S608
        return int(cursor.fetchone()[0])


def pair_ids(
    *, user: User, offset: int = 0, limit: int | None = None
) -> list[tuple[int, int, str]]:
    """The user's pairs as (first id, second id, reason), oldest first pupil first."""
    sql, params = _pairs_sql(user)
    sql += " ORDER BY a.id, b.id"
    if limit is not None:
        sql += " LIMIT %s OFFSET %s"
        params = [*params, limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(a), int(b), str(reason)) for a, b, reason in cursor.fetchall()]


def find_pair(*, user: User, first_id: int, second_id: int) -> tuple[int, int, str] | None:
    """The pair if it is still listed for ``user`` (not reviewed, not merged, in scope)."""
    sql, params = _pairs_sql(user)
    sql += " AND a.id = %s AND b.id = %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, first_id, second_id])
        row = cursor.fetchone()
    return (int(row[0]), int(row[1]), str(row[2])) if row else None


class PairPaginator:
    """A Django-paginator-like page of pairs whose count and slice are done in SQL."""

    def __init__(self, *, user: User, per_page: int) -> None:
        self.user = user
        self.per_page = per_page
        self.count = count_pairs(user=user)
        self.num_pages = max(1, -(-self.count // per_page))

    def get_page(self, number: Any) -> PairPage:
        try:
            n = int(number)
        except (TypeError, ValueError):
            n = 1
        n = min(max(n, 1), self.num_pages)
        ids = pair_ids(user=self.user, offset=(n - 1) * self.per_page, limit=self.per_page)
        return PairPage(self, n, load_pairs(user=self.user, ids=ids))


@dataclass
class PairPage:
    paginator: PairPaginator
    number: int
    object_list: list[DuplicatePair]

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.paginator.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def load_pairs(*, user: User, ids: list[tuple[int, int, str]]) -> list[DuplicatePair]:
    """The pairs with both pupils, their proposals and allocations: four queries."""
    if not ids:
        return []
    pks = {pk for a, b, _reason in ids for pk in (a, b)}
    students = Student.objects.filter(pk__in=pks).select_related(
        "school", "school__district", "commune", "village", "household"
    )
    by_pk = {s.pk: s for s in students}
    visible = set(Student.objects.visible_to(user).filter(pk__in=pks).values_list("pk", flat=True))
    proposals = dependents.summaries("proposals", pks)
    allocations = dependents.summaries("allocations", pks)

    def side(pk: int) -> PupilSide:
        return PupilSide(
            student=by_pk[pk],
            visible=pk in visible,
            proposals=proposals.get(pk, []),
            allocations=allocations.get(pk, []),
        )

    return [
        DuplicatePair(first=side(a), second=side(b), reason=reason)
        for a, b, reason in ids
        if a in by_pk and b in by_pk
    ]
