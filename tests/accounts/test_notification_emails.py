"""Notification e-mails: absolute links on SITE_URL, subjects cut between words; the check."""

import pytest
from django.core import mail
from django.core.checks import run_checks
from django.test import override_settings

from accounts.checks import check_site_url
from accounts.services import email_notifications, notify
from kernel.links import absolute_url, cut_at_word

pytestmark = pytest.mark.django_db

LONG_SCHOOL = "Trường Phổ thông Dân tộc Bán trú Tiểu học và Trung học cơ sở Nậm Chầy huyện Văn Bàn"


@override_settings(SITE_URL="https://songmaytinh.laocai.gov.vn/")
def test_email_links_are_absolute_on_site_url(school_staff):
    (note,) = notify(
        recipients=[school_staff], verb="round.school_quotas", message="Có chỉ tiêu mới",
        url="/dot-ho-tro/7/", email=False,
    )  # fmt: skip
    assert email_notifications([note.pk]) == 1
    (sent,) = mail.outbox
    assert "https://songmaytinh.laocai.gov.vn/dot-ho-tro/7/" in sent.body
    assert "\n/dot-ho-tro/7/" not in sent.body
    assert sent.body.startswith("Có chỉ tiêu mới\n")


def test_long_vietnamese_subject_is_cut_between_words_with_an_ellipsis(school_staff):
    message = f"Phòng GD&ĐT đã giao chỉ tiêu cho {LONG_SCHOOL} trong đợt “Đợt 1 năm học 2021-2022”"
    (note,) = notify(recipients=[school_staff], verb="x", message=message, email=False)
    email_notifications([note.pk])
    subject = mail.outbox[0].subject
    tag = "[Sóng và máy tính cho em] "
    assert subject.startswith(tag) and subject.endswith("…")
    kept = subject[len(tag) : -1]
    assert len(kept) + 1 <= 80
    # Only whole words: what is kept is the message up to a space.
    assert message.startswith(kept) and message[len(kept)] == " "
    assert kept == "Phòng GD&ĐT đã giao chỉ tiêu cho Trường Phổ thông Dân tộc Bán trú Tiểu học và"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Trường PTDTBT THCS Tân Tiến", 80, "Trường PTDTBT THCS Tân Tiến"),
        ("Trường PTDTBT THCS Tân Tiến", 20, "Trường PTDTBT THCS…"),
        ("Nghĩa Đô, Bảo Yên", 12, "Nghĩa Đô…"),  # the comma before the cut goes too
        ("Trường\nTH   Nậm Xé", 80, "Trường TH Nậm Xé"),
        ("Ngườiđặtmộttừrấtdàikhôngcódấucách", 10, "Ngườiđặtm…"),
        ("Tân Tiến", 9, "Tân Tiến"),
    ],
)
def test_cut_at_word(text, limit, expected):
    assert cut_at_word(text, limit) == expected
    assert len(cut_at_word(text, limit)) <= limit


@override_settings(SITE_URL="https://portal.example.vn")
def test_absolute_url_keeps_absolute_and_empty_links():
    assert absolute_url("/a/b/") == "https://portal.example.vn/a/b/"
    assert absolute_url("http://elsewhere/x") == "http://elsewhere/x"
    assert absolute_url("") == ""


@pytest.mark.parametrize(
    ("site_url", "debug", "ids"),
    [
        ("http://127.0.0.1:8000", False, ["accounts.W002"]),
        ("http://127.0.0.1:8000/", False, ["accounts.W002"]),
        ("http://127.0.0.1:8000", True, []),
        ("https://songmaytinh.laocai.gov.vn", False, []),
        ("ftp://songmaytinh.laocai.gov.vn", True, ["accounts.W001"]),
        ("songmaytinh.laocai.gov.vn", False, ["accounts.W001"]),
        ("", False, ["accounts.W001"]),
    ],
)
def test_site_url_check(site_url, debug, ids):
    with override_settings(SITE_URL=site_url, DEBUG=debug):
        assert [m.id for m in check_site_url()] == ids


def test_site_url_check_is_registered():
    with override_settings(SITE_URL="mailto:x@example.vn"):
        assert "accounts.W001" in [m.id for m in run_checks()]
