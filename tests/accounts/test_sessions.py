import datetime as dt

import pytest
import time_machine
from django.urls import reverse

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 7, 30, tzinfo=dt.UTC)


def log_in(client):
    response = client.post(
        reverse("accounts:login"), {"username": "truong", "password": "secret-pass-123"}
    )
    assert response.status_code == 302


def test_a_session_idle_longer_than_the_timeout_is_logged_out(client, school_staff, settings):
    settings.SESSION_IDLE_TIMEOUT = 30
    with time_machine.travel(START, tick=False) as clock:
        log_in(client)
        assert client.get(reverse("accounts:home")).status_code == 200
        clock.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("accounts:home")).status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get(reverse("accounts:home"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
    assert "không hoạt động quá 30 phút" in response.content.decode()


def test_activity_keeps_a_session_alive_until_its_maximum_age(client, school_staff, settings):
    settings.SESSION_IDLE_TIMEOUT = 30
    settings.SESSION_MAX_AGE = 12
    with time_machine.travel(START, tick=False) as clock:
        log_in(client)
        for _ in range(12 * 3):  # a request every 20 minutes for 12 hours
            clock.shift(dt.timedelta(minutes=20))
            assert client.get(reverse("accounts:home")).status_code == 200
        clock.shift(dt.timedelta(minutes=20))
        response = client.get(reverse("accounts:home"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
    assert "quá 12 giờ" in response.content.decode()


def test_the_session_cookie_lasts_no_longer_than_the_maximum_age(client, school_staff):
    response = client.post(
        reverse("accounts:login"), {"username": "truong", "password": "secret-pass-123"}
    )
    assert response.cookies["sessionid"]["max-age"] == 12 * 3600


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ng4y-m0i-x1", "Mật khẩu quá ngắn: cần ít nhất 12 ký tự"),
        ("password1234", "quá phổ biến"),
    ],
)
def test_weak_new_passwords_are_refused(client, school_staff, password, message):
    log_in(client)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "secret-pass-123", "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    school_staff.refresh_from_db()
    assert school_staff.check_password("secret-pass-123")


def test_a_twelve_character_password_is_accepted(client, school_staff):
    log_in(client)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "secret-pass-123",
            "new_password1": "Bao-Yen-2026x",
            "new_password2": "Bao-Yen-2026x",
        },
    )
    assert response.status_code == 302
    school_staff.refresh_from_db()
    assert school_staff.check_password("Bao-Yen-2026x")
