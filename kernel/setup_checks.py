"""The first-run checklist: what an operator must set up before the portal can be used.

Each app registers its items in ``<app>/setup_checks.py`` (loaded at start), so the
checklist page knows no app: "a fund account" is the donations app's, "the broker is
reachable" the task queue's.  An item is computed when the page is shown; a check that
fails to run is shown as not done, with the error, rather than breaking the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = ["SetupItem", "register", "run_checks"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SetupItem:
    """One line of the checklist: done or not, what stands, and where to do it."""

    label: StrOrPromise
    done: bool
    detail: StrOrPromise = ""
    url: str = ""
    how: str = ""  # a command or setting, when the step is not done in a page


Check = Callable[[], SetupItem]
_CHECKS: list[tuple[int, str, Check]] = []


def register(order: int) -> Callable[[Check], Check]:
    """Add a check to the list; ``order`` places it (units 10, schools 20, … settings 90)."""

    def decorator(check: Check) -> Check:
        name = f"{check.__module__}.{check.__qualname__}"
        if all(existing != name for _order, existing, _check in _CHECKS):
            _CHECKS.append((order, name, check))
        return check

    return decorator


def run_checks() -> list[SetupItem]:
    """Every registered item, in order."""
    items = []
    for _order, name, check in sorted(_CHECKS, key=lambda entry: entry[:2]):
        try:
            items.append(check())
        except Exception as exc:  # a broken check must not hide the others
            logger.exception("setup check %s failed", name)
            items.append(
                SetupItem(
                    label=name, done=False, detail=_("Không kiểm tra được: %(e)s") % {"e": exc}
                )
            )
    return items
