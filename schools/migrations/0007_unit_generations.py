import datetime

from django.db import migrations, models


def create_generations(apps, schema_editor):
    UnitGeneration = apps.get_model("schools", "UnitGeneration")
    UnitGeneration.objects.update_or_create(
        code="2021",
        defaults={
            "name": "Danh mục ba cấp (tỉnh – huyện – xã), trước 1/7/2025",
            "has_districts": True,
            "valid_from": None,
            "valid_to": datetime.date(2025, 6, 30),
            "legal_basis": "",
        },
    )
    UnitGeneration.objects.update_or_create(
        code="2025",
        defaults={
            "name": "Danh mục hai cấp (tỉnh – xã), từ 1/7/2025",
            "has_districts": False,
            "valid_from": datetime.date(2025, 7, 1),
            "valid_to": None,
            "legal_basis": "Nghị quyết 202/2025/QH15",
        },
    )


def remove_generations(apps, schema_editor):
    apps.get_model("schools", "UnitGeneration").objects.filter(code__in=["2021", "2025"]).delete()


class Migration(migrations.Migration):
    dependencies = [("schools", "0006_figures_school_created_at")]

    operations = [
        migrations.CreateModel(
            name="UnitGeneration",
            fields=[
                ("code", models.CharField(max_length=10, primary_key=True, serialize=False, verbose_name="mã")),
                ("name", models.CharField(max_length=200, verbose_name="tên")),
                (
                    "has_districts",
                    models.BooleanField(
                        help_text="Ba cấp (tỉnh – huyện – xã) hay hai cấp (tỉnh – xã).",
                        verbose_name="có cấp huyện",
                    ),
                ),
                ("valid_from", models.DateField(blank=True, null=True, verbose_name="hiệu lực từ")),
                ("valid_to", models.DateField(blank=True, null=True, verbose_name="hiệu lực đến")),
                ("legal_basis", models.CharField(blank=True, max_length=200, verbose_name="căn cứ pháp lý")),
            ],
            options={
                "verbose_name": "thế hệ đơn vị hành chính",
                "verbose_name_plural": "thế hệ đơn vị hành chính",
                "ordering": ["code"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("valid_to__isnull", True), ("valid_from__isnull", True), ("valid_to__gte", models.F("valid_from")), _connector="OR"),
                        name="unitgeneration_dates_in_order",
                    )
                ],
            },
        ),
        migrations.RunPython(create_generations, remove_generations),
    ]
