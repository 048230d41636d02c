"""Run the upload retention task every night; administrators can move it in the admin."""

from django.db import migrations

from kernel.schedules import DailyTask

PURGE_EXPIRED_UPLOADS = DailyTask(
    name="Xóa tệp tải lên quá thời hạn lưu trữ",
    task="schools.tasks.purge_expired_uploads",
    description="Xóa tệp danh sách đã tải lên sau UPLOAD_RETENTION_DAYS ngày "
    "(mặc định 365); bản ghi lần nhập và số liệu được giữ lại.",
    hour="2",
    minute="30",
)


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0004_importbatch_file_deleted_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [PURGE_EXPIRED_UPLOADS.operation()]
