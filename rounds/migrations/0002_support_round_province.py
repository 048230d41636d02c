"""Each support round belongs to a province: the province of the officer who opened it,
or (opened by an administrator, or with one province in the database) the first
province by code — the single province every round so far was opened for."""

import django.db.models.deletion
from django.db import migrations, models

import schools.models


def fill_province(apps, schema_editor):
    SupportRound = apps.get_model("rounds", "SupportRound")
    Province = apps.get_model("schools", "Province")
    first = Province.objects.order_by("code").values_list("pk", flat=True).first()
    rounds = SupportRound.objects.select_related("created_by__district")
    for round_ in rounds.filter(province__isnull=True):
        user = round_.created_by
        province = user.province_id or (user.district.province_id if user.district_id else None)
        if (province or first) is None:
            raise RuntimeError("Support rounds exist but there is no province to give them.")
        round_.province_id = province or first
        round_.save(update_fields=["province"])


class Migration(migrations.Migration):
    dependencies = [
        ("rounds", "0001_initial"),
        ("schools", "0006_figures_school_created_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="supportround",
            name="province",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="rounds",
                to="schools.province",
                verbose_name="tỉnh",
            ),
        ),
        migrations.RunPython(fill_province, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="supportround",
            name="province",
            field=models.ForeignKey(
                default=schools.models.first_province_id,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="rounds",
                to="schools.province",
                verbose_name="tỉnh",
            ),
        ),
    ]
