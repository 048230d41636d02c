"""Demo coverage: the demo schools and sites, village centres across the districts,
signals per carrier, ten points on the ministry's list and plans at every stage.

Everything goes through ``coverage.services`` as the provincial demo user, so the
audit trail and the derived flags are exactly what real use produces.  Points that
already exist are left alone, so seeding twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from coverage import services, states
from coverage.models import CarrierSignal, CoveragePlan, CoveragePoint
from schools.choices import Carrier
from schools.models import Commune, School, SchoolSite, Village
from schools.services import get_or_create_village

V, N, M = Carrier.VIETTEL, Carrier.VNPT, Carrier.MOBIFONE
SURVEY = dt.date(2021, 10, 15)
SOURCE = CarrierSignal.Source.CARRIER_SURVEY

# (district code, commune, village, lat, lon, {carrier: technology}, ministry list,
#  plan: (carrier, solution, stage, target) or None)
VILLAGES = [
    (
        "82",
        "Xã Y Tý",
        "Thôn Lao Chải",
        22.6410,
        103.5990,
        {V: 2, N: 0},
        True,
        (V, "new_bts", 3, dt.date(2022, 6, 30)),
    ),
    ("82", "Xã A Lù", "Thôn Phìn Hồ", 22.6150, 103.6420, {V: 3, N: 2}, True, None),
    (
        "82",
        "Xã Trịnh Tường",
        "Thôn Tùng Chỉn",
        22.6800,
        103.7250,
        {V: 0},
        True,
        (N, "new_bts", 2, dt.date(2022, 9, 30)),
    ),
    (
        "83",
        "Xã Pha Long",
        "Thôn Lồ Suối Tủng",
        22.7960,
        104.1690,
        {V: 0, M: 0},
        True,
        (V, "new_bts", 1, dt.date(2022, 12, 31)),
    ),
    ("83", "Xã Tả Ngải Chồ", "Thôn Sì Ma Tủng", 22.7750, 104.2050, {V: 4, N: 3}, False, None),
    ("84", "Xã Nàn Sán", "Thôn Sín Chải", 22.7280, 104.2630, {V: 3}, False, None),
    (
        "84",
        "Xã Sín Chéng",
        "Thôn Mào Sao Phìn",
        22.7520,
        104.2380,
        {V: 4, N: 2},
        True,
        (V, "upgrade", 5, dt.date(2021, 12, 31)),
    ),
    ("85", "Xã Lùng Phình", "Thôn Sán Sả Hồ", 22.6230, 104.3310, {V: 2, M: 0}, False, None),
    (
        "85",
        "Xã Bản Liền",
        "Thôn Pắc Kẹ",
        22.4520,
        104.3600,
        {V: 4},
        True,
        (V, "new_bts", 4, dt.date(2021, 12, 31)),
    ),
    ("86", "Xã Xuân Quang", "Thôn Cốc Phương", 22.3620, 104.1020, {V: 4, N: 4, M: 4}, False, None),
    (
        "87",
        "Xã Tân Tiến",
        "Thôn Khuổi Phường",
        22.7030,
        103.8810,
        {V: 0, N: 0},
        True,
        (V, "repeater", 2, dt.date(2022, 3, 31)),
    ),
    ("87", "Xã Xuân Thượng", "Thôn Khuổi Vèng", 22.4380, 104.0320, {N: 3}, False, None),
    ("88", "Xã Ngũ Chỉ Sơn", "Thôn Sín Chải", 22.3900, 103.7900, {V: 3, M: 2}, False, None),
    (
        "88",
        "Xã Mường Hoa",
        "Thôn Hang Đá",
        22.3010,
        103.8790,
        {V: 2},
        True,
        (M, "upgrade", 3, dt.date(2022, 4, 30)),
    ),
    (
        "89",
        "Xã Nậm Chầy",
        "Thôn Nậm Mu",
        22.0530,
        104.0470,
        {V: 0, N: 0},
        True,
        (V, "new_bts", 1, dt.date(2022, 12, 31)),
    ),
    (
        "89",
        "Xã Dần Thàng",
        "Thôn Khe Chát",
        22.0050,
        104.1540,
        {V: 4, N: 3},
        True,
        (V, "new_bts", 5, dt.date(2021, 11, 30)),
    ),
    ("80", "Xã Thống Nhất", "Thôn Làng Mới", 22.4330, 104.0040, {V: 4, N: 4, M: 4}, False, None),
]
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
    """Village centres for the villages the demo pupils live in, so the ranking has numbers."""
    villages = (
        Village.objects.filter(students__isnull=False, coverage_points__isnull=True)
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
