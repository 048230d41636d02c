"""Writes for support rounds: rounds, quotas, proposals and their approval.

Every function here is atomic, checks the acting user's scope itself (404 when out
of scope), refuses to touch a closed round, leaves an audit record and notifies the
next actor. Quotas are counted under row locks on the ``Quota`` rows, so two officers
approving at the same time cannot exceed them. Lists carry a version number: a write
made from a stale page is refused instead of silently overwriting someone else's.
"""

from rounds.services.common import QuotaExceeded, StaleProposal, stale_message
from rounds.services.deadlines import (
    close_past_rounds,
    extend_deadline,
    school_deadline,
    school_deadlines,
)
from rounds.services.decisions import (
    approve_items,
    approve_proposal,
    confirm_proposal,
    reject_items,
    reject_proposal,
    return_proposal,
    send_back_proposal,
    submit_proposal,
    unlock_eligibility,
)
from rounds.services.proposals import (
    add_proposal_items,
    apply_suggested_order,
    remove_proposal_items,
    reorder_proposal_items,
    start_proposal,
    suggest_order,
    suggestion_key,
)
from rounds.services.quotas import (
    set_commune_quotas,
    set_district_quota,
    set_district_quotas,
    split_school_quota,
)
from rounds.services.rounds import close_round, open_round, update_round
from rounds.workflow import RoundsError

__all__ = [
    "QuotaExceeded",
    "RoundsError",
    "StaleProposal",
    "add_proposal_items",
    "apply_suggested_order",
    "approve_items",
    "approve_proposal",
    "close_past_rounds",
    "close_round",
    "confirm_proposal",
    "extend_deadline",
    "open_round",
    "reject_items",
    "reject_proposal",
    "remove_proposal_items",
    "reorder_proposal_items",
    "school_deadline",
    "school_deadlines",
    "return_proposal",
    "send_back_proposal",
    "set_commune_quotas",
    "set_district_quota",
    "set_district_quotas",
    "split_school_quota",
    "stale_message",
    "start_proposal",
    "submit_proposal",
    "suggest_order",
    "suggestion_key",
    "unlock_eligibility",
    "update_round",
]
