"""The daily beat schedule that data migrations write (kernel.schedules)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from kernel.schedules import TIMEZONE, DailyTask

pytestmark = pytest.mark.django_db

TASK = DailyTask(
    name="Tác vụ thử",
    task="kernel.tests.nightly",
    description="Mô tả thử.",
    hour="3",
    minute="45",
)


def test_schedule_twice_writes_one_task_at_the_given_time():
    TASK.schedule(apps, None)
    TASK.schedule(apps, None)
    task = PeriodicTask.objects.get(name="Tác vụ thử")
    assert (task.task, task.description, task.enabled) == (
        "kernel.tests.nightly",
        "Mô tả thử.",
        True,
    )
    assert task.interval is None
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week, str(crontab.timezone)) == (
        "45",
        "3",
        "*",
        TIMEZONE,
    )
    assert CrontabSchedule.objects.filter(minute="45", hour="3").count() == 1


def test_unschedule_removes_the_task_and_its_unused_crontab():
    TASK.schedule(apps, None)
    TASK.unschedule(apps, None)
    assert not PeriodicTask.objects.filter(name="Tác vụ thử").exists()
    assert not CrontabSchedule.objects.filter(minute="45", hour="3").exists()


def test_unschedule_keeps_a_crontab_another_task_still_uses():
    TASK.schedule(apps, None)
    crontab = PeriodicTask.objects.get(name="Tác vụ thử").crontab
    PeriodicTask.objects.create(name="Tác vụ khác", task="kernel.tests.other", crontab=crontab)
    TASK.unschedule(apps, None)
    assert not PeriodicTask.objects.filter(name="Tác vụ thử").exists()
    assert CrontabSchedule.objects.filter(pk=crontab.pk).exists()
