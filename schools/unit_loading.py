"""Loading both generations of administrative units and the crosswalk from
``vietnam-provinces``: the three-level list in force until 30 June 2025 (its
``legacy`` subpackage) and the two-level list since 1 July 2025.

Bulk writes only: one read per kind of unit, then ``bulk_create``/``bulk_update`` of
what differs, so a run costs a bounded number of queries and a second run writes
nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from kernel.normalize import strip_unit_prefix
from schools.models import (
    GENERATION_2021,
    GENERATION_2025,
    REFORM_DATE,
    Commune,
    CommuneSuccession,
    District,
    Office,
    Province,
)
from schools.models_offices import DECREE_142, RESOLUTION_202

DISTRICT_KINDS = {"thành phố": District.Kind.CITY, "thị xã": District.Kind.TOWN}
COMMUNE_KINDS = {
    "phường": Commune.Kind.WARD,
    "thị trấn": Commune.Kind.TOWNSHIP,
    "đặc khu": Commune.Kind.SPECIAL_ZONE,
}
# What the portal's province was and is: old Lào Cai and old Yên Bái, new Lào Cai.
REFORM_LEGACY_PROVINCES = ("10", "15")
REFORM_CURRENT_PROVINCES = ("15",)


@dataclass
class UnitsResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    districts: int = 0
    communes: int = 0
    current_communes: int = 0
    successions: int = 0
    successors: int = 0
    offices: int = 0
    # Sources of a current commune in a province that was not loaded: no line for them.
    skipped_sources: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


def unit_kind(name: str, kinds: Mapping[str, str], default: str) -> str:
    """A unit's kind from the word its official name starts with."""
    lowered = name.lower()
    return next((k for prefix, k in kinds.items() if lowered.startswith(prefix)), default)


def _sync[M: models.Model](
    model: type[M],
    existing: Mapping[str, M],
    wanted: Mapping[str, dict[str, Any]],
    result: UnitsResult,
    **fixed: Any,
) -> dict[str, M]:
    """Create the rows of ``wanted`` (code → field values) that are missing from
    ``existing``, update those that differ; return every row by code."""
    rows: dict[str, M] = dict(existing)
    new: list[M] = []
    new_codes: list[str] = []
    changed: list[M] = []
    fields: set[str] = set()
    for code, values in wanted.items():
        row = rows.get(code)
        if row is None:
            new.append(model(code=code, **fixed, **values))
            new_codes.append(code)
            continue
        diff = {k: v for k, v in values.items() if getattr(row, k) != v}
        for name, value in diff.items():
            setattr(row, name, value)
        if diff:
            changed.append(row)
            fields.update(diff)
    manager = model._default_manager
    if new:
        # PostgreSQL and SQLite return the new ids, so the rows can serve as FK targets.
        rows.update(zip(new_codes, manager.bulk_create(new), strict=True))
    if changed:
        manager.bulk_update(changed, sorted(fields))
    result.created += len(new)
    result.updated += len(changed)
    return rows


def _provinces(
    generation: str, entries: Mapping[str, str], result: UnitsResult
) -> dict[str, Province]:
    existing = {
        p.code: p for p in Province.objects.filter(generation_id=generation, code__in=entries)
    }
    wanted = {code: {"name": strip_unit_prefix(name)} for code, name in entries.items()}
    return _sync(Province, existing, wanted, result, generation_id=generation)


def _legacy_entries(codes: Sequence[str]) -> tuple[dict[str, str], list[Any], list[Any]]:
    from vietnam_provinces import legacy

    provinces: dict[str, str] = {}
    districts: list[Any] = []
    wards: list[Any] = []
    for code in codes:
        try:
            entry = legacy.Province.from_code(legacy.ProvinceCode(int(code)))
        except ValueError:
            raise ValueError(_("Không có tỉnh mã %(c)s trong danh mục.") % {"c": code}) from None
        provinces[f"{int(code):02d}"] = entry.name
        for d in legacy.District.iter_by_province(entry.code):
            districts.append((entry, d))
            wards.extend((d, w) for w in legacy.Ward.iter_by_district(d.code))
    return provinces, districts, wards


