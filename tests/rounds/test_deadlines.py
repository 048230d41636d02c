"""The proposal deadline: enforced at submission, extended with a reason, rounds closed."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from accounts.models import AuditEvent, Notification
from rounds import services, tasks
from rounds.models import DeadlineExtension, Proposal, SupportRound
from tests.rounds.factories import ProposalItemFactory, SupportRoundFactory

pytestmark = pytest.mark.django_db

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
DEADLINE = dt.date(2021, 12, 31)


def on(day, hour=9, minute=0):
    return time_machine.travel(dt.datetime(*day, hour, minute, tzinfo=VN), tick=False)


@pytest.fixture
def support_round(province_official):
    """Proposals due 31/12/2021; the round ends 30/01/2022."""
    return SupportRoundFactory(
        created_by=province_official, ends_on=DEADLINE, closes_on=dt.date(2022, 1, 30)
    )


@pytest.fixture
def listed(draft, pupils):
    for n, pupil in enumerate(pupils[:2], start=1):
        ProposalItemFactory(proposal=draft, student=pupil, priority=n)
    return draft


def submit(proposal, user):
    return services.submit_proposal(actor=user, proposal=proposal, version=None)


# --- enforcement -----------------------------------------------------------------------


def test_school_submits_on_the_last_day_until_midnight_vietnam_time(listed, school_staff):
    with on((2021, 12, 31), 23, 59):
        assert submit(listed, school_staff).status == Proposal.Status.SUBMITTED


def test_school_cannot_submit_after_the_deadline(listed, school_staff):
    with on((2022, 1, 1), 0, 1), pytest.raises(services.RoundsError) as refused:
        submit(listed, school_staff)
    assert refused.value.message == (
        "Đã quá hạn đề xuất của trường (31/12/2021); không thể gửi danh sách. "
        "Nếu trường cần thêm thời gian, đề nghị Phòng GD&ĐT gia hạn."
    )
    listed.refresh_from_db()
    assert listed.status == Proposal.Status.DRAFT and listed.submitted_at is None
    assert not Notification.objects.filter(verb="proposal.submit").exists()


def test_late_submission_through_the_page_shows_the_message(client_for, listed, school_staff):
    client = client_for(school_staff)
    with on((2022, 1, 3)):
        page = client.get(reverse("rounds:proposal", args=[listed.pk]))
        assert "Đã quá hạn đề xuất (31/12/2021)" in page.content.decode()
        response = client.post(
            reverse("rounds:proposal_transition", args=[listed.pk, "submit"]),
            {"version": listed.version},
            follow=True,
        )
    assert "Đã quá hạn đề xuất của trường (31/12/2021)" in response.content.decode()
    listed.refresh_from_db()
    assert listed.status == Proposal.Status.DRAFT


def test_a_list_returned_for_correction_may_come_back_after_the_deadline(
    listed, school_staff, district_officer
):
    with on((2021, 12, 30)):
        submit(listed, school_staff)
    with on((2022, 1, 5)):
        services.return_proposal(
            actor=district_officer, proposal=listed, note="Bổ sung giấy chứng nhận", version=None
        )
        assert submit(listed, school_staff).status == Proposal.Status.SUBMITTED


# --- extensions ------------------------------------------------------------------------


def test_district_extends_for_one_school_with_a_reason_audited_and_notified(
    listed, school_staff, other_school_staff, district_officer, support_round, school
):
    with on((2022, 1, 2)):
        until = services.extend_deadline(
            actor=district_officer,
            round=support_round,
            school=school,
            until=dt.date(2022, 1, 10),
            reason="Trường vùng sâu, mất điện nhiều ngày",
        )
        assert until == dt.date(2022, 1, 10)
        assert submit(listed, school_staff).status == Proposal.Status.SUBMITTED
    ext = DeadlineExtension.objects.get()
    assert (ext.school, ext.district, ext.granted_by) == (school, school.district, district_officer)
    event = AuditEvent.objects.get(action="round.extend_deadline")
    assert (
        event.actor == district_officer and event.reason == "Trường vùng sâu, mất điện nhiều ngày"
    )
    assert event.changes == {
        "Hạn đề xuất – Trường PTDTBT THCS Tân Tiến": ["2021-12-31", "2022-01-10"]
    }
    assert (event.school_id_snapshot, event.district_id_snapshot) == (school.pk, school.district_id)
    (note,) = Notification.objects.filter(verb="round.extend_deadline")
    assert note.recipient == school_staff
    assert note.message == (
        f"Phòng GD&ĐT gia hạn đề xuất đợt “{support_round.name}” cho Trường PTDTBT THCS Tân Tiến "
        "đến hết ngày 10/01/2022. Lý do: Trường vùng sâu, mất điện nhiều ngày"
    )


def test_an_extension_for_one_school_does_not_help_the_others(
    district_officer, support_round, school, other_school, other_school_staff
):
    other = Proposal.objects.create(round=support_round, school=other_school)
    ProposalItemFactory(proposal=other)
    with on((2022, 1, 2)):
        services.extend_deadline(
            actor=district_officer, round=support_round, school=school,
            until=dt.date(2022, 1, 10), reason="Mất điện",
        )  # fmt: skip
        with pytest.raises(services.RoundsError):
            submit(other, other_school_staff)


def test_district_extends_for_all_its_schools_and_province_for_the_round(
    district_officer, province_official, support_round, district, school, other_school,
    far_school, school_staff, far_school_staff, quotas,
):  # fmt: skip
    with on((2021, 12, 20)):
        services.extend_deadline(
            actor=district_officer, round=support_round, district=district,
            until=dt.date(2022, 1, 5), reason="Lũ quét",
        )  # fmt: skip
        assert services.school_deadlines(support_round, [school, other_school, far_school]) == {
            school.pk: dt.date(2022, 1, 5),
            other_school.pk: dt.date(2022, 1, 5),
            far_school.pk: DEADLINE,
        }
        services.extend_deadline(
            actor=province_official, round=support_round, until=dt.date(2022, 1, 8),
            reason="Chờ nguồn tài trợ bổ sung",
        )  # fmt: skip
    support_round.refresh_from_db()
    assert support_round.ends_on == dt.date(2022, 1, 8)
    assert services.school_deadline(support_round, far_school) == dt.date(2022, 1, 8)
    assert AuditEvent.objects.get(
        action="round.extend_deadline", actor=province_official
    ).changes == {"ends_on": ["2021-12-31", "2022-01-08"]}
    told = Notification.objects.filter(verb="round.extend_deadline")
    assert {n.recipient.username for n in told} >= {"truong", "truong_xa", "phong"}


@pytest.mark.parametrize(
    ("until", "reason", "message"),
    [
        (dt.date(2021, 12, 30), "Lũ", "Hạn mới phải sau hạn đề xuất hiện tại (31/12/2021)."),
        (dt.date(2022, 2, 5), "Lũ", "Hạn mới (05/02/2022) sau ngày kết thúc đợt (30/01/2022)."),
        (dt.date(2022, 1, 5), "  ", "Vui lòng nhập lý do gia hạn."),
    ],
)
def test_bad_extensions_are_refused_and_write_nothing(
    district_officer, support_round, school, until, reason, message
):
    with on((2021, 12, 20)), pytest.raises(services.RoundsError) as refused:
        services.extend_deadline(
            actor=district_officer, round=support_round, school=school, until=until,
            reason=reason,
        )  # fmt: skip
    assert refused.value.message.startswith(message)
    assert not DeadlineExtension.objects.exists()
    assert not AuditEvent.objects.filter(action="round.extend_deadline").exists()


def test_other_district_and_schools_cannot_extend(
    other_district_officer, school_staff, district_officer, support_round, school, district
):
    from django.http import Http404

    with on((2021, 12, 20)):
        for actor, target in [
            (other_district_officer, {"school": school}),
            (other_district_officer, {"district": district}),
            (school_staff, {"school": school}),
            (district_officer, {}),  # the whole round is the province's
        ]:
            with pytest.raises(Http404):
                services.extend_deadline(
                    actor=actor, round=support_round, until=dt.date(2022, 1, 5),
                    reason="Lũ", **target,
                )  # fmt: skip
    assert not DeadlineExtension.objects.exists()


def test_extending_again_moves_the_same_extension(district_officer, support_round, school):
    with on((2021, 12, 20)):
        for day in (5, 9):
            services.extend_deadline(
                actor=district_officer, round=support_round, school=school,
                until=dt.date(2022, 1, day), reason=f"Lần {day}",
            )  # fmt: skip
    ext = DeadlineExtension.objects.get()
    assert (ext.until, ext.reason) == (dt.date(2022, 1, 9), "Lần 9")
    events = AuditEvent.objects.filter(action="round.extend_deadline").order_by("pk")
    assert [e.changes for e in events] == [
        {"Hạn đề xuất – Trường PTDTBT THCS Tân Tiến": ["2021-12-31", "2022-01-05"]},
        {"Hạn đề xuất – Trường PTDTBT THCS Tân Tiến": ["2022-01-05", "2022-01-09"]},
    ]


# --- pages -----------------------------------------------------------------------------


def test_district_extends_on_the_deadline_page(
    client_for, district_officer, support_round, school, quotas
):
    client = client_for(district_officer)
    target = reverse("rounds:deadlines", args=[support_round.pk])
    with on((2021, 12, 28)):
        page = client.get(target)
        assert page.status_code == 200
        response = client.post(
            target, {"target": f"s:{school.pk}", "until": "2022-01-07", "reason": "Lũ quét"},
            follow=True,
        )  # fmt: skip
    body = response.content.decode()
    assert "Đã gia hạn đề xuất đến hết ngày 07/01/2022." in body
    assert "Lũ quét" in body
    assert DeadlineExtension.objects.get().until == dt.date(2022, 1, 7)


def test_deadline_page_refuses_schools_and_other_districts_targets(
    client_for, school_staff, other_district_officer, support_round, school, quotas
):
    target = reverse("rounds:deadlines", args=[support_round.pk])
    assert client_for(school_staff).get(target).status_code == 404
    with on((2021, 12, 28)):
        response = client_for(other_district_officer).post(
            target, {"target": f"s:{school.pk}", "until": "2022-01-07", "reason": "Lũ"}
        )
    # Not one of the other district's schools: the form refuses the choice.
    assert response.status_code == 200
    assert not DeadlineExtension.objects.exists()


def test_school_page_shows_its_extended_deadline(
    client_for, district_officer, school_staff, support_round, school, quotas
):
    with on((2021, 12, 28)):
        services.extend_deadline(
            actor=district_officer, round=support_round, school=school,
            until=dt.date(2022, 1, 7), reason="Lũ",
        )  # fmt: skip
        page = client_for(school_staff).get(reverse("rounds:detail", args=[support_round.pk]))
    body = page.content.decode()
    assert "Hạn đề xuất của trường: <strong>07/01/2022</strong>" in body
    assert "đã gia hạn" in body


# --- closing rounds past their end -----------------------------------------------------


def test_sweep_closes_rounds_past_their_end_date_once(
    support_round, province_official, district_officer, quotas
):
    SupportRoundFactory(created_by=province_official, name="Đợt sau", ends_on=dt.date(2022, 3, 1),
                        closes_on=dt.date(2022, 3, 31))  # fmt: skip
    with on((2022, 1, 30), 23, 59):
        assert tasks.close_past_rounds.delay().get() == 0  # its last day still open
    with on((2022, 1, 31), 0, 10):
        assert tasks.close_past_rounds.delay().get() == 1
        assert tasks.close_past_rounds.delay().get() == 0  # safe to run twice
    support_round.refresh_from_db()
    assert support_round.status == SupportRound.Status.CLOSED
    assert SupportRound.objects.get(name="Đợt sau").status == SupportRound.Status.OPEN
    (event,) = AuditEvent.objects.filter(action="round.close")
    assert event.actor is None
    assert event.reason == "Tự động đóng: đã qua ngày kết thúc đợt 30/01/2022."
    (note,) = Notification.objects.filter(verb="round.close")
    assert note.recipient == district_officer


def test_sweep_leaves_rounds_without_an_end_date(province_official):
    SupportRoundFactory(created_by=province_official, ends_on=dt.date(2021, 10, 1))
    assert services.close_past_rounds() == 0


def test_the_sweep_is_scheduled_in_celery_beat():
    task = PeriodicTask.objects.get(task="rounds.tasks.close_past_rounds")
    assert task.enabled and task.crontab.hour == "0" and task.crontab.minute == "10"
    assert str(task.crontab.timezone) == "Asia/Ho_Chi_Minh"


def test_new_rounds_end_thirty_days_after_their_deadline(province_official):
    round_ = services.open_round(
        actor=province_official, name="Đợt 3", school_year="2021-2022",
        starts_on=dt.date(2021, 10, 1), ends_on=dt.date(2021, 11, 30), offers=["tablet"],
    )  # fmt: skip
    assert round_.closes_on == dt.date(2021, 12, 30)
    with pytest.raises(services.RoundsError):
        services.update_round(actor=province_official, round=round_, closes_on=dt.date(2021, 11, 1))


def test_round_end_cannot_come_before_an_extension(
    province_official, district_officer, support_round, school
):
    with on((2021, 12, 20)):
        services.extend_deadline(
            actor=district_officer, round=support_round, school=school,
            until=dt.date(2022, 1, 20), reason="Lũ",
        )  # fmt: skip
        with pytest.raises(services.RoundsError) as refused:
            services.update_round(
                actor=province_official, round=support_round, closes_on=dt.date(2022, 1, 15)
            )
    assert "20/01/2022" in refused.value.message


def test_migrations_are_in_step_with_the_models():
    call_command("makemigrations", "rounds", "--check", "--dry-run", verbosity=0)


def test_moving_the_deadline_on_the_edit_form_tells_the_units(
    province_official, district_officer, school_staff, support_round, quotas
):
    services.update_round(
        actor=province_official, round=support_round, ends_on=dt.date(2022, 1, 10)
    )
    told = Notification.objects.filter(verb="round.update")
    assert sorted(n.recipient.username for n in told) == ["phong", "truong"]
    assert told[0].message == (
        f"Sở GD&ĐT đã đổi hạn đề xuất đợt “{support_round.name}” từ 31/12/2021 thành 10/01/2022."
    )
    services.update_round(actor=province_official, round=support_round, name="Đợt 1 (sửa tên)")
    assert told.count() == 2  # only a new deadline is news
