"""XLSX exports of every devices list, through the shared ``XlsxExporter``."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from devices.readiness import missing_text
from kernel.exporters import XlsxExporter
from schools.choices import DeviceType
from students.models import mask


def _date(attr: str):
    def get(obj):
        value = obj
        for part in attr.split("."):
            value = getattr(value, part, None)
        return value.strftime("%d/%m/%Y") if value else ""

    return get


class DeviceExporter(XlsxExporter):
    title = _("Danh sách thiết bị")
    columns = (
        (_("Loại thiết bị"), "get_device_type_display"),
        (_("Hãng"), "make"),
        (_("Model"), "model_name"),
        (_("Số serial"), "serial_number"),
        (_("IMEI"), "imei"),
        (_("Tình trạng"), "get_condition_display"),
        (_("Nơi giữ"), "get_holder_display"),
        (_("Huyện"), "district.name"),
        (_("Trường"), "school.name"),
        (_("Trạng thái"), "get_status_display"),
        (_("Nguồn"), "source"),
    )


def _type_columns():
    return tuple(
        (label, (lambda row, i=i: row["cells"][i]))
        for i, (_v, label) in enumerate(DeviceType.choices)
    )


class DistrictStockExporter(XlsxExporter):
    title = _("Thiết bị trong kho theo huyện và loại")
    columns = ((_("Đơn vị"), "name"), *_type_columns(), (_("Tổng"), "total"))


class SchoolStockExporter(XlsxExporter):
    title = _("Thiết bị theo trường")
    columns = (
        (_("Đơn vị"), "name"),
        *_type_columns(),
        (_("Tổng trong kho"), "total"),
        (_("Chờ bàn giao"), "reserved"),
        (_("Đã bàn giao"), "handed_over"),
    )


class SourceExporter(XlsxExporter):
    title = _("Thiết bị theo nguồn")
    columns = (
        (_("Nguồn"), "get_kind_display"),
        (_("Số chứng từ / biên bản"), "reference"),
        (_("Ngày nhận"), _date("received_on")),
        (_("Số thiết bị"), "total"),
        (_("Còn trong kho"), "in_stock"),
        (_("Đã bàn giao"), "handed_over"),
    )


class TransferExporter(XlsxExporter):
    title = _("Phiếu điều chuyển thiết bị")
    columns = (
        (_("Số phiếu"), "pk"),
        (_("Từ"), lambda t: t.from_district.name if t.from_district else "Sở GD&ĐT"),
        (_("Đến"), lambda t: str(t.to_school or t.to_district)),
        (_("Số thiết bị"), "device_count"),
        (_("Trạng thái"), "get_status_display"),
        (_("Ngày gửi"), "sent_at"),
        (_("Người gửi"), "sent_by"),
        (_("Ngày nhận"), "received_at"),
        (_("Người nhận"), "received_by"),
    )


class AllocationExporter(XlsxExporter):
    title = _("Cấp phát và bàn giao thiết bị")
    columns = (
        (_("Trường"), "school.name"),
        (_("Học sinh"), "student.full_name"),
        (_("Lớp"), "student.class_name"),
        (
            _("Thiết bị"),
            lambda a: f"{a.device.get_device_type_display()} {a.device.make} {a.device.model_name}",
        ),
        (_("Số serial"), "device.serial_number"),
        (_("Hình thức"), "get_terms_display"),
        (_("Mượn đến"), _date("loan_until")),
        (_("Trạng thái"), "get_status_display"),
        (_("Ngày phân bổ"), "allocated_at"),
        (_("Ngày bàn giao"), _date("handover_date")),
        (_("Ngày thu hồi"), _date("returned_at")),
        (_("Tình trạng khi thu hồi"), "get_return_condition_display"),
    )


def _yes(*attrs: str):
    def get(row) -> str:
        return gettext("Có") if all(getattr(row, a) for a in attrs) else gettext("Không")

    return get


#: Ready to learn online (``devices.readiness``), on rows annotated by ``with_readiness``.
READINESS_COLUMNS = (
    (_("Có thiết bị học tập"), _yes("with_device")),
    (_("Gói cước đang hoạt động"), _yes("with_package")),
    (_("Có tài khoản học trực tuyến"), _yes("with_platform")),
    (_("Sẵn sàng học trực tuyến"), _yes("with_device", "with_package", "with_platform")),
    (_("Còn thiếu"), missing_text),
)


class BeneficiaryExporter(XlsxExporter):
    title = _("Học sinh được duyệt chưa nhận hỗ trợ")
    columns = (
        (_("Trường"), "proposal.school.name"),
        (_("Học sinh"), "student.full_name"),
        (_("Lớp"), "student.class_name"),
        (_("Ngày sinh"), _date("student.date_of_birth")),
        (_("Loại hỗ trợ"), "get_kind_display"),
        (_("Đợt"), "round.name"),
        *READINESS_COLUMNS,
    )


class ReadinessExporter(XlsxExporter):
    title = _("Học sinh được hỗ trợ: sẵn sàng học trực tuyến")
    columns = (
        (_("Trường"), "school.name"),
        (_("Học sinh"), "full_name"),
        (_("Lớp"), "class_name"),
        (_("Ngày sinh"), _date("date_of_birth")),
        (_("Thôn/bản"), "village.name"),
        *READINESS_COLUMNS,
    )


class SubscriptionExporter(XlsxExporter):
    title = _("Thuê bao gói cước")
    columns = (
        (_("Trường"), "student.school.name"),
        (_("Học sinh"), "student.full_name"),
        (_("Lớp"), "student.class_name"),
        (_("Nhà mạng"), "get_carrier_display"),
        (_("Gói cước"), "package.name"),
        (_("Số thuê bao"), lambda s: mask(s.phone)),
        (_("Bắt đầu"), _date("starts_on")),
        (_("Kết thúc"), _date("ends_on")),
        (_("Trạng thái"), "get_status_display"),
    )


class PackageExporter(XlsxExporter):
    title = _("Danh mục gói cước")
    columns = (
        (_("Nhà mạng"), "get_carrier_display"),
        (_("Tên gói"), "name"),
        (_("Dung lượng/ngày (MB)"), "data_per_day_mb"),
        (_("Dung lượng/tháng (MB)"), "data_per_month_mb"),
        (_("Giá (đồng/tháng)"), "price_vnd_per_month"),
        (_("Số tháng miễn phí"), "free_months"),
        (_("Đang cung cấp"), "is_active"),
        (
            _("Nền tảng học miễn phí dữ liệu"),
            lambda p: ", ".join(x.name for x in p.zero_rated_platforms.all()),
        ),
    )
