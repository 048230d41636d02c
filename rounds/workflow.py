"""The proposal state machine, as data: every allowed transition lives in ``TRANSITIONS``.

Services ask ``check_transition()`` before changing a proposal's status; templates
ask ``available_transitions()`` which buttons to show. Nothing else decides who may
move a list from one state to another.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from rounds import chain
from rounds.models import Proposal

if TYPE_CHECKING:
    from accounts.models import User

Status = Proposal.Status


class RoundsError(Exception):
    """A domain rule refused the action; ``message`` is a Vietnamese sentence for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransitionNotAllowed(RoundsError):
    pass


@dataclass(frozen=True)
class Transition:
    name: str
    label: str | Promise
    sources: frozenset[str]
    target: str
    capability: str
    # Who acts: the school, the deciding body of the round's chain (DECIDER), the province.
    level: str
    reason_required: bool = False
    # None: any round; True: only when the round requires the province's confirmation.
    needs_confirmation_round: bool | None = None
    verb: str = ""


# The level of the body between school and province: the district office in rounds of the
# district chain, the commune committee (or the Sở for THPT and GDTX) in the commune chain.
DECIDER = "decider"

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            name="submit",
            label=gettext_lazy("Gửi Phòng GD&ĐT"),
            sources=frozenset({Status.DRAFT, Status.RETURNED}),
            target=Status.SUBMITTED,
            capability="can_propose",
            level=Role.Level.SCHOOL,
            verb="proposal.submit",
        ),
        Transition(
            name="approve",
            label=gettext_lazy("Duyệt danh sách"),
            sources=frozenset({Status.SUBMITTED}),
            target=Status.APPROVED,
            capability="can_approve",
            level=DECIDER,
            verb="proposal.approve",
        ),
        Transition(
            name="reject",
            label=gettext_lazy("Từ chối"),
            sources=frozenset({Status.SUBMITTED}),
            target=Status.REJECTED,
            capability="can_approve",
            level=DECIDER,
            reason_required=True,
            verb="proposal.reject",
        ),
        Transition(
            name="return",
            label=gettext_lazy("Trả lại để chỉnh sửa"),
            sources=frozenset({Status.SUBMITTED}),
            target=Status.RETURNED,
            capability="can_approve",
            level=DECIDER,
            reason_required=True,
            verb="proposal.return",
        ),
        Transition(
            name="confirm",
            label=gettext_lazy("Sở xác nhận"),
            sources=frozenset({Status.APPROVED}),
            target=Status.CONFIRMED,
            capability="can_approve",
            level=Role.Level.PROVINCE,
            needs_confirmation_round=True,
            verb="proposal.confirm",
        ),
        Transition(
            name="send_back",
            label=gettext_lazy("Trả lại Phòng GD&ĐT"),
            sources=frozenset({Status.APPROVED}),
            target=Status.SUBMITTED,
            capability="can_approve",
            level=Role.Level.PROVINCE,
            reason_required=True,
            needs_confirmation_round=True,
            verb="proposal.send_back",
        ),
    )
}

# States in which the school may change its list.
EDITABLE_STATES = frozenset({Status.DRAFT, Status.RETURNED})
# States in which the district may decide single pupils.
DECIDABLE_STATES = frozenset({Status.SUBMITTED})


def acts_at_level(user: User, proposal: Proposal, level: str) -> bool:
    """Whether ``user`` is the unit that acts at ``level`` for this proposal's school.

    ``DECIDER`` (or the old name ``"district"``) is the proposal's deciding body in its
    round (``rounds.chain``); the province is the round's."""
    scope = user.scope
    if level == Role.Level.SCHOOL:
        return scope.is_school and scope.school_id == proposal.school_id
    if level in (DECIDER, Role.Level.DISTRICT):
        return chain.acts_for(user, chain.proposal_decider(proposal))
    if level == Role.Level.PROVINCE:
        return scope.covers_province(proposal.round.province_id)
    return False


def in_scope(user: User, proposal: Proposal) -> bool:
    """Anyone who may see the proposal: its school, its deciding body, its province."""
    return Proposal.objects.visible_to(user).filter(pk=proposal.pk).exists()


def is_allowed(name: str, proposal: Proposal, user: User) -> bool:
    transition = TRANSITIONS[name]
    if proposal.status not in transition.sources:
        return False
    if not user.can(transition.capability) or not acts_at_level(user, proposal, transition.level):
        return False
    if not proposal.round.is_open:
        return False
    needs = transition.needs_confirmation_round
    return needs is None or needs == proposal.round.requires_province_confirmation


def check_transition(name: str, proposal: Proposal, user: User, reason: str = "") -> Transition:
    """Raise unless ``user`` may apply transition ``name`` to ``proposal`` now.

    Out of scope answers 404 (existence does not leak); a wrong role or state
    raises ``TransitionNotAllowed`` with a sentence the user can read.
    """
    transition = TRANSITIONS[name]
    if not in_scope(user, proposal):
        raise Http404
    if not user.can(transition.capability) or not acts_at_level(user, proposal, transition.level):
        raise Http404
    if not proposal.round.is_open:
        raise TransitionNotAllowed(_("Đợt hỗ trợ đã đóng hoặc chưa mở; không thể thao tác."))
    if proposal.status not in transition.sources:
        raise TransitionNotAllowed(
            _("Không thể “%(action)s” danh sách đang ở trạng thái “%(status)s”.")
            % {"action": transition.label, "status": proposal.get_status_display()}
        )
    needs = transition.needs_confirmation_round
    if needs is not None and needs != proposal.round.requires_province_confirmation:
        raise TransitionNotAllowed(_("Đợt hỗ trợ này không cần Sở xác nhận."))
    if transition.reason_required and not reason.strip():
        raise TransitionNotAllowed(_("Vui lòng nhập lý do."))
    return transition


def transition_label(transition: Transition, proposal: Proposal) -> str:
    """The button's words, naming the deciding body ("Gửi UBND xã Tân Tiến")."""
    body = chain.body_name(chain.proposal_decider(proposal))
    if transition.name == "submit":
        return _("Gửi %(body)s") % {"body": body}
    if transition.name == "send_back":
        return _("Trả lại %(body)s") % {"body": body}
    return str(transition.label)


def available_transitions(proposal: Proposal, user: User) -> list[Transition]:
    """The transitions ``user`` may apply now, labelled for this proposal's deciding body."""
    return [
        replace(t, label=transition_label(t, proposal))
        for name, t in TRANSITIONS.items()
        if is_allowed(name, proposal, user)
    ]
