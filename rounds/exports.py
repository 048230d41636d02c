"""The round progress overview, registered with the background export machinery.

The job's parameters name the round (``{"round": pk}``); rows and title are built
for the requesting user, who must see the round and not be a school (404).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import Http404

from accounts.models import User
from kernel.exporters import XlsxExporter
from kernel.exports import register_export
from rounds import selectors
from rounds.exporters import overview_exporter
from rounds.models import SupportRound

OVERVIEW = "rounds.overview"


def round_for(user: User, params: Mapping[str, Any]) -> SupportRound:
    pk = str(params.get("round", ""))
    if user.scope.is_school or not pk.isdigit():
        raise Http404
    return selectors.get_round(user, int(pk))


def overview_rows(user: User, params: Mapping[str, Any]) -> list[tuple]:
    """(district, KindProgress) pairs of every visible district."""
    units = selectors.round_overview(round_for(user, params), user)
    return [(unit.unit, k) for unit in units for k in unit.kinds]


def overview_exporter_for(user: User, params: Mapping[str, Any]) -> XlsxExporter:
    return overview_exporter(round_for(user, params))


def register() -> None:
    register_export(
        OVERVIEW,
        label="Tiến độ đợt hỗ trợ",
        filename="Tiến độ đợt hỗ trợ.xlsx",
        exporter=overview_exporter_for,
        objects=overview_rows,
        per_params=True,
        capabilities=("can_approve", "can_manage_rounds"),
    )
