"""The dashboard's figures as data: levels, filters, one row per unit, the board."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db.models import Q

from rounds.models import Proposal, ProposalItem
from schools.grouping import OLD

if TYPE_CHECKING:
    from schools.models import Commune, District, School
    from students.models import HouseholdCategory

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Level:
    PROVINCE = "province"
    DISTRICT = "district"
    # The schools standing in a commune of 1 July 2025 today (a commune officer's scope).
    COMMUNE = "commune"
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
    """One row of the dashboard: a district or today's commune, a school, village centres
    of a district or commune, or the schools today's units cannot place yet."""

    pk: int | None
    code: str
    name: str
    # False for the village centres' row: coverage points only, no pupils.
    has_pupils: bool = True
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
    # ``schools.grouping.CURRENT`` (today's units) or ``OLD`` (the units of the time).
    grouping: str = OLD
    # Today's units exist and differ from the recorded ones: the page offers the switch.
    can_regroup: bool = False
    commune: Commune | None = None
    # School id → the row's pk, where rows gather schools (today's communes, one commune).
    school_rows: dict[int, int | None] = field(default_factory=dict)
    # The data the figures were computed from (``accounts.selectors.data_version``).
    data_version: int = 0

    @property
    def shows_donations(self) -> bool:
        return self.level == Level.PROVINCE

    def category_rows(self) -> list[tuple[UnitFigures, list[int]]]:
        return [
            (row, [row.by_category.get(c.pk, 0) for c in self.categories])
            for row in self.rows
            if row.has_pupils
        ]

    def category_totals(self) -> list[int]:
        return [self.totals.by_category.get(c.pk, 0) for c in self.categories]
