"""What a household list's columns are called, and which registry fields the importer writes."""

from __future__ import annotations

from schools.spreadsheets import ColumnSpec

__all__ = [
    "AUDIT_COLUMNS",
    "COLUMNS",
    "FIELD_LABELS",
    "HOUSEHOLD_FIELDS",
    "NEW_STUDENT_COLUMNS",
    "STUDENT_FIELDS",
]

COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "full_name",
        "Họ và tên",
        (
            "Họ tên",
            "Họ tên HS",
            "Họ và tên HS",
            "Họ và tên học sinh",
            "Họ tên học sinh",
            "Tên học sinh",
            "Học sinh",
            "Họ và tên người học",
        ),
        required=True,
    ),
    ColumnSpec(
        "date_of_birth",
        "Ngày sinh",
        (
            "Ngày tháng năm sinh",
            "Ngày, tháng, năm sinh",
            "Ngày/tháng/năm sinh",
            "Sinh ngày",
            "NS",
            "Ngày sinh (dd/mm/yyyy)",
            "Ngày sinh học sinh",
        ),
        required=True,
    ),
    ColumnSpec("gender", "Giới tính", ("Nam/Nữ", "Nam, nữ", "Nam nữ", "GT", "Giới"), required=True),
    ColumnSpec("ethnicity", "Dân tộc", ("DT", "Dân tộc HS", "Thành phần dân tộc")),
    ColumnSpec(
        "class_name", "Lớp", ("Lớp học", "Lớp đang học", "Học lớp", "Lớp năm học"), required=True
    ),
    ColumnSpec(
        "pupil_code",
        "Mã định danh",
        (
            "Mã học sinh",
            "Mã định danh học sinh",
            "Mã định danh HS",
            "Mã HS",
            "Mã số học sinh",
            "Mã ĐDHS",
            "Mã định danh bộ GD",
            "Mã định danh ngành giáo dục",
        ),
        required=True,
    ),
    ColumnSpec(
        "personal_id",
        "Số định danh cá nhân",
        (
            "CCCD",
            "Số CCCD",
            "Căn cước công dân",
            "Mã định danh cá nhân",
            "Số ĐDCN",
            "CCCD học sinh",
            "Số định danh cá nhân học sinh",
            "Số định danh cá nhân (CCCD)",
        ),
    ),
    ColumnSpec(
        "guardian_name",
        "Họ tên cha/mẹ/người giám hộ",
        (
            "Họ tên cha/mẹ",
            "Họ tên cha mẹ",
            "Họ tên bố/mẹ",
            "Họ tên cha, mẹ hoặc người giám hộ",
            "Họ tên phụ huynh",
            "Phụ huynh",
            "Tên phụ huynh",
            "Người giám hộ",
            "Cha/mẹ hoặc người giám hộ",
            "Họ tên chủ hộ",
            "Chủ hộ",
        ),
    ),
    ColumnSpec(
        "guardian_relation", "Quan hệ", ("Quan hệ với học sinh", "Quan hệ với HS", "Mối quan hệ")
    ),
    ColumnSpec(
        "guardian_phone",
        "Số điện thoại",
        (
            "SĐT",
            "SĐT liên hệ",
            "Số ĐT",
            "Điện thoại",
            "Điện thoại liên hệ",
            "Số điện thoại liên hệ",
            "SĐT phụ huynh",
            "Số điện thoại phụ huynh",
            "Số điện thoại cha/mẹ",
            "Số điện thoại người giám hộ",
        ),
    ),
    ColumnSpec(
        "guardian_id_number",
        "CCCD người giám hộ",
        (
            "CCCD/CMND người giám hộ",
            "CMND/CCCD phụ huynh",
            "Số CCCD của cha/mẹ",
            "CCCD cha/mẹ",
            "CMND",
            "Số CMND",
        ),
    ),
    ColumnSpec(
        "village",
        "Thôn/bản",
        ("Thôn", "Bản", "Thôn, bản", "Thôn/bản/tổ dân phố", "Thôn/tổ", "Tổ dân phố", "Thôn bản"),
    ),
    ColumnSpec(
        "commune",
        "Xã/phường",
        ("Xã", "Phường", "Xã/phường/thị trấn", "Phường/xã", "Xã, phường", "Xã, phường, thị trấn"),
    ),
    ColumnSpec(
        "category",
        "Diện hộ",
        (
            "Đối tượng",
            "Diện",
            "Thuộc diện",
            "Diện hộ gia đình",
            "Đối tượng ưu tiên",
            "Đối tượng hỗ trợ",
            "Hộ nghèo/cận nghèo",
            "Phân loại hộ",
            "Diện đối tượng",
        ),
        required=True,
    ),
    ColumnSpec(
        "household_code",
        "Mã hộ",
        (
            "Số GCN hộ nghèo",
            "Số GCN hộ nghèo, cận nghèo",
            "Số GCN",
            "Số giấy chứng nhận",
            "Số giấy chứng nhận hộ nghèo",
            "Mã hộ gia đình",
            "Mã hộ nghèo",
            "Số sổ hộ nghèo",
        ),
    ),
    ColumnSpec(
        "needs",
        "Nhu cầu hỗ trợ",
        (
            "Nhu cầu",
            "Nhu cầu thiết bị",
            "Đề nghị hỗ trợ",
            "Hình thức hỗ trợ",
            "Đăng ký hỗ trợ",
            "Nội dung hỗ trợ",
            "Nhu cầu hỗ trợ thiết bị",
        ),
    ),
    ColumnSpec(
        "has_device",
        "Đã có thiết bị",
        (
            "Đã có thiết bị học tập",
            "Đã có thiết bị học trực tuyến",
            "Có thiết bị",
            "Đã có máy",
            "Có thiết bị học tập",
        ),
    ),
    ColumnSpec("school", "Trường", ("Tên trường", "Trường học", "Đơn vị", "Tên đơn vị")),
    ColumnSpec("school_code", "Mã trường", ("Mã đơn vị", "Mã số trường")),
    ColumnSpec("notes", "Ghi chú", ("Ghi chú khác", "Lý do", "Hoàn cảnh")),
)
FIELD_LABELS: dict[str, str] = {spec.field: spec.label for spec in COLUMNS}

# Student fields the importer sets; compared to decide "updated" vs "unchanged".
STUDENT_FIELDS = (
    "full_name",
    "name_key",
    "sort_key",
    "date_of_birth",
    "gender",
    "ethnicity_id",
    "school_id",
    "class_name",
    "grade",
    "personal_id",
    "commune_id",
    "village_id",
    "has_device",
    "need_device",
    "need_data",
    "notes",
)
HOUSEHOLD_FIELDS = (
    "category_id",
    "code",
    "commune_id",
    "village_id",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
    "guardian_id_number",
)
NEW_STUDENT_COLUMNS = (
    "pupil_code",
    *STUDENT_FIELDS,
    "household_id",
    "import_batch_id",
    "created_by_id",
    "status",
    "eligibility_locked",
    "created_at",
    "updated_at",
)
AUDIT_COLUMNS = (
    "at",
    "actor_id",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "changes",
    "reason",
    "district_id_snapshot",
    "school_id_snapshot",
)
