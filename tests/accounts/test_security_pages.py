"""Content-Security-Policy without inline script, and the portal's own error pages."""

from html.parser import HTMLParser

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db


class InlineScriptFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        for name, _value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
        if tag == "script":
            kind = names.get("type", "text/javascript")
            self._in_script = "src" not in names and kind != "application/json"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"<script>{data.strip()[:40]}")


def inline_script(html: str) -> list[str]:
    finder = InlineScriptFinder()
    finder.feed(html)
    return finder.problems


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_carry_a_policy_that_forbids_inline_script(client):
    response = client.get(reverse("accounts:login"))
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in directives["script-src"]


def test_map_tiles_are_allowed_as_images(client):
    directives = policy(client.get(reverse("accounts:login")))
    assert "https://tile.openstreetmap.org" in directives["img-src"]


def test_portal_pages_have_no_inline_script_or_event_handlers(client_for, school_staff, school):
    student = StudentFactory(school=school)
    client = client_for(school_staff)
    urls = [
        reverse("accounts:home"),
        reverse("students:list"),
        reverse("students:detail", args=[student.pk]),
        reverse("coverage:map"),
        reverse("accounts:password_change"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert inline_script(response.content.decode()) == [], url


def test_login_and_enrolment_pages_have_no_inline_script(client, province_official, settings):
    assert inline_script(client.get(reverse("accounts:login")).content.decode()) == []
    settings.OTP_REQUIRED_FOR = ["provincial"]
    client.post(reverse("accounts:login"), {"username": "so", "password": "secret-pass-123"})
    response = client.get(reverse("accounts:otp_enrol"))
    assert response.status_code == 200
    assert inline_script(response.content.decode()) == []


def test_unknown_page_answers_a_vietnamese_404_in_the_portal_layout(client_for, school_staff):
    response = client_for(school_staff).get("/khong-co-trang-nay/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Không tìm thấy trang" in body
    assert 'class="topbar"' in body
    assert "Về trang chủ" in body


def test_permission_denied_answers_a_vietnamese_403(client_for, school_staff):
    # A staff user without permission on a model is refused by the admin with 403.
    school_staff.is_staff = True
    school_staff.save()
    response = client_for(school_staff).get("/quan-tri/accounts/user/")
    body = response.content.decode()
    assert response.status_code == 403
    assert "Không có quyền truy cập" in body
    assert 'class="topbar"' in body


def test_server_error_page_renders_without_a_request_context(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = server_error(request)
    body = response.content.decode()
    assert response.status_code == 500
    assert "Lỗi hệ thống" in body
    assert "Sóng và máy tính cho em" in body
    assert "/static/css/portal.css" in body
