"""Reads for coverage: scoped point lists, the gap ranking, progress and village signal.

Pupil counts
------------
A point "serves" the pupils who live in its village (``Student.village``):

- a village centre point: its village;
- a school-site point: the village the site stands in (``SchoolSite.village``,
  copied to the point when it is created);
- a school point: the village the school stands in, when the officer entered it
  (``CoveragePoint.village``; schools have no village of their own).  Pupils of a
  school live all over its commune, so they are *not* counted for the school
  point: signal at school does not help a pupil learning at home.

"Needy" pupils are studying pupils with a device or data need
(``need_device != ""`` or ``need_data``); "beneficiaries" are studying pupils
with an approved (and, where required, confirmed) proposal item.  The priority
of a gap is the number of distinct pupils who are either.  Counts are over the
whole registry, not the viewer's scope: a village's pupils may attend a school
in another district, and only numbers are shown, never names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse

from accounts.access import get_for_user
from accounts.models import AuditEvent, User
from accounts.selectors import history_for
from coverage.models import (
    COVERED_Q,
    GOOD_FROM,
    STATUS_Q,
    USABLE_FROM,
    CarrierSignal,
    CoveragePlan,
    CoveragePoint,
    PlanNote,
    PointStatus,
    Technology,
)
from kernel.normalize import fold
from schools.choices import Carrier
from schools.models import Commune, District, School

# ------------------------------------------------------------------ filtering


@dataclass
class PointFilters:
    """The filters shared by the map, the list and the export (all optional)."""

    district: int | None = None
    carrier: str = ""
    kind: str = ""
    stage: str = ""  # "none" = no plan, or a CoveragePlan.Stage value
    status: str = ""
    ministry: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> PointFilters:
        district = str(params.get("district", "") or "")
        stage = str(params.get("stage", "") or "")
        carrier = str(params.get("carrier", "") or "")
        kind = str(params.get("kind", "") or "")
        status = str(params.get("status", "") or "")
        return cls(
            district=int(district) if district.isdigit() else None,
            carrier=carrier if carrier in Carrier.values else "",
            kind=kind if kind in CoveragePoint.Kind.values else "",
            stage=stage
            if stage == "none" or (stage.isdigit() and int(stage) in CoveragePlan.Stage.values)
            else "",
            status=status if status in PointStatus.values else "",
            ministry=str(params.get("ministry", "")) in ("1", "on", "true"),
        )

    def apply(self, points: QuerySet[CoveragePoint]) -> QuerySet[CoveragePoint]:
        if self.district:
            points = points.filter(district_id=self.district)
        if self.carrier:
            # A carrier's points: where it was measured, or where it must build.
            points = points.filter(
                Q(pk__in=CarrierSignal.objects.filter(carrier=self.carrier).values("point_id"))
                | Q(plan__carrier=self.carrier)
            )
        if self.kind:
            points = points.filter(kind=self.kind)
        if self.stage == "none":
            points = points.filter(plan__isnull=True)
        elif self.stage:
            points = points.filter(plan__stage=int(self.stage))
        if self.status:
            points = points.filter(STATUS_Q[self.status])
        if self.ministry:
            points = points.filter(on_ministry_list=True)
        return points

    def as_querystring(self) -> str:
        from urllib.parse import urlencode

        data = {
            "district": self.district or "",
            "carrier": self.carrier,
            "kind": self.kind,
            "stage": self.stage,
            "status": self.status,
            "ministry": "1" if self.ministry else "",
        }
        return urlencode({k: v for k, v in data.items() if v})


def visible_points(user: User) -> QuerySet[CoveragePoint]:
    """Points the user may see, with everything a list row shows loaded."""
    return (
        CoveragePoint.objects.visible_to(user)
        .select_related("district", "commune", "village", "school", "site__school", "plan")
        .prefetch_related(Prefetch("signals", queryset=CarrierSignal.objects.order_by("carrier")))
    )


def visible_districts(user: User) -> QuerySet[District]:
    return District.objects.visible_to(user)


# --------------------------------------------------------------- pupil counts


def _needy_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}status": "studying"}) & (
        ~Q(**{f"{prefix}need_device": ""}) | Q(**{f"{prefix}need_data": True})
    )


def pupil_counts(village_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """``{village_id: {"needy", "beneficiaries", "priority"}}`` in one query."""
    from rounds.models import ProposalItem
    from students.models import Student

    ids = sorted({v for v in village_ids if v})
    if not ids:
        return {}
    beneficiary_q = Q(status=Student.Status.STUDYING) & Q(
        pk__in=ProposalItem.objects.beneficiaries().values("student_id")
    )
    rows = (
        Student.objects.filter(village_id__in=ids)
        .values("village_id")
        .annotate(
            needy=Count("pk", filter=_needy_q()),
            beneficiaries=Count("pk", filter=beneficiary_q),
            priority=Count("pk", filter=_needy_q() | beneficiary_q),
        )
        .order_by()
    )
    return {
        row["village_id"]: {
            "needy": row["needy"],
            "beneficiaries": row["beneficiaries"],
            "priority": row["priority"],
        }
        for row in rows
    }


MAIN_CARRIERS = (Carrier.VIETTEL, Carrier.VNPT, Carrier.MOBIFONE)
_ZERO = {"needy": 0, "beneficiaries": 0, "priority": 0}


# ------------------------------------------------------------------ list rows


@dataclass
class PointRow:
    """One point as the map, the list and the export show it (no pupil names)."""

    point: CoveragePoint
    status: str
    signals: dict[str, int] = field(default_factory=dict)
    needy: int = 0
    beneficiaries: int = 0
    priority: int = 0
    rank: int = 0
    # Today's commune (``schools.grouping``); None before the reform's units are loaded
    # or when the point's old commune was split: the recorded commune and district stay.
    commune_today: Commune | None = None

    @property
    def status_label(self) -> str:
        return str(PointStatus(self.status).label)

    @property
    def plan(self) -> CoveragePlan | None:
        return self.point.current_plan

    @property
    def stage(self) -> int:
        plan = self.plan
        return plan.stage if plan else 0

    @property
    def stage_label(self) -> str:
        plan = self.plan
        return str(plan.get_stage_display()) if plan else ""

    @property
    def plan_carrier_label(self) -> str:
        plan = self.plan
        return str(Carrier(plan.carrier).label) if plan else ""

    def technology_label(self, carrier: str) -> str:
        value = self.signals.get(carrier)
        return str(Technology(value).label) if value is not None else ""

    @property
    def main_technologies(self) -> list[str]:
        """Technology at Viettel, VNPT and MobiFone, the carriers of every survey."""
        return [self.technology_label(c) for c in MAIN_CARRIERS]

    @property
    def best_label(self) -> str:
        best = self.point.best_technology
        return str(Technology(best).label) if best is not None else ""

    @property
    def school_name(self) -> str:
        if self.point.school is not None:
            return self.point.school.name
        if self.point.site is not None:
            return self.point.site.school.name
        return ""

    def as_json(self) -> dict[str, Any]:
        p = self.point
        plan = self.plan
        return {
            "id": p.pk,
            "name": p.name,
            "kind": p.kind,
            "kind_label": str(p.get_kind_display()),
            "school": self.school_name,
            "district_id": p.district_id,
            "district": p.district.name,
            "commune": p.commune.name,
            "commune_today": self.commune_today.name if self.commune_today else "",
            "village": p.village.name if p.village else "",
            "lat": p.latitude,
            "lon": p.longitude,
            "status": self.status,
            "status_label": self.status_label,
            "best": self.best_label,
            "signals": [
                {"carrier": c, "label": str(Carrier(c).label), "tech": self.technology_label(c)}
                for c in self.signals
            ],
            "carriers": sorted(set(self.signals) | ({plan.carrier} if plan else set())),
            "stage": self.stage,
            "stage_label": self.stage_label,
            "plan_carrier": str(Carrier(plan.carrier).label) if plan else "",
            "ministry": p.on_ministry_list,
            "needy": self.needy,
            "beneficiaries": self.beneficiaries,
            "url": reverse("coverage:detail", args=[p.pk]),
        }


def _rows(points: Iterable[CoveragePoint]) -> list[PointRow]:
    points = list(points)
    counts = pupil_counts(p.village_id for p in points if p.village_id)
    rows = []
    for p in points:
        c = counts.get(p.village_id, _ZERO) if p.village_id else _ZERO
        rows.append(
            PointRow(
                point=p,
                status=p.status,
                signals={s.carrier: s.technology for s in p.signals.all()},
                needy=c["needy"],
                beneficiaries=c["beneficiaries"],
                priority=c["priority"],
            )
        )
    today = communes_today(points)
    for row in rows:
        row.commune_today = today.get(row.point.pk)
    return rows


def communes_today(points: list[CoveragePoint]) -> dict[int, Commune]:
    """Today's commune of each point (its school's, else its recorded commune's through
    the crosswalk), in a fixed number of queries (``schools.grouping.CurrentUnits``)."""
    from schools.grouping import CurrentUnits

    school_of = {p.pk: p.school_id or (p.site.school_id if p.site else None) for p in points}
    ids = sorted({s for s in school_of.values() if s})
    units = CurrentUnits.load(schools=School.objects.filter(pk__in=ids))
    if not units.available:
        return {}
    by_pk = {c.pk: c for c in units.communes}
    found = {p.pk: units.of_point(school_of[p.pk], p.commune_id) for p in points}
    return {pk: by_pk[c] for pk, c in found.items() if c in by_pk}


def point_row(point: CoveragePoint) -> PointRow:
    """One point's row (status, per-carrier technology, pupil counts) for its detail page."""
    return _rows([point])[0]


