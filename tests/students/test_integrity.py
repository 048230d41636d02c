"""One child, one record; one school out of another's households (issues 12 and 13), form side."""

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse
from django.utils.html import escape

from accounts.models import AuditEvent
from students.models import Household, Student
from tests.students.factories import HouseholdFactory, StudentFactory, category
from tests.students.test_views import form_data

pytestmark = pytest.mark.django_db


def _post_create(client, school, commune, **overrides):
    return client.post(reverse("students:create"), form_data(school, commune, **overrides))


# ------------------------------------------------------------------ personal ID


def test_database_refuses_a_personal_id_on_two_pupils(school):
    StudentFactory(school=school, personal_id="010209001234")
    with pytest.raises(IntegrityError), transaction.atomic():
        StudentFactory(school=school, personal_id="010209001234")
    # Blank IDs are not unique.
    StudentFactory(school=school, personal_id="")
    StudentFactory(school=school, personal_id="")


def test_form_names_the_other_pupil_when_the_user_may_see_them(
    client_for, school_staff, school, commune
):
    StudentFactory(
        school=school, full_name="Sùng A Chứ", pupil_code="0300000001", personal_id="010209001234"
    )
    response = _post_create(client_for(school_staff), school, commune, personal_id="010209001234")
    assert response.status_code == 200
    message = " ".join(response.context["form"].errors["personal_id"])
    assert "Sùng A Chứ" in message and "0300000001" in message
    assert Student.objects.count() == 1


def test_form_does_not_name_a_pupil_of_another_school(
    client_for, school_staff, school, commune, far_school
):
    StudentFactory(
        school=far_school,
        full_name="Sùng A Chứ",
        pupil_code="0300000001",
        personal_id="010209001234",
    )
    response = _post_create(client_for(school_staff), school, commune, personal_id="010209001234")
    message = " ".join(response.context["form"].errors["personal_id"])
    assert "đã thuộc một học sinh khác" in message
    assert "Sùng A Chứ" not in message and "0300000001" not in message
    assert Student.objects.count() == 1


def test_editing_to_another_pupils_personal_id_is_refused(client_for, school_staff, school):
    StudentFactory(school=school, personal_id="010209001234")
    pupil = StudentFactory(school=school, full_name="Hầu Thị Mẩy", pupil_code="2122330792")
    data = form_data(school, pupil.commune, personal_id="010209001234", version=pupil.version)
    response = client_for(school_staff).post(reverse("students:update", args=[pupil.pk]), data)
    assert "personal_id" in response.context["form"].errors
    pupil.refresh_from_db()
    assert pupil.personal_id == ""


