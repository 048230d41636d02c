"""The files an operator configures from: every setting documented, no secret in the image."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _settings_variables() -> set[str]:
    text = (ROOT / "laocai_portal" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', text))


def test_env_example_lists_every_variable_the_settings_read():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    variables = _settings_variables()
    assert {"SITE_URL", "ACTIVATION_DAYS", "SECRET_KEY"} <= variables  # the scan works
    assert variables - listed == set()
    assert "POSTGRES_PASSWORD=" in example  # read by docker-compose, not by the settings


def test_env_example_explains_the_role_codes():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for code in ("school_staff", "district_officer", "province_officer", "admin"):
        assert re.search(rf"^#\s+{code}\s", example, flags=re.MULTILINE), code


def test_readme_configuration_names_every_variable_and_the_role_codes():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Configuration") : readme.index("## Deploying")]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section))
    assert _settings_variables() - documented == set()
    assert "`POSTGRES_PASSWORD`" in section
    for code in ("school_staff", "district_officer", "province_officer", "coverage_officer"):
        assert f"`{code}`" in section


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    lines = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    }
    assert {".env", ".venv", "var", ".git"} <= lines
    assert "!.env.example" in lines
