from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudentsConfig(AppConfig):
    name = "students"
    verbose_name = _("Học sinh")

    def ready(self) -> None:
        from students.recovery import sweep_import_batches
        from taskqueue.services import register_sweeper

        register_sweeper("students.import_batches", sweep_import_batches)
