"""Importing the 2023–2024 commune merges the package does not know, from .xlsx.

One row per merged commune: the commune that ceased (code and name as in the 2021
list; created in its district when the loaded list no longer has it), the commune it
joined (one of the list in force until 30 June 2025), the resolution and its date.
Every row is checked first; any error means nothing is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kernel.audit import record_audit
from kernel.importing import DuplicateTracker, ImportReport, RowError, RowValidator
from kernel.normalize import clean_text, parse_date, unit_key
from kernel.spreadsheets import ColumnSpec, SpreadsheetError, locate_table, read_rows
from schools.models import (
    GENERATION_2021,
    REFORM_DATE,
    Commune,
    District,
    InterimUnitChange,
)
from schools.unit_loading import COMMUNE_KINDS, unit_kind

COLUMNS = [
    ColumnSpec("old_code", "Mã xã cũ", ("Mã xã bị sáp nhập", "Mã ĐVHC cũ"), required=True),
    ColumnSpec("old_name", "Tên xã cũ", ("Xã bị sáp nhập", "Tên ĐVHC cũ"), required=True),
    ColumnSpec("district", "Huyện", ("Huyện/thị xã/thành phố", "Quận/huyện")),
    ColumnSpec(
        "successor_code", "Mã xã nhập vào", ("Mã xã sau sáp nhập", "Mã ĐVHC mới"), required=True
    ),
    ColumnSpec("successor_name", "Tên xã nhập vào", ("Xã sau sáp nhập", "Tên ĐVHC mới")),
    ColumnSpec("legal_basis", "Căn cứ pháp lý", ("Số nghị quyết", "Nghị quyết"), required=True),
    ColumnSpec("effective_date", "Ngày hiệu lực", ("Ngày có hiệu lực",), required=True),
    ColumnSpec("note", "Ghi chú", ()),
]


@dataclass
class _Plan:
    old: Commune
    successor: Commune
    legal_basis: str
    effective_date: dt.date
    note: str
    change: InterimUnitChange | None


def _code(value: Any) -> str:
    text = clean_text(value).split(".")[0]
    if not text.isdigit():
        raise ValueError(_("mã đơn vị phải là số"))
    return str(int(text))


def _before_reform(value: Any) -> dt.date:
    day = parse_date(value)
    if day >= REFORM_DATE:
        raise ValueError(_("thay đổi từ 1/7/2025 đã có trong danh mục hai cấp"))
    return day


class _Units:
    def __init__(self) -> None:
        communes = Commune.objects.filter(generation_id=GENERATION_2021).select_related("district")
        self.communes = {c.code: c for c in communes}
        self.districts = {unit_key(d.name): d for d in District.objects.all()}
        self.changes = {(c.old_id, c.successor_id): c for c in InterimUnitChange.objects.all()}

    def old(self, v: RowValidator, code: str, name: str) -> Commune | None:
        """The ceased commune: the loaded one of that code (its name must agree, codes are
        reused), or a new row of the 2021 list in the row's district."""
        commune = self.communes.get(code)
        if commune is not None:
            if unit_key(commune.name) != unit_key(name):
                v.error(
                    "old_name",
                    _("mã %(c)s là của “%(n)s”, không phải “%(v)s”")
                    % {"c": code, "n": commune.name, "v": name},
                )
                return None
            return commune
        district = self.districts.get(unit_key(v.value("district")))
        if district is None:
            v.error(
                "district",
                _("xã mã %(c)s chưa có trong danh mục: cần ghi đúng huyện để thêm") % {"c": code},
            )
            return None
        commune = Commune(
            generation_id=GENERATION_2021,
            district=district,
            code=code,
            name=name,
            kind=unit_kind(name, COMMUNE_KINDS, Commune.Kind.COMMUNE),
        )
        # Later rows may name it again, as the ceased or the joined commune of a chain.
        self.communes[code] = commune
        return commune

    def successor(self, v: RowValidator, code: str) -> Commune | None:
        commune = self.communes.get(code)
        if commune is None:
            v.error("successor_code", _("không có xã mã %(c)s trong danh mục") % {"c": code})
            return None
        name = clean_text(v.value("successor_name"))
        if name and unit_key(name) != unit_key(commune.name):
            v.error(
                "successor_name",
                _("mã %(c)s là của “%(n)s”, không phải “%(v)s”")
                % {"c": code, "n": commune.name, "v": name},
            )
            return None
        return commune


