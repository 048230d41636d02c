"""What a pupil's devices and data packages mean for the pupil rules (``students.dependents``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from django.utils.translation import gettext as _

from devices.models import ACTIVE_SUBSCRIPTION, Allocation, Subscription
from students.dependents import PupilDependents
from students.models import Student


class DeviceDependents(PupilDependents):
    key = "allocations"

    def summaries(self, pupil_ids: Collection[int]) -> dict[int, list[str]]:
        lines: dict[int, list[str]] = defaultdict(list)
        for allocation in Allocation.objects.filter(student_id__in=pupil_ids).order_by("pk"):
            lines[allocation.student_id].append(
                f"{allocation.get_device_type_display()} – {allocation.get_status_display()}"
            )
        return lines

    def merge_conflicts(self, kept: Student, away: Student) -> list[str]:
        """Both records holding a device of one type, or both an active data package."""
        open_kept = {a.device_type: a for a in Allocation.objects.open().filter(student=kept)}
        problems: list[str] = [
            _(
                "Cả hai hồ sơ đều đang giữ %(type)s (%(a)s và %(b)s). Hãy thu hồi một "
                "thiết bị trước khi gộp."
            )
            % {
                "type": allocation.get_device_type_display().lower(),
                "a": open_kept[allocation.device_type].device,
                "b": allocation.device,
            }
            for allocation in Allocation.objects.open()
            .filter(student=away)
            .select_related("device")
            if allocation.device_type in open_kept
        ]
        if (
            Subscription.objects.filter(ACTIVE_SUBSCRIPTION, student=kept).exists()
            and Subscription.objects.filter(ACTIVE_SUBSCRIPTION, student=away).exists()
        ):
            problems.append(
                _("Cả hai hồ sơ đều có gói cước đang dùng. Hãy dừng một gói cước trước khi gộp.")
            )
        return problems

    def move(self, *, away: Student, kept: Student) -> dict[str, int]:
        return {
            "allocations": Allocation.objects.filter(student=away).update(student=kept),
            "subscriptions": Subscription.objects.filter(student=away).update(student=kept),
        }
