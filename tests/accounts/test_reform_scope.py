"""Who sees what across the 1 July 2025 reform: a province of 2025 and its
predecessors, commune officers, district officers of an abolished office."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from accounts.access import is_commune_user, own_commune_id
from schools.models import REFORM_DATE, School, SchoolPlacement
from students.models import Student
from tests.reform_world import build_reform_world

pytestmark = pytest.mark.django_db
AFTER = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def world(db):
    return build_reform_world()


def _pupil_ids_by_sql(province_ids: list[int]) -> set[int]:
    """Pupils whose school's district is in one of ``province_ids``, counted in SQL."""
    found: set[int] = set()
    with connection.cursor() as cursor:
        for province_id in province_ids:
            cursor.execute(
                "SELECT s.id FROM students_student s JOIN schools_school sc ON sc.id = s.school_id"
                " JOIN schools_district d ON d.id = sc.district_id WHERE d.province_id = %s",
                [province_id],
            )
            found |= {row[0] for row in cursor.fetchall()}
    return found


def test_new_province_officer_sees_pupils_of_both_predecessors(world):
    user = world.users["new_province"]
    visible = set(Student.objects.visible_to(user).values_list("pk", flat=True))
    expected = _pupil_ids_by_sql([world.old_lao_cai.pk, world.old_yen_bai.pk])
    assert visible == expected
    assert world.pupils["au_lau_school"].pk in visible  # a former Yên Bái school's pupil
    assert user.scope.province_ids == {
        world.new_lao_cai.pk,
        world.old_lao_cai.pk,
        world.old_yen_bai.pk,
    }


def test_old_province_officer_sees_only_the_old_province(world):
    old_lc = set(
        Student.objects.visible_to(world.users["old_lao_cai"]).values_list("pk", flat=True)
    )
    old_yb = set(
        Student.objects.visible_to(world.users["old_yen_bai"]).values_list("pk", flat=True)
    )
    assert old_lc == _pupil_ids_by_sql([world.old_lao_cai.pk])
    assert old_yb == _pupil_ids_by_sql([world.old_yen_bai.pk])
    assert world.pupils["au_lau_school"].pk not in old_lc
    assert not old_lc & old_yb


def test_new_province_officer_opens_a_former_yen_bai_pupil_old_one_does_not(world, client):
    url = reverse("students:detail", args=[world.pupils["au_lau_school"].pk])
    client.force_login(world.users["new_province"])
    assert client.get(url).status_code == 200
    client.force_login(world.users["old_lao_cai"])
    assert client.get(url).status_code == 404


def test_provincial_user_read_from_the_database_needs_no_query_for_predecessors(
    world, django_assert_num_queries
):
    from accounts.models import User

    old = User.objects.get(pk=world.users["old_lao_cai"].pk)
    with django_assert_num_queries(0):
        assert old.scope.province_ids == {world.old_lao_cai.pk}
    new = User.objects.get(pk=world.users["new_province"].pk)
    with django_assert_num_queries(2):  # the predecessors, then theirs (none)
        assert len(new.scope.province_ids) == 3


# --- commune officers ------------------------------------------------------------------


@time_machine.travel(AFTER)
def test_commune_officer_sees_the_schools_of_the_commune_today(world):
    user = world.users["bao_yen"]
    assert is_commune_user(user) and own_commune_id(user) == world.bao_yen.pk
    assert set(School.objects.visible_to(user)) == {world.tan_tien_school}
    assert set(Student.objects.visible_to(user)) == {world.pupils["tan_tien_school"]}
    other = world.users["van_phu"]
    assert set(School.objects.visible_to(other)) == {world.au_lau_school, world.upper_school}


@time_machine.travel(AFTER)
def test_a_school_of_a_split_commune_is_nobodys_until_placed(world):
    split = world.split_school
    for key in ("bao_yen", "van_phu"):
        assert split not in School.objects.visible_to(world.users[key])
    SchoolPlacement.objects.create(school=split, commune=world.van_phu, valid_from=REFORM_DATE)
    from accounts.models import User

    again = User.objects.get(pk=world.users["van_phu"].pk)  # a scope is resolved once
    assert split in School.objects.visible_to(again)


@time_machine.travel(AFTER)
def test_commune_officer_opens_own_pupils_and_gets_404_for_another_communes(world, client):
    client.force_login(world.users["bao_yen"])
    own = reverse("students:detail", args=[world.pupils["tan_tien_school"].pk])
    other = reverse("students:detail", args=[world.pupils["au_lau_school"].pk])
    assert client.get(own).status_code == 200
    assert client.get(other).status_code == 404
    assert (
        client.post(reverse("students:delete", args=[world.pupils["au_lau_school"].pk])).status_code
        == 404
    )
    assert Student.objects.filter(pk=world.pupils["au_lau_school"].pk).exists()


def test_commune_officer_role_has_the_district_officers_capabilities(world):
    from accounts.models import Role

    assert (
        Role.objects.get(code="commune_officer").capabilities()
        == Role.objects.get(code="district_officer").capabilities()
    )


# --- district officers of an abolished office ----------------------------------------


def test_district_officer_keeps_only_viewing_capabilities_after_the_office_closes(world):
    from accounts.models import User

    with time_machine.travel(dt.datetime(2025, 6, 30, 16, 0, tzinfo=dt.UTC)):  # 23:00 in Hà Nội
        before = User.objects.get(pk=world.users["district"].pk)
        assert before.can("can_approve") and before.can("can_edit_students")
    with time_machine.travel(dt.datetime(2025, 6, 30, 17, 30, tzinfo=dt.UTC)):  # 00:30, 1/7
        after = User.objects.get(pk=world.users["district"].pk)
        assert after.capabilities == {"can_view_reports", "can_view_beneficiaries"}
        assert not after.can("can_approve")
        # A user object not read through the manager asks for its office itself.
        assert (
            not world.users["district"]
            .__class__(pk=after.pk, district_id=after.district_id, role=after.role)
            .can("can_import")
        )


def test_district_officer_pages_stay_open_but_writes_answer_404(world, client):
    client.force_login(world.users["district"])
    pupil = world.pupils["tan_tien_school"]
    with time_machine.travel(dt.datetime(2025, 6, 30, 9, 0, tzinfo=dt.UTC)):
        page = client.get(reverse("students:list"))
        assert page.status_code == 200
        assert reverse("students:create") in page.content.decode()
    with time_machine.travel(dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)):
        page = client.get(reverse("students:list"))
        assert page.status_code == 200
        assert reverse("students:create") not in page.content.decode()
        assert client.get(reverse("students:detail", args=[pupil.pk])).status_code == 200
        assert client.post(reverse("students:delete", args=[pupil.pk])).status_code == 404
        assert client.get(reverse("students:create")).status_code == 404
    assert Student.objects.filter(pk=pupil.pk).exists()


def test_district_officer_without_an_office_row_keeps_the_role(db, district_officer):
    assert district_officer.can("can_approve")
