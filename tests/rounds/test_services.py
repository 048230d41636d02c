"""Services against the database: scope, quotas, states, versions, locks, audit."""

import pytest
from django.http import Http404

from accounts.models import AuditEvent, Notification
from rounds import services
from rounds.models import Proposal, ProposalItem, SupportRound
from rounds.workflow import TRANSITIONS, RoundsError, TransitionNotAllowed, available_transitions
from tests.rounds.factories import (
    ProposalFactory,
    ProposalItemFactory,
    PupilFactory,
    PupilHouseholdFactory,
    category,
)

pytestmark = pytest.mark.django_db


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# --- the state machine as data ------------------------------------------------------


def test_transitions_are_declared_once_with_their_requirements():
    assert TRANSITIONS["submit"].sources == {"draft", "returned"}
    assert TRANSITIONS["approve"].target == "approved"
    assert TRANSITIONS["reject"].reason_required and TRANSITIONS["return"].reason_required
    assert not TRANSITIONS["approve"].reason_required
    assert TRANSITIONS["confirm"].needs_confirmation_round is True
    assert TRANSITIONS["approve"].capability == "can_approve"
    assert TRANSITIONS["approve"].level == "decider"  # the deciding body of the round's chain


def test_available_transitions_depend_on_role_and_state(
    submitted, school_staff, district_officer, province_official
):
    assert [t.name for t in available_transitions(submitted, district_officer)] == [
        "approve",
        "reject",
        "return",
    ]
    assert available_transitions(submitted, school_staff) == []
    assert available_transitions(submitted, province_official) == []


# --- rounds and quotas ----------------------------------------------------------------


def test_province_opens_round_and_it_is_audited(province_official):
    round_ = services.open_round(
        actor=province_official,
        name="Đợt 2",
        school_year="2021-2022",
        starts_on="2021-10-01",
        ends_on="2021-12-01",
        offers=["data", "tablet"],
    )
    assert round_.status == SupportRound.Status.OPEN
    assert round_.offers == ["tablet", "data"]
    assert AuditEvent.objects.filter(action="round.open", object_id=str(round_.pk)).exists()


@pytest.mark.parametrize("who", ["district_officer", "school_staff"])
def test_only_province_opens_rounds(request, who):
    with pytest.raises(Http404):
        services.open_round(
            actor=request.getfixturevalue(who),
            name="x",
            school_year="2021-2022",
            starts_on="2021-10-01",
            ends_on="2021-12-01",
            offers=["tablet"],
        )


def test_district_quota_cannot_drop_below_what_was_split(
    support_round, province_official, district, quotas
):
    with pytest.raises(services.QuotaExceeded):
        services.set_district_quota(
            actor=province_official, round=support_round, district=district, kind="tablet", amount=9
        )
    services.set_district_quota(
        actor=province_official, round=support_round, district=district, kind="tablet", amount=12
    )
    assert fresh(quotas["district"]).amount == 12


def test_split_school_quota_may_not_exceed_district_quota(
    support_round, district_officer, district, school, other_school, quotas
):
    with pytest.raises(services.QuotaExceeded):
        services.split_school_quota(
            actor=district_officer,
            round=support_round,
            district=district,
            amounts={(school.pk, "tablet"): 6},  # 6 + 5 (other school) > 10
        )
    assert fresh(quotas["school"]).amount == 5
    services.split_school_quota(
        actor=district_officer,
        round=support_round,
        district=district,
        amounts={(school.pk, "tablet"): 2, (other_school.pk, "tablet"): 8},
    )
    assert fresh(quotas["other_school"]).amount == 8


def test_district_cannot_split_another_districts_quota(
    support_round, other_district_officer, district, school, quotas
):
    with pytest.raises(Http404):
        services.split_school_quota(
            actor=other_district_officer,
            round=support_round,
            district=district,
            amounts={(school.pk, "tablet"): 1},
        )


# --- the school's list ----------------------------------------------------------------


def test_school_builds_list_from_its_own_pupils(draft, school_staff, pupils, far_school):
    items = services.add_proposal_items(
        actor=school_staff,
        proposal=draft,
        entries=[(pupils[0].pk, "tablet"), (pupils[0].pk, "data")],
        version=draft.version,
    )
    assert [i.kind for i in items] == ["tablet", "data"]
    assert fresh(draft).version == draft.version + 1
    stranger = PupilFactory(school=far_school)
    with pytest.raises(Http404):
        services.add_proposal_items(
            actor=school_staff, proposal=draft, entries=[(stranger.pk, "tablet")], version=None
        )


