from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformsConfig(AppConfig):
    name = "platforms"
    verbose_name = _("Nền tảng học trực tuyến")

    def ready(self) -> None:
        from platforms.pupils import PlatformDependents
        from students import dependents

        dependents.register(PlatformDependents())
