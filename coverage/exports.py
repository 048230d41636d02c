"""Coverage lists that export to Excel, registered with the background export machinery.

Each ``*_rows(user, params)`` reads the list's filters from GET-like params, so the
page, the direct download and the background job build the very same rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accounts.models import User
from coverage import selectors
from coverage.exporters import GapRankingExporter, PointExporter
from kernel.exports import register_export

POINTS = "coverage.points"
GAP_RANKING = "coverage.gap_ranking"
VIEW_CAPABILITIES = ("can_manage_coverage", "can_report_coverage", "can_view_reports")


def point_sort(params: Mapping[str, Any]) -> str:
    sort = str(params.get("sort", "district"))
    return sort if sort.lstrip("-") in selectors.SORTS else "district"


def point_rows(user: User, params: Mapping[str, Any]) -> list[selectors.PointRow]:
    filters = selectors.PointFilters.from_params(params)
    return selectors.point_rows(user, filters, sort=point_sort(params))


def gap_district(params: Mapping[str, Any]) -> int | None:
    district = str(params.get("district", ""))
    return int(district) if district.isdigit() else None


def gap_rows(user: User, params: Mapping[str, Any]) -> list[selectors.PointRow]:
    return selectors.gap_ranking(
        user,
        include_weak=str(params.get("weak", "")) == "1",
        district=gap_district(params),
    )


def register() -> None:
    register_export(
        POINTS,
        label="Điểm phủ sóng",
        filename="Điểm phủ sóng.xlsx",
        exporter=PointExporter,
        objects=point_rows,
        capabilities=VIEW_CAPABILITIES,
    )
    register_export(
        GAP_RANKING,
        label="Ưu tiên phủ sóng",
        filename="Ưu tiên phủ sóng.xlsx",
        exporter=GapRankingExporter,
        objects=gap_rows,
        capabilities=VIEW_CAPABILITIES,
    )
