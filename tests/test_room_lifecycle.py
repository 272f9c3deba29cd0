"""One local room from ``up`` to ``down`` and ``up`` again, as root, checked against the kernel:

- every message about a learner's limits (``up``'s notice, ``doctor``'s settings step,
  ``status``) says what the learner's own cgroup files hold, read from inside their kernel;
- ``status`` lists the whole roster, with those who never logged in;
- ``down`` leaves the machine as ``up`` found it (no learner accounts, no mounted homes) and says
  what it kept; the next ``up`` gives the learner their files back.
"""

# ruff: noqa: F811  (fixtures imported from hub_fixtures are used as arguments)

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys

import pytest
from hub_fixtures import HUB_SETTINGS, start_hub

from hub.client import run_code_in_kernel
from hub.isolation.accounts import account_name, ensure_account, remove_account
from hub.isolation.enforced import enforcement
from hub.settings import parse_memory

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
USER = "doe_jane"
LIMITS = {"mem_limit": "2G", "cpu_limit": 1.5, "pids_limit": 700}

#: run in the learner's kernel: the limits of its own cgroups, as the kernel holds them
READ_OWN_CGROUPS = r"""
import json, os
groups = {}
for line in open('/proc/self/cgroup'):
    _, controllers, path = line.rstrip('\n').split(':', 2)
    for c in controllers.split(',') if controllers else ['']:
        groups[c] = path.lstrip('/')
def read(*candidates):
    for c in candidates:
        if os.path.exists(c):
            return open(c).read().split()
v1 = os.path.isdir('/sys/fs/cgroup/memory')
if v1:
    base = {c: os.path.join('/sys/fs/cgroup', c, groups[c]) for c in ('memory', 'cpu', 'pids')}
    memory = read(base['memory'] + '/memory.limit_in_bytes')[0]
    quota = read(base['cpu'] + '/cpu.cfs_quota_us')[0]
    pids = read(base['pids'] + '/pids.max')[0]
else:
    base = os.path.join('/sys/fs/cgroup', groups[''])
    memory = read(base + '/memory.max')[0]
    quota = read(base + '/cpu.max')[0]
    pids = read(base + '/pids.max')[0]
print(json.dumps({'memory': int(memory), 'cpus': int(quota) / 100000, 'pids': int(pids)}))
"""


def _kernel(hub, cells):
    results = run_code_in_kernel(
        f"{hub.url}user/{USER}/", hub.credentials.api_token, cells, timeout=240
    )
    assert all(r["status"] == "ok" for r in results), results
    return results


def _cli(hub, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hub.cli.main", *args, "--data-dir", str(hub.data_dir)],
        capture_output=True, text=True, timeout=300, env=hub.env,
    )  # fmt: skip


def _mounts_under(path) -> list[str]:
    with open("/proc/self/mountinfo") as fh:
        return [ln.split()[4] for ln in fh if ln.split()[4].startswith(str(path))]


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("the local spawner isolates and limits learners only as root")
    data = tmp_path_factory.mktemp("room") / "data"
    hub = start_hub(data, people=[("Jane", "Doe"), ("Richard", "Roe"), ("Max", "Mustermann")],
                    settings=LIMITS)  # fmt: skip
    try:
        yield hub
    finally:
        hub.stop()


