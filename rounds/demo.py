"""Demo rounds: those of 2021 in the old province (a pilot, then the first round with quotas
for every district, one list waiting, one approved), past their end dates and so closed;
and, in the new province, a round open today on the commune chain: quotas per 2025 commune
(and for the upper-secondary school the Sở decides), shared by the commune officers among
their schools, one former Yên Bái school's list approved by its commune."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Set as AbstractSet

from kernel import clock
from rounds import services
from rounds.models import Proposal, ProposalItem, SupportRound
from schools.choices import SupportKind
from schools.models import GENERATION_2025, Commune, District, School
from students.models import Student

ROUND_NAME = "Đợt 1 năm học 2021-2022"
PILOT_NAME = "Đợt thí điểm tháng 9/2021"
OFFERS = [SupportKind.TABLET, SupportKind.COMPUTER, SupportKind.DATA]
DISTRICT_QUOTA: dict[str, int] = {
    SupportKind.TABLET: 120,
    SupportKind.COMPUTER: 30,
    SupportKind.DATA: 150,
}
SCHOOL_QUOTA: dict[str, int] = {
    SupportKind.TABLET: 15,
    SupportKind.COMPUTER: 4,
    SupportKind.DATA: 20,
}
DEMO_SCHOOL = "08700002"
APPROVED_SCHOOL = "08700003"


def _vn(year: int, month: int, day: int, hour: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"))


def seed(context: dict) -> None:
    """The 2021 story, each step on its day: the pilot in early September, the first round
    from 20 September (lists sent in October, before its deadline), then both rounds are
    closed by the sweep, as they are past their end dates."""
    users = context.get("users", {})
    province_user, district_user = users.get("province"), users.get("district")
    if province_user is None or district_user is None:
        return
    if SupportRound.objects.filter(name=ROUND_NAME).exists():
        return
    with clock.at(_vn(2021, 9, 8, 9)):
        pilot_pupils = _pilot(province_user, district_user)
    with clock.at(_vn(2021, 10, 15, 9)):
        _first_round(province_user, district_user, pilot_pupils)
    services.close_past_rounds()


def current_round_name(today: dt.date) -> str:
    start = today.year if today.month >= 8 else today.year - 1
    return f"Đợt bổ sung năm học {start}-{start + 1}"


# The 2026 round's quotas: per 2025 commune (code), and for a school the Sở decides itself.
COMMUNE_QUOTAS: dict[str, dict[str, int]] = {
    "2953": {SupportKind.TABLET: 12, SupportKind.DATA: 12},  # Xã Nghĩa Đô (Bảo Yên cũ)
    "4456": {SupportKind.TABLET: 10, SupportKind.DATA: 10},  # Xã Mù Cang Chải (Yên Bái cũ)
    "4606": {SupportKind.TABLET: 4, SupportKind.DATA: 4},  # Xã Trạm Tấu (Yên Bái cũ)
}
PROVINCE_RUN_QUOTAS: dict[str, dict[str, int]] = {
    "13700004": {SupportKind.TABLET: 3, SupportKind.DATA: 3},  # Trường THPT Mù Cang Chải
}
YEN_BAI_LIST_SCHOOL = "13700001"


def seed_after_reform(context: dict) -> None:
    """The round open today in the new province, on the commune chain (see the module)."""
    users = context.get("users", {})
    province_user = users.get("province")
    if province_user is None or province_user.province.generation_id != GENERATION_2025:
        return
    name = current_round_name(clock.today())
    if SupportRound.objects.filter(name=name).exists():
        return
    round_ = _commune_round(province_user, name)
    communes = {
        c.code: c
        for c in Commune.objects.filter(generation_id=GENERATION_2025, code__in=COMMUNE_QUOTAS)
    }
    for username in ("demo_xa", "demo_xa_mcc"):
        officer = users.get(username)
        if officer is not None and officer.commune_id in {c.pk for c in communes.values()}:
            _share(round_, officer)
    officer = users.get("demo_xa_mcc")
    if officer is not None:
        _proposal(round_, YEN_BAI_LIST_SCHOOL, 6, officer, approve=True)


def _commune_round(province_user, name: str) -> SupportRound:
    today = clock.today()
    round_ = services.open_round(
        actor=province_user,
        name=name,
        school_year=name.rsplit(" ", 1)[-1],
        starts_on=today,
        ends_on=today + dt.timedelta(days=30),
        offers=[str(SupportKind.TABLET), str(SupportKind.DATA)],
        requires_province_confirmation=True,
        description="Bổ sung máy tính bảng và gói cước cho học sinh mới thuộc diện hỗ trợ, "
        "xã/phường xét duyệt theo Nghị định 142/2025/NĐ-CP.",
    )
    communes = {
        c.code: c.pk
        for c in Commune.objects.filter(generation_id=GENERATION_2025, code__in=COMMUNE_QUOTAS)
    }
    schools = dict(School.objects.filter(code__in=PROVINCE_RUN_QUOTAS).values_list("code", "pk"))
    services.set_commune_quotas(
        actor=province_user,
        round=round_,
        communes={
            (communes[code], str(kind)): amount
            for code, amounts in COMMUNE_QUOTAS.items()
            if code in communes
            for kind, amount in amounts.items()
        },
        schools={
            (schools[code], str(kind)): amount
            for code, amounts in PROVINCE_RUN_QUOTAS.items()
            if code in schools
            for kind, amount in amounts.items()
        },
    )
    return round_


def _share(round_: SupportRound, officer) -> None:
    """The commune officer shares the commune's quota among its schools, as evenly as it goes."""
    from rounds.communes import commune_schools

    schools = sorted(commune_schools(round_, officer.commune), key=lambda s: s.code)
    if not schools:
        return
    totals = COMMUNE_QUOTAS[officer.commune.code]
    amounts = {}
    for kind, total in totals.items():
        for index, school in enumerate(schools):
            amounts[(school.pk, str(kind))] = total // len(schools) + (
                1 if index < total % len(schools) else 0
            )
    services.split_school_quota(
        actor=officer, round=round_, commune=officer.commune, amounts=amounts
    )


