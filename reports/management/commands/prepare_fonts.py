"""Build the PDF fonts where the portal is installed, so no report or handover record
waits about a minute for them (``kernel.documents.prepare_fonts``)."""

import time

from django.core.management.base import BaseCommand

from kernel.documents import prepare_fonts


class Command(BaseCommand):
    help = (
        "Chuẩn bị phông chữ Noto Sans cho văn bản PDF (báo cáo, biên bản) vào FONT_CACHE_DIR "
        "(mặc định MEDIA_ROOT/fonts): khoảng một phút lần đầu, chạy lại không làm gì."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        paths = prepare_fonts()
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(paths)} kiểu chữ sẵn sàng trong {paths[0].parent} "
                f"({time.perf_counter() - started:.1f} s)."
            )
        )
