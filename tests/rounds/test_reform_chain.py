"""The approval chain follows the offices in force when a round opened (issue 16).

A round of 2021 is decided by the district office of the school's district; a round of
2026 by the People's Committee of the school's commune on the round's date, or by the
Sở itself for an upper-secondary school. Quotas of a 2026 round belong to communes (and
to the Sở's schools); the figures on the pages are checked against SQL counts.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.urls import reverse

from accounts.models import Notification
from kernel import clock
from rounds import chain, services
from rounds.models import Proposal, ProposalItem, Quota, SupportRound
from schools.models import School
from tests.accounts.factories import UserFactory, role
from tests.reform_world import commune_of_2025, successor_province
from tests.rounds.factories import PupilFactory, SupportRoundFactory
from tests.schools.factories import SchoolFactory

pytestmark = pytest.mark.django_db


# --- the world: old Lào Cai (2021) and new Lào Cai (2025) ------------------------------


@pytest.fixture
def new_province(province):
    return successor_province(province)


@pytest.fixture
def new_commune(new_province, commune):
    """Xã Bảo Yên of 2025: Tân Tiến (2021) went into it."""
    return commune_of_2025(new_province, "00100", "Xã Bảo Yên", whole=(commune,))


@pytest.fixture
def other_new_commune(new_province, other_school):
    """Xã Nghĩa Đô of 2025: other_school's commune went into it."""
    return commune_of_2025(new_province, "00200", "Xã Nghĩa Đô", whole=(other_school.commune,))


@pytest.fixture
def upper_school(commune):
    return SchoolFactory(
        commune=commune,
        district=commune.district,
        code="08700010",
        name="Trường THPT số 1 Bảo Yên",
        level=School.Level.UPPER_SECONDARY,
    )


@pytest.fixture
def offices(district, other_district, new_province, new_commune, other_new_commune):
    from schools.unit_loading import load_offices

    load_offices()


@pytest.fixture
def commune_officer(new_commune):
    return UserFactory(username="xa", role=role("commune_officer"), commune=new_commune)


@pytest.fixture
def other_commune_officer(other_new_commune):
    return UserFactory(username="xa_khac", role=role("commune_officer"), commune=other_new_commune)


@pytest.fixture
def new_province_official(new_province):
    return UserFactory(username="so_moi", role=role("province_officer"), province=new_province)


@pytest.fixture
def upper_staff(upper_school):
    return UserFactory(username="thpt", role=role("school_staff"), school=upper_school)


@pytest.fixture
def round_2021(province_official):
    return SupportRoundFactory(created_by=province_official, starts_on=dt.date(2021, 9, 20))


@pytest.fixture
def round_2026(new_province, new_province_official, offices):
    return SupportRoundFactory(
        province=new_province,
        created_by=new_province_official,
        name="Đợt 1 năm học 2026-2027",
        school_year="2026-2027",
        starts_on=dt.date(2026, 9, 1),
        chain=SupportRound.Chain.COMMUNE,
    )


def _submitted(round_, school, staff, n=2, kind="tablet"):
    proposal = services.start_proposal(actor=staff, round=round_)
    pupils = [PupilFactory(school=school) for _ in range(n)]
    services.add_proposal_items(
        actor=staff, proposal=proposal, entries=[(p.pk, kind) for p in pupils], version=None
    )
    return services.submit_proposal(actor=staff, proposal=proposal, version=None)


@pytest.fixture
def quotas_2026(round_2026, new_province_official, commune_officer, new_commune, school,
                upper_school):  # fmt: skip
    services.set_commune_quotas(
        actor=new_province_official,
        round=round_2026,
        communes={(new_commune.pk, "tablet"): 10},
        schools={(upper_school.pk, "tablet"): 3},
    )
    services.split_school_quota(
        actor=commune_officer,
        round=round_2026,
        commune=new_commune,
        amounts={(school.pk, "tablet"): 5},
    )


@pytest.fixture
def quotas_2021(round_2021, province_official, district, school):
    services.set_district_quotas(
        actor=province_official, round=round_2021, amounts={(district.pk, "tablet"): 10}
    )
    services.split_school_quota(
        actor=province_official, round=round_2021, district=district,
        amounts={(school.pk, "tablet"): 5},
    )  # fmt: skip


# --- the chain of a round --------------------------------------------------------------


