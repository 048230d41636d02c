"""The portal's clock: "now" and "today" (Asia/Ho_Chi_Minh), which the demo can set.

Services that date what they write, or compare with a deadline, ask this clock.
Tests fix time with time-machine, which this clock follows. The demo data set tells
a 2021 story (lists sent before the 2021 deadlines), so ``seed_demo`` runs those steps
inside ``at(...)``; nothing else sets it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_fixed: ContextVar[dt.datetime | None] = ContextVar("portal_clock", default=None)


def now() -> dt.datetime:
    """The current aware datetime, or the one ``at()`` set."""
    return _fixed.get() or timezone.now()


def today() -> dt.date:
    """Today in the portal's time zone (Asia/Ho_Chi_Minh)."""
    return timezone.localdate(now())


@contextmanager
def at(moment: dt.datetime) -> Iterator[None]:
    """Run the block as if it were ``moment`` (an aware datetime)."""
    if timezone.is_naive(moment):
        raise ValueError("at() needs an aware datetime")
    token = _fixed.set(moment)
    try:
        yield
    finally:
        _fixed.reset(token)
