from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoverageConfig(AppConfig):
    name = "coverage"
    verbose_name = _("Phủ sóng")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from coverage.exports import register
        from schools.models import School, SchoolSite

        register()
        # Schools sit below coverage (schools cannot call coverage): coverage listens for
        # new schools and sites so that each is a coverage point from the moment it exists.
        post_save.connect(_school_saved, sender=School, dispatch_uid="coverage.school_point")
        post_save.connect(_site_saved, sender=SchoolSite, dispatch_uid="coverage.site_point")


def _school_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:  # fixtures load points of their own
        from coverage.states import ensure_place_points

        ensure_place_points(schools=[instance])


def _site_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        from coverage.states import ensure_place_points

        ensure_place_points(sites=[instance])