def _first_round(province_user, district_user, pilot_pupils: set[int]) -> None:
    round_ = services.open_round(
        actor=province_user,
        name=ROUND_NAME,
        school_year="2021-2022",
        starts_on=dt.date(2021, 9, 20),
        ends_on=dt.date(2021, 12, 31),
        offers=[str(k) for k in OFFERS],
        requires_province_confirmation=True,
        description="Máy tính bảng, máy tính và gói cước 4G cho học sinh hộ nghèo, cận nghèo, "
        "có bố/mẹ mất do COVID-19 và hoàn cảnh khó khăn (Kế hoạch 365/KH-UBND).",
    )
    services.set_district_quotas(
        actor=province_user,
        round=round_,
        amounts={
            (d.pk, str(kind)): amount
            for d in District.objects.filter(province_id=province_user.province_id)
            for kind, amount in DISTRICT_QUOTA.items()
        },
    )
    district = district_user.district
    schools = list(School.objects.filter(district=district))
    services.split_school_quota(
        actor=district_user,
        round=round_,
        district=district,
        amounts={(s.pk, str(k)): amount for s in schools for k, amount in SCHOOL_QUOTA.items()},
    )
    _proposal(round_, DEMO_SCHOOL, 10, district_user, approve=False, exclude=pilot_pupils)
    _proposal(round_, APPROVED_SCHOOL, 8, district_user, approve=True)


