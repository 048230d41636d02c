"""Commune officers (since 1 July 2025): the level, the account's commune and the seeded
role ``commune_officer``, which starts with the district officer's capabilities
(Decree 142/2025/NĐ-CP moved the district offices' powers to the communes)."""

import django.db.models.deletion
from django.db import migrations, models


CAPABILITIES = (
    "can_import",
    "can_edit_students",
    "can_propose",
    "can_approve",
    "can_manage_rounds",
    "can_allocate",
    "can_manage_coverage",
    "can_report_coverage",
    "can_manage_donations",
    "can_view_reports",
    "can_manage_users",
    "can_view_beneficiaries",
    "can_reveal_personal_ids",
)
# The district officer's seeded capabilities (0003, 0004), if that role is gone.
DISTRICT_OFFICER = {
    "can_import",
    "can_edit_students",
    "can_approve",
    "can_allocate",
    "can_view_reports",
    "can_view_beneficiaries",
    "can_reveal_personal_ids",
}


def load(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    district = Role.objects.filter(code="district_officer").first()
    granted = {
        c: (getattr(district, c) if district else c in DISTRICT_OFFICER) for c in CAPABILITIES
    }
    Role.objects.update_or_create(
        code="commune_officer",
        defaults={
            "name": "Cán bộ UBND xã/phường (Phòng Văn hóa – Xã hội)",
            "level": "commune",
            **granted,
        },
    )


def unload(apps, schema_editor):
    apps.get_model("accounts", "Role").objects.filter(
        code="commune_officer", users__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_verbose_names"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("schools", "0010_province_successor_and_offices"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="user",
            name="user_belongs_to_one_unit",
        ),
        migrations.AddField(
            model_name="user",
            name="commune",
            field=models.ForeignKey(
                blank=True,
                help_text="Xã/phường từ 1/7/2025, với tài khoản cấp xã.",
                limit_choices_to={"generation__has_districts": False},
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="users",
                to="schools.commune",
                verbose_name="UBND xã/phường",
            ),
        ),
        migrations.AlterField(
            model_name="role",
            name="level",
            field=models.CharField(
                choices=[
                    ("school", "Trường"),
                    ("district", "Phòng GD&ĐT"),
                    ("commune", "UBND xã/phường"),
                    ("province", "Sở GD&ĐT / cấp tỉnh"),
                    ("admin", "Quản trị hệ thống"),
                ],
                max_length=10,
                verbose_name="cấp",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("commune__isnull", True),
                        ("district__isnull", True),
                        ("school__isnull", True),
                    ),
                    models.Q(
                        ("commune__isnull", True),
                        ("district__isnull", True),
                        ("province__isnull", True),
                        ("school__isnull", False),
                    ),
                    models.Q(
                        ("commune__isnull", True),
                        ("district__isnull", False),
                        ("province__isnull", True),
                        ("school__isnull", True),
                    ),
                    models.Q(
                        ("commune__isnull", False),
                        ("district__isnull", True),
                        ("province__isnull", True),
                        ("school__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="user_belongs_to_one_unit",
            ),
        ),
        migrations.RunPython(load, unload),
    ]
