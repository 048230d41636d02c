"""Demo rounds: those of 2021 (a pilot, then the first round with quotas for every district,
one list waiting, one approved), past their end dates and so closed, on the district
chain; and a round open today, with commune quotas (the chain since 1 July 2025), for
trying the flow."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Set as AbstractSet

from accounts.models import User
from kernel import clock
from rounds import chain, services
from rounds.models import Proposal, ProposalItem, SupportRound
from schools.choices import SupportKind
from schools.models import Commune, District, School
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
    _current_round(province_user, district_user)


def current_round_name(today: dt.date) -> str:
    start = today.year if today.month >= 8 else today.year - 1
    return f"Đợt bổ sung năm học {start}-{start + 1}"


def _current_round(province_user, district_user) -> None:
    """A round open today, so the demo's school can build and send a list: quotas given,
    no list yet. Opened after 1 July 2025, it follows the commune chain: the quota goes to
    the 2025 commune of the demo's schools, and that commune's committee (when the demo
    has an officer for it) shares it among them."""
    today = clock.today()
    name = current_round_name(today)
    round_ = services.open_round(
        actor=province_user,
        name=name,
        school_year=name.rsplit(" ", 1)[-1],
        starts_on=today,
        ends_on=today + dt.timedelta(days=30),
        offers=[str(SupportKind.TABLET), str(SupportKind.DATA)],
        requires_province_confirmation=True,
        description="Bổ sung máy tính bảng và gói cước cho học sinh mới thuộc diện hỗ trợ.",
    )
    schools = list(
        School.objects.filter(
            district=district_user.district, code__in=[DEMO_SCHOOL, APPROVED_SCHOOL]
        )
    )
    if not round_.by_communes:  # a demo built on a day before the reform
        _district_quotas(round_, province_user, district_user, schools)
        return
    deciders = chain.deciders(round_, schools)
    by_commune: dict[int, list[School]] = {}
    for school in schools:
        decider = deciders[school.pk]
        if decider is not None and decider.kind == chain.COMMUNE:
            by_commune.setdefault(decider.unit_id, []).append(school)
    kinds = (SupportKind.TABLET, SupportKind.DATA)
    services.set_commune_quotas(
        actor=province_user,
        round=round_,
        communes={(pk, str(kind)): 20 for pk in by_commune for kind in kinds},
    )
    for commune in Commune.objects.filter(pk__in=list(by_commune)):
        officer = User.objects.filter(
            commune=commune, role__can_approve=True, is_active=True
        ).first()
        if officer is None:
            continue
        services.split_school_quota(
            actor=officer,
            round=round_,
            commune=commune,
            amounts={(s.pk, str(kind)): 5 for s in by_commune[commune.pk] for kind in kinds},
        )


def _district_quotas(round_, province_user, district_user, schools) -> None:
    district = district_user.district
    services.set_district_quotas(
        actor=province_user,
        round=round_,
        amounts={
            (district.pk, str(SupportKind.TABLET)): 20,
            (district.pk, str(SupportKind.DATA)): 20,
        },
    )
    services.split_school_quota(
        actor=district_user,
        round=round_,
        district=district,
        amounts={
            (school.pk, str(kind)): 5
            for school in schools
            for kind in (SupportKind.TABLET, SupportKind.DATA)
        },
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
