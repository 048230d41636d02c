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

Grouping (``schools.grouping``): a page groups the province by today's communes by
default and by the districts of the time with ``?don_vi=cu``; both come from the same
aggregates (``reports.units``), so their totals agree. The figures are computed in
``reports.figures``; the board's data classes live in ``reports.board``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.selectors import data_version
from kernel.figures_cache import cached_figures
from kernel.scoping import Ids, in_provinces
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
from reports.figures import AsOf, build_dashboard, coverage_counts, donation_totals
from rounds.models import SupportRound
from schools import grouping
from schools.models import GENERATION_2025, Commune, District, School
from students.models import Student

if TYPE_CHECKING:
    from accounts.models import User
    from devices.readiness import ReadinessBoard
    from kernel.scoping import VisibleTo
    from reports.models import OutreachActivity

__all__ = [
    "BENEFICIARY",
    "COUNT_FIELDS",
    "NEEDS_SUPPORT",
    "VN_TZ",
    "AsOf",
    "Dashboard",
    "Filters",
    "Level",
    "UnitFigures",
    "build_dashboard",
    "coverage_counts",
    "dashboard_for_user",
    "donation_totals",
    "filter_choices",
    "outreach_list",
    "parse_filters",
    "progress_items",
    "resolve_scope",
]


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
    """The dashboard a user asked for (``district``/``school``/``xa``/``round``/``year``/
    ``don_vi`` params): a commune's schools for a commune officer (or a provincial user
    asking for ``xa``, a commune of today), else ``resolve_scope``'s unit. The figures are
    kept a while per unit, filters and data version (``kernel.figures_cache``)."""
    filters = parse_filters(params)
    choice = grouping.parse(params)
    version = data_version()
    if params.get("school") in (None, ""):
        commune = _commune_asked(user, params.get("xa"), params.get("district"))
        if commune is not None:
            school_ids = _commune_school_ids(user, commune)
            board = cached_figures(
                "dashboard",
                (Level.COMMUNE, commune.pk, sorted(school_ids), filters),
                lambda: build_dashboard(
                    level=Level.COMMUNE, commune=commune, school_ids=school_ids, filters=filters
                ),
                version=version,
            )
            board.data_version = version
            return board
    level, district, school = resolve_scope(
        user, district_id=params.get("district"), school_id=params.get("school")
    )
    # The province's own districts (and its predecessors'), not every province's.
    province_id = (user.scope.province_ids or None) if level == Level.PROVINCE else None
    grouped = choice if level == Level.PROVINCE else None
    key = (level, district and district.pk, school and school.pk, filters)
    board = cached_figures(
        "dashboard",
        (*key, sorted(province_id or ()), grouped),
        lambda: build_dashboard(
            level=level,
            district=district,
            school=school,
            filters=filters,
            province_id=province_id,
            grouping=grouped,
        ),
        version=version,
    )
    board.data_version = version
    return board


def _commune_asked(user: User, commune_id: Any, district_id: Any) -> Commune | None:
    """The commune of today whose schools' figures are asked for: a commune officer's own
    (no other, and no district: 404), or for a provincial user a commune of their
    province (``xa``)."""
    scope = user.scope
    if scope.is_commune:
        if district_id not in (None, ""):
            raise Http404
        if commune_id not in (None, "") and str(commune_id) != str(scope.commune_id):
            raise Http404
        return user.commune
    if commune_id in (None, ""):
        return None
    if not scope.is_provincial or not str(commune_id).isdigit():
        raise Http404
    found = Commune.objects.filter(
        pk=int(str(commune_id)),
        generation_id=GENERATION_2025,
        province_id__in=sorted(scope.province_ids or {scope.province_id or 0}),
    ).first()
    if found is None:
        raise Http404
    return found


def _commune_school_ids(user: User, commune: Commune) -> frozenset[int]:
    """The schools standing in ``commune`` today: the officer's scope, read once with the
    user; for a provincial user, worked out now (``schools.offices``)."""
    from schools.offices import school_ids_in_commune

    if user.scope.is_commune:
        return user.scope.school_ids
    return school_ids_in_commune(commune.pk)


def readiness_by_school(board: Dashboard, *, province_id: Ids | None) -> ReadinessBoard:
    """The readiness card of a board whose rows gather schools (today's communes, or one
    commune's schools): counted per school in one query, folded like the board's figures."""
    from devices import readiness

    pupils = Student.objects.all()
    if board.level == Level.PROVINCE:
        if province_id:
            pupils = pupils.filter(in_provinces("school__district__province_id", province_id))
    else:
        pupils = pupils.filter(school_id__in=sorted(board.school_rows))
    per_school = readiness.counts_by(readiness.supported_pupils(pupils), "school_id")
    rows = {
        r.pk: readiness.UnitReadiness(name=r.name, pk=r.pk, figures=readiness.Readiness())
        for r in board.rows
        if r.has_pupils
    }
    totals = readiness.Readiness()
    for school_id, figures in per_school.items():
        key = board.school_rows.get(school_id)
        if key not in rows:
            rows[key] = readiness.UnitReadiness(
                name=_("Chưa xác định được xã/phường hiện nay"),
                pk=None,
                figures=readiness.Readiness(),
            )
        rows[key].figures.add(figures)
        totals.add(figures)
    return readiness.ReadinessBoard(totals=totals, rows=list(rows.values()))


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