@pytest.mark.django_db(transaction=True)
def test_migration_blanks_existing_duplicates_and_audits_them(school):
    from django.db.migrations.executor import MigrationExecutor

    before = [("students", "0005_portal_edits_and_import_changes")]
    after = [("students", "0006_student_personal_id_unique")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldStudent = old.get_model("students", "Student")
    OldHousehold = old.get_model("students", "Household")
    household = OldHousehold.objects.create(category_id=category().pk, commune_id=school.commune_id)
    common = {
        "date_of_birth": "2009-04-21",
        "gender": "M",
        "school_id": school.pk,
        "class_name": "6A",
        "grade": 6,
        "household_id": household.pk,
        "commune_id": school.commune_id,
        "personal_id": "010209001234",
    }
    first = OldStudent.objects.create(pupil_code="0300000001", full_name="Giàng A Sử", **common)
    second = OldStudent.objects.create(pupil_code="0300000002", full_name="Giàng A Sử", **common)
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("students", "Student")
    assert new.objects.get(pk=first.pk).personal_id == "010209001234"
    assert new.objects.get(pk=second.pk).personal_id == ""
    event = AuditEvent.objects.get(action="student.personal_id_cleared")
    assert event.object_id == str(second.pk)
    assert event.changes == {"personal_id": ["010209001234", ""]}
    assert "0300000001" in event.reason
    executor = MigrationExecutor(connection)
    executor.migrate(before)  # reversible: the IDs come back
    assert OldStudent.objects.get(pk=second.pk).personal_id == "010209001234"
    OldStudent.objects.filter(pk=second.pk).delete()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


# ------------------------------------------------------------ possible duplicates


def test_possible_duplicate_needs_a_confirmation(client_for, school_staff, school, commune):
    StudentFactory(
        school=school,
        full_name="Hầu Thị Mẩy",
        date_of_birth="2009-09-09",
        pupil_code="0300000001",
        village=None,
        commune=commune,
    )
    client = client_for(school_staff)
    # Same name (other spacing and case), birth date, commune; another pupil code.
    response = _post_create(client, school, commune, full_name="HẦU thị  mẩy", village_name="")
    assert response.status_code == 200
    form = response.context["form"]
    assert "confirm_duplicate" in form.fields
    text = " ".join(form.non_field_errors())
    assert "Có thể trùng với học sinh Hầu Thị Mẩy" in text and "0300000001" in text
    assert Student.objects.count() == 1
    response = _post_create(
        client, school, commune, full_name="HẦU thị  mẩy", village_name="", confirm_duplicate="on"
    )
    assert response.status_code == 302
    assert Student.objects.count() == 2


def test_possible_duplicate_matches_the_village_accent_folded(
    client_for, school_staff, school, commune
):
    from schools.services import get_or_create_village

    village, _ = get_or_create_village(commune=commune, name="Thôn Tả Thồ")
    StudentFactory(
        school=school,
        full_name="Hầu Thị Mẩy",
        date_of_birth="2009-09-09",
        village=village,
        commune=commune,
    )
    client = client_for(school_staff)
    assert (
        "confirm_duplicate"
        in _post_create(client, school, commune, village_name="ta tho").context["form"].fields
    )
    # Another village of the commune: not the same child.
    assert _post_create(client, school, commune, village_name="Bản Khác").status_code == 302


def test_possible_duplicate_outside_the_scope_is_masked(
    client_for, district_officer, school, commune, other_district, far_school
):
    # A district officer of Bảo Yên; the other pupil is in Si Ma Cai, but lives in the
    # same commune (registered by a school across the border).
    StudentFactory(
        school=far_school,
        full_name="Hầu Thị Mẩy",
        date_of_birth="2009-09-09",
        pupil_code="0300004321",
        village=None,
        commune=commune,
    )
    response = _post_create(client_for(district_officer), school, commune, village_name="")
    text = " ".join(response.context["form"].non_field_errors())
    assert "••••••4321" in text and "0300004321" not in text
    assert far_school.name not in text


# --------------------------------------------------------------- shared households


@pytest.fixture
def shared_household(other_school, commune):
    household = HouseholdFactory(
        commune=commune, code="HN-9164", guardian_name="Giàng Thị Chi", guardian_phone="0999528907"
    )
    sibling = StudentFactory(
        school=other_school,
        household=household,
        full_name="Giàng A Sử",
        class_name="3A",
        grade=3,
        commune=commune,
    )
    return household, sibling


def test_linking_to_another_schools_household_needs_confirmation_and_is_audited(
    client_for, school_staff, school, commune, shared_household, other_school
):
    household, sibling = shared_household
    client = client_for(school_staff)
    response = _post_create(client, school, commune)
    form = response.context["form"]
    assert "confirm_shared_household" in form.fields
    assert other_school.name in " ".join(form.non_field_errors())
    assert Student.objects.count() == 1
    response = _post_create(client, school, commune, confirm_shared_household="on")
    assert response.status_code == 302
    pupil = Student.objects.get(pupil_code="2122330792")
    assert pupil.household_id == household.pk
    event = AuditEvent.objects.get(action="household.link")
    assert event.object_id == str(household.pk)
    assert event.changes["household"] == [None, f"HN-9164 (#{household.pk})"]
    assert event.changes["other_schools"] == [None, [other_school.name]]


def test_siblings_of_another_school_are_a_count_and_a_school_name(
    client_for, school_staff, school, commune, shared_household, other_school
):
    household, sibling = shared_household
    pupil = StudentFactory(school=school, household=household, commune=commune)
    StudentFactory(school=school, household=household, commune=commune, full_name="Giàng Thị Dế")
    page = client_for(school_staff).get(reverse("students:detail", args=[pupil.pk]))
    html = page.content.decode()
    assert "Giàng Thị Dế" in html
    assert "Giàng A Sử" not in html and "3A" not in html
    assert escape(f"1 học sinh tại {other_school.name}") in html


def test_school_cannot_change_a_household_whose_other_school_pupil_is_proposed(
    client_for, school_staff, school, commune, shared_household
):
    from rounds.models import Proposal, ProposalItem, SupportRound
    from tests.students.test_views import _round_fields

    household, sibling = shared_household
    support_round = SupportRound.objects.create(**_round_fields(), created_by=school_staff)
    proposal = Proposal.objects.create(
        round=support_round, school=sibling.school, status="submitted"
    )
    ProposalItem.objects.create(
        proposal=proposal, round=support_round, student=sibling, kind="tablet"
    )
    client = client_for(school_staff)
    response = _post_create(
        client, school, commune, confirm_shared_household="on", guardian_phone="0988000111"
    )
    assert response.status_code == 200
    assert "Phòng GD&ĐT sẽ quyết định" in " ".join(response.context["form"].non_field_errors())
    household.refresh_from_db()
    assert household.guardian_phone == "0999528907"
    assert Student.objects.count() == 1
    # Joining without changing the household is still possible.
    response = _post_create(
        client,
        school,
        commune,
        confirm_shared_household="on",
        village_name="",
        guardian_relation="",
    )
    assert response.status_code == 302


def test_district_officer_may_change_a_shared_household_with_proposed_pupils(
    client_for, district_officer, school, commune, shared_household, school_staff
):
    from rounds.models import Proposal, ProposalItem, SupportRound
    from tests.students.test_views import _round_fields

    household, sibling = shared_household
    support_round = SupportRound.objects.create(**_round_fields(), created_by=school_staff)
    proposal = Proposal.objects.create(
        round=support_round, school=sibling.school, status="approved"
    )
    ProposalItem.objects.create(
        proposal=proposal, round=support_round, student=sibling, kind="tablet"
    )
    response = _post_create(
        client_for(district_officer),
        school,
        commune,
        confirm_shared_household="on",
        guardian_phone="0988000111",
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.guardian_phone == "0988000111"
    assert AuditEvent.objects.filter(
        action="household.update", object_id=str(household.pk)
    ).exists()


def test_household_category_follows_the_lock_of_its_approved_pupils(
    client_for, district_officer, school, commune, shared_household
):
    household, sibling = shared_household
    Student.objects.filter(pk=sibling.pk).update(eligibility_locked=True)
    response = _post_create(
        client_for(district_officer),
        school,
        commune,
        confirm_shared_household="on",
        category=category("near-poor").pk,
    )
    assert response.status_code == 200
    assert "đã được duyệt hỗ trợ" in " ".join(response.context["form"].non_field_errors())
    household.refresh_from_db()
    assert household.category.code == "poor"


# ------------------------------------------------------------------ identity lock


@pytest.mark.parametrize(
    "field,value",
    [
        ("full_name", "Giàng Seo Phù"),
        ("date_of_birth", "22/04/2009"),
        ("personal_id", "010209009999"),
    ],
)
def test_locked_pupils_identity_cannot_change(client_for, school_staff, school, field, value):
    """The form shows the identity read-only: a forged value is ignored, the rest saves."""
    pupil = StudentFactory(school=school, full_name="Giàng Seo Phủ", pupil_code="0308246281")
    Student.objects.filter(pk=pupil.pk).update(eligibility_locked=True)
    household = pupil.household
    data = form_data(
        school,
        pupil.commune,
        pupil_code=pupil.pupil_code,
        full_name=pupil.full_name,
        date_of_birth="21/04/2009",
        category=household.category_id,
        household_code=household.code,
        need_device=pupil.need_device,
        guardian_phone=household.guardian_phone,
        version=pupil.version,
    )
    data[field] = value
    client = client_for(school_staff)
    response = client.post(reverse("students:update", args=[pupil.pk]), data)
    assert response.status_code == 302
    pupil.refresh_from_db()
    assert (pupil.full_name, str(pupil.date_of_birth), pupil.personal_id) == (
        "Giàng Seo Phủ",
        "2009-04-21",
        "",
    )


def test_unlock_by_an_approver_with_a_reason_frees_the_identity(
    client_for, school_staff, district_officer, school
):
    from rounds import services as rounds_services

    pupil = StudentFactory(school=school, full_name="Giàng Seo Phủ", pupil_code="0308246281")
    Student.objects.filter(pk=pupil.pk).update(eligibility_locked=True)
    pupil.refresh_from_db()
    rounds_services.unlock_eligibility(
        actor=district_officer, student=pupil, reason="Sai chính tả họ tên"
    )
    event = AuditEvent.objects.get(action="student.unlock_eligibility")
    assert event.reason == "Sai chính tả họ tên"
    assert "identity" in event.changes
    household = pupil.household
    data = form_data(
        school,
        pupil.commune,
        pupil_code=pupil.pupil_code,
        full_name="Giàng Seo Phù",
        date_of_birth="21/04/2009",
        category=household.category_id,
        household_code=household.code,
        need_device=pupil.need_device,
        guardian_phone=household.guardian_phone,
    )
    response = client_for(school_staff).post(reverse("students:update", args=[pupil.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    pupil.refresh_from_db()
    assert pupil.full_name == "Giàng Seo Phù"


# ------------------------------------------------------------- optimistic locking


def test_second_save_from_a_stale_form_is_refused(
    client_for, school_staff, other_school_staff, school
):
    pupil = StudentFactory(school=school, full_name="Hầu Thị Mẩy", pupil_code="2122330792")
    url = reverse("students:update", args=[pupil.pk])
    client = client_for(school_staff)
    opened = client.get(url).context["form"].initial["version"]
    first = form_data(school, pupil.commune, class_name="7A", version=opened)
    assert client.post(url, first).status_code == 302
    stale = form_data(school, pupil.commune, notes="Ghi chú cũ", version=opened)
    response = client.post(url, stale)
    assert response.status_code == 200
    text = " ".join(response.context["form"].non_field_errors())
    assert f"vừa được {school_staff} lưu lúc" in text
    pupil.refresh_from_db()
    assert (pupil.class_name, pupil.notes, pupil.version) == ("7A", "", opened + 1)


def test_an_import_update_makes_an_open_form_stale(client_for, school_staff, school, commune):
    from students import services
    from tests.students.helpers import pupil as row
    from tests.students.helpers import standard

    services.import_household_list(actor=school_staff, source=standard([row(1)]), filename="a.xlsx")
    pupil = Student.objects.get()
    url = reverse("students:update", args=[pupil.pk])
    client = client_for(school_staff)
    opened = client.get(url).context["form"].initial["version"]
    services.import_household_list(
        actor=school_staff, source=standard([row(1, Lớp="7A")]), filename="a.xlsx"
    )
    pupil.refresh_from_db()
    assert pupil.class_name == "7A" and pupil.version == opened + 1
    data = form_data(
        school,
        pupil.commune,
        pupil_code=pupil.pupil_code,
        full_name=pupil.full_name,
        date_of_birth=pupil.date_of_birth.strftime("%d/%m/%Y"),
        version=opened,
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Thay đổi của bạn chưa được lưu" in " ".join(response.context["form"].non_field_errors())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_parallel_submissions_of_one_new_pupil_save_one(school_staff, school, commune):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL concurrency")
    from django.test import Client

    barrier = threading.Barrier(8)
    statuses: list[int] = []
    messages: list[str] = []

    def submit() -> None:
        client = Client()
        client.force_login(school_staff, backend="django.contrib.auth.backends.ModelBackend")
        try:
            barrier.wait()
            response = client.post(reverse("students:create"), form_data(school, commune))
            statuses.append(response.status_code)
            if response.status_code == 200:
                form = response.context["form"]
                messages.append(" ".join(str(e) for errors in form.errors.values() for e in errors))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 7 + [302]
    assert all("2122330792" in m or "vừa lưu" in m for m in messages), messages
    assert Student.objects.count() == 1
    assert Household.objects.count() == 1


def test_the_service_still_refuses_a_locked_identity_change(school_staff, school):
    """Defence behind the read-only form: a caller that is not the form is refused."""
    from django.core.exceptions import ValidationError

    from students import services
    from students.forms import StudentForm

    pupil = StudentFactory(school=school, full_name="Giàng Seo Phủ", pupil_code="0308246281")
    Student.objects.filter(pk=pupil.pk).update(eligibility_locked=True)
    pupil.refresh_from_db()
    form = StudentForm(user=school_staff, student=pupil)
    data = form_data(school, pupil.commune, pupil_code=pupil.pupil_code, version=pupil.version)
    bound = StudentForm(data, user=school_staff)  # a form without the lock: all fields live
    assert bound.is_valid(), bound.errors
    assert form.locked_fields
    with pytest.raises(ValidationError, match="không được sửa"):
        services.update_student(actor=school_staff, student=pupil, data=bound.to_data())
