import os
import subprocess
import sys
from pathlib import Path

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
