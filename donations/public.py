"""The public transparency page: programme totals safe to show without a login.

Only aggregates leave this module: no pupil name, ID, household or village.
Small-number suppression applies only where a count is about pupils — devices
allocated and handed over to pupils, active data packages, per school and per
district, and a school's devices (they end up with its pupils): a count from 1 to 4 is shown as "<5" (and one more non-zero cell of the
same column is hidden where a single hidden cell could be worked out from the
total above it), so a child cannot be re-identified.  Zero is shown as 0 (no child
is described by it); devices, money, spending and coverage points are never
suppressed.  The page shows one province's programme (``?tinh=<id>``, by default
the first province by code): every figure is read through ``in_province``, so a
second province's money, devices and pupils are never counted in.  The computed
context is plain data, cached per language and province and cleared by every
service that changes a figure shown (``kernel.public_page``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from coverage.models import COVERED_Q, CoveragePoint
from devices.models import OPEN_ALLOCATION, Allocation, Device, DeviceSource, Subscription
from donations.models import (
    ANONYMOUS_DONOR,
    CashReceipt,
    Donor,
    Pledge,
    PledgeItem,
    Spending,
)
from donations.services import DEVICE_KINDS
from kernel import public_page
from kernel.documents import format_vnd
from schools.models import District, Province, School

logger = logging.getLogger(__name__)

SUPPRESS_BELOW = 5
SUPPRESSED = "<5"
# Counts about pupils: hidden when small, at school and at district level.
PUPIL_COLUMNS = ("allocated", "handed_over", "subscriptions")
# A school's devices end up with its pupils: its small device count is hidden too.
SCHOOL_COLUMNS = ("devices", *PUPIL_COLUMNS)


def _money(amount: int) -> str:
    # A no-break space keeps "đ" next to its number in narrow cells and stat cards.
    return format_vnd(amount).replace(" ", "\u00a0")


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def is_small(n: int) -> bool:
    """A count of pupils that could point at a child: 1 to 4 (zero points at nobody)."""
    return 0 < n < SUPPRESS_BELOW


def show(n: int, hidden: bool = False) -> str:
    """A count as text; "<5" when small or when ``hidden`` by secondary suppression."""
    return SUPPRESSED if hidden or is_small(n) else _number(n)


def suppress_rows(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    """Set each pupil column's display text in ``rows[i]["show"]``.

    Primary suppression: any count from 1 to 4.  Secondary: when exactly one row of
    a column is hidden, the smallest other non-zero count is hidden too, so the
    hidden value cannot be worked out by subtracting the others from a published
    total.  Columns not named are shown as they are.
    """
    for row in rows:
        row.setdefault("show", {})
    for column in columns:
        hidden = {i for i, row in enumerate(rows) if is_small(row[column])}
        if len(hidden) == 1:
            others = sorted(
                (row[column], i) for i, row in enumerate(rows) if i not in hidden and row[column]
            )
            if others:
                hidden.add(others[0][1])
        for i, row in enumerate(rows):
            row["show"][column] = show(row[column], hidden=i in hidden)


def _by(queryset: QuerySet[Any], key: str, total: Sum | Count) -> dict[int, int]:
    """``total`` per value of ``key`` (one GROUP BY query)."""
    return dict(queryset.values(key).annotate(t=total).values_list(key, "t"))


def _per_donor(province_id: int | None) -> dict[str, dict[int, int]]:
    """Per donor id of the province: cash pledged and received, devices pledged and received."""
    pledges = Pledge.objects.in_province(province_id)
    return {
        "pledged": _by(pledges, "donor_id", Sum("cash_amount")),
        "received": _by(
            CashReceipt.objects.in_province(province_id), "pledge__donor_id", Sum("amount")
        ),
        "pledged_devices": _by(
            PledgeItem.objects.filter(kind__in=sorted(DEVICE_KINDS), pledge__in=pledges),
            "pledge__donor_id",
            Sum("quantity"),
        ),
        "devices": _by(
            Device.objects.in_province(province_id).filter(source__donation_receipt__isnull=False),
            "source__donation_receipt__pledge__donor_id",
            Count("pk"),
        ),
    }


def _donor_rows(province_id: int | None) -> list[dict[str, Any]]:
    donors = {
        d.pk: d
        for d in Donor.objects.in_province(province_id).only("pk", "name", "kind", "public_consent")
    }
    sums = _per_donor(province_id)
    named: list[dict[str, Any]] = []
    anonymous = {"count": 0, "pledged": 0, "received": 0, "pledged_devices": 0, "devices": 0}
    for pk, donor in donors.items():
        values = {name: by_donor.get(pk) or 0 for name, by_donor in sums.items()}
        if not any(values.values()):
            continue
        if donor.public_consent:
            named.append({"name": donor.name, "kind": donor.get_kind_display(), **values})
        else:
            anonymous["count"] += 1
            for key, value in values.items():
                anonymous[key] += value
    named.sort(key=lambda r: (-r["received"], -r["devices"], r["name"]))
    if anonymous["count"]:
        named.append(
            {
                "name": str(ANONYMOUS_DONOR),
                "kind": _("%(n)s nhà tài trợ") % {"n": anonymous["count"]},
                "anonymous": True,
                **{k: v for k, v in anonymous.items() if k != "count"},
            }
        )
    for row in named:
        row["pledged_text"] = _money(row["pledged"])
        row["received_text"] = _money(row["received"])
        row["percent"] = (
            min(round(100 * row["received"] / row["pledged"]), 100) if row["pledged"] else None
        )
    return named


# size: the public table's fixed set of aggregate queries, merged per district and school in one
#   place
def _place_rows(province_id: int | None) -> list[dict[str, Any]]:
    """Per district, its schools: devices held, allocated, handed over, active data."""
    devices = Device.objects.in_province(province_id)
    at_school = dict(
        devices.filter(school__isnull=False)
        .values("school_id")
        .annotate(n=Count("pk"))
        .values_list("school_id", "n")
    )
    at_district = dict(
        devices.filter(school__isnull=True, district__isnull=False)
        .values("district_id")
        .annotate(n=Count("pk"))
        .values_list("district_id", "n")
    )
    allocations: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for school_id, status, n in (
        Allocation.objects.in_province(province_id)
        .filter(OPEN_ALLOCATION)
        .values("school_id", "status")
        .annotate(n=Count("pk"))
        .values_list("school_id", "status", "n")
    ):
        allocations[school_id]["allocated"] += n
        if status == Allocation.Status.HANDED_OVER:
            allocations[school_id]["handed_over"] += n
    subscriptions = dict(
        Subscription.objects.in_province(province_id)
        .filter(status=Subscription.Status.ACTIVE)
        .values("student__school_id")
        .annotate(n=Count("pk"))
        .values_list("student__school_id", "n")
    )
    coverage = {
        row["district_id"]: row
        for row in CoveragePoint.objects.in_province(province_id)
        .values("district_id")
        .annotate(
            points=Count("pk"),
            covered=Count("pk", filter=COVERED_Q),
        )
    }
    school_ids = set(at_school) | set(allocations) | set(subscriptions)
    schools = School.objects.filter(pk__in=school_ids).values("pk", "name", "district_id")
    by_district: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for school in schools:
        pk = school["pk"]
        by_district[school["district_id"]].append(
            {
                "name": school["name"],
                "devices": at_school.get(pk, 0),
                "allocated": allocations[pk]["allocated"] if pk in allocations else 0,
                "handed_over": allocations[pk]["handed_over"] if pk in allocations else 0,
                "subscriptions": subscriptions.get(pk, 0),
            }
        )
    district_ids = set(by_district) | set(at_district) | set(coverage)
    districts = District.objects.filter(pk__in=district_ids).order_by("code").values("pk", "name")
    rows: list[dict[str, Any]] = []
    for district in districts:
        pk = district["pk"]
        schools_here = sorted(by_district.get(pk, []), key=lambda s: s["name"])
        suppress_rows(schools_here, SCHOOL_COLUMNS)
        cov = coverage.get(pk, {"points": 0, "covered": 0})
        row: dict[str, Any] = {
            "name": district["name"],
            "devices": at_district.get(pk, 0) + sum(s["devices"] for s in schools_here),
            "in_district_stock": at_district.get(pk, 0),
            "allocated": sum(s["allocated"] for s in schools_here),
            "handed_over": sum(s["handed_over"] for s in schools_here),
            "subscriptions": sum(s["subscriptions"] for s in schools_here),
            "coverage_points": cov["points"],
            "coverage_covered": cov["covered"],
            "schools": [{"name": s["name"], "show": s["show"]} for s in schools_here],
        }
        rows.append(row)
    # Districts too: the province's totals are published, so one hidden district alone
    # could be worked out from them.
    suppress_rows(rows, PUPIL_COLUMNS)
    for row in rows:
        row["show"]["devices"] = _number(row["devices"])
    return rows


def _spending_rows(province_id: int | None) -> dict[str, Any]:
    """Cash spent per purpose (devices, data packages, other), in one query."""
    by_purpose = {
        r["purpose"]: r
        for r in Spending.objects.in_province(province_id)
        .values("purpose")
        .annotate(amount=Sum("amount"), count=Count("pk"), subscriptions=Sum("subscriptions_count"))
        .order_by()
    }
    rows: list[dict[str, Any]] = []
    for value, label in Spending.Purpose.choices:
        r = by_purpose.get(value, {})
        amount = int(r.get("amount") or 0)
        rows.append(
            {
                "purpose": value,
                "label": str(label),
                "amount": amount,
                "amount_text": _money(amount),
                "count": _number(int(r.get("count") or 0)),
                "subscriptions": _number(int(r.get("subscriptions") or 0)),
            }
        )
    total = sum(int(r["amount"]) for r in rows)
    return {"rows": rows, "total": total, "total_text": _money(total)}


def _totals(province_id: int | None) -> dict[str, Any]:
    pledged = Pledge.objects.in_province(province_id).aggregate(t=Sum("cash_amount"))["t"] or 0
    received = CashReceipt.objects.in_province(province_id).aggregate(t=Sum("amount"))["t"] or 0
    devices = Device.objects.in_province(province_id).aggregate(
        total=Count("pk"),
        donated=Count("pk", filter=Q(source__kind=DeviceSource.Kind.DONATION)),
        purchased=Count("pk", filter=Q(source__kind=DeviceSource.Kind.PURCHASE)),
    )
    allocations = (
        Allocation.objects.in_province(province_id)
        .filter(OPEN_ALLOCATION)
        .aggregate(
            allocated=Count("pk"),
            handed_over=Count("pk", filter=Q(status=Allocation.Status.HANDED_OVER)),
        )
    )
    active = (
        Subscription.objects.in_province(province_id)
        .filter(status=Subscription.Status.ACTIVE)
        .count()
    )
    coverage = CoveragePoint.objects.in_province(province_id).aggregate(
        points=Count("pk"),
        covered=Count("pk", filter=COVERED_Q),
    )
    return {
        "pledged": _money(pledged),
        "received": _money(received),
        "received_amount": int(received),
        "received_percent": min(round(100 * received / pledged), 100) if pledged else 0,
        "devices": _number(devices["total"]),
        "devices_donated": _number(devices["donated"]),
        "devices_purchased": _number(devices["purchased"]),
        "allocated": _number(allocations["allocated"]),
        "handed_over": _number(allocations["handed_over"]),
        "subscriptions": _number(active),
        "coverage_points": _number(coverage["points"]),
        "coverage_covered": _number(coverage["covered"]),
    }


def _provinces(requested: int | None) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The province shown (the requested one, else the first by code) and all of them;
    a requested province that does not exist is a 404."""
    # Ordered as ``schools.models.first_province_id`` picks the first, in the same query.
    provinces: list[dict[str, Any]] = [
        {"pk": pk, "name": name}
        for pk, name in Province.objects.order_by("code", "generation").values_list("pk", "name")
    ]
    if requested is None:
        return (provinces[0] if provinces else None), provinces
    shown = next((p for p in provinces if p["pk"] == requested), None)
    if shown is None:
        raise Http404
    return shown, provinces