def test_pupil_gets_one_kind_of_support_once_per_round(
    support_round, draft, school_staff, pupils, district, quotas
):
    services.add_proposal_items(
        actor=school_staff, proposal=draft, entries=[(pupils[0].pk, "tablet")], version=None
    )
    with pytest.raises(RoundsError, match="chỉ được hưởng một lần"):
        services.add_proposal_items(
            actor=school_staff, proposal=draft, entries=[(pupils[0].pk, "tablet")], version=None
        )
    assert ProposalItem.objects.filter(student=pupils[0]).count() == 1


def test_kind_not_offered_is_refused(draft, school_staff, pupils):
    with pytest.raises(RoundsError):
        services.add_proposal_items(
            actor=school_staff, proposal=draft, entries=[(pupils[0].pk, "computer")], version=None
        )


def test_suggested_order_puts_covid_orphans_poor_no_device_exam_grades_first(
    draft, school, school_staff
):
    def pupil(name, cat, has_device=False, grade=8):
        return PupilFactory(
            school=school,
            full_name=name,
            sort_key=name,
            has_device=has_device,
            grade=grade,
            household=PupilHouseholdFactory(category=category(cat), commune=school.commune),
        )

    hardship = pupil("a hardship", "hardship")
    poor_device = pupil("b poor with device", "poor", has_device=True)
    poor_grade9 = pupil("c poor grade 9", "poor", grade=9)
    poor = pupil("d poor", "poor")
    covid = pupil("e covid", "covid")
    near_poor = pupil("f near poor", "near-poor")
    order = [hardship, poor_device, poor_grade9, poor, covid, near_poor]
    services.add_proposal_items(
        actor=school_staff, proposal=draft, entries=[(p.pk, "tablet") for p in order], version=None
    )
    services.apply_suggested_order(actor=school_staff, proposal=draft, version=None)
    ranked = list(draft.items.order_by("priority").values_list("student__full_name", flat=True))
    assert ranked == [
        "e covid",
        "c poor grade 9",
        "d poor",
        "b poor with device",
        "f near poor",
        "a hardship",
    ]
    assert list(draft.items.order_by("priority").values_list("priority", flat=True)) == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]


def test_school_reorders_and_removes(draft, school_staff, pupils):
    a, b = services.add_proposal_items(
        actor=school_staff,
        proposal=draft,
        entries=[(pupils[0].pk, "tablet"), (pupils[1].pk, "tablet")],
        version=None,
    )
    services.reorder_proposal_items(
        actor=school_staff,
        proposal=draft,
        priorities={a.pk: 2, b.pk: 1},
        kinds={a.pk: "data"},
        version=fresh(draft).version,
    )
    assert fresh(b).priority == 1 and fresh(a).priority == 2 and fresh(a).kind == "data"
    services.remove_proposal_items(
        actor=school_staff, proposal=draft, item_ids=[b.pk], version=fresh(draft).version
    )
    assert list(draft.items.all()) == [a]


def test_stale_version_is_refused_without_overwriting(draft, school_staff, pupils):
    (item,) = services.add_proposal_items(
        actor=school_staff, proposal=draft, entries=[(pupils[0].pk, "tablet")], version=1
    )
    # The page the second user has open still shows version 1.
    with pytest.raises(services.StaleProposal, match="Danh sách đã được người khác thay đổi"):
        services.remove_proposal_items(
            actor=school_staff, proposal=draft, item_ids=[item.pk], version=1
        )
    assert draft.items.count() == 1


def test_submit_beyond_school_quota_is_refused(draft, school_staff, school):
    pupils = [PupilFactory(school=school) for _ in range(6)]
    services.add_proposal_items(
        actor=school_staff, proposal=draft, entries=[(p.pk, "tablet") for p in pupils], version=None
    )
    with pytest.raises(services.QuotaExceeded, match="vượt chỉ tiêu của trường"):
        services.submit_proposal(actor=school_staff, proposal=draft, version=None)
    assert fresh(draft).status == Proposal.Status.DRAFT


