"""What a household list's columns are called, and which registry fields the importer writes."""

from __future__ import annotations

from kernel.spreadsheets import ColumnSpec

__all__ = [
    "COMPARED_STUDENT_FIELDS",
    "CATEGORY_MARKS",
    "REQUIRED_ALTERNATIVES",
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
        "class_name",
        "Lớp",
        ("Lớp học", "Lớp đang học", "Học lớp", "Lớp năm học"),
        required=True,
        from_section=True,  # lists split into "Lớp 6A" sections may have no class column
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
    # Split and marked columns (students.importers.layouts joins them).  Exact headers
    # only: "Tên" must not take "Tên trường", "Nam" must not take "Nam/Nữ".
    ColumnSpec(
        "family_middle",
        "Họ và tên đệm",
        ("Họ và đệm", "Họ đệm", "Họ, tên đệm", "Họ tên đệm", "Họ và chữ đệm"),
        exact=True,
        stands_for="full_name",
    ),
    ColumnSpec("family_name", "Họ", ("Họ học sinh",), exact=True, stands_for="full_name"),
    ColumnSpec("middle_name", "Tên đệm", ("Đệm", "Chữ đệm"), exact=True),
    ColumnSpec("given_name", "Tên", ("Tên gọi", "Tên HS"), exact=True, stands_for="full_name"),
    ColumnSpec(
        "birth_day",
        "Ngày",
        ("Ngày sinh Ngày", "Ngày tháng năm sinh Ngày", "Sinh ngày Ngày", "Ngày sinh Ngày sinh"),
        exact=True,
        stands_for="date_of_birth",
    ),
    ColumnSpec(
        "birth_month",
        "Tháng",
        ("Ngày sinh Tháng", "Ngày tháng năm sinh Tháng", "Sinh ngày Tháng", "Tháng sinh"),
        exact=True,
        stands_for="date_of_birth",
    ),
    # Header keys ignore accents, so "Năm" (year) and "Nam" (male) look alike: the
    # importer gives such a column to the right one by its accented text (``locate``).
    ColumnSpec(
        "birth_year",
        "Năm",
        ("Ngày sinh Năm", "Ngày tháng năm sinh Năm", "Sinh ngày Năm", "Năm sinh"),
        exact=True,
        stands_for="date_of_birth",
    ),
    # "Nam | Nữ" hold an "x", or (under a merged "Ngày sinh") the birth date itself.
    ColumnSpec("gender_male", "Nam", ("Giới tính Nam",), exact=True, stands_for="gender"),
    ColumnSpec(
        "gender_female",
        "Nữ",
        ("Giới tính Nữ", "Ngày sinh Nữ", "Ngày tháng năm sinh Nữ", "Nữ (x)"),
        exact=True,
        stands_for="gender",
    ),
    # Under a merged "Diện hộ"/"Đối tượng" the child header alone matches.
    *(
        ColumnSpec(field, label, synonyms, exact=True, stands_for="category")
        for field, label, synonyms in (
            ("mark_poor", "Hộ nghèo", ("Nghèo", "HN")),
            ("mark_near_poor", "Hộ cận nghèo", ("Cận nghèo", "HCN")),
            ("mark_policy", "Gia đình chính sách", ("Chính sách", "GĐCS", "Hộ chính sách")),
            ("mark_hardship", "Hoàn cảnh khó khăn", ("Khó khăn", "HCKK", "Hộ khó khăn")),
            (
                "mark_covid",
                "Mồ côi do COVID-19",
                ("Bố/mẹ mất do COVID-19", "Mồ côi do COVID", "Mồ côi COVID-19", "COVID-19"),
            ),
        )
    ),
)
FIELD_LABELS: dict[str, str] = {spec.field: spec.label for spec in COLUMNS}

# The household category each mark column stands for (HouseholdCategory.code).
CATEGORY_MARKS: dict[str, str] = {
    "mark_poor": "poor",
    "mark_near_poor": "near-poor",
    "mark_policy": "policy",
    "mark_hardship": "hardship",
    "mark_covid": "covid",
}
# A required column may be given instead by these columns (any one group of them).
REQUIRED_ALTERNATIVES: dict[str, tuple[tuple[str, ...], ...]] = {
    "full_name": (("family_middle", "given_name"), ("family_name", "given_name")),
    "date_of_birth": (
        ("birth_year",),  # day and month are asked for row by row
        ("gender_male",),  # the date written under "Nam" / "Nữ"
        ("gender_female",),
    ),
    "gender": (("gender_male",), ("gender_female",)),
    "category": tuple((mark,) for mark in CATEGORY_MARKS),
}

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
# The pupil fields a list sets directly (``name_key``/``sort_key`` follow the name).
COMPARED_STUDENT_FIELDS = tuple(f for f in STUDENT_FIELDS if f not in {"name_key", "sort_key"})
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
