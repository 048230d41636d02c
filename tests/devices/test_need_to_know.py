"""Pupil-level pages, exports, PDFs and scans are need-to-know (issue 13, Law 91/2025/QH15).

Coverage officers and donation managers read aggregate reports, but every URL naming a
pupil answers 404 to them (the one refusal of ``accounts.access``); roles whose work needs the data (here the provincial officer,
who sees every unit) get 200.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from devices import services
from tests.accounts.factories import UserFactory, role
from tests.exports import export_via_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(school_staff, school_tablet, beneficiary):
    allocation = services.allocate_device(
        actor=school_staff, device=school_tablet, student=beneficiary
    )
    allocation.signed_scan = SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 scan")
    allocation.save(update_fields=["signed_scan"])
    item = beneficiary.proposal_items.get(kind="tablet")
    return {
        "allocation": allocation.pk,
        "device": school_tablet.pk,
        "student": beneficiary.pk,
        "proposal": item.proposal_id,
    }


@pytest.fixture
def coverage_officer(province):
    return UserFactory(username="phu_song", role=role("coverage_officer"), province=province)


@pytest.fixture
def donation_manager(province):
    return UserFactory(username="tai_tro", role=role("donation_manager"), province=province)


# (url name, object key in ``world`` or None, query string)
PUPIL_URLS = [
    ("students:list", None, ""),
    ("students:export", None, ""),
    ("students:detail", "student", ""),
    ("rounds:proposal", "proposal", ""),
    ("rounds:proposal_export", "proposal", ""),
    ("rounds:student_history", "student", ""),
    ("devices:beneficiaries", None, ""),
    ("devices:allocations", None, ""),
    ("devices:allocations", None, "?export=xlsx"),
    ("devices:allocation_detail", "allocation", ""),
    ("devices:allocation_pdf", "allocation", ""),
    ("devices:allocation_scan", "allocation", ""),
    ("devices:device_detail", "device", ""),
    ("devices:subscriptions", None, ""),
]


EXPORT_ADDRESSES = {"students:export", "rounds:proposal_export", "devices:allocations"}


def _url(world, name, key, query):
    return reverse(name, args=[world[key]] if key else []) + query


@pytest.mark.parametrize(("name", "key", "query"), PUPIL_URLS)
@pytest.mark.parametrize("who", ["coverage_officer", "donation_manager"])
def test_aggregate_roles_get_404_on_pupil_level_urls(
    request, client_for, world, who, name, key, query
):
    client = client_for(request.getfixturevalue(who))
    response = client.get(_url(world, name, key, query))
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "key", "query"), PUPIL_URLS)
def test_role_with_beneficiary_capability_gets_200(
    client_for, world, province_official, name, key, query
):
    response = client_for(province_official).get(_url(world, name, key, query))
    if name in EXPORT_ADDRESSES and (name != "devices:allocations" or query):
        # a registry-sized export answers with its list; the file comes from the worker
        assert response.status_code == 302
        return
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_aggregate_roles_keep_their_reports(client_for, world, coverage_officer, donation_manager):
    for user in (coverage_officer, donation_manager):
        assert client_for(user).get(reverse("reports:dashboard")).status_code == 200
        assert client_for(user).get(reverse("devices:stock")).status_code == 200


def test_default_roles_grant_beneficiary_data_by_need():
    granted = {
        code: (r.can_view_beneficiaries, r.can_reveal_personal_ids)
        for code, r in ((r.code, r) for r in Role.objects.all())
    }
    assert granted["school_staff"] == (True, True)
    assert granted["district_officer"] == (True, True)
    assert granted["province_officer"] == (True, False)
    assert granted["coverage_officer"] == (False, False)
    assert granted["donation_manager"] == (False, False)


@pytest.mark.parametrize(
    ("name", "key", "action"),
    [
        ("devices:allocation_pdf", "allocation", "export"),
        ("devices:allocation_scan", "allocation", "export"),
        ("devices:allocation_detail", "allocation", "view"),
        ("rounds:student_history", "student", "view"),
    ],
)
def test_pupil_documents_and_pages_are_recorded_under_the_pupil(
    client_for, world, province_official, name, key, action
):
    from accounts.models import PersonalDataAccess

    client_for(province_official).get(_url(world, name, key, ""))
    record = PersonalDataAccess.objects.get()
    assert (record.user, record.action) == (province_official, action)
    assert record.object_id == str(world["student"])


def test_proposal_export_is_recorded_with_its_rows(client_for, world, province_official):
    from accounts.models import PersonalDataAccess

    export_via_worker(
        client_for(province_official),
        _url(world, "rounds:proposal_export", "proposal", ""),
        {"proposal": str(world["proposal"])},
        key="rounds.proposal",
    )
    record = PersonalDataAccess.objects.get()
    assert record.action == "export"
    assert record.rows >= 1
