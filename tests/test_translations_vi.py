"""Every page in Vietnamese shows no English UI words outside data (the reverse of
``test_translations``).

English words are the words of the English catalogue's translations that no Vietnamese
source string uses (so "Excel", "PDF", "IMEI", "SIM" count as both), plus the words of
Django's own English time strings and form errors. Each page of the URL conf is requested
as every demo role and anonymously in Vietnamese (the default); stored data is cut out
first, as in the English test.
"""

from __future__ import annotations

import functools
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.utils import translation
from django.views import defaults

from tests.test_translations import (
    catalogue_entries,
    demo,  # noqa: F401 - the fixture that seeds the demo data
    stored_texts,
    visible_text,
    walk_pages,
)

pytestmark = pytest.mark.django_db

WORD = re.compile(r"\b[A-Za-z]{4,}\b")
# Django's English the portal could leak: time strings (timesince) and form errors.
DJANGO_ENGLISH = {
    *("minute", "minutes", "hour", "hours", "week", "weeks", "month", "months", "year"),
    *("years", "days", "This", "field", "required", "Enter", "valid", "Ensure", "characters"),
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{?\s*\w+\s*\}?\}|\\n|&\w+;")


@functools.cache
def english_words() -> frozenset[str]:
    source: set[str] = set()
    translated: set[str] = set()
    for msgid, msgstr, _fuzzy in catalogue_entries():
        source.update(w.lower() for w in WORD.findall(PLACEHOLDER.sub(" ", msgid)))
        translated.update(w.lower() for w in WORD.findall(PLACEHOLDER.sub(" ", msgstr)))
    return frozenset((translated | {w.lower() for w in DJANGO_ENGLISH}) - source)


def english_on_page(text: str, data: list[str]) -> set[str]:
    text = " ".join(text.split())
    for value in data:
        value = " ".join(value.split())
        if value and value in text:
            text = text.replace(value, " ")
    return {w for w in WORD.findall(text) if w.lower() in english_words()}


def vietnamese_client(username: str | None) -> Client:
    client = Client()
    if username:
        user = get_user_model().objects.get(username=username)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_the_word_list_knows_english_and_spares_shared_words():
    words = english_words()
    assert {"pupil", "minutes", "generating", "household"} <= words
    assert "excel" not in words  # "Xuất Excel": the same word in both languages


def test_every_page_in_vietnamese_shows_no_english_outside_data(demo):  # noqa: F811
    data = stored_texts(vietnamese_only=False)
    # POST-only actions are skipped (the English test checks they are).
    walk = walk_pages(
        vietnamese_client, lambda text: english_on_page(text, data), probe_unmapped=False
    )
    assert walk.visited > 150
    report = "\n".join(f"{page}: {' '.join(sorted(words))}" for page, words in walk.found.items())
    assert walk.found == {}, "English on Vietnamese pages:\n" + report


def test_not_found_page_in_vietnamese(demo):  # noqa: F811
    for username in (None, "demo_truong"):
        response = vietnamese_client(username).get("/khong-co-trang-nay/")
        assert response.status_code == 404
        text = visible_text(response.content.decode())
        assert "Không tìm thấy trang" in text
        assert english_on_page(text, stored_texts()) == set()


@pytest.mark.parametrize(
    ("view", "status"), [(defaults.permission_denied, 403), (defaults.server_error, 500)]
)
def test_error_pages_in_vietnamese(db, view, status):
    request = RequestFactory().get("/loi/")
    request.user = AnonymousUser()
    with translation.override("vi"):
        response = view(request) if status == 500 else view(request, PermissionDenied())
    assert response.status_code == status
    assert english_on_page(visible_text(response.content.decode()), []) == set()


def test_time_since_is_vietnamese_in_the_inbox_words():
    import datetime as dt

    from django.utils import timezone
    from django.utils.timesince import timesince

    with translation.override("vi"):
        assert timesince(timezone.now() - dt.timedelta(minutes=28)) == "28\xa0phút"
    with translation.override("en"):
        assert timesince(timezone.now() - dt.timedelta(minutes=28)) == "28\xa0minutes"
