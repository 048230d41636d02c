from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = _("Đơn vị hành chính và trường học")

    def ready(self) -> None:
        from schools.background_exports import sweep_exports
        from taskqueue.services import register_sweeper

        register_sweeper("schools.exports", sweep_exports)
