"""Writes for the administrative units and schools."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from kernel.audit import record_audit
from kernel.importing import ImportReport, RowError
from kernel.normalize import (
    AmbiguousUnitName,
    UnitIndex,
    clean_text,
    fold,
    strip_unit_prefix,
    unit_key,
)
from schools.models import (
    GENERATION_2021,
    GENERATION_2025,
    REFORM_DATE,
    Commune,
    District,
    Province,
    School,
    SchoolPlacement,
    Village,
    inside_current_province,
    inside_province,
)
from schools.unit_loading import UnitsResult, load_units

__all__ = ["UnitsResult", "get_or_create_village", "import_schools", "load_units"]

SCHOOL_COLUMNS = ("Mã trường", "Tên trường", "Cấp học", "Huyện", "Xã", "Vĩ độ", "Kinh độ")
LEVEL_KEYS = {fold(v): v for v in School.Level.values} | {
    fold(label): v for v, label in School.Level.choices
}


def _school_kind(name: str) -> str:
    folded = fold(name)
    if "ptdtnt" in folded or "noi tru" in folded:
        return School.Kind.BOARDING
    if "ptdtbt" in folded or "ban tru" in folded:
        return School.Kind.SEMI_BOARDING
    return School.Kind.REGULAR


def get_or_create_village(*, commune: Commune, name: str) -> tuple[Village, bool]:
    """Villages have no official list: the first time one is named it is created in its commune."""
    name = clean_text(name)
    key = fold(strip_unit_prefix(name))
    village = Village.objects.filter(commune=commune, key=key).first()
    if village:
        return village, False
    village = Village(commune=commune, name=name)
    village.save()
    return village, True


def _coordinate(value: object) -> float | None:
    """A cell's latitude or longitude; empty is None, anything not a number raises."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float | str | Decimal):
        return float(value)
    raise TypeError(value)


@dataclass(frozen=True)
class _Place:
    """Where a row puts a school: the units as recorded (old form), or a commune of
    today's list (today's form, no district)."""

    district: District | None = None
    commune: Commune | None = None
    current: Commune | None = None


class _SchoolPlaces:
    """Finds a row's units in either form: ``Huyện`` + ``Xã`` in the three-level list,
    or ``Tỉnh`` (optional when one province is loaded) + ``Xã`` in today's list."""

    def __init__(self) -> None:
        old = Commune.objects.filter(generation_id=GENERATION_2021)
        self.districts = {unit_key(d.name): d for d in District.objects.all()}
        # Exact spelling first, folded only when unambiguous: "Sa Pa" and "Sa Pả" are two wards.
        self.communes: UnitIndex[Commune] = UnitIndex()
        for c in old:
            self.communes.add(c.district_id, c.name, c)
        provinces = list(Province.objects.filter(generation_id=GENERATION_2025))
        self.provinces = {unit_key(p.name): p for p in provinces}
        self.only_province = provinces[0] if len(provinces) == 1 else None
        self.current: UnitIndex[Commune] = UnitIndex()
        for c in Commune.objects.filter(generation_id=GENERATION_2025):
            self.current.add(c.province_id, c.name, c)

    def find(self, row: int, values: Mapping[str, object]) -> _Place | RowError:
        district_name = clean_text(values.get("district"))
        if not district_name:
            return self._find_current(row, values)
        district = self.districts.get(unit_key(district_name))
        if district is None:
            message = _("không tìm thấy huyện “%(v)s”") % {"v": values.get("district")}
            return RowError(row, "Huyện", "district", message)
        commune = self._commune(row, self.communes, district.pk, values, where=str(district))
        return commune if isinstance(commune, RowError) else _Place(district, commune)

    def _find_current(self, row: int, values: Mapping[str, object]) -> _Place | RowError:
        name = clean_text(values.get("province"))
        province = self.provinces.get(unit_key(name)) if name else self.only_province
        if province is None:
            message = (
                _("không tìm thấy tỉnh “%(v)s” trong danh mục từ 1/7/2025") % {"v": name}
                if name
                else _("thiếu huyện (mẫu cũ) hoặc tỉnh (mẫu từ 1/7/2025)")
            )
            return RowError(row, "Tỉnh", "province", message)
        commune = self._commune(row, self.current, province.pk, values, where=str(province))
        return commune if isinstance(commune, RowError) else _Place(current=commune)

    @staticmethod
    def _commune(
        row: int, index: UnitIndex[Commune], group: int, values: Mapping[str, object], where: str
    ) -> Commune | RowError:
        try:
            commune = index.find(group, values.get("commune"))
        except AmbiguousUnitName as exc:
            message = _("“%(v)s” có thể là %(names)s: hãy ghi đúng tên có dấu") % {
                "v": values.get("commune"),
                "names": ", ".join(exc.names),
            }
            return RowError(row, "Xã", "commune", message)
        if commune is None:
            message = _("không tìm thấy xã “%(v)s” trong %(d)s") % {
                "v": values.get("commune"),
                "d": where,
            }
            return RowError(row, "Xã", "commune", message)
        return commune


