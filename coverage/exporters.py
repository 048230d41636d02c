"""XLSX exports of the coverage lists, through the portal's one exporter."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kernel.exporters import XlsxExporter
from schools.choices import Carrier

MAIN_CARRIERS = (Carrier.VIETTEL, Carrier.VNPT, Carrier.MOBIFONE)


def _base_columns() -> list:
    return [
        (_("Loại điểm"), lambda r: r.point.get_kind_display()),
        (_("Tên điểm"), "point.name"),
        (_("Trường"), "school_name"),
        (_("Huyện"), "point.district.name"),
        (_("Xã"), "point.commune.name"),
        (_("Thôn/bản"), lambda r: r.point.village.name if r.point.village else ""),
        (_("Vĩ độ"), "point.latitude"),
        (_("Kinh độ"), "point.longitude"),
        *[(str(Carrier(c).label), lambda r, c=c: r.technology_label(c)) for c in MAIN_CARRIERS],
        (_("Công nghệ tốt nhất"), "best_label"),
        (_("Tình trạng"), "status_label"),
        (_("Giai đoạn kế hoạch"), "stage_label"),
        (_("Danh sách Bộ"), "point.on_ministry_list"),
    ]


class PointExporter(XlsxExporter):
    sheet_name = "Điểm phủ sóng"

    def __init__(self) -> None:
        super().__init__(
            title=_("Danh sách điểm phủ sóng"),
            columns=[
                *_base_columns(),
                (_("HS cần hỗ trợ sống tại thôn"), "needy"),
                (_("HS được duyệt hỗ trợ"), "beneficiaries"),
            ],
        )


class GapRankingExporter(XlsxExporter):
    sheet_name = "Ưu tiên phủ sóng"

    def __init__(self) -> None:
        super().__init__(
            title=_("Thứ tự ưu tiên phủ sóng theo số học sinh cần hỗ trợ"),
            columns=[
                (_("Thứ tự"), "rank"),
                *_base_columns(),
                (_("HS cần hỗ trợ"), "needy"),
                (_("HS được duyệt hỗ trợ"), "beneficiaries"),
                (_("Tổng HS ưu tiên"), "priority"),
            ],
        )
