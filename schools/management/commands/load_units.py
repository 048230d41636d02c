from django.core.management.base import BaseCommand, CommandError

from schools.unit_loading import REFORM_CURRENT_PROVINCES, REFORM_LEGACY_PROVINCES, load_units


class Command(BaseCommand):
    help = (
        "Nạp đơn vị hành chính với mã GSO từ gói vietnam-provinces: danh mục ba cấp trước "
        "1/7/2025 (mặc định Lào Cai 10 và Yên Bái 15 cũ), danh mục hai cấp từ 1/7/2025 "
        "(mặc định Lào Cai mới, mã 15) và bảng chuyển đổi xã cũ → xã mới. Chạy lại không đổi gì."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--legacy",
            nargs="*",
            default=list(REFORM_LEGACY_PROVINCES),
            metavar="MÃ",
            help="Mã tỉnh trong danh mục ba cấp trước 1/7/2025 (mặc định: 10 15)",
        )
        parser.add_argument(
            "--current",
            nargs="*",
            default=list(REFORM_CURRENT_PROVINCES),
            metavar="MÃ",
            help="Mã tỉnh trong danh mục hai cấp từ 1/7/2025 (mặc định: 15; để trống: không nạp)",
        )

    def handle(self, *args, legacy: list[str], current: list[str], **options):
        try:
            result = load_units(legacy_provinces=legacy, current_provinces=current)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Trước 1/7/2025: {result.districts} đơn vị cấp huyện, {result.communes} "
                f"xã/phường/thị trấn. Từ 1/7/2025: {result.current_communes} xã/phường, "
                f"{result.successions} dòng chuyển đổi. Thêm {result.created}, cập nhật "
                f"{result.updated}, xóa {result.deleted} bản ghi."
            )
        )
        if result.skipped_sources:
            self.stdout.write(
                self.style.WARNING(
                    "Xã cũ của tỉnh chưa nạp, không có dòng chuyển đổi: "
                    + ", ".join(result.skipped_sources)
                )
            )
