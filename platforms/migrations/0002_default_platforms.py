"""The platforms Vietnamese schools used for online classes in 2021, so the catalogue is
not empty on a new installation; administrators and the province edit it afterwards."""

from django.db import migrations

PLATFORMS = [
    ("VioEdu", "https://vioedu.vn", "Công ty Cổ phần FPT", "learning"),
    ("OLM", "https://olm.vn", "OLM.VN", "learning"),
    ("K12Online", "https://k12online.vn", "Viettel", "lms"),
    ("vnEdu LMS", "https://vnedu.vn", "VNPT", "lms"),
    ("Kho học liệu số ngành Giáo dục", "https://igiaoduc.vn", "Bộ Giáo dục và Đào tạo", "learning"),
    ("Zoom", "https://zoom.us", "Zoom Video Communications", "video_class"),
    ("Microsoft Teams", "https://teams.microsoft.com", "Microsoft", "video_class"),
]


def load(apps, schema_editor):
    LearningPlatform = apps.get_model("platforms", "LearningPlatform")
    for name, url, operator, kind in PLATFORMS:
        LearningPlatform.objects.get_or_create(
            name=name, defaults={"url": url, "operator": operator, "kind": kind}
        )


def unload(apps, schema_editor):
    apps.get_model("platforms", "LearningPlatform").objects.filter(
        name__in=[p[0] for p in PLATFORMS], accounts__isnull=True, zero_rated_in__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0001_learning_platforms_and_accounts"),
        ("devices", "0003_package_zero_rated_platforms"),
    ]
    operations = [migrations.RunPython(load, unload)]
