"""Pupil and guardian IDs and phones are masked on the pupil page; roles that need them
reveal them with a POST, and every reveal is recorded (issue 13)."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import PersonalDataAccess
from students.models import Student
from tests.students.factories import HouseholdFactory, StudentFactory

pytestmark = pytest.mark.django_db

FULL = ("0308246281", "001209012345", "0912345678", "015088001234")


@pytest.fixture
def pupil(school):
    household = HouseholdFactory(
        commune=school.commune, guardian_phone="0912345678", guardian_id_number="015088001234"
    )
    return StudentFactory(
        school=school,
        household=household,
        full_name="Giàng Seo Phủ",
        pupil_code="0308246281",
        personal_id="001209012345",
    )


def test_pupil_page_masks_ids_and_phones_for_every_viewer(client_for, province_official, pupil):
    content = client_for(province_official).get(reverse("students:detail", args=[pupil.pk]))
    html = content.content.decode()
    for value in FULL:
        assert value not in html
    assert "••••••5678" in html
    assert "••••••••2345" in html
    # The provincial officer's role does not need full numbers: no reveal button.
    assert reverse("students:reveal", args=[pupil.pk]) not in html


def test_school_staff_reveal_with_a_post_and_it_is_recorded(client_for, school_staff, pupil):
    client = client_for(school_staff)
    page = client.get(reverse("students:detail", args=[pupil.pk])).content.decode()
    assert reverse("students:reveal", args=[pupil.pk]) in page
    response = client.post(reverse("students:reveal", args=[pupil.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for value in FULL:
        assert value in html
    assert "no-store" in response["Cache-Control"]
    reveal = PersonalDataAccess.objects.get(action=PersonalDataAccess.Action.REVEAL)
    assert reveal.user == school_staff
    assert reveal.object_id == str(pupil.pk)


def test_reveal_is_post_only(client_for, school_staff, pupil):
    response = client_for(school_staff).get(reverse("students:reveal", args=[pupil.pk]))
    assert response.status_code == 405
    assert not PersonalDataAccess.objects.filter(action="reveal").exists()


def test_reveal_needs_the_csrf_token(school_staff, pupil):
    client = Client(enforce_csrf_checks=True)
    client.force_login(school_staff, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post(reverse("students:reveal", args=[pupil.pk])).status_code == 403
    assert not PersonalDataAccess.objects.filter(action="reveal").exists()


def test_role_without_reveal_capability_cannot_reveal(client_for, province_official, pupil):
    response = client_for(province_official).post(reverse("students:reveal", args=[pupil.pk]))
    assert response.status_code == 404
    assert not PersonalDataAccess.objects.filter(action="reveal").exists()


def test_other_district_cannot_reveal(client_for, other_district_officer, pupil):
    response = client_for(other_district_officer).post(reverse("students:reveal", args=[pupil.pk]))
    assert response.status_code == 404


def test_the_history_on_the_pupil_page_masks_ids_and_phones(client_for, school_staff):
    """The change history must not show what the masked fields hide (found in a screenshot)."""
    from tests.students.test_reimport import row, run, sheet

    run(sheet([row(1)]), school_staff)
    student = Student.objects.get()
    page = client_for(school_staff).get(reverse("students:detail", args=[student.pk])).content
    assert b"3100000001" not in page
    assert "••••••0001".encode() in page
