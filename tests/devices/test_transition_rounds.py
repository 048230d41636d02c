"""The transition's round side: lists awaiting a district decision, school shares and
district quotas of rounds not closed, and the rounds' approval chain."""

from __future__ import annotations

import datetime as dt

import pytest

from devices.transition import ChoicesError, TransitionRefused, plan, transition_offices
from rounds.models import Proposal, Quota, SupportRound
from schools.models import SchoolPlacement
from schools.offices import OfficeChart
from tests.devices.transition_world import AFTER, admin, sql, table_counts, world
from tests.rounds.factories import ProposalFactory, QuotaFactory, SupportRoundFactory

__all__ = ["admin", "world"]  # fixtures


def quota_totals() -> list[tuple]:
    return sql(
        "SELECT round_id, kind, SUM(amount) FROM rounds_quota WHERE school_id IS NULL "
        "GROUP BY round_id, kind ORDER BY round_id, kind"
    )


@pytest.fixture
def rounds(world):
    open_round = SupportRoundFactory(
        province=world.old, chain=SupportRound.Chain.DISTRICT, created_by=world.officer
    )
    closed = SupportRoundFactory(
        province=world.old,
        chain=SupportRound.Chain.DISTRICT,
        status=SupportRound.Status.CLOSED,
        created_by=world.officer,
        starts_on=dt.date(2021, 9, 1),
        ends_on=dt.date(2021, 10, 1),
    )
    return open_round, closed


def test_a_clear_districts_quota_goes_whole_to_its_commune_a_split_one_waits(world, rounds):
    open_round, closed = rounds
    QuotaFactory(round=open_round, district=world.a, amount=50)
    waiting = QuotaFactory(round=open_round, district=world.b, amount=30)
    QuotaFactory(round=closed, district=world.a, amount=40)  # history: stays
    current = plan(world.old, on=AFTER)
    moves = {m.key: m for m in current.moves if m.kind == "quota"}
    assert len(moves) == 2
    assert [m.key for m in current.waiting] == [f"quota:{waiting.pk}"]
    assert current.rounds == [open_round]


def test_quotas_are_split_as_chosen_and_their_totals_kept(world, rounds, admin):
    open_round, closed = rounds
    QuotaFactory(round=open_round, district=world.a, amount=50)
    split = QuotaFactory(round=open_round, district=world.b, amount=30)
    QuotaFactory(round=open_round, district=world.b, amount=7, kind="data")
    data = Quota.objects.get(round=open_round, district=world.b, kind="data")
    QuotaFactory(round=closed, district=world.a, amount=40)
    totals = quota_totals()
    with pytest.raises(ChoicesError) as wrong:
        transition_offices(
            actor=admin,
            province=world.old,
            on=AFTER,
            choices={
                f"quota:{split.pk}": {"15200": 20, "15300": 5},
                f"quota:{data.pk}": {"15200": 7},
            },
        )
    assert "25" in wrong.value.messages[0] and "30" in wrong.value.messages[0]
    transition_offices(
        actor=admin,
        province=world.old,
        on=AFTER,
        choices={f"quota:{split.pk}": {"15200": 20, "15300": 10}, f"quota:{data.pk}": {"15200": 7}},
    )
    assert quota_totals() == totals
    assert sql(
        "SELECT c.code, q.kind, q.amount FROM rounds_quota q JOIN schools_commune c "
        "ON c.id = q.commune_id WHERE q.round_id = %s ORDER BY c.code, q.kind",
        (open_round.pk,),
    ) == [
        ("15100", "tablet", 50),
        ("15200", "data", 7),
        ("15200", "tablet", 20),
        ("15300", "tablet", 10),
    ]
    assert sql(
        "SELECT COUNT(*) FROM rounds_quota WHERE district_id IS NOT NULL AND round_id = %s",
        (open_round.pk,),
    ) == [(0,)]
    assert sql("SELECT amount FROM rounds_quota WHERE round_id = %s", (closed.pk,)) == [(40,)]
    assert sql("SELECT id, chain FROM rounds_supportround ORDER BY id") == [
        (open_round.pk, "commune"),
        (closed.pk, "district"),
    ]


def test_submitted_lists_go_to_the_deciding_office_of_their_school(world, rounds, admin):
    open_round, _closed = rounds
    at_a = ProposalFactory(round=open_round, school=world.school_a, status="submitted")
    thpt = ProposalFactory(round=open_round, school=world.thpt_a, status="submitted")
    ProposalFactory(round=open_round, school=world.school_b, status="draft")  # not in flight
    current = plan(world.old, on=AFTER)
    targets = {m.obj.pk: str(m.target) for m in current.moves if m.kind == "proposal"}
    assert targets == {at_a.pk: "UBND Xã Bắc Hà", thpt.pk: "Sở GD&ĐT Lào Cai"}
    transition_offices(actor=admin, province=world.old, on=AFTER, choices={})
    assert (
        sql(
            "SELECT object_id, changes FROM accounts_auditevent WHERE action = 'transition.proposal' "
            "ORDER BY object_id"
        )
        and Proposal.objects.filter(status="submitted").count() == 2
    )


def test_a_list_of_a_school_whose_commune_was_split_waits_until_its_commune_is_chosen(
    world, rounds, admin
):
    open_round, _closed = rounds
    proposal = ProposalFactory(round=open_round, school=world.school_split, status="submitted")
    share = QuotaFactory(round=open_round, district=world.b, school=world.school_split, amount=4)
    before = table_counts()
    with pytest.raises(TransitionRefused) as refused:
        transition_offices(actor=admin, province=world.old, on=AFTER, choices={})
    assert any("school:08700002" in line for line in refused.value.messages)
    assert table_counts() == before
    transition_offices(
        actor=admin, province=world.old, on=AFTER, choices={"school:08700002": "15300"}
    )
    placement = SchoolPlacement.objects.get(school=world.school_split)
    assert (placement.commune, placement.valid_from) == (world.c3, dt.date(2025, 7, 1))
    chart = OfficeChart.load([world.school_split], on=AFTER)
    assert chart.office(world.school_split) == world.offices["15300"]
    share.refresh_from_db()
    assert (share.district_id, share.commune_id, share.amount) == (None, world.c3.pk, 4)
    proposal.refresh_from_db()
    assert proposal.status == "submitted"
    assert sql("SELECT chain FROM rounds_supportround WHERE id = %s", (open_round.pk,)) == [
        ("commune",)
    ]


def test_rounds_side_second_run_writes_nothing(world, rounds, admin):
    open_round, _closed = rounds
    QuotaFactory(round=open_round, district=world.a, amount=50)
    ProposalFactory(round=open_round, school=world.school_a, status="submitted")
    transition_offices(actor=admin, province=world.old, on=AFTER, choices={})
    before = table_counts()
    assert plan(world.old, on=AFTER).is_empty
    transition_offices(actor=admin, province=world.old, on=AFTER, choices={})
    assert table_counts() == before


def test_a_round_moved_to_the_communes_can_still_be_edited(world, rounds, admin):
    from rounds.services import update_round
    from tests.accounts.factories import UserFactory, role

    open_round, _closed = rounds
    QuotaFactory(round=open_round, district=world.a, amount=50)
    transition_offices(actor=admin, province=world.old, on=AFTER, choices={})
    so = UserFactory(username="so_moi", role=role("province_officer"), province=world.new)
    open_round.refresh_from_db()
    update_round(actor=so, round=open_round, name="Đợt 1 (sau sắp xếp)")
    open_round.refresh_from_db()
    assert (open_round.name, open_round.chain) == ("Đợt 1 (sau sắp xếp)", "commune")
