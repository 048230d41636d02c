"""Donors and fund accounts belong to a province (pledges, receipts and spending follow
theirs). So far every donation was the one province's: a donor takes the province of
whoever recorded its first pledge when that officer has one, and otherwise, like every
fund account, the first province by code. A tax code is unique within a province."""

import django.db.models.deletion
from django.db import migrations, models

import schools.models


def fill_province(apps, schema_editor):
    Province = apps.get_model("schools", "Province")
    Donor = apps.get_model("donations", "Donor")
    FundAccount = apps.get_model("donations", "FundAccount")
    Pledge = apps.get_model("donations", "Pledge")
    first = Province.objects.order_by("code").values_list("pk", flat=True).first()
    if first is None and (Donor.objects.exists() or FundAccount.objects.exists()):
        raise RuntimeError("Donations exist but there is no province to give them.")
    for donor in Donor.objects.filter(province__isnull=True):
        pledge = Pledge.objects.filter(donor=donor).select_related("created_by").first()
        donor.province_id = (pledge and pledge.created_by.province_id) or first
        donor.save(update_fields=["province"])
    FundAccount.objects.filter(province__isnull=True).update(province_id=first)


def province_field(related_name, **options):
    return models.ForeignKey(
        on_delete=django.db.models.deletion.PROTECT,
        related_name=related_name,
        to="schools.province",
        verbose_name="tỉnh",
        **options,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("donations", "0002_receipts_confirmation_and_spending_draws"),
        ("schools", "0006_figures_school_created_at"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="donor", name="donor_unique_tax_code"),
        migrations.AddField(
            model_name="donor", name="province", field=province_field("donors", null=True)
        ),
        migrations.AddField(
            model_name="fundaccount",
            name="province",
            field=province_field("fund_accounts", null=True),
        ),
        migrations.RunPython(fill_province, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="donor",
            name="province",
            field=province_field("donors", default=schools.models.first_province_id),
        ),
        migrations.AlterField(
            model_name="fundaccount",
            name="province",
            field=province_field("fund_accounts", default=schools.models.first_province_id),
        ),
        migrations.AddConstraint(
            model_name="donor",
            constraint=models.UniqueConstraint(
                condition=models.Q(("tax_code", ""), _negated=True),
                fields=("province", "tax_code"),
                name="donor_unique_tax_code_per_province",
            ),
        ),
    ]
