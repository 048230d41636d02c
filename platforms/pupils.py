"""What a pupil's platform accounts mean for the pupil rules (``students.dependents``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from django.utils.translation import gettext as _

from accounts.services import record_audit
from platforms.models import PlatformAccount
from students.dependents import PupilDependents
from students.models import Student


class PlatformDependents(PupilDependents):
    key = "platform_accounts"

    def summaries(self, pupil_ids: Collection[int]) -> dict[int, list[str]]:
        lines: dict[int, list[str]] = defaultdict(list)
        accounts = PlatformAccount.objects.filter(student_id__in=pupil_ids, is_active=True)
        for account in accounts.select_related("platform").order_by("pk"):
            lines[account.student_id].append(f"{account.platform} – {account.login_name}")
        return lines

    def merge_conflicts(self, kept: Student, away: Student) -> list[str]:
        """Both records holding a working account on one platform."""
        on_kept = set(
            PlatformAccount.objects.filter(student=kept, is_active=True).values_list(
                "platform_id", flat=True
            )
        )
        return [
            _(
                "Cả hai hồ sơ đều có tài khoản %(platform)s đang dùng. Hãy ngừng một tài "
                "khoản trước khi gộp."
            )
            % {"platform": account.platform}
            for account in PlatformAccount.objects.filter(student=away, is_active=True)
            .select_related("platform")
            .order_by("pk")
            if account.platform_id in on_kept
        ]

    def move(self, *, away: Student, kept: Student) -> dict[str, int]:
        return {
            "platform_accounts": PlatformAccount.objects.filter(student=away).update(student=kept)
        }

    def before_delete(self, *, actor: Any, student: Student) -> None:
        """A pupil deleted by mistake takes the logins recorded for them along, audited."""
        accounts = PlatformAccount.objects.filter(student=student)
        for account in accounts:
            record_audit(
                actor=actor,
                action="platform_account.delete",
                obj=account,
                reason=_("Xóa học sinh khỏi danh sách"),
                school_id=student.school_id,
            )
        accounts.delete()
