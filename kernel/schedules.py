"""Daily periodic tasks that data migrations put into django-celery-beat's tables.

A migration declares its task once (``DailyTask(...)``) and runs ``task.operation()``:
the crontab row (Vietnam time) and the periodic task are created or updated going
forward and removed going back; an administrator may move the time in the admin
afterwards.  The functions work on the migration's historical models (``apps``), so
they only use fields django-celery-beat has had since its migration 0019; change them
only in ways every migration that calls them can live with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import migrations

TIMEZONE = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True, slots=True)
class DailyTask:
    """One task run every day at ``hour:minute`` in the portal's time zone."""

    name: str
    task: str
    description: str
    hour: str
    minute: str

    def schedule(self, apps: Any, schema_editor: Any) -> None:
        crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
        task_model = apps.get_model("django_celery_beat", "PeriodicTask")
        crontab, _created = crontab_model.objects.get_or_create(
            minute=self.minute,
            hour=self.hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=TIMEZONE,
        )
        task_model.objects.update_or_create(
            name=self.name,
            defaults={
                "task": self.task,
                "crontab": crontab,
                "interval": None,
                "enabled": True,
                "description": self.description,
            },
        )

    def unschedule(self, apps: Any, schema_editor: Any) -> None:
        task_model = apps.get_model("django_celery_beat", "PeriodicTask")
        crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
        task_model.objects.filter(name=self.name, task=self.task).delete()
        crontab_model.objects.filter(
            minute=self.minute, hour=self.hour, timezone=TIMEZONE, periodictask__isnull=True
        ).delete()

    def operation(self) -> migrations.RunPython:
        return migrations.RunPython(self.schedule, self.unschedule)
