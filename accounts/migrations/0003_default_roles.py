"""The roles the portal starts with; administrators may add or adjust them in the admin."""

from django.db import migrations

ROLES = [
    ("school_staff", "Cán bộ nhà trường", "school",
     {"can_import", "can_edit_students", "can_propose", "can_allocate", "can_report_coverage", "can_view_reports"}),
    ("district_officer", "Chuyên viên Phòng GD&ĐT", "district",
     {"can_import", "can_edit_students", "can_approve", "can_allocate", "can_view_reports"}),
    ("province_officer", "Chuyên viên Sở GD&ĐT", "province",
     {"can_approve", "can_manage_rounds", "can_allocate", "can_manage_donations", "can_view_reports", "can_manage_coverage"}),
    ("coverage_officer", "Cán bộ phủ sóng (Sở TT&TT, nhà mạng)", "province", {"can_manage_coverage", "can_view_reports"}),
    ("donation_manager", "Cán bộ quản lý tài trợ", "province", {"can_manage_donations", "can_view_reports"}),
    ("admin", "Quản trị hệ thống", "admin", {
        "can_import", "can_edit_students", "can_approve", "can_manage_rounds", "can_allocate", "can_manage_coverage",
        "can_report_coverage", "can_manage_donations", "can_view_reports", "can_manage_users"}),
]
ALL = {"can_import", "can_edit_students", "can_propose", "can_approve", "can_manage_rounds", "can_allocate",
       "can_manage_coverage", "can_report_coverage", "can_manage_donations", "can_view_reports", "can_manage_users"}


def load(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code, name, level, caps in ROLES:
        Role.objects.update_or_create(code=code, defaults={"name": name, "level": level, **{c: c in caps for c in ALL}})


def unload(apps, schema_editor):
    apps.get_model("accounts", "Role").objects.filter(code__in=[r[0] for r in ROLES], users__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]
    operations = [migrations.RunPython(load, unload)]