def test_a_round_opened_after_the_reform_follows_the_commune_chain(new_province_official,
                                                                   province_official):  # fmt: skip
    before = services.open_round(
        actor=province_official, name="Đợt tháng 6", school_year="2024-2025",
        starts_on=dt.date(2025, 6, 30), ends_on=dt.date(2027, 1, 30), offers=["tablet"],
    )  # fmt: skip
    after = services.open_round(
        actor=new_province_official, name="Đợt tháng 7", school_year="2025-2026",
        starts_on=dt.date(2025, 7, 1), ends_on=dt.date(2027, 1, 30), offers=["tablet"],
    )  # fmt: skip
    assert before.chain == SupportRound.Chain.DISTRICT
    assert after.chain == SupportRound.Chain.COMMUNE


def test_the_migration_fills_the_chain_of_existing_rounds_by_their_dates(province_official):
    from importlib import import_module

    from django.apps import apps

    old = SupportRoundFactory(created_by=province_official, starts_on=dt.date(2021, 9, 20))
    new = SupportRoundFactory(created_by=province_official, starts_on=dt.date(2026, 1, 5))
    SupportRound.objects.update(chain="")
    import_module("rounds.migrations.0006_round_chain_and_commune_quotas").fill_chains(apps, None)
    assert dict(SupportRound.objects.values_list("pk", "chain")) == {
        old.pk: "district",
        new.pk: "commune",
    }


def test_a_new_start_date_across_the_reform_is_refused_once_quotas_exist(
    round_2021, quotas_2021, province_official
):
    with pytest.raises(services.RoundsError):
        services.update_round(
            actor=province_official, round=round_2021, starts_on=dt.date(2026, 1, 5)
        )
    round_2021.refresh_from_db()
    assert (round_2021.chain, round_2021.starts_on) == ("district", dt.date(2021, 9, 20))


def test_deciders_before_and_after_the_reform(round_2021, round_2026, school, upper_school,
                                              district, new_commune, new_province):  # fmt: skip
    assert chain.decider_for(round_2021, school).kind == chain.DISTRICT
    assert chain.decider_for(round_2021, school).unit_id == district.pk
    assert chain.decider_for(round_2021, upper_school).kind == chain.DISTRICT
    in_commune = chain.decider_for(round_2026, school)
    assert (in_commune.kind, in_commune.unit_id) == (chain.COMMUNE, new_commune.pk)
    by_province = chain.decider_for(round_2026, upper_school)
    assert (by_province.kind, by_province.unit_id) == (chain.PROVINCE, new_province.pk)


# --- who decides -----------------------------------------------------------------------


IN_2021 = dt.datetime(2021, 10, 15, 2, 0, tzinfo=dt.UTC)


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # capabilities and scope read again


def test_a_2021_list_is_decided_by_its_district_officer(
    round_2021, school, school_staff, district_officer, commune_officer, province_official,
    district, offices,
):  # fmt: skip
    assert not _fresh(district_officer).can("can_approve")  # today its office is abolished
    with clock.at(IN_2021):  # the district office was in force then
        officer = _fresh(district_officer)
        services.set_district_quotas(
            actor=province_official, round=round_2021, amounts={(district.pk, "tablet"): 10}
        )
        services.split_school_quota(
            actor=officer, round=round_2021, district=district, amounts={(school.pk, "tablet"): 5}
        )
        proposal = _submitted(round_2021, school, school_staff)
        with pytest.raises(Http404):
            services.approve_proposal(actor=commune_officer, proposal=proposal, version=None)
        services.approve_proposal(actor=officer, proposal=proposal, version=None)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (Proposal.Status.APPROVED, district_officer)


def test_a_2026_list_is_decided_by_the_commune_officer_of_its_school(
    round_2026, quotas_2026, school, school_staff, commune_officer, other_commune_officer,
    district_officer,
):  # fmt: skip
    proposal = _submitted(round_2026, school, school_staff)
    decider = chain.proposal_decider(proposal)
    assert not chain.acts_for(district_officer, decider)
    assert not chain.acts_for(other_commune_officer, decider)
    assert chain.acts_for(commune_officer, decider)
    for outsider in (district_officer, other_commune_officer):
        with pytest.raises(Http404):
            services.approve_proposal(actor=outsider, proposal=proposal, version=None)
    services.approve_proposal(actor=commune_officer, proposal=proposal, version=None)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (Proposal.Status.APPROVED, commune_officer)


