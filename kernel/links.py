"""Absolute links and short subject lines for what leaves the portal by e-mail."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from django.conf import settings

ELLIPSIS = "…"


def absolute_url(path: str) -> str:
    """``path`` (``/dot-ho-tro/1/``) as a link a mail client can open, on ``SITE_URL``.

    An already absolute link is kept; an empty one stays empty."""
    if not path or urlsplit(path).scheme:
        return path
    return urljoin(settings.SITE_URL.rstrip("/") + "/", path.lstrip("/"))


def cut_at_word(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters, cut between words with "…".

    Vietnamese separates syllables by spaces, so a cut at a space never splits a word
    (nor a letter from its tone mark, the text being NFC); only a single word longer
    than the limit is cut inside it."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    room = line[: limit - len(ELLIPSIS) + 1]
    head, space, _rest = room.rpartition(" ")
    kept = head if space and head else room[:-1]
    return kept.rstrip(" ,;:.–-") + ELLIPSIS
