"""Who decides a school's list in a round: the body of the round's approval chain.

A round records the chain in force when it opened (``SupportRound.chain``). In a round of
the district chain the district education office of the school's district decides, as it
did before 1 July 2025; in a round of the commune chain the People's Committee of the
school's commune on the round's date, or the Sở GD&ĐT itself for upper-secondary schools
and continuing-education centres (Decree 142/2025/NĐ-CP). The offices themselves are data
(``schools.offices``); this module asks them for the round's day and says what the
workflow, the quotas and the notifications need: who acts, where the quota is held, whom
to tell, and the body's name for buttons and messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext as _

from rounds.models import SupportRound
from schools.models import REFORM_DATE, Office
from schools.offices import PROVINCE_RUN_LEVELS, OfficeChart

if TYPE_CHECKING:
    from accounts.models import AuditEvent, User
    from rounds.models import Proposal
    from schools.models import Commune, School

DISTRICT = "district"
COMMUNE = "commune"
PROVINCE = "province"
__all__ = ["PROVINCE_RUN_LEVELS", "Decider", "Holder"]


@dataclass(frozen=True)
class Decider:
    """The body deciding a school's list: a district office, a commune committee or the Sở.

    ``unit_id`` is the district's, the 2025 commune's or the province's primary key."""

    kind: str
    unit_id: int
    name: str

    @property
    def is_province(self) -> bool:
        return self.kind == PROVINCE


def decision_day(round_: SupportRound) -> dt.date:
    """The day whose offices decide the round: its start, kept on its chain's side of the reform
    (a round moved to the commune chain by the transition is decided by today's offices)."""
    if round_.by_communes:
        return max(round_.starts_on, REFORM_DATE)
    return min(round_.starts_on, REFORM_DATE - dt.timedelta(days=1))


def deciders(round_: SupportRound, schools: Iterable[School]) -> dict[int, Decider | None]:
    """Each school's deciding body in ``round_`` (None: the school's commune is ambiguous
    and no placement says which; nobody decides until an administrator records one)."""
    schools = list(schools)
    if not round_.by_communes:
        # Before the reform the district office of the school's district decided, always:
        # no office needs to be read to know it.
        return {s.pk: Decider(DISTRICT, s.district_id, _("Phòng GD&ĐT")) for s in schools}
    chart = OfficeChart.load(schools, on=decision_day(round_))
    return {s.pk: _decider(chart.office(s)) for s in schools}


def _decider(office: Office | None) -> Decider | None:
    if office is None:
        return None
    if office.kind == Office.Kind.DISTRICT_OFFICE:
        return Decider(DISTRICT, office.district_id or 0, office.name)
    if office.kind == Office.Kind.COMMUNE_COMMITTEE:
        return Decider(COMMUNE, office.commune_id or 0, office.name)
    return Decider(PROVINCE, office.province_id, office.name)


def decider_for(round_: SupportRound, school: School) -> Decider | None:
    return deciders(round_, [school])[school.pk]


def proposal_decider(proposal: Proposal) -> Decider | None:
    """The proposal's deciding body, computed once per proposal object."""
    cache = proposal.__dict__
    if "_decider" not in cache:
        cache["_decider"] = decider_for(proposal.round, proposal.school)
    return cache["_decider"]


def acts_for(user: User, decider: Decider | None) -> bool:
    """Whether ``user`` works at the deciding body (its unit; capabilities are asked apart)."""
    if decider is None:
        return False
    scope = user.scope
    if decider.kind == DISTRICT:
        return scope.is_district and scope.district_id == decider.unit_id
    if decider.kind == COMMUNE:
        return scope.is_commune and scope.commune_id == decider.unit_id
    return scope.covers_province(decider.unit_id)


def users_of(decider: Decider | None) -> list[User]:
    """The active approvers of the deciding body: whom a submitted list is sent to."""
    from accounts.models import Role, User

    if decider is None:
        return []
    unit = {DISTRICT: "district_id", COMMUNE: "commune_id", PROVINCE: "province_id"}[decider.kind]
    users = User.objects.filter(is_active=True, role__can_approve=True, **{unit: decider.unit_id})
    if decider.kind == PROVINCE:
        users = users.filter(role__level=Role.Level.PROVINCE)
    return list(users.order_by("pk"))