def _pilot(province_user, district_user) -> set[int]:
    """A finished pilot round: the demo school's list approved and confirmed, so devices
    and data packages can be handed over in the demo. Returns the pupils it served."""
    district = district_user.district
    school = School.objects.filter(code=DEMO_SCHOOL, district=district).first()
    if school is None:
        return set()
    pilot = services.open_round(
        actor=province_user,
        name=PILOT_NAME,
        school_year="2021-2022",
        starts_on=dt.date(2021, 9, 1),
        ends_on=dt.date(2021, 9, 15),
        offers=[str(k) for k in OFFERS],
        requires_province_confirmation=True,
        description="Thí điểm tại huyện Bảo Yên trước khi triển khai toàn tỉnh.",
    )
    services.set_district_quotas(
        actor=province_user,
        round=pilot,
        amounts={(district.pk, str(kind)): 10 for kind in OFFERS},
    )
    services.split_school_quota(
        actor=district_user,
        round=pilot,
        district=district,
        amounts={(school.pk, str(kind)): 4 for kind in OFFERS},
    )
    proposal = _proposal(pilot, DEMO_SCHOOL, 6, district_user, approve=True, newest_first=True)
    if proposal is None:
        return set()
    services.confirm_proposal(
        actor=province_user, proposal=Proposal.objects.get(pk=proposal.pk), version=None
    )
    return set(proposal.items.values_list("student_id", flat=True))


def _proposal(
    round_,
    code: str,
    size: int,
    district_user,
    *,
    approve: bool,
    exclude: AbstractSet[int] = frozenset(),
    newest_first: bool = False,
) -> Proposal | None:
    """Build a school's list from its registry as its own staff would; none without pupils."""
    from accounts.models import User

    school = School.objects.filter(code=code).first()
    if school is None:
        return None
    pupils = list(
        Student.objects.filter(school=school, status=Student.Status.STUDYING)
        .exclude(need_device="", need_data=False)
        .exclude(pk__in=exclude)
        .order_by("-pk" if newest_first else "pk")[: size * 2]
    )
    if not pupils:
        return None
    staff = User.objects.filter(school=school, role__can_propose=True, is_active=True).first()
    quota = {q.kind: q.amount for q in round_.quotas.filter(school=school)} or dict(SCHOOL_QUOTA)
    entries = _fitting_entries(round_, pupils, size, quota)
    if not entries:
        return None
    if staff is not None:
        proposal = services.start_proposal(actor=staff, round=round_)
        services.add_proposal_items(actor=staff, proposal=proposal, entries=entries, version=None)
        services.apply_suggested_order(actor=staff, proposal=proposal, version=None)
        services.submit_proposal(actor=staff, proposal=proposal, version=None)
    else:
        # The demo has no account for this school: its list arrives as if sent on paper.
        proposal = Proposal.objects.create(
            round=round_,
            school=school,
            status=Proposal.Status.SUBMITTED,
            submitted_at=clock.now(),
        )
        ProposalItem.objects.bulk_create(
            ProposalItem(proposal=proposal, round=round_, student_id=pk, kind=kind, priority=n)
            for n, (pk, kind) in enumerate(entries, start=1)
        )
    if approve:
        services.approve_proposal(
            actor=district_user,
            proposal=Proposal.objects.get(pk=proposal.pk),
            version=None,
            note="Đã đối chiếu danh sách hộ nghèo của xã.",
        )
    return proposal


def _fitting_entries(round_, pupils, size: int, quota: dict[str, int]) -> list[tuple[int, str]]:
    """(pupil, kind) pairs within the school quota: the device they need, and data too
    when they need it (a pupil learns online with both)."""
    counts: dict[str, int] = {}
    entries: list[tuple[int, str]] = []
    for pupil in pupils:
        kinds = [pupil.need_device] if round_.offers_kind(pupil.need_device) else []
        if pupil.need_data and round_.offers_kind(SupportKind.DATA):
            kinds.append(str(SupportKind.DATA))
        for kind in kinds:
            if counts.get(kind, 0) < quota.get(kind, 0) and len(entries) < size:
                counts[kind] = counts.get(kind, 0) + 1
                entries.append((pupil.pk, kind))
        if len(entries) >= size:
            break
    return entries
