"""One personal ID (số định danh cá nhân) belongs to one pupil.

Rows typed before the constraint may share an ID.  The migration must not fail on
them, and must not decide which child the ID really belongs to, so it keeps the ID
on the pupil registered first (lowest id), blanks it on the others and leaves an
audit event on each of them ("student.personal_id_cleared", old value and the pupil
that kept it): the district sees them on the duplicates page (same name, birth date
and village) and in the pupil's history.  Reversing puts the IDs back from those
events, after the constraint is dropped.
"""

from django.db import migrations, models

ACTION = "student.personal_id_cleared"


def clear_duplicates(apps, schema_editor):
    Student = apps.get_model("students", "Student")
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    shared = (
        Student.objects.exclude(personal_id="")
        .values("personal_id")
        .annotate(n=models.Count("pk"))
        .filter(n__gt=1)
        .values_list("personal_id", flat=True)
    )
    content_type = None
    for personal_id in list(shared):
        pupils = list(Student.objects.filter(personal_id=personal_id).order_by("pk"))
        keeper = pupils[0]
        if content_type is None:
            content_type, _created = ContentType.objects.get_or_create(
                app_label="students", model="student"
            )
        for pupil in pupils[1:]:
            Student.objects.filter(pk=pupil.pk).update(personal_id="")
            AuditEvent.objects.create(
                action=ACTION,
                content_type=content_type,
                object_id=str(pupil.pk),
                object_repr=pupil.full_name[:255],
                changes={"personal_id": [personal_id, ""]},
                reason=(
                    f"Số định danh trùng với học sinh mã {keeper.pupil_code}; "
                    "xóa khi thêm ràng buộc duy nhất."
                ),
                school_id_snapshot=pupil.school_id,
            )


def restore_duplicates(apps, schema_editor):
    Student = apps.get_model("students", "Student")
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    for event in AuditEvent.objects.filter(action=ACTION, content_type__model="student"):
        old = (event.changes or {}).get("personal_id", [""])[0]
        Student.objects.filter(pk=int(event.object_id), personal_id="").update(personal_id=old)
    AuditEvent.objects.filter(action=ACTION, content_type__model="student").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("students", "0005_portal_edits_and_import_changes"),
    ]

    operations = [
        migrations.RunPython(clear_duplicates, restore_duplicates),
        migrations.AddConstraint(
            model_name="student",
            constraint=models.UniqueConstraint(
                condition=models.Q(("personal_id", ""), _negated=True),
                fields=("personal_id",),
                name="student_personal_id_unique",
            ),
        ),
    ]
