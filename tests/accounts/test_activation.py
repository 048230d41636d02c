"""Accounts created without a password: activation by e-mailed link or printed code."""

import datetime as dt
import re
import shutil
import subprocess

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from accounts.models import Activation, AuditEvent, User
from accounts.selectors import find_role
from accounts.services import create_user, print_activation_codes
from tests.accounts.factories import UserFactory, role
from tests.schools.factories import DistrictFactory, ProvinceFactory, SchoolFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
GOOD_PASSWORD = "Bao-Yen-tan-tien-2026"


def _new_account(school, capture, *, email="gv.moi@example.vn", username="gv_moi"):
    with capture(execute=True):
        return create_user(
            actor=None,
            username=username,
            role=find_role("school"),
            unit_code=school.code,
            email=email,
        )


def _link(message) -> str:
    match = re.search(r"https?://\S+/kich-hoat/\d+/\w+/", message.body)
    assert match, message.body
    return match.group(0)


def _actions(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(user.pk), action__startswith="activation.")
        .order_by("pk")
        .values_list("action", flat=True)
    )


@override_settings(SITE_URL="https://congthongtin.laocai.example.vn")
def test_new_account_gets_an_absolute_one_time_link(
    client, school, django_capture_on_commit_callbacks
):
    with time_machine.travel(START, tick=False):
        user = _new_account(school, django_capture_on_commit_callbacks)
        assert not user.has_usable_password()
        [message] = mail.outbox
        assert message.to == ["gv.moi@example.vn"]
        link = _link(message)
        assert link.startswith("https://congthongtin.laocai.example.vn/kich-hoat/")
        path = link.removeprefix("https://congthongtin.laocai.example.vn")

        response = client.get(path)
        # The token leaves the address bar before the form is shown.
        assert response.status_code == 302 and "dat-mat-khau" in response["Location"]
        form_url = response["Location"]
        assert client.get(form_url).status_code == 200
        response = client.post(
            form_url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD}
        )
        assert response.status_code == 302 and response["Location"] == reverse("accounts:login")

    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)
    activation = Activation.objects.get(user=user)
    assert activation.status == Activation.Status.USED
    assert activation.expires_at == START + dt.timedelta(days=7)
    assert _actions(user) == ["activation.issued", "activation.used"]
    used = AuditEvent.objects.get(action="activation.used")
    assert used.actor == user

    # Single use: the same link again is refused and changes nothing.
    client.cookies.clear()
    response = client.get(path, follow=True)
    assert response.status_code == 404
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)


def test_link_expires_after_the_activation_days(client, school, django_capture_on_commit_callbacks):
    with time_machine.travel(START, tick=False):
        user = _new_account(school, django_capture_on_commit_callbacks)
        path = re.sub(r"^https?://[^/]+", "", _link(mail.outbox[0]))
    with time_machine.travel(START + dt.timedelta(days=7, seconds=1), tick=False):
        response = client.get(path, follow=True)
    assert response.status_code == 404
    assert "hết hạn" in response.content.decode()
    assert Activation.objects.get(user=user).status == Activation.Status.EXPIRED
    assert _actions(user) == ["activation.issued", "activation.expired"]
    user.refresh_from_db()
    assert not user.has_usable_password()


@override_settings(ACTIVATION_DAYS=2)
def test_activation_days_is_a_setting(client, school, django_capture_on_commit_callbacks):
    with time_machine.travel(START, tick=False):
        user = _new_account(school, django_capture_on_commit_callbacks)
    assert Activation.objects.get(user=user).expires_at == START + dt.timedelta(days=2)


def test_a_weak_password_is_refused_and_the_link_stays_usable(
    client, school, django_capture_on_commit_callbacks
):
    user = _new_account(school, django_capture_on_commit_callbacks)
    path = re.sub(r"^https?://[^/]+", "", _link(mail.outbox[0]))
    form_url = client.get(path)["Location"]
    response = client.post(form_url, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    assert "Mật khẩu quá ngắn: cần ít nhất 12 ký tự." in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert Activation.objects.get(user=user).status == Activation.Status.PENDING


def test_forgotten_password_of_a_never_activated_account_sends_a_new_activation(
    client, school, django_capture_on_commit_callbacks
):
    user = _new_account(school, django_capture_on_commit_callbacks)
    first_path = re.sub(r"^https?://[^/]+", "", _link(mail.outbox[0]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "GV.MOI@example.vn"})
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    assert "Kích hoạt tài khoản gv_moi" in mail.outbox[1].subject
    # The earlier link was replaced by the new one.
    assert client.get(first_path, follow=True).status_code == 404
    assert _actions(user) == ["activation.issued", "activation.replaced", "activation.issued"]
    new_path = re.sub(r"^https?://[^/]+", "", _link(mail.outbox[1]))
    form_url = client.get(new_path)["Location"]
    client.post(form_url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)


def test_forgotten_password_of_an_active_account_is_the_usual_reset(
    client, school_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": school_staff.email})
    [message] = mail.outbox
    assert "/mat-khau/dat-lai/" in message.body
    assert not Activation.objects.exists()


def test_account_without_email_gets_no_mail_and_waits_for_a_sheet(
    school, django_capture_on_commit_callbacks
):
    user = _new_account(school, django_capture_on_commit_callbacks, email="")
    assert mail.outbox == [] and not Activation.objects.filter(user=user).exists()


def _code_for(actor, user):
    [(_user, code, _expires)] = print_activation_codes(actor=actor, users=[user])
    return code


def _post_code(client, username, code, password=GOOD_PASSWORD):
    return client.post(
        reverse("accounts:activate"),
        {"username": username, "code": code, "new_password1": password, "new_password2": password},
    )


def test_printed_code_activates_once(
    client, school, admin_user, django_capture_on_commit_callbacks
):
    user = _new_account(school, django_capture_on_commit_callbacks, email="")
    code = _code_for(admin_user, user)
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code)
    assert code not in str(Activation.objects.get(user=user).code_hash)
    # Typed in lower case, without the dash, with the username in capitals.
    response = _post_code(client, "GV_MOI", code.lower().replace("-", " "))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)
    assert _actions(user) == ["activation.issued", "activation.used"]
    response = _post_code(client, "gv_moi", code, "Mot-mat-khau-khac-2026")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mã kích hoạt không đúng." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)


