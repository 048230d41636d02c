"""Every view other than login, password reset, language switch and public pages must ask an
anonymous visitor to log in; this walks the whole URL conf so a new view cannot forget."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

PUBLIC = {
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    # Activation is how an account without a password gets its first one.
    "accounts:activate",
    "accounts:activate_link",
    "set_language",
    "donations:public",
    # Logging out is POST-only and harmless for a visitor who is not logged in.
    "accounts:logout",
}
PUBLIC_PREFIXES = ("donations:public",)


def walk(resolver, prefix="", namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}" if entry.name else "", prefix + str(entry.pattern)


def concrete(route: str) -> str:
    route = re.sub(r"<int:\w+>", "1", route)
    route = re.sub(r"<(?:str|slug):\w+>", "x", route)
    route = re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000000", route)
    route = re.sub(r"<\w+>", "x", route)
    return "/" + route.lstrip("^").rstrip("$")


def test_every_private_view_redirects_anonymous_users_to_login(client):
    checked = 0
    for name, route in walk(get_resolver()):
        if name in PUBLIC or name.startswith(PUBLIC_PREFIXES) or name.startswith("i18n"):
            continue
        url = concrete(route)
        redirected = 0
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            # A method the view does not accept may answer 405: that reveals nothing.
            assert response.status_code in (302, 405), (
                f"{name} {url} {method.upper()} answered {response.status_code}"
            )
            if response.status_code == 302:
                assert "/dang-nhap/" in response["Location"], (
                    f"{name} {url} redirects to {response['Location']}"
                )
                redirected += 1
        assert redirected, f"{name} {url} never asks for a login"
        checked += 1
    assert checked >= 5


def test_admin_requires_staff_login(client):
    response = client.get("/quan-tri/")
    assert response.status_code == 302
    assert "/quan-tri/login/" in response["Location"]
