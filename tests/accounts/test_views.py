from html import escape

import pytest
from django.urls import reverse

from accounts.services import notify
from tests.schools.factories import SchoolSiteFactory

pytestmark = pytest.mark.django_db


def test_anonymous_home_redirects_to_login(client):
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_login_page_is_vietnamese_by_default(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert "Đăng nhập" in response.content.decode()
    assert 'lang="vi"' in response.content.decode()


def test_english_is_selectable(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="en"' in body
    assert "Log in" in body
    assert "Đăng nhập" not in body


def test_english_navigation_after_login(client_for, school_staff):
    from django.conf import settings

    client = client_for(school_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("accounts:home")).content.decode()
    assert ">Pupils<" in body and ">Home<" in body


def test_home_shows_the_units_figures(client_for, school_staff, school):
    from tests.students.factories import StudentFactory

    StudentFactory(school=school, need_device="tablet")
    StudentFactory(school=school, need_device="", need_data=False)
    body = client_for(school_staff).get(reverse("accounts:home")).content.decode()
    assert 'data-testid="home-stats"' in body
    assert '<div class="value">2</div><div class="label">Học sinh trong danh sách' in body
    assert '<div class="value">1</div><div class="label">Học sinh cần hỗ trợ' in body


def test_school_staff_lands_on_their_school(client_for, school_staff, school):
    SchoolSiteFactory(school=school, name="Điểm trường Nậm Đét")
    response = client_for(school_staff).get(reverse("accounts:home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert school.name in body
    assert "Điểm trường Nậm Đét" in body


def test_district_officer_lands_on_their_district(
    client_for, district_officer, school, other_school, far_school
):
    response = client_for(district_officer).get(reverse("accounts:home"))
    body = response.content.decode()
    assert "Huyện Bảo Yên" in body
    assert escape(school.name) in body and escape(other_school.name) in body
    assert escape(far_school.name) not in body


def test_province_sees_every_district(client_for, province_official, district, other_district):
    response = client_for(province_official).get(reverse("accounts:home"))
    body = response.content.decode()
    assert district.name in body and other_district.name in body


def test_user_without_unit_gets_an_explanation(client_for, outsider):
    response = client_for(outsider).get(reverse("accounts:home"))
    assert "chưa được gán đơn vị" in response.content.decode()


@pytest.mark.parametrize("name", ["schools:school_detail"])
def test_school_page_outside_scope_is_404(client_for, school_staff, other_school, far_school, name):
    client = client_for(school_staff)
    assert client.get(reverse(name, args=[other_school.pk])).status_code == 404
    assert client.get(reverse(name, args=[far_school.pk])).status_code == 404


def test_school_page_in_scope(
    client_for, school_staff, district_officer, province_official, school
):
    for user in (school_staff, district_officer, province_official):
        assert (
            client_for(user).get(reverse("schools:school_detail", args=[school.pk])).status_code
            == 200
        )


def test_district_page_scope(
    client_for, district_officer, school_staff, province_official, district, other_district
):
    assert (
        client_for(district_officer)
        .get(reverse("schools:district_detail", args=[district.pk]))
        .status_code
        == 200
    )
    assert (
        client_for(district_officer)
        .get(reverse("schools:district_detail", args=[other_district.pk]))
        .status_code
        == 404
    )
    assert (
        client_for(school_staff)
        .get(reverse("schools:district_detail", args=[district.pk]))
        .status_code
        == 404
    )
    assert (
        client_for(province_official)
        .get(reverse("schools:district_detail", args=[other_district.pk]))
        .status_code
        == 200
    )


def test_school_list_is_scoped_and_searchable(
    client_for, district_officer, school, other_school, far_school
):
    client = client_for(district_officer)
    body = client.get(reverse("schools:school_list")).content.decode()
    assert (
        escape(school.name) in body
        and escape(other_school.name) in body
        and escape(far_school.name) not in body
    )
    body = client.get(reverse("schools:school_list"), {"q": "nghia do"}).content.decode()
    assert escape(other_school.name) in body and escape(school.name) not in body


def test_school_list_query_count_is_fixed(
    client_for, province_official, school, django_assert_max_num_queries
):
    from tests.schools.factories import SchoolFactory

    client = client_for(province_official)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("schools:school_list"))
    SchoolFactory.create_batch(30, commune=school.commune, district=school.district)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("schools:school_list"))


def test_notifications_unread_count_and_mark_read(client_for, school_staff):
    notify(recipients=[school_staff], verb="test", message="Danh sách đã được duyệt", email=False)
    client = client_for(school_staff)
    body = client.get(reverse("accounts:home")).content.decode()
    assert 'data-testid="unread">1<' in body
    assert (
        "Danh sách đã được duyệt" in client.get(reverse("accounts:notifications")).content.decode()
    )
    assert client.get(reverse("accounts:notifications_mark_read")).status_code == 405
    client.post(reverse("accounts:notifications_mark_read"))
    assert school_staff.notifications.unread().count() == 0


def test_notification_emails_are_sent_after_commit(
    school_staff, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[school_staff], verb="test", message="Có danh sách mới")
    assert len(mailoutbox) == 1
    assert "Có danh sách mới" in mailoutbox[0].body


def test_password_change_page(client_for, school_staff):
    response = client_for(school_staff).post(
        reverse("accounts:password_change"),
        {
            "old_password": "secret-pass-123",
            "new_password1": "Lao-Cai-2021!x",
            "new_password2": "Lao-Cai-2021!x",
        },
    )
    assert response.status_code == 302
    school_staff.refresh_from_db()
    assert school_staff.check_password("Lao-Cai-2021!x")


def test_password_reset_sends_mail(client, school_staff, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": school_staff.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/mat-khau/dat-lai/" in mailoutbox[0].body


def test_logout_is_post_only(client_for, school_staff):
    client = client_for(school_staff)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_browser_language_does_not_override_vietnamese(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="vi"' in response.content.decode()


@pytest.mark.parametrize("role", ["school_staff", "district_officer", "province_official"])
def test_home_page_query_count_does_not_grow_with_data(
    request, client_for, role, school, other_school, django_assert_max_num_queries
):
    from tests.students.factories import StudentFactory

    user = request.getfixturevalue(role)
    client = client_for(user)
    StudentFactory(school=school)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("accounts:home"))
    for _ in range(15):
        StudentFactory(school=school)
        StudentFactory(school=other_school)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("accounts:home"))


def test_district_home_counts_the_districts_communes(
    client_for, district_officer, district, school, far_school
):
    from django.db import connection

    from tests.schools.factories import CommuneFactory

    CommuneFactory(district=district, name="Xã Không Trường")
    CommuneFactory(district=district, name="Xã Thứ Ba")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM schools_commune WHERE district_id = %s", [district.pk])
        (communes,) = cursor.fetchone()
    assert communes == 3  # the fixture's commune (with ``school``) and the two above

    body = client_for(district_officer).get(reverse("accounts:home")).content.decode()
    assert f"{communes} xã/phường/thị trấn · 1 trường" in body
