from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DonationsConfig(AppConfig):
    name = "donations"
    verbose_name = _("Tài trợ")

    def ready(self) -> None:
        from donations.exports import register

        register()
