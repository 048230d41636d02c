"""Reads for donations: totals, instalment status, traceability from donor to school.

Every page-level read here makes a fixed number of queries, whatever the data size.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import (
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.access import get_for_user
from accounts.models import User
from devices.models import OPEN_ALLOCATION, Allocation, Device, DeviceSource, StockTransfer
from donations.models import (
    CashReceipt,
    Donor,
    FundAccount,
    InKindReceipt,
    Instalment,
    Pledge,
    PledgeItem,
    Spending,
    SpendingDraw,
)
from donations.services import DEVICE_KINDS, KIND_OF_DEVICE


def _sum_subquery(queryset: QuerySet[Any], column: str) -> Coalesce:
    """Sum of ``column`` over a correlated queryset, 0 when empty (no join fan-out).

    ``Func("SUM")`` rather than ``Sum`` so Django adds no GROUP BY to the subquery.
    """
    total = queryset.order_by().annotate(
        _total=Func(F(column), function="SUM", output_field=IntegerField())
    )
    return Coalesce(Subquery(total.values("_total")[:1], output_field=IntegerField()), 0)


def _count_subquery(queryset: QuerySet[Any]) -> Coalesce:
    total = queryset.order_by().annotate(
        _count=Func(F("pk"), function="COUNT", output_field=IntegerField())
    )
    return Coalesce(Subquery(total.values("_count")[:1], output_field=IntegerField()), 0)


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from donations.models import PledgeQuerySet, ReceiptQuerySet


class PledgeTotals(TypedDict):
    """What ``pledges_with_totals`` annotates on each pledge."""

    received_cash: int
    received_devices: int


class SpendingFromDonor(TypedDict):
    """What ``donor_trace`` annotates on a spending: the part paid with the donor's cash."""

    from_donor: int


class ReceiptSpent(TypedDict):
    """What ``cash_receipts`` annotates on each receipt: the amount already spent."""

    spent: int


def today() -> dt.date:
    return timezone.localdate()


# ---------------------------------------------------------------- donors


def donors_with_totals(user: User) -> QuerySet[Donor]:
    """Donors with pledged and received cash and devices pledged/received, in one query."""
    pledges = Pledge.objects.filter(donor=OuterRef("pk"))
    receipts = CashReceipt.objects.filter(pledge__donor=OuterRef("pk"))
    devices = Device.objects.filter(source__donation_receipt__pledge__donor=OuterRef("pk"))
    items = PledgeItem.objects.filter(pledge__donor=OuterRef("pk"), kind__in=sorted(DEVICE_KINDS))
    return (
        Donor.objects.visible_to(user)
        .annotate(
            pledge_count=_count_subquery(pledges),
            pledged_cash=_sum_subquery(pledges, "cash_amount"),
            received_cash=_sum_subquery(receipts, "amount"),
            pledged_devices=_sum_subquery(items, "quantity"),
            received_devices=_count_subquery(devices),
        )
        .order_by("name")
    )


@dataclass
class InstalmentRow:
    instalment: Instalment
    cumulative_due: int
    covered: int
    overdue: bool

    @property
    def outstanding(self) -> int:
        return max(self.instalment.amount - self.covered, 0)


def instalment_schedule(
    instalments: list[Instalment], received: int, on: dt.date | None = None
) -> list[InstalmentRow]:
    """Each instalment with its cumulative due; overdue when its date has passed and
    the pledge's cumulative cash received is below the cumulative due."""
    on = on or today()
    rows: list[InstalmentRow] = []
    cumulative = 0
    for inst in sorted(instalments, key=lambda i: (i.due_on, i.pk or 0)):
        before = cumulative
        cumulative += inst.amount
        covered = min(max(received - before, 0), inst.amount)
        rows.append(
            InstalmentRow(
                instalment=inst,
                cumulative_due=cumulative,
                covered=covered,
                overdue=inst.due_on < on and received < cumulative,
            )
        )
    return rows


def pledges_with_totals() -> PledgeQuerySet[WithAnnotations[Pledge, PledgeTotals]]:
    """Pledges with cash received and device counts annotated, children prefetched."""
    receipts = CashReceipt.objects.filter(pledge=OuterRef("pk"))
    devices = Device.objects.filter(source__donation_receipt__pledge=OuterRef("pk"))
    return (
        Pledge.objects.select_related("donor", "round", "created_by")
        .annotate(
            received_cash=_sum_subquery(receipts, "amount"),
            received_devices=_count_subquery(devices),
        )
        .prefetch_related("items", "instalments")
        .prefetch_related(
            Prefetch(
                "cash_receipts",
                queryset=CashReceipt.objects.select_related("account", "recorded_by"),
            )
        )
        .prefetch_related(
            Prefetch(
                "inkind_receipts",
                queryset=InKindReceipt.objects.select_related("source", "recorded_by").annotate(
                    device_count=Count("source__devices")
                ),
            ),
        )
    )


