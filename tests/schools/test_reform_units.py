"""The units of two generations and the crosswalk between them, against the package."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from vietnam_provinces import ProvinceCode, Ward, legacy

from schools.crosswalk import Crosswalk, communes_in_force
from schools.models import (
    GENERATION_2021,
    GENERATION_2025,
    Commune,
    CommuneSuccession,
    District,
    InterimUnitChange,
    Office,
    Province,
    SchoolPlacement,
)
from schools.unit_loading import load_units
from tests.schools.factories import SchoolFactory

NEW_LAO_CAI = ProvinceCode(15)


@pytest.fixture
def units(db):
    call_command("load_units", stdout=io.StringIO())


def _package_pairs() -> set[tuple[str, str]]:
    return {
        (str(int(source.code)), str(int(ward.code)))
        for ward in Ward.iter_by_province(NEW_LAO_CAI)
        for source in ward.get_legacy_sources()
    }


def _old(name: str, district_code: str) -> Commune:
    return Commune.objects.get(
        generation_id=GENERATION_2021, district__code=district_code, name=name
    )


def _successor_in_package(old_code: str) -> str:
    (ward,) = Ward.search_from_legacy(code=int(old_code))
    return str(int(ward.code))


def test_load_units_loads_both_generations_and_the_crosswalk_of_the_package(units):
    old_lao_cai = Province.objects.get(generation_id=GENERATION_2021, code="10")
    old_yen_bai = Province.objects.get(generation_id=GENERATION_2021, code="15")
    new_lao_cai = Province.objects.get(generation_id=GENERATION_2025, code="15")
    assert (old_yen_bai.name, new_lao_cai.name) == ("Yên Bái", "Lào Cai")
    assert District.objects.filter(province=old_lao_cai).count() == 9
    assert Commune.objects.filter(district__province=old_lao_cai).count() == 151
    assert Commune.objects.filter(district__province=old_yen_bai).count() == 168
    current = Commune.objects.filter(generation_id=GENERATION_2025)
    assert current.count() == 99
    assert current.filter(province=new_lao_cai, district__isnull=True).count() == 99
    assert current.filter(kind=Commune.Kind.COMMUNE).count() == 89
    assert current.filter(kind=Commune.Kind.WARD).count() == 10
    stored = set(CommuneSuccession.objects.values_list("old__code", "new__code"))
    assert stored == _package_pairs()
    assert len(stored) == 319
    assert CommuneSuccession.objects.values("old").distinct().count() == 319
    assert not CommuneSuccession.objects.exclude(old__generation_id=GENERATION_2021).exists()
    assert not CommuneSuccession.objects.exclude(new__generation_id=GENERATION_2025).exists()


def test_load_units_second_run_changes_nothing_in_a_bounded_number_of_queries(
    units, django_assert_max_num_queries
):
    def snapshot():
        return (
            sorted(Province.objects.values_list("pk", "generation", "code", "name")),
            sorted(District.objects.values_list("pk", "code", "name", "kind", "province")),
            sorted(Commune.objects.values_list("pk", "generation", "code", "name", "kind")),
            sorted(CommuneSuccession.objects.values_list("pk", "old", "new", "partial")),
            sorted(Province.objects.values_list("pk", "successor")),
            sorted(Office.objects.values_list("pk", "kind", "name", "valid_from", "valid_to")),
        )

    before = snapshot()
    # 12 for the units and the crosswalk, 2 for the provinces' successors, 4 for the offices.
    with django_assert_max_num_queries(18):
        result = load_units(legacy_provinces=("10", "15"), current_provinces=("15",))
    assert (result.created, result.updated, result.deleted) == (0, 0, 0)
    assert (result.communes, result.current_communes, result.successions) == (319, 99, 319)
    assert snapshot() == before


def test_load_units_repairs_a_renamed_unit_in_place(units):
    commune = _old("Xã Tân Tiến", "87")
    Commune.objects.filter(pk=commune.pk).update(name="Xã Sai Tên")
    CommuneSuccession.objects.filter(old=commune).delete()
    result = load_units(legacy_provinces=("10", "15"), current_provinces=("15",))
    assert (result.updated, result.created) == (1, 1)
    commune.refresh_from_db()
    assert commune.name == "Xã Tân Tiến"  # the same row: records pointing at it stay
    assert commune.successions.get().new.code == _successor_in_package(commune.code)


def test_a_code_reused_by_another_commune_resolves_by_generation(units):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT o.code, o.name, n.name FROM schools_commune o JOIN schools_commune n"
            " ON n.code = o.code AND n.generation_id = %s WHERE o.generation_id = %s"
            " AND o.name <> n.name ORDER BY o.code",
            [GENERATION_2025, GENERATION_2021],
        )
        reused = cursor.fetchall()
    old_by_code = {
        str(int(w.code)): w.name
        for p in (10, 15)
        for d in legacy.District.iter_by_province(legacy.ProvinceCode(p))
        for w in legacy.Ward.iter_by_district(d.code)
    }
    expected = sorted(
        (str(int(w.code)), old_by_code[str(int(w.code))], w.name)
        for w in Ward.iter_by_province(NEW_LAO_CAI)
        if str(int(w.code)) in old_by_code and old_by_code[str(int(w.code))] != w.name
    )
    assert reused == expected and len(reused) > 40
    code, old_name, new_name = reused[0]
    old = Commune.objects.get(generation_id=GENERATION_2021, code=code)
    new = Commune.objects.get(generation_id=GENERATION_2025, code=code)
    assert (old.name, new.name) == (old_name, new_name)
    # Another source of the new commune, with a code of its own, lands in the same unit.
    sibling = old.successions.get().new.predecessions.exclude(old=old).first().old
    assert sibling.code != code
    on = dt.date(2026, 1, 15)
    assert sibling.resolve_on(on).commune == new
    assert old.resolve_on(on).commune == new
    assert old.resolve_on(dt.date(2025, 6, 30)).commune == old
    assert new.resolve_on(on).commune == new


def test_a_2021_commune_merged_in_2024_reaches_its_2025_unit(units):
    tan_tien = _old("Xã Tân Tiến", "87")
    gone = Commune.objects.create(
        generation_id=GENERATION_2021,
        district=tan_tien.district,
        code="99901",
        name="Xã Nậm Thử",
    )
    InterimUnitChange.objects.create(
        old=gone,
        successor=tan_tien,
        legal_basis="1197/NQ-UBTVQH15",
        effective_date=dt.date(2024, 11, 1),
    )
    target = Commune.objects.get(
        generation_id=GENERATION_2025, code=_successor_in_package(tan_tien.code)
    )
    assert gone.resolve_on(dt.date(2024, 10, 31)).commune == gone
    assert gone.resolve_on(dt.date(2024, 11, 1)).commune == tan_tien
    today = gone.current
    assert today.commune == target
    assert [(s.old, s.new, s.basis) for s in today.steps] == [
        (gone, tan_tien, "1197/NQ-UBTVQH15"),
        (tan_tien, target, "vietnam-provinces 2026.2.0"),
    ]


def test_a_split_is_reported_as_ambiguous_never_guessed(units):
    gone = Commune.objects.create(
        district=District.objects.get(code="87"), code="99902", name="Xã Chia Đôi"
    )
    for name in ("Xã Tân Tiến", "Xã Nghĩa Đô"):
        InterimUnitChange.objects.create(
            old=gone,
            successor=_old(name, "87"),
            legal_basis="1197/NQ-UBTVQH15",
            effective_date=dt.date(2024, 11, 1),
        )
    before = gone.resolve_on(dt.date(2025, 1, 1))
    assert before.is_ambiguous and before.commune is None
    assert {c.name for c in before.communes} == {"Xã Tân Tiến", "Xã Nghĩa Đô"}
    assert "cần chọn" in str(before)
    # Both halves went into Nghĩa Đô in 2025 (the package's crosswalk): one unit again.
    assert {_successor_in_package(c.code) for c in before.communes} == {"2953"}
    after = gone.current
    assert after.commune is not None and after.commune.name == "Xã Nghĩa Đô"
    assert after.commune.generation_id == GENERATION_2025


def test_a_commune_no_list_knows_after_the_reform_is_unknown(units):
    lost = Commune.objects.create(
        district=District.objects.get(code="87"), code="99903", name="Xã Không Rõ"
    )
    assert lost.resolve_on(dt.date(2025, 6, 1)).commune == lost
    resolution = lost.current
    assert resolution.is_unknown and resolution.commune is None


def test_the_crosswalk_resolves_every_old_commune_in_two_queries(units, django_assert_num_queries):
    old = list(Commune.objects.filter(generation_id=GENERATION_2021).select_related("generation"))
    with django_assert_num_queries(2):
        crosswalk = Crosswalk.load(on=dt.date(2026, 3, 1))
        resolved = {c.code: crosswalk.resolve(c).commune for c in old}
    assert len(resolved) == 319
    assert {(o, n.code) for o, n in resolved.items() if n} == _package_pairs()


def test_school_keeps_its_code_and_its_commune_per_period(units):
    tan_tien = _old("Xã Tân Tiến", "87")
    school = SchoolFactory(commune=tan_tien, district=tan_tien.district)
    derived = Commune.objects.get(
        generation_id=GENERATION_2025, code=_successor_in_package(tan_tien.code)
    )
    assert school.commune_on(dt.date(2023, 9, 5)) == tan_tien
    assert school.commune_on(dt.date(2025, 7, 1)) == derived
    elsewhere = Commune.objects.filter(generation_id=GENERATION_2025).exclude(pk=derived.pk)[0]
    SchoolPlacement.objects.create(school=school, commune=elsewhere, valid_from=dt.date(2025, 7, 1))
    school.refresh_from_db()
    assert school.commune_on(dt.date(2025, 8, 1)) == elsewhere
    assert school.current_commune == elsewhere
    assert school.commune_on(dt.date(2025, 6, 30)) == tan_tien
    assert school.commune == tan_tien  # the record as it was made


def test_resolve_all_groups_recorded_units_under_todays_in_two_queries(
    units, django_assert_num_queries
):
    gone = Commune.objects.create(
        district=District.objects.get(code="87"), code="99901", name="Xã Nậm Thử"
    )
    InterimUnitChange.objects.create(
        old=gone,
        successor=_old("Xã Tân Tiến", "87"),
        legal_basis="1197/NQ-UBTVQH15",
        effective_date=dt.date(2024, 11, 1),
    )
    with django_assert_num_queries(2):
        resolutions = Crosswalk.load(on=dt.date(2026, 3, 1)).resolve_all()
    assert len(resolutions) == 320
    assert resolutions[gone.pk].commune.name == "Xã Nghĩa Đô"
    by_new: dict[str, int] = {}
    for resolution in resolutions.values():
        by_new[resolution.commune.code] = by_new.get(resolution.commune.code, 0) + 1
    package = {
        str(int(w.code)): len(w.get_legacy_sources()) for w in Ward.iter_by_province(NEW_LAO_CAI)
    }
    assert by_new == {**package, "2953": package["2953"] + 1}


def test_communes_in_force_follow_the_date(units):
    assert communes_in_force(dt.date(2025, 6, 30)).count() == 319
    assert communes_in_force(dt.date(2025, 7, 1)).count() == 99
    assert (
        not communes_in_force(dt.date(2026, 1, 1)).exclude(generation_id=GENERATION_2025).exists()
    )


def test_a_provincial_account_of_code_15_belongs_to_todays_lao_cai(units):
    from accounts.services import create_user
    from tests.accounts.factories import role

    user = create_user(actor=None, username="so_moi", role=role("province_officer"), unit_code="15")
    assert (user.province.generation_id, user.province.name) == (GENERATION_2025, "Lào Cai")
    old = create_user(actor=None, username="so_cu", role=role("province_officer"), unit_code="10")
    assert (old.province.generation_id, old.province.code) == (GENERATION_2021, "10")