def test_a_2026_list_of_an_upper_secondary_school_is_decided_by_the_province(
    round_2026, quotas_2026, upper_school, upper_staff, commune_officer, new_province_official
):
    proposal = _submitted(round_2026, upper_school, upper_staff, n=3)
    with pytest.raises(Http404):
        services.approve_proposal(actor=commune_officer, proposal=proposal, version=None)
    services.approve_proposal(actor=new_province_official, proposal=proposal, version=None)
    assert ProposalItem.objects.filter(
        proposal=proposal, status=ProposalItem.Status.APPROVED
    ).count() == 3  # fmt: skip
    # The school's own quota from the province is the limit: a fourth pupil is refused.
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.APPROVED


def test_the_district_officer_gets_404_on_a_2026_list_page_and_its_decision_urls(
    client_for, round_2026, quotas_2026, school, school_staff, district_officer,
    other_commune_officer,
):  # fmt: skip
    proposal = _submitted(round_2026, school, school_staff)
    for user in (district_officer, other_commune_officer):
        client = client_for(user)
        assert client.get(reverse("rounds:proposal", args=[proposal.pk])).status_code == 404
        url = reverse("rounds:proposal_transition", args=[proposal.pk, "approve"])
        assert client.post(url, {"version": proposal.version}).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SUBMITTED


def test_buttons_name_the_deciding_body(
    client_for, round_2021, quotas_2021, round_2026, quotas_2026, school, school_staff
):
    client = client_for(school_staff)
    old = services.start_proposal(actor=school_staff, round=round_2021)
    new = services.start_proposal(actor=school_staff, round=round_2026)
    for proposal in (old, new):
        pupil = PupilFactory(school=school)
        services.add_proposal_items(
            actor=school_staff, proposal=proposal, entries=[(pupil.pk, "tablet")], version=None
        )
    old_page = client.get(reverse("rounds:proposal", args=[old.pk])).content.decode()
    new_page = client.get(reverse("rounds:proposal", args=[new.pk])).content.decode()
    assert "Gửi Phòng GD&amp;ĐT" in old_page
    assert "Gửi UBND xã Bảo Yên" in new_page
    assert "Gửi Phòng GD&amp;ĐT" not in new_page


def test_a_submitted_2026_list_is_notified_to_the_commune_officers_only(
    round_2026, quotas_2026, school, school_staff, commune_officer, other_commune_officer,
    district_officer, django_capture_on_commit_callbacks,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        _submitted(round_2026, school, school_staff)
    told = set(
        Notification.objects.filter(verb="proposal.submit").values_list("recipient", flat=True)
    )
    assert told == {commune_officer.pk}


# --- quotas per commune ----------------------------------------------------------------


def _sql(query: str, *params) -> int:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]


def test_commune_quotas_and_their_split_on_the_pages_agree_with_sql(
    client_for, round_2026, quotas_2026, school, school_staff, commune_officer, new_commune,
    upper_school, new_province_official,
):  # fmt: skip
    proposal = _submitted(round_2026, school, school_staff, n=3)
    services.approve_proposal(actor=commune_officer, proposal=proposal, version=None)
    table = Quota._meta.db_table
    commune_quota = _sql(
        f"SELECT amount FROM {table} WHERE round_id = %s AND commune_id = %s "  # noqa: S608
        "AND school_id IS NULL AND kind = 'tablet'",
        round_2026.pk,
        new_commune.pk,
    )
    shared = _sql(
        f"SELECT COALESCE(SUM(amount), 0) FROM {table} WHERE round_id = %s "  # noqa: S608
        "AND commune_id = %s AND school_id IS NOT NULL AND kind = 'tablet'",
        round_2026.pk,
        new_commune.pk,
    )
    approved = _sql(
        f"SELECT COUNT(*) FROM {ProposalItem._meta.db_table} i "  # noqa: S608
        f"JOIN {Proposal._meta.db_table} p ON p.id = i.proposal_id "
        "WHERE i.round_id = %s AND p.school_id = %s AND i.status = 'approved'",
        round_2026.pk,
        school.pk,
    )
    assert (commune_quota, shared, approved) == (10, 5, 3)
    page = client_for(new_province_official).get(reverse("rounds:detail", args=[round_2026.pk]))
    rows = {u.unit: u.kinds[0] for u in page.context["units"]}
    assert (rows[new_commune].quota, rows[new_commune].split) == (commune_quota, shared)
    assert rows[new_commune].approved == approved
    assert rows[upper_school].quota == 3
    office = client_for(commune_officer).get(reverse("rounds:detail", args=[round_2026.pk]))
    (tablets,) = [k for k in office.context["progress"] if k.kind == "tablet"]
    assert (tablets.quota, tablets.split, tablets.approved) == (commune_quota, shared, approved)


