"""The cache of the public transparency page, which any app that changes a figure clears.

The page itself (``donations.public``) reads devices, coverage and donations; every
service that changes one of its figures calls ``refresh_on_commit()`` so the next
visitor sees the change, not a copy up to ``PUBLIC_PAGE_CACHE_SECONDS`` old.  The
key lives here, apart from any domain app, so that devices and coverage need not
import donations.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

CACHE_KEY = "donations:public:v1:{language}"


def cache_key(language: str) -> str:
    return CACHE_KEY.format(language=language)


def clear() -> None:
    """Forget the cached page in every language; a cache outage is only logged."""
    for code, _name in settings.LANGUAGES:
        try:
            cache.delete(cache_key(code))
        except Exception as exc:  # noqa: BLE001 - the entry expires on its own
            logger.warning("Public page cache unavailable, entry not cleared: %s", exc)


def refresh_on_commit() -> None:
    """Clear the page once the current transaction commits (at once outside one)."""
    transaction.on_commit(clear)
