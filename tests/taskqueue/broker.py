"""A broker that refuses every publish, as Redis does when it is down."""

from kombu.exceptions import OperationalError


def _refuse(self, *args, **kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def stop_broker(monkeypatch) -> None:
    """Every ``delay``/``apply_async`` raises like kombu does with Redis stopped."""
    monkeypatch.setattr("celery.app.task.Task.apply_async", _refuse)
