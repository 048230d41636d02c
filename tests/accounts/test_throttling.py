import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR="10.0.0.5",
    )


def test_sixth_attempt_is_refused_even_with_the_right_password(client, school_staff):
    for _ in range(4):
        response = login(client, "truong", "wrong-password")
        assert response.status_code == 200
        assert "không đúng" in response.content.decode()
    # The fifth failure locks the account.
    assert login(client, "truong", "wrong-password").status_code == 429
    response = login(client, "truong", "secret-pass-123")
    assert response.status_code == 429
    assert "tạm khóa" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_right_password_before_the_limit_logs_in(client, school_staff):
    login(client, "truong", "wrong-password")
    response = login(client, "truong", "secret-pass-123")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(school_staff.pk)


def login_from(client, username, password, *, remote="10.0.0.5", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, **extra
    )


def test_one_account_guessed_from_many_addresses_is_locked(client, school_staff):
    for n in range(5):
        login_from(client, "truong", "wrong-password", remote=f"10.0.1.{n}")
    response = login_from(client, "truong", "secret-pass-123", remote="10.0.1.99")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_many_accounts_guessed_from_one_address_are_blocked(client, school_staff):
    # 20 failures spread over 10 accounts, two each: no account reaches its limit of 5 ...
    for n in range(10):
        for _ in range(2):
            login_from(client, f"doan_{n}", "wrong-password", remote="10.0.2.7")
    # ... but the address has: even a right password from it is refused now.
    response = login_from(client, "truong", "secret-pass-123", remote="10.0.2.7")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # The same account from another address still logs in.
    assert login_from(client, "truong", "secret-pass-123", remote="10.0.2.8").status_code == 302


def test_an_address_below_its_limit_is_not_blocked(client, school_staff):
    for n in range(19):
        login_from(client, f"doan_{n}", "wrong-password", remote="10.0.2.9")
    assert login_from(client, "truong", "secret-pass-123", remote="10.0.2.9").status_code == 302


def test_forwarded_for_is_ignored_without_a_trusted_proxy(client, school_staff, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    # A guesser rotating a forged X-Forwarded-For is still one address.
    for n in range(20):
        login_from(client, f"doan_{n}", "wrong-password", forwarded=f"203.0.113.{n}")
    response = login_from(client, "truong", "secret-pass-123", forwarded="203.0.113.200")
    assert response.status_code == 429


def test_behind_a_trusted_proxy_clients_are_told_apart(client, school_staff, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # Everyone reaches the portal from the proxy's address (127.0.0.1).
    for n in range(20):
        login_from(
            client, f"doan_{n}", "wrong-password", remote="127.0.0.1", forwarded="198.51.100.1"
        )
    blocked = login_from(
        client, "truong", "secret-pass-123", remote="127.0.0.1", forwarded="198.51.100.1"
    )
    assert blocked.status_code == 429
    # A forged entry in front of the proxy's own does not help the guesser ...
    forged = login_from(
        client,
        "truong",
        "secret-pass-123",
        remote="127.0.0.1",
        forwarded="198.51.100.77, 198.51.100.1",
    )
    assert forged.status_code == 429
    # ... and another school behind the same proxy is not blocked.
    other = login_from(
        client, "truong", "secret-pass-123", remote="127.0.0.1", forwarded="198.51.100.2"
    )
    assert other.status_code == 302


def test_logging_in_to_ones_own_account_does_not_clear_the_address(client, school_staff):
    # The guesser owns "truong": 19 failures on other accounts, then a good login of their own.
    for n in range(19):
        login_from(client, f"doan_{n}", "wrong-password", remote="10.0.3.3")
    assert login_from(client, "truong", "secret-pass-123", remote="10.0.3.3").status_code == 302
    client.logout()
    # The count of the address survived: the 20th failure locks it.
    login_from(client, "doan_x", "wrong-password", remote="10.0.3.3")
    assert login_from(client, "truong", "secret-pass-123", remote="10.0.3.3").status_code == 429


def reset(client, email, remote="10.0.4.4"):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=remote)


def test_password_reset_is_throttled_per_account(client, school_staff, mailoutbox):
    for n in range(3):
        assert reset(client, school_staff.email, remote=f"10.0.5.{n}").status_code == 302
    response = reset(client, school_staff.email, remote="10.0.5.50")
    assert response.status_code == 429
    assert "quá nhiều yêu cầu đặt lại mật khẩu" in response.content.decode()
    assert len(mailoutbox) == 3


def test_password_reset_is_throttled_per_address(client, school_staff, mailoutbox):
    for n in range(10):
        assert reset(client, f"nguoi{n}@example.vn").status_code == 302
    response = reset(client, school_staff.email)
    assert response.status_code == 429
    assert mailoutbox == []
    assert reset(client, school_staff.email, remote="10.0.4.5").status_code == 302
    assert len(mailoutbox) == 1
