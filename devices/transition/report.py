"""The plan in words: what the dry run prints and the admin's confirmation page shows."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from devices.transition.applying import waiting_messages
from devices.transition.planning import KIND_LABELS, Plan


def describe(current: Plan) -> list[str]:
    """Vietnamese lines: per district office, per kind, how many go to each target;
    then what waits for a choice, under the keys a choices file uses."""
    if current.is_empty:
        return [_("Không còn việc nào của các Phòng GD&ĐT đã giải thể cần chuyển giao.")]
    lines = [
        _("Chuyển giao ngày %(d)s: %(n)s Phòng GD&ĐT đã giải thể.")
        % {"d": current.on.strftime("%d/%m/%Y"), "n": len(current.districts)}
    ]
    per_district: dict[int, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for move in current.moves:
        if move.is_decided:
            for label, n in move.destinations():
                per_district[move.district.pk][(move.kind, label)] += n
    for district in current.districts:
        counted = per_district.get(district.pk)
        if not counted:
            continue
        lines.append(_("Phòng GD&ĐT %(d)s:") % {"d": district.name})
        for (kind, label), n in sorted(
            counted.items(), key=lambda kv: (kind_order(kv[0][0]), kv[0][1])
        ):
            lines.append(f"  - {KIND_LABELS[kind]} → {label}: {n}")
    totals = current.counts_by_kind()
    lines.append(
        _("Tổng: %(parts)s.")
        % {
            "parts": "; ".join(
                f"{KIND_LABELS[k]}: {totals[k]}" for k in sorted(totals, key=kind_order)
            )
        }
    )
    lines.extend(
        _("Đợt “%(r)s”: chuyển sang UBND xã duyệt.") % {"r": round_} for round_ in current.rounds
    )
    waiting = waiting_messages(current)
    if waiting:
        lines.append(_("Cần quản trị viên chọn (%(n)s mục):") % {"n": len(waiting)})
        lines += [f"  - {line}" for line in waiting]
    if current.unknown_keys:
        lines.append(
            _("Bỏ qua lựa chọn không còn mục tương ứng: %(k)s")
            % {"k": ", ".join(current.unknown_keys)}
        )
    return lines


def kind_order(kind: str) -> int:
    return list(KIND_LABELS).index(kind)