def test_printed_code_locks_after_wrong_attempts(
    client, school, admin_user, django_capture_on_commit_callbacks
):
    user = _new_account(school, django_capture_on_commit_callbacks, email="")
    code = _code_for(admin_user, user)
    for _ in range(5):
        response = _post_code(client, "gv_moi", "AAAAA-AAAAA")
        assert "Tên đăng nhập hoặc mã kích hoạt không đúng." in response.content.decode()
    assert Activation.objects.get(user=user).status == Activation.Status.LOCKED
    _post_code(client, "gv_moi", code)
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert _actions(user) == ["activation.issued", "activation.locked"]


def test_printed_code_expires(client, school, admin_user, django_capture_on_commit_callbacks):
    user = _new_account(school, django_capture_on_commit_callbacks, email="")
    with time_machine.travel(START, tick=False):
        code = _code_for(admin_user, user)
    with time_machine.travel(START + dt.timedelta(days=8), tick=False):
        response = _post_code(client, "gv_moi", code)
    assert "Mã kích hoạt đã hết hạn" in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert Activation.objects.get(user=user).status == Activation.Status.EXPIRED


def test_unknown_username_gets_the_same_answer(client, db):
    response = _post_code(client, "khong_co", "AAAAA-AAAAA")
    assert "Tên đăng nhập hoặc mã kích hoạt không đúng." in response.content.decode()


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(content)
    return subprocess.run(  # noqa: S603 - a fixed tool on a file the test wrote
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_province_prints_codes_for_its_schools_only(
    client_for, school, province_official, tmp_path, django_capture_on_commit_callbacks
):
    waiting = _new_account(school, django_capture_on_commit_callbacks, email="", username="gv_a")
    _new_account(school, django_capture_on_commit_callbacks, email="x@example.vn", username="gv_b")
    activated = UserFactory(username="gv_c", role=role("school_staff"), school=school)
    elsewhere = SchoolFactory(
        commune__district=DistrictFactory(province=ProvinceFactory(code="15"))
    )
    UserFactory(
        username="gv_khac", role=role("school_staff"), school=elsewhere
    ).set_unusable_password()
    User.objects.filter(username="gv_khac").update(password="!x")

    client = client_for(province_official)
    url = reverse("accounts:activation_sheet")
    page = client.get(url).content.decode()
    assert "gv_a" in page and "gv_b" in page
    assert activated.username not in page and "gv_khac" not in page

    response = client.post(url, {"district": "", "school": school.code})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content, tmp_path)
    (tmp_path / "keep.pdf").write_bytes(response.content)
    assert "PHIẾU MÃ KÍCH HOẠT TÀI KHOẢN" in text
    assert "gv_a" in text and "gv_b" in text and "gv_khac" not in text
    codes = re.findall(r"[A-Z2-9]{5}-[A-Z2-9]{5}", text)
    assert len(codes) == 2
    by_user = {line.split()[-3]: line.split()[-2] for line in text.splitlines() if "gv_" in line}
    client.logout()
    assert _post_code(client, "gv_a", by_user["gv_a"]).status_code == 302
    waiting.refresh_from_db()
    assert waiting.check_password(GOOD_PASSWORD)
    # The e-mailed link of gv_b was replaced by the printed code.
    assert Activation.objects.get(user__username="gv_b", status="replaced").channel == "email"


@pytest.mark.parametrize("who", ["school_staff", "district_officer"])
def test_sheet_is_refused_below_the_province(request, client_for, who):
    user = request.getfixturevalue(who)
    assert client_for(user).get(reverse("accounts:activation_sheet")).status_code == 404


def test_sheet_needs_login(client, db):
    response = client.get(reverse("accounts:activation_sheet"))
    assert response.status_code == 302 and "dang-nhap" in response["Location"]
