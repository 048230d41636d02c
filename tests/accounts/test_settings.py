import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_check(env_overrides, *args):
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "DEBUG",
            "DJANGO_SETTINGS_MODULE",
            "DATABASE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "laocai_portal.settings"
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secret_key_refuses_to_start():
    result = run_check({"DEBUG": "False", "ALLOWED_HOSTS": "portal.example.vn"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "chưa được đặt" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = run_check(
        {
            "DEBUG": "False",
            "SECRET_KEY": "x" * 20 + "-Q7v9!pL2#kR8$mN4@wT6^zB1&yH3*cF5",
            "ALLOWED_HOSTS": "portal.example.vn",
            "SITE_URL": "https://portal.example.vn",
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_debug_without_secret_key_starts():
    result = run_check({"DEBUG": "True"})
    assert result.returncode == 0, result.stderr


def test_a_database_other_than_postgresql_or_sqlite_is_refused():
    result = run_check({"DEBUG": "True", "DATABASE_URL": "mysql://portal@127.0.0.1/laocai"})
    assert result.returncode != 0
    assert "DATABASE_URL must point to PostgreSQL" in result.stderr


STRONG_KEY = "x" * 20 + "-Q7v9!pL2#kR8$mN4@wT6^zB1&yH3*cF5"


@pytest.mark.parametrize(
    "key",
    [
        "django-insecure-" + "a1b2c3d4e5f6g7h8i9j0" * 3,
        "short-but-random-Q7v9pL2kR8",
        "a" * 60,
        "insecure-local-development-key-only-used-with-debug-on",
    ],
)
def test_production_refuses_a_weak_secret_key(key):
    result = run_check({"DEBUG": "False", "SECRET_KEY": key, "ALLOWED_HOSTS": "portal.example.vn"})
    assert result.returncode != 0
    assert "SECRET_KEY quá yếu" in result.stderr


def test_debug_accepts_any_secret_key():
    result = run_check({"DEBUG": "True", "SECRET_KEY": "django-insecure-dev"})
    assert result.returncode == 0, result.stderr


def run_python(env_overrides, code):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "laocai_portal.settings"
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_requires_two_factor_for_superusers_and_the_province_by_default():
    code = (
        "from django.conf import settings as s; "
        "print(s.OTP_REQUIRED_FOR, s.SESSION_IDLE_TIMEOUT, s.SESSION_COOKIE_AGE, "
        "s.TRUSTED_PROXY_COUNT)"
    )
    result = run_python({"DEBUG": "False", "SECRET_KEY": STRONG_KEY}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["['superuser',", "'provincial']", "30", "43200", "0"]