@dataclass
class _Pending:
    """A row after its own fields and its ceased commune were checked."""

    v: RowValidator
    old: Commune
    successor_code: str
    legal_basis: str
    effective_date: dt.date
    note: str


def _check_row(
    row: int, values: dict[str, Any], labels: dict[str, str], units: _Units, report: ImportReport
) -> _Pending | None:
    v = RowValidator(row, values, labels=labels, errors=report.errors)
    old_code = v.field("old_code", _code, required=True)
    old_name = v.field("old_name", required=True)
    successor_code = v.field("successor_code", _code, required=True)
    basis = v.field("legal_basis", required=True)
    day = v.field("effective_date", _before_reform, required=True)
    note = clean_text(v.value("note"))[:500]
    if not v.ok:
        return None
    if old_code == successor_code:
        v.error("successor_code", _("xã không thể sáp nhập vào chính nó"))
        return None
    old = units.old(v, old_code, old_name)
    return _Pending(v, old, successor_code, basis, day, note) if old is not None else None


def _plan_row(pending: _Pending, units: _Units) -> _Plan | None:
    """The joined commune, looked up once every row's ceased commune is known: a chain
    (A into B in 2023, B into C in 2024) may name B before the row that adds it."""
    successor = units.successor(pending.v, pending.successor_code)
    if successor is None:
        return None
    old = pending.old
    change = units.changes.get((old.pk, successor.pk)) if old.pk else None
    return _Plan(old, successor, pending.legal_basis, pending.effective_date, pending.note, change)


def import_interim_changes(*, actor: Any, source: Any, dry_run: bool = False) -> ImportReport:
    """Create or update the interim merges of an uploaded sheet, all of them or none."""
    try:
        sheet = read_rows(source, filename=getattr(source, "name", "") or str(source))
        table = locate_table(sheet, COLUMNS)
    except SpreadsheetError as exc:
        return ImportReport(rows=0, errors=[RowError(0, "", "file", exc.message)])
    rows = list(table.data_rows())
    report = ImportReport(rows=len(rows))
    units = _Units()
    labels = table.field_labels()
    seen = DuplicateTracker()
    checked = [_check_row(row, values, labels, units, report) for row, values in rows]
    plans: list[_Plan] = []
    for pending in checked:
        plan = _plan_row(pending, units) if pending is not None else None
        if plan is None or pending is None:
            continue
        if (first := seen.seen((plan.old.code, plan.successor.code), pending.v.row)) is not None:
            pending.v.duplicate_of(first)
            continue
        current = plan.change
        if current is None:
            report.created += 1
        elif (current.legal_basis, current.effective_date, current.note) == (
            plan.legal_basis,
            plan.effective_date,
            plan.note,
        ):
            report.unchanged += 1
            continue
        else:
            report.updated += 1
        plans.append(plan)
    report.errors.sort(key=lambda e: e.row)
    if report.errors or dry_run:
        return report
    with transaction.atomic():
        for commune in {id(p.old): p.old for p in plans if p.old.pk is None}.values():
            commune.save()
            record_audit(actor=actor, action="unit.commune.create", obj=commune)
        for plan in plans:
            _write(plan, actor)
    return report


def _write(plan: _Plan, actor: Any) -> None:
    change = plan.change or InterimUnitChange(old=plan.old, successor=plan.successor)
    before = (
        {"legal_basis": change.legal_basis, "effective_date": str(change.effective_date)}
        if change.pk
        else {}
    )
    change.legal_basis, change.effective_date, change.note = (
        plan.legal_basis,
        plan.effective_date,
        plan.note,
    )
    change.save()
    after = {"legal_basis": change.legal_basis, "effective_date": str(change.effective_date)}
    record_audit(
        actor=actor,
        action="unit.interim_change.update" if before else "unit.interim_change.create",
        obj=change,
        changes={k: [before.get(k), after[k]] for k in after},
    )
