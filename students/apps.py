from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudentsConfig(AppConfig):
    name = "students"
    verbose_name = _("Học sinh")

    def ready(self) -> None:
        from kernel.exports import register_export
        from students.exporters import StudentExporter
        from students.recovery import sweep_import_batches
        from students.selectors import StudentFilters, student_list
        from taskqueue.services import register_sweeper

        register_sweeper("students.import_batches", sweep_import_batches)

        register_export(
            "students.registry",
            label="Danh sách học sinh",
            filename="Danh sách học sinh.xlsx",
            exporter=StudentExporter.for_user,
            objects=lambda user, params: student_list(
                user=user, filters=StudentFilters.from_params(params)
            ),
            personal_data=True,
            per_user=True,
            capabilities=("can_edit_students", "can_import", "can_approve"),
        )
