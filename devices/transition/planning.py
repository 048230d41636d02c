"""What the abolished district offices leave in flight, and where each item goes.

``plan(province, on=day)`` reads; it writes nothing. For every district office no
longer in force on ``day`` (every district of the three-level list from 1 July 2025)
it lists:

- devices held in the district's store → the commune committee its communes went to,
  or the provincial store;
- transfers sent to the district and not yet confirmed → redirected to that commune
  committee, or back to the provincial store;
- lists awaiting the district's decision → the deciding office of their school on
  ``day`` (``schools.offices.deciding_office``);
- district quotas of rounds not closed → quotas of the successor communes.

A district whose communes went to several communes has no one successor: each of its
devices and transfers needs the administrator's choice, each of its quotas a split
(``devices.transition.choices``). The plan says which items wait, under their keys.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from devices.models import Device, StockTransfer
from rounds.models import Proposal, Quota, SupportRound
from schools.crosswalk import Crosswalk
from schools.models import REFORM_DATE, Commune, District, Office, Province, School
from schools.provinces import province_with_predecessors

if TYPE_CHECKING:
    from collections.abc import Iterable

# What a district's store still holds in the sense of the transition: devices in it,
# damaged there or returned to it (in transit to a school they arrive at the school).
HELD_STATUSES = (Device.Status.IN_STOCK, Device.Status.DAMAGED, Device.Status.RETURNED)

DEVICE, TRANSFER, PROPOSAL, QUOTA, SHARE = "device", "transfer", "proposal", "quota", "share"
KIND_LABELS = {
    DEVICE: gettext_lazy("thiết bị trong kho Phòng"),
    TRANSFER: gettext_lazy("phiếu điều chuyển chờ Phòng nhận"),
    PROPOSAL: gettext_lazy("danh sách chờ Phòng duyệt"),
    QUOTA: gettext_lazy("chỉ tiêu của huyện"),
    SHARE: gettext_lazy("chỉ tiêu trường được Phòng chia"),
}
PROVINCE_STORE = "province"


@dataclass(frozen=True)
class Target:
    """Where an item goes: a commune committee (``commune``), the provincial store
    (neither), or for a list the office that decides it (``office``)."""

    commune: Commune | None = None
    office: Model | None = None

    @property
    def key(self) -> str:
        if self.office is not None:
            return f"office:{self.office.pk}"
        return self.commune.code if self.commune is not None else PROVINCE_STORE

    def __str__(self) -> str:
        if self.office is not None:
            return str(self.office)
        if self.commune is not None:
            return _("UBND %(c)s") % {"c": self.commune.name}
        return _("Kho Sở GD&ĐT")


@dataclass
class Move:
    """One item in flight and where it goes; ``target`` is None while it waits for the
    administrator's choice among ``candidates`` (a quota: its ``split``)."""

    kind: str
    obj: Model
    district: District
    key: str
    target: Target | None = None
    candidates: tuple[Target, ...] = ()
    split: dict[int, int] = field(default_factory=dict)  # commune id → amount (quotas)
    # The key the administrator's choice is given under when it is not ``key`` itself:
    # a school's commune ("school:<code>") decides its lists and its quota share.
    choice_key: str = ""
    school: School | None = None
    note: str = ""  # why no target could be named (a school's commune was split)

    @property
    def is_decided(self) -> bool:
        return bool(self.split) if self.kind == QUOTA else self.target is not None

    def destinations(self) -> list[tuple[str, int]]:
        """(target label, how many) this move makes: one, or a quota's shares."""
        if self.kind == QUOTA:
            names = {c.commune.pk: str(c) for c in self.candidates if c.commune is not None}
            return [(names.get(pk, str(pk)), amount) for pk, amount in self.split.items()]
        return [(str(self.target), 1)]


@dataclass
class Plan:
    province: Province
    on: dt.date
    districts: list[District]
    moves: list[Move]
    rounds: list[SupportRound]  # rounds whose chain switches to the commune committees
    successors: dict[int, tuple[Commune, ...]]  # district id → 2025 communes
    unknown_keys: list[str] = field(default_factory=list)

    @property
    def waiting(self) -> list[Move]:
        return [m for m in self.moves if not m.is_decided]

    @property
    def is_empty(self) -> bool:
        return not self.moves and not self.rounds

    def counts(self) -> Counter[tuple[str, str]]:
        """(kind, target label) → number of items (a quota: the amount to each commune)."""
        counted: Counter[tuple[str, str]] = Counter()
        for move in self.moves:
            if move.is_decided:
                for label, n in move.destinations():
                    counted[(move.kind, label)] += n
        return counted

    def counts_by_kind(self) -> Counter[str]:
        return Counter(m.kind for m in self.moves)


def plan(province: Province, *, on: dt.date | None = None) -> Plan:
    """The transition of ``province`` (and the provinces merged into it) on ``on``."""
    on = on or timezone.localdate()
    districts = list(abolished_districts(province, on))
    communes = list(Commune.objects.filter(district__in=districts).select_related("district"))
    crosswalk = Crosswalk.load(on=on, communes=communes)
    successors = _successors(communes, crosswalk)
    rounds = list(_rounds_to_switch(province, on))
    moves = [
        *_device_moves(districts, successors),
        *_transfer_moves(districts, successors),
        *_quota_moves(districts, successors, rounds),
        *_school_moves(districts, rounds, on, crosswalk),
    ]
    return Plan(
        province=province,
        on=on,
        districts=districts,
        moves=moves,
        rounds=rounds,
        successors=successors,
    )


