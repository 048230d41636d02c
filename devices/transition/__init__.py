"""The 2025 reform's hand-over: work in flight at the abolished district offices goes
to their successors (commune committees, the provincial store, the Sở) in one audited
operation. ``plan()`` reads, ``transition_offices()`` writes; ``manage.py
transition_offices`` and the admin action on offices call them."""

from devices.transition.applying import TransitionRefused, transition_offices, waiting_messages
from devices.transition.choices import ChoicesError, apply_choices, read_choices
from devices.transition.planning import KIND_LABELS, Move, Plan, Target, plan

__all__ = [
    "KIND_LABELS",
    "ChoicesError",
    "Move",
    "Plan",
    "Target",
    "TransitionRefused",
    "apply_choices",
    "plan",
    "read_choices",
    "transition_offices",
    "waiting_messages",
]
