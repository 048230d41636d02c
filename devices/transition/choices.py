"""The administrator's choices for what the plan cannot decide alone.

A choices file is a JSON object keyed by the plan's keys (the dry run prints them):

    {
      "district:87": "province",            // default for the district's devices and transfers
      "device:R9XT000123": "15187",         // a 2025 commune code: its committee
      "transfer:42": "province",            // back to the provincial store
      "quota:7": {"15187": 30, "15190": 20},  // a district quota split among its communes
      "school:08700002": "15187"            // the commune of a school whose commune was split
    }

A target must be one the plan offers for the item (a successor commune of the
district, or the provincial store); a quota's shares must add up to its amount.
Keys the plan no longer has (already moved) are ignored, so the same file can be
given to a second run.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from devices.transition.planning import DEVICE, QUOTA, TRANSFER, Move, Plan

Choices = dict[str, Any]


class ChoicesError(ValueError):
    """The choices cannot be used; ``messages`` says why, one Vietnamese line per item."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def read_choices(text: str) -> Choices:
    """The choices of a JSON text; a clear message when it is not a JSON object."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ChoicesError(
            [
                _("Tệp lựa chọn không phải JSON hợp lệ (dòng %(l)s): %(m)s")
                % {"l": exc.lineno, "m": exc.msg}
            ]
        ) from None
    if not isinstance(data, dict):
        raise ChoicesError([_('Tệp lựa chọn phải là một đối tượng JSON {"khóa": lựa chọn}.')])
    return {str(k): v for k, v in data.items()}


def apply_choices(plan: Plan, choices: Choices) -> Plan:
    """Set the chosen targets and splits on ``plan``'s moves (in place; returns it).

    An item the plan decided by itself may be chosen otherwise among its candidates.
    Raises ``ChoicesError`` listing every wrong choice; nothing is set then."""
    errors: list[str] = []
    decided: list[tuple[Move, Any]] = []
    by_key = {m.key: m for m in plan.moves}
    for move in plan.moves:
        value = _chosen(move, choices)
        if value is None:
            continue
        error = _check(move, value)
        if error:
            errors.append(error)
        else:
            decided.append((move, value))
    if errors:
        raise ChoicesError(errors)
    for move, value in decided:
        _set(move, value)
    known = {f"district:{d.code}" for d in plan.districts} | set(by_key)
    known |= {m.choice_key for m in plan.moves if m.choice_key}
    plan.unknown_keys = sorted(k for k in choices if k not in known)
    return plan


def _chosen(move: Move, choices: Choices) -> Any:
    """The choice for ``move``: under its own key, its school's, or its district's."""
    if move.key in choices:
        return choices[move.key]
    if move.choice_key:
        # A school whose office is known needs no choice; a stray one is ignored.
        return choices.get(move.choice_key) if move.candidates else None
    if move.kind in (DEVICE, TRANSFER):
        return choices.get(f"district:{move.district.code}")
    return None


def _check(move: Move, value: Any) -> str:
    names = {"key": move.key, "obj": move.obj}
    if move.kind == QUOTA:
        return _check_split(move, value)
    offered = {c.key for c in move.candidates}
    if not isinstance(value, str) or value not in offered:
        return _("%(key)s (%(obj)s): “%(v)s” không phải nơi nhận hợp lệ; chọn một trong: %(c)s") % {
            **names,
            "v": value,
            "c": ", ".join(sorted(offered)),
        }
    return ""


def _check_split(move: Move, value: Any) -> str:
    names = {"key": move.key, "obj": move.obj}
    offered = {c.commune.code for c in move.candidates if c.commune is not None}
    if not isinstance(value, dict) or not value:
        return _('%(key)s (%(obj)s): cần chia chỉ tiêu theo xã, ví dụ {"mã xã": số}.') % names
    wrong = sorted(str(code) for code in value if str(code) not in offered)
    if wrong:
        return _("%(key)s (%(obj)s): xã %(w)s không thuộc các xã kế thừa (%(c)s).") % {
            **names,
            "w": ", ".join(wrong),
            "c": ", ".join(sorted(offered)),
        }
    if any(not isinstance(n, int) or isinstance(n, bool) or n < 0 for n in value.values()):
        return _("%(key)s (%(obj)s): mỗi phần chỉ tiêu phải là số nguyên không âm.") % names
    total = sum(value.values())
    amount = move.obj.amount  # type: ignore[attr-defined]
    if total != amount:
        return _("%(key)s (%(obj)s): tổng các phần là %(t)s, khác chỉ tiêu %(a)s.") % {
            **names,
            "t": total,
            "a": amount,
        }
    return ""


def _set(move: Move, value: Any) -> None:
    if move.kind == QUOTA:
        ids = {c.commune.code: c.commune.pk for c in move.candidates if c.commune is not None}
        move.split = {ids[str(code)]: n for code, n in value.items() if n}
        if not move.split:  # a quota of 0 split among nobody still goes somewhere
            move.split = {ids[str(next(iter(value)))]: 0}
        return
    move.target = next(c for c in move.candidates if c.key == value)
