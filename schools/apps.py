from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_generations(sender: AppConfig, apps: Any = None, using: str = "default", **kwargs):
    """The two unit generations are reference rows every unit points at: a migration adds
    them, and this puts them back after a ``flush`` (which empties every table and then
    sends ``post_migrate``, as it does for content types)."""
    from django.apps import apps as installed

    from schools.models_reform import GENERATIONS

    try:
        model = (apps or installed).get_model("schools", "UnitGeneration")
    except LookupError:  # migrating from before the model existed
        return
    missing = set(GENERATIONS) - set(model.objects.using(using).values_list("code", flat=True))
    model.objects.using(using).bulk_create(
        [model(code=code, **GENERATIONS[code]) for code in sorted(missing)]
    )


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = _("Đơn vị hành chính và trường học")

    def ready(self) -> None:
        from schools.background_exports import sweep_exports
        from taskqueue.services import register_sweeper

        register_sweeper("schools.exports", sweep_exports)
        post_migrate.connect(ensure_generations, sender=self)
