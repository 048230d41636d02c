"""Load benchmark: gunicorn from the repository's gunicorn.conf.py under concurrent users.

Usage (PostgreSQL; a database of your own, created, migrated and seeded when missing
with benchmarks/dashboard.py's generator, then kept)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/laocai_bench_470k \\
        .venv/bin/python benchmarks/load.py [--pupils 470000] [--connections 50]
        [--seconds 60] [--port 8107]

The script starts ``gunicorn -c gunicorn.conf.py`` on 127.0.0.1 (production settings:
DEBUG off, a throw-away SECRET_KEY, no HTTPS redirect since it is plain loopback, no
second login step), logs in through the login form as a province, a district and a
school user, then drives ``--connections`` keep-alive connections (threads, one user
each in turn) for ``--seconds`` over the page mix: home, dashboard, pupil list page 1
and page 100, a name search, a filter and a pupil's page. It prints requests/s, p50,
p95 and p99 overall and per page type, errors per page type, and the load average
before and after. Loopback only, at most 200 connections and 600 s. The driver runs on
the same two cores as gunicorn and PostgreSQL: its own CPU is part of the numbers.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HOST = "127.0.0.1"  # never anything but loopback
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/laocai_bench_470k"
MAX_CONNECTIONS, MAX_SECONDS = 200, 600
LOG = ROOT / "var" / "load-gunicorn.log"  # var/ is not committed


def page_mix(list_pages, pupil_ids: dict[str, list[int]]) -> dict[str, list[tuple[str, str]]]:
    """(page type, path) each role requests, in turn."""
    lists = "/hoc-sinh/"
    mix = {}
    for role, ids in pupil_ids.items():
        pages = [
            ("home", "/"),
            ("dashboard", "/bao-cao/"),
            ("list page 1", lists),
            ("list page 100", lists + "?page=100"),
            ("name search", lists + "?" + urllib.parse.urlencode({"q": list_pages.SEARCH})),
            ("filter", lists + "?need=device"),
        ]
        pages += [("pupil page", f"{lists}{pk}/") for pk in ids[:20]]
        mix[role] = pages
    return mix


# How main served the portal before gunicorn.conf.py (the Dockerfile's flags), for --against.
OLD_FLAGS = ["--workers", "3", "--timeout", "120"]


def start_gunicorn(port: int, database_url: str, root: Path = ROOT) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "False",
        "SECURE_HSTS_SECONDS": "0",
        "OTP_REQUIRED_FOR": "none",
        "GUNICORN_ACCESS_LOG": "",
        "AXES_FAILURE_LIMIT": "1000",
    }
    # Production serves the hashed static files (WhiteNoise's manifest): collected first.
    manage = [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"]
    subprocess.run(manage, cwd=root, env=env, check=True)
    config = ["-c", "gunicorn.conf.py"] if (root / "gunicorn.conf.py").exists() else OLD_FLAGS
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    LOG.parent.mkdir(exist_ok=True)
    log = LOG.open("wb")  # noqa: SIM115  # the process writes to it until it ends
    process = subprocess.Popen(
        [gunicorn, *config, "--bind", f"{HOST}:{port}", "laocai_portal.wsgi"],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 180  # a busy machine imports Django slowly
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/dang-nhap/")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    sys.exit("gunicorn did not answer within 180 s (see var/load-gunicorn.log)")


def login(port: int, username: str, password: str) -> str:
    """Log in through the form; the Cookie header of the session."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/dang-nhap/")
    response = conn.getresponse()
    body = response.read().decode()
    cookies = _cookies(response)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert token, "no CSRF token on the login page"
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
    )
    conn.request(
        "POST",
        "/dang-nhap/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Referer": f"http://{HOST}:{port}/dang-nhap/",
        },
    )
    response = conn.getresponse()
    response.read()
    cookies.update(_cookies(response))
    assert response.status == 302 and "sessionid" in cookies, f"login failed ({response.status})"
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    found = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            found[name] = rest.split(";", 1)[0]
    return found


