"""Reads for dashboards and progress reports.

Every figure comes from one grouped aggregate query per source table
(``COUNT(*) FILTER (WHERE …)`` grouped by district or school), so a dashboard
makes the same number of queries for ten pupils or for the whole province.

Definitions (shown on the dashboard and in the report):

- needy pupils: pupils still studying who need a device or a data package
  (``need_device`` set or ``need_data``), by household category;
- proposed: proposal items (one pupil × one kind of support) in any proposal;
- approved pupils ("Học sinh khó khăn đã được duyệt hỗ trợ"): distinct pupils with at
  least one beneficiary line, counted at the pupil's school, so a pupil approved for a
  tablet and a data package counts once;
- approved (support lines): the beneficiaries (``ProposalItem.objects.beneficiaries()``:
  approved, and confirmed by the province where the round requires it), one per pupil
  and kind of support, split into devices and data packages;
- devices handed over: allocations in status "handed over";
- data packages active: subscriptions in status "active";
- coverage points covered: ``coverage.models.COVERED_Q`` (4G or better, and a coverage
  plan, if the point has one, verified), the one definition every page uses;
- donations (province only): cash pledged and cash received.

Round and school-year filters apply to proposals, allocations and subscriptions
(through their proposal item's round) and to pledges; pupils and coverage points have no round.

``as_of`` (a progress report's last day) gives every figure as it stood at the end
of that day, Vietnam time, from dated events, so a report rebuilt later gives the
same figures: pupils registered (``created_at``), lines decided and lists
approved/confirmed (``decided_at``/``confirmed_at``), devices handed over
(``handover_date``) and not yet returned (``returned_at``), data packages running
on that day (``starts_on``/``ends_on``), coverage from its state history
(``coverage.PointState``), pledges (``pledged_on``) and cash (``received_on``).
Without ``as_of`` the figures are today's.
"""

# size: one dashboard's scope, filters, cache key and fixed set of aggregate queries, read
#   together (over the limit by the figure cache of issue 17; to split with the grouping work)
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Model, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.selectors import data_version
from coverage.models import COVERED_Q, CoveragePoint, PointState
from devices.models import Allocation, Subscription
from donations.models import CashReceipt, Pledge
from kernel.figures_cache import cached_figures
from kernel.scoping import Ids, in_provinces
from rounds.models import Proposal, ProposalItem, SupportRound
from schools.choices import SupportKind
from schools.models import District, School
from students.models import HouseholdCategory, Student

if TYPE_CHECKING:
    from accounts.models import User
    from kernel.scoping import VisibleTo
    from reports.models import OutreachActivity


VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Level:
    PROVINCE = "province"
    DISTRICT = "district"
    SCHOOL = "school"


# Figures summed per row and in the totals row, in table order.
COUNT_FIELDS = (
    "needy",
    "approved_pupils",
    "proposed",
    "approved",
    "approved_devices",
    "approved_data",
    "handed_over",
    "data_active",
    "coverage_covered",
    "coverage_total",
)

NEEDS_SUPPORT = ~Q(need_device="") | Q(need_data=True)
# The same rule as ProposalItem.objects.beneficiaries(), usable inside an aggregate;
# tests/reports pin that both give the same count.
BENEFICIARY = Q(status=ProposalItem.Status.APPROVED) & (
    Q(proposal__status=Proposal.Status.CONFIRMED)
    | Q(proposal__status=Proposal.Status.APPROVED, round__requires_province_confirmation=False)
)


@dataclass(frozen=True)
class Filters:
    round_id: int | None = None
    school_year: str = ""

    def as_query(self) -> dict[str, str]:
        query = {}
        if self.round_id:
            query["round"] = str(self.round_id)
        if self.school_year:
            query["year"] = self.school_year
        return query


@dataclass
class UnitFigures:
    """One row of the dashboard: a district, a school, or village centres of a district."""

    pk: int | None
    code: str
    name: str
    needy: int = 0
    approved_pupils: int = 0
    by_category: dict[int, int] = field(default_factory=dict)
    proposed: int = 0
    approved: int = 0
    approved_devices: int = 0
    approved_data: int = 0
    handed_over: int = 0
    data_active: int = 0
    coverage_covered: int = 0
    coverage_total: int = 0

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.pk, "code": self.code, "name": self.name}
        data.update({name: getattr(self, name) for name in COUNT_FIELDS})
        data["by_category"] = {str(k): v for k, v in self.by_category.items()}
        return data


