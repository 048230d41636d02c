"""Writes for the administrative units and schools."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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
    Commune,
    District,
    Province,
    School,
    Village,
    inside_province,
)

DISTRICT_KINDS = {"thành phố": District.Kind.CITY, "thị xã": District.Kind.TOWN}
COMMUNE_KINDS = {"phường": Commune.Kind.WARD, "thị trấn": Commune.Kind.TOWNSHIP}


@dataclass
class UnitsResult:
    created: int = 0
    updated: int = 0
    districts: int = 0
    communes: int = 0
    touched: list[str] = field(default_factory=list)


def _kind(name: str, kinds: Mapping[str, str], default: str) -> str:
    lowered = name.lower()
    return next((k for prefix, k in kinds.items() if lowered.startswith(prefix)), default)


@transaction.atomic
def load_units(*, province_code: str = "10") -> UnitsResult:
    """Load a province with its districts and communes (GSO codes) from ``vietnam-provinces``.

    Idempotent: running it twice changes nothing.
    """
    from vietnam_provinces import legacy

    try:
        entry = legacy.Province.from_code(legacy.ProvinceCode(int(province_code)))
    except ValueError:
        raise ValueError(
            _("Không có tỉnh mã %(c)s trong danh mục.") % {"c": province_code}
        ) from None
    result = UnitsResult()
    short_name = strip_unit_prefix(entry.name)
    province, created = Province.objects.get_or_create(
        code=f"{int(province_code):02d}", defaults={"name": short_name}
    )
    result.created += created
    for d in legacy.District.iter_by_province(entry.code):
        district, created = District.objects.update_or_create(
            code=str(int(d.code)),
            defaults={
                "province": province,
                "name": d.name,
                "kind": _kind(d.name, DISTRICT_KINDS, District.Kind.DISTRICT),
            },
        )
        result.created += created
        result.districts += 1
        for w in legacy.Ward.iter_by_district(d.code):
            _commune, created = Commune.objects.update_or_create(
                code=str(int(w.code)),
                defaults={
                    "district": district,
                    "name": w.name,
                    "kind": _kind(w.name, COMMUNE_KINDS, Commune.Kind.COMMUNE),
                },
            )
            result.created += created
            result.communes += 1
    return result


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


# size: every row is validated against districts, communes and levels first; then all rows are
#   written or none
def import_schools(
    *,
    rows: list[tuple[int, dict[str, object]]],
    actor: AbstractBaseUser | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Create or update schools by code from rows already read from a spreadsheet.

    Every row is validated first; any error means nothing is written.
    """
    report = ImportReport(rows=len(rows))
    districts = {unit_key(d.name): d for d in District.objects.all()}
    # Exact spelling first, folded only when unambiguous: "Sa Pa" and "Sa Pả" are two wards.
    communes: UnitIndex[Commune] = UnitIndex()
    for c in Commune.objects.all():
        communes.add(c.district_id, c.name, c)
    existing = {s.code: s for s in School.objects.all()}
    planned: list[tuple[School, bool]] = []
    for row, values in rows:
        code = clean_text(values.get("code"))
        name = clean_text(values.get("name"))
        if not code:
            report.errors.append(RowError(row, "Mã trường", "code", _("thiếu mã trường")))
            continue
        if not name:
            report.errors.append(RowError(row, "Tên trường", "name", _("thiếu tên trường")))
            continue
        level = LEVEL_KEYS.get(
            fold(clean_text(values.get("level"))).replace(" ", ""),
            LEVEL_KEYS.get(fold(clean_text(values.get("level")))),
        )
        if level is None:
            report.errors.append(
                RowError(row, "Cấp học", "level", _("cấp học không thuộc danh mục"))
            )
            continue
        district = districts.get(unit_key(clean_text(values.get("district"))))
        if district is None:
            report.errors.append(
                RowError(
                    row,
                    "Huyện",
                    "district",
                    _("không tìm thấy huyện “%(v)s”") % {"v": values.get("district")},
                )
            )
            continue
        try:
            commune = communes.find(district.pk, values.get("commune"))
        except AmbiguousUnitName as exc:
            report.errors.append(
                RowError(
                    row,
                    "Xã",
                    "commune",
                    _("“%(v)s” có thể là %(names)s: hãy ghi đúng tên có dấu")
                    % {"v": values.get("commune"), "names": ", ".join(exc.names)},
                )
            )
            continue
        if commune is None:
            report.errors.append(
                RowError(
                    row,
                    "Xã",
                    "commune",
                    _("không tìm thấy xã “%(v)s” trong %(d)s")
                    % {"v": values.get("commune"), "d": district},
                )
            )
            continue
        try:
            lat = _coordinate(values.get("lat"))
            lon = _coordinate(values.get("lon"))
        except (TypeError, ValueError):
            report.errors.append(RowError(row, "Vĩ độ", "lat", _("tọa độ không phải là số")))
            continue
        if (lat is not None or lon is not None) and not inside_province(lat, lon):
            report.errors.append(RowError(row, "Vĩ độ", "lat", _("tọa độ nằm ngoài tỉnh Lào Cai")))
            continue
        school = existing.get(code) or School(code=code)
        before = (school.name, school.level, school.commune_id, school.latitude, school.longitude)
        school.name, school.level, school.kind = name, level, _school_kind(name)
        school.district, school.commune, school.latitude, school.longitude = (
            district,
            commune,
            lat,
            lon,
        )
        after = (school.name, school.level, school.commune_id, school.latitude, school.longitude)
        if school.pk is None:
            report.created += 1
            planned.append((school, True))
        elif before != after:
            report.updated += 1
            planned.append((school, False))
        else:
            report.unchanged += 1
    if report.errors or dry_run:
        return report
    with transaction.atomic():
        for school, created in planned:
            school.save()
            record_audit(
                actor=actor,
                action="school.create" if created else "school.update",
                obj=school,
                school_id=school.pk,
            )
    return report
