"""The warm start (``workshop warm``, ``hub/warm.py``): servers started before the class in
waves, and a learner logging in afterwards reaches their ready server without a spawn."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time

import pytest

from hub.warm import next_time, warm


def test_at_is_the_next_such_time_of_day():
    now = dt.datetime(2026, 12, 6, 8, 30)
    assert next_time("08:45", now) == dt.datetime(2026, 12, 6, 8, 45)
    assert next_time("08:15", now) == dt.datetime(2026, 12, 7, 8, 15)
    for bad in ("8.45", "25:00", "08:5", "soon", ""):
        with pytest.raises(ValueError, match="--at must be a time of day as HH:MM"):
            next_time(bad, now)


class FakeHub:
    """Servers that get ready two polls after their start; records how many start at once."""

    def __init__(self, running=(), broken=()):
        self.servers = {name: {"ready": True} for name in running}
        self.polls = {}
        self.broken = set(broken)
        self.most_starting = 0
        self.started = []

    def api(self, method, path):
        return type("R", (), {"status_code": 200})()

    def start_server(self, name):
        assert name not in self.servers, f"{name} started twice"
        self.started.append(name)
        self.servers[name] = {"ready": False}
        self.polls[name] = 0

    def user(self, name):
        server = self.servers.get(name)
        if server is not None and not server["ready"]:
            self.polls[name] += 1
            if name in self.broken and self.polls[name] > 1:
                del self.servers[name]
                return {"servers": {}}
            if self.polls[name] > 2:
                server["ready"] = True
        starting = sum(1 for s in self.servers.values() if not s["ready"])
        self.most_starting = max(self.most_starting, starting)
        return {"servers": {"": dict(server)} if server is not None else {}}


def test_waves_never_exceed_their_size_and_leave_running_servers_alone():
    hub = FakeHub(running=["a_run"], broken=["e_bad"])
    lines = []
    names = ["a_run", "b_one", "c_two", "d_three", "e_bad", "f_four"]
    result = warm(hub, names, wave=2, echo=lines.append, sleep=lambda s: None)
    assert result.already == ["a_run"] and "a_run" not in hub.started
    assert sorted(result.ready) == ["b_one", "c_two", "d_three", "f_four"]
    assert list(result.failed) == ["e_bad"] and "stopped while starting" in result.failed["e_bad"]
    assert hub.most_starting <= 2
    assert lines[-1] == "5 of 6 servers ready (1 failed)" and len(lines) == 3


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_warm_servers_are_ready_before_the_class_and_a_login_reaches_one(tmp_path):
    """A real hub: one learner already working, ``workshop warm --wave 1`` starts the others
    one after the other; status counts them ready; a learner who logs in then lands on the
    server that was started for them (no new spawn)."""
    from hub_fixtures import REPO_ROOT, WORKSHOP_PASSWORD, start_hub

    from hub.client import browser_login, open_user_server

    people = [("Ann", "Warma"), ("Ben", "Warmb"), ("Cid", "Warmc")]
    users = ["warma_ann", "warmb_ben", "warmc_cid"]
    hub = start_hub(tmp_path / "data", people=people)
    try:
        hub.client.start_server(users[0])
        hub.client.wait_ready(users[0], timeout=300)
        first = hub.client.user(users[0])["servers"][""]["started"]

        def cli(*args):
            return subprocess.run(
                [sys.executable, "-m", "hub.cli.main", *args, "--data-dir", str(hub.data_dir)],
                capture_output=True, text=True, cwd=REPO_ROOT, timeout=600, env=os.environ,
            )  # fmt: skip

        warmed = cli("warm", "--wave", "1")
        assert warmed.returncode == 0, warmed.stdout + warmed.stderr
        assert "3 of 3 servers ready (1 were running already)" in warmed.stdout, warmed.stdout
        assert "starting the servers of 3 attendees, 1 at a time" in warmed.stdout
        servers = {u: hub.client.user(u)["servers"][""] for u in users}
        assert all(s["ready"] for s in servers.values())
        assert servers[users[0]]["started"] == first  # the running one was left alone
        status = cli("status", "--json")
        roster = json.loads(status.stdout)["roster"]
        assert [e["state"] for e in roster] == ["ready"] * 3
        assert "3 ready" in cli("status").stdout

        started = time.monotonic()
        session, r = browser_login(hub.url, users[2], WORKSHOP_PASSWORD)
        assert r.status_code == 302
        page = open_user_server(session, hub.url, users[2])
        took = time.monotonic() - started
        assert page.status_code == 200 and "/user/warmc_cid/" in page.url, page.url
        assert hub.client.user(users[2])["servers"][""]["started"] == servers[users[2]]["started"]
        print(f"login to the learner's ready server: {took:.1f} s")
    finally:
        hub.stop()
