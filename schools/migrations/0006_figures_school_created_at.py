"""When a school was recorded, so a report for a past period counts the schools of then.

Schools already recorded keep an empty date (they count as existing all along); the
default applies to new ones only.
"""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("schools", "0005_schedule_upload_retention")]

    operations = [
        migrations.AddField(
            model_name="school",
            name="created_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="ngày tạo"
            ),
        ),
        migrations.AlterField(
            model_name="school",
            name="created_at",
            field=models.DateTimeField(
                blank=True,
                default=django.utils.timezone.now,
                editable=False,
                null=True,
                verbose_name="ngày tạo",
            ),
        ),
    ]
