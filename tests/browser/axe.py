"""axe-core in the browser tests: the script from the npm registry, injected by Playwright.

The version is the exact pin in the repository's ``package.json``. The script is taken from
``AXE_CORE_PATH`` when set, else from ``node_modules`` (``npm install`` at the root), else it is
installed once with ``npm install --no-save`` into a cache directory (``AXE_CACHE_DIR``, default
``~/.cache/laocai-portal/axe-core-<version>``). No lock file and no node_modules are committed.
"""

import functools
import json
import os
import shutil
import subprocess  # nosec B404: npm is called with a fixed argument list
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Impacts that fail a test; "moderate" and "minor" are reported by axe but tolerated.
FAILING_IMPACTS = ("serious", "critical")


def pinned_version() -> str:
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    return package["devDependencies"]["axe-core"]


def _installed(directory: Path, version: str) -> Path | None:
    script = directory / "node_modules" / "axe-core" / "axe.min.js"
    manifest = script.parent / "package.json"
    if script.exists() and json.loads(manifest.read_text(encoding="utf-8"))["version"] == version:
        return script
    return None


@functools.cache
def axe_script() -> str:
    """The source of axe.min.js at the pinned version, installing it on first use."""
    if os.environ.get("AXE_CORE_PATH"):
        return Path(os.environ["AXE_CORE_PATH"]).read_text(encoding="utf-8")
    version = pinned_version()
    script = _installed(ROOT, version)
    if script is None:
        default_cache = Path.home() / ".cache" / "laocai-portal" / f"axe-core-{version}"
        cache = Path(os.environ.get("AXE_CACHE_DIR", default_cache))
        script = _installed(cache, version)
        if script is None:
            npm = shutil.which("npm")
            if npm is None:
                pytest.fail("axe-core needs npm (apt-get install npm) or AXE_CORE_PATH")
            cache.mkdir(parents=True, exist_ok=True)
            subprocess.run(  # nosec B603: fixed arguments, no shell
                [
                    npm,
                    "install",
                    "--no-save",
                    "--no-package-lock",
                    "--no-audit",
                    "--no-fund",
                    "--prefix",
                    str(cache),
                    f"axe-core@{version}",
                ],
                check=True,
                capture_output=True,
                timeout=300,
            )
            script = _installed(cache, version)
            assert script is not None, f"npm did not install axe-core {version} into {cache}"
    return script.read_text(encoding="utf-8")


RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " — " + n.failureSummary),
  }));
}"""


def serious_violations(page) -> list[dict]:
    """Run axe-core on the page as it is now; the serious and critical violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Through the DevTools protocol: the portal's Content-Security-Policy stays as it is.
        page.evaluate(axe_script())
    return [v for v in page.evaluate(RUN) if v["impact"] in FAILING_IMPACTS]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']}: {v['id']} ({v['help']})")
        lines.extend(f"    {node}" for node in v["nodes"])
    return "\n".join(lines)
