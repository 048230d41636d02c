"""Demo coverage: the demo schools and sites, village centres across the districts,
signals per carrier, ten points on the ministry's list and plans at every stage.

Everything goes through ``coverage.services`` as the provincial demo user, so the
audit trail and the derived flags are exactly what real use produces.  Points that
already exist are left alone, so seeding twice adds nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from coverage import services, states
from coverage.models import CarrierSignal, CoveragePlan, CoveragePoint
from schools.choices import Carrier
from schools.models import Commune, District, School, SchoolSite, Village
from schools.services import get_or_create_village

V, N, M = Carrier.VIETTEL, Carrier.VNPT, Carrier.MOBIFONE
SURVEY = dt.date(2021, 10, 15)
SOURCE = CarrierSignal.Source.CARRIER_SURVEY

Plan = tuple[str, str, int, dt.date]
VillageRow = tuple[str, str, str, float, float, dict[Carrier, int], bool, Plan | None]


def _villages() -> list[VillageRow]:
    """The village centres of ``demo_villages.csv``: (district code, commune, village, lat,
    lon, {carrier: technology}, on the ministry's list, plan (carrier, solution, stage,
    target) or None). An empty carrier cell: that carrier was not measured there."""
    rows: list[VillageRow] = []
    with (Path(__file__).parent / "demo_villages.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            signals = {c: int(row[c]) for c in (V, N, M) if row[c] != ""}
            plan: Plan | None = None
            if row["plan_carrier"]:
                target = dt.date.fromisoformat(row["plan_target"])
                plan = (row["plan_carrier"], row["plan_solution"], int(row["plan_stage"]), target)
            rows.append(
                (
                    row["district"],
                    row["commune"],
                    row["village"],
                    float(row["latitude"]),
                    float(row["longitude"]),
                    signals,
                    row["ministry_list"] == "1",
                    plan,
                )
            )
    return rows


VILLAGES = _villages()
# Signal at the demo schools (by code) and sites (by name).
SCHOOL_SIGNALS = {
    "08700001": {V: 4, N: 4, M: 4},
    "08700002": {V: 4, N: 3},
    "08700003": {V: 4, N: 4},
    "08700004": {V: 3, N: 2},
    "08700005": {V: 4},
    "08700006": {V: 4, M: 3},
    "08400001": {V: 3},
    "08500001": {V: 2, N: 0},
    "08200001": {V: 3, N: 2},
    "08800001": {V: 4, N: 4, M: 4},
}
SITE_SIGNALS = {
    "Điểm trường Nậm Đét": {V: 0, N: 0},
    "Điểm trường Lùng Phình": {V: 3},
    "Điểm trường Bản Ỏ": {V: 2},
}
PLAN_NOTES = {
    1: "Nhà mạng đã khảo sát vị trí đặt trạm, chờ bố trí kinh phí.",
    2: "Đã thống nhất vị trí với UBND xã, đưa vào kế hoạch đầu tư.",
    3: "Đang thi công móng trạm và kéo điện.",
    4: "Trạm đã phát sóng thử nghiệm, chờ đo kiểm.",
    5: "Đã đo kiểm 4G tại nhà văn hóa thôn, nghiệm thu đạt.",
}


def _signals(actor, point: CoveragePoint, signals: dict[Any, int], when: dt.date) -> None:
    for carrier, technology in signals.items():
        services.record_signal(
            actor=actor,
            point=point,
            carrier=carrier,
            technology=technology,
            measured_on=when,
            source=SOURCE,
        )


def _plan(actor, point: CoveragePoint, plan: tuple) -> None:
    carrier, solution, stage, target = plan
    created = services.create_plan(
        actor=actor,
        point=point,
        carrier=carrier,
        target_date=target,
        solution=solution,
        note=PLAN_NOTES[1],
    )
    for step in range(2, stage + 1):
        if step == CoveragePlan.Stage.VERIFIED:
            # The measurement that verifies the plan: 4G of the plan's carrier.
            _signals(actor, point, {carrier: 4}, dt.date(2021, 12, 20))
            point.refresh_from_db()
        services.advance_plan(actor=actor, plan=created, stage=step, note=PLAN_NOTES[step])


def seed(context: dict) -> None:
    actor = context["users"]["province"]
    for code, signals in SCHOOL_SIGNALS.items():
        school = School.objects.filter(code=code).first()
        if school is None:
            continue
        # The school's point exists since the school does; the demo measures it once.
        states.ensure_place_points(schools=[school])
        point = CoveragePoint.objects.get(school=school)
        if point.is_measured:
            continue
        _signals(actor, point, signals, SURVEY)
    for site in SchoolSite.objects.filter(name__in=SITE_SIGNALS).select_related("school"):
        states.ensure_place_points(sites=[site])
        point = CoveragePoint.objects.get(site=site)
        if point.is_measured:
            continue
        _signals(actor, point, SITE_SIGNALS[site.name], SURVEY)
    for district, commune_name, name, lat, lon, signals, ministry, plan in VILLAGES:
        commune = Commune.objects.filter(district__code=district, name=commune_name).first()
        if commune is None:
            continue
        village, _created = get_or_create_village(commune=commune, name=name)
        if CoveragePoint.objects.filter(village=village, kind=CoveragePoint.Kind.VILLAGE).exists():
            continue
        point = services.create_point(
            actor=actor,
            kind=CoveragePoint.Kind.VILLAGE,
            village=village,
            latitude=lat,
            longitude=lon,
            on_ministry_list=ministry,
        )
        _signals(actor, point, signals, SURVEY)
        if plan:
            point.refresh_from_db()
            _plan(actor, point, plan)
    _villages_with_pupils(actor)


def _villages_with_pupils(actor) -> None:
    """Village centres for the villages the demo pupils live in, so the ranking has numbers
    (the actor's province only: the former Yên Bái pupils' villages have no survey yet)."""
    villages = (
        Village.objects.filter(students__isnull=False, coverage_points__isnull=True)
        .filter(commune__district__in=District.objects.visible_to(actor))
        .select_related("commune")
        .distinct()[:12]
    )
    for index, village in enumerate(villages):
        school = School.objects.filter(commune_id=village.commune_id).exclude(latitude=None).first()
        lat = village.latitude or (school.latitude if school else None)
        lon = village.longitude or (school.longitude if school else None)
        if lat is None or lon is None:
            continue
        # Spread them around the school: a few km apart.
        lat += 0.012 * ((index % 4) - 1.5)
        lon += 0.015 * ((index // 4) - 1)
        point = services.create_point(
            actor=actor,
            kind=CoveragePoint.Kind.VILLAGE,
            village=village,
            latitude=lat,
            longitude=lon,
        )
        technology = (0, 2, 3, 4)[index % 4]
        _signals(actor, point, {V: technology}, SURVEY)
