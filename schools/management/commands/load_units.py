from django.core.management.base import BaseCommand

from schools.services import load_units


class Command(BaseCommand):
    help = (
        "Nạp tỉnh, các huyện và xã với mã GSO từ gói vietnam-provinces (mặc định Lào Cai, mã 10)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", default="10", help="Mã tỉnh (GSO), mặc định 10 = Lào Cai")

    def handle(self, *args, province: str, **options):
        result = load_units(province_code=province)
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã nạp {result.districts} đơn vị cấp huyện, {result.communes} xã/phường/thị trấn "
                f"({result.created} bản ghi mới)."
            )
        )
