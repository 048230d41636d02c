"""A small province across the 1 July 2025 reform, for the scoping and office tests.

Old Lào Cai (10, 2021) with district 87 and communes Tân Tiến and Nghĩa Đô (Nghĩa Đô
was split between both new communes); old Yên Bái (15, 2021) with district 132 and
commune Âu Lâu; the new Lào Cai (15, 2025) with the communes Bảo Yên (← Tân Tiến, part
of Nghĩa Đô) and Văn Phú (← Âu Lâu, part of Nghĩa Đô). One school in each old commune,
an upper-secondary school in Âu Lâu, a user of each kind of unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.models import User
from schools.models import (
    GENERATION_2025,
    Commune,
    CommuneSuccession,
    District,
    Province,
    School,
)
from schools.unit_loading import load_offices
from students.models import Student
from tests.accounts.factories import UserFactory, role
from tests.schools.factories import CommuneFactory, DistrictFactory, SchoolFactory
from tests.students.factories import StudentFactory


@dataclass
class ReformWorld:
    old_lao_cai: Province
    old_yen_bai: Province
    new_lao_cai: Province
    bao_yen_district: District
    yen_bai_district: District
    bao_yen: Commune  # 2025
    van_phu: Commune  # 2025
    tan_tien_school: School  # in Tân Tiến → Bảo Yên
    split_school: School  # in Nghĩa Đô, split → ambiguous
    au_lau_school: School  # primary, in Âu Lâu (old Yên Bái) → Văn Phú
    upper_school: School  # THPT in Âu Lâu
    users: dict[str, User] = field(default_factory=dict)
    pupils: dict[str, Student] = field(default_factory=dict)


def successor_province(*predecessors: Province) -> Province:
    """The new Lào Cai (15, 2025), successor of ``predecessors`` (in the database and on
    the objects passed)."""
    new = Province.objects.create(code="15", name="Lào Cai", generation_id=GENERATION_2025)
    Province.objects.filter(pk__in=[p.pk for p in predecessors]).update(successor=new)
    for old in predecessors:
        old.successor = new
    return new


def commune_of_2025(
    province: Province,
    code: str,
    name: str,
    *,
    whole: tuple[Commune, ...] = (),
    part: tuple[Commune, ...] = (),
    kind: str = Commune.Kind.COMMUNE,
) -> Commune:
    """A commune of the two-level list that ``whole`` went into wholly, ``part`` in part."""
    unit = Commune.objects.create(
        generation_id=GENERATION_2025, province=province, code=code, name=name, kind=kind
    )
    CommuneSuccession.objects.bulk_create(
        [CommuneSuccession(old=old, new=unit) for old in whole]
        + [CommuneSuccession(old=old, new=unit, partial=True) for old in part]
    )
    return unit


def build_reform_world(*, offices: bool = True) -> ReformWorld:
    old_lc = Province.objects.create(code="10", name="Lào Cai")
    old_yb = Province.objects.create(code="15", name="Yên Bái")
    new_lc = successor_province(old_lc, old_yb)
    d87 = DistrictFactory(province=old_lc, code="87", name="Huyện Bảo Yên")
    d132 = DistrictFactory(province=old_yb, code="132", name="Thành phố Yên Bái")
    tan_tien = CommuneFactory(district=d87, code="02980", name="Xã Tân Tiến")
    nghia_do = CommuneFactory(district=d87, code="02953", name="Xã Nghĩa Đô")
    au_lau = CommuneFactory(district=d132, code="04303", name="Xã Âu Lâu")
    bao_yen = commune_of_2025(new_lc, "02980", "Xã Bảo Yên", whole=(tan_tien,), part=(nghia_do,))
    van_phu = commune_of_2025(
        new_lc, "04303", "Phường Văn Phú", whole=(au_lau,), part=(nghia_do,),
        kind=Commune.Kind.WARD,
    )  # fmt: skip
    world = ReformWorld(
        old_lao_cai=old_lc,
        old_yen_bai=old_yb,
        new_lao_cai=new_lc,
        bao_yen_district=d87,
        yen_bai_district=d132,
        bao_yen=bao_yen,
        van_phu=van_phu,
        tan_tien_school=SchoolFactory(
            commune=tan_tien, code="08700002", name="Trường PTDTBT THCS Tân Tiến"
        ),
        split_school=SchoolFactory(
            commune=nghia_do, code="08700003", name="Trường TH Nghĩa Đô", level="TH"
        ),
        au_lau_school=SchoolFactory(
            commune=au_lau, code="13200001", name="Trường TH Âu Lâu", level="TH"
        ),
        upper_school=SchoolFactory(
            commune=au_lau, code="13200002", name="Trường THPT Âu Lâu", level="THPT"
        ),
    )
    world.users = {
        "new_province": UserFactory(
            username="so_moi", role=role("province_officer"), province=new_lc
        ),
        "old_lao_cai": UserFactory(
            username="so_lc_cu", role=role("province_officer"), province=old_lc
        ),
        "old_yen_bai": UserFactory(
            username="so_yb_cu", role=role("province_officer"), province=old_yb
        ),
        "district": UserFactory(
            username="phong_bao_yen", role=role("district_officer"), district=d87
        ),
        "bao_yen": UserFactory(
            username="xa_bao_yen", role=role("commune_officer"), commune=bao_yen
        ),
        "van_phu": UserFactory(
            username="xa_van_phu", role=role("commune_officer"), commune=van_phu
        ),
    }
    for key in ("tan_tien_school", "split_school", "au_lau_school", "upper_school"):
        world.pupils[key] = StudentFactory(school=getattr(world, key))
    if offices:
        load_offices()
    return world