def provinces_of(province: Province) -> list[int]:
    """The province and those merged into it (their records are its records now)."""
    return sorted(province_with_predecessors(province.pk))


def abolished_districts(province: Province, on: dt.date) -> QuerySet[District]:
    """The districts of ``province`` (or merged into it) whose office is gone on ``on``:
    its ``Office`` ended before ``on``, or none is recorded and the reform has come."""
    districts = District.objects.filter(province_id__in=provinces_of(province))
    offices = Office.objects.filter(kind=Office.Kind.DISTRICT_OFFICE, district=OuterRef("pk"))
    gone = Q(Exists(offices.filter(valid_to__lt=on)))
    if on >= REFORM_DATE:
        gone |= Q(~Exists(offices))
    return districts.filter(gone).order_by("code")


def _rounds_to_switch(province: Province, on: dt.date) -> list[SupportRound]:
    """Rounds not closed that district offices still decide: the commune committees will."""
    if on < REFORM_DATE:
        return []
    return list(
        SupportRound.objects.filter(
            province_id__in=provinces_of(province), chain=SupportRound.Chain.DISTRICT
        )
        .exclude(status=SupportRound.Status.CLOSED)
        .order_by("pk")
    )


def _successors(communes: list[Commune], crosswalk: Crosswalk) -> dict[int, tuple[Commune, ...]]:
    """Each district's 2025 communes: where its communes went, split ones included."""
    found: dict[int, dict[int, Commune]] = defaultdict(dict)
    for commune in communes:
        assert commune.district_id is not None  # communes of the three-level list
        for unit in crosswalk.resolve(commune).communes:
            found[commune.district_id][unit.pk] = unit
    return {
        district: tuple(sorted(units.values(), key=lambda c: c.code))
        for district, units in found.items()
    }


def _store_targets(district: District, successors: dict[int, tuple[Commune, ...]]):
    """A device's or transfer's target (None: the administrator chooses) and the choices."""
    communes = successors.get(district.pk, ())
    candidates = (*(Target(commune=c) for c in communes), Target())
    target = Target(commune=communes[0]) if len(communes) == 1 else None
    return target, candidates


def _device_moves(districts, successors) -> Iterable[Move]:
    by_id = {d.pk: d for d in districts}
    held = Device.objects.filter(
        holder=Device.Holder.DISTRICT, district__in=districts, status__in=HELD_STATUSES
    ).order_by("district__code", "serial_number")
    for device in held:
        district = by_id[device.district_id]
        target, candidates = _store_targets(district, successors)
        yield Move(DEVICE, device, district, f"device:{device.serial_number}", target, candidates)


def _transfer_moves(districts, successors) -> Iterable[Move]:
    by_id = {d.pk: d for d in districts}
    pending = StockTransfer.objects.filter(
        status=StockTransfer.Status.SENT, to_district__in=districts, to_school__isnull=True
    ).order_by("pk")
    for transfer in pending:
        assert transfer.to_district_id is not None
        district = by_id[transfer.to_district_id]
        target, candidates = _store_targets(district, successors)
        yield Move(TRANSFER, transfer, district, f"transfer:{transfer.pk}", target, candidates)


def _quota_moves(districts, successors, rounds) -> Iterable[Move]:
    by_id = {d.pk: d for d in districts}
    quotas = (
        Quota.objects.filter(district__in=districts, school__isnull=True, round__in=rounds)
        .select_related("round")
        .order_by("round_id", "district__code", "kind")
    )
    for quota in quotas:
        district = by_id[quota.district_id]
        communes = successors.get(district.pk, ())
        split = {communes[0].pk: quota.amount} if len(communes) == 1 else {}
        candidates = tuple(Target(commune=c) for c in communes)
        yield Move(QUOTA, quota, district, f"quota:{quota.pk}", None, candidates, split)


def _school_moves(districts, rounds, on: dt.date, crosswalk: Crosswalk) -> Iterable[Move]:
    """Lists awaiting a district's decision and the school shares of district quotas:
    to the school's deciding office on ``on`` (its commune's committee, or the Sở)."""
    if not rounds:
        return
    from schools.offices import OfficeChart

    by_id = {d.pk: d for d in districts}
    proposals = list(
        Proposal.objects.filter(
            round__in=rounds, status=Proposal.Status.SUBMITTED, school__district__in=districts
        )
        .select_related("school__commune", "round")
        .order_by("round_id", "school__code")
    )
    shares = list(
        Quota.objects.filter(round__in=rounds, district__in=districts, school__isnull=False)
        .select_related("school__commune", "round")
        .order_by("round_id", "school__code", "kind")
    )
    schools = {s.pk: s for s in _schools_of([*proposals, *shares])}
    chart = OfficeChart.load(schools.values(), on=on)
    items: list[Proposal] | list[Quota]
    for kind, items in ((PROPOSAL, proposals), (SHARE, shares)):
        for item, school in zip(items, _schools_of(items), strict=True):
            office = chart.office(school)
            candidates = tuple(
                Target(commune=c) for c in crosswalk.resolve(school.commune).communes
            )
            yield Move(
                kind,
                item,
                by_id[school.district_id],
                f"{kind}:{item.pk}",
                Target(office=office) if office is not None else None,
                candidates if office is None else (),
                choice_key=f"school:{school.code}",
                school=school,
                note="" if office is not None else (chart.gap(school) or ""),
            )


def _schools_of(items: Iterable[Proposal | Quota]) -> list[School]:
    schools = []
    for item in items:
        assert item.school is not None  # lists and school shares have one
        schools.append(item.school)
    return schools
