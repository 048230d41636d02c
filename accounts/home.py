"""Figures on each role's home page, contributed by the parts of the portal.

accounts sits at the root of the dependency graph, so it does not import the other
apps: an app that wants a card on the home page ships ``<app>/home.py`` with
``summary(user) -> list[HomeStat]``, found here by name like the demo seeds.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass

from django.apps import apps

from accounts.models import User
from accounts.selectors import data_version
from kernel.figures_cache import cached_figures

# Order of the cards on the page.
CONTRIBUTORS = ("students", "rounds", "devices", "coverage")


@dataclass(frozen=True)
class HomeStat:
    label: str
    value: str
    url: str = ""
    note: str = ""


def home_summary(user: User) -> list[HomeStat]:
    """The cards of the user's home page. Their counts cover the user's whole scope (the
    province's pupils, allocations, readiness): kept for a short while per user, and
    recomputed as soon as anything changed (``kernel.figures_cache``)."""
    return cached_figures(
        "home", (user.pk, user.role_id), lambda: _summary(user), version=data_version()
    )


def _summary(user: User) -> list[HomeStat]:
    stats: list[HomeStat] = []
    for label in CONTRIBUTORS:
        if not apps.is_installed(label):
            continue
        # Only a missing ``home`` module means "no card"; a home module that fails to
        # import (a broken import inside it) is a bug and must surface.
        if importlib.util.find_spec(f"{label}.home") is None:
            continue
        module = importlib.import_module(f"{label}.home")
        stats.extend(module.summary(user))
    return stats
