"""The round progress overview, registered with the background export machinery.

The job's parameters name the round (``{"round": pk}``); rows and title are built
for the requesting user, who must see the round and not be a school (404).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from kernel.exporters import XlsxExporter
from kernel.exports import register_export
from rounds import communes, selectors
from rounds.exporters import overview_exporter, proposal_exporter
from rounds.models import Proposal, ProposalItem, SupportRound

OVERVIEW = "rounds.overview"
PROPOSAL = "rounds.proposal"
PROPOSAL_VIEWERS = ("can_propose", "can_approve", "can_manage_rounds")


def round_for(user: User, params: Mapping[str, Any]) -> SupportRound:
    pk = str(params.get("round", ""))
    if user.scope.is_school or not pk.isdigit():
        raise Http404
    return selectors.get_round(user, int(pk))


def overview_rows(user: User, params: Mapping[str, Any]) -> list[tuple]:
    """(district, KindProgress) pairs of every visible district."""
    units = communes.overview(round_for(user, params), user)
    return [(unit.unit, k) for unit in units for k in unit.kinds]


def overview_exporter_for(user: User, params: Mapping[str, Any]) -> XlsxExporter:
    return overview_exporter(round_for(user, params))


def proposal_for(user: User, params: Mapping[str, Any]) -> Proposal:
    pk = str(params.get("proposal", ""))
    if not pk.isdigit():
        raise Http404
    return selectors.get_proposal(user, int(pk))


def proposal_rows(user: User, params: Mapping[str, Any]) -> QuerySet[ProposalItem]:
    """The proposal's pupils, in priority order, for a user who sees the proposal."""
    return selectors.proposal_export_rows(proposal_for(user, params))


def proposal_exporter_for(user: User, params: Mapping[str, Any]) -> XlsxExporter:
    return proposal_exporter(proposal_for(user, params))


def proposal_filename(user: User, params: Mapping[str, Any]) -> str:
    return f"Danh sách đề xuất {proposal_for(user, params).school.name}.xlsx"


def register() -> None:
    register_export(
        OVERVIEW,
        label="Tiến độ đợt hỗ trợ",
        filename="Tiến độ đợt hỗ trợ.xlsx",
        exporter=overview_exporter_for,
        objects=overview_rows,
        per_params=True,
        fixed_size=True,
        capabilities=("can_approve", "can_manage_rounds"),
    )
    register_export(
        PROPOSAL,
        label="Danh sách đề xuất",
        filename="Danh sách đề xuất.xlsx",
        exporter=proposal_exporter_for,
        objects=proposal_rows,
        per_params=True,
        personal_data=True,
        capabilities=PROPOSAL_VIEWERS,
        name_for=proposal_filename,
    )
