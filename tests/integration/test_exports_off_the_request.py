"""No list that grows with the registry is written inside a request (issue 17).

Each registry-sized export's address is walked as a user who may export it: the answer
is the list page (302), never the file, even for a list of a few rows with the
threshold far above it; the list page offers the background button, whose POST queues
an ``ExportJob`` for the worker. Only the exports registered ``fixed_size`` may still
download at once, and the table below must name every registered export."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from schools import background_exports
from schools.models import ExportJob

pytestmark = pytest.mark.django_db

# key: (who, the export's URL name, its query, the list it sends back to)
REGISTRY_SIZED = {
    "students.registry": ("district_officer", "students:export", {}, "students:list"),
    "devices.allocations": ("district_officer", "devices:allocations", {"export": "xlsx"}, None),
    "devices.waiting_devices": (
        "district_officer",
        "devices:beneficiaries",
        {"export": "xlsx"},
        None,
    ),
    "devices.waiting_data": ("district_officer", "devices:beneficiaries", {"export": "data"}, None),
    "devices.subscriptions": (
        "district_officer",
        "devices:subscriptions",
        {"export": "xlsx"},
        None,
    ),
    "devices.devices": ("district_officer", "devices:stock", {"export": "xlsx"}, None),
    "devices.sources": ("province_official", "devices:sources", {"export": "xlsx"}, None),
    "devices.transfers": ("province_official", "devices:transfers", {"export": "xlsx"}, None),
    "devices.readiness": ("district_officer", "devices:readiness", {"export": "xlsx"}, None),
    "coverage.points": ("province_official", "coverage:list", {"export": "xlsx"}, None),
    "coverage.gap_ranking": ("province_official", "coverage:ranking", {"export": "xlsx"}, None),
    "donations.donors": ("donation_manager", "donations:donors", {"export": "xlsx"}, None),
    "donations.receipts": ("donation_manager", "donations:receipts", {"export": "xlsx"}, None),
    "donations.spendings": ("donation_manager", "donations:spendings", {"export": "xlsx"}, None),
    "reports.outreach": ("province_official", "reports:outreach_list", {"export": "xlsx"}, None),
}
# Exports of one subject (a proposal, a donor): their own address, their subject's page.
OF_ONE_SUBJECT = {"rounds.proposal", "donations.donor_devices"}
FIXED_SIZE = {
    "devices.stock_summary",  # one row per district or school
    "devices.packages",  # the carriers' catalogue
    "reports.figures",  # one row per district or school
    "reports.categories",  # one row per household category
    "rounds.overview",  # one row per district or school and kind
}


@pytest.fixture
def donation_manager(province):
    from tests.accounts.factories import UserFactory, role

    return UserFactory(username="tai_tro", role=role("donation_manager"), province=province)


def test_every_registered_export_is_classified():
    registry = background_exports._REGISTRY
    assert set(registry) == set(REGISTRY_SIZED) | OF_ONE_SUBJECT | FIXED_SIZE
    assert {k for k, e in registry.items() if e.fixed_size} == FIXED_SIZE


def assert_queued_not_answered(client, key, url, query, back, params, captured):
    with override_settings(EXPORT_BACKGROUND_ROWS=10_000):
        response = client.get(url, query)
        assert response.status_code == 302, (key, response.get("Content-Type"))
        assert response.url.split("?")[0] == back, key
        page = client.get(response.url).content.decode()
        start = reverse("schools:export_start", args=[key])
        assert f'action="{start}"' in page, key
        with captured() as callbacks:
            started = client.post(start, params)
    assert len(callbacks) == 1  # the job is sent to the broker once the request commits
    job = ExportJob.objects.get(exporter=key)
    assert started.url == reverse("schools:export_detail", args=[job.pk])
    assert job.status == ExportJob.Status.PENDING  # the worker's, after the commit
    assert not job.file


@pytest.mark.parametrize("key", sorted(REGISTRY_SIZED))
def test_registry_sized_export_queues_a_job_instead_of_the_file(
    request, client_for, key, django_capture_on_commit_callbacks
):
    who, name, query, back = REGISTRY_SIZED[key]
    client = client_for(request.getfixturevalue(who))
    url = reverse(name)
    back_to = reverse(back) if back else url
    assert_queued_not_answered(
        client, key, url, query, back_to, {}, django_capture_on_commit_callbacks
    )


def test_proposal_export_queues_a_job(
    client_for, school_staff, province_official, school, django_capture_on_commit_callbacks
):
    from rounds.models import Proposal
    from tests.rounds.factories import ProposalFactory, SupportRoundFactory

    support_round = SupportRoundFactory(created_by=province_official)
    proposal = ProposalFactory(round=support_round, school=school, status=Proposal.Status.DRAFT)
    assert_queued_not_answered(
        client_for(school_staff),
        "rounds.proposal",
        reverse("rounds:proposal_export", args=[proposal.pk]),
        {},
        reverse("rounds:proposal", args=[proposal.pk]),
        {"proposal": str(proposal.pk)},
        django_capture_on_commit_callbacks,
    )


def test_donor_devices_export_queues_a_job(
    client_for, donation_manager, django_capture_on_commit_callbacks
):
    from tests.donations.factories import DonorFactory

    donor = DonorFactory()
    assert_queued_not_answered(
        client_for(donation_manager),
        "donations.donor_devices",
        reverse("donations:donor_devices", args=[donor.pk]),
        {},
        reverse("donations:donor_detail", args=[donor.pk]),
        {"donor": str(donor.pk)},
        django_capture_on_commit_callbacks,
    )