@dataclass
class Dashboard:
    level: str
    title: str
    district: District | None
    school: School | None
    filters: Filters
    categories: list[HouseholdCategory]
    rows: list[UnitFigures]
    totals: UnitFigures
    pledged: int | None = None
    received: int | None = None
    # The data the figures were computed from (``accounts.selectors.data_version``).
    data_version: int = 0

    @property
    def shows_donations(self) -> bool:
        return self.level == Level.PROVINCE

    def category_rows(self) -> list[tuple[UnitFigures, list[int]]]:
        return [
            (row, [row.by_category.get(c.pk, 0) for c in self.categories])
            for row in self.rows
            if row.pk is not None  # village centres have no pupils
        ]

    def category_totals(self) -> list[int]:
        return [self.totals.by_category.get(c.pk, 0) for c in self.categories]


def _pct(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def progress_items(board: Dashboard) -> list[dict[str, Any]]:
    """Progress towards the programme's goal, for progress bars."""
    t = board.totals
    items: list[dict[str, Any]] = [
        {
            "label": _("Học sinh khó khăn đã được duyệt hỗ trợ"),
            "done": t.approved_pupils,
            "goal": t.needy,
        },
        {
            "label": _("Thiết bị đã bàn giao / suất thiết bị được duyệt"),
            "done": t.handed_over,
            "goal": t.approved_devices,
        },
        {
            "label": _("Gói cước đang hoạt động / suất gói cước được duyệt"),
            "done": t.data_active,
            "goal": t.approved_data,
        },
        {
            "label": _("Điểm đã phủ sóng / tổng số điểm"),
            "done": t.coverage_covered,
            "goal": t.coverage_total,
        },
    ]
    if board.shows_donations and board.pledged is not None:
        items.append(
            {
                "label": _("Tiền tài trợ đã nhận / đã cam kết"),
                "done": board.received or 0,
                "goal": board.pledged,
                "money": True,
            }
        )
    for item in items:
        item["percent"] = min(_pct(int(item["done"]), int(item["goal"] or 0)), 100)
    return items


# --- scope -----------------------------------------------------------------------------


def resolve_scope(
    user: User, *, district_id: str | int | None = None, school_id: str | int | None = None
) -> tuple[str, District | None, School | None]:
    """The level and unit a user asks to see; 404 outside their scope.

    Province: every district, or one district (``district_id``) or school;
    district office: its schools, or one of them; school staff: their school.
    """
    scope = user.scope
    school = district = None
    if (
        scope.is_school
        and district_id not in (None, "")
        and str(district_id) != str(scope.district_id)
    ):
        raise Http404
    if scope.is_school and school_id not in (None, "") and str(school_id) != str(scope.school_id):
        # School.visible_to lets school staff list their district's schools; figures
        # of another school are still not theirs.
        raise Http404
    if school_id not in (None, ""):
        school = _get_visible(School.objects.select_related("district"), user, school_id)
        return Level.SCHOOL, school.district, school
    if scope.is_school:
        school = School.objects.select_related("district").get(pk=int(scope.school_id or 0))
        return Level.SCHOOL, school.district, school
    if district_id not in (None, ""):
        district = _get_visible(District.objects.all(), user, district_id)
        return Level.DISTRICT, district, None
    if scope.is_district:
        return Level.DISTRICT, District.objects.get(pk=int(scope.district_id or 0)), None
    if scope.is_provincial:
        return Level.PROVINCE, None, None
    raise Http404


def _get_visible[M: Model](queryset: VisibleTo[M], user: User, pk: str | int) -> M:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    obj = queryset.visible_to(user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def filter_choices(user: User) -> tuple[list[SupportRound], list[str]]:
    """Rounds of the user's province and their school years, for the filter form."""
    rounds = list(SupportRound.objects.visible_to(user).order_by("-starts_on", "-pk"))
    years = sorted({r.school_year for r in rounds}, reverse=True)
    return rounds, years


def parse_filters(params: Any) -> Filters:
    round_raw = str(params.get("round", "") or "")
    year = str(params.get("year", "") or "").strip()[:9]
    return Filters(round_id=int(round_raw) if round_raw.isdigit() else None, school_year=year)


# --- figures -----------------------------------------------------------------------------


def dashboard_for_user(user: User, *, params: Any) -> Dashboard:
    """The dashboard a user asked for (``district``/``school``/``round``/``year`` params)."""
    level, district, school = resolve_scope(
        user, district_id=params.get("district"), school_id=params.get("school")
    )
    filters = parse_filters(params)
    # The province's own districts (and its predecessors'), not every province's.
    province_id = (user.scope.province_ids or None) if level == Level.PROVINCE else None
    version = data_version()
    key = (
        level,
        district and district.pk,
        school and school.pk,
        filters,
        sorted(province_id or ()),
    )
    board = cached_figures(
        "dashboard",
        key,
        lambda: build_dashboard(
            level=level, district=district, school=school, filters=filters, province_id=province_id
        ),
        version=version,
    )
    board.data_version = version
    return board


# size: a fixed number of aggregate queries merged into one table of figures per unit; split, the
#   queries would be repeated
def build_dashboard(
    *,
    level: str,
    district: District | None = None,
    school: School | None = None,
    filters: Filters | None = None,
    province_id: Ids | None = None,
    as_of: dt.date | None = None,
) -> Dashboard:
    """Figures per district (province), per school (district) or for one school.

    ``as_of`` gives the figures at the end of that day (see the module docstring).
    A fixed number of queries: units, categories, pupils, proposal items,
    allocations, subscriptions, coverage points, and for the province pledges
    and receipts.
    """
    filters = filters or Filters()
    units: Any
    if level == Level.PROVINCE:
        units = District.objects.filter(is_active=True)
        if province_id:
            units = units.filter(in_provinces("province_id", province_id))
        title = _("Toàn tỉnh")
    elif level == Level.DISTRICT:
        assert district is not None
        units = School.objects.filter(district=district, is_active=True)
        title = district.name
    else:
        assert school is not None
        units = School.objects.filter(pk=school.pk)
        title = school.name
    rows = {u.pk: UnitFigures(pk=u.pk, code=u.code, name=u.name) for u in units.order_by("code")}
    villages = UnitFigures(pk=None, code="", name=_("Trung tâm thôn/bản"))
    categories = list(HouseholdCategory.objects.order_by("priority", "name"))

    def row(key: int | None) -> UnitFigures | None:
        if key is None and level == Level.DISTRICT:
            return villages
        return rows.get(key) if key is not None else None

    paths = _PATHS[level]
    unit_filter = _unit_filter(level, district, school, province_id)
    at = AsOf(as_of)
    beneficiary = BENEFICIARY & at.beneficiary()

    # 1. needy pupils per unit and household category, and the distinct pupils approved
    is_beneficiary = Q(
        pk__in=ProposalItem.objects.filter(beneficiary, _round_filter(filters, "round")).values(
            "student_id"
        )
    )
    needy = Q(NEEDS_SUPPORT, status="studying")
    for item in (
        Student.objects.filter(unit_filter("student"), at.registered(), needy | is_beneficiary)
        .values(unit=paths["student"], category=F("household__category_id"))
        .annotate(n=Count("pk", filter=needy), approved=Count("pk", filter=is_beneficiary))
        .order_by()
    ):
        if (target := row(item["unit"])) is not None:
            target.needy += item["n"]
            target.approved_pupils += item["approved"]
            if item["n"]:
                target.by_category[item["category"]] = item["n"]

    # 2. proposals and beneficiaries (support lines)
    items = ProposalItem.objects.filter(
        unit_filter("item"), _round_filter(filters, "round"), at.proposed()
    )
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
        if (target := row(item["unit"])) is not None:
            for name in ("proposed", "approved", "approved_devices", "approved_data"):
                setattr(target, name, item[name])

    # 3. devices handed over
    for item in (
        Allocation.objects.filter(
            unit_filter("allocation"),
            _round_filter(filters, "proposal_item__round"),
            at.handed_over(),
        )
        .values(unit=paths["allocation"])
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if (target := row(item["unit"])) is not None:
            target.handed_over = item["n"]

    # 4. data packages active
    for item in (
        Subscription.objects.filter(
            unit_filter("subscription"),
            _round_filter(filters, "proposal_item__round"),
            at.data_active(),
        )
        .values(unit=paths["subscription"])
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if (target := row(item["unit"])) is not None:
            target.data_active = item["n"]

    # 5. coverage points (no round: the network is there or not)
    for item in coverage_counts(
        CoveragePoint.objects.filter(unit_filter("coverage")), paths["coverage"], as_of
    ):
        if (target := row(item["unit"])) is not None:
            target.coverage_total = item["total"]
            target.coverage_covered = item["covered"]

    result_rows = list(rows.values())
    if level == Level.DISTRICT and villages.coverage_total:
        result_rows.append(villages)
    totals = UnitFigures(pk=None, code="", name=_("Tổng cộng"))
    for r in result_rows:
        for name in COUNT_FIELDS:
            setattr(totals, name, getattr(totals, name) + getattr(r, name))
        for key, n in r.by_category.items():
            totals.by_category[key] = totals.by_category.get(key, 0) + n
    board = Dashboard(
        level=level,
        title=title,
        district=district,
        school=school,
        filters=filters,
        categories=categories,
        rows=result_rows,
        totals=totals,
    )
    if level == Level.PROVINCE:
        cash = donation_totals(filters, as_of=as_of, province_id=province_id)
        board.pledged, board.received = cash
    return board


def coverage_counts(
    points: QuerySet[CoveragePoint], unit: Any, as_of: dt.date | None
) -> list[dict[str, Any]]:
    """``[{"unit", "total", "covered"}]``: points and covered points per ``unit``, one query.

    Today from the points themselves; ``as_of`` a day from their state history: the
    points that existed at the end of that day, each with the state it had then.
    """
    if as_of is None:
        return list(
            points.values(unit=unit)
            .annotate(total=Count("pk"), covered=Count("pk", filter=COVERED_Q))
            .order_by()
        )
    return list(
        PointState.objects.as_of(_end_of(as_of))
        .filter(point__in=points)
        .values(unit=_point_path(unit))
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


# Grouping expression per level and source: district for the province, school below.
_PATHS: dict[str, dict[str, Any]] = {
    Level.PROVINCE: {
        "student": F("school__district_id"),
        "item": F("proposal__school__district_id"),
        "allocation": F("school__district_id"),
        "subscription": F("student__school__district_id"),
        "coverage": F("district_id"),
    },
}
_PATHS[Level.DISTRICT] = {
    "student": F("school_id"),
    "item": F("proposal__school_id"),
    "allocation": F("school_id"),
    "subscription": F("student__school_id"),
    "coverage": Coalesce("school_id", "site__school_id"),
}
_PATHS[Level.SCHOOL] = _PATHS[Level.DISTRICT]

_SCHOOL_PATH = {
    "student": "school",
    "item": "proposal__school",
    "allocation": "school",
    "subscription": "student__school",
}


def _unit_filter(
    level: str, district: District | None, school: School | None, province_id: Ids | None
) -> Any:
    def build(source: str) -> Q:
        if level == Level.PROVINCE:
            if not province_id:
                return Q()
            if source == "coverage":
                return in_provinces("district__province_id", province_id)
            return in_provinces(f"{_SCHOOL_PATH[source]}__district__province_id", province_id)
        if level == Level.DISTRICT:
            assert district is not None
            if source == "coverage":
                return Q(district_id=district.pk)
            return Q(**{f"{_SCHOOL_PATH[source]}__district_id": district.pk})
        assert school is not None
        if source == "coverage":
            return Q(school_id=school.pk) | Q(site__school_id=school.pk)
        return Q(**{f"{_SCHOOL_PATH[source]}_id": school.pk})

    return build


def _round_filter(filters: Filters, path: str) -> Q:
    q = Q()
    if filters.round_id:
        q &= Q(**{f"{path}_id": filters.round_id})
    if filters.school_year:
        q &= Q(**{f"{path}__school_year": filters.school_year})
    return q


# --- outreach ------------------------------------------------------------------------------


def outreach_list(user: User, params: Any) -> QuerySet[OutreachActivity]:
    """The outreach activities a user may see, optionally of one channel, newest first."""
    from reports.models import OutreachActivity

    activities = OutreachActivity.objects.visible_to(user).select_related(
        "school", "district", "created_by"
    )
    channel = params.get("channel", "")
    if channel in OutreachActivity.Channel.values:
        activities = activities.filter(channel=channel)
    return activities.order_by("-held_on", "-pk")