def test_limit_messages_say_what_the_kernel_enforces(room):
    enforced = enforcement(room.settings, "local")
    if "memory" not in enforced.limits:
        pytest.skip(f"no cgroups here: {enforced.gaps}")
    room.client.start_server(USER)
    room.client.wait_ready(USER, timeout=300)
    held = json.loads(_kernel(room, [READ_OWN_CGROUPS])[0]["stdout"])
    assert held == {
        "memory": parse_memory("mem_limit", LIMITS["mem_limit"]),
        "cpus": LIMITS["cpu_limit"],
        "pids": LIMITS["pids_limit"],
    }
    said = f"memory {LIMITS['mem_limit']}, {LIMITS['cpu_limit']:g} CPU and {LIMITS['pids_limit']} processes per learner"  # noqa: E501
    assert said in room.log_path.read_text(), "workshop up's notice"
    status = json.loads(_cli(room, "status", "--json").stdout)
    assert any(said in line for line in status["limits"]), status["limits"]
    from hub.cli.doctor import check_memory_limit, check_settings

    assert said in check_settings(room.settings, "local", "test").detail
    memory = check_memory_limit(room.settings, "local")  # enforced, and below the need
    assert memory.status == "fail" and f"mem_limit {LIMITS['mem_limit']}" in memory.detail
    shown = _cli(room, "settings", "show").stdout
    assert "only advertises" not in shown and "no isolation" not in shown


def test_status_lists_the_whole_roster(room):
    room.client.start_server(USER)
    room.client.wait_ready(USER, timeout=300)
    status = json.loads(_cli(room, "status", "--json").stdout)
    states = {e["user"]: e["state"] for e in status["roster"]}
    assert states == {
        "doe_jane": "ready", "roe_richard": "not logged in", "mustermann_max": "not logged in"
    }  # fmt: skip
    assert status["learners_known"] == 1  # logged in: doe_jane only
    text = _cli(room, "status").stdout
    assert "roster: 3 attendees, 2 not logged in, 1 ready" in text, text
    assert "roe_richard" in text
    # the admin page lists everyone on the roster, logged in or not, and later additions
    assert {"doe_jane", "roe_richard", "mustermann_max"} <= {u["name"] for u in room.client.users()}
    added = _cli(room, "roster", "add", "Ada", "Lovelace")
    assert added.returncode == 0, added.stderr
    assert "lovelace_ada" in {u["name"] for u in room.client.users()}
    states = {
        e["user"]: e["state"] for e in json.loads(_cli(room, "status", "--json").stdout)["roster"]
    }
    assert states["lovelace_ada"] == "not logged in"


def test_down_releases_the_machine_and_up_brings_the_files_back(room):
    room.client.start_server(USER)
    room.client.wait_ready(USER, timeout=300)
    _kernel(room, ["open('kept.txt', 'w').write('my work')"])
    account = account_name(room.overrides["system_user_prefix"], USER)
    old_uid = pwd.getpwnam(account).pw_uid  # exists while the hub runs
    homes_mounted = bool(_mounts_under(room.data_dir))
    down = _cli(room, "down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert "removed 1 learner accounts" in down.stdout and "kept the learners' files" in down.stdout
    with pytest.raises(KeyError):
        pwd.getpwnam(account)
    assert _mounts_under(room.data_dir) == []
    if homes_mounted:
        assert "unmounted 1 home file systems" in down.stdout
    from hub.isolation.netns import HubNetwork, netns_unavailable

    if not netns_unavailable():  # the learners' bridge, namespaces and rules
        assert "removed the learners network" in down.stdout, down.stdout
        network = HubNetwork(room.data_dir)
        assert network.gateway() is None and network.namespaces() == []
    room.process.wait(timeout=60)
    room.process = None  # down stopped it
    # on a shared machine another account may take the freed uid meanwhile: the learner's
    # account comes back with another one, and their files (not only the home) go with it
    holder = f"{room.overrides['system_user_prefix']}uidhold"
    ensure_account(holder, str(room.data_dir.parent / "uidhold"))
    try:
        again = start_hub(room.data_dir, people=[], settings={**HUB_SETTINGS, **LIMITS,
                          "system_user_prefix": room.overrides["system_user_prefix"]})  # fmt: skip
        room.__dict__.update(again.__dict__)  # the fixture's finaliser stops the new hub
        room.client.start_server(USER)
        room.client.wait_ready(USER, timeout=300)
        assert pwd.getpwnam(account).pw_uid != old_uid
        got = _kernel(room, ["print(open('kept.txt').read())"])[0]["stdout"].strip()
        assert got == "my work"
    finally:
        remove_account(holder)
