"""Close rounds past their end date every night; administrators can move it in the admin."""

from django.db import migrations

TASK = "rounds.tasks.close_past_rounds"
NAME = "Đóng đợt hỗ trợ đã qua ngày kết thúc"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="10",
        hour="0",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Ho_Chi_Minh",
    )
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "interval": None,
            "enabled": True,
            "description": "Đóng các đợt hỗ trợ đang mở đã qua ngày kết thúc đợt và báo cho "
            "Phòng GD&ĐT; chạy lại không đóng lần hai.",
        },
    )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask.objects.filter(name=NAME, task=TASK).delete()
    CrontabSchedule.objects.filter(
        minute="10", hour="0", timezone="Asia/Ho_Chi_Minh", periodictask__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rounds", "0003_deadline_extensions_and_closing_date"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
