"""Each progress report is one province's: the province of the officer who requested it,
otherwise (the weekly report, an administrator's request) the first province by code,
the single province every report so far was made for. One report per province and period."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import schools.models


def fill_province(apps, schema_editor):
    ProgressReport = apps.get_model("reports", "ProgressReport")
    Province = apps.get_model("schools", "Province")
    first = Province.objects.order_by("code").values_list("pk", flat=True).first()
    for report in ProgressReport.objects.select_related("requested_by"):
        requester = report.requested_by
        report.province_id = (requester and requester.province_id) or first
        if report.province_id is None:
            raise RuntimeError("Progress reports exist but there is no province to give them.")
        report.save(update_fields=["province"])


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_weekly_report_schedule"),
        ("schools", "0006_figures_school_created_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="progressreport", name="report_one_per_period"),
        migrations.AddField(
            model_name="progressreport",
            name="province",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="progress_reports",
                to="schools.province",
                verbose_name="tỉnh",
            ),
        ),
        migrations.RunPython(fill_province, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="progressreport",
            name="province",
            field=models.ForeignKey(
                default=schools.models.first_province_id,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="progress_reports",
                to="schools.province",
                verbose_name="tỉnh",
            ),
        ),
        migrations.AddConstraint(
            model_name="progressreport",
            constraint=models.UniqueConstraint(
                fields=("province", "period_start", "period_end"),
                name="report_one_per_province_period",
            ),
        ),
    ]
