"""The platform catalogue: the province's officers and the administrators edit it
(audited), every other role reads it, and data packages name the platforms they reach
free of charge where packages are chosen and on the subscription."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from platforms.models import LearningPlatform
from tests.devices.factories import DataPackageFactory
from tests.platforms.factories import LearningPlatformFactory

pytestmark = pytest.mark.django_db

NEW = {
    "name": "LMS Sở GD&ĐT",
    "url": "https://lms.example.vn",
    "operator": "Sở GD&ĐT",
    "kind": "lms",
    "is_active": "on",
}


def test_the_default_catalogue_is_loaded_by_the_migration():
    names = set(LearningPlatform.objects.values_list("name", flat=True))
    assert {"VioEdu", "OLM", "K12Online", "Zoom", "Microsoft Teams"} <= names


def test_province_officer_adds_and_edits_a_platform_audited(client_for, province_official):
    client = client_for(province_official)
    assert client.post(reverse("platforms:platform_create"), NEW).status_code == 302
    platform = LearningPlatform.objects.get(name="LMS Sở GD&ĐT")
    assert (platform.url, platform.operator, platform.kind, platform.is_active) == (
        "https://lms.example.vn",
        "Sở GD&ĐT",
        "lms",
        True,
    )
    assert AuditEvent.objects.filter(action="platform.create", object_id=str(platform.pk)).exists()
    edit = {**NEW, "is_active": ""}
    assert (
        client.post(reverse("platforms:platform_edit", args=[platform.pk]), edit).status_code == 302
    )
    platform.refresh_from_db()
    assert not platform.is_active
    event = AuditEvent.objects.get(action="platform.update")
    assert event.changes == {"is_active": [True, False]}


def test_a_duplicate_name_is_refused(client_for, province_official):
    response = client_for(province_official).post(
        reverse("platforms:platform_create"), {**NEW, "name": "vioedu"}
    )
    assert "Đã có nền tảng" in response.content.decode()
    assert LearningPlatform.objects.filter(name__iexact="vioedu").count() == 1


@pytest.mark.parametrize("who", ["school_staff", "district_officer", "outsider"])
def test_other_roles_cannot_edit_the_catalogue(request, client_for, who):
    platform = LearningPlatformFactory()
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("platforms:platform_create")).status_code == 404
    assert client.post(reverse("platforms:platform_create"), NEW).status_code == 404
    url = reverse("platforms:platform_edit", args=[platform.pk])
    assert client.post(url, {**NEW, "name": "X"}).status_code == 404
    assert not LearningPlatform.objects.filter(name__in=["X", NEW["name"]]).exists()


def test_the_catalogue_lists_platforms_for_school_staff_without_edit_links(
    client_for, school_staff, django_assert_num_queries
):
    client = client_for(school_staff)
    client.get(reverse("platforms:catalogue"))  # warm the session
    page = client.get(reverse("platforms:catalogue")).content.decode()
    assert "VioEdu" in page and reverse("platforms:platform_create") not in page
    # Session, user, the platforms, the account counts, the unread notices: fixed, however
    # many platforms and accounts there are.
    with django_assert_num_queries(5):
        client.get(reverse("platforms:catalogue"))
    for n in range(4):
        LearningPlatformFactory(name=f"Nền tảng {n}")
    with django_assert_num_queries(5):
        assert "Nền tảng 3" in client.get(reverse("platforms:catalogue")).content.decode()


def test_the_catalogue_is_404_for_no_role_and_redirects_anonymous(client, client_for, outsider):
    assert client_for(outsider).get(reverse("platforms:catalogue")).status_code == 404
    client.logout()
    assert client.get(reverse("platforms:catalogue")).status_code == 302


def test_the_package_catalogue_and_the_subscription_form_name_zero_rated_platforms(
    client_for, school_staff
):
    package = DataPackageFactory(name="EDU4G")
    package.zero_rated_platforms.set(LearningPlatform.objects.filter(name__in=["OLM", "VioEdu"]))
    client = client_for(school_staff)
    page = client.get(reverse("devices:packages")).content.decode()
    assert "OLM, VioEdu" in page
    form = client.get(reverse("devices:subscription_create")).content.decode()
    assert "miễn phí dữ liệu khi học trên OLM, VioEdu" in form


def test_the_subscription_page_names_zero_rated_platforms(client_for, school_staff, school):
    from tests.devices.factories import StudentFactory, SubscriptionFactory, approve

    pupil = StudentFactory(school=school)
    package = DataPackageFactory(name="EDU4G")
    package.zero_rated_platforms.set(LearningPlatform.objects.filter(name="K12Online"))
    sub = SubscriptionFactory(
        student=pupil,
        package=package,
        proposal_item=approve(pupil, "data"),
        created_by=school_staff,
    )
    page = client_for(school_staff).get(reverse("devices:subscription_detail", args=[sub.pk]))
    assert "K12Online" in page.content.decode()


def test_the_catalogue_counts_only_the_working_accounts_the_user_sees(
    school, other_school, school_staff, district_officer
):
    from django.db import connection

    from platforms.selectors import catalogue
    from tests.devices.factories import StudentFactory
    from tests.platforms.factories import PlatformAccountFactory

    olm = LearningPlatformFactory()
    for where in (school, school, other_school):
        PlatformAccountFactory(
            student=StudentFactory(school=where), platform=olm, set_up_by=school_staff
        )
    PlatformAccountFactory(
        student=StudentFactory(school=school),
        platform=olm,
        set_up_by=school_staff,
        is_active=False,
        deactivated_on="2021-12-01",
    )

    def sql(school_ids):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.school_id FROM platforms_platformaccount a JOIN students_student s "
                "ON s.id = a.student_id WHERE a.platform_id = %s AND a.is_active",
                [olm.pk],
            )
            return sum(1 for (school_id,) in cursor if school_id in school_ids)

    counts = {p.pk: p.account_count for p in catalogue(school_staff)}
    assert counts[olm.pk] == sql([school.pk]) == 2
    counts = {p.pk: p.account_count for p in catalogue(district_officer)}
    assert counts[olm.pk] == sql([school.pk, other_school.pk]) == 3
