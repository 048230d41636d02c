"""Reads for support rounds; each page's data in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from accounts.access import own_commune_id
from kernel.normalize import fold
from kernel.sorting import Sorting
from rounds import chain
from rounds.chain import DISTRICT, Holder
from rounds.models import DeadlineExtension, Proposal, ProposalItem, Quota, SupportRound
from schools.choices import SupportKind
from schools.models import District, School
from students.models import HouseholdCategory, Student

if TYPE_CHECKING:
    from accounts.models import User

SUBMITTED_ONCE = (
    Proposal.Status.SUBMITTED,
    Proposal.Status.RETURNED,
    Proposal.Status.APPROVED,
    Proposal.Status.CONFIRMED,
    Proposal.Status.REJECTED,
)


ROUND_SORTS = {
    "ten": ("name",),
    "nam_hoc": ("school_year",),
    "thoi_gian": ("starts_on", "ends_on"),
    "trang_thai": ("status",),
}


def round_sorting(params: Any) -> Sorting:
    """The round list's order (``?sap_xep=``); newest first unless the user chose a column."""
    return Sorting.from_params(params, ROUND_SORTS, default=("-starts_on", "-pk"))


INBOX_SORTS = {
    "truong": ("school__name",),
    "trang_thai": ("proposal__status",),
    "cho_tu": ("waiting_since",),
    "tong": ("total",),
}


def sorted_inbox(
    round_: SupportRound,
    schools: list[School],
    holder: Holder,
    categories: list[HouseholdCategory],
    params: Any,
) -> dict[str, Any]:
    """The office's inbox ``rows`` in the order the user chose and its ``sorting``."""
    sorting = Sorting.from_params(params, INBOX_SORTS)
    return {
        "rows": sorting.sort_list(unit_inbox(round_, schools, holder, categories)),
        "sorting": sorting,
    }


def visible_rounds(user: User) -> QuerySet[SupportRound]:
    """Rounds of the user's province. Province: every one. District and commune offices:
    the open rounds of their chain and those they took part in. School: open rounds and
    those it took part in."""
    scope = user.scope
    rounds = SupportRound.objects.visible_to(user)
    if scope.is_provincial:
        return rounds
    if scope.is_district:
        return rounds.filter(
            Q(status=SupportRound.Status.OPEN, chain=SupportRound.Chain.DISTRICT)
            | Q(quotas__district_id=scope.district_id)
        ).distinct()
    if scope.is_commune:
        return rounds.filter(
            Q(status=SupportRound.Status.OPEN, chain=SupportRound.Chain.COMMUNE)
            | Q(quotas__commune_id=scope.commune_id)
        ).distinct()
    if scope.is_school:
        return rounds.filter(
            Q(status=SupportRound.Status.OPEN) | Q(proposals__school_id=scope.school_id)
        ).distinct()
    return rounds.none()


def get_round(user: User, pk: int) -> SupportRound:
    round_ = visible_rounds(user).filter(pk=pk).first()
    if round_ is None:
        raise Http404
    return round_


def offered_kinds(round_: SupportRound) -> list[tuple[str, str]]:
    return [(k, str(SupportKind(k).label)) for k in SupportKind.values if round_.offers_kind(k)]


@dataclass
class KindProgress:
    kind: str
    label: str
    quota: int = 0
    split: int = 0
    proposed: int = 0
    approved: int = 0
    confirmed: int = 0

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.approved / self.quota)) if self.quota else 0


@dataclass
class UnitProgress:
    unit: object
    kinds: list[KindProgress] = field(default_factory=list)


def _item_counts(
    round_: SupportRound, group: str, *where: Q, **filters
) -> dict[tuple, dict[str, int]]:
    """Per (group value, kind): proposed / approved / confirmed counts, in one query."""
    rows = (
        ProposalItem.objects.filter(
            *where, round=round_, proposal__status__in=SUBMITTED_ONCE, **filters
        )
        .order_by()
        .values(group, "kind")
        .annotate(
            proposed=Count("pk"),
            approved=Count("pk", filter=Q(status=ProposalItem.Status.APPROVED)),
            confirmed=Count(
                "pk",
                filter=Q(
                    status=ProposalItem.Status.APPROVED,
                    proposal__status=Proposal.Status.CONFIRMED,
                ),
            ),
        )
    )
    return {(r[group], r["kind"]): r for r in rows}


