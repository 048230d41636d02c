"""Schedule the task-queue sweep every 2 minutes in django-celery-beat (editable in the admin)."""

from django.db import migrations

SWEEP_NAME = "Quét hàng đợi tác vụ"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_2, _ = IntervalSchedule.objects.get_or_create(every=2, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SWEEP_NAME,
        defaults={
            "task": "taskqueue.tasks.sweep",
            "interval": every_2,
            "enabled": True,
            "description": (
                "Gửi lại e-mail và tác vụ chưa vào được hàng đợi; đánh dấu thất bại các lần "
                "nhập, tệp xuất và báo cáo bị gián đoạn."
            ),
        },
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=SWEEP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("taskqueue", "0001_outbox_task"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
