"""The province-wide review of possible duplicate pupils across schools: list, dismiss, merge."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from devices.models import Allocation
from rounds.models import Proposal, ProposalItem
from schools.choices import DeviceType
from students import duplicate_pairs
from students.models import DuplicateReview, Student, name_keys
from tests.accounts.factories import UserFactory
from tests.devices.factories import DeviceFactory, RoundFactory
from tests.schools.factories import CommuneFactory, SchoolFactory, VillageFactory
from tests.students.factories import HouseholdFactory, StudentFactory

pytestmark = pytest.mark.django_db

LIST = reverse("students:duplicates")
DISMISS = reverse("students:duplicate_dismiss")
MERGE = reverse("students:duplicate_merge")
BORN = dt.date(2010, 3, 8)


def make_pupil(school, full_name, *, commune=None, household=None, born=BORN, **extra):
    commune = commune or school.commune
    household = household or HouseholdFactory(commune=commune)
    folded, sort = name_keys(full_name)
    return StudentFactory(
        school=school,
        full_name=full_name,
        name_key=folded,
        sort_key=sort,
        date_of_birth=born,
        commune=commune,
        village=household.village,
        household=household,
        **extra,
    )


@pytest.fixture
def far_school_2(far_school):
    return SchoolFactory(
        commune=CommuneFactory(district=far_school.district, code="02801", name="Xã Cán Cấu"),
        district=far_school.district,
        code="08400002",
        name="Trường TH Cán Cấu",
    )


@pytest.fixture
def known(school, other_school, far_school, far_school_2):
    """Four pairs across schools, and five look-alikes that are not pairs."""
    home = school.commune
    village = VillageFactory(commune=home, name="Thôn Khuổi Phường")
    pairs = {}
    # Moved school in the district: same commune and village, accents differ in one list.
    pairs["moved"] = (
        make_pupil(
            school, "Giàng Seo Phủ", household=HouseholdFactory(commune=home, village=village)
        ),
        make_pupil(
            other_school,
            "Giang Seo Phu",
            commune=home,
            household=HouseholdFactory(commune=home, village=village),
        ),
    )
    # Proposed by two districts' schools, one shared household.
    shared = HouseholdFactory(commune=home, guardian_name="Lý Văn Thành")
    pairs["household"] = (
        make_pupil(school, "Lý Thị Mai", household=shared),
        make_pupil(far_school, "Lý Thị Mai", commune=home, household=shared),
    )
    # Guardian ID in common, communes differ.
    pairs["guardian"] = (
        make_pupil(
            other_school,
            "Thào Thị Dung",
            household=HouseholdFactory(
                commune=other_school.commune, guardian_id_number="010180001234"
            ),
        ),
        make_pupil(
            far_school,
            "Thào Thị Dung",
            household=HouseholdFactory(
                commune=far_school.commune, guardian_id_number="010180001234"
            ),
        ),
    )
    # Both schools in the other district.
    pairs["far"] = (
        make_pupil(far_school, "Vàng Văn Sử"),
        make_pupil(far_school_2, "Vàng Văn Sử", commune=far_school.commune),
    )
    # Not pairs: two personal IDs, one school, another birth date, another commune, another name.
    make_pupil(school, "Sùng A Tủa", personal_id="010210000001")
    make_pupil(other_school, "Sùng A Tủa", commune=home, personal_id="010210000002")
    make_pupil(school, "Hầu Thị Chi")
    make_pupil(school, "Hầu Thị Chi")
    make_pupil(school, "Ma Văn Hùng")
    make_pupil(other_school, "Ma Văn Hùng", commune=home, born=dt.date(2010, 3, 9))
    make_pupil(school, "Lò Thị Hoa")
    make_pupil(far_school, "Lò Thị Hoa")
    make_pupil(school, "Phàn Văn Lìn")
    make_pupil(other_school, "Phàn Văn Chiến", commune=home)
    return pairs


def independent_pairs(district_id=None) -> set[tuple[int, int]]:
    """The same rule written again, over all pupils in Python."""
    pupils = list(Student.objects.select_related("household", "school"))
    found = set()
    for a, b in itertools.combinations(sorted(pupils, key=lambda s: s.pk), 2):
        if a.school_id == b.school_id or a.merged_into_id or b.merged_into_id:
            continue
        same_id = a.personal_id and a.personal_id == b.personal_id
        other_ids = a.personal_id and b.personal_id and a.personal_id != b.personal_id
        same_child = a.name_key == b.name_key and a.date_of_birth == b.date_of_birth
        guardian = a.household.guardian_id_number
        same_place = (
            a.commune_id == b.commune_id
            or a.household_id == b.household_id
            or (guardian and guardian == b.household.guardian_id_number)
        )
        if not (same_id or (same_child and not other_ids and same_place)):
            continue
        if district_id and district_id not in (a.school.district_id, b.school.district_id):
            continue
        if DuplicateReview.objects.filter(first=a, second=b).exists():
            continue
        found.add((a.pk, b.pk))
    return found


def ids(pair):
    return (pair[0].pk, pair[1].pk)


def post(client, url, pair, **data):
    first, second = pair
    token = duplicate_pairs.pair_token(
        Student.objects.get(pk=first.pk), Student.objects.get(pk=second.pk)
    )
    return client.post(
        url, {"first": first.pk, "second": second.pk, "token": token, **data}, follow=True
    )


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# ------------------------------------------------------------------------ finding


def test_pairs_match_an_independent_count_for_the_province(known, province_official):
    found = {(a, b) for a, b, _r in duplicate_pairs.pair_ids(user=province_official)}
    assert found == independent_pairs() == {ids(p) for p in known.values()}
    assert duplicate_pairs.count_pairs(user=province_official) == 4


def test_each_pair_says_why_it_is_listed(known, province_official):
    reasons = {(a, b): r for a, b, r in duplicate_pairs.pair_ids(user=province_official)}
    assert reasons[ids(known["moved"])] == "village"
    assert reasons[ids(known["household"])] == "household"
    assert reasons[ids(known["guardian"])] == "guardian"
    assert reasons[ids(known["far"])] == "commune"


def test_district_sees_pairs_with_a_pupil_in_its_district(
    known, district, other_district, district_officer, other_district_officer
):
    mine = {(a, b) for a, b, _r in duplicate_pairs.pair_ids(user=district_officer)}
    theirs = {(a, b) for a, b, _r in duplicate_pairs.pair_ids(user=other_district_officer)}
    assert mine == independent_pairs(district.pk)
    assert mine == {ids(known[k]) for k in ("moved", "household", "guardian")}
    assert theirs == independent_pairs(other_district.pk)
    assert theirs == {ids(known[k]) for k in ("household", "guardian", "far")}


def test_page_shows_both_pupils_side_by_side_with_masked_ids(known, client_for, district_officer):
    first, second = known["moved"]
    response = client_for(district_officer).get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "3 cặp cần xem xét" in body
    assert "Giang Seo Phu" in body and "Trường TH&amp;THCS Nghĩa Đô" in body
    assert "Thôn Khuổi Phường" in body
    assert first.masked_pupil_code in body
    assert first.pupil_code not in body
    assert "Lý Văn Thành" in body  # the household head
    assert "Vàng Văn Sử" not in body  # a pair of the other district only


def test_page_query_count_does_not_grow_with_pairs(
    known, client_for, province_official, school, other_school
):
    client = client_for(province_official)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for n in range(10):
        make_pupil(school, f"Giàng A Dế {chr(65 + n)}")
        make_pupil(other_school, f"Giàng A Dế {chr(65 + n)}", commune=school.commune)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(response.context["page"]) == 14
    assert len(many) == len(few)


def test_page_is_paginated(known, client_for, province_official):
    response = client_for(province_official).get(LIST, {"per_page": 25, "page": 9})
    assert response.context["page"].number == 1  # out of range: the last page
    page = duplicate_pairs.PairPaginator(user=province_official, per_page=3).get_page(2)
    assert [ids((p.first.student, p.second.student)) for p in page] == [ids(known["far"])]
    assert page.has_previous() and not page.has_next()


# ------------------------------------------------------------------------ dismiss


def test_dismiss_hides_the_pair_and_is_audited(known, client_for, district_officer):
    client = client_for(district_officer)
    response = post(client, DISMISS, known["moved"], reason="Hai anh em sinh đôi")
    assert messages_of(response) == ["Đã ghi nhận: hai hồ sơ không phải một học sinh."]
    review = DuplicateReview.objects.get()
    assert (review.decision, review.reason, review.decided_by) == (
        "dismissed",
        "Hai anh em sinh đôi",
        district_officer,
    )
    assert ids(known["moved"]) not in {
        (a, b) for a, b, _r in duplicate_pairs.pair_ids(user=district_officer)
    }
    assert "Giang Seo Phu" not in client.get(LIST).content.decode()
    events = AuditEvent.objects.filter(action="student.duplicate_dismiss")
    assert {(e.object_id, e.actor_id, e.reason) for e in events} == {
        (str(known["moved"][0].pk), district_officer.pk, "Hai anh em sinh đôi"),
        (str(known["moved"][1].pk), district_officer.pk, "Hai anh em sinh đôi"),
    }


def test_dismiss_needs_a_reason(known, client_for, district_officer):
    response = post(client_for(district_officer), DISMISS, known["moved"], reason="  ")
    assert messages_of(response) == ["Hãy ghi lý do."]
    assert not DuplicateReview.objects.exists()


def test_a_pair_changed_since_it_was_shown_is_refused(known, client_for, district_officer):
    first, second = known["moved"]
    token = duplicate_pairs.pair_token(first, second)
    Student.objects.filter(pk=second.pk).update(version=second.version + 1)
    response = client_for(district_officer).post(
        DISMISS,
        {"first": first.pk, "second": second.pk, "token": token, "reason": "Khác nhau"},
        follow=True,
    )
    assert messages_of(response) == [
        "Thông tin của Giàng Seo Phủ hoặc Giang Seo Phu vừa được thay đổi sau khi bạn mở "
        "trang. Hãy xem lại cặp này rồi quyết định lại."
    ]
    assert not DuplicateReview.objects.exists()


def test_a_pair_already_reviewed_is_refused(known, client_for, district_officer):
    client = client_for(district_officer)
    post(client, DISMISS, known["moved"], reason="Khác nhau")
    response = post(client, DISMISS, known["moved"], reason="Lần hai")
    assert "không còn trong danh sách có thể trùng" in messages_of(response)[0]
    assert DuplicateReview.objects.count() == 1


def test_district_cannot_review_a_pair_outside_its_district(known, client_for, district_officer):
    response = post(client_for(district_officer), DISMISS, known["far"], reason="Khác nhau")
    assert "không còn trong danh sách có thể trùng" in messages_of(response)[0]
    assert not DuplicateReview.objects.exists()


# -------------------------------------------------------------------------- merge


def allocate(student, item, user):
    device = DeviceFactory(device_type=DeviceType.TABLET)
    return Allocation.objects.create(
        device=device,
        device_type=device.device_type,
        student=student,
        proposal_item=item,
        school=student.school,
        allocated_by=user,
    )


def item_for(student, round, *, kind="tablet", status=Proposal.Status.SUBMITTED):
    proposal, _created = Proposal.objects.get_or_create(
        round=round, school=student.school, defaults={"status": status}
    )
    return ProposalItem.objects.create(proposal=proposal, student=student, kind=kind)


def test_merge_moves_proposals_allocations_and_audit_to_the_kept_record(
    known, client_for, district_officer, province_official
):
    kept, away = known["moved"]
    round_ = RoundFactory(name="Đợt 1 năm học 2021-2022")
    item = item_for(away, round_)
    allocation = allocate(away, item, province_official)
    Student.objects.filter(pk=away.pk).update(has_device=True)
    earlier = AuditEvent.objects.create(
        action="student.update", content_type_id=student_type(), object_id=str(away.pk)
    )

    response = post(
        client_for(district_officer),
        MERGE,
        known["moved"],
        kept=kept.pk,
        reason="Học sinh chuyển trường tháng 9/2025",
    )

    assert messages_of(response) == [
        "Đã gộp hai hồ sơ vào hồ sơ của Giàng Seo Phủ (Trường PTDTBT THCS Tân Tiến)."
    ]
    away.refresh_from_db()
    kept.refresh_from_db()
    assert (away.status, away.merged_into_id) == (Student.Status.MERGED, kept.pk)
    assert kept.has_device is True
    assert ProposalItem.objects.get(pk=item.pk).student_id == kept.pk
    assert Allocation.objects.get(pk=allocation.pk).student_id == kept.pk
    earlier.refresh_from_db()
    assert earlier.object_id == str(kept.pk)
    review = DuplicateReview.objects.get()
    assert (review.decision, review.kept_id, review.decided_by) == (
        "merged",
        kept.pk,
        district_officer,
    )
    merge = AuditEvent.objects.get(action="student.merge")
    assert merge.object_id == str(kept.pk)
    assert merge.actor == district_officer
    assert merge.reason == "Học sinh chuyển trường tháng 9/2025"
    assert merge.changes["moved_proposal_items"] == [0, 1]
    assert merge.changes["moved_allocations"] == [0, 1]
    away_event = AuditEvent.objects.get(action="student.merged_away")
    assert away_event.object_id == str(away.pk)
    assert away_event.changes["merged_into"] == [None, kept.pupil_code]
    # The merged-away record is kept, and no longer paired.
    assert Student.objects.filter(pk=away.pk).exists()
    assert ids(known["moved"]) not in {
        (a, b) for a, b, _r in duplicate_pairs.pair_ids(user=district_officer)
    }


def student_type():
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Student).pk


def test_merge_is_refused_when_both_are_proposed_in_the_same_round(
    known, client_for, district_officer
):
    kept, away = known["moved"]
    round_ = RoundFactory(name="Đợt 2 năm học 2025-2026")
    item_for(kept, round_)
    item_for(away, round_, kind="data")
    response = post(
        client_for(district_officer), MERGE, known["moved"], kept=kept.pk, reason="Trùng"
    )
    assert messages_of(response) == [
        "Cả hai hồ sơ đều có đề xuất trong đợt “Đợt 2 năm học 2025-2026” (Trường PTDTBT THCS "
        "Tân Tiến: Máy tính bảng; Trường TH&THCS Nghĩa Đô: Gói cước dữ liệu). Hãy rút một đề xuất "
        "trước khi gộp."
    ]
    away.refresh_from_db()
    assert away.merged_into_id is None and away.status == Student.Status.STUDYING
    assert not DuplicateReview.objects.exists()
    assert not AuditEvent.objects.filter(action="student.merge").exists()


def test_merge_is_refused_when_both_hold_a_tablet(
    known, client_for, district_officer, province_official
):
    kept, away = known["moved"]
    mine = allocate(kept, item_for(kept, RoundFactory()), province_official)
    theirs = allocate(away, item_for(away, RoundFactory()), province_official)
    response = post(
        client_for(district_officer), MERGE, known["moved"], kept=away.pk, reason="Trùng"
    )
    assert messages_of(response) == [
        f"Cả hai hồ sơ đều đang giữ máy tính bảng ({theirs.device} và {mine.device}). "
        "Hãy thu hồi một thiết bị trước khi gộp."
    ]
    assert Allocation.objects.get(pk=mine.pk).student_id == kept.pk


def test_merge_needs_a_kept_record_and_a_reason(known, client_for, district_officer):
    client = client_for(district_officer)
    assert messages_of(post(client, MERGE, known["moved"], reason="Trùng")) == [
        "Hãy chọn hồ sơ được giữ lại."
    ]
    assert messages_of(post(client, MERGE, known["moved"], kept=known["moved"][0].pk)) == [
        "Hãy ghi lý do."
    ]
    assert not DuplicateReview.objects.exists()


def test_district_cannot_merge_a_pair_reaching_into_another_district(
    known, client_for, district_officer, province_official
):
    pair = known["household"]
    response = post(client_for(district_officer), MERGE, pair, kept=pair[0].pk, reason="Trùng")
    assert messages_of(response)[0].startswith("Một trong hai học sinh thuộc huyện khác")
    assert not DuplicateReview.objects.exists()
    response = post(client_for(province_official), MERGE, pair, kept=pair[1].pk, reason="Trùng")
    assert Student.objects.get(pk=pair[0].pk).merged_into_id == pair[1].pk


# -------------------------------------------------------------------- permissions


def test_school_staff_is_forbidden(known, client_for, school_staff):
    client = client_for(school_staff)
    assert client.get(LIST).status_code == 404
    first, second = known["moved"]
    data = {"first": first.pk, "second": second.pk, "token": "1-1", "reason": "x", "kept": first.pk}
    assert client.post(DISMISS, data).status_code == 404
    assert client.post(MERGE, data).status_code == 404
    assert not DuplicateReview.objects.exists()


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "dang-nhap" in response["Location"]


def test_actions_are_post_only_and_need_csrf(known, district_officer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(district_officer, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(DISMISS).status_code == 405
    first, second = known["moved"]
    token = duplicate_pairs.pair_token(first, second)
    data = {"first": first.pk, "second": second.pk, "token": token, "reason": "Khác nhau"}
    assert client.post(DISMISS, data).status_code == 403
    assert not DuplicateReview.objects.exists()


def test_navigation_links_the_page_for_reviewers_only(
    client_for, district_officer, province_official, school_staff
):
    for user in (district_officer, province_official):
        assert LIST in client_for(user).get(reverse("accounts:home")).content.decode()
    assert LIST not in client_for(school_staff).get(reverse("accounts:home")).content.decode()


def test_role_without_review_capability_is_forbidden(client_for, province):
    from tests.accounts.factories import role

    donor_manager = UserFactory(role=role("donation_manager"), province=province)
    assert client_for(donor_manager).get(LIST).status_code == 404


def test_merged_away_record_says_where_it_went(known, client_for, district_officer):
    kept, away = known["moved"]
    client = client_for(district_officer)
    post(client, MERGE, known["moved"], kept=kept.pk, reason="Chuyển trường")
    body = client.get(reverse("students:detail", args=[away.pk])).content.decode()
    assert f"đã được gộp vào hồ sơ có mã {kept.masked_pupil_code}" in body
    assert "Đã gộp vào hồ sơ khác" in body


def test_page_view_is_recorded_and_never_cached(known, client_for, district_officer):
    from accounts.models import PersonalDataAccess

    response = client_for(district_officer).get(LIST)
    assert "no-store" in response["Cache-Control"]
    access = PersonalDataAccess.objects.get(user=district_officer)
    assert (access.action, access.rows) == ("view", 6)