def test_submitted_list_is_read_only_for_the_school(submitted, school_staff, pupils):
    with pytest.raises(RoundsError, match="chỉ sửa được khi"):
        services.remove_proposal_items(
            actor=school_staff, proposal=submitted, item_ids=[], version=None
        )


def test_other_school_cannot_touch_the_list(draft, other_school_staff, pupils):
    with pytest.raises(Http404):
        services.add_proposal_items(
            actor=other_school_staff,
            proposal=draft,
            entries=[(pupils[0].pk, "tablet")],
            version=None,
        )


# --- decisions ------------------------------------------------------------------------


def test_district_approves_within_quota_and_locks_eligibility(submitted, district_officer, pupils):
    services.approve_proposal(actor=district_officer, proposal=submitted, version=submitted.version)
    submitted.refresh_from_db()
    assert submitted.status == Proposal.Status.APPROVED
    assert submitted.decided_by == district_officer
    assert set(submitted.items.values_list("status", flat=True)) == {"approved"}
    assert all(fresh(p).eligibility_locked for p in pupils)
    assert AuditEvent.objects.filter(action="student.lock_eligibility").count() == 4


def test_other_district_cannot_approve_reject_or_return(submitted, other_district_officer, pupils):
    for call in (
        lambda: services.approve_proposal(
            actor=other_district_officer, proposal=submitted, version=None
        ),
        lambda: services.reject_proposal(
            actor=other_district_officer, proposal=submitted, reason="x", version=None
        ),
        lambda: services.return_proposal(
            actor=other_district_officer, proposal=submitted, note="x", version=None
        ),
        lambda: services.approve_items(
            actor=other_district_officer,
            proposal=submitted,
            item_ids=[submitted.items.first().pk],
            version=None,
        ),
    ):
        with pytest.raises(Http404):
            call()
    assert fresh(submitted).status == Proposal.Status.SUBMITTED


def test_school_cannot_approve_its_own_list(submitted, school_staff):
    with pytest.raises(Http404):
        services.approve_proposal(actor=school_staff, proposal=submitted, version=None)
    assert fresh(submitted).status == Proposal.Status.SUBMITTED


def test_rejecting_without_reason_fails(submitted, district_officer):
    with pytest.raises(TransitionNotAllowed, match="lý do"):
        services.reject_proposal(
            actor=district_officer, proposal=submitted, reason="  ", version=None
        )
    with pytest.raises(TransitionNotAllowed):
        services.return_proposal(actor=district_officer, proposal=submitted, note="", version=None)
    with pytest.raises(RoundsError):
        services.reject_items(
            actor=district_officer,
            proposal=submitted,
            item_ids=[submitted.items.first().pk],
            reason="",
            version=None,
        )
    assert fresh(submitted).status == Proposal.Status.SUBMITTED


def test_reject_with_reason_is_audited(submitted, district_officer):
    services.reject_proposal(
        actor=district_officer, proposal=submitted, reason="Sai diện hộ", version=None
    )
    event = AuditEvent.objects.get(action="proposal.reject")
    assert event.reason == "Sai diện hộ"
    assert event.changes["status"] == ["submitted", "rejected"]
    assert set(submitted.items.values_list("status", flat=True)) == {"rejected"}


def test_approving_beyond_quota_fails_and_writes_nothing(
    submitted, district_officer, quotas, support_round, other_school
):
    already = ProposalFactory(round=support_round, school=other_school, status="approved")
    for _ in range(7):
        ProposalItemFactory(proposal=already, status="approved")
    audit_before = AuditEvent.objects.count()
    notes_before = Notification.objects.count()
    with pytest.raises(services.QuotaExceeded, match="chỉ tiêu"):
        services.approve_proposal(actor=district_officer, proposal=submitted, version=None)
    submitted.refresh_from_db()
    assert submitted.status == Proposal.Status.SUBMITTED
    assert submitted.version == 1
    assert set(submitted.items.values_list("status", flat=True)) == {"proposed"}
    assert not submitted.items.filter(student__eligibility_locked=True).exists()
    assert AuditEvent.objects.count() == audit_before
    assert Notification.objects.count() == notes_before