SORTS: dict[str, Any] = {
    "name": lambda r: (fold(r.point.name), r.point.pk),
    "district": lambda r: (r.point.district.code, fold(r.point.commune.name), fold(r.point.name)),
    "status": lambda r: (list(PointStatus.values).index(r.status), fold(r.point.name)),
    "best": lambda r: (
        -1 if r.point.best_technology is None else r.point.best_technology,
        fold(r.point.name),
    ),
    "needy": lambda r: (r.needy, r.priority, fold(r.point.name)),
    "stage": lambda r: (r.stage, fold(r.point.name)),
}


def point_rows(user: User, filters: PointFilters, sort: str = "district") -> list[PointRow]:
    """The filtered points visible to ``user``, sorted; three queries whatever the size.

    ``sort`` is a key of ``SORTS``, prefixed with "-" for descending.
    """
    rows = _rows(filters.apply(visible_points(user)))
    key = sort.lstrip("-")
    rows.sort(key=SORTS.get(key, SORTS["district"]), reverse=sort.startswith("-"))
    return rows


def map_points(user: User) -> list[dict[str, Any]]:
    """Every visible point with coordinates as JSON-ready dicts for the map.

    (Filtered in the browser.)  A school or site whose coordinates nobody entered is a
    point of the progress and the lists, but cannot be drawn.
    """
    return [
        row.as_json()
        for row in point_rows(user, PointFilters())
        if row.point.latitude is not None and row.point.longitude is not None
    ]


