"""The dashboard tables that export to Excel, registered with the background exports.

Rows and title both come from ``dashboard_for_user(user, params)``: the page, the
direct download and the background job read the same filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accounts.models import User
from kernel.exporters import XlsxExporter
from kernel.exports import register_export
from reports import exporters, selectors

FIGURES = "reports.figures"
CATEGORIES = "reports.categories"


def board_rows(board: selectors.Dashboard) -> list[Any]:
    """Each unit's figures, then the totals row."""
    return [*board.rows, board.totals]


def dashboard_rows(user: User, params: Mapping[str, Any]) -> list[Any]:
    return board_rows(selectors.dashboard_for_user(user, params=params))


def figures_exporter(user: User, params: Mapping[str, Any]) -> XlsxExporter:
    return exporters.figures_exporter(selectors.dashboard_for_user(user, params=params))


def categories_exporter(user: User, params: Mapping[str, Any]) -> XlsxExporter:
    return exporters.categories_exporter(selectors.dashboard_for_user(user, params=params))


def register() -> None:
    register_export(
        FIGURES,
        label="Số liệu theo đơn vị",
        filename="so-lieu.xlsx",
        exporter=figures_exporter,
        objects=dashboard_rows,
        per_params=True,
        fixed_size=True,
        capabilities=("can_view_reports",),
    )
    register_export(
        CATEGORIES,
        label="Số liệu theo diện hộ",
        filename="theo-dien-ho.xlsx",
        exporter=categories_exporter,
        objects=dashboard_rows,
        per_params=True,
        fixed_size=True,
        capabilities=("can_view_reports",),
    )