def round_overview(round_: SupportRound, user: User) -> list[UnitProgress]:
    """Every visible district's quota and progress per kind (three queries)."""
    districts = list(District.objects.visible_to(user).filter(is_active=True).order_by("code"))
    quotas: dict[tuple[int, str], int] = {}
    split: dict[tuple[int, str], int] = defaultdict(int)
    for q in Quota.objects.filter(round=round_).values(
        "district_id", "school_id", "kind", "amount"
    ):
        key = (q["district_id"], q["kind"])
        if q["school_id"] is None:
            quotas[key] = q["amount"]
        else:
            split[key] += q["amount"]
    counts = _item_counts(round_, "proposal__school__district_id")
    return [
        UnitProgress(
            unit=d,
            kinds=[
                _progress(
                    kind,
                    label,
                    quotas.get((d.pk, kind), 0),
                    split[(d.pk, kind)],
                    counts.get((d.pk, kind)),
                )
                for kind, label in offered_kinds(round_)
            ],
        )
        for d in districts
    ]


def _progress(kind: str, label: str, quota: int, split: int, row: dict | None) -> KindProgress:
    row = row or {}
    return KindProgress(
        kind=kind,
        label=label,
        quota=quota,
        split=split,
        proposed=row.get("proposed", 0),
        approved=row.get("approved", 0),
        confirmed=row.get("confirmed", 0),
    )


def totals(units: list[UnitProgress], round_: SupportRound) -> list[KindProgress]:
    result = []
    for index, (kind, label) in enumerate(offered_kinds(round_)):
        total = KindProgress(kind=kind, label=label)
        for unit in units:
            k = unit.kinds[index]
            total.quota += k.quota
            total.split += k.split
            total.proposed += k.proposed
            total.approved += k.approved
            total.confirmed += k.confirmed
        result.append(total)
    return result


@dataclass
class InboxRow:
    school: School
    proposal: Proposal | None
    quotas: dict[str, int]
    kinds: dict[str, int]
    categories: dict[int, int]
    total: int
    kind_cells: list[dict] = field(default_factory=list)
    category_cells: list[int] = field(default_factory=list)

    @property
    def waiting_since(self):
        if self.proposal and self.proposal.status == Proposal.Status.SUBMITTED:
            return self.proposal.submitted_at
        return None


def district_inbox(
    round_: SupportRound,
    district: District,
    categories_order: list[HouseholdCategory] | None = None,
) -> list[InboxRow]:
    """The district's schools with their list's status, counts per kind and category.

    Four queries whatever the number of schools or pupils.
    """
    schools = list(School.objects.filter(district=district).order_by("name"))
    return unit_inbox(round_, schools, Holder(DISTRICT, district.pk), categories_order)


# size: three queries after the schools whatever their number, merged into the rows in one pass
def unit_inbox(
    round_: SupportRound,
    schools: list[School],
    holder: Holder,
    categories_order: list[HouseholdCategory] | None = None,
) -> list[InboxRow]:
    """The deciding office's ``schools`` (a district's, a commune's) with their list's
    status, counts per kind and category, and their share of ``holder``'s quota."""
    kinds_order = offered_kinds(round_)
    school_ids = [s.pk for s in schools]
    proposals = {
        p.school_id: p
        for p in Proposal.objects.filter(round=round_, school_id__in=school_ids).select_related(
            "submitted_by"
        )
    }
    for listed in proposals.values():
        listed.round = round_  # the status label asks the round's chain: no query per row
    kinds: dict[int, dict[str, int]] = defaultdict(dict)
    categories: dict[int, dict[int, int]] = defaultdict(dict)
    totals_by_proposal: dict[int, int] = defaultdict(int)
    rows = (
        ProposalItem.objects.filter(round=round_, proposal__school_id__in=school_ids)
        .order_by()
        .values("proposal_id", "kind", "student__household__category_id")
        .annotate(n=Count("pk"))
    )
    for r in rows:
        pid = r["proposal_id"]
        kinds[pid][r["kind"]] = kinds[pid].get(r["kind"], 0) + r["n"]
        cat = r["student__household__category_id"]
        categories[pid][cat] = categories[pid].get(cat, 0) + r["n"]
        totals_by_proposal[pid] += r["n"]
    school_quotas: dict[int, dict[str, int]] = defaultdict(dict)
    for q in Quota.objects.filter(holder.shares(), round=round_).values(
        "school_id", "kind", "amount"
    ):
        school_quotas[q["school_id"]][q["kind"]] = q["amount"]
    result = []
    for school in schools:
        proposal = proposals.get(school.pk)
        pid = proposal.pk if proposal else 0
        result.append(
            InboxRow(
                school=school,
                proposal=proposal,
                quotas=school_quotas[school.pk],
                kinds=kinds.get(pid, {}),
                categories=categories.get(pid, {}),
                total=totals_by_proposal.get(pid, 0),
                kind_cells=[
                    {
                        "kind": k,
                        "label": label,
                        "count": kinds.get(pid, {}).get(k, 0),
                        "quota": school_quotas[school.pk].get(k, 0),
                    }
                    for k, label in kinds_order
                ],
                category_cells=[
                    categories.get(pid, {}).get(c.pk, 0) for c in (categories_order or [])
                ],
            )
        )
    status_order: dict[str, int] = {Proposal.Status.SUBMITTED.value: 0}
    result.sort(
        key=lambda r: (
            status_order.get(r.proposal.status if r.proposal else "", 1),
            r.proposal.submitted_at.timestamp() if r.proposal and r.proposal.submitted_at else 0,
        )
    )
    return result


