from django.core.management.base import BaseCommand, CommandError

from kernel.spreadsheets import ColumnSpec, SpreadsheetError, locate_table, read_rows
from schools.services import import_schools

COLUMNS = [
    ColumnSpec("code", "Mã trường", ("Mã", "Mã đơn vị"), required=True),
    ColumnSpec("name", "Tên trường", ("Tên đơn vị", "Trường"), required=True),
    ColumnSpec("level", "Cấp học", ("Cấp", "Bậc học"), required=True),
    # Today's form names no district: the province (optional) and a commune of 1/7/2025.
    ColumnSpec("province", "Tỉnh", ("Tỉnh/thành phố", "Tỉnh/TP")),
    ColumnSpec("district", "Huyện", ("Huyện/thị xã/thành phố", "Quận/huyện", "Đơn vị cấp huyện")),
    ColumnSpec("commune", "Xã", ("Xã/phường", "Xã/phường/thị trấn", "Phường/xã"), required=True),
    ColumnSpec("lat", "Vĩ độ", ("Latitude", "Lat")),
    ColumnSpec("lon", "Kinh độ", ("Longitude", "Lon", "Lng")),
]


class Command(BaseCommand):
    help = (
        "Nhập hoặc cập nhật danh sách trường từ tệp Excel: Mã trường, Tên trường, Cấp học, "
        "Huyện, Xã (địa bàn cũ) hoặc Tỉnh, Xã (địa bàn từ 1/7/2025, không có huyện), Vĩ độ, Kinh độ."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra, không ghi")

    def handle(self, *args, file: str, dry_run: bool, **options):
        try:
            sheet = read_rows(file, filename=file)
            table = locate_table(sheet, COLUMNS)
        except SpreadsheetError as exc:
            raise CommandError(exc.message) from exc
        except FileNotFoundError as exc:
            raise CommandError(f"Không tìm thấy tệp {file}.") from exc
        report = import_schools(rows=list(table.data_rows()), dry_run=dry_run)
        for error in report.errors:
            self.stderr.write(str(error))
        if report.errors:
            raise CommandError(f"Tệp có {len(report.errors)} dòng lỗi; không ghi trường nào.")
        verb = "Sẽ" if dry_run else "Đã"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} thêm {report.created}, cập nhật {report.updated}, giữ nguyên {report.unchanged} trường."
            )
        )