def test_single_pupils_can_be_decided_then_list_approved(submitted, district_officer):
    first, second, *rest = list(submitted.items.order_by("priority"))
    services.reject_items(
        actor=district_officer,
        proposal=submitted,
        item_ids=[first.pk],
        reason="Đã có máy",
        version=1,
    )
    services.approve_items(
        actor=district_officer, proposal=submitted, item_ids=[second.pk], version=2
    )
    assert fresh(second).status == "approved" and fresh(second).student.eligibility_locked
    services.approve_proposal(actor=district_officer, proposal=submitted, version=3)
    assert fresh(first).status == "rejected" and fresh(first).reason == "Đã có máy"
    assert all(fresh(i).status == "approved" for i in rest)


def test_return_resets_decisions_and_school_can_resubmit(submitted, district_officer, school_staff):
    item = submitted.items.first()
    services.approve_items(
        actor=district_officer, proposal=submitted, item_ids=[item.pk], version=None
    )
    services.return_proposal(
        actor=district_officer, proposal=submitted, note="Bổ sung học sinh lớp 9", version=None
    )
    submitted.refresh_from_db()
    assert submitted.status == Proposal.Status.RETURNED
    assert submitted.note == "Bổ sung học sinh lớp 9"
    assert fresh(item).status == "proposed"
    assert not fresh(item.student).eligibility_locked
    services.remove_proposal_items(
        actor=school_staff, proposal=submitted, item_ids=[item.pk], version=submitted.version
    )
    services.submit_proposal(actor=school_staff, proposal=submitted, version=None)
    assert fresh(submitted).status == Proposal.Status.SUBMITTED


def test_confirm_only_by_province_and_only_when_required(
    submitted, district_officer, province_official, support_round
):
    services.approve_proposal(actor=district_officer, proposal=submitted, version=None)
    with pytest.raises(Http404):
        services.confirm_proposal(actor=district_officer, proposal=submitted, version=None)
    services.confirm_proposal(actor=province_official, proposal=submitted, version=None)
    assert fresh(submitted).status == Proposal.Status.CONFIRMED
    assert submitted.items.beneficiaries().count() == 4


def test_confirm_refused_when_round_does_not_require_it(
    submitted, district_officer, province_official, support_round
):
    SupportRound.objects.filter(pk=support_round.pk).update(requires_province_confirmation=False)
    services.approve_proposal(actor=district_officer, proposal=submitted, version=None)
    with pytest.raises(TransitionNotAllowed):
        services.confirm_proposal(actor=province_official, proposal=submitted, version=None)
    assert submitted.items.beneficiaries().count() == 4


def test_province_sends_an_approved_list_back_to_the_district(
    submitted, district_officer, province_official, school_staff, pupils
):
    services.approve_proposal(actor=district_officer, proposal=submitted, version=None)
    assert all(fresh(p).eligibility_locked for p in pupils)
    with pytest.raises(RoundsError):  # a reason is required
        services.send_back_proposal(
            actor=province_official, proposal=submitted, reason=" ", version=None
        )
    services.send_back_proposal(
        actor=province_official,
        proposal=submitted,
        reason="Hai em đã nhận máy đợt trước",
        version=None,
    )
    proposal = fresh(submitted)
    assert (proposal.status, proposal.note) == ("submitted", "Hai em đã nhận máy đợt trước")
    assert set(proposal.items.values_list("status", flat=True)) == {"proposed"}
    assert not any(fresh(p).eligibility_locked for p in pupils)  # the quota is free again
    event = AuditEvent.objects.get(action="proposal.send_back")
    assert (event.actor, event.reason) == (province_official, "Hai em đã nhận máy đợt trước")
    told = Notification.objects.filter(verb="proposal.send_back")
    assert {n.recipient for n in told} == {district_officer, school_staff}
    # The district decides again.
    services.approve_proposal(actor=district_officer, proposal=submitted, version=None)
    assert fresh(submitted).status == "approved"


def test_only_the_province_sends_back_and_only_before_confirming(
    submitted, district_officer, province_official, support_round
):
    services.approve_proposal(actor=district_officer, proposal=submitted, version=None)
    with pytest.raises(Http404):
        services.send_back_proposal(
            actor=district_officer, proposal=submitted, reason="x", version=None
        )
    services.confirm_proposal(actor=province_official, proposal=submitted, version=None)
    with pytest.raises(TransitionNotAllowed):
        services.send_back_proposal(
            actor=province_official, proposal=submitted, reason="x", version=None
        )
    assert fresh(submitted).status == "confirmed"


