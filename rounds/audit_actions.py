"""The words for the audit actions rounds writes (rounds, quotas, proposals, eligibility)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from kernel.history import ChangeKey, register_actions, register_change_keys
from rounds.models import Proposal
from schools.choices import SupportKind

register_actions(
    {
        "round.open": _("Mở đợt hỗ trợ"),
        "round.update": _("Sửa đợt hỗ trợ"),
        "round.close": _("Đóng đợt hỗ trợ"),
        "round.extend_deadline": _("Gia hạn đề xuất"),
        "round.district_quotas": _("Giao chỉ tiêu cho huyện"),
        "round.school_quotas": _("Giao chỉ tiêu cho trường"),
        "round.commune_quotas": _("Giao chỉ tiêu cho xã, phường và trường do Sở quản lý"),
        "proposal.create": _("Lập danh sách đề xuất"),
        "proposal.add_items": _("Thêm học sinh vào đề xuất"),
        "proposal.remove_items": _("Bỏ học sinh khỏi đề xuất"),
        "proposal_item.delete": _("Xóa học sinh khỏi đề xuất"),
        "proposal.reorder": _("Sắp xếp lại thứ tự ưu tiên"),
        "proposal.suggested_order": _("Xếp theo thứ tự gợi ý"),
        "proposal.submit": _("Gửi đề xuất lên cấp xét duyệt"),
        "proposal.approve": _("Duyệt danh sách đề xuất"),
        "proposal.reject": _("Từ chối danh sách đề xuất"),
        "proposal.return": _("Trả lại để chỉnh sửa"),
        "proposal.confirm": _("Sở xác nhận danh sách"),
        "proposal.send_back": _("Sở trả lại đơn vị xét duyệt"),
        "proposal.approve_items": _("Duyệt từng học sinh"),
        "proposal.reject_items": _("Từ chối từng học sinh"),
        "student.lock_eligibility": _("Khóa thông tin xét duyệt"),
        "student.unlock_eligibility": _("Mở khóa thông tin xét duyệt"),
    }
)


def _kinds(value: Any) -> str:
    """``{"tablet": 2, "data": 6}`` → "Máy tính bảng: 2; Gói cước dữ liệu: 6"."""
    if not isinstance(value, dict):
        return str(value)
    labels = dict(SupportKind.choices)
    return "; ".join(f"{labels.get(kind, kind)}: {n}" for kind, n in value.items())


register_change_keys(Proposal, {"kinds": ChangeKey(_("theo loại"), display=_kinds)})
