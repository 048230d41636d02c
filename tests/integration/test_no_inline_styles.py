"""The Content-Security-Policy allows no inline style or script: no page of the portal
may carry a ``style`` attribute, a ``<style>`` block or an inline event handler
(issue 13). Every page reachable from each demo role's home page is checked."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

SKIP = re.compile(r"\.(xlsx|pdf|csv|png|jpg)$|/dang-xuat/|/tai-ve/|/tep-loi/|/ban-quet/|/i18n/")


class InlineFinder(HTMLParser):
    """``style`` attributes, ``<style>`` blocks, ``on…=`` handlers, inline scripts, links."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.links: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "style":
            self.problems.append("<style>")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f'<{tag} style="{value}">')
            if re.fullmatch(r"on\w+", name):
                self.problems.append(f"<{tag} {name}=…>")
        if tag == "script":
            self._script = "src" not in names and names.get("type") != "application/json"
        if tag == "a" and (names.get("href") or "").startswith("/"):
            self.links.append(names["href"])

    def handle_endtag(self, tag):
        self._script = False

    def handle_data(self, data):
        if self._script and data.strip():
            self.problems.append(f"<script>{data.strip()[:40]}")


def scan(html: str) -> InlineFinder:
    finder = InlineFinder()
    finder.feed(html)
    return finder


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {p.split()[0]: p.split()[1:] for p in header.split(";") if p.strip()}


def shape(path: str) -> str:
    """One page per kind: /hoc-sinh/28/ and /hoc-sinh/31/ are the same page."""
    return re.sub(r"/\d+(?=/|$)", "/N", urlsplit(path).path)


@pytest.fixture
def demo():
    with override_settings(DEBUG=True, DEMO_PASSWORD="demo-csp-password-1"):
        call_command("seed_demo", stdout=io.StringIO())


def test_finder_sees_what_the_policy_refuses():
    finder = scan(
        '<div style="width: 3%"><style>p{}</style><button onclick="x()">'
        '<img src="/a" onerror="y()"><script>alert(1)</script>'
    )
    assert finder.problems == [
        '<div style="width: 3%">',
        "<style>",
        "<button onclick=…>",
        "<img onerror=…>",
        "<script>alert(1)",
    ]


def test_style_src_has_no_unsafe_inline(client):
    directives = policy(client.get(reverse("accounts:login")))
    assert directives["style-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert all("'unsafe-inline'" not in values for values in directives.values())


def test_no_page_has_inline_style_or_handlers(client, demo):
    found: dict[str, list[str]] = {}
    checked: dict[str, int] = {}
    for username in ("demo_truong", "demo_phong", "demo_so", "demo_admin"):
        client.force_login(
            User.objects.get(username=username),
            backend="django.contrib.auth.backends.ModelBackend",
        )
        checked[username] = _crawl(client, found)
    assert found == {}
    # the crawl reached each role's pages, not only its home page
    assert all(n >= 20 for n in checked.values()), checked


def _crawl(client, found: dict[str, list[str]]) -> int:
    """Pages reachable from the home page, one per kind; returns how many were checked."""
    todo = [reverse("accounts:home"), reverse("donations:public")]
    seen: set[str] = set()
    checked = 0
    while todo and checked < 120:
        url = todo.pop(0)
        if shape(url) in seen or SKIP.search(urlsplit(url).path) or url.startswith("/quan-tri/"):
            continue
        seen.add(shape(url))
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        checked += 1
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], url
        finder = scan(response.content.decode())
        if finder.problems:
            found[url] = finder.problems
        todo.extend(finder.links)
    return checked


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "pct-0"), (37.5, "pct-38"), ("12", "pct-12"), (100, "pct-100"), (140, "pct-100")]
    + [(-3, "pct-0"), (None, "pct-0"), ("", "pct-0"), ("nan", "pct-0")],
)
def test_bar_width_is_a_class_clamped_to_the_bar(value, expected):
    from kernel.templatetags.portal import pct

    assert pct(value) == expected


def test_every_bar_width_class_is_in_the_stylesheet():
    from pathlib import Path

    from django.conf import settings

    css = (Path(settings.BASE_DIR) / "static" / "css" / "portal.css").read_text(encoding="utf-8")
    for n in range(101):
        assert f".pct-{n} {{ width: {n}%; }}" in css, n
