"""The dashboard's figures: one grouped aggregate query per source table.

See ``reports.selectors`` for the definitions of the figures; ``reports.units`` for the
rows and how a grouped figure finds its row (by the units of the time or today's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from coverage.models import COVERED_Q, CoveragePoint, PointState
from devices.models import Allocation, Subscription
from donations.models import CashReceipt, Pledge
from kernel.scoping import Ids
from reports.board import (
    BENEFICIARY,
    COUNT_FIELDS,
    NEEDS_SUPPORT,
    VN_TZ,
    Dashboard,
    Filters,
    Level,
    UnitFigures,
)
from reports.units import Units, commune_units, district_units, province_units, school_units
from rounds.models import ProposalItem
from schools.choices import SupportKind
from schools.models import Commune, District, School
from students.models import HouseholdCategory, Student


def build_dashboard(
    *,
    level: str,
    district: District | None = None,
    school: School | None = None,
    commune: Commune | None = None,
    school_ids: frozenset[int] = frozenset(),
    filters: Filters | None = None,
    province_id: Ids | None = None,
    as_of: dt.date | None = None,
    grouping: str | None = None,
) -> Dashboard:
    """Figures per district or today's commune (province), per school (district, commune)
    or for one school.

    ``as_of`` gives the figures at the end of that day (see ``reports.selectors``), and
    today's units are then those in force on that day. ``grouping``
    (``schools.grouping``): CURRENT groups the province by today's communes, OLD (or None)
    by the districts of the time. A fixed number of queries: units, categories, pupils,
    proposal items, allocations, subscriptions, coverage points, for the province pledges
    and receipts, and by today's units the five of ``schools.grouping.CurrentUnits``.
    """
    filters = filters or Filters()
    if level == Level.PROVINCE:
        units = province_units(province_id, choice=grouping, on=as_of)
    elif level == Level.DISTRICT:
        assert district is not None
        units = district_units(district)
    elif level == Level.COMMUNE:
        assert commune is not None
        units = commune_units(commune, school_ids, on=as_of)
    else:
        assert school is not None
        units = school_units(school)
    categories = list(HouseholdCategory.objects.order_by("priority", "name"))
    tally(units, filters, AsOf(as_of))
    rows = units.result_rows()
    totals = _totals(rows)
    board = Dashboard(
        level=level,
        title=units.title,
        district=units.district,
        school=units.school,
        filters=filters,
        categories=categories,
        rows=rows,
        totals=totals,
        grouping=units.grouping,
        can_regroup=units.can_regroup,
        commune=units.commune,
        school_rows=units.school_rows,
    )
    if level == Level.PROVINCE:
        board.pledged, board.received = donation_totals(
            filters, as_of=as_of, province_id=province_id
        )
    return board


def _totals(rows: list[UnitFigures]) -> UnitFigures:
    totals = UnitFigures(pk=None, code="", name=_("Tổng cộng"))
    for r in rows:
        for name in COUNT_FIELDS:
            setattr(totals, name, getattr(totals, name) + getattr(r, name))
        for key, n in r.by_category.items():
            totals.by_category[key] = totals.by_category.get(key, 0) + n
    return totals


# size: the fixed set of aggregate queries, one per source table, each folded into the rows;
#   split, each would repeat the same fold
def tally(units: Units, filters: Filters, at: AsOf) -> None:
    """Fill ``units``' rows: one aggregate query per source table, grouped by its path."""
    paths, where = units.paths, units.where
    beneficiary = BENEFICIARY & at.beneficiary()

    # 1. needy pupils per unit and household category, and the distinct pupils approved
    is_beneficiary = Q(
        pk__in=ProposalItem.objects.filter(beneficiary, _round_filter(filters, "round")).values(
            "student_id"
        )
    )
    needy = Q(NEEDS_SUPPORT, status="studying")
    for item in (
        Student.objects.filter(where("student"), at.registered(), needy | is_beneficiary)
        .values(unit=paths["student"], category=F("household__category_id"))
        .annotate(n=Count("pk", filter=needy), approved=Count("pk", filter=is_beneficiary))
        .order_by()
    ):
        if (target := units.target(item["unit"])) is not None:
            target.needy += item["n"]
            target.approved_pupils += item["approved"]
            if item["n"]:
                cat = item["category"]
                target.by_category[cat] = target.by_category.get(cat, 0) + item["n"]

    # 2. proposals and beneficiaries (support lines)
    items = ProposalItem.objects.filter(
        where("item"), _round_filter(filters, "round"), at.proposed()
    )
    names = ("proposed", "approved", "approved_devices", "approved_data")
    for item in (
        items.values(unit=paths["item"])
        .annotate(
            proposed=Count("pk"),
            approved=Count("pk", filter=beneficiary),
            approved_devices=Count("pk", filter=beneficiary & ~Q(kind=SupportKind.DATA)),
            approved_data=Count("pk", filter=beneficiary & Q(kind=SupportKind.DATA)),
        )
        .order_by()
    ):
        if (target := units.target(item["unit"])) is not None:
            for name in names:
                setattr(target, name, getattr(target, name) + item[name])

    # 3. devices handed over, 4. data packages active
    for model, source, condition, name in (
        (Allocation, "allocation", at.handed_over(), "handed_over"),
        (Subscription, "subscription", at.data_active(), "data_active"),
    ):
        for item in (
            model.objects.filter(
                where(source), _round_filter(filters, "proposal_item__round"), condition
            )
            .values(unit=paths[source])
            .annotate(n=Count("pk"))
            .order_by()
        ):
            if (target := units.target(item["unit"])) is not None:
                setattr(target, name, getattr(target, name) + item["n"])

    # 5. coverage points (no round: the network is there or not)
    for item in coverage_counts(
        CoveragePoint.objects.filter(where("coverage")),
        paths["coverage"],
        at.day,
        by_commune=units.by_commune,
    ):
        if (target := units.point_target(item)) is not None:
            target.coverage_total += item["total"]
            target.coverage_covered += item["covered"]


