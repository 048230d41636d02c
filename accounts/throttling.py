"""Who is knocking: the client's address, and a fixed-window counter for password resets.

Login failures are counted by django-axes (settings ``AXES_*``); this module gives axes
the client's address and throttles the password-reset form, which axes does not see.
"""

from __future__ import annotations

import hashlib
import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address of the browser, not of the reverse proxy in front of the portal.

    ``X-Forwarded-For`` is only believed when ``TRUSTED_PROXY_COUNT`` proxies are
    configured: each trusted proxy appends the address it saw, so the client is the
    entry that many places from the right. Without trusted proxies the header is
    ignored, because any browser can send one.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    return candidate


class AccountAndAddressHandler(AxesDatabaseHandler):
    """django-axes counting failures per account and per address, each with its own limit.

    Axes compares the largest count over ``AXES_LOCKOUT_PARAMETERS`` with one limit
    (``AXES_FAILURE_LIMIT``). An address is allowed ``AXES_IP_FAILURE_LIMIT`` failures,
    more than one account, since a school's staff share an address: its count is scaled
    so that reaching its own limit reads as reaching the account limit.
    """

    def get_failures(self, request, credentials=None) -> int:
        account_limit = settings.AXES_FAILURE_LIMIT
        ip_limit = max(settings.AXES_IP_FAILURE_LIMIT, 1)
        parameters = get_lockout_parameters(request, credentials)
        worst = 0
        for parameter, attempts in zip(
            parameters, self.get_user_attempts(request, credentials), strict=True
        ):
            count = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            if parameter == "ip_address":
                count = count * account_limit // ip_limit
            worst = max(worst, count)
        return worst

    def reset_user_attempts(self, request, credentials=None) -> int:
        # A successful login clears that account's failures only: an attacker who owns one
        # account must not be able to wipe the count of the address they guess from.
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def _key(kind: str, value: str) -> str:
    # Hashed so that neither an address nor a username lands in the cache in clear.
    digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]
    return f"accounts:reset:{kind}:{digest}"


def hit_password_reset(*, ip: str, email: str) -> bool:
    """Count one password-reset request; ``True`` when it is over the limit.

    The limit applies separately to the address and to the e-mail asked for, so one
    address cannot spray many accounts and one account cannot be flooded from many
    addresses.
    """
    limits = (
        (_key("ip", ip), settings.PASSWORD_RESET_LIMIT_PER_IP),
        (_key("account", email.strip().lower()), settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT),
    )
    window = settings.PASSWORD_RESET_WINDOW_MINUTES * 60
    blocked = False
    for key, limit in limits:
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            count = 1
        blocked = blocked or count > limit
    return blocked
