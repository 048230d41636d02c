"""Building a proposal: search and filter the candidates, add the ticked ones or all shown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rounds.models import ProposalItem
from tests.rounds.factories import PupilFactory
from tests.schools.factories import VillageFactory
from tests.students.factories import category

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidates(school, draft):
    return {
        "dung": PupilFactory(school=school, full_name="Đặng Văn Dũng", class_name="6A", grade=6),
        "mai": PupilFactory(school=school, full_name="Ma Thị Mai", class_name="7B", grade=7),
        "phu": PupilFactory(school=school, full_name="Giàng Seo Phủ", class_name="7B", grade=7),
    }


def _shown(response):
    return sorted(student.full_name for student, _kind in response.context["candidates"])


def page(client, draft, **params):
    return client.get(reverse("rounds:proposal", args=[draft.pk]), params)


def test_search_without_accents_finds_the_name_and_d_for_đ(
    client_for, school_staff, draft, candidates
):
    client = client_for(school_staff)
    assert _shown(page(client, draft, q="dang van dung")) == ["Đặng Văn Dũng"]
    assert _shown(page(client, draft, q="phu")) == ["Giàng Seo Phủ"]


def test_filters_by_class_village_and_category(client_for, school_staff, draft, candidates):
    client = client_for(school_staff)
    assert _shown(page(client, draft, lop="7b")) == ["Giàng Seo Phủ", "Ma Thị Mai"]
    mai = candidates["mai"]
    mai.village = VillageFactory(commune=mai.school.commune, name="Thôn Nậm Đét")
    mai.save()
    assert _shown(page(client, draft, thon=mai.village.pk)) == ["Ma Thị Mai"]
    assert _shown(page(client, draft, q="nam det")) == ["Ma Thị Mai"]
    household = candidates["dung"].household
    household.category = category("near-poor")
    household.save()
    response = page(client, draft, dien=household.category_id)
    assert _shown(response) == ["Đặng Văn Dũng"]
    assert response.context["candidate_total"] == 3


def test_add_all_adds_exactly_the_filtered_set(client_for, school_staff, draft, candidates):
    client = client_for(school_staff)
    response = client.post(
        reverse("rounds:proposal_add", args=[draft.pk]),
        {"version": draft.version, "add_all": "1", "lop": "7B"},
    )
    assert response.status_code == 302
    added = set(ProposalItem.objects.filter(proposal=draft).values_list("student_id", flat=True))
    assert added == {candidates["mai"].pk, candidates["phu"].pk}


def test_ticked_boxes_still_add_without_javascript(client_for, school_staff, draft, candidates):
    client = client_for(school_staff)
    pupil = candidates["dung"]
    client.post(
        reverse("rounds:proposal_add", args=[draft.pk]),
        {"version": draft.version, "add": f"{pupil.pk}:tablet"},
    )
    assert list(
        ProposalItem.objects.filter(proposal=draft).values_list("student_id", flat=True)
    ) == [pupil.pk]


def test_the_page_has_a_sticky_action_bar_and_no_inline_script(
    client_for, school_staff, draft, candidates
):
    html = page(client_for(school_staff), draft, q="mai").content.decode()
    assert 'class="action-bar"' in html
    assert 'name="add_all"' in html
    assert '<input type="hidden" name="q" value="mai">' in html  # "add all" adds what is shown
    assert "data-select-all" in html
    assert "onclick" not in html and "<script>" not in html and "style=" not in html


def test_another_schools_staff_cannot_add_to_the_list(
    client_for, other_school_staff, draft, candidates
):
    response = client_for(other_school_staff).post(
        reverse("rounds:proposal_add", args=[draft.pk]), {"version": draft.version, "add_all": "1"}
    )
    assert response.status_code == 404
    assert not ProposalItem.objects.filter(proposal=draft).exists()
