"""XLSX exports of a proposal list and of a round's progress, through the shared exporter."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kernel.exporters import XlsxExporter
from rounds.models import Proposal, SupportRound


def proposal_exporter(proposal: Proposal) -> XlsxExporter:
    """One row per proposed pupil; IDs are masked as in every list."""
    return XlsxExporter(
        title=_("DANH SÁCH HỌC SINH ĐỀ XUẤT HỖ TRỢ – %(round)s") % {"round": proposal.round.name},
        title_lines=[
            str(proposal.school),
            _("Trạng thái: %(s)s") % {"s": proposal.get_status_display()},
        ],
        columns=[
            (_("Thứ tự ưu tiên"), "priority"),
            (_("Mã định danh HS"), "student.masked_pupil_code"),
            (_("Họ và tên"), "student.full_name"),
            (_("Ngày sinh"), "student.date_of_birth"),
            (_("Lớp"), "student.class_name"),
            (_("Diện hộ"), "student.household.category.name"),
            (_("Thôn/bản"), "student.village.name"),
            (_("Xã/phường"), "student.commune.name"),
            (_("Đã có thiết bị"), "student.has_device"),
            (_("Hình thức hỗ trợ"), "get_kind_display"),
            (_("Kết quả"), "get_status_display"),
            (_("Lý do"), "reason"),
        ],
        sheet_name=_("Đề xuất"),
    )


def overview_exporter(round_: SupportRound) -> XlsxExporter:
    """Rows are (unit, KindProgress) pairs from ``communes.overview``: districts, or
    communes and the schools the Sở decides."""
    unit = (
        _("Xã/phường, trường do Sở quản lý") if round_.by_communes else _("Huyện/thị xã/thành phố")
    )
    return XlsxExporter(
        title=_("TIẾN ĐỘ ĐỢT HỖ TRỢ – %(round)s") % {"round": round_.name},
        title_lines=[_("Năm học %(y)s") % {"y": round_.school_year}],
        columns=[
            (unit, lambda row: row[0].name),
            (_("Hình thức hỗ trợ"), lambda row: row[1].label),
            (_("Chỉ tiêu"), lambda row: row[1].quota),
            (_("Đã giao cho trường"), lambda row: row[1].split),
            (_("Đề xuất"), lambda row: row[1].proposed),
            (_("Đã duyệt"), lambda row: row[1].approved),
            (_("Sở đã xác nhận"), lambda row: row[1].confirmed),
        ],
        sheet_name=_("Tiến độ"),
    )
