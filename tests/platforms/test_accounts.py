"""Pupils' platform accounts: recorded by the pupil's school (a login, never a password),
deactivated with a reason, audited, read by the district and the province, 404 elsewhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from platforms.models import PlatformAccount
from tests.devices.factories import StudentFactory
from tests.platforms.factories import LearningPlatformFactory, PlatformAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupil(school):
    return StudentFactory(school=school, full_name="Giàng Thị Mai")


@pytest.fixture
def olm(db):
    return LearningPlatformFactory()


def _post(client, pupil, **data):
    fields = {"platform": "", "login_name": "", "set_up_on": "2021-10-05", **data}
    return client.post(reverse("platforms:account_add", args=[pupil.pk]), fields)


def test_school_staff_records_an_account_with_every_field_and_an_audit_row(
    client_for, school_staff, pupil, olm
):
    response = _post(client_for(school_staff), pupil, platform=olm.pk, login_name=" mai.giang ")
    assert response.status_code == 302
    account = PlatformAccount.objects.get()
    assert (account.student, account.platform, account.login_name) == (pupil, olm, "mai.giang")
    assert account.set_up_on == dt.date(2021, 10, 5)
    assert account.set_up_by == school_staff and account.is_active
    event = AuditEvent.objects.get(action="platform_account.create")
    assert event.actor == school_staff and event.object_id == str(account.pk)
    assert event.changes["login_name"] == [None, "mai.giang"]
    assert event.changes["platform"] == [None, olm.pk]


@pytest.mark.parametrize(
    "extra",
    [
        {"password": "123456"},
        {"mat_khau": "abc"},
        {"login_password": "x"},
        {"pwd": "x"},
    ],
)
def test_a_posted_password_field_is_refused_and_nothing_is_written(
    client_for, school_staff, pupil, olm, extra
):
    response = _post(client_for(school_staff), pupil, platform=olm.pk, login_name="mai", **extra)
    assert response.status_code == 400
    page = response.content.decode()
    assert "không lưu mật khẩu" in page
    assert f'value="{list(extra.values())[0]}"' not in page  # never echoed back
    assert not PlatformAccount.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="platform_account").exists()


@pytest.mark.parametrize(
    "login", ["mai mk: 123456", "mai/password", "mật khẩu 1234", "mai pass", "ab", "mai;drop"]
)
def test_a_login_that_spells_a_password_or_is_malformed_is_refused(
    client_for, school_staff, pupil, olm, login
):
    response = _post(client_for(school_staff), pupil, platform=olm.pk, login_name=login)
    assert response.status_code == 400
    assert "Tên đăng nhập" in response.content.decode()
    assert not PlatformAccount.objects.exists()


def test_the_form_has_no_password_input(client_for, school_staff, pupil, olm):
    page = client_for(school_staff).get(reverse("platforms:account_add", args=[pupil.pk]))
    html = page.content.decode()
    assert 'type="password"' not in html and 'name="login_name"' in html


def test_a_future_date_is_refused_naming_the_field(client_for, school_staff, pupil, olm):
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    response = _post(
        client_for(school_staff), pupil, platform=olm.pk, login_name="mai", set_up_on=tomorrow
    )
    assert "Ngày tạo tài khoản không được sau hôm nay" in response.content.decode()
    assert not PlatformAccount.objects.exists()


def test_a_login_of_another_pupil_on_the_same_platform_is_refused(
    client_for, school_staff, pupil, olm, school
):
    PlatformAccountFactory(
        student=StudentFactory(school=school),
        platform=olm,
        login_name="Mai",
        set_up_by=school_staff,
    )
    response = _post(client_for(school_staff), pupil, platform=olm.pk, login_name="mai")
    assert "đã là của học sinh khác" in response.content.decode()
    assert PlatformAccount.objects.filter(student=pupil).count() == 0


def test_a_second_working_account_on_one_platform_is_refused(client_for, school_staff, pupil, olm):
    PlatformAccountFactory(student=pupil, platform=olm, login_name="mai1", set_up_by=school_staff)
    response = _post(client_for(school_staff), pupil, platform=olm.pk, login_name="mai2")
    assert "đã có tài khoản đang dùng" in response.content.decode()
    assert PlatformAccount.objects.filter(student=pupil).count() == 1


def test_deactivating_keeps_the_row_dated_with_reason_and_audit(
    client_for, school_staff, pupil, olm
):
    account = PlatformAccountFactory(student=pupil, platform=olm, set_up_by=school_staff)
    client = client_for(school_staff)
    url = reverse("platforms:account_deactivate", args=[account.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"reason": "Học sinh chuyển nền tảng"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert not account.is_active and account.deactivated_on == dt.date.today()
    assert account.deactivated_by == school_staff
    assert account.deactivation_reason == "Học sinh chuyển nền tảng"
    event = AuditEvent.objects.get(action="platform_account.deactivate")
    assert event.reason == "Học sinh chuyển nền tảng" and event.changes == {
        "is_active": [True, False]
    }
    # A new account on the same platform may follow.
    assert _post(client, pupil, platform=olm.pk, login_name="mai.moi").status_code == 302


def test_deactivating_needs_a_reason(client_for, school_staff, pupil, olm):
    account = PlatformAccountFactory(student=pupil, platform=olm, set_up_by=school_staff)
    client_for(school_staff).post(
        reverse("platforms:account_deactivate", args=[account.pk]), {"reason": " "}
    )
    account.refresh_from_db()
    assert account.is_active


def test_district_and_province_read_the_accounts_on_the_pupil_page_but_cannot_write(
    client_for, school_staff, district_officer, province_official, pupil, olm
):
    account = PlatformAccountFactory(
        student=pupil, platform=olm, login_name="mai.olm", set_up_by=school_staff
    )
    for user in (district_officer, province_official):
        client = client_for(user)
        page = client.get(reverse("students:detail", args=[pupil.pk])).content.decode()
        assert "mai.olm" in page
        assert reverse("platforms:account_add", args=[pupil.pk]) not in page
        assert client.get(reverse("platforms:account_add", args=[pupil.pk])).status_code == 404
        url = reverse("platforms:account_deactivate", args=[account.pk])
        assert client.post(url, {"reason": "x"}).status_code == 404
    account.refresh_from_db()
    assert account.is_active


def test_other_school_anonymous_and_outsider_get_404_or_login(
    client, client_for, other_school_staff, far_school_staff, outsider, pupil, olm, school_staff
):
    account = PlatformAccountFactory(student=pupil, platform=olm, set_up_by=school_staff)
    add = reverse("platforms:account_add", args=[pupil.pk])
    deactivate = reverse("platforms:account_deactivate", args=[account.pk])
    assert client.get(add).status_code == 302  # to the login page
    for user in (other_school_staff, far_school_staff, outsider):
        c = client_for(user)
        assert c.get(add).status_code == 404
        assert c.post(add, {"platform": olm.pk, "login_name": "x.y.z"}).status_code == 404
        assert c.post(deactivate, {"reason": "x"}).status_code == 404
    assert PlatformAccount.objects.count() == 1


def test_an_inactive_platform_is_not_offered(client_for, school_staff, pupil):
    LearningPlatformFactory(name="Zoom cũ", is_active=False)
    page = client_for(school_staff).get(reverse("platforms:account_add", args=[pupil.pk]))
    assert "Zoom cũ" not in page.content.decode()


def test_merging_moves_accounts_and_refuses_two_on_one_platform(school, school_staff, olm):
    from platforms.pupils import PlatformDependents

    kept, away = StudentFactory(school=school), StudentFactory(school=school)
    PlatformAccountFactory(student=kept, platform=olm, set_up_by=school_staff)
    other = PlatformAccountFactory(student=away, platform=olm, set_up_by=school_staff)
    assert PlatformDependents().merge_conflicts(kept, away)
    other.is_active, other.deactivated_on = False, dt.date.today()
    other.save()
    assert PlatformDependents().merge_conflicts(kept, away) == []
    assert PlatformDependents().move(away=away, kept=kept) == {"platform_accounts": 1}
    assert PlatformAccount.objects.filter(student=kept).count() == 2


def test_a_pupil_deleted_by_mistake_takes_its_accounts_along_audited(school, school_staff, olm):
    from platforms.pupils import PlatformDependents

    pupil = StudentFactory(school=school)
    account = PlatformAccountFactory(student=pupil, platform=olm, set_up_by=school_staff)
    PlatformDependents().before_delete(actor=school_staff, student=pupil)
    assert not PlatformAccount.objects.filter(pk=account.pk).exists()
    event = AuditEvent.objects.get(action="platform_account.delete")
    assert event.object_id == str(account.pk) and event.actor == school_staff
