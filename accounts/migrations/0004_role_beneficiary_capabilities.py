"""Pupil-level data on a need-to-know basis: two capabilities, granted to the roles whose work needs them.

Coverage officers and donation managers keep their aggregate reports but lose pupil-level pages.
"""

from django.db import migrations, models

VIEW_BENEFICIARIES = ("school_staff", "district_officer", "province_officer", "admin")
REVEAL_PERSONAL_IDS = ("school_staff", "district_officer", "admin")


def load(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    Role.objects.filter(code__in=VIEW_BENEFICIARIES).update(can_view_beneficiaries=True)
    Role.objects.filter(code__in=REVEAL_PERSONAL_IDS).update(can_reveal_personal_ids=True)


def unload(apps, schema_editor):
    apps.get_model("accounts", "Role").objects.update(
        can_view_beneficiaries=False, can_reveal_personal_ids=False
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_default_roles")]
    operations = [
        migrations.AddField(
            model_name="role",
            name="can_view_beneficiaries",
            field=models.BooleanField(default=False, verbose_name="Xem dữ liệu từng học sinh"),
        ),
        migrations.AddField(
            model_name="role",
            name="can_reveal_personal_ids",
            field=models.BooleanField(
                default=False, verbose_name="Xem đầy đủ số định danh, số điện thoại"
            ),
        ),
        migrations.RunPython(load, unload),
    ]
