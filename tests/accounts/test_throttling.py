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
