"""Bulk creation of accounts from an .xlsx (username, full name, e-mail, role, unit code)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import find_role
from accounts.services import create_user
from kernel.importing import DuplicateTracker, ImportReport, RowError
from kernel.normalize import clean_text
from kernel.spreadsheets import ColumnSpec, SpreadsheetError, locate_table, read_rows
from schools import import_batches
from schools.models import District, ImportBatch, School

COLUMNS = [
    ColumnSpec("username", "Tên đăng nhập", ("Username", "Tài khoản"), required=True),
    ColumnSpec("full_name", "Họ và tên", ("Họ tên",)),
    ColumnSpec("email", "E-mail", ("Email", "Thư điện tử")),
    ColumnSpec("role", "Vai trò", ("Role",), required=True),
    ColumnSpec("unit", "Mã đơn vị", ("Mã trường", "Mã huyện", "Đơn vị"), required=False),
]


def import_account_list(*, actor: User, upload: Any, dry_run: bool) -> ImportReport:
    """An account list through the import-batch workflow: the upload is kept as a batch,
    checked (``dry_run``) or checked and imported at once, and the outcome stored on it."""
    batch = import_batches.store_upload(
        actor=actor,
        kind=ImportBatch.Kind.ACCOUNTS,
        upload=upload,
        file_name=getattr(upload, "name", "") or "tai-khoan.xlsx",
    )
    report = import_accounts(actor=actor, source=upload, dry_run=dry_run)
    phase = import_batches.CHECK if dry_run else import_batches.IMPORT
    import_batches.conclude(batch, phase=phase, report=report)
    batch.save()
    return report


# size: every row is checked against roles, units and taken usernames in one pass, then all
#   accounts are written in one transaction or none
def import_accounts(*, actor: User, source: Any, dry_run: bool = False) -> ImportReport:
    """Validate every row; create all accounts in one transaction, or none when any row is bad."""
    try:
        sheet = read_rows(source, filename=getattr(source, "name", ""))
        table = locate_table(sheet, COLUMNS)
    except SpreadsheetError as exc:
        return ImportReport(rows=0, errors=[RowError(0, "", "file", exc.message)])
    rows = list(table.data_rows())
    report = ImportReport(rows=len(rows))
    roles: dict[str, Role | None] = {}
    schools = set(School.objects.values_list("code", flat=True))
    districts = set(District.objects.values_list("code", flat=True))
    taken = {u.lower() for u in User.objects.values_list("username", flat=True)}
    seen = DuplicateTracker()
    valid: list[dict[str, Any]] = []
    labels = table.field_labels()
    for row, values in rows:
        username = clean_text(values.get("username"))
        role_text = clean_text(values.get("role"))
        if role_text not in roles:
            roles[role_text] = find_role(role_text)
        role = roles[role_text]
        unit = clean_text(values.get("unit")).split(".")[0]
        errors = []
        if not username:
            errors.append(
                RowError(row, labels.get("username", "Tên đăng nhập"), "username", _("bắt buộc"))
            )
        elif username.lower() in taken:
            errors.append(
                RowError(
                    row,
                    labels.get("username", "Tên đăng nhập"),
                    "username",
                    _("tên đăng nhập đã tồn tại"),
                )
            )
        elif (first := seen.seen(username.lower(), row)) is not None:
            errors.append(
                RowError(
                    row,
                    labels.get("username", "Tên đăng nhập"),
                    "username",
                    _("trùng với dòng %(r)d") % {"r": first},
                )
            )
        if role is None:
            errors.append(
                RowError(
                    row,
                    labels.get("role", "Vai trò"),
                    "role",
                    _("vai trò không thuộc danh mục (các mã: %(codes)s)")
                    % {
                        "codes": ", ".join(
                            Role.objects.order_by("code").values_list("code", flat=True)
                        )
                    },
                )
            )
        elif role.level == Role.Level.SCHOOL and unit not in schools:
            errors.append(
                RowError(
                    row,
                    labels.get("unit", "Mã đơn vị"),
                    "unit",
                    _("không tìm thấy trường có mã này"),
                )
            )
        elif role.level == Role.Level.DISTRICT and unit not in districts:
            errors.append(
                RowError(
                    row,
                    labels.get("unit", "Mã đơn vị"),
                    "unit",
                    _("không tìm thấy huyện có mã này"),
                )
            )
        report.errors.extend(errors)
        if not errors:
            valid.append(
                {
                    "username": username,
                    "role": role,
                    "unit_code": unit,
                    "full_name": clean_text(values.get("full_name")),
                    "email": clean_text(values.get("email")),
                }
            )
    if report.errors or dry_run:
        return report
    try:
        with transaction.atomic():
            for data in valid:
                create_user(actor=actor, **data)
                report.created += 1
    except ValidationError as exc:
        report.created = 0
        report.errors.append(RowError(0, "", "file", " ".join(exc.messages)))
    return report
