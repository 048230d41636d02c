"""Rows checked in a worker thread while the caller writes the rows already checked.

Checking a household list is pure Python (CPU); writing it is mostly waiting for
PostgreSQL (``COPY``, index upkeep, foreign-key checks).  Running the two one after
the other leaves one core idle each time; here the worker checks chunk *n + 1*
while the caller's connection writes chunk *n*, and the database works on the
other core.

The caller keeps the database: the worker must not touch it (it would get a
connection of its own, outside the caller's transaction), so every query there
raises.  Everything the checks need is loaded before the worker starts.
"""

from __future__ import annotations

import gc
import queue
import sys
import threading
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.utils import translation

__all__ = ["WorkerQueryError", "checked_in_background"]


_DONE = object()
SWITCH_INTERVAL = 0.0001  # seconds


class WorkerQueryError(RuntimeError):
    """The checking worker tried to query the database (a bug: load the data first)."""


class _Failed:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _refuse_query(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    raise WorkerQueryError(f"query from the checking worker: {sql[:80]}")


def checked_in_background[T](items: Iterator[T], *, size: int, depth: int = 2) -> Iterator[list[T]]:
    """The items of ``items`` in lists of up to ``size`` (the first one smaller),
    produced by a worker thread.

    At most ``depth`` lists wait to be taken, so memory stays flat whatever the
    file's length.  An exception raised in the worker is raised here, in the
    caller; a caller that stops early (exception, ``close()``) stops the worker.
    The worker runs in the caller's language (messages are translated there).
    """
    waiting: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    language = translation.get_language()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def work() -> None:
        try:
            with translation.override(language), connection.execute_wrapper(_refuse_query):
                chunk: list[T] = []
                # The first list is small, so the caller starts writing sooner.
                limit = max(size // 8, 1)
                for item in items:
                    chunk.append(item)
                    if len(chunk) >= limit:
                        if not put(chunk):
                            return
                        chunk = []
                        limit = size
                if chunk and not put(chunk):
                    return
            put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, which raises it
            put(_Failed(exc))

    worker = threading.Thread(target=work, name="household-list-check", daemon=True)
    _tune_interpreter(+1)
    worker.start()
    try:
        while True:
            item = waiting.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        worker.join()
        _tune_interpreter(-1)


_tuned = {"depth": 0, "interval": 0.005, "gc": True}
_tuning = threading.Lock()


def _tune_interpreter(step: int) -> None:
    """Set (``+1``) or restore (``-1``, by the last run to end) two interpreter settings
    for the runs in progress.

    The switch interval: the caller waits on the database many times per chunk; each
    time, it gets the interpreter back only when the busy worker yields it: after the
    switch interval (5 ms by default), which would make the writes several times slower.

    The cyclic garbage collector: a run keeps a few chunks of rows alive and makes
    millions of small tuples and dicts, so the collector kept traversing them (a
    quarter of the run's CPU on 100,000 rows) while finding no cycles to free; the
    rows are freed by reference counting.  It runs again once the last run ends.
    """
    with _tuning:
        if step > 0:
            _tuned["depth"] += 1
            if _tuned["depth"] == 1:
                _tuned["interval"], _tuned["gc"] = sys.getswitchinterval(), gc.isenabled()
                sys.setswitchinterval(SWITCH_INTERVAL)
                gc.disable()
            return
        _tuned["depth"] -= 1
        if _tuned["depth"] == 0:
            sys.setswitchinterval(float(_tuned["interval"]))
            if _tuned["gc"]:
                gc.enable()