# ---------------------------------------------------------------- gap ranking


def gap_ranking(
    user: User, *, include_weak: bool = False, district: int | None = None
) -> list[PointRow]:
    """Points without usable signal visible to ``user``, ranked by the pupils they serve.

    Rank: number of distinct studying pupils living in the point's village who are
    needy or approved beneficiaries (descending), then point name (accent-
    insensitive), then id.  Weak (3G only) points join when ``include_weak``.
    Always three queries: points, their signals, the pupil counts.
    """
    points = visible_points(user).filter(
        best_technology__lt=GOOD_FROM if include_weak else USABLE_FROM
    )
    if district:
        points = points.filter(district_id=district)
    rows = _rows(points)
    rows.sort(key=lambda r: (-r.priority, fold(r.point.name), r.point.pk))
    for index, row in enumerate(rows, start=1):
        row.rank = index
    return rows


# -------------------------------------------------------------- village signal


SIGNAL_STATUSES = ("no_signal", "weak", "covered", "unknown")


def _signal_status(best: int | None) -> str:
    if best is None:
        return "unknown"
    if best < USABLE_FROM:
        return "no_signal"
    if best < GOOD_FROM:
        return "weak"
    return "covered"


def village_signals(village_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """``village_signal`` for many villages in one query (for lists of pupils)."""
    ids = {v for v in village_ids if v}
    result: dict[int, dict[str, Any]] = {v: {"status": "unknown", "point": None} for v in ids}
    if not ids:
        return result
    # The village centre is the reference; a school or site in the village stands in
    # when the centre has not been measured.  Among equals the best signal wins.
    kind_rank: dict[str, int] = {
        CoveragePoint.Kind.VILLAGE: 0,
        CoveragePoint.Kind.SITE: 1,
        CoveragePoint.Kind.SCHOOL: 2,
    }
    candidates: dict[int, list[CoveragePoint]] = {}
    for point in CoveragePoint.objects.filter(village_id__in=ids).select_related("plan"):
        if point.village_id is not None:  # always, by the filter: narrows the type
            candidates.setdefault(point.village_id, []).append(point)
    for village_id, points in candidates.items():
        points.sort(
            key=lambda p: (
                p.best_technology is None,
                kind_rank[p.kind],
                -(p.best_technology or 0),
                p.pk,
            )
        )
        chosen = points[0]
        result[village_id] = {"status": _signal_status(chosen.best_technology), "point": chosen}
    return result


def village_signal(village_id: int | None) -> dict[str, Any]:
    """Does this village have mobile data? For the pupil page and data-package allocation.

    Returns ``{"status": "no_signal" | "weak" | "covered" | "unknown", "point": CoveragePoint | None}``
    from the latest measurement (a verified plan is not needed here: what matters
    is whether a SIM works there today).  "unknown" when no point in the village has
    been measured, or the village is unknown.  One query.
    """
    if not village_id:
        return {"status": "unknown", "point": None}
    return village_signals([village_id])[village_id]


# ------------------------------------------------------------------- progress


@dataclass
class ProgressRow:
    district_id: int
    name: str
    total: int
    covered: int
    pending: int
    weak: int
    no_signal: int
    unknown: int

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.total) if self.total else 0


