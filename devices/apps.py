from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = _("Thiết bị và gói cước")

    def ready(self) -> None:
        from devices.exports import register
        from devices.pupils import DeviceDependents
        from students import dependents

        register()
        dependents.register(DeviceDependents())
