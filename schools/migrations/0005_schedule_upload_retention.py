"""Run the upload retention task every night; administrators can move it in the admin."""

from django.db import migrations

TASK = "schools.tasks.purge_expired_uploads"
NAME = "Xóa tệp tải lên quá thời hạn lưu trữ"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="2",
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
            "description": "Xóa tệp danh sách đã tải lên sau UPLOAD_RETENTION_DAYS ngày "
            "(mặc định 365); bản ghi lần nhập và số liệu được giữ lại.",
        },
    )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask.objects.filter(name=NAME, task=TASK).delete()
    CrontabSchedule.objects.filter(
        minute="30", hour="2", timezone="Asia/Ho_Chi_Minh", periodictask__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0004_importbatch_file_deleted_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