def progress_by_district(user: User) -> list[ProgressRow]:
    """Covered points against all points per district (the goal is 100%), one query."""
    rows = (
        CoveragePoint.objects.visible_to(user)
        .values("district_id", "district__name", "district__code")
        .annotate(
            total=Count("pk"),
            covered=Count("pk", filter=COVERED_Q),
            pending=Count("pk", filter=STATUS_Q[PointStatus.PENDING]),
            weak=Count("pk", filter=STATUS_Q[PointStatus.WEAK]),
            no_signal=Count("pk", filter=STATUS_Q[PointStatus.NO_SIGNAL]),
            unknown=Count("pk", filter=STATUS_Q[PointStatus.UNKNOWN]),
        )
        .order_by("district__code")
    )
    return [
        ProgressRow(
            district_id=r["district_id"],
            name=r["district__name"],
            total=r["total"],
            covered=r["covered"],
            pending=r["pending"],
            weak=r["weak"],
            no_signal=r["no_signal"],
            unknown=r["unknown"],
        )
        for r in rows
    ]


def progress_by_kind(user: User) -> list[ProgressRow]:
    """Covered points against all points for schools, school sites and village centres.

    The plan's goal is written per kind (100% of schools, school sites and village
    centres); every kind has its row, zero included.  One query.
    """
    counts = {
        r["kind"]: r
        for r in CoveragePoint.objects.visible_to(user)
        .values("kind")
        .annotate(
            total=Count("pk"),
            covered=Count("pk", filter=COVERED_Q),
            pending=Count("pk", filter=STATUS_Q[PointStatus.PENDING]),
            weak=Count("pk", filter=STATUS_Q[PointStatus.WEAK]),
            no_signal=Count("pk", filter=STATUS_Q[PointStatus.NO_SIGNAL]),
            unknown=Count("pk", filter=STATUS_Q[PointStatus.UNKNOWN]),
        )
        .order_by()
    }
    rows = []
    for kind, label in CoveragePoint.Kind.choices:
        r = counts.get(kind, {})
        rows.append(
            ProgressRow(
                district_id=0,
                name=str(label),
                total=r.get("total", 0),
                covered=r.get("covered", 0),
                pending=r.get("pending", 0),
                weak=r.get("weak", 0),
                no_signal=r.get("no_signal", 0),
                unknown=r.get("unknown", 0),
            )
        )
    return rows


def progress_total(rows: list[ProgressRow]) -> ProgressRow:
    return ProgressRow(
        district_id=0,
        name="",
        total=sum(r.total for r in rows),
        covered=sum(r.covered for r in rows),
        pending=sum(r.pending for r in rows),
        weak=sum(r.weak for r in rows),
        no_signal=sum(r.no_signal for r in rows),
        unknown=sum(r.unknown for r in rows),
    )


def ministry_points(user: User) -> list[PointRow]:
    """The points on the ministry's list (ten in Lào Cai in 2021) with their status."""
    return point_rows(user, PointFilters(ministry=True), sort="district")


# --------------------------------------------------------------------- detail


def point_detail(*, user: User, pk: int) -> CoveragePoint:
    """One point in the user's scope (404 otherwise) with signals, plan and notes."""
    return get_for_user(
        CoveragePoint.objects.select_related(
            "district", "commune", "village", "school", "site__school", "plan"
        ).prefetch_related(
            Prefetch(
                "signals",
                queryset=CarrierSignal.objects.select_related("recorded_by").order_by("carrier"),
            )
        ),
        user,
        pk=pk,
    )


def plan_notes(point: CoveragePoint) -> QuerySet[PlanNote]:
    return PlanNote.objects.filter(plan__point=point).select_related("author")


def point_history(point: CoveragePoint) -> QuerySet[AuditEvent]:
    return history_for(point)
