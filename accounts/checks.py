"""System checks on settings the accounts' e-mails depend on (``manage.py check``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Warning

DEFAULT_SITE_URL = "http://127.0.0.1:8000"


def check_site_url(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Links in e-mails are built on SITE_URL: warn when they could not reach anyone."""
    value = str(getattr(settings, "SITE_URL", "") or "")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return [
            Warning(
                f"SITE_URL={value!r} is not an http(s) address; links in e-mails will not open.",
                hint="Set SITE_URL to the portal's public address, e.g. https://portal.example.vn",
                id="accounts.W001",
            )
        ]
    if value.rstrip("/") == DEFAULT_SITE_URL and not settings.DEBUG:
        return [
            Warning(
                "SITE_URL is the local default while DEBUG is off; links in e-mails point "
                "at 127.0.0.1.",
                hint="Set SITE_URL to the portal's public address, e.g. https://portal.example.vn",
                id="accounts.W002",
            )
        ]
    return []