def _load_legacy(codes: Sequence[str], result: UnitsResult) -> dict[str, Commune]:
    provinces_wanted, district_entries, ward_entries = _legacy_entries(codes)
    provinces = _provinces(GENERATION_2021, provinces_wanted, result)
    wanted_districts = {
        str(int(d.code)): {
            "province_id": provinces[f"{int(p.code):02d}"].pk,
            "name": d.name,
            "kind": unit_kind(d.name, DISTRICT_KINDS, District.Kind.DISTRICT),
        }
        for p, d in district_entries
    }
    districts = _sync(
        District,
        District.objects.in_bulk(list(wanted_districts), field_name="code"),
        wanted_districts,
        result,
    )
    wanted_communes = {
        str(int(w.code)): {
            "district_id": districts[str(int(d.code))].pk,
            "name": w.name,
            "kind": unit_kind(w.name, COMMUNE_KINDS, Commune.Kind.COMMUNE),
        }
        for d, w in ward_entries
    }
    existing = Commune.objects.filter(generation_id=GENERATION_2021, code__in=wanted_communes)
    result.districts += len(wanted_districts)
    result.communes += len(wanted_communes)
    return _sync(
        Commune,
        {c.code: c for c in existing},
        wanted_communes,
        result,
        generation_id=GENERATION_2021,
    )


def _load_current(
    codes: Sequence[str], result: UnitsResult
) -> tuple[dict[str, Commune], list[Any]]:
    import vietnam_provinces as vp

    provinces_wanted: dict[str, str] = {}
    wards: list[Any] = []
    for code in codes:
        try:
            entry = vp.Province.from_code(vp.ProvinceCode(int(code)))
        except ValueError:
            raise ValueError(_("Không có tỉnh mã %(c)s trong danh mục.") % {"c": code}) from None
        provinces_wanted[f"{int(code):02d}"] = entry.name
        wards.extend(vp.Ward.iter_by_province(entry.code))
    provinces = _provinces(GENERATION_2025, provinces_wanted, result)
    wanted = {
        str(int(w.code)): {
            "province_id": provinces[f"{int(w.province_code):02d}"].pk,
            "name": w.name,
            "kind": unit_kind(w.name, COMMUNE_KINDS, Commune.Kind.COMMUNE),
        }
        for w in wards
    }
    existing = Commune.objects.filter(generation_id=GENERATION_2025, code__in=wanted)
    result.current_communes += len(wanted)
    communes = _sync(
        Commune, {c.code: c for c in existing}, wanted, result, generation_id=GENERATION_2025
    )
    return communes, wards


def _partly_merged() -> set[tuple[int, int]]:
    """(old, new) pairs where only part of the old commune went into the new one.

    The package's public ``get_legacy_sources`` drops this flag; its conversion
    table (the one that method reads) keeps it."""
    from vietnam_provinces._ward_conversion_2025 import NEW_TO_OLD

    return {
        (old.code, entry.new_ward.code)
        for entry in NEW_TO_OLD.values()
        for old in entry.old_wards
        if old.is_partly_merged
    }


def _load_crosswalk(new: Mapping[str, Commune], wards: list[Any], result: UnitsResult) -> None:
    partly = _partly_merged()
    sources = {ward.code: ward.get_legacy_sources() for ward in wards}
    old = {
        c.code: c
        for c in Commune.objects.filter(
            generation_id=GENERATION_2021,
            code__in={str(int(s.code)) for found in sources.values() for s in found},
        )
    }
    wanted: dict[tuple[int, int], bool] = {}
    for ward in wards:
        target = new[str(int(ward.code))]
        for source in sources[ward.code]:
            commune = old.get(str(int(source.code)))
            if commune is None:
                result.skipped_sources.append(f"{source.name} ({int(source.code)})")
                continue
            wanted[commune.pk, target.pk] = (int(source.code), int(ward.code)) in partly
    existing = {
        (s.old_id, s.new_id): s
        for s in CommuneSuccession.objects.filter(new_id__in=[c.pk for c in new.values()])
    }
    stale = [s.pk for key, s in existing.items() if key not in wanted]
    if stale:
        CommuneSuccession.objects.filter(pk__in=stale).delete()
    changed = [s for key, s in existing.items() if key in wanted and s.partial != wanted[key]]
    for line in changed:
        line.partial = not line.partial
    if changed:
        CommuneSuccession.objects.bulk_update(changed, ["partial"])
    missing = [
        CommuneSuccession(old_id=o, new_id=n, partial=p)
        for (o, n), p in wanted.items()
        if (o, n) not in existing
    ]
    CommuneSuccession.objects.bulk_create(missing)
    result.created += len(missing)
    result.updated += len(changed)
    result.deleted += len(stale)
    result.successions = len(wanted)


