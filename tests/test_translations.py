"""Every page in English shows no Vietnamese outside data; the catalogue is fully translated.

The pages are found by walking the URL conf, so a new page is checked without editing this
file (a new URL whose object this file cannot find fails with its name). Each is requested
as every demo role and anonymously, with the language switch set to English. Data is not UI:
every text value stored in the database (names of units, schools, pupils, donors...) is cut
out of the page before looking for Vietnamese letters.
"""

from __future__ import annotations

import functools
import html
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import models
from django.test import Client, RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation
from django.views import defaults

pytestmark = pytest.mark.django_db

PASSWORD = "demo-translation-123"
ROLES = ("demo_truong", "demo_phong", "demo_so", "demo_xa", "demo_admin")
VIETNAMESE = re.compile(
    r"\w*[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]\w*",
    re.IGNORECASE,
)
# The language switch names each language in itself.
ALLOWED = {"Tiếng Việt"}
SKIP_NAMESPACES = {"admin"}  # Django's admin has its own catalogue and is for administrators
# Object pages: which model's rows to try for the URL's integer argument.
OBJECTS = {
    "schools:school_detail": "schools.School",
    "schools:district_detail": "schools.District",
    "schools:export_detail": "schools.ExportJob",
    "schools:export_status": "schools.ExportJob",
    "schools:export_download": "schools.ExportJob",
    "students:detail": "students.Student",
    "students:update": "students.Student",
    "students:import_detail": "schools.ImportBatch",
    "students:import_changes": "schools.ImportBatch",
    "students:import_status": "schools.ImportBatch",
    "students:import_error_file": "schools.ImportBatch",
    "rounds:detail": "rounds.SupportRound",
    "rounds:edit": "rounds.SupportRound",
    "rounds:quotas": "rounds.SupportRound",
    "rounds:split": "rounds.SupportRound",
    "rounds:inbox": "rounds.SupportRound",
    "rounds:deadlines": "rounds.SupportRound",
    "rounds:export": "rounds.SupportRound",
    "rounds:proposal_start": "rounds.SupportRound",
    "rounds:proposal": "rounds.Proposal",
    "rounds:proposal_export": "rounds.Proposal",
    "rounds:proposal_suggest": "rounds.Proposal",
    "rounds:student_history": "students.Student",
    "devices:device_detail": "devices.Device",
    "devices:import_result": "schools.ImportBatch",
    "devices:import_errors": "schools.ImportBatch",
    "devices:transfer_detail": "devices.StockTransfer",
    "devices:transfer_slip": "devices.StockTransfer",
    "devices:allocate": "rounds.ProposalItem",
    "devices:allocation_detail": "devices.Allocation",
    "devices:allocation_pdf": "devices.Allocation",
    "devices:allocation_scan": "devices.Allocation",
    "devices:allocation_handover": "devices.Allocation",
    "devices:allocation_return": "devices.Allocation",
    "devices:subscription_detail": "devices.Subscription",
    "devices:subscription_problem": "devices.Subscription",
    "devices:problem_resolve": "devices.SubscriptionProblem",
    "devices:status_import_result": "schools.ImportBatch",
    "devices:status_import_errors": "schools.ImportBatch",
    "coverage:detail": "coverage.CoveragePoint",
    "coverage:edit": "coverage.CoveragePoint",
    "coverage:signal": "coverage.CoveragePoint",
    "coverage:plan": "coverage.CoveragePoint",
    "coverage:import_detail": "schools.ImportBatch",
    "coverage:import_errors": "schools.ImportBatch",
    "donations:donor_detail": "donations.Donor",
    "donations:donor_edit": "donations.Donor",
    "donations:donor_devices": "donations.Donor",
    "donations:pledge_create": "donations.Donor",
    "donations:pledge_detail": "donations.Pledge",
    "donations:pledge_edit": "donations.Pledge",
    "donations:cash_receipt": "donations.Pledge",
    "donations:inkind_receipt": "donations.Pledge",
    "donations:cash_letter": "donations.CashReceipt",
    "donations:inkind_letter": "donations.InKindReceipt",
    "reports:report_detail": "reports.ProgressReport",
    "reports:report_status": "reports.ProgressReport",
    "reports:outreach_edit": "reports.OutreachActivity",
    "platforms:platform_edit": "platforms.LearningPlatform",
    "platforms:account_add": "students.Student",
    "platforms:account_deactivate": "platforms.PlatformAccount",
}
OTHER_ARGS = {
    "schools:export_start": {"key": "students.registry"},
    "reports:report_download": {"kind": "xlsx"},
    "rounds:proposal_transition": {"name": "submit"},
    "accounts:password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
    "accounts:activate_link": {"pk": 1, "token": "dat-mat-khau"},
}
HTML_PAGE = "text/html"
TAGS = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.DOTALL | re.IGNORECASE)
ATTRIBUTES = re.compile(r'\b(?:title|placeholder|aria-label|alt)="([^"]*)"', re.IGNORECASE)


