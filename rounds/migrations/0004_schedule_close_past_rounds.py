"""Close rounds past their end date every night; administrators can move it in the admin."""

from django.db import migrations

from kernel.schedules import DailyTask

CLOSE_PAST_ROUNDS = DailyTask(
    name="Đóng đợt hỗ trợ đã qua ngày kết thúc",
    task="rounds.tasks.close_past_rounds",
    description="Đóng các đợt hỗ trợ đang mở đã qua ngày kết thúc đợt và báo cho "
    "Phòng GD&ĐT; chạy lại không đóng lần hai.",
    hour="0",
    minute="10",
)


class Migration(migrations.Migration):
    dependencies = [
        ("rounds", "0003_deadline_extensions_and_closing_date"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [CLOSE_PAST_ROUNDS.operation()]
