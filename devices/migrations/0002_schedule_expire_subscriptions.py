"""Run devices.tasks.expire_subscriptions every day at 06:00 Vietnam time (django-celery-beat).

Administrators may change the schedule in the admin afterwards.
"""

from django.db import migrations

from kernel.schedules import DailyTask

EXPIRE_SUBSCRIPTIONS = DailyTask(
    name="Gói cước: đánh dấu hết hạn, báo trước 14 ngày",
    task="devices.tasks.expire_subscriptions",
    description="Đánh dấu thuê bao gói cước hết hạn và thông báo cho trường các "
    "thuê bao sắp hết hạn trong 14 ngày (mỗi thuê bao một lần).",
    hour="6",
    minute="0",
)


class Migration(migrations.Migration):
    dependencies = [
        ("devices", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [EXPIRE_SUBSCRIPTIONS.operation()]
