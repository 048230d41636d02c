from django.core.management.base import BaseCommand, CommandError

from schools.interim_import import import_interim_changes


class Command(BaseCommand):
    help = (
        "Nhập các lần sắp xếp xã giai đoạn 2023–2024 (chưa có trong gói vietnam-provinces) từ "
        "tệp Excel: Mã xã cũ, Tên xã cũ, Huyện, Mã xã nhập vào, Tên xã nhập vào, Căn cứ pháp lý, "
        "Ngày hiệu lực, Ghi chú."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra, không ghi")

    def handle(self, *args, file: str, dry_run: bool, **options):
        try:
            with open(file, "rb") as source:
                report = import_interim_changes(actor=None, source=source, dry_run=dry_run)
        except FileNotFoundError as exc:
            raise CommandError(f"Không tìm thấy tệp {file}.") from exc
        for error in report.errors:
            self.stderr.write(str(error))
        if report.errors:
            raise CommandError(f"Tệp có {len(report.errors)} lỗi; không ghi thay đổi nào.")
        verb = "Sẽ" if dry_run else "Đã"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} thêm {report.created}, cập nhật {report.updated}, giữ nguyên "
                f"{report.unchanged} lần sắp xếp."
            )
        )