def district_progress(round_: SupportRound, district: District) -> list[KindProgress]:
    return unit_progress(round_, Holder(DISTRICT, district.pk))


def unit_progress(round_: SupportRound, holder: Holder) -> list[KindProgress]:
    """A district's or commune's quota, what it shared with schools and its pupils, per kind."""
    quotas = {q.kind: q.amount for q in Quota.objects.filter(holder.own(), round=round_)}
    split = dict(
        Quota.objects.filter(holder.shares(), round=round_)
        .order_by()
        .values_list("kind")
        .annotate(total=Sum("amount"))
    )
    counts = _item_counts(round_, "round_id", holder.items(round_))
    return [
        _progress(
            kind, label, quotas.get(kind, 0), split.get(kind, 0), counts.get((round_.pk, kind))
        )
        for kind, label in offered_kinds(round_)
    ]


def school_quotas(round_: SupportRound, school: School) -> dict[str, int]:
    return {q.kind: q.amount for q in Quota.objects.filter(round=round_, school=school)}


def active_categories() -> list[HouseholdCategory]:
    return list(HouseholdCategory.objects.order_by("priority", "name"))


def get_proposal(user: User, pk: int) -> Proposal:
    proposal = (
        Proposal.objects.visible_to(user)
        .select_related(
            "round", "school", "school__district", "submitted_by", "decided_by", "confirmed_by"
        )
        .filter(pk=pk)
        .first()
    )
    if proposal is None:
        raise Http404
    return proposal


def proposal_items(proposal: Proposal) -> QuerySet[ProposalItem]:
    return proposal.items.select_related(
        "student", "student__household__category", "decided_by"
    ).order_by("priority", "pk")


def candidates(proposal: Proposal) -> list[tuple[Student, str]]:
    """Pupils of the school who need support the round offers and are not listed for it yet."""
    round_ = proposal.round
    taken = set(
        ProposalItem.objects.filter(
            round=round_, student__school_id=proposal.school_id
        ).values_list("student_id", "kind")
    )
    students = (
        Student.objects.filter(school_id=proposal.school_id, status=Student.Status.STUDYING)
        .filter(~Q(need_device="") | Q(need_data=True))
        .select_related("household__category", "village")
        .vietnamese_order()
    )
    result: list[tuple[Student, str]] = []
    for student in students:
        wanted = []
        if student.need_device:
            wanted.append(student.need_device)
        if student.need_data:
            wanted.append(SupportKind.DATA.value)
        result.extend(
            (student, kind)
            for kind in wanted
            if round_.offers_kind(kind) and (student.pk, kind) not in taken
        )
    return result


def student_round_items(student: Student) -> QuerySet[ProposalItem]:
    return student.proposal_items.select_related(
        "round", "proposal__round", "proposal__school", "decided_by"
    ).order_by("-round__starts_on", "kind")


def proposal_export_rows(proposal: Proposal) -> QuerySet[ProposalItem]:
    return proposal_items(proposal).select_related("student__village", "student__commune")


@dataclass
class DeadlineRow:
    school: School
    deadline: dt.date
    extension: DeadlineExtension | None  # the school's own or its unit's, the later one


def deadline_rows(round_: SupportRound, user: User) -> list[DeadlineRow]:
    """The schools of the user's unit that have a quota in the round, with their deadline
    and the extension that set it (a fixed number of queries). A commune officer's are
    the schools its commune shared its quota with (those it decides)."""
    scope = user.scope
    schools_qs = School.objects.visible_to(user).select_related("district")
    if scope.is_commune:
        schools_qs = schools_qs.filter(
            quotas__round=round_, quotas__commune_id=own_commune_id(user), quotas__amount__gt=0
        ).distinct()
    elif not scope.is_district:
        schools_qs = schools_qs.filter(quotas__round=round_, quotas__amount__gt=0).distinct()
    schools = list(schools_qs.order_by("district__code", "name"))
    by_school = {
        e.school_id: e
        for e in DeadlineExtension.objects.visible_to(user)
        .filter(round=round_, school__isnull=False)
        .select_related("granted_by")
    }
    by_unit = {_unit_key(e): e for e in unit_extensions(round_, user)}
    unit_of: dict[int, tuple[str, int | None]] = {}
    if by_unit:
        unit_of.update(_deadline_units(round_, schools))
    rows = []
    for school in schools:
        unit = by_unit.get(unit_of[school.pk]) if school.pk in unit_of else None
        found = [e for e in (unit, by_school.get(school.pk)) if e]
        latest = max(found, key=lambda e: e.until, default=None)
        if latest is not None and latest.until <= round_.ends_on:
            latest = None
        rows.append(DeadlineRow(school, latest.until if latest else round_.ends_on, latest))
    return rows