def coverage_counts(
    points: QuerySet[CoveragePoint], unit: Any, as_of: dt.date | None, *, by_commune: bool = False
) -> list[dict[str, Any]]:
    """``[{"unit", "total", "covered"}]``: points and covered points per ``unit`` (and per
    ``recorded_commune`` with ``by_commune``), one query.

    Today from the points themselves; ``as_of`` a day from their state history: the
    points that existed at the end of that day, each with the state it had then.
    """
    if as_of is None:
        keys = {"unit": unit, **({"recorded_commune": F("commune_id")} if by_commune else {})}
        return list(
            points.values(**keys)
            .annotate(total=Count("pk"), covered=Count("pk", filter=COVERED_Q))
            .order_by()
        )
    keys = {
        "unit": _point_path(unit),
        **({"recorded_commune": F("point__commune_id")} if by_commune else {}),
    }
    return list(
        PointState.objects.as_of(_end_of(as_of))
        .filter(point__in=points)
        .values(**keys)
        .annotate(total=Count("pk"), covered=Count("pk", filter=PointState.COVERED))
        .order_by()
    )


def _point_path(unit: Any) -> Any:
    """The same grouping expression, seen from a ``PointState`` row."""
    if isinstance(unit, F):
        return F(f"point__{unit.name}")
    return Coalesce(*(F(f"point__{e.name}") for e in unit.get_source_expressions()))


def _end_of(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in Vietnam time."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=VN_TZ)


@dataclass(frozen=True)
class AsOf:
    """The conditions that keep each source's rows to those true at the end of ``day``."""

    day: dt.date | None

    def _until(self) -> dt.datetime:
        assert self.day is not None
        return _end_of(self.day)

    def registered(self) -> Q:
        return Q(created_at__lt=self._until()) if self.day else Q()

    def proposed(self) -> Q:
        return Q(proposal__created_at__lt=self._until()) if self.day else Q()

    def beneficiary(self) -> Q:
        """Decided, and the list approved (and confirmed where required), by then."""
        if not self.day:
            return Q()
        until = self._until()
        return Q(decided_at__lt=until, proposal__decided_at__lt=until) & (
            Q(round__requires_province_confirmation=False) | Q(proposal__confirmed_at__lt=until)
        )

    def handed_over(self) -> Q:
        if not self.day:
            return Q(status=Allocation.Status.HANDED_OVER)
        return Q(
            status__in=(Allocation.Status.HANDED_OVER, Allocation.Status.RETURNED),
            handover_date__lte=self.day,
        ) & (Q(returned_at__isnull=True) | Q(returned_at__gt=self.day))

    def data_active(self) -> Q:
        if not self.day:
            return Q(status=Subscription.Status.ACTIVE)
        # Packages that ran (active now, or expired since) and were running on that day.
        return Q(
            status__in=(Subscription.Status.ACTIVE, Subscription.Status.EXPIRED),
            starts_on__lte=self.day,
        ) & (Q(ends_on__isnull=True) | Q(ends_on__gte=self.day))


def donation_totals(
    filters: Filters, *, as_of: dt.date | None = None, province_id: Ids | None = None
) -> tuple[int, int]:
    """Cash pledged and received in VND by the end of ``as_of``: the province's (all without)."""
    pledges, receipts = Pledge.objects.all(), CashReceipt.objects.all()
    if province_id is not None:
        pledges, receipts = pledges.in_province(province_id), receipts.in_province(province_id)
    pledges = pledges.filter(_round_filter(filters, "round"))
    receipts = receipts.filter(_round_filter(filters, "pledge__round"))
    if as_of is not None:
        pledges = pledges.filter(pledged_on__lte=as_of)
        receipts = receipts.filter(received_on__lte=as_of)
    pledged = pledges.aggregate(s=Coalesce(Sum("cash_amount"), 0))["s"]
    received = receipts.aggregate(s=Coalesce(Sum("amount"), 0))["s"]
    return int(pledged), int(received)


def _round_filter(filters: Filters, path: str) -> Q:
    q = Q()
    if filters.round_id:
        q &= Q(**{f"{path}_id": filters.round_id})
    if filters.school_year:
        q &= Q(**{f"{path}__school_year": filters.school_year})
    return q
