"""Import of a coverage survey (.xlsx): points with each carrier's technology.

One row per point.  Columns (header wording is matched loosely, see ``COLUMNS``):
Loại điểm, Tên điểm, Mã trường, Huyện, Xã, Thôn/bản, Vĩ độ, Kinh độ, one column
per carrier (Viettel, VNPT, MobiFone, …: "4G", "3G", "2G", "5G", "Không" or
blank = not measured), Nguồn, Ngày đo, Danh sách Bộ (x/Có).

Rows are matched to existing points: a school by its code, a school site by its
school's code and its name, a village centre by district, commune and village.
Unknown schools, sites, communes and villages are errors (villages are not
created here: a survey names places that exist), and so are coordinates outside
Lào Cai.  Every row is validated first; any error means nothing is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from coverage import services
from coverage.models import CarrierSignal, CoveragePoint, Technology
from kernel.importing import DuplicateTracker, ImportReport, RowError, RowValidator
from kernel.normalize import clean_text, fold, parse_bool_vi, parse_date, unit_key
from kernel.spreadsheets import (
    ColumnSpec,
    SpreadsheetError,
    locate_list,
    read_rows,
    reading_notices,
)
from schools.choices import Carrier
from schools.models import Commune, District, School, SchoolSite, Village, inside_province

CARRIER_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    Carrier.VIETTEL: ("Viettel", ()),
    Carrier.VNPT: ("VNPT", ("VinaPhone", "Vinaphone", "VNPT (VinaPhone)")),
    Carrier.MOBIFONE: ("MobiFone", ("Mobifone", "Mobi")),
    Carrier.VIETNAMOBILE: ("Vietnamobile", ()),
    Carrier.GMOBILE: ("Gmobile", ()),
    Carrier.ITEL: ("iTel", ("Itel",)),
}

COLUMNS = [
    ColumnSpec("kind", "Loại điểm", ("Loại",), required=True),
    ColumnSpec("name", "Tên điểm", ("Tên điểm trường", "Tên")),
    ColumnSpec("school_code", "Mã trường", ("Mã đơn vị",)),
    ColumnSpec("district", "Huyện", ("Huyện/thị xã/thành phố", "Quận/huyện")),
    ColumnSpec("commune", "Xã", ("Xã/phường/thị trấn", "Xã/phường")),
    ColumnSpec("village", "Thôn/bản", ("Thôn", "Bản", "Thôn, bản", "Thôn/tổ")),
    ColumnSpec("lat", "Vĩ độ", ("Latitude", "Lat")),
    ColumnSpec("lon", "Kinh độ", ("Longitude", "Lon", "Lng")),
    *[ColumnSpec(f"carrier_{c}", label, syn) for c, (label, syn) in CARRIER_COLUMNS.items()],
    ColumnSpec("source", "Nguồn", ("Nguồn số liệu", "Nguồn đo")),
    ColumnSpec("measured_on", "Ngày đo", ("Ngày khảo sát", "Thời gian đo")),
    ColumnSpec("ministry", "Danh sách Bộ", ("Thuộc danh sách Bộ", "DS Bộ", "Danh sách của Bộ")),
]

KIND_WORDS = {
    "truong": CoveragePoint.Kind.SCHOOL,
    "truong hoc": CoveragePoint.Kind.SCHOOL,
    "school": CoveragePoint.Kind.SCHOOL,
    "diem truong": CoveragePoint.Kind.SITE,
    "site": CoveragePoint.Kind.SITE,
    "thon": CoveragePoint.Kind.VILLAGE,
    "ban": CoveragePoint.Kind.VILLAGE,
    "thon/ban": CoveragePoint.Kind.VILLAGE,
    "thon ban": CoveragePoint.Kind.VILLAGE,
    "trung tam thon": CoveragePoint.Kind.VILLAGE,
    "trung tam thon/ban": CoveragePoint.Kind.VILLAGE,
    "trung tam ban": CoveragePoint.Kind.VILLAGE,
    "village": CoveragePoint.Kind.VILLAGE,
}
TECH_WORDS = {
    "5g": Technology.G5,
    "4g": Technology.G4,
    "lte": Technology.G4,
    "3g": Technology.G3,
    "2g": Technology.G2,
    "khong": Technology.NONE,
    "khong co": Technology.NONE,
    "khong co song": Technology.NONE,
    "mat song": Technology.NONE,
    "0": Technology.NONE,
    "-": Technology.NONE,
}
SOURCE_WORDS = {
    "nha truong": CarrierSignal.Source.SCHOOL_REPORT,
    "truong": CarrierSignal.Source.SCHOOL_REPORT,
    "nha truong bao cao": CarrierSignal.Source.SCHOOL_REPORT,
    "nha mang": CarrierSignal.Source.CARRIER_SURVEY,
    "nha mang khao sat": CarrierSignal.Source.CARRIER_SURVEY,
    "khao sat": CarrierSignal.Source.CARRIER_SURVEY,
    "bo": CarrierSignal.Source.MINISTRY_LIST,
    "bo tt&tt": CarrierSignal.Source.MINISTRY_LIST,
    "danh sach bo": CarrierSignal.Source.MINISTRY_LIST,
    "danh sach cua bo": CarrierSignal.Source.MINISTRY_LIST,
}


def parse_kind(value: Any) -> str:
    kind = KIND_WORDS.get(fold(value).strip())
    if kind is None:
        raise ValueError(_("phải là Trường, Điểm trường hoặc Thôn/bản"))
    return kind


def parse_technology(value: Any) -> int:
    text = fold(value).strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = f"{int(value)}g" if value else "0"
    tech = TECH_WORDS.get(text)
    if tech is None:
        raise ValueError(_("phải là 5G, 4G, 3G, 2G hoặc Không"))
    return int(tech)


def parse_source(value: Any) -> str:
    source = SOURCE_WORDS.get(fold(value).strip())
    if source is None:
        raise ValueError(_("phải là Nhà trường, Nhà mạng hoặc Danh sách Bộ"))
    return source


def parse_coordinate(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = clean_text(value).replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise ValueError(_("không phải là số")) from None


@dataclass
class PlannedRow:
    row: int
    kind: str
    point: CoveragePoint | None
    school: School | None = None
    site: SchoolSite | None = None
    village: Village | None = None
    name: str = ""
    lat: float | None = None
    lon: float | None = None
    ministry: bool | None = None
    signals: dict[str, int] = field(default_factory=dict)
    measured_on: dt.date | None = None
    source: str = CarrierSignal.Source.CARRIER_SURVEY


def _blank(point: CoveragePoint) -> bool:
    return (
        point.kind != CoveragePoint.Kind.VILLAGE
        and point.best_technology is None
        and not point.signals.all()
        and point.current_plan is None
    )


class _Places:
    """Everything a survey can name, loaded once (a fixed number of queries)."""

    def __init__(self, actor: User) -> None:
        self.districts = {unit_key(d.name): d for d in District.objects.visible_to(actor)}
        self.communes = {
            (c.district_id, unit_key(c.name)): c
            for c in Commune.objects.filter(district__in=self.districts.values())
        }
        self.villages = {
            (v.commune_id, v.key): v
            for v in Village.objects.filter(commune__district__in=self.districts.values())
        }
        self.schools = {
            s.code: s for s in School.objects.visible_to(actor).select_related("commune")
        }
        self.sites = {
            (s.school_id, fold(s.name)): s
            for s in SchoolSite.objects.filter(school__in=self.schools.values()).select_related(
                "village", "school"
            )
        }
        points = list(
            CoveragePoint.objects.visible_to(actor)
            .select_related("plan")
            .prefetch_related("signals")
        )
        # A school's or site's own point nobody filled in yet ("chưa khảo sát") is
        # created by the survey, as the services fill it in.
        filled = [p for p in points if not _blank(p)]
        self.points_by_school = {p.school_id: p for p in filled if p.school_id}
        self.points_by_site = {p.site_id: p for p in filled if p.site_id}
        self.points_by_village = {
            p.village_id: p for p in points if p.kind == CoveragePoint.Kind.VILLAGE
        }


def _resolve_place(v: RowValidator, places: _Places, kind: str) -> PlannedRow | None:
    row = v.row
    if kind in (CoveragePoint.Kind.SCHOOL, CoveragePoint.Kind.SITE):
        code = clean_text(v.value("school_code")).split(".")[0]
        if not code:
            v.error("school_code", _("bắt buộc với trường và điểm trường"))
            return None
        school = places.schools.get(code) or places.schools.get(code.zfill(8))
        if school is None:
            v.error("school_code", _("không tìm thấy trường mã “%(c)s”") % {"c": code})
            return None
        if kind == CoveragePoint.Kind.SCHOOL:
            return PlannedRow(row, kind, places.points_by_school.get(school.pk), school=school)
        name = clean_text(v.value("name"))
        if not name:
            v.error("name", _("bắt buộc với điểm trường"))
            return None
        site = places.sites.get((school.pk, fold(name)))
        if site is None:
            v.error(
                "name",
                _("trường %(s)s không có điểm trường “%(n)s”") % {"s": school.name, "n": name},
            )
            return None
        return PlannedRow(row, kind, places.points_by_site.get(site.pk), site=site)
    district = places.districts.get(unit_key(v.value("district")))
    if district is None:
        v.error(
            "district", _("không tìm thấy huyện “%(v)s”") % {"v": clean_text(v.value("district"))}
        )
        return None
    commune = places.communes.get((district.pk, unit_key(v.value("commune"))))
    if commune is None:
        v.error(
            "commune",
            _("không tìm thấy xã “%(v)s” trong %(d)s")
            % {"v": clean_text(v.value("commune")), "d": district.name},
        )
        return None
    village_name = clean_text(v.value("village"))
    if not village_name:
        v.error("village", _("bắt buộc với trung tâm thôn/bản"))
        return None
    from kernel.normalize import strip_unit_prefix

    village = places.villages.get((commune.pk, fold(strip_unit_prefix(village_name))))
    if village is None:
        v.error(
            "village",
            _("không tìm thấy thôn/bản “%(v)s” trong %(c)s")
            % {"v": village_name, "c": commune.name},
        )
        return None
    return PlannedRow(row, kind, places.points_by_village.get(village.pk), village=village)


def _default_coordinates(plan: PlannedRow) -> tuple[float | None, float | None]:
    if plan.point is not None:
        return plan.point.latitude, plan.point.longitude
    place = plan.school or plan.site or plan.village
    return getattr(place, "latitude", None), getattr(place, "longitude", None)


def validate_survey(
    *, actor: User, rows: list[tuple[int, dict[str, Any]]], labels: dict[str, str]
) -> tuple[ImportReport, list[PlannedRow]]:
    """Check every row; return the report and what would be written."""
    report = ImportReport(rows=len(rows))
    if not services.can_manage(actor):
        raise Http404
    places = _Places(actor)
    seen = DuplicateTracker()
    planned: list[PlannedRow] = []
    today = timezone.localdate()
    for row, values in rows:
        v = RowValidator(row, values, labels=labels, errors=report.errors)
        kind = v.field("kind", parse_kind, required=True)
        lat = v.field("lat", parse_coordinate)
        lon = v.field("lon", parse_coordinate)
        ministry = v.field("ministry", parse_bool_vi, default=None)
        source = v.field("source", parse_source, default=CarrierSignal.Source.CARRIER_SURVEY)
        measured_on = v.field("measured_on", parse_date)
        signals: dict[str, int] = {}
        for carrier in CARRIER_COLUMNS:
            tech = v.field(f"carrier_{carrier}", parse_technology)
            if tech is not None:
                signals[carrier] = tech
        if kind is None:
            continue
        plan = _resolve_place(v, places, kind)
        if plan is None:
            continue
        place = plan.school or plan.site or plan.village
        assert place is not None  # _resolve_place() sets the one its kind names
        target = (kind, place.pk)
        if (first := seen.seen(target, row)) is not None:
            v.duplicate_of(first)
            continue
        default_lat, default_lon = _default_coordinates(plan)
        plan.lat = lat if lat is not None else default_lat
        plan.lon = lon if lon is not None else default_lon
        if plan.lat is None or plan.lon is None:
            v.error("lat", _("cần tọa độ (vĩ độ, kinh độ) cho điểm mới"))
        elif not inside_province(plan.lat, plan.lon):
            v.error(
                "lat",
                _("tọa độ (%(lat)s, %(lon)s) nằm ngoài tỉnh Lào Cai")
                % {"lat": plan.lat, "lon": plan.lon},
            )
        if signals and measured_on is None and v.ok:
            v.error("measured_on", _("bắt buộc khi có kết quả đo"))
        if measured_on is not None and measured_on > today:
            v.error("measured_on", _("ngày đo ở tương lai"))
        if not v.ok:
            continue
        plan.name = clean_text(v.value("name")) if kind == CoveragePoint.Kind.VILLAGE else ""
        plan.ministry = ministry
        plan.signals = signals
        plan.measured_on = measured_on
        plan.source = source
        _count(report, plan)
        planned.append(plan)
    return report, planned


def _newer_on_file(point: CoveragePoint | None, carrier: str, measured_on: dt.date | None) -> bool:
    if point is None or measured_on is None:
        return False
    return any(s.carrier == carrier and s.measured_on > measured_on for s in point.signals.all())


def _count(report: ImportReport, plan: PlannedRow) -> None:
    point = plan.point
    if point is None:
        report.created += 1
        return
    current = {s.carrier: s for s in point.signals.all()}
    changed = (
        (plan.lat, plan.lon) != (point.latitude, point.longitude)
        or (plan.ministry is not None and plan.ministry != point.on_ministry_list)
        or (plan.name and plan.name != point.name)
        or any(
            c not in current
            or (current[c].technology, current[c].measured_on) != (t, plan.measured_on)
            for c, t in plan.signals.items()
            if not _newer_on_file(point, c, plan.measured_on)
        )
    )
    if changed:
        report.updated += 1
    else:
        report.unchanged += 1


def _write(actor: User, planned: list[PlannedRow]) -> None:
    for plan in planned:
        point = plan.point
        if point is None:
            point = services.create_point(
                actor=actor,
                kind=plan.kind,
                school=plan.school,
                site=plan.site,
                village=plan.village,
                name=plan.name,
                latitude=plan.lat,
                longitude=plan.lon,
                on_ministry_list=bool(plan.ministry),
            )
        else:
            point = services.update_point(
                actor=actor,
                point=point,
                name=plan.name or None,
                latitude=plan.lat,
                longitude=plan.lon,
                on_ministry_list=plan.ministry,
                reason=_("Nhập từ tệp khảo sát"),
            )
        for carrier, technology in plan.signals.items():
            assert plan.measured_on is not None  # a row with signals needs its date
            if _newer_on_file(plan.point, carrier, plan.measured_on):
                continue  # a newer measurement is already on file: keep it
            services.record_signal(
                actor=actor,
                point=point,
                carrier=carrier,
                technology=technology,
                measured_on=plan.measured_on,
                source=plan.source,
            )


def import_survey(
    *, actor: User, source: Any, dry_run: bool = True, filename: str = ""
) -> ImportReport:
    """Read, validate and (unless ``dry_run``) write a coverage survey, all or nothing.

    File-level problems (not a spreadsheet, no header row, missing "Loại điểm")
    come back as a single error on row 0.
    """
    try:
        sheet = read_rows(source, filename=filename or getattr(source, "name", ""))
        # Every sheet with the survey's header is read ("Sheet Bắc Hà, dòng 8").
        table = locate_list(sheet, COLUMNS)
    except SpreadsheetError as exc:
        return ImportReport(rows=0, errors=[RowError(0, "", "file", exc.message)])
    report, planned = validate_survey(
        actor=actor, rows=list(table.data_rows()), labels=table.field_labels()
    )
    # Hidden rows not imported, sheets read, legacy cells converted: for the dry run.
    report.notices = reading_notices(table)
    if not report.ok or dry_run:
        return report
    try:
        with transaction.atomic():
            _write(actor, planned)
    except ValidationError as exc:
        # A check in the services caught something validation did not: nothing was written.
        report.errors.append(RowError(0, "", "file", " ".join(exc.messages)))
        report.created = report.updated = report.unchanged = 0
    return report