def _decorate_pledge(
    pledge: WithAnnotations[Pledge, PledgeTotals], on: dt.date
) -> WithAnnotations[Pledge, PledgeTotals]:
    received = pledge.received_cash
    pledge.schedule = instalment_schedule(list(pledge.instalments.all()), received, on)
    pledge.overdue = [row for row in pledge.schedule if row.overdue]
    pledge.remaining_cash = max(pledge.cash_amount - received, 0)
    pledge.pledged_devices = sum(i.quantity for i in pledge.items.all() if i.kind in DEVICE_KINDS)
    pledge.percent = (
        min(round(100 * received / pledge.cash_amount), 100) if pledge.cash_amount else None
    )
    return pledge


def pledge_detail(*, user: User, pk: int) -> Pledge:
    """One pledge with its instalment schedule, receipts and received vs pledged."""
    pledge = get_for_user(pledges_with_totals(), user, pk=pk)
    pledge = _decorate_pledge(pledge, today())
    delivered: Counter[str] = Counter()
    for device_type in Device.objects.filter(source__donation_receipt__pledge=pledge).values_list(
        "device_type", flat=True
    ):
        delivered[KIND_OF_DEVICE[device_type]] += 1
    p: Any = pledge
    p.item_rows = [
        {
            "item": item,
            "delivered": delivered[item.kind] if item.kind in DEVICE_KINDS else None,
        }
        for item in pledge.items.all()
    ]
    return pledge


def overdue_donor_ids(donor_ids: list[int], on: dt.date | None = None) -> set[int]:
    """Donors with at least one overdue instalment (two queries)."""
    on = on or today()
    pledges = list(
        pledges_with_totals()
        .filter(donor_id__in=donor_ids, instalments__due_on__lt=on)
        .distinct()
        .prefetch_related(None)
        .prefetch_related("instalments")
    )
    result: set[int] = set()
    for pledge in pledges:
        received = pledge.received_cash
        if any(
            r.overdue for r in instalment_schedule(list(pledge.instalments.all()), received, on)
        ):
            result.add(pledge.donor_id)
    return result


# ---------------------------------------------------------------- traceability


def traced_devices(queryset: QuerySet[Device]) -> QuerySet[Device]:
    """Devices with where they went: district, school, open allocation and its status."""
    open_allocation = Allocation.objects.filter(OPEN_ALLOCATION, device=OuterRef("pk"))
    in_transit = StockTransfer.objects.filter(
        devices=OuterRef("pk"), status=StockTransfer.Status.SENT
    ).order_by("-sent_at")
    return queryset.select_related(
        "district", "school__district", "source__donation_receipt__pledge__donor"
    ).annotate(
        allocation_status=Subquery(open_allocation.values("status")[:1]),
        allocation_school_name=Subquery(open_allocation.values("school__name")[:1]),
        allocation_district_name=Subquery(open_allocation.values("school__district__name")[:1]),
        handover_date=Subquery(open_allocation.values("handover_date")[:1]),
        transit_district_name=Subquery(in_transit.values("to_district__name")[:1]),
        transit_school_name=Subquery(in_transit.values("to_school__name")[:1]),
    )


def device_place(device: Device) -> dict[str, Any]:
    """District, school and handover state of a traced device (no pupil data)."""
    d: Any = device
    school_name = d.allocation_school_name or (device.school.name if device.school else "")
    district_name = (
        d.allocation_district_name
        or (device.school.district.name if device.school else "")
        or (device.district.name if device.district else "")
    )
    handed_over = (
        d.allocation_status == Allocation.Status.HANDED_OVER
        or device.status == Device.Status.HANDED_OVER
    )
    return {
        "district": district_name,
        "school": school_name,
        "handed_over": handed_over,
        "allocated": bool(d.allocation_status),
        "handover_date": d.handover_date,
        "in_transit_to": d.transit_school_name or d.transit_district_name or "",
    }


@dataclass
class DonorTrace:
    donor: Donor
    pledges: Sequence[WithAnnotations[Pledge, PledgeTotals]]
    devices: list[tuple[Device, dict[str, Any]]]
    purchased: list[tuple[Device, dict[str, Any]]]
    spendings: Sequence[WithAnnotations[Spending, SpendingFromDonor]]
    totals: dict[str, int] = field(default_factory=dict)


