"""Shared helpers for hub tests: a real ``workshop up`` (JupyterHub + configurable-http-proxy)
on free loopback ports with a small roster, stopped (servers included) after use.

Import into a test module: ``from hub_fixtures import local_hub`` (tests/ is on sys.path).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hub.process import HubProcess
from hub.roster import Roster

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKSHOP_PASSWORD = "correct-horse-9"
ADMIN_PASSWORD = "admin-" + "x7Q2" * 8  # 38 characters, >= 32 as SharedPassword requires
ROSTER_PEOPLE = [("Jane", "Doe"), ("Richard", "Roe"), ("Zoë", "O'Brien"), ("Max", "Mustermann")]
#: settings of the test hub: short lockout window so the unlock can be observed
HUB_SETTINGS = {
    "login_failures_per_user": 3,
    "login_failures_per_ip": 8,
    "login_lockout_seconds": 4,
    "idle_timeout": 0,
    "class_size": 10,
    "start_timeout": 240,
    "http_timeout": 180,
}


def require_proxy() -> None:
    """Skip when configurable-http-proxy is missing (``hub/bootstrap.sh`` installs it)."""
    local = REPO_ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
    if not local.exists() and shutil.which("configurable-http-proxy") is None:
        pytest.skip("configurable-http-proxy not installed: run hub/bootstrap.sh")


def start_hub(data_dir: Path, people=ROSTER_PEOPLE, settings=None, env=None) -> HubProcess:
    """A started ``HubProcess`` whose roster holds ``people`` (stop it when done)."""
    require_proxy()
    data_dir.mkdir(parents=True, exist_ok=True)
    roster = Roster.load(data_dir)
    roster.add_people(list(people))
    roster.save(data_dir)
    env = {
        "WORKSHOP_PASSWORD": WORKSHOP_PASSWORD,
        "WORKSHOP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        **(env or {}),
    }
    return HubProcess(data_dir, settings={**HUB_SETTINGS, **(settings or {})}, env=env).start()


@pytest.fixture(scope="module")
def local_hub(tmp_path_factory):
    """One hub (local spawner) shared by a module's tests."""
    hub = start_hub(tmp_path_factory.mktemp("workshop") / "data")
    try:
        yield hub
    finally:
        hub.stop()
