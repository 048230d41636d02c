"""Demo places: both generations of units (old Lào Cai and Yên Bái until 30 June 2025,
the new Lào Cai since), a handful of real-looking schools of old Lào Cai and of former
Yên Bái, and where the latter stand since the reform (``SchoolPlacement``, as
``import_schools`` records today's form)."""

from __future__ import annotations

from schools.models import REFORM_DATE, Commune, School, SchoolPlacement, SchoolSite
from schools.services import get_or_create_village, load_units
from schools.unit_loading import REFORM_CURRENT_PROVINCES, REFORM_LEGACY_PROVINCES

# (code, name, level, district code, commune name, lat, lon)
DEMO_SCHOOLS = [
    ("08700001", "Trường PTDTBT TH Phố Ràng", "TH", "87", "Thị trấn Phố Ràng", 22.4943, 103.935764),
    ("08700002", "Trường PTDTBT THCS Tân Tiến", "THCS", "87", "Xã Tân Tiến", 22.690561, 103.865193),
    ("08700003", "Trường TH&THCS Nghĩa Đô", "TH&THCS", "87", "Xã Nghĩa Đô", 22.621529, 104.12912),
    ("08700004", "Trường PTDTBT TH Vĩnh Yên", "TH", "87", "Xã Vĩnh Yên", 22.334799, 104.256692),
    (
        "08700005",
        "Trường PTDTBT THCS Điện Quan",
        "THCS",
        "87",
        "Xã Điện Quan",
        22.322497,
        104.190281,
    ),
    ("08700006", "Trường TH&THCS Xuân Hoà", "TH&THCS", "87", "Xã Xuân Hoà", 22.341913, 103.881642),
    ("08400001", "Trường PTDTBT THCS Sín Chéng", "THCS", "84", "Xã Sín Chéng", 22.7405, 104.2460),
    ("08500001", "Trường PTDTBT TH Bản Già", "TH", "85", "Xã Bản Già", 22.5930, 104.2860),
    ("08200001", "Trường PTDTBT THCS Y Tý", "THCS", "82", "Xã Y Tý", 22.6260, 103.6160),
    ("08800001", "Trường THPT số 1 Sa Pa", "THPT", "88", "Phường Sa Pa", 22.3360, 103.8430),
    # Former Yên Bái (districts Mù Cang Chải 137 and Trạm Tấu 139), in the new province since 2025.
    (
        "13700001",
        "Trường PTDTBT TH&THCS Chế Cu Nha",
        "TH&THCS",
        "137",
        "Xã Chế Cu Nha",
        21.8172,
        104.1325,
    ),
    ("13700002", "Trường PTDTBT THCS Kim Nọi", "THCS", "137", "Xã Kim Nọi", 21.8350, 104.1010),
    ("13700003", "Trường PTDTBT TH Mồ Dề", "TH", "137", "Xã Mồ Dề", 21.8570, 104.1470),
    (
        "13700004",
        "Trường THPT Mù Cang Chải",
        "THPT",
        "137",
        "Thị trấn Mù Căng Chải",
        21.8530,
        104.0880,
    ),
    ("13900001", "Trường PTDTBT TH&THCS Pá Hu", "TH&THCS", "139", "Xã Pá Hu", 21.4590, 104.3860),
]
# Former Yên Bái schools placed in their commune of 1 July 2025 as today's school list gave it.
PLACED_SINCE_REFORM = ("13700001", "13700002", "13700003", "13700004", "13900001")
DEMO_SITES = [
    ("08700002", "Điểm trường Nậm Đét", "Thôn Nậm Đét"),
    ("08700002", "Điểm trường Lùng Phình", "Thôn Lùng Phình"),
    ("08700003", "Điểm trường Bản Ỏ", "Bản Ỏ"),
]


def seed(context: dict) -> None:
    load_units(legacy_provinces=REFORM_LEGACY_PROVINCES, current_provinces=REFORM_CURRENT_PROVINCES)
    for code, name, level, district_code, commune_name, lat, lon in DEMO_SCHOOLS:
        commune = Commune.objects.filter(district__code=district_code, name=commune_name).first()
        if commune is None:
            continue
        School.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "level": level,
                "district_id": commune.district_id,
                "commune": commune,
                "latitude": lat,
                "longitude": lon,
                "kind": School.Kind.SEMI_BOARDING if "PTDTBT" in name else School.Kind.REGULAR,
            },
        )
    for code, site_name, village_name in DEMO_SITES:
        school = School.objects.get(code=code)
        village, _created = get_or_create_village(commune=school.commune, name=village_name)
        SchoolSite.objects.get_or_create(
            school=school,
            name=site_name,
            defaults={
                "village": village,
                "latitude": (school.latitude or 22.5) + 0.01,
                "longitude": (school.longitude or 104) + 0.01,
            },
        )
    _place_since_reform()


def _place_since_reform() -> None:
    for school in School.objects.filter(code__in=PLACED_SINCE_REFORM).select_related("commune"):
        current = school.commune.resolve_on(REFORM_DATE).commune
        if current is not None:
            SchoolPlacement.objects.get_or_create(
                school=school, valid_from=REFORM_DATE, defaults={"commune": current}
            )
