"""Run devices.tasks.expire_subscriptions every day at 06:00 Vietnam time (django-celery-beat).

Administrators may change the schedule in the admin afterwards.
"""

from django.db import migrations

TASK_NAME = "Gói cước: đánh dấu hết hạn, báo trước 14 ngày"
TASK = "devices.tasks.expire_subscriptions"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="6",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Ho_Chi_Minh",
    )
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "interval": None,
            "enabled": True,
            "description": "Đánh dấu thuê bao gói cước hết hạn và thông báo cho trường các "
            "thuê bao sắp hết hạn trong 14 ngày (mỗi thuê bao một lần).",
        },
    )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask.objects.filter(name=TASK_NAME, task=TASK).delete()
    CrontabSchedule.objects.filter(
        minute="0", hour="6", timezone="Asia/Ho_Chi_Minh", periodictask__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("devices", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