def url_patterns(patterns=None, namespace=None):
    """(``namespace:name``, names of the URL's arguments) for every named page."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in SKIP_NAMESPACES:
                continue
            yield from url_patterns(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, list(pattern.pattern.converters)


CODE = re.compile(r"<code\b[^>]*>.*?</code>", re.S)


def visible_text(content: str) -> str:
    """What a reader sees: text between tags and the attributes a browser shows. Commands
    and codes (``<code>``) are in neither language, so they are left out."""
    content = CODE.sub(" ", content)
    shown = " ".join(ATTRIBUTES.findall(content))
    return html.unescape(TAGS.sub(" ", content) + " " + shown)


def stored_texts(*, vietnamese_only: bool = True) -> list[str]:
    """Every text value in the database and every object's str(): data, not UI (only those
    with Vietnamese letters, unless asked for all: an operator's name "Zoom Video
    Communications" is data on a Vietnamese page too)."""
    values: set[str] = set()
    for model in apps.get_models():
        text_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]
        json_fields = [
            f.attname for f in model._meta.concrete_fields if isinstance(f, models.JSONField)
        ]
        for row in model._default_manager.all().iterator():
            values.add(str(row))
            values.update(str(getattr(row, name) or "") for name in text_fields)
            for name in json_fields:  # audit changes keep the labels of their day
                values.update(_json_strings(getattr(row, name)))
    # Longest first, so a name is cut out whole before a shorter name inside it.
    kept = (v for v in values if v and (not vietnamese_only or VIETNAMESE.search(v)))
    return sorted(kept, key=len, reverse=True)


@functools.cache
def quoted_in_translations() -> list[str]:
    """Vietnamese the English catalogue keeps on purpose: spreadsheet headings a user must
    type as they are ("Họ và tên (full name)"), place names; cut out like data."""
    fragments: set[str] = set()
    for _msgid, msgstr, _fuzzy in catalogue_entries():
        shown = TAGS.sub(" ", html.unescape(msgstr.replace('\\"', '"')))
        for part in PLACEHOLDER.split(shown):
            if VIETNAMESE.search(part):
                fragments.add(" ".join(part.split()))
    return sorted(fragments, key=len, reverse=True)


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}|\\n")


def _json_strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_json_strings(k), *_json_strings(v))]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _json_strings(item)]
    return []


def vietnamese_words(text: str, data: list[str]) -> set[str]:
    text = " ".join(text.split())
    # Longest first over both lists: a short name cut first could break a quoted sentence.
    for value in sorted([*data, *quoted_in_translations(), *ALLOWED], key=len, reverse=True):
        value = " ".join(value.split())
        if value and value in text:
            text = text.replace(value, " ")
    return set(VIETNAMESE.findall(text))


def urls_to_visit(name: str, arguments: list[str]) -> list[str]:
    if not arguments:
        return [reverse(name)]
    if name in OTHER_ARGS:
        extra = OTHER_ARGS[name]
        if set(extra) == set(arguments):
            return [reverse(name, kwargs=extra)]
        arguments = [a for a in arguments if a not in extra]
    else:
        extra = {}
    model = OBJECTS.get(name)
    if model is None:
        return []
    pks = apps.get_model(model).objects.order_by("pk").values_list("pk", flat=True)[:3]
    return [reverse(name, kwargs={arguments[0]: pk, **extra}) for pk in pks]