# size: a fixed number of queries for the whole trace (pledges, receipts, devices and where each
#   went), assembled together
def donor_trace(*, user: User, pk: int, on: dt.date | None = None) -> DonorTrace:
    """Everything that came from one donor: pledges, receipts, the devices given in
    kind and those bought with their cash, and where each device went.

    A fixed number of queries whatever the number of pledges, receipts or devices.
    """
    donor = get_for_user(Donor.objects.all(), user, pk=pk)
    on = on or today()
    pledges = [
        _decorate_pledge(p, on)
        for p in pledges_with_totals().filter(donor=donor).order_by("-pledged_on", "-pk")
    ]
    devices = list(
        traced_devices(Device.objects.filter(source__donation_receipt__pledge__donor=donor))
        .order_by("source__received_on", "device_type", "serial_number")
        .distinct()
    )
    spendings = list(
        Spending.objects.filter(draws__receipt__pledge__donor=donor)
        .distinct()
        .select_related("purchase", "account")
        .annotate(
            from_donor=Coalesce(
                Subquery(
                    SpendingDraw.objects.filter(
                        spending=OuterRef("pk"), receipt__pledge__donor=donor
                    )
                    .order_by()
                    .values("spending")
                    .annotate(s=Sum("amount"))
                    .values("s")[:1],
                    output_field=IntegerField(),
                ),
                0,
            )
        )
        .order_by("-spent_on", "-pk")
    )
    purchase_ids = [s.purchase_id for s in spendings if s.purchase_id]
    purchased = list(
        traced_devices(Device.objects.filter(source_id__in=purchase_ids)).order_by(
            "source__received_on", "device_type", "serial_number"
        )
    )
    traced = [(d, device_place(d)) for d in devices]
    bought = [(d, device_place(d)) for d in purchased]
    totals = {
        "pledged_cash": sum(p.cash_amount for p in pledges),
        "received_cash": sum(p.received_cash for p in pledges),
        "pledged_devices": sum(p.pledged_devices for p in pledges),
        "received_devices": len(traced),
        "allocated_devices": sum(1 for _d, place in traced if place["allocated"]),
        "handed_over_devices": sum(1 for _d, place in traced if place["handed_over"]),
        "spent_from_donor": sum(s.from_donor for s in spendings),
    }
    return DonorTrace(
        donor=donor,
        pledges=pledges,
        devices=traced,
        purchased=bought,
        spendings=spendings,
        totals=totals,
    )


def donor_of_device(device: Device) -> Donor | None:
    """The donor who gave ``device`` in kind, or ``None`` (bought, or source unknown)."""
    receipt = (
        InKindReceipt.objects.filter(source_id=device.source_id)
        .select_related("pledge__donor")
        .first()
    )
    return receipt.pledge.donor if receipt else None


def funding_donors_of_device(device: Device) -> list[Donor]:
    """Donors whose cash paid for ``device`` (through spending → purchase source)."""
    return list(
        Donor.objects.filter(
            pledges__cash_receipts__draws__spending__purchase_id=device.source_id
        ).distinct()
    )


# ---------------------------------------------------------------- lists


def cash_receipts(user: User) -> ReceiptQuerySet[WithAnnotations[CashReceipt, ReceiptSpent]]:
    return (
        CashReceipt.objects.visible_to(user)
        .select_related("pledge__donor", "account", "recorded_by")
        .annotate(
            spent=_sum_subquery(SpendingDraw.objects.filter(receipt=OuterRef("pk")), "amount")
        )
        .order_by("-received_on", "-pk")
    )


def spendings(user: User) -> QuerySet[Spending]:
    return (
        Spending.objects.visible_to(user)
        .select_related("account", "purchase", "recorded_by")
        .annotate(device_count=_count_subquery(Device.objects.filter(source=OuterRef("purchase"))))
        .prefetch_related(
            Prefetch(
                "draws", queryset=SpendingDraw.objects.select_related("receipt__pledge__donor")
            )
        )
        .order_by("-spent_on", "-pk")
    )


def available_receipts(user: User) -> list[WithAnnotations[CashReceipt, ReceiptSpent]]:
    """Cash receipts with money left to spend, oldest first."""
    return [r for r in cash_receipts(user).order_by("received_on", "pk") if r.amount > r.spent]


def unlinked_purchases(user: User) -> QuerySet[DeviceSource]:
    """The user's province's purchase sources that no spending accounts for yet."""
    return (
        DeviceSource.objects.visible_to(user)
        .filter(kind=DeviceSource.Kind.PURCHASE, spending__isnull=True)
        .order_by("-received_on")
    )


def fund_balances(user: User) -> list[FundAccount]:
    """The user's province's fund accounts with what they received and spent."""
    accounts = (
        FundAccount.objects.visible_to(user)
        .annotate(
            received=_sum_subquery(CashReceipt.objects.filter(account=OuterRef("pk")), "amount"),
            spent=_sum_subquery(Spending.objects.filter(account=OuterRef("pk")), "amount"),
        )
        .order_by("name")
    )
    for a in accounts:
        a.balance = a.received - a.spent
    return list(accounts)


def programme_totals(user: User) -> dict[str, int]:
    agg = Pledge.objects.visible_to(user).aggregate(
        pledged=Coalesce(Sum("cash_amount"), 0), count=Count("pk")
    )
    received = CashReceipt.objects.visible_to(user).aggregate(t=Coalesce(Sum("amount"), 0))["t"]
    spent = Spending.objects.visible_to(user).aggregate(t=Coalesce(Sum("amount"), 0))["t"]
    return {
        "pledged_cash": agg["pledged"],
        "pledge_count": agg["count"],
        "received_cash": received,
        "spent_cash": spent,
        "balance": received - spent,
    }
