"""The office card of each role's home page: which body is in force today for the user.

A school sees who decides its lists today (``schools.offices.deciding_office``): its
commune's People's Committee since 1 July 2025, the Sở GD&ĐT for upper-secondary schools
and continuing-education centres, the district office before. A commune officer sees its
committee, a provincial officer its Sở. An account of an abolished office (a district
office, a province merged in 2025) sees that it reads its old records only, and the
bodies that took over. Offices are data (``schools.Office``); nothing here is hard-coded
beyond the words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts import access
from accounts.models import User
from kernel import clock
from schools.crosswalk import Crosswalk
from schools.models import Commune, Office, Province, School
from schools.offices import OfficeChart, is_province_run


@dataclass(frozen=True)
class OfficeCard:
    label: str  # "Đơn vị xét duyệt" (a school) or "Cơ quan" (an office's account)
    office: str  # the office with its dates: "UBND xã Nghĩa Đô (từ 1/7/2025)"
    in_force: bool = True
    notes: list[str] = field(default_factory=list)
    successors: list[str] = field(default_factory=list)


def day(value: dt.date) -> str:
    """1/7/2025: the way official letters write a date."""
    return f"{value.day}/{value.month}/{value.year}"


def office_text(office: Office) -> str:
    """The office and its validity: "UBND xã Nghĩa Đô (từ 1/7/2025)", "Sở GD&ĐT Lào Cai",
    "Phòng GD&ĐT huyện Bảo Yên (đến 30/6/2025)"."""
    if office.valid_from is not None and office.valid_to is not None:
        return _("%(name)s (từ %(start)s đến %(end)s)") % {
            "name": office.name, "start": day(office.valid_from), "end": day(office.valid_to)
        }  # fmt: skip
    if office.valid_from is not None:
        return _("%(name)s (từ %(start)s)") % {"name": office.name, "start": day(office.valid_from)}
    if office.valid_to is not None:
        return _("%(name)s (đến %(end)s)") % {"name": office.name, "end": day(office.valid_to)}
    return office.name


def office_card(user: User) -> OfficeCard | None:
    """The card for ``user``'s home page (None: an account without a unit)."""
    today = clock.today()
    if access.is_school_user(user):
        return _school_card(School.objects.get(pk=access.own_school_id(user)), today)
    if access.is_commune_user(user):
        return _commune_card(access.own_commune_id(user), today)
    if access.is_district_user(user):
        return _district_card(user, access.own_district_id(user), today)
    if access.is_provincial_user(user):
        return _province_card(access.own_province_id(user), today)
    return None


def _school_card(school: School, today: dt.date) -> OfficeCard:
    chart = OfficeChart.load([school], on=today)
    office = chart.office(school)
    label = _("Đơn vị xét duyệt")
    if office is None:
        return OfficeCard(label, chart.gap(school) or "")
    notes = []
    if office.kind == Office.Kind.DEPARTMENT and is_province_run(school):
        notes.append(
            _(
                "Trường THPT, GDTX do Sở GD&ĐT trực tiếp xét duyệt từ 1/7/2025 "
                "(Nghị định 142/2025/NĐ-CP)."
            )
        )
    elif office.kind == Office.Kind.COMMUNE_COMMITTEE and office.legal_basis:
        notes.append(_("Căn cứ: %(basis)s.") % {"basis": office.legal_basis})
    return OfficeCard(label, office_text(office), notes=notes)


def _commune_card(commune_id: int, today: dt.date) -> OfficeCard:
    office = Office.objects.filter(
        kind=Office.Kind.COMMUNE_COMMITTEE, commune_id=commune_id
    ).first()
    if office is None:
        commune = Commune.objects.get(pk=commune_id)
        return OfficeCard(_("Cơ quan"), _("UBND %(name)s") % {"name": commune.name}, in_force=False)
    notes = [
        _(
            "Xét duyệt danh sách của các trường mầm non, tiểu học, THCS trên địa bàn; "
            "trường THPT, GDTX do Sở GD&ĐT xét duyệt."
        )
    ]
    if office.legal_basis:
        notes.append(_("Căn cứ: %(basis)s.") % {"basis": office.legal_basis})
    return OfficeCard(_("Cơ quan"), office_text(office), office.in_force_on(today), notes)


def _district_card(user: User, district_id: int, today: dt.date) -> OfficeCard:
    office = Office.objects.filter(
        kind=Office.Kind.DISTRICT_OFFICE, district_id=district_id
    ).first()
    if office is None or not office.is_abolished_on(today):
        text = office_text(office) if office is not None else user.unit_label
        return OfficeCard(_("Cơ quan"), text)
    assert office.valid_to is not None  # abolished
    notes = [
        _(
            "Phòng GD&ĐT đã kết thúc hoạt động từ %(day)s: tài khoản chỉ xem hồ sơ cũ của "
            "huyện (thống kê, học sinh), không thay đổi được dữ liệu."
        )
        % {"day": day(office.valid_to + dt.timedelta(days=1))}
    ]
    return OfficeCard(
        _("Cơ quan"), office_text(office), False, notes, _district_successors(district_id, today)
    )


def _district_successors(district_id: int, today: dt.date) -> list[str]:
    """The committees of the communes the district's communes went to (all of a split
    one's), then the Sở of the province for its upper-secondary schools."""
    communes = list(Commune.objects.filter(district_id=district_id))
    crosswalk = Crosswalk.load(on=today, communes=communes)
    successor_ids = {c.pk for commune in communes for c in crosswalk.resolve(commune).communes}
    committees = Office.objects.filter(
        kind=Office.Kind.COMMUNE_COMMITTEE, commune_id__in=successor_ids
    ).order_by("name")
    found = [office_text(o) for o in committees if o.in_force_on(today)]
    province = Province.objects.filter(districts__pk=district_id).first()
    if province is not None:
        department = _department_in_force(province, today)
        if department is not None:
            found.append(_("%(office)s (trường THPT, GDTX)") % {"office": office_text(department)})
    return found


def _department_in_force(province: Province, today: dt.date) -> Office | None:
    """The Sở in force today for ``province``: its own, or its successor's."""
    seen: set[int] = set()
    current: Province | None = province
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        office = Office.objects.filter(kind=Office.Kind.DEPARTMENT, province=current).first()
        if office is not None and office.in_force_on(today):
            return office
        current = current.successor
    return None


def _province_card(province_id: int, today: dt.date) -> OfficeCard:
    province = Province.objects.select_related("successor").get(pk=province_id)
    office = Office.objects.filter(kind=Office.Kind.DEPARTMENT, province=province).first()
    text = (
        office_text(office)
        if office is not None
        else _("Sở GD&ĐT %(name)s") % {"name": province.name}
    )
    if office is not None and office.is_abolished_on(today):
        successor = _department_in_force(province, today)
        notes = [_("Tỉnh đã hợp nhất; hồ sơ cũ được giữ nguyên như đã ghi nhận.")]
        if successor is not None and successor.legal_basis:
            notes.append(_("Căn cứ: %(basis)s.") % {"basis": successor.legal_basis})
        found = [office_text(successor)] if successor is not None else []
        return OfficeCard(_("Cơ quan"), text, False, notes, found)
    predecessors = list(province.predecessors.order_by("code").values_list("name", flat=True))
    notes = []
    if predecessors:
        notes.append(
            _("Quản lý cả hồ sơ của tỉnh cũ: %(names)s.") % {"names": ", ".join(predecessors)}
        )
    return OfficeCard(_("Cơ quan"), text, notes=notes)