def english_client(username: str | None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if username:
        user = get_user_model().objects.get(username=username)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def demo(db):
    with override_settings(DEBUG=True, DEMO_PASSWORD=PASSWORD):
        call_command("seed_demo", stdout=io.StringIO())


@dataclass
class Walk:
    """What ``walk_pages`` saw: the words found, by page and user; the object URLs this
    file cannot fill in that answer GET; how many HTML pages were read."""

    found: dict[str, set[str]] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    visited: int = 0


def walk_pages(
    client_for: Callable[[str | None], Client],
    words_on_page: Callable[[str], set[str]],
    *,
    probe_unmapped: bool,
) -> Walk:
    """Request every page of the URL conf as every demo role and anonymously, through
    ``client_for(username)``, and collect what ``words_on_page`` finds in each HTML page's
    visible text. With ``probe_unmapped``, an object URL missing from OBJECTS/OTHER_ARGS
    must be a POST-only action (405), else its name is listed."""
    walk = Walk()
    for name, arguments in url_patterns():
        if name == "set_language" or name.endswith(":logout"):
            continue
        if arguments and name not in OBJECTS and name not in OTHER_ARGS:
            # POST-only actions answer 405 before they look anything up.
            if probe_unmapped:
                probe = reverse(name, kwargs=dict.fromkeys(arguments, 999999))
                if english_client("demo_admin").get(probe).status_code != 405:
                    walk.unmapped.append(name)
            continue
        for username in (None, *ROLES):
            client = client_for(username)
            for url in urls_to_visit(name, arguments):
                response = client.get(url)
                if not response.get("Content-Type", "").startswith(HTML_PAGE):
                    continue
                if getattr(response, "streaming", False):
                    continue
                walk.visited += 1
                words = words_on_page(visible_text(response.content.decode()))
                if words:
                    walk.found.setdefault(f"{url} ({username or 'anonymous'})", set()).update(words)
    return walk


def test_every_page_in_english_shows_no_vietnamese_outside_data(demo):
    data = stored_texts()
    walk = walk_pages(
        english_client, lambda text: vietnamese_words(text, data), probe_unmapped=True
    )
    assert walk.unmapped == [], "add these URLs to OBJECTS or OTHER_ARGS"
    assert walk.visited > 150
    report = "\n".join(f"{page}: {' '.join(sorted(words))}" for page, words in walk.found.items())
    assert walk.found == {}, "Vietnamese on English pages:\n" + report


def test_not_found_page_in_english(demo):
    for username in (None, "demo_truong"):
        response = english_client(username).get("/khong-co-trang-nay/")
        assert response.status_code == 404
        text = visible_text(response.content.decode())
        assert vietnamese_words(text, stored_texts()) == set()


@pytest.mark.parametrize(
    ("view", "status"), [(defaults.permission_denied, 403), (defaults.server_error, 500)]
)
def test_error_pages_in_english(db, view, status):
    request = RequestFactory().get("/loi/")
    request.user = AnonymousUser()
    with translation.override("en"):
        response = view(request) if status == 500 else view(request, PermissionDenied())
    assert response.status_code == status
    assert vietnamese_words(visible_text(response.content.decode()), []) == set()


@functools.cache
def catalogue_entries() -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of every entry in the project's English catalogue."""
    text = (Path(settings.BASE_DIR) / "locale/en/LC_MESSAGES/django.po").read_text()
    entries = []
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        msgid = "".join(_strings(lines, "msgid ") or [])
        msgstrs = [_strings(lines, key) for key in ("msgstr ", "msgstr[0] ", "msgstr[1] ")]
        if msgid:
            entries.extend((msgid, "".join(s), fuzzy) for s in msgstrs if s is not None)
    return entries


def _strings(lines: list[str], key: str) -> list[str] | None:
    out: list[str] | None = None
    for line in lines:
        if line.startswith(key):
            out = [line[len(key) :].strip()[1:-1]]
        elif out is not None and line.startswith('"'):
            out.append(line[1:-1])
        elif out is not None:
            break
    return out


def test_every_catalogue_entry_is_translated_and_not_fuzzy():
    entries = catalogue_entries()
    assert len(entries) > 500
    untranslated = [msgid for msgid, msgstr, _fuzzy in entries if not msgstr]
    fuzzy = [msgid for msgid, _msgstr, is_fuzzy in entries if is_fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_vietnamese_pages_use_the_portals_words_not_djangos_english():
    """Django's own messages on a Vietnamese form come from Django's Vietnamese catalogue."""
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "", "password": ""})
    text = visible_text(response.content.decode())
    assert "This field is required" not in text
    assert "Trường này là bắt buộc" in text
