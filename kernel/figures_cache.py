"""Aggregate figures kept for a short while, so a busy page does not recount the registry.

A dashboard or a home page of the province aggregates every pupil in scope (hundreds of
thousands of rows, most of a second of database time): under load, each request
recounting them queues every other request behind it. ``cached_figures`` keeps the result
for ``FIGURES_CACHE_SECONDS`` (60 by default, 0 turns it off) under a key made of

- what was computed (``name``) and for whom (``parts``: the level and unit, the filters,
  or the user when the figures depend on their capabilities);
- the active language (the figures carry translated labels);
- ``version``: the caller's marker of the data, the newest audit event's id (every change
  of state leaves one), so figures are recomputed as soon as anything was changed and at
  the latest after the timeout for what time alone changes (a package past its end date).

kernel knows no domain app: the caller brings the version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

_MISS = object()


def timeout() -> int:
    return int(getattr(settings, "FIGURES_CACHE_SECONDS", 60))


def cache_key(name: str, parts: Iterable[Any], version: object) -> str:
    text = repr((name, translation.get_language(), version, tuple(parts)))
    return "figures:" + hashlib.sha256(text.encode()).hexdigest()


def cached_figures[T](
    name: str, parts: Iterable[Any], compute: Callable[[], T], *, version: object
) -> T:
    """``compute()``'s result for these ``parts`` and data ``version``, kept for a while."""
    seconds = timeout()
    if seconds <= 0:
        return compute()
    key = cache_key(name, parts, version)
    hit = cache.get(key, _MISS)
    if hit is not _MISS:
        return hit
    value = compute()
    cache.set(key, value, timeout=seconds)
    return value
