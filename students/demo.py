"""Demo pupils: about forty for the demo school 08700002, a few for other Bảo Yên schools
and, registered in the new province, some for the former Yên Bái schools."""

from __future__ import annotations

import datetime as dt
import random

from schools.models import Commune, School
from schools.services import get_or_create_village
from students.models import Ethnicity, Household, HouseholdCategory, Student, name_keys

FAMILIES = {
    "Mông": (
        ["Giàng", "Sùng", "Thào", "Lý", "Vàng", "Hầu", "Mua"],
        ["Seo", "A", "Thị", "Mí"],
        ["Phủ", "Chứ", "Sinh", "Mẩy", "Dế", "Pà", "Súa", "Lử", "Chơ", "Dính"],
    ),
    "Dao": (
        ["Tẩn", "Bàn", "Chảo", "Lý", "Phàn", "Đặng"],
        ["Phù", "Mùi", "Văn", "Thị", "Láo"],
        ["Dũng", "Say", "Hoa", "San", "Páo", "Quẩy", "Mẩy", "Liều"],
    ),
    "Tày": (
        ["Hoàng", "Nông", "La", "Ma", "Lường", "Hà"],
        ["Văn", "Thị", "Minh", "Ngọc"],
        ["Hùng", "Xuân", "Phủ", "Mai", "Thắng", "Hương", "Lan", "Tuấn"],
    ),
}
VILLAGES = ["Nậm Đét", "Lùng Phình", "Sín Chải", "Bản Phố", "Na Lang"]
NEEDS = [("tablet", True), ("tablet", False), ("computer", True), ("", True), ("smartphone", False)]
OTHER_SCHOOLS = {"08700001": 4, "08700003": 5, "08700005": 3}
# Former Yên Bái schools (districts outside old Lào Cai: the 2021 figures do not move).
YEN_BAI_SCHOOLS = {"13700001": 10, "13700002": 6, "13700003": 5, "13700004": 5, "13900001": 6}


def _pupils_for(school: School, count: int, rng: random.Random, start: int):
    categories = list(HouseholdCategory.objects.order_by("priority"))
    ethnicities = {e.name: e for e in Ethnicity.objects.filter(name__in=FAMILIES)}
    commune: Commune = school.commune
    grades = list(school.grades) or [6]
    household = None
    for n in range(count):
        ethnic = rng.choice(list(FAMILIES))
        families, middles, givens = FAMILIES[ethnic]
        code = f"{school.code[-4:]}{start + n:06d}"
        sibling = household is not None and n % 4 == 3
        if not sibling:
            middle = rng.choice(["Văn", "Seo", "Thị"])
            village, _created = get_or_create_village(
                commune=commune, name=f"Thôn {rng.choice(VILLAGES)}"
            )
            household = Household.objects.create(
                category=rng.choice(categories[:4] if n % 9 else categories),
                code=f"{rng.randint(1, 99)}/GCN-HN.HCN-{start + n:04d}",
                commune=commune,
                village=village,
                guardian_name=f"{rng.choice(families)} {middle} {rng.choice(givens)}",
                guardian_relation=rng.choice(["Mẹ", "Bà"] if middle == "Thị" else ["Bố", "Ông"]),
                guardian_phone=f"0{rng.choice('3789')}{rng.randint(10000000, 99999999)}",
            )
        assert household is not None
        family = household.guardian_name.split(" ")[0]
        grade = rng.choice(grades)
        full_name = f"{family} {rng.choice(middles)} {rng.choice(givens)}"
        need_device, need_data = rng.choice(NEEDS)
        has_device = n % 7 == 0
        search, sort = name_keys(full_name)
        yield Student(
            pupil_code=code,
            full_name=full_name,
            name_key=search,
            sort_key=sort,
            date_of_birth=dt.date(2021 - grade - 6, rng.randint(1, 12), rng.randint(1, 28)),
            gender=rng.choice(["M", "F"]),
            ethnicity=ethnicities.get(ethnic),
            school=school,
            class_name=f"{grade}{rng.choice('ABC')}",
            grade=grade,
            household=household,
            commune=commune,
            village=household.village,
            has_device=has_device,
            need_device="" if has_device else need_device,
            need_data=need_data,
        )


def seed(context: dict) -> None:
    """Idempotent: a school that already has pupils is left as it is."""
    rng = random.Random(365)
    plan = {"08700002": 40, **OTHER_SCHOOLS, **YEN_BAI_SCHOOLS}
    for index, (code, count) in enumerate(plan.items()):
        school = School.objects.filter(code=code).select_related("commune").first()
        if school is None or Student.objects.filter(school=school).exists():
            continue
        Student.objects.bulk_create(list(_pupils_for(school, count, rng, start=index * 1000 + 1)))
