"""Reads for rounds of the commune chain: its communes, the schools each decides, the
schools the Sở decides, and the quota grid the province fills in. Fixed query counts:
the deciding offices of many schools are asked in one bulk call."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from rounds import chain
from rounds.models import Quota, SupportRound
from rounds.selectors import UnitProgress, _item_counts, _progress, offered_kinds, round_overview
from schools.models import GENERATION_2025, Commune, School
from schools.offices import school_ids_in_commune

if TYPE_CHECKING:
    from accounts.models import User


def _round_province_ids(round_: SupportRound) -> set[int]:
    """The round's province and, for a round of an old province, the province it became."""
    ids = {round_.province_id}
    successor = getattr(round_.province, "successor_id", None)
    if successor:
        ids.add(successor)
    return ids


def round_communes(round_: SupportRound) -> list[Commune]:
    """The 2025 communes of the round's province, by code."""
    return list(
        Commune.objects.filter(
            generation_id=GENERATION_2025, province_id__in=_round_province_ids(round_)
        ).order_by("code")
    )


def province_run_schools(round_: SupportRound, user: User) -> list[School]:
    """The user's schools the Sở decides itself in ``round_`` (THPT, GDTX), by name."""
    candidates = list(
        School.objects.visible_to(user)
        .filter(level__in=chain.PROVINCE_RUN_LEVELS, is_active=True)
        .select_related("district", "commune")
        .order_by("name")
    )
    deciders = chain.deciders(round_, candidates)
    return [s for s in candidates if (d := deciders[s.pk]) is not None and d.is_province]


def commune_schools(round_: SupportRound, commune: Commune) -> list[School]:
    """The schools ``commune``'s committee decides in ``round_``, by name: those standing
    in the commune on the round's day (``schools.offices``), but not a school the Sở
    decides itself (THPT, GDTX)."""
    ids = school_ids_in_commune(commune.pk, chain.decision_day(round_))
    return list(
        School.objects.filter(pk__in=ids)
        .exclude(level__in=chain.PROVINCE_RUN_LEVELS)
        .select_related("district", "commune")
        .order_by("name")
    )


def commune_overview(
    round_: SupportRound, user: User
) -> tuple[list[UnitProgress], list[UnitProgress]]:
    """The province's grid for a round of the commune chain: every commune's quota and
    progress per kind, then every school the Sở decides (a fixed number of queries)."""
    communes = round_communes(round_)
    schools = province_run_schools(round_, user)
    if not user.scope.is_provincial:  # a commune officer's export: its own commune only
        communes = [c for c in communes if c.pk == user.scope.commune_id]
        schools = []
    own: dict[tuple[str, int, str], int] = {}
    split: dict[tuple[int, str], int] = defaultdict(int)
    school_of_commune: dict[int, int] = {}
    for q in Quota.objects.filter(round=round_).values(
        "commune_id", "district_id", "school_id", "kind", "amount"
    ):
        if q["commune_id"] and q["school_id"] is None:
            own[("c", q["commune_id"], q["kind"])] = q["amount"]
        elif q["commune_id"]:
            split[(q["commune_id"], q["kind"])] += q["amount"]
            school_of_commune[q["school_id"]] = q["commune_id"]
        elif q["school_id"] and q["district_id"] is None:
            own[("s", q["school_id"], q["kind"])] = q["amount"]
    by_school = _item_counts(round_, "proposal__school_id")
    by_commune: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (school_id, kind), row in by_school.items():
        if school_id in school_of_commune:
            for key in ("proposed", "approved", "confirmed"):
                by_commune[(school_of_commune[school_id], kind)][key] += row[key]
    kinds = offered_kinds(round_)
    commune_rows = [
        UnitProgress(
            unit=c,
            kinds=[
                _progress(
                    k,
                    label,
                    own.get(("c", c.pk, k), 0),
                    split[(c.pk, k)],
                    by_commune.get((c.pk, k)),
                )
                for k, label in kinds
            ],
        )
        for c in communes
    ]
    school_rows = [
        UnitProgress(
            unit=s,
            kinds=[
                _progress(k, label, own.get(("s", s.pk, k), 0), 0, by_school.get((s.pk, k)))
                for k, label in kinds
            ],
        )
        for s in schools
    ]
    return commune_rows, school_rows


def overview(round_: SupportRound, user: User) -> list[UnitProgress]:
    """The province's progress rows of any round: its districts (district chain), or its
    communes then the schools the Sở decides (commune chain)."""
    if not round_.by_communes:
        return round_overview(round_, user)
    commune_rows, school_rows = commune_overview(round_, user)
    return commune_rows + school_rows