# size: one connection's loop: pick a role and page in turn, time it, record status and errors
def drive(
    port: int,
    mix: dict[str, list[tuple[str, str]]],
    cookies: dict[str, str],
    until: float,
    seed: int,
    results: list[tuple[str, float, bool]],
) -> None:
    rng = random.Random(seed)
    roles = list(mix)
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    while time.monotonic() < until:
        role = roles[rng.randrange(len(roles))]
        kind, path = mix[role][rng.randrange(len(mix[role]))]
        if kind == "pupil page" and rng.random() < 0.8:
            continue  # pupil pages are one type among seven, not 20 of 26
        start = time.perf_counter()
        ok = False
        try:
            conn.request("GET", path, headers={"Cookie": cookies[role]})
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
        results.append((kind, time.perf_counter() - start, ok))
    conn.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(results: list[tuple[str, float, bool]], seconds: float) -> None:
    by_kind: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    for kind, elapsed, ok in results:
        by_kind[kind].append(elapsed)
        errors[kind] += not ok
    every = [elapsed for _, elapsed, _ in results]
    print(f"{len(results):,} requests in {seconds:.0f} s: {len(results) / seconds:.1f} requests/s")
    print(f"{'page type':16} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} errors")
    for kind in sorted(by_kind):
        times = by_kind[kind]
        print(
            f"{kind:16} {len(times):8} {statistics.median(times) * 1000:8.0f} "
            f"{percentile(times, 95) * 1000:8.0f} {percentile(times, 99) * 1000:8.0f} {errors[kind]}"
        )
    print(
        f"{'all':16} {len(every):8} {statistics.median(every) * 1000:8.0f} "
        f"{percentile(every, 95) * 1000:8.0f} {percentile(every, 99) * 1000:8.0f} "
        f"{sum(errors.values())}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pupils", type=int, default=470_000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=8107)
    parser.add_argument(
        "--against",
        type=Path,
        default=None,
        help="serve this checkout instead (e.g. a worktree of main, same virtualenv); "
        "without a gunicorn.conf.py it runs with the Dockerfile's former flags",
    )
    args = parser.parse_args()
    if not 1 <= args.connections <= MAX_CONNECTIONS or not 1 <= args.seconds <= MAX_SECONDS:
        sys.exit(f"--connections 1..{MAX_CONNECTIONS}, --seconds 1..{MAX_SECONDS}")
    database_url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    sys.path.insert(0, str(HERE))
    import list_pages

    list_pages.prepare(database_url, args.pupils)
    from students.models import Student

    users = list_pages.ensure_users()
    users.pop("school_code")
    from accounts.models import User

    pupil_ids = {
        role: list(
            Student.objects.visible_to(User.objects.get(username=name))
            .order_by("pk")
            .values_list("pk", flat=True)[:20]
        )
        for role, name in users.items()
    }
    from django.db import connections

    connections.close_all()
    root = (args.against or ROOT).resolve()
    run(args, database_url, root, users, page_mix(list_pages, pupil_ids), list_pages.PASSWORD)


def run(args, database_url, root, users, mix, password) -> None:
    """Serve ``root`` with gunicorn, log the users in, drive the connections, report."""
    process = start_gunicorn(args.port, database_url, root)
    try:
        cookies = {role: login(args.port, name, password) for role, name in users.items()}
        print("load average before (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        results: list[tuple[str, float, bool]] = []
        start = time.monotonic()
        until = start + args.seconds
        threads = [
            threading.Thread(target=drive, args=(args.port, mix, cookies, until, n, results))
            for n in range(args.connections)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - start
        served = "gunicorn.conf.py" if (root / "gunicorn.conf.py").exists() else " ".join(OLD_FLAGS)
        print(f"{args.connections} connections, {args.pupils:,} pupils, {root.name}: {served}")
        report(results, elapsed)
        print("load average after (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


if __name__ == "__main__":
    main()
