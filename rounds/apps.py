from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoundsConfig(AppConfig):
    name = "rounds"
    verbose_name = _("Đợt hỗ trợ và phê duyệt")

    def ready(self) -> None:
        from rounds.exports import register
        from rounds.pupils import ProposalDependents
        from students import dependents

        register()
        dependents.register(ProposalDependents())
