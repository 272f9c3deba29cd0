"""``workshop up`` survives crashes, with real processes: ``kill -9`` of the hub (it is started
again: the stale proxy and idle culler are gone, the running server is taken back), and ``kill -9``
of ``workshop up`` itself (the hub it leaves is found by ``status`` and ``down``, and a second
``up`` says so instead of disturbing it)."""

from __future__ import annotations

import json
import os
import random
import signal
import string
import subprocess
import sys

import psutil
import pytest
from hub_fixtures import REPO_ROOT, start_hub

from hub.client import run_code_in_kernel, wait_for
from hub.process import stop_hub

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

TAG = "".join(random.choices(string.ascii_lowercase, k=4))
USER = f"crash{TAG}_cleo"
PEOPLE = [("Cleo", f"Crash{TAG}")]


def cli(hub, *args, timeout=180):
    return subprocess.run(
        [sys.executable, "-m", "hub.cli.main", *args, "--data-dir", str(hub.data_dir)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=timeout,
    )


def pid_file(hub) -> dict:
    return json.loads((hub.data_dir / "workshop.pid").read_text())


def proxy_pid(hub) -> int:
    return int((hub.data_dir / "jupyterhub-proxy.pid").read_text())


def cullers() -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if "jupyterhub_idle_culler" in " ".join(p.info["cmdline"] or []):
                found.append(p)
        except psutil.Error:
            continue
    return found


def hub_cullers(hub_pid: int) -> list[psutil.Process]:
    return [p for p in cullers() if p.ppid() == hub_pid]


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_killed_hub_is_started_again_and_takes_its_servers_back(tmp_path):
    hub = start_hub(tmp_path / "data", people=PEOPLE, settings={"idle_timeout": 600})
    try:
        hub.client.start_server(USER)
        hub.client.wait_ready(USER, timeout=300)
        server = hub.client.user(USER)["servers"][""]["state"]["pid"]
        old_hub, old_proxy = pid_file(hub)["hub_pid"], proxy_pid(hub)
        (old_culler,) = wait_for(lambda: hub_cullers(old_hub), 60, "the idle culler")

        os.kill(old_hub, signal.SIGKILL)
        wait_for(lambda: pid_file(hub)["hub_pid"] != old_hub, 60, "a new hub process")
        hub.client.wait_until_up(timeout=120)
        new_hub = pid_file(hub)["hub_pid"]
        wait_for(lambda: proxy_pid(hub) != old_proxy, 60, "a new proxy")
        assert gone(old_proxy), "the killed hub's proxy still runs"
        assert wait_for(lambda: gone(old_culler.pid), 30, "the old culler to exit")
        wait_for(lambda: hub_cullers(new_hub), 60, "the new hub's culler")
        assert [p.ppid() for p in cullers() if p.ppid() in (old_hub, new_hub)] == [new_hub]

        # the server kept running and is reachable through the new proxy
        assert not gone(server)
        model = hub.client.wait_ready(USER, timeout=120)
        assert model["state"]["pid"] == server
        result = run_code_in_kernel(
            f"{hub.url}user/{USER}/", hub.credentials.api_token, ["print(6 * 7)"], timeout=180
        )
        assert result[0]["stdout"].strip() == "42"
        status = cli(hub, "status", "--json")
        assert status.returncode == 0, status.stderr
        assert [s["user"] for s in json.loads(status.stdout)["servers"]] == [USER]

        down = cli(hub, "down")
        assert down.returncode == 0, down.stdout + down.stderr
        for pid in (new_hub, proxy_pid_or(hub, old_proxy), server):
            assert wait_for(lambda pid=pid: gone(pid), 60, f"pid {pid} to stop")
        assert not hub_cullers(new_hub)
    finally:
        hub.stop()


def proxy_pid_or(hub, default):
    try:
        return proxy_pid(hub)
    except FileNotFoundError:
        return default


def test_a_killed_workshop_up_leaves_a_hub_that_status_down_and_up_still_find(tmp_path):
    hub = start_hub(tmp_path / "data", people=PEOPLE)
    try:
        hub.client.start_server(USER)
        hub.client.wait_ready(USER, timeout=300)
        server = hub.client.user(USER)["servers"][""]["state"]["pid"]
        hub_pid = pid_file(hub)["hub_pid"]

        hub.process.send_signal(signal.SIGKILL)  # the `workshop up` process
        hub.process.wait(timeout=30)
        assert not gone(hub_pid)

        status = cli(hub, "status")
        assert status.returncode == 0, status.stdout + status.stderr
        assert USER in status.stdout
        again = subprocess.run(
            [sys.executable, "-m", "hub.cli.main", "up", "--data-dir", str(hub.data_dir)]
            + [f"--set={k}={v}" for k, v in hub.overrides.items() if k != "system_user_prefix"],
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            timeout=120,
        )
        assert again.returncode == 2 and "already running" in again.stderr, again.stderr
        assert f"hub pid {hub_pid}" in again.stderr
        assert pid_file(hub)["hub_pid"] == hub_pid and not gone(hub_pid)
        hub.client.wait_until_up(timeout=30)  # undisturbed

        down = cli(hub, "down")
        assert down.returncode == 0, down.stdout + down.stderr
        for pid in (hub_pid, server):
            assert wait_for(lambda pid=pid: gone(pid), 60, f"pid {pid} to stop")
        assert cli(hub, "status").returncode == 1

        # with the hub stopped, removing the learner still says what happened
        removed = cli(hub, "roster", "remove", USER)
        assert removed.returncode == 0, removed.stderr
        assert "hub record deleted (the hub is not running); home archived to" in removed.stdout
    finally:
        stop_hub(hub.data_dir)  # the orphaned hub, had the test stopped before `down`
        hub.stop()
