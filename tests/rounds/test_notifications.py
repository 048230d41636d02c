"""Every transition notifies the next actor once, after commit; never for a rolled-back one."""

import pytest
from django.core import mail
from django.db import transaction

from accounts.models import Notification
from rounds import services
from tests.accounts.factories import UserFactory, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(draft, school_staff, pupils):
    services.add_proposal_items(
        actor=school_staff, proposal=draft, entries=[(p.pk, "tablet") for p in pupils], version=None
    )
    return draft


def test_submit_notifies_district_officers_once_after_commit(
    listed,
    school_staff,
    district_officer,
    other_district_officer,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.submit_proposal(actor=school_staff, proposal=listed, version=None)
    # Nothing is e-mailed before the transaction commits.
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [[district_officer.email]]
    notes = Notification.objects.filter(verb="proposal.submit")
    assert [n.recipient for n in notes] == [district_officer]
    assert notes[0].url.endswith(f"/de-xuat/{listed.pk}/")


def test_approval_notifies_school_and_province_when_confirmation_required(
    submitted,
    district_officer,
    school_staff,
    province_official,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.approve_proposal(actor=district_officer, proposal=submitted, version=None)
    assert len(callbacks) == 2
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([school_staff.email, province_official.email])
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_proposal(actor=province_official, proposal=submitted, version=None)
    confirm = Notification.objects.filter(verb="proposal.confirm")
    assert sorted(n.recipient.username for n in confirm) == sorted(
        [school_staff.username, district_officer.username]
    )
    assert len(mail.outbox) == 4


@pytest.mark.parametrize(
    "call",
    [
        lambda p, u: services.reject_proposal(actor=u, proposal=p, reason="Sai diện", version=None),
        lambda p, u: services.return_proposal(actor=u, proposal=p, note="Bổ sung", version=None),
    ],
    ids=["reject", "return"],
)
def test_reject_and_return_notify_school_staff(
    call, submitted, district_officer, school_staff, django_capture_on_commit_callbacks
):
    inactive = UserFactory(role=role("school_staff"), school=submitted.school, is_active=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call(submitted, district_officer)
    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [[school_staff.email]]
    assert not Notification.objects.filter(recipient=inactive).exists()


def test_no_notification_for_a_rolled_back_transition(
    listed, school_staff, district_officer, django_capture_on_commit_callbacks
):
    class Boom(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        services.submit_proposal(actor=school_staff, proposal=listed, version=None)
        raise Boom
    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()
    listed.refresh_from_db()
    assert listed.status == "draft"


def test_refused_transition_sends_nothing(
    submitted, district_officer, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(services.RoundsError),
    ):
        services.reject_proposal(
            actor=district_officer, proposal=submitted, reason="", version=None
        )
    assert callbacks == [] and mail.outbox == []
    assert not Notification.objects.exists()


def test_submission_with_the_broker_down_succeeds_and_its_email_is_sent_later(
    client_for,
    listed,
    school_staff,
    district_officer,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    from django.urls import reverse
    from kombu.exceptions import OperationalError

    from taskqueue.services import sweep

    def refuse(self, *args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr("celery.app.task.Task.apply_async", refuse)
    listed.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(school_staff).post(
            reverse("rounds:proposal_transition", args=[listed.pk, "submit"]),
            {"version": listed.version},
        )
    assert response.status_code == 302
    listed.refresh_from_db()
    assert listed.status == "submitted"
    assert mail.outbox == []
    monkeypatch.undo()
    sweep()
    assert [m.to for m in mail.outbox] == [[district_officer.email]]
