"""The hand-over of the abolished district offices' work (issue 16, "Transition").

A small world: the old province has district A (both communes went to one 2025
commune, so its successor is clear) and district B (its communes went to two 2025
communes: ambiguous until the administrator chooses). Figures are compared with
independent SQL on the tables.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AuditEvent
from devices.models import Device
from devices.transition import TransitionRefused, plan, transition_offices
from tests.devices.factories import DeviceFactory
from tests.devices.transition_world import AFTER, admin, sql, table_counts, world

__all__ = ["admin", "world"]  # fixtures


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("transition_offices", *args, stdout=out, stderr=out)
    return out.getvalue()


def choices_file(tmp_path, data: dict) -> str:
    path = tmp_path / "chon.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_nothing_moves_before_the_reform(world):
    world.held(world.a, 2)
    assert plan(world.old, on=dt.date(2025, 6, 30)).is_empty


def test_plan_sends_a_clear_districts_devices_to_its_one_successor_and_waits_on_a_split_one(
    world,
):
    world.held(world.a, 2)
    world.held(world.b, 1)
    world.held(world.a, 1, status=Device.Status.WRITTEN_OFF)  # not held any more: stays
    current = plan(world.old, on=AFTER)
    assert sorted((m.district.code, str(m.target)) for m in current.moves) == [
        ("85", "UBND Xã Bắc Hà"),
        ("85", "UBND Xã Bắc Hà"),
        ("87", "None"),
    ]
    (waiting,) = current.waiting
    assert sorted(c.key for c in waiting.candidates) == ["15200", "15300", "province"]


def test_dry_run_writes_nothing_and_names_what_moves_where(world, tmp_path):
    world.held(world.a, 2)
    world.held(world.b, 1)
    world.in_transit_to(world.b, 2)
    before = table_counts()
    rows_before = sql("SELECT id, holder, district_id, commune_id, status FROM devices_device")
    out = run("--dry-run", "--province", "15", "--on", "02/07/2025") + run(
        "--dry-run", "--on", "02/07/2025"
    )
    out += _dry_run_old(world)
    assert table_counts() == before
    assert sql("SELECT id, holder, district_id, commune_id, status FROM devices_device") == (
        rows_before
    )
    assert "thiết bị trong kho Phòng → UBND Xã Bắc Hà: 2" in out
    assert "device:" in out and "transfer:" in out  # the keys a choices file uses
    assert "Chạy thử: chưa ghi gì." in out


def _dry_run_old(world) -> str:
    from devices.transition import apply_choices
    from devices.transition.report import describe

    return "\n".join(describe(apply_choices(plan(world.old, on=AFTER), {})))


def test_run_refuses_while_a_split_district_is_unchosen_and_writes_nothing(world, admin):
    world.held(world.a, 2)
    (device,) = world.held(world.b, 1)
    before = table_counts()
    with pytest.raises(TransitionRefused) as refused:
        transition_offices(actor=admin, province=world.old, on=AFTER, choices={})
    assert f"device:{device.serial_number}" in refused.value.messages[0]
    assert table_counts() == before


def test_a_wrong_choice_is_refused_naming_the_item(world, admin):
    (device,) = world.held(world.b, 1)
    from devices.transition import ChoicesError

    with pytest.raises(ChoicesError) as wrong:
        transition_offices(
            actor=admin,
            province=world.old,
            on=AFTER,
            choices={f"device:{device.serial_number}": world.c1.code},  # not B's successor
        )
    assert f"device:{device.serial_number}" in wrong.value.messages[0]
    assert "15200" in wrong.value.messages[0]


def test_run_accounts_for_every_device_and_transfer_once(world, admin):
    world.held(world.a, 3)
    b_devices = world.held(world.b, 2)
    world.held(world.b, 1, status=Device.Status.DAMAGED)
    to_a = world.in_transit_to(world.a, 2)
    to_b = world.in_transit_to(world.b, 3)
    untouched = DeviceFactory(source=world.source)  # the provincial store's own
    total = sql("SELECT COUNT(*) FROM devices_device")[0][0]
    choices = {
        "district:87": world.c2.code,
        f"device:{b_devices[0].serial_number}": "province",
        f"transfer:{to_b.pk}": "province",
    }
    transition_offices(actor=admin, province=world.old, on=AFTER, choices=choices)

    assert sql("SELECT COUNT(*) FROM devices_device")[0][0] == total
    assert sql("SELECT COUNT(*) FROM devices_device WHERE holder = 'district'") == [(0,)]
    by_holder = sql(
        "SELECT d.holder, c.code, COUNT(*) FROM devices_device d "
        "LEFT JOIN schools_commune c ON c.id = d.commune_id "
        "WHERE d.status <> 'in_transit' GROUP BY d.holder, c.code ORDER BY d.holder, c.code"
    )
    # A's 3 to Bắc Hà; B's 2 (one damaged) to Nghĩa Đô, 1 to the provincial store,
    # with the store's own device and the 3 of the transfer sent back.
    assert by_holder == [("commune", "15100", 3), ("commune", "15200", 2), ("province", None, 5)]
    assert sql(
        "SELECT id, status, to_district_id, to_commune_id FROM devices_stocktransfer ORDER BY id"
    ) == [(to_a.pk, "sent", None, world.c1.pk), (to_b.pk, "cancelled", world.b.pk, None)]
    assert sql("SELECT COUNT(*) FROM devices_device WHERE status = 'in_transit'") == [
        (2,)
    ]  # still on their way, now to Bắc Hà's committee
    untouched.refresh_from_db()
    assert untouched.holder == Device.Holder.PROVINCE


def test_each_item_moved_leaves_one_audit_row_and_the_run_a_summary(world, admin):
    devices = world.held(world.a, 2)
    transfer = world.in_transit_to(world.a, 1)
    transition_offices(actor=admin, province=world.old, on=AFTER, choices={})
    rows = sql(
        "SELECT action, object_id, actor_id FROM accounts_auditevent "
        "WHERE action LIKE 'transition.%%' ORDER BY action, object_id"
    )
    assert rows == sorted(
        [
            *[("transition.device", str(d.pk), admin.pk) for d in devices],
            ("transition.transfer", str(transfer.pk), admin.pk),
            ("transition.run", str(world.old.pk), admin.pk),
        ]
    )
    summary = AuditEvent.objects.get(action="transition.run")
    assert summary.changes == {"device": [None, 2], "transfer": [None, 1]}


def test_a_second_run_moves_nothing_and_writes_nothing(world, admin):
    world.held(world.a, 2)
    world.in_transit_to(world.a, 1)
    transition_offices(actor=admin, province=world.old, on=AFTER, choices={})
    before = table_counts()
    again = transition_offices(actor=admin, province=world.old, on=AFTER, choices={})
    assert again.is_empty
    assert table_counts() == before


def test_command_refuses_then_runs_with_a_choices_file(world, admin, tmp_path):
    (device,) = world.held(world.b, 1)
    with pytest.raises(CommandError):
        run("--on", "02/07/2025", "--province", "10")
    assert Device.objects.get(pk=device.pk).holder == Device.Holder.DISTRICT
    path = choices_file(tmp_path, {f"device:{device.serial_number}": world.c3.code})
    out = run("--on", "02/07/2025", "--choices", path, "--user", admin.username)
    device.refresh_from_db()
    assert (device.holder, device.commune_id, device.district_id) == ("commune", world.c3.pk, None)
    assert "UBND Xã Bảo Yên: 1" in out
    assert "Không còn việc nào" in run("--on", "02/07/2025", "--choices", path)
