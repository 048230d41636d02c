"""Ready to learn online: the one definition, used by every page, export and dashboard.

The plan's purpose I.1.c is that a supported pupil can learn online. A pupil needs three
things for that, and is *ready* with all three:

- **device**: a device handed over to the pupil and not returned (an allocation in
  status "handed over"), or the pupil's own learning device (the record's "đã có thiết bị
  học tập", why such a pupil is supported with a data package only: counting them as
  missing a device would report a need nobody is meant to meet);
- **package**: a working data package: a subscription that is active, not past its end
  date, with no open problem (a problem not yet resolved);
- **platform**: at least one platform account the school set up that is still in use,
  on a platform of the catalogue still in use.

The pupils counted are the supported ones still studying: pupils with at least one
final support line (``ProposalItem.objects.beneficiaries()``). Every figure is computed
here: the pupil page, the school's list and its filter and the export annotate with
``with_readiness`` and filter with ``READY`` / ``MISSING``; the figures of many pupils
(dashboards, the home card, the list's totals) join the same three sets (``counts_by``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connections
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devices.models import Allocation, Subscription, SubscriptionProblem
from kernel.scoping import Ids, in_provinces
from platforms.models import ACTIVE_ACCOUNT, PlatformAccount
from rounds.models import ProposalItem
from students.models import Student

if TYPE_CHECKING:
    from accounts.models import User

NEEDS = ("device", "package", "platform")
NEED_LABELS = {
    "device": _("Thiết bị học tập"),
    "package": _("Gói cước đang hoạt động"),
    "platform": _("Tài khoản học trực tuyến"),
}
MISSING_LABELS = {
    "device": _("Còn thiếu thiết bị"),
    "package": _("Còn thiếu gói cước hoạt động"),
    "platform": _("Còn thiếu tài khoản học trực tuyến"),
}
ANY_LABEL = _("Còn thiếu ít nhất một")
READY_LABEL = _("Đã sẵn sàng")
READY = Q(with_device=True, with_package=True, with_platform=True)
MISSING: dict[str, Q] = {
    "device": Q(with_device=False),
    "package": Q(with_package=False),
    "platform": Q(with_platform=False),
}
#: The list filter's choices ("còn thiếu …"): value -> condition on annotated pupils.
FILTERS: dict[str, Q] = {"ready": READY, "any": ~READY, **MISSING}


def handed_over_device(ref: str = "pk") -> Exists:
    """``ref``: the outer query's path to the pupil's id (``"pk"``, ``"student_id"``)."""
    return Exists(
        Allocation.objects.filter(student=OuterRef(ref), status=Allocation.Status.HANDED_OVER)
    )


def learning_device(ref: str = "pk") -> ExpressionWrapper:
    """A device handed over, or the pupil's own (``Student.has_device``)."""
    own = "has_device" if ref == "pk" else f"{ref.removesuffix('_id')}__has_device"
    return ExpressionWrapper(
        Q(handed_over_device(ref)) | Q(**{own: True}), output_field=BooleanField()
    )


def working_subscriptions(today: dt.date) -> QuerySet[Subscription]:
    """Active, not past their end date, with no open problem."""
    open_problem = SubscriptionProblem.objects.filter(
        subscription=OuterRef("pk"), resolved_at__isnull=True
    )
    return (
        Subscription.objects.filter(status=Subscription.Status.ACTIVE)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .exclude(Exists(open_problem))
    )


def working_package(today: dt.date, ref: str = "pk") -> Exists:
    return Exists(working_subscriptions(today).filter(student=OuterRef(ref)))


def platform_account(ref: str = "pk") -> Exists:
    return Exists(PlatformAccount.objects.filter(ACTIVE_ACCOUNT, student=OuterRef(ref)))


def is_supported() -> Exists:
    """The pupil has a final support line (approved, confirmed where the round asks)."""
    return Exists(ProposalItem.objects.beneficiaries().filter(student=OuterRef("pk")))


