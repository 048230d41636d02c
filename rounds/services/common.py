"""Errors, access checks, locking, audit and notification helpers shared by the services."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import notify, record_audit
from rounds.models import Proposal, SupportRound
from rounds.workflow import RoundsError
from schools.choices import SupportKind

ROUND_FIELDS = (
    "name",
    "school_year",
    "starts_on",
    "ends_on",
    "closes_on",
    "offers",
    "requires_province_confirmation",
    "description",
    "status",
)
EXAM_GRADES = frozenset({5, 9, 12})


class StaleProposal(RoundsError):
    pass


class QuotaExceeded(RoundsError):
    pass


def stale_message() -> str:
    return _(
        "Danh sách đã được người khác thay đổi sau khi bạn mở trang. "
        "Vui lòng tải lại trang để xem bản mới nhất rồi thao tác lại; thay đổi của bạn chưa được lưu."
    )


# --- access helpers -------------------------------------------------------------------


def require_capability(user: User, capability: str) -> None:
    if not user.can(capability):
        raise Http404


def require_province(user: User, capability: str = "can_manage_rounds") -> None:
    require_capability(user, capability)
    if not user.scope.is_provincial:
        raise Http404


def own_round(actor: User, round_: SupportRound, *, lock: bool = False) -> SupportRound:
    """The round fresh from the database, if it is of the actor's province; else 404."""
    rounds = SupportRound.objects.visible_to(actor)
    found = (rounds.select_for_update() if lock else rounds).filter(pk=round_.pk).first()
    if found is None:
        raise Http404
    return found


def require_open(round_: SupportRound) -> None:
    if not round_.is_open:
        raise RoundsError(_("Đợt hỗ trợ đã đóng hoặc chưa mở; không thể thao tác."))


def require_not_closed(round_: SupportRound) -> None:
    if round_.status == SupportRound.Status.CLOSED:
        raise RoundsError(_("Đợt hỗ trợ đã đóng; không thể thay đổi."))


def check_offers(offers: Iterable[str]) -> list[str]:
    valid = set(SupportKind.values)
    cleaned = [k for k in SupportKind.values if k in set(offers)]
    if not cleaned or any(k not in valid for k in offers):
        raise RoundsError(_("Chọn ít nhất một hình thức hỗ trợ hợp lệ."))
    return cleaned


def lock_proposal(actor: User, proposal: Proposal | int, version: int | None) -> Proposal:
    """Re-read the proposal under a row lock, in the actor's scope, at the expected version."""
    pk = proposal.pk if isinstance(proposal, Proposal) else proposal
    locked = (
        Proposal.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("round", "school", "school__district")
        .filter(pk=pk)
        .first()
    )
    if locked is None:
        raise Http404
    if version is not None and locked.version != version:
        raise StaleProposal(stale_message())
    return locked


def bump_version(proposal: Proposal, *fields: str) -> None:
    proposal.version += 1
    proposal.save(update_fields=["version", "updated_at", *fields])


# --- notifications --------------------------------------------------------------------


def district_officers(district_id: int) -> list[User]:
    return list(
        User.objects.filter(district_id=district_id, is_active=True, role__can_approve=True)
    )


def school_staff_of(school_id: int) -> list[User]:
    return list(User.objects.filter(school_id=school_id, is_active=True, role__can_propose=True))


def province_officers(province_id: int) -> list[User]:
    return list(
        User.objects.filter(province_id=province_id, is_active=True, role__can_approve=True)
    )


def notify_next(proposal: Proposal, recipients: list[User], verb: str, message: str) -> None:
    url = reverse("rounds:proposal", args=[proposal.pk])
    notify(recipients=recipients, verb=verb, message=message, url=url)


# --- proposals: transitions -----------------------------------------------------------


def audit_proposal(
    actor: User, proposal: Proposal, *, audit_action: str, changes: dict, reason: str = ""
) -> None:
    """The one audit row of a change to a list, filed under its school and district."""
    record_audit(
        actor=actor,
        action=audit_action,
        obj=proposal,
        changes=changes,
        reason=reason,
        school_id=proposal.school_id,
        district_id=proposal.school.district_id,
    )


def record_list_change(
    actor: User, proposal: Proposal, *, audit_action: str, changes: dict, reason: str = ""
) -> None:
    """A change to the pupils of a locked list: a new version and its one audit row."""
    bump_version(proposal)
    audit_proposal(actor, proposal, audit_action=audit_action, changes=changes, reason=reason)


def audit_transition(
    actor: User, proposal: Proposal, action: str, old: str, reason: str = "", **extra
):
    changes = {"status": [old, proposal.status], **extra}
    audit_proposal(actor, proposal, audit_action=action, changes=changes, reason=reason)
