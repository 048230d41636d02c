"""Who may do what in support rounds: open and manage them, split quotas, unlock pupils.

The proposal workflow's own rules (which unit acts at which step) stay in
``rounds.workflow``; these are the rest. Views, services and templates ask them
(``accounts.access``); a "no" is refused with 404 by the caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.access import (
    is_commune_user,
    is_district_user,
    is_provincial_user,
    is_school_user,
    predicate,
)
from rounds import workflow

if TYPE_CHECKING:
    from accounts.models import User
    from rounds.models import Proposal, SupportRound
    from schools.models import Commune, District, School
    from students.models import Student


@predicate
def may_manage_rounds(user: User) -> bool:
    """Rounds are opened, edited, closed and given quotas by the province."""
    return user.can("can_manage_rounds") and is_provincial_user(user)


@predicate
def may_split_quota(user: User, district: District) -> bool:
    """A district shares its own quota; the province may do it for any of its districts."""
    scope = user.scope
    return user.can("can_approve") and (
        (scope.is_district and scope.district_id == district.pk)
        or scope.covers_province(district.province_id)
    )


@predicate
def may_split_commune_quota(user: User, commune: Commune) -> bool:
    """A commune committee shares its own quota; the province may do it for any of its
    communes (rounds of the commune chain)."""
    scope = user.scope
    return user.can("can_approve") and (
        (scope.is_commune and scope.commune_id == commune.pk)
        or (scope.is_provincial and commune.province_id in scope.province_ids)
    )


@predicate
def may_decide(user: User, proposal: Proposal) -> bool:
    """Approvers of the proposal's deciding body in its round: the district office (district
    chain), the commune committee or, for THPT and GDTX, the Sở (commune chain)."""
    return user.can("can_approve") and workflow.acts_at_level(user, proposal, workflow.DECIDER)


@predicate
def may_decide_now(user: User, proposal: Proposal) -> bool:
    """Single pupils may be decided: the round is open and the list awaits the decision."""
    return (
        proposal.round.is_open
        and proposal.status in workflow.DECIDABLE_STATES
        and may_decide(user, proposal)
    )


@predicate
def may_unlock_eligibility(user: User, student: Student) -> bool:
    """Approvers of the pupil's district or province lift the lock, never a school."""
    scope = user.scope
    if not user.can("can_approve") or is_school_user(user):
        return False
    school = student.school
    if is_district_user(user):
        return scope.district_id == school.district_id
    if is_commune_user(user):
        return school.pk in scope.school_ids
    return is_provincial_user(user) and school.district.province_id in scope.province_ids


@predicate
def may_unlock_now(user: User, student: Student) -> bool:
    """The unlock button: the pupil is locked and the user may unlock."""
    return student.eligibility_locked and may_unlock_eligibility(user, student)


@predicate
def may_extend_deadline(user: User, district: District) -> bool:
    """A district office extends the proposal deadline of its own schools; the province
    (its round managers and approvers) of any of its districts, its predecessors' too."""
    scope = user.scope
    if scope.is_district:
        return user.can("can_approve") and scope.district_id == district.pk
    return _extends_for_province(user) and district.province_id in scope.province_ids


@predicate
def may_extend_commune_deadline(user: User, commune: Commune) -> bool:
    """In a round of the commune chain, a commune committee extends the deadline of the
    schools it decides; the province of any of its communes."""
    scope = user.scope
    if scope.is_commune:
        return user.can("can_approve") and scope.commune_id == commune.pk
    return _extends_for_province(user) and commune.province_id in scope.province_ids


@predicate
def may_extend_for_province_run(user: User, school: School) -> bool:
    """A school the Sở decides itself (THPT, GDTX) is given more time by the province."""
    scope = user.scope
    return _extends_for_province(user) and school.district.province_id in scope.province_ids


@predicate
def may_extend_in_round(user: User, round_: SupportRound) -> bool:
    """The deadline page offers extensions: the province, a district office in a round of
    the district chain, a commune committee in a round of the commune chain."""
    if round_.status == round_.Status.CLOSED:
        return False
    scope = user.scope
    if scope.is_district:
        return user.can("can_approve") and not round_.by_communes
    if scope.is_commune:
        return user.can("can_approve") and round_.by_communes
    return _extends_for_province(user)


def _extends_for_province(user: User) -> bool:
    return user.scope.is_provincial and (user.can("can_manage_rounds") or user.can("can_approve"))