@transaction.atomic
def load_units(
    *,
    legacy_provinces: Sequence[str] = ("10",),
    current_provinces: Sequence[str] = (),
) -> UnitsResult:
    """Load provinces with their units (GSO codes) from ``vietnam-provinces``.

    ``legacy_provinces``: codes in the three-level list (province → district →
    commune) in force until 30 June 2025; ``current_provinces``: codes in the
    two-level list since 1 July 2025, with the crosswalk from the legacy communes
    loaded. Idempotent: a second run writes nothing; rows that records point at are
    updated in place, never replaced.
    """
    result = UnitsResult()
    _load_legacy(legacy_provinces, result)
    if current_provinces:
        new, wards = _load_current(current_provinces, result)
        _load_crosswalk(new, wards, result)
        _load_successors(result)
    load_offices(result)
    return result


def _load_successors(result: UnitsResult) -> None:
    """A province of 2021 whose communes all went into one province of 2025 has it as
    its successor (old Lào Cai and old Yên Bái → Lào Cai): read from the crosswalk."""
    targets: dict[int, set[int]] = {}
    pairs = CommuneSuccession.objects.values_list("old__district__province_id", "new__province_id")
    for old, new in pairs.distinct():
        targets.setdefault(old, set()).add(new)
    wanted = {old: next(iter(new)) for old, new in targets.items() if len(new) == 1}
    changed = [
        province
        for province in Province.objects.filter(pk__in=wanted)
        if province.successor_id != wanted[province.pk]
    ]
    for province in changed:
        province.successor_id = wanted[province.pk]
    Province.objects.bulk_update(changed, ["successor"])
    result.updated += len(changed)
    result.successors = len(wanted)


def _office_name(prefix: str, unit_name: str) -> str:
    """ "Phòng GD&ĐT" + "Huyện Bảo Yên" → "Phòng GD&ĐT huyện Bảo Yên"."""
    return f"{prefix} {unit_name[:1].lower()}{unit_name[1:]}"


def load_offices(result: UnitsResult | None = None) -> UnitsResult:
    """The offices of the loaded units, idempotently: a Phòng GD&ĐT per district of the
    three-level list (until 30/06/2025), a commune People's Committee per commune of
    the two-level list (from 01/07/2025, Decree 142/2025/NĐ-CP), a Sở GD&ĐT per province
    of either (a province of 2021 until 30/06/2025, one of 2025 from 01/07/2025)."""
    result = result or UnitsResult()
    last_day = REFORM_DATE - dt.timedelta(days=1)
    kinds = Office.Kind
    wanted: dict[tuple[str, int], dict[str, Any]] = {}
    for d in District.objects.select_related("province"):
        wanted[kinds.DISTRICT_OFFICE, d.pk] = {
            "name": _office_name("Phòng GD&ĐT", d.name),
            "province_id": d.province_id,
            "valid_from": None,
            "valid_to": last_day,
            "legal_basis": "",
        }
    for c in Commune.objects.filter(generation_id=GENERATION_2025):
        wanted[kinds.COMMUNE_COMMITTEE, c.pk] = {
            "name": _office_name("UBND", c.name),
            "province_id": c.province_id,
            "valid_from": REFORM_DATE,
            "valid_to": None,
            "legal_basis": DECREE_142,
        }
    for p in Province.objects.all():
        after = p.generation_id == GENERATION_2025
        wanted[kinds.DEPARTMENT, p.pk] = {
            "name": f"Sở GD&ĐT {p.name}",
            "province_id": p.pk,
            "valid_from": REFORM_DATE if after else None,
            "valid_to": None if after else last_day,
            "legal_basis": RESOLUTION_202 if after else "",
        }
    _sync_offices(wanted, result)
    result.offices = len(wanted)
    return result


UNIT_FIELD = {"district": "district_id", "commune": "commune_id", "department": "province_id"}


def _sync_offices(wanted: dict[tuple[str, int], dict[str, Any]], result: UnitsResult) -> None:
    existing = {(o.kind, getattr(o, UNIT_FIELD[o.kind])): o for o in Office.objects.all()}
    new: list[Office] = []
    changed: list[Office] = []
    for (kind, unit), values in wanted.items():
        office = existing.get((kind, unit))
        if office is None:
            unit_field = {UNIT_FIELD[kind]: unit} if kind != "department" else {}
            new.append(Office(kind=kind, **unit_field, **values))
            continue
        # An administrator may have corrected a name or a date: loading again keeps it.
        if office.province_id != values["province_id"]:
            office.province_id = values["province_id"]
            changed.append(office)
    Office.objects.bulk_create(new)
    Office.objects.bulk_update(changed, ["province"])
    result.created += len(new)
    result.updated += len(changed)