def test_no_send_back_in_rounds_without_confirmation(
    submitted, district_officer, province_official, support_round
):
    SupportRound.objects.filter(pk=support_round.pk).update(requires_province_confirmation=False)
    services.approve_proposal(actor=district_officer, proposal=submitted, version=None)
    with pytest.raises(TransitionNotAllowed):
        services.send_back_proposal(
            actor=province_official, proposal=submitted, reason="x", version=None
        )
    assert submitted.items.beneficiaries().count() == 4


# --- closed rounds --------------------------------------------------------------------


def test_nobody_can_act_on_a_closed_round(
    submitted,
    draft_other,
    support_round,
    district_officer,
    province_official,
    school_staff,
    other_school_staff,
    district,
    pupils,
):
    services.close_round(actor=province_official, round=support_round, reason="Hết hạn")
    with pytest.raises(RoundsError):
        services.approve_proposal(actor=district_officer, proposal=submitted, version=None)
    with pytest.raises(RoundsError):
        services.reject_proposal(
            actor=district_officer, proposal=submitted, reason="x", version=None
        )
    with pytest.raises(RoundsError):
        services.approve_items(
            actor=district_officer,
            proposal=submitted,
            item_ids=[submitted.items.first().pk],
            version=None,
        )
    with pytest.raises(RoundsError):
        services.submit_proposal(actor=other_school_staff, proposal=draft_other, version=None)
    with pytest.raises(RoundsError):
        services.start_proposal(actor=school_staff, round=support_round)
    with pytest.raises(RoundsError):
        services.set_district_quota(
            actor=province_official,
            round=support_round,
            district=district,
            kind="tablet",
            amount=50,
        )
    with pytest.raises(RoundsError):
        services.update_round(actor=province_official, round=support_round, name="Đổi tên")
    assert fresh(submitted).status == Proposal.Status.SUBMITTED


@pytest.fixture
def draft_other(support_round, other_school, quotas):
    proposal = ProposalFactory(round=support_round, school=other_school)
    ProposalItemFactory(proposal=proposal)
    return proposal


# --- eligibility lock -----------------------------------------------------------------


def test_unlock_eligibility_by_approver_of_the_pupils_district(
    submitted, district_officer, other_district_officer, province_official, pupils
):
    services.approve_proposal(actor=district_officer, proposal=submitted, version=None)
    pupil = pupils[0]
    with pytest.raises(Http404):
        services.unlock_eligibility(actor=other_district_officer, student=pupil, reason="x")
    with pytest.raises(RoundsError):
        services.unlock_eligibility(actor=district_officer, student=pupil, reason=" ")
    services.unlock_eligibility(
        actor=district_officer, student=pupil, reason="Sai diện hộ, sửa lại"
    )
    assert not fresh(pupil).eligibility_locked
    event = AuditEvent.objects.filter(action="student.unlock_eligibility").get()
    assert event.reason == "Sai diện hộ, sửa lại"
    services.unlock_eligibility(
        actor=province_official, student=pupils[1], reason="Sở cho phép điều chỉnh"
    )
    assert not fresh(pupils[1]).eligibility_locked


def test_school_cannot_unlock(submitted, district_officer, school_staff, pupils):
    services.approve_proposal(actor=district_officer, proposal=submitted, version=None)
    with pytest.raises(Http404):
        services.unlock_eligibility(actor=school_staff, student=pupils[0], reason="x")


def test_submission_time_is_recorded(draft, school_staff, pupils):
    import datetime as dt
    from zoneinfo import ZoneInfo

    import time_machine

    services.add_proposal_items(
        actor=school_staff, proposal=draft, entries=[(pupils[0].pk, "tablet")], version=None
    )
    moment = dt.datetime(2021, 10, 5, 8, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    with time_machine.travel(moment, tick=False):
        services.submit_proposal(actor=school_staff, proposal=draft, version=None)
    draft.refresh_from_db()
    assert draft.submitted_at == moment
    assert draft.submitted_by == school_staff


def test_round_cannot_drop_an_offer_already_proposed(submitted, province_official, support_round):
    with pytest.raises(RoundsError, match="đã có học sinh"):
        services.update_round(actor=province_official, round=support_round, offers=["data"])
    assert fresh(support_round).offers == ["tablet", "data"]
