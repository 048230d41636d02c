"""``manage.py transition_offices``: hand the abolished district offices' work to their successors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from devices.transition import (
    ChoicesError,
    TransitionRefused,
    apply_choices,
    plan,
    read_choices,
    transition_offices,
)
from devices.transition.report import describe
from schools.models import Province, UnitGeneration


class Command(BaseCommand):
    help = (
        "Chuyển giao việc đang dở của các Phòng GD&ĐT đã giải thể (danh sách chờ duyệt, phiếu "
        "điều chuyển chờ nhận, thiết bị trong kho Phòng, chỉ tiêu của huyện trong đợt đang mở) "
        "cho UBND xã/phường hoặc Sở GD&ĐT, trong một giao dịch có ghi nhật ký. --dry-run chỉ "
        "in kế hoạch. Chạy lại không chuyển gì thêm."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Chỉ in kế hoạch, không ghi gì")
        parser.add_argument(
            "--choices", metavar="TỆP", help="Tệp JSON lựa chọn cho các mục chưa rõ nơi nhận"
        )
        parser.add_argument(
            "--province",
            metavar="MÃ",
            help="Mã tỉnh (danh mục có hiệu lực vào ngày chuyển giao); mặc định: mọi tỉnh",
        )
        parser.add_argument(
            "--on", metavar="NGÀY", help="Ngày chuyển giao dd/mm/yyyy (mặc định hôm nay)"
        )
        parser.add_argument(
            "--user", metavar="TÊN", help="Tài khoản quản trị thực hiện (ghi nhật ký)"
        )

    def handle(self, *args, dry_run: bool, choices: str | None, province: str | None, **options):
        on = _day(options["on"]) if options["on"] else timezone.localdate()
        chosen = _choices(choices)
        actor = _actor(options["user"])
        refused = False
        for unit in _provinces(province, on):
            self.stdout.write(f"== {unit.name} ({unit.code}) ==")
            try:
                if dry_run:
                    lines = describe(apply_choices(plan(unit, on=on), chosen))
                else:
                    lines = describe(
                        transition_offices(actor=actor, province=unit, on=on, choices=chosen)
                    )
            except (ChoicesError, TransitionRefused) as exc:
                refused = True
                self.stderr.write("Không chuyển giao: còn mục chưa rõ nơi nhận hoặc lựa chọn sai.")
                for line in exc.messages:
                    self.stderr.write(f"  - {line}")
                continue
            for line in lines:
                self.stdout.write(line)
        if refused:
            raise CommandError(
                "Chưa chuyển giao; hãy bổ sung tệp lựa chọn (--choices) rồi chạy lại."
            )
        if dry_run:
            self.stdout.write(self.style.WARNING("Chạy thử: chưa ghi gì."))


def _day(text: str) -> dt.date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CommandError(f"Ngày “{text}” không hợp lệ: viết dd/mm/yyyy.")


def _choices(path: str | None) -> dict:
    if not path:
        return {}
    try:
        return read_choices(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"Không đọc được tệp lựa chọn {path}: {exc.strerror}") from None
    except ChoicesError as exc:
        raise CommandError("\n".join(exc.messages)) from None


def _actor(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"Không có tài khoản “{username}” đang hoạt động.")
    return user


def _provinces(code: str | None, on: dt.date) -> list[Province]:
    """The provinces in force on ``on``, and any earlier one no later province succeeds
    (its districts would be nobody's otherwise); the merged ones go with their successor."""
    in_force = [g.pk for g in UnitGeneration.objects.all() if g.in_force_on(on)]
    provinces = Province.objects.filter(
        Q(generation_id__in=in_force) | Q(successor__isnull=True)
    ).order_by("code", "generation")
    if code:
        provinces = provinces.filter(code=code)
        if not provinces:
            raise CommandError(f"Không có tỉnh mã {code} vào ngày {on:%d/%m/%Y}.")
    return list(provinces)
