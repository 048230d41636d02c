import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.http import Http404
from django_celery_beat.models import PeriodicTask

from accounts.models import Notification
from devices import services, tasks
from devices.importers import import_carrier_statuses
from devices.models import Subscription
from tests.devices.conftest import xlsx
from tests.devices.factories import (
    DataPackageFactory,
    StudentFactory,
    SubscriptionFactory,
    approve,
)

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC)


@pytest.fixture
def package():
    return DataPackageFactory(carrier="vnpt", name="EDU4G", free_months=3)


def subscribe(actor, student, package, **kwargs):
    data = {"phone": "0912 345 678", "iccid": "8984040000000000001", "carrier": "vnpt"}
    data.update(kwargs)
    return services.create_subscription(actor=actor, student=student, package=package, **data)


@time_machine.travel(TODAY)
def test_subscription_period_follows_free_months(school_staff, beneficiary, package):
    subscription = subscribe(school_staff, beneficiary, package)
    assert subscription.phone == "0912345678"
    assert subscription.status == Subscription.Status.REQUESTED
    assert (subscription.starts_on, subscription.ends_on) == (
        dt.date(2026, 11, 25),
        dt.date(2027, 2, 24),
    )


def test_pupil_not_approved_for_data_is_refused(school_staff, pupil, package):
    approve(pupil, "tablet")
    with pytest.raises(ValidationError) as exc:
        subscribe(school_staff, pupil, package)
    assert "chưa được duyệt nhận gói cước" in exc.value.messages[0]
    assert not Subscription.objects.exists()


def test_phone_must_be_valid_and_unique_among_active(school_staff, school, beneficiary, package):
    with pytest.raises(ValidationError) as exc:
        subscribe(school_staff, beneficiary, package, phone="0212345678")
    assert "phone" in exc.value.message_dict
    subscribe(school_staff, beneficiary, package)
    other = StudentFactory(school=school)
    approve(other, "data")
    with pytest.raises(ValidationError) as exc:
        subscribe(school_staff, other, package, iccid="")
    assert exc.value.message_dict["phone"] == [
        "Số thuê bao 0912345678 đang được dùng cho một gói cước khác."
    ]
    # Once the first one has expired the number may be reused.
    Subscription.objects.update(status=Subscription.Status.EXPIRED)
    assert subscribe(school_staff, other, package, iccid="")


def test_iccid_needs_19_or_20_digits(school_staff, beneficiary, package):
    with pytest.raises(ValidationError) as exc:
        subscribe(school_staff, beneficiary, package, iccid="898404000000")
    assert "19 hoặc 20 chữ số" in exc.value.message_dict["iccid"][0]


def test_package_must_belong_to_the_carrier(school_staff, beneficiary, package):
    with pytest.raises(ValidationError) as exc:
        subscribe(school_staff, beneficiary, package, carrier="viettel")
    assert "package" in exc.value.message_dict


def test_other_school_cannot_subscribe_our_pupil(other_school_staff, beneficiary, package):
    with pytest.raises(Http404):
        subscribe(other_school_staff, beneficiary, package)


def test_problem_then_resolution_restores_active(school_staff, beneficiary, package):
    subscription = subscribe(school_staff, beneficiary, package)
    Subscription.objects.update(status=Subscription.Status.ACTIVE)
    subscription.refresh_from_db()
    problem = services.report_problem(
        actor=school_staff, subscription=subscription, kind="no_signal", description="Thôn Khuổi"
    )
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.PROBLEM
    with pytest.raises(ValidationError):
        services.resolve_problem(actor=school_staff, problem=problem, resolution=" ")
    services.resolve_problem(actor=school_staff, problem=problem, resolution="Đã lắp trạm BTS")
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE


# ------------------------------------------------------------ carrier file


@pytest.fixture
def subs(school_staff, school, package):
    made = []
    for n in range(3):
        pupil = StudentFactory(school=school)
        item = approve(pupil, "data")
        made.append(
            SubscriptionFactory(
                student=pupil,
                proposal_item=item,
                package=package,
                phone=f"09120000{n:02d}",
                iccid=f"89840400000000000{n:02d}",
                created_by=school_staff,
                starts_on=dt.date(2026, 11, 1),
                ends_on=dt.date(2027, 1, 31),
            )
        )
    return made


def status_file(*rows):
    return xlsx([["STT", "Số thuê bao", "ICCID", "Trạng thái", "Ngày kích hoạt"], *rows])