def compute_public_context(requested: int | None = None) -> dict[str, Any]:
    """One province's page as plain, picklable values (a fixed number of queries)."""
    province, provinces = _provinces(requested)
    province_id = province["pk"] if province else None
    totals = _totals(province_id)
    spending = _spending_rows(province_id)
    spending["balance_text"] = _money(max(totals.pop("received_amount") - spending["total"], 0))
    return {
        "province": province,
        "provinces": provinces if len(provinces) > 1 else [],
        "totals": totals,
        "donors": _donor_rows(province_id),
        "districts": _place_rows(province_id),
        "spending": spending,
        "generated_at": timezone.localtime(),
        "suppress_below": SUPPRESS_BELOW,
        "small_max": SUPPRESS_BELOW - 1,
    }


def _fresh(context: dict[str, Any]) -> bool:
    # The provinces share one cache entry per language, which each new province's page
    # stores again: each page is only as old as PUBLIC_PAGE_CACHE_SECONDS allows.
    age = dt.timedelta(seconds=settings.PUBLIC_PAGE_CACHE_SECONDS)
    return bool(context["generated_at"] > timezone.now() - age)


def public_context(requested: int | None = None) -> dict[str, Any]:
    """The cached page of the ``requested`` province (``None``: the first), per language;
    recomputed after PUBLIC_PAGE_CACHE_SECONDS or when a service clears the cache."""
    key = public_page.cache_key(get_language() or settings.LANGUAGE_CODE)
    try:
        pages = cache.get(key) or {}
    except Exception as exc:  # noqa: BLE001 - a cache outage only costs the computation
        logger.warning("Public page cache unavailable, computing the page: %s", exc)
        return compute_public_context(requested)
    cached = pages.get(requested)
    if cached is not None and _fresh(cached):
        return cached
    context = compute_public_context(requested)
    try:
        cache.set(key, {**pages, requested: context}, settings.PUBLIC_PAGE_CACHE_SECONDS)
    except Exception as exc:  # noqa: BLE001
        logger.warning("Public page cache unavailable, page not stored: %s", exc)
    return context


def clear_public_cache() -> None:
    public_page.clear()
