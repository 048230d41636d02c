"""The words for the audit actions coverage writes, and for the signal keys of a point's rows."""

from typing import Any

from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from coverage.models import CarrierSignal, CoveragePoint, Technology
from kernel.history import ChangeKey, register_actions, register_change_keys
from schools.choices import Carrier

register_actions(
    {
        "coverage.point.create": _("Tạo điểm phủ sóng"),
        "coverage.point.update": _("Sửa điểm phủ sóng"),
        "coverage.signal.record": _("Ghi nhận sóng của nhà mạng"),
        "coverage.plan.create": _("Lập kế hoạch phủ sóng"),
        "coverage.plan.update": _("Cập nhật kế hoạch phủ sóng"),
        "coverage.plan.note": _("Ghi chú tiến độ phủ sóng"),
        "coverage.import.upload": _("Tải lên tệp trạng thái phủ sóng"),
        "coverage.import.confirm": _("Xác nhận nhập trạng thái phủ sóng"),
    }
)


def _signal(value: Any) -> str:
    """A technology in words: "Có sóng 4G", "Không có sóng"."""
    try:
        technology = Technology(int(value))
    except ValueError:
        return str(value)
    if technology == Technology.NONE:
        return str(technology.label)
    return _g("Có sóng %(technology)s") % {"technology": technology.label}


def _carrier(code: str) -> str:
    try:
        name = Carrier(code).label
    except ValueError:
        name = code
    return _g("Sóng %(carrier)s") % {"carrier": name}


register_change_keys(
    CoveragePoint,
    {
        "signal.*": ChangeKey(_carrier, display=_signal),
        "best_technology": ChangeKey(
            CoveragePoint._meta.get_field("best_technology").verbose_name, display=_signal
        ),
        "measured_on": ChangeKey(
            CarrierSignal._meta.get_field("measured_on").verbose_name,
            CarrierSignal._meta.get_field("measured_on"),
        ),
        "source": ChangeKey(
            CarrierSignal._meta.get_field("source").verbose_name,
            CarrierSignal._meta.get_field("source"),
        ),
    },
)