@time_machine.travel(TODAY)
def test_carrier_file_activates_after_dry_run(district_officer, subs):
    data = status_file(
        [1, "912000000", "", "Hoạt động", "20/11/2026"],
        [2, "", "8984040000000000001", "Tạm ngưng", ""],
    )
    report = import_carrier_statuses(actor=district_officer, source=data, dry_run=True)
    assert report.ok and report.updated == 2
    assert set(Subscription.objects.values_list("status", flat=True)) == {"requested"}
    import_carrier_statuses(actor=district_officer, source=data, dry_run=False)
    first, second, third = (Subscription.objects.get(pk=s.pk) for s in subs)
    assert first.status == "active" and first.starts_on == dt.date(2026, 11, 20)
    assert first.ends_on == dt.date(2027, 2, 19)
    assert second.status == "suspended"
    assert third.status == "requested"


@time_machine.travel(TODAY)
def test_carrier_file_errors_unknown_and_conflicting(district_officer, subs):
    Subscription.objects.filter(pk=subs[2].pk).update(
        status="expired", ends_on=dt.date(2026, 10, 31)
    )
    data = status_file(
        [1, "0912000000", "", "Hoạt động", ""],
        [2, "0987654321", "", "Hoạt động", ""],
        [3, "0912000000", "", "Tạm ngưng", ""],
        [4, "0912000002", "", "Hoạt động", ""],
        [5, "0912000001", "8984040000000000000", "Hoạt động", ""],
    )
    report = import_carrier_statuses(actor=district_officer, source=data, dry_run=False)
    assert [str(e) for e in report.errors] == [
        "Dòng 3, Số thuê bao: không có thuê bao nào với số 0987654321",
        "Dòng 4: trạng thái mâu thuẫn với dòng 2 của cùng thuê bao",
        "Dòng 5, Trạng thái: thuê bao 0912000002 đã hết hạn (ngày 31/10/2026) nhưng tệp báo "
        "đang hoạt động",
        "Dòng 6: số thuê bao và ICCID thuộc hai thuê bao khác nhau",
    ]
    assert set(Subscription.objects.values_list("status", flat=True)) == {"requested", "expired"}


def test_carrier_file_only_sees_the_users_scope(other_district_officer, subs):
    report = import_carrier_statuses(
        actor=other_district_officer,
        source=status_file([1, "0912000000", "", "Hoạt động", ""]),
        dry_run=True,
    )
    assert [e.message for e in report.errors] == ["không có thuê bao nào với số 0912000000"]


# ----------------------------------------------------------------- expiry task


def test_expiry_task_marks_expired_and_warns_once(school_staff, other_school_staff, subs):
    Subscription.objects.update(status="active")
    Subscription.objects.filter(pk=subs[0].pk).update(ends_on=dt.date(2026, 11, 30))
    Subscription.objects.filter(pk=subs[1].pk).update(ends_on=dt.date(2026, 11, 20))
    with time_machine.travel(TODAY):
        first = tasks.expire_subscriptions.delay().get()
        statuses = dict(Subscription.objects.values_list("pk", "status"))
        notes = Notification.objects.filter(verb="subscription.expiring")
        assert first == {"expired": 1, "notified": 1, "schools": 1}
        assert statuses[subs[1].pk] == "expired" and statuses[subs[0].pk] == "active"
        assert [n.recipient for n in notes] == [school_staff]
        assert Subscription.objects.get(pk=subs[0].pk).expiry_notified_on == TODAY.date()
        second = tasks.expire_subscriptions.delay().get()
        assert second == {"expired": 0, "notified": 0, "schools": 0}
        assert notes.count() == 1
    with time_machine.travel(dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.UTC)):
        tasks.expire_subscriptions.delay().get()
        assert Subscription.objects.get(pk=subs[0].pk).status == "expired"
        assert Notification.objects.filter(verb="subscription.expiring").count() == 1


def test_expiry_task_is_scheduled_daily_at_six_vietnam_time():
    task = PeriodicTask.objects.get(task="devices.tasks.expire_subscriptions")
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour) == ("0", "6")
    assert str(task.crontab.timezone) == "Asia/Ho_Chi_Minh"


def test_expiry_task_retries_a_lost_database_connection():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return {"expired": 0, "notified": 0, "schools": 0}

    with mock.patch("devices.services.expire_subscriptions", side_effect=flaky):
        # Eager mode runs the retry at once (a worker would wait retry_backoff seconds).
        result = tasks.expire_subscriptions.apply(throw=False)
    assert len(calls) == 2
    assert result.get() == {"expired": 0, "notified": 0, "schools": 0}


def test_expiry_task_does_not_retry_a_bug():
    with (
        mock.patch("devices.services.expire_subscriptions", side_effect=ValueError("bug")) as call,
        pytest.raises(ValueError),
    ):
        tasks.expire_subscriptions.delay()
    assert call.call_count == 1