def with_readiness[Q_: QuerySet[Any]](
    rows: Q_, *, today: dt.date | None = None, ref: str = "pk"
) -> Q_:
    """``rows`` (pupils, or rows naming a pupil by ``ref``: support lines) annotated with
    ``with_device``, ``with_package``, ``with_platform``."""
    today = today or timezone.localdate()
    return rows.annotate(
        with_device=learning_device(ref),
        with_package=working_package(today, ref),
        with_platform=platform_account(ref),
    )


def missing_text(row: Any) -> str:
    """What an annotated row lacks, in words ("" when ready): the exports' column."""
    return "; ".join(
        str(MISSING_LABELS[need]) for need in NEEDS if not getattr(row, f"with_{need}")
    )


def supported_pupils(students: QuerySet[Student], *, today: dt.date | None = None):
    """The supported pupils still studying among ``students``, annotated."""
    supported = students.filter(is_supported(), status=Student.Status.STUDYING)
    return with_readiness(supported, today=today)


def for_user(user: User, *, today: dt.date | None = None):
    """The supported pupils the user sees, annotated (the school's list, the export)."""
    return supported_pupils(Student.objects.visible_to(user), today=today)


@dataclass
class Readiness:
    """How many supported pupils are ready, and how many miss each of the three."""

    total: int = 0
    ready: int = 0
    missing_device: int = 0
    missing_package: int = 0
    missing_platform: int = 0

    @property
    def not_ready(self) -> int:
        return self.total - self.ready

    @property
    def percent(self) -> int:
        return round(100 * self.ready / self.total) if self.total else 0

    def add(self, other: Readiness) -> None:
        for name in ("total", "ready", "missing_device", "missing_package", "missing_platform"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


# The three tests as joins: each set is the ORM's own definition (``handed_over_device``,
# ``working_subscriptions``, ``platform_account``) reduced to distinct pupil ids, joined to
# the supported pupils once. PostgreSQL hashes each set (spilling to disk past work_mem
# rather than changing plan), so the figures cost one pass over the pupils, where the same
# tests as per-pupil columns (``with_readiness``) ran as a subquery per pupil once the sets
# outgrew work_mem (7 s at 470,000 pupils).
_FIGURES_SQL = """
    SELECT p.unit, COUNT(*),
        SUM(CASE WHEN (p.own OR d.student_id IS NOT NULL) AND k.student_id IS NOT NULL
            AND f.student_id IS NOT NULL THEN 1 ELSE 0 END),
        SUM(CASE WHEN NOT p.own AND d.student_id IS NULL THEN 1 ELSE 0 END),
        SUM(CASE WHEN k.student_id IS NULL THEN 1 ELSE 0 END),
        SUM(CASE WHEN f.student_id IS NULL THEN 1 ELSE 0 END)
    FROM ({pupils}) p
    LEFT JOIN ({devices}) d ON d.student_id = p.sid
    LEFT JOIN ({packages}) k ON k.student_id = p.sid
    LEFT JOIN ({platforms}) f ON f.student_id = p.sid
    GROUP BY p.unit
"""


def counts_by(
    students: QuerySet[Student], unit: str | None, *, today: dt.date | None = None
) -> dict[Any, Readiness]:
    """The figures of the supported pupils among ``students`` (in scope, not annotated) per
    ``unit`` (``"school_id"``, ``"school__district_id"``; None: one total under the key
    None), in one query."""
    today = today or timezone.localdate()
    pupils = (
        students.filter(is_supported(), status=Student.Status.STUDYING)
        .order_by()
        .values(sid=F("pk"), own=F("has_device"), unit=F(unit) if unit else Value(0))
    )
    sets = {
        "devices": Allocation.objects.filter(status=Allocation.Status.HANDED_OVER),
        "packages": working_subscriptions(today),
        "platforms": PlatformAccount.objects.filter(ACTIVE_ACCOUNT),
    }
    parts: dict[str, str] = {}
    params: list[Any] = []
    for name, rows in {"pupils": pupils, **sets}.items():
        if name != "pupils":
            rows = rows.order_by().values("student_id").distinct()
        sql, part_params = rows.query.sql_with_params()
        parts[name] = sql
        params.extend(part_params)
    with connections[students.db].cursor() as cursor:
        cursor.execute(_FIGURES_SQL.format(**parts), params)
        found = cursor.fetchall()
    return {
        (key if unit else None): Readiness(*(int(n or 0) for n in numbers))
        for key, *numbers in found
    }


def counts(students: QuerySet[Student], *, today: dt.date | None = None) -> Readiness:
    """The figures of the supported pupils among ``students`` (in scope), one query."""
    return counts_by(students, None, today=today).get(None, Readiness())


def counts_for_user(user: User, *, today: dt.date | None = None) -> Readiness:
    """The figures of the supported pupils the user sees (the home card, the list's totals)."""
    return counts(Student.objects.visible_to(user), today=today)


@dataclass
class UnitReadiness:
    name: str
    pk: int | None
    figures: Readiness


@dataclass
class ReadinessBoard:
    """The dashboard's card: totals and one row per district (province) or school."""

    totals: Readiness
    rows: list[UnitReadiness] = field(default_factory=list)


def board(
    *, level: str, district: Any = None, school: Any = None, province_id: Ids | None = None
) -> ReadinessBoard:
    """The readiness figures of a dashboard (``reports``' level and unit), two queries."""
    from schools.models import District, School

    base = Student.objects.all()
    units: Any
    if level == "province":
        assert province_id is not None
        base = base.filter(in_provinces("school__district__province_id", province_id))
        units, key = (
            District.objects.filter(in_provinces("province_id", province_id), is_active=True),
            "school__district_id",
        )
    elif level == "district":
        base = base.filter(school__district=district)
        units, key = School.objects.filter(district=district, is_active=True), "school_id"
    else:
        base = base.filter(school=school)
        units, key = School.objects.filter(pk=school.pk), "school_id"
    per_unit = counts_by(base, key)
    totals = Readiness()
    rows = []
    for unit in units.order_by("code").only("pk", "name"):
        figures = per_unit.get(unit.pk, Readiness())
        totals.add(figures)
        rows.append(UnitReadiness(name=unit.name, pk=unit.pk, figures=figures))
    return ReadinessBoard(totals=totals, rows=rows)


@dataclass
class PupilReadiness:
    """One pupil's three needs, for the pupil page."""

    supported: bool
    has: dict[str, bool]

    @property
    def ready(self) -> bool:
        return all(self.has.values())

    @property
    def items(self) -> list[tuple[str, Any, bool]]:
        return [(need, NEED_LABELS[need], self.has[need]) for need in NEEDS]

    @property
    def missing(self) -> list[Any]:
        return [MISSING_LABELS[need] for need in NEEDS if not self.has[need]]


def of_pupil(student: Student) -> PupilReadiness:
    """The pupil's readiness in one query (the pupil was fetched in scope)."""
    row = (
        with_readiness(Student.objects.filter(pk=student.pk))
        .annotate(supported=is_supported())
        .values("with_device", "with_package", "with_platform", "supported")
        .get()
    )
    return PupilReadiness(
        supported=bool(row["supported"]) and student.status == Student.Status.STUDYING,
        has={need: bool(row[f"with_{need}"]) for need in NEEDS},
    )


def pupil_rows(user: User, params: Any):
    """The school's list of supported pupils with their readiness; ``thieu`` filters by
    what is missing (``FILTERS``), ``school`` by school, ``q`` by name (accents ignored)."""
    from kernel.normalize import fold

    rows = for_user(user).select_related("school", "village")
    missing = str(params.get("thieu", ""))
    if missing in FILTERS:
        rows = rows.filter(FILTERS[missing])
    school = str(params.get("school", ""))
    if school.isdigit():
        rows = rows.filter(school_id=int(school))
    q = fold(str(params.get("q", ""))[:100])
    if q:
        rows = rows.filter(name_key__contains=q)
    return rows.order_by("school__name", "sort_key", "pk")