def _unit_key(ext: DeadlineExtension) -> tuple[str, int | None]:
    return ("c", ext.commune_id) if ext.commune_id else ("d", ext.district_id)


def _deadline_units(round_: SupportRound, schools: list[School]) -> dict[int, tuple[str, int]]:
    """Each school's unit whose extension counts: its district, or its deciding commune."""
    if not round_.by_communes:
        return {s.pk: ("d", s.district_id) for s in schools}
    return {
        pk: ("c", d.unit_id)
        for pk, d in chain.deciders(round_, schools).items()
        if d is not None and d.kind == chain.COMMUNE
    }


def unit_extensions(round_: SupportRound, user: User) -> list[DeadlineExtension]:
    """Extensions for all the schools of a district or of a commune, as the user may see
    them: a commune officer its own commune's (read by its own commune, which the
    schools' scope does not reach)."""
    extensions = DeadlineExtension.objects.filter(round=round_, school__isnull=True)
    scope = user.scope
    if scope.is_commune:
        extensions = extensions.filter(commune_id=own_commune_id(user))
    else:
        extensions = extensions & DeadlineExtension.objects.visible_to(user)
    return list(
        extensions.select_related("district", "commune", "granted_by").order_by(
            "district__code", "commune__code"
        )
    )


@dataclass(frozen=True)
class CandidateFilters:
    """The search and filters of a proposal's candidate list (GET, or the "add all" POST).

    ``q`` matches the name without accents (Đ as D), the class or the village; the other
    filters are exact. The same filters, posted back, choose who "add all" adds."""

    q: str = ""
    class_name: str = ""
    village: int | None = None
    category: int | None = None
    kind: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CandidateFilters:
        def number(name: str) -> int | None:
            value = str(params.get(name, "")).strip()
            return int(value) if value.isdigit() else None

        return cls(
            q=str(params.get("q", "")).strip()[:100],
            class_name=str(params.get("lop", "")).strip().upper()[:20],
            village=number("thon"),
            category=number("dien"),
            kind=str(params.get("hinh_thuc", "")).strip()[:20],
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.class_name or self.village or self.category or self.kind)

    def as_params(self) -> dict[str, str]:
        values = {
            "q": self.q,
            "lop": self.class_name,
            "thon": str(self.village or ""),
            "dien": str(self.category or ""),
            "hinh_thuc": self.kind,
        }
        return {k: v for k, v in values.items() if v}

    def apply(self, rows: Sequence[tuple[Student, str]]) -> list[tuple[Student, str]]:
        wanted = fold(self.q) if self.q else ""
        return [
            (student, kind)
            for student, kind in rows
            if (not wanted or wanted in _candidate_text(student))
            and (not self.class_name or student.class_name == self.class_name)
            and (not self.village or student.village_id == self.village)
            and (not self.category or student.household.category_id == self.category)
            and (not self.kind or kind == self.kind)
        ]


def _candidate_text(student: Student) -> str:
    village = student.village.name if student.village is not None else ""
    return fold(f"{student.full_name} {student.class_name} {village}")


def candidate_options(rows: Sequence[tuple[Student, str]]) -> dict[str, list[Any]]:
    """The values the candidate filters offer: the classes, villages and categories present."""
    classes = sorted({s.class_name for s, _k in rows if s.class_name})
    villages = {s.village_id: s.village.name for s, _k in rows if s.village is not None}
    categories = {s.household.category_id: s.household.category.name for s, _k in rows}
    return {
        "classes": classes,
        "villages": sorted(villages.items(), key=lambda item: fold(item[1])),
        "categories": sorted(categories.items(), key=lambda item: fold(item[1])),
    }


def entries_to_add(proposal: Proposal, params: Any) -> list[tuple[int, str]]:
    """The (pupil, kind) pairs a posted "add" form asks for: the ticked boxes, or with
    ``add_all`` every candidate the posted filters show (the list the user was looking at)."""
    if params.get("add_all"):
        chosen = CandidateFilters.from_params(params).apply(candidates(proposal))
        return [(student.pk, kind) for student, kind in chosen]
    entries = []
    for value in params.getlist("add"):
        student_id, _sep, kind = value.partition(":")
        if student_id.isdigit() and kind:
            entries.append((int(student_id), kind))
    return entries
