"""Fault injection: Redis stops, a worker is killed; nothing is lost and nothing stays stuck.

Each test starts its own redis-server on a private port (skipped without the binary).
The worker test runs a real Celery worker in a subprocess on PostgreSQL (skipped on
SQLite) and SIGKILLs it while it holds the import's transaction open.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from schools.models import ImportBatch
from students import services as student_services
from students.models import Student
from taskqueue.models import OutboxTask
from taskqueue.services import sweep
from tests.rounds.conftest import draft, pupils, quotas, support_round  # noqa: F401
from tests.students.helpers import pupil, standard

ROOT = Path(__file__).resolve().parents[2]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BROKER_PORT, CACHE_PORT, WORKER_PORT = 6393, 6394, 6395

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="needs the redis-server binary"
)


class RedisServer:
    """A throw-away redis-server that a test can stop and start again."""

    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1)

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def _redis(port: int):
    server = RedisServer(port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def broker():
    yield from _redis(BROKER_PORT)


@pytest.fixture
def cache_server():
    yield from _redis(CACHE_PORT)


@pytest.fixture
def real_celery(broker):
    """The project's Celery app publishing to ``broker`` (not eager) for this test."""
    from laocai_portal.celery import app

    keys = ("task_always_eager", "broker_url", "task_publish_retry_policy")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        task_always_eager=False,
        broker_url=broker.url,
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.1},
    )
    _reset_pools(app)
    yield app
    app.conf.update(saved)
    _reset_pools(app)


def _reset_pools(app) -> None:
    # The next publish opens a connection to the broker now configured.
    app._pool = None
    app.amqp._producer_pool = None


def _queued_messages(broker) -> int:
    return int(broker.client().llen("celery"))


# --- Redis stopped during an upload --------------------------------------------------------


@pytest.mark.django_db
def test_redis_stopped_during_an_upload_check(
    broker, real_celery, client_for, school_staff, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_ASYNC_ROWS = 1
    client = client_for(school_staff)
    client.post(
        reverse("students:import"),
        {"file": SimpleUploadedFile("ds.xlsx", standard([pupil(1), pupil(2)]), XLSX)},
    )
    batch = ImportBatch.objects.get()
    form = client.get(reverse("students:import_detail", args=[batch.pk])).context["mapping_form"]
    mapping = {name: field.initial or "" for name, field in form.fields.items()}
    broker.stop()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("students:import_check", args=[batch.pk]), mapping)
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.task_id) == ("validating", "")  # queued, not lost
    assert client.get(reverse("students:import_detail", args=[batch.pk])).status_code == 200

    broker.start()  # an empty Redis: the sweep must send the batch again
    with django_capture_on_commit_callbacks(execute=True):
        sweep()
    batch.refresh_from_db()
    assert batch.task_id and _queued_messages(broker) == 1
    # The worker's run (here in process) finishes the check; nothing stuck.
    student_services.run_batch(batch_id=batch.pk, phase="validate")
    batch.refresh_from_db()
    assert batch.status == "validated"
    assert student_services.running_batch_for(actor=school_staff, school=batch.school) is None


# --- Redis stopped during a submission -----------------------------------------------------


@pytest.mark.django_db
def test_redis_stopped_during_a_submission(
    broker,
    real_celery,
    client_for,
    school_staff,
    district_officer,
    draft,  # noqa: F811
    pupils,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    from rounds import services as round_services

    round_services.add_proposal_items(
        actor=school_staff, proposal=draft, entries=[(p.pk, "tablet") for p in pupils], version=None
    )
    draft.refresh_from_db()
    broker.stop()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(school_staff).post(
            reverse("rounds:proposal_transition", args=[draft.pk, "submit"]),
            {"version": draft.version},
        )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "submitted"  # the data is saved
    assert mail.outbox == []
    assert OutboxTask.objects.filter(done_at__isnull=True).count() == 1  # the e-mail is kept

    broker.start()
    sweep()
    assert [m.to for m in mail.outbox] == [[district_officer.email]]
    assert OutboxTask.objects.filter(done_at__isnull=True).count() == 0
    sweep()
    assert len(mail.outbox) == 1  # once


# --- Redis (the cache) stopped during a public-page view ----------------------------------


@pytest.mark.django_db
def test_redis_cache_stopped_during_public_page_views(cache_server, client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": cache_server.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    first = client.get(reverse("donations:public"))
    assert first.status_code == 200
    assert cache_server.client().dbsize() >= 1  # the page was cached
    cache_server.stop()
    second = client.get(reverse("donations:public"))
    assert second.status_code == 200
    assert "Lào Cai" in second.content.decode()


# --- a worker killed during an import (PostgreSQL, real Celery worker) --------------------


def _worker_env(server: RedisServer, media_root: Path) -> dict[str, str]:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or "5432"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "laocai_portal.settings",
        "DEBUG": "True",
        "DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{db['NAME']}",
        "REDIS_URL": server.url,
        "MEDIA_ROOT": str(media_root),
        "PYTHONPATH": str(ROOT),
    }


def _batch_locked_by_another_session() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = %s AND l.pid <> pg_backend_pid() AND l.granted",
            [ImportBatch._meta.db_table],
        )
        return cursor.fetchone()[0] > 0


def _wait(condition, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_killed_during_an_import_ends_failed_or_done_never_stuck(
    school_staff, school, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (a real worker shares the test database)")
    server = RedisServer(WORKER_PORT)
    server.start()
    worker = None
    try:
        from laocai_portal.celery import app

        saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url")}
        app.conf.update(task_always_eager=False, broker_url=server.url)
        _reset_pools(app)
        try:
            worker = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "celery", "-A", "laocai_portal", "worker"]
                + ["--pool=solo", "--without-heartbeat", "--without-gossip", "--without-mingle"]
                + ["--loglevel=WARNING"],
                cwd=ROOT,
                env=_worker_env(server, Path(settings.MEDIA_ROOT)),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            rows = [pupil(n) for n in range(1, 4001)]
            batch = student_services.upload_household_list(
                actor=school_staff,
                upload=SimpleUploadedFile("lon.xlsx", standard(rows), XLSX),
            )
            ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.VALIDATED)
            settings.IMPORT_ASYNC_ROWS = 0
            student_services.start_batch(
                actor=school_staff, batch=batch, phase="import", confirm_duplicates=True
            )
            batch.refresh_from_db()
            assert batch.status == "importing" and batch.task_id  # sent to the real worker
            # The worker holds the batch's row lock for the whole import transaction.
            assert _wait(_batch_locked_by_another_session, timeout=180), "import never started"
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        finally:
            app.conf.update(saved)
            _reset_pools(app)

        # PostgreSQL notices the dead client and rolls its transaction back.
        assert _wait(lambda: not _batch_locked_by_another_session(), timeout=60)
        assert Student.objects.count() == 0  # nothing half-written
        batch.refresh_from_db()
        assert batch.status == "importing"  # what the issue saw: "Đang nhập" for ever…

        # …until the sweep finds its task gone (here: once past the time limit).
        sweep(now=timezone.now() + dt.timedelta(hours=1))
        batch.refresh_from_db()
        assert batch.status in ("failed", "done")
        assert batch.status == "failed" and "bị gián đoạn" in batch.message
        assert student_services.running_batch_for(actor=school_staff, school=school) is None
        # The unacknowledged message stays in Redis for redelivery: a rerun leaves it alone.
        assert server.client().hlen("unacked") >= 1
        student_services.run_batch(batch_id=batch.pk, phase="import")
        batch.refresh_from_db()
        assert batch.status == "failed" and Student.objects.count() == 0
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
        server.stop()