def _row_basics(row: int, values: Mapping[str, object]) -> tuple[str, str, str] | RowError:
    code = clean_text(values.get("code"))
    name = clean_text(values.get("name"))
    if not code:
        return RowError(row, "Mã trường", "code", _("thiếu mã trường"))
    if not name:
        return RowError(row, "Tên trường", "name", _("thiếu tên trường"))
    level = LEVEL_KEYS.get(
        fold(clean_text(values.get("level"))).replace(" ", ""),
        LEVEL_KEYS.get(fold(clean_text(values.get("level")))),
    )
    if level is None:
        return RowError(row, "Cấp học", "level", _("cấp học không thuộc danh mục"))
    return code, name, level


def _row_coordinates(
    row: int, values: Mapping[str, object], *, current: bool
) -> tuple[float | None, float | None] | RowError:
    try:
        lat = _coordinate(values.get("lat"))
        lon = _coordinate(values.get("lon"))
    except (TypeError, ValueError):
        return RowError(row, "Vĩ độ", "lat", _("tọa độ không phải là số"))
    inside = inside_current_province if current else inside_province
    if (lat is not None or lon is not None) and not inside(lat, lon):
        return RowError(row, "Vĩ độ", "lat", _("tọa độ nằm ngoài tỉnh Lào Cai"))
    return lat, lon


@dataclass
class _SchoolPlan:
    school: School
    created: bool
    changed: bool
    placement: SchoolPlacement | None = None


def _plan_placement(school: School, commune: Commune) -> SchoolPlacement | None:
    """Today's form places the school in a current commune from the reform day on;
    nothing to write when that is already where the school stands."""
    if school.pk is None:
        return None
    known = next((p for p in school.placements.all() if p.valid_from == REFORM_DATE), None)
    if known is not None and known.commune_id == commune.pk:
        return None
    placement = known or SchoolPlacement(school=school, valid_from=REFORM_DATE)
    placement.commune = commune
    return placement


def _plan_school(
    row: int, values: Mapping[str, object], places: _SchoolPlaces, existing: Mapping[str, School]
) -> _SchoolPlan | RowError:
    basics = _row_basics(row, values)
    if isinstance(basics, RowError):
        return basics
    code, name, level = basics
    place = places.find(row, values)
    if isinstance(place, RowError):
        return place
    coordinates = _row_coordinates(row, values, current=place.current is not None)
    if isinstance(coordinates, RowError):
        return coordinates
    school = existing.get(code) or School(code=code)
    if place.current is not None and school.pk is None:
        message = _(
            "trường mã %(c)s chưa có trong danh sách: trường mới ghi theo mẫu có huyện, xã"
        ) % {"c": code}
        return RowError(row, "Mã trường", "code", message)
    before = (school.name, school.level, school.commune_id, school.latitude, school.longitude)
    school.name, school.level, school.kind = name, level, _school_kind(name)
    school.latitude, school.longitude = coordinates
    if place.district is not None and place.commune is not None:
        school.district, school.commune = place.district, place.commune
    after = (school.name, school.level, school.commune_id, school.latitude, school.longitude)
    placement = _plan_placement(school, place.current) if place.current else None
    return _SchoolPlan(school, school.pk is None, before != after, placement)


def import_schools(
    *,
    rows: list[tuple[int, dict[str, object]]],
    actor: AbstractBaseUser | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Create or update schools by code from rows already read from a spreadsheet.

    A row names its units in the old form (``Huyện``, ``Xã`` of the three-level list:
    the school's commune as recorded) or in today's form (``Tỉnh``, ``Xã`` of the list
    since 1 July 2025, no district: the school's commune from the reform on, kept as a
    placement, its record untouched). Every row is validated first; any error means
    nothing is written.
    """
    report = ImportReport(rows=len(rows))
    places = _SchoolPlaces()
    existing = {s.code: s for s in School.objects.prefetch_related("placements")}
    planned: list[_SchoolPlan] = []
    for row, values in rows:
        plan = _plan_school(row, values, places, existing)
        if isinstance(plan, RowError):
            report.errors.append(plan)
            continue
        if plan.created:
            report.created += 1
        elif plan.changed or plan.placement is not None:
            report.updated += 1
        else:
            report.unchanged += 1
        planned.append(plan)
    if report.errors or dry_run:
        return report
    with transaction.atomic():
        for plan in planned:
            _write_school(plan, actor)
    return report


def _write_school(plan: _SchoolPlan, actor: AbstractBaseUser | None) -> None:
    school = plan.school
    if plan.created or plan.changed:
        school.save()
        record_audit(
            actor=actor,
            action="school.create" if plan.created else "school.update",
            obj=school,
            school_id=school.pk,
        )
    if plan.placement is not None:
        before = plan.placement.commune_id if plan.placement.pk else None
        plan.placement.save()
        record_audit(
            actor=actor,
            action="school.place",
            obj=plan.placement,
            changes={"commune": [before, plan.placement.commune_id]},
            school_id=school.pk,
        )