def body_name(decider: Decider | None) -> str:
    """The body as buttons and messages name it ("UBND xã Tân Tiến", "Phòng GD&ĐT")."""
    if decider is None:
        return _("cấp xét duyệt (chưa xác định)")
    if decider.kind == DISTRICT:
        # Rounds of the district chain keep the words their records were made with.
        return _("Phòng GD&ĐT")
    return decider.name


# --- where a school's quota is held ------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """The unit whose quota a school's approvals count against: its district (district
    chain), its commune (commune chain) or, for a school the Sở decides, the school itself."""

    kind: str  # DISTRICT, COMMUNE or "school"
    unit_id: int

    def own(self) -> Q:
        """The holder's own quota rows (not the schools' shares)."""
        if self.kind == DISTRICT:
            return Q(district_id=self.unit_id, school__isnull=True)
        if self.kind == COMMUNE:
            return Q(commune_id=self.unit_id, school__isnull=True)
        return Q(school_id=self.unit_id, district__isnull=True, commune__isnull=True)

    def shares(self) -> Q:
        """The shares of the holder's quota given to schools (none for a school)."""
        if self.kind == DISTRICT:
            return Q(district_id=self.unit_id, school__isnull=False)
        if self.kind == COMMUNE:
            return Q(commune_id=self.unit_id, school__isnull=False)
        return Q(pk__in=[])

    def items(self, round_: SupportRound) -> Q:
        """The round's pupils of the holder's schools (a ``ProposalItem`` filter).

        A commune's schools are those it gave a share to: a list is sent only within
        its school's share, so every approved pupil of the commune is counted."""
        from rounds.models import Quota

        if self.kind == DISTRICT:
            return Q(proposal__school__district_id=self.unit_id)
        if self.kind == COMMUNE:
            shared = Quota.objects.filter(
                round=round_, commune_id=self.unit_id, school__isnull=False
            ).values("school_id")
            return Q(proposal__school_id__in=shared)
        return Q(proposal__school_id=self.unit_id)


def holder_for(round_: SupportRound, school: School, decider: Decider | None) -> Holder | None:
    if not round_.by_communes:
        return Holder(DISTRICT, school.district_id)
    if decider is None:
        return None
    if decider.kind == COMMUNE:
        return Holder(COMMUNE, decider.unit_id)
    return Holder("school", school.pk)


def status_label(proposal: Proposal, body: str = "") -> str:
    """The proposal's status naming its deciding body where the status does
    ("Đã gửi UBND xã Tân Tiến"); rounds of the district chain keep their words. A page
    listing many lists of one body passes its name (no office is read per list)."""
    if proposal.round.by_communes:
        body = body or body_name(proposal_decider(proposal))
    return status_name(proposal.round, proposal.status, body)


def status_name(round_: SupportRound, status: str, body: str) -> str:
    """A list status in the round's words: naming ``body`` on the commune chain."""
    from rounds.models import Proposal

    if round_.by_communes:
        if status == Proposal.Status.SUBMITTED:
            return _("Đã gửi %(body)s") % {"body": body}
        if status == Proposal.Status.APPROVED:
            return _("%(body)s đã duyệt") % {"body": body}
    return str(Proposal.Status(status).label)


def committee_name(commune: Commune) -> str:
    """The commune committee as its office is named ("UBND xã Bảo Yên"), one query."""
    office = Office.objects.filter(kind=Office.Kind.COMMUNE_COMMITTEE, commune=commune)
    name = office.values_list("name", flat=True).first()
    return name or _("UBND %(name)s") % {"name": commune.name}


def worded_history(proposal: Proposal, events: Iterable[AuditEvent], body: str) -> list[AuditEvent]:
    """A list's audit trail for its page, its status changes in the round's words: on the
    commune chain "Đã gửi UBND xã Tân Tiến" rather than the status's recorded label. Only
    the objects in hand are worded; the audit rows stay as written."""
    events = list(events)
    if not proposal.round.by_communes:
        return events
    worded = {s: status_name(proposal.round, s, body) for s in ("submitted", "approved")}
    for event in events:
        status = (event.changes or {}).get("status")
        if isinstance(status, list) and len(status) == 2:
            event.changes = {**event.changes, "status": [worded.get(v, v) for v in status]}
    return events
