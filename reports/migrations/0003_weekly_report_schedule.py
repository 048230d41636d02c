"""Schedule the weekly progress report (Monday 07:00, Vietnam time) and the pending-report sweep.

Both live in django-celery-beat so an administrator can change them in the admin.
"""

from django.db import migrations

WEEKLY_NAME = "Báo cáo tiến độ hằng tuần"
SWEEP_NAME = "Lập các báo cáo tiến độ đang chờ"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="7",
        day_of_week="1",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Ho_Chi_Minh",
    )
    PeriodicTask.objects.get_or_create(
        name=WEEKLY_NAME,
        defaults={
            "task": "reports.tasks.generate_progress_report",
            "crontab": crontab,
            "enabled": True,
            "description": "Lập báo cáo tiến độ tuần trước và gửi e-mail cho nơi nhận.",
        },
    )
    every_5, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SWEEP_NAME,
        defaults={
            "task": "reports.tasks.process_pending_reports",
            "interval": every_5,
            "enabled": True,
            "description": "Lập các báo cáo được yêu cầu khi hàng đợi tác vụ chưa sẵn sàng.",
        },
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[WEEKLY_NAME, SWEEP_NAME]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_report_queue_times_and_outreach_updated_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
