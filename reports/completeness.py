"""Completeness (who updated their data in a period) and outreach counts for the report.

Both count only moments that stay put once recorded, so a progress report rebuilt
later for the same period finds the same schools and the same activities.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce

from devices.models import Allocation
from kernel.scoping import Ids
from rounds.models import Proposal, ProposalItem
from schools.models import District, School
from students.models import Student


def schools_updated_between(start: Any, end: Any) -> set[int]:
    """Schools with any data update in [start, end) (aware datetimes).

    An update is any of: a pupil registered (``Student.created_at``), a proposal
    list started or submitted, one of its items decided, a device allocated to the
    school, or any audit event recorded for the school (every change of a pupil,
    a list, a device… is audited).  Only moments that stay put once recorded
    count, so a report rebuilt later finds the same schools.  One query per
    source, whatever the data size.
    """
    from accounts.models import AuditEvent

    window = {"gte": start, "lt": end}

    def between(path: str) -> Q:
        return Q(**{f"{path}__gte": window["gte"], f"{path}__lt": window["lt"]})

    ids: set[int | None] = set()
    ids.update(
        Student.objects.filter(between("created_at")).values_list("school_id", flat=True).distinct()
    )
    ids.update(
        Proposal.objects.filter(between("created_at") | between("submitted_at"))
        .values_list("school_id", flat=True)
        .distinct()
    )
    ids.update(
        ProposalItem.objects.filter(between("decided_at"))
        .values_list("proposal__school_id", flat=True)
        .distinct()
    )
    ids.update(
        Allocation.objects.filter(between("allocated_at"))
        .values_list("school_id", flat=True)
        .distinct()
    )
    ids.update(
        AuditEvent.objects.filter(between("at"), school_id_snapshot__isnull=False)
        .values_list("school_id_snapshot", flat=True)
        .distinct()
    )
    return {i for i in ids if i is not None}


def completeness(start: Any, end: Any, *, province_id: Ids | None = None) -> dict[str, Any]:
    """Districts and active schools with no data update in [start, end).

    A school is up to date when ``schools_updated_between`` finds it; a district
    when one of its schools is, or when an audit event was recorded for it.
    """
    updated = schools_updated_between(start, end)
    in_province = School.objects.in_province(province_id) if province_id else School.objects
    schools = list(
        in_province.filter(is_active=True)
        .filter(Q(created_at__isnull=True) | Q(created_at__lt=end))
        .select_related("district")
        .order_by("district__code", "code")
    )
    by_district: dict[int, list[School]] = defaultdict(list)
    for s in schools:
        by_district[s.district_id].append(s)
    stale_schools = [s for s in schools if s.pk not in updated]
    units = District.objects.in_province(province_id) if province_id else District.objects
    districts = list(units.filter(is_active=True).order_by("code"))
    from accounts.models import AuditEvent

    # A district office's own recorded actions (approvals, allocations, outreach…) count too.
    district_actions = set(
        AuditEvent.objects.filter(at__gte=start, at__lt=end, district_id_snapshot__isnull=False)
        .values_list("district_id_snapshot", flat=True)
        .distinct()
    )
    stale_districts = [
        d
        for d in districts
        if d.pk not in district_actions
        and not any(s.pk in updated for s in by_district.get(d.pk, []))
    ]
    return {
        "since": start.isoformat(),
        "until": end.isoformat(),
        "schools_total": len(schools),
        "schools_updated": len(schools) - len(stale_schools),
        "districts": [{"code": d.code, "name": d.name} for d in stale_districts],
        "schools": [
            {"code": s.code, "name": s.name, "district": s.district.name} for s in stale_schools
        ],
    }


def outreach_counts(
    period_start: Any, period_end: Any, *, province_id: Ids | None = None
) -> dict[str, Any]:
    """Outreach activities held in the period and since the start, per district, school
    and channel (of one province with ``province_id``)."""
    from reports.models import OutreachActivity

    activities = (
        OutreachActivity.objects.in_province(province_id)
        if province_id
        else OutreachActivity.objects.all()
    )
    district = Coalesce("district_id", "school__district_id")
    in_period = Q(held_on__gte=period_start, held_on__lte=period_end)
    rows = (
        activities.filter(held_on__lte=period_end)
        .values("school_id", unit=district, ch=F("channel"))
        .annotate(total=Count("pk"), period=Count("pk", filter=in_period))
        .order_by()
    )
    per_district: dict[str, dict[str, int]] = defaultdict(lambda: {"total": 0, "period": 0})
    per_channel: dict[str, dict[str, int]] = defaultdict(lambda: {"total": 0, "period": 0})
    # A school's activities, for a report tabled by today's communes (reports.services).
    per_school: dict[str, dict[str, int]] = defaultdict(lambda: {"total": 0, "period": 0})
    total = period = 0
    for r in rows:
        key = str(r["unit"]) if r["unit"] is not None else "province"
        per_district[key]["total"] += r["total"]
        per_district[key]["period"] += r["period"]
        per_channel[r["ch"]]["total"] += r["total"]
        per_channel[r["ch"]]["period"] += r["period"]
        if r["school_id"] is not None:
            per_school[str(r["school_id"])]["total"] += r["total"]
            per_school[str(r["school_id"])]["period"] += r["period"]
        total += r["total"]
        period += r["period"]
    return {
        "total": total,
        "period": period,
        "by_district": dict(per_district),
        "by_channel": dict(per_channel),
        "by_school": dict(per_school),
    }
