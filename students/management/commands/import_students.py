"""Import a household list (danh sách học sinh) from the command line."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from kernel.spreadsheets import SpreadsheetError
from schools.models import School
from students.services import import_household_list


class Command(BaseCommand):
    help = (
        "Nhập danh sách học sinh cần hỗ trợ từ tệp Excel/CSV. Mặc định: có lỗi thì không ghi gì; "
        "--skip-invalid chỉ nhập các dòng hợp lệ; --dry-run chỉ kiểm tra."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra, không ghi")
        parser.add_argument("--skip-invalid", action="store_true", help="Chỉ nhập các dòng hợp lệ")
        parser.add_argument("--school", metavar="CODE", help="Mã trường của danh sách")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, file: str, dry_run: bool, skip_invalid: bool, school, **options):
        output_format = options["format"]
        school_obj = None
        if school:
            school_obj = School.objects.select_related("district").filter(code=school).first()
            if school_obj is None:
                raise CommandError(f"Không tìm thấy trường có mã {school}.")
        last = [-1]

        def progress(percent: int) -> None:
            if percent // 10 != last[0]:
                last[0] = percent // 10
                self.stderr.write(f"… {percent}%")

        self.stderr.write(f"Đang đọc {file}")
        try:
            report = import_household_list(
                actor=None,
                source=file,
                filename=file,
                school=school_obj,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                progress=progress,
            )
        except SpreadsheetError as exc:
            raise CommandError(exc.message) from exc
        if output_format == "json":
            sys.stdout.flush()
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
            for error in report.errors:
                self.stderr.write(str(error))
            return
        for error in report.errors:
            self.stdout.write(str(error))
        written = not dry_run and (skip_invalid or not report.errors)
        if report.errors and not written:
            verb = "Kiểm tra xong" if dry_run else "Không ghi học sinh nào vì tệp có lỗi"
        else:
            verb = "Kiểm tra xong (chưa ghi)" if dry_run else "Đã nhập"
        self.stdout.write(
            f"{verb}: {report.rows} dòng, thêm {report.created}, cập nhật {report.updated}, "
            f"không đổi {report.unchanged}, {len(report.errors)} lỗi."
        )