def test_a_commune_cannot_share_more_than_its_quota_and_a_failed_split_writes_nothing(
    round_2026, quotas_2026, school, commune_officer, new_commune
):
    before = list(Quota.objects.order_by("pk").values_list("pk", "amount"))
    with pytest.raises(services.QuotaExceeded):
        services.split_school_quota(
            actor=commune_officer, round=round_2026, commune=new_commune,
            amounts={(school.pk, "tablet"): 11},
        )  # fmt: skip
    assert list(Quota.objects.order_by("pk").values_list("pk", "amount")) == before


def test_another_commune_officer_cannot_split_this_communes_quota(
    round_2026, quotas_2026, school, other_commune_officer, new_commune
):
    with pytest.raises(Http404):
        services.split_school_quota(
            actor=other_commune_officer, round=round_2026, commune=new_commune,
            amounts={(school.pk, "tablet"): 1},
        )  # fmt: skip


def test_district_quotas_are_refused_in_a_2026_round(round_2026, new_province_official, district):
    with pytest.raises(services.RoundsError):
        services.set_district_quotas(
            actor=new_province_official, round=round_2026, amounts={(district.pk, "tablet"): 5}
        )
    assert not Quota.objects.filter(round=round_2026).exists()


def test_the_quota_grid_page_saves_commune_and_school_quotas(
    client_for, round_2026, new_province_official, new_commune, upper_school
):
    client = client_for(new_province_official)
    url = reverse("rounds:quotas", args=[round_2026.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Xã Bảo Yên" in page.content.decode()
    response = client.post(
        url, {f"q_{new_commune.pk}_tablet": "7", f"s_{upper_school.pk}_tablet": "2"}
    )
    assert response.status_code == 302
    assert set(Quota.objects.filter(round=round_2026).values_list(
        "commune_id", "school_id", "district_id", "amount"
    )) == {(new_commune.pk, None, None, 7), (None, upper_school.pk, None, 2)}  # fmt: skip


def test_the_commune_officer_is_told_of_the_communes_quota(
    round_2026, new_province_official, commune_officer, other_commune_officer, new_commune,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.set_commune_quotas(
            actor=new_province_official, round=round_2026,
            communes={(new_commune.pk, "tablet"): 4},
        )  # fmt: skip
    told = Notification.objects.filter(verb="round.commune_quotas")
    assert set(told.values_list("recipient", flat=True)) == {commune_officer.pk}
    assert "Xã Bảo Yên" in told.get().message


# --- the whole flow on a 2026 round ----------------------------------------------------


def test_the_whole_2026_flow_submit_approve_confirm_allocate(
    round_2026, quotas_2026, school, school_staff, commune_officer, new_province_official,
    province_official,
):  # fmt: skip
    from devices import services as devices
    from devices.models import Allocation, Device
    from tests.devices.factories import DeviceFactory, DeviceSourceFactory

    proposal = _submitted(round_2026, school, school_staff, n=2)
    services.approve_proposal(actor=commune_officer, proposal=proposal, version=None)
    proposal.refresh_from_db()
    services.confirm_proposal(actor=new_province_official, proposal=proposal, version=None)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.CONFIRMED
    assert proposal.confirmed_by == new_province_official
    pupil = proposal.items.first().student
    source = DeviceSourceFactory(created_by=province_official, reference="HĐ 3/2026/HĐMB")
    device = DeviceFactory(
        source=source, holder=Device.Holder.SCHOOL, school=school, district=school.district
    )
    allocation = devices.allocate_device(actor=school_staff, device=device, student=pupil)
    assert Allocation.objects.filter(pk=allocation.pk, student=pupil, school=school).exists()
    assert allocation.proposal_item.proposal == proposal
