"""gunicorn's settings for the portal: the Dockerfile, docker-compose and the README's
non-Docker instructions all start ``gunicorn -c gunicorn.conf.py laocai_portal.wsgi``.

Each value can be changed from the environment without editing this file; a flag on the
command line (``--bind 127.0.0.1:8107``) overrides both. The defaults are sized for the
two-core server the province runs on (README, Performance): 3 processes of 4 threads.
A page spends much of its time waiting for PostgreSQL, so threads let one process serve
another request meanwhile; processes past ``2 × cores + 1`` only add memory.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# WEB_CONCURRENCY is the variable platforms (and gunicorn itself) use for the process count.
workers = _int("WEB_CONCURRENCY", min(3, 2 * multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
# Long work (exports, imports, reports) runs in Celery, so a request taking a minute is a
# fault: the worker is killed and restarted rather than held. Behind nginx, keep-alive
# lets the proxy reuse its connections to gunicorn.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# A process is replaced after this many requests (with jitter, so not all at once): a slow
# leak in a library cannot grow a process for ever.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
# The application's modules are loaded once in the master and shared copy-on-write.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
