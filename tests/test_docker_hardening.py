"""A learner's container cannot take the host: limits read back from real containers, a fork bomb
and a disk filler stopped inside learner A's container while learner B keeps working.

Real components: the Docker engine, the image built from ``image/``, ``workshop up --spawner
docker`` (JupyterHub, CHP, DockerSpawner), kernels reached through the proxy.
"""

from __future__ import annotations

import json
import os
import random
import string
import time

import pytest
from attack_code import WRITE_A_MEGABYTE, disk_filler
from docker_support import (
    docker_client,  # noqa: F401 - fixture
    remove_room_objects,
    standin_base,  # noqa: F401 - fixture
    unique,
    workshop_image,  # noqa: F401 - fixture
)

from hub.client import run_code_in_kernel

pytestmark = [pytest.mark.docker, pytest.mark.timeout(1200)]

TAG = "".join(random.choices(string.ascii_lowercase, k=5))
A, B = f"dka{TAG}_ada", f"dkb{TAG}_bob"
PASSWORD = "container-room-5"
ADMIN_PASSWORD = "an-admin-password-of-at-least-32-characters"
LIMITS = {"pids_limit": 256, "disk_limit": "64M", "shm_size": "32M", "mem_limit": "1G"}


@pytest.fixture(scope="module")
def docker_room(tmp_path_factory, docker_client, workshop_image):  # noqa: F811 - fixtures
    from hub.isolation.home_disks import release_all
    from hub.process import HubProcess
    from hub.roster import Roster

    data = tmp_path_factory.mktemp("docker-room") / "data"
    roster = Roster()
    roster.add_people([("Ada", f"Dka{TAG}"), ("Bob", f"Dkb{TAG}")])
    roster.save(data)
    network, prefix = unique("wssec-net"), unique("wssec-home")
    settings = {
        "spawner": "docker",
        "image": workshop_image,
        "docker_network": network,
        "volume_prefix": prefix,
        "cpu_limit": 1.0,
        "gpu": "none",
        "start_timeout": 600,
        "http_timeout": 600,
        "idle_timeout": 0,
        **LIMITS,
    }
    env = {"WORKSHOP_PASSWORD": PASSWORD, "WORKSHOP_ADMIN_PASSWORD": ADMIN_PASSWORD}
    hub = HubProcess(data, settings=settings, env=env)
    hub.network = network
    try:
        hub.start(timeout=120)
        for user in (A, B):
            hub.client.start_server(user)
        for user in (A, B):
            hub.client.wait_ready(user, timeout=600)
        yield hub
    finally:
        hub.stop()
        remove_room_objects(docker_client, network, prefix)
        release_all(data)


def container_of(docker_client, hub, user):  # noqa: F811
    from hub.spawners.docker import USER_LABEL

    (found,) = docker_client.containers.list(
        filters={"label": f"{USER_LABEL}={user}", "network": hub.network}
    )
    found.reload()
    return found


def run_as(hub, user, *cells, timeout=300):
    results = run_code_in_kernel(
        f"{hub.url}user/{user}/", hub.credentials.api_token, list(cells), timeout=timeout
    )
    for r in results:
        assert r["status"] == "ok", r
    return results


def out(hub, user, code):
    return json.loads(run_as(hub, user, code)[0]["stdout"].splitlines()[-1])


def test_limits_come_from_the_settings_and_read_back_from_the_container(
    docker_room,
    docker_client,  # noqa: F811
):
    container = container_of(docker_client, docker_room, A)
    host = container.attrs["HostConfig"]
    assert host["PidsLimit"] == 256
    assert "no-new-privileges:true" in host["SecurityOpt"]
    assert host["CapDrop"] == ["ALL"] and host["ReadonlyRootfs"] is True
    assert "size=33554432" in host["Tmpfs"]["/tmp"]
    assert host["LogConfig"] == {
        "Type": "json-file",
        "Config": {"max-size": "10m", "max-file": "2"},
    }
    assert host["Memory"] == 2**30 and host["CpuQuota"] == 100_000
    home = next(m for m in container.attrs["Mounts"] if m["Destination"] == "/home/jovyan")
    volume = docker_client.volumes.get(home["Name"]).attrs
    assert volume["Options"]["o"] == "bind"  # the size-limited file system under the data dir
    inside = out(
        docker_room,
        A,
        "import json, os, re\n"
        "status = open('/proc/self/status').read()\n"
        "st = os.statvfs('/home/jovyan')\n"
        "pids_max = [open(p).read().strip() for p in ('/sys/fs/cgroup/pids.max',"
        " '/sys/fs/cgroup/pids/pids.max') if os.path.exists(p)]\n"
        "print(json.dumps({\n"
        "    'no_new_privs': re.search(r'NoNewPrivs:\\s+(\\d)', status).group(1),\n"
        "    'cap_eff': re.search(r'CapEff:\\s+(\\w+)', status).group(1),\n"
        "    'home_bytes': st.f_blocks * st.f_frsize,\n"
        "    'pids_max': pids_max,\n"
        "    'uid': os.getuid(),\n"
        "}))",
    )
    assert inside["no_new_privs"] == "1" and int(inside["cap_eff"], 16) == 0
    assert 40 * 2**20 < inside["home_bytes"] <= 64 * 2**20
    assert inside["pids_max"] == ["256"] and inside["uid"] != 0


def test_a_fork_bomb_in_a_container_stops_at_its_limit_while_others_work(
    docker_room,
    docker_client,  # noqa: F811
):
    bomb = (
        "import json, os, time\n"
        "children, error = [], None\n"
        "try:\n"
        "    for _ in range(5000):\n"
        "        pid = os.fork()\n"
        "        if pid == 0:\n"
        "            os.execv('/bin/sleep', ['sleep', '30'])\n"
        "        children.append(pid)\n"
        "except OSError as e:\n"
        "    error = e.errno\n"
        "open('/home/jovyan/bomb.json', 'w').write(json.dumps([len(children), error]))\n"
        "time.sleep(10)\n"
        "for pid in children:\n"
        "    os.kill(pid, 9)\n"
    )
    launch = (
        "import subprocess, sys; "
        f"subprocess.Popen([sys.executable, '-c', {bomb!r}], start_new_session=True)"
    )
    run_as(docker_room, A, launch)
    container = container_of(docker_client, docker_room, A)
    deadline = time.monotonic() + 180
    while True:
        code, output = container.exec_run(["cat", "/home/jovyan/bomb.json"], user="root")
        if code == 0:
            break
        assert time.monotonic() < deadline, "the fork bomb never reported"
        time.sleep(1)
    forks, errno = json.loads(output)
    assert errno == 11 and 100 < forks < 256
    b = run_as(docker_room, B, "print(sum(range(10**6)))")  # while the bomb holds its processes
    assert b[0]["stdout"].strip() == str(sum(range(10**6)))
    time.sleep(12)
    docker_room.client.stop_server(A, timeout=180)  # A restarts their own damaged server
    docker_room.client.start_server(A)
    docker_room.client.wait_ready(A, timeout=600)
    assert run_as(docker_room, A, "print('back')")[0]["stdout"].strip() == "back"


def test_a_disk_filler_in_a_container_stops_at_its_limits_while_others_write(docker_room):
    free_before = os.statvfs("/var/lib/docker")
    filler = disk_filler(
        [
            "/home/jovyan/fill.bin",
            "/tmp/fill.bin",
            "/fill.bin",
            "/opt/fill.bin",
            "/var/tmp/fill.bin",
        ]
    )
    found = out(docker_room, A, filler)
    assert found["/home/jovyan/fill.bin"][1] == 28  # ENOSPC
    assert 40 <= found["/home/jovyan/fill.bin"][0] <= 64
    assert found["/tmp/fill.bin"][1] == 28 and found["/tmp/fill.bin"][0] <= 32
    for path in ("/fill.bin", "/opt/fill.bin", "/var/tmp/fill.bin"):  # read-only root file system
        assert found[path] == [0, 30] or found[path][1] == 13, (path, found[path])
    b = run_as(docker_room, B, WRITE_A_MEGABYTE)
    assert b[0]["stdout"].strip() == str(10**6)
    free_after = os.statvfs("/var/lib/docker")
    lost = (free_before.f_bavail - free_after.f_bavail) * free_after.f_frsize
    assert lost < 200 * 2**20


def test_removing_a_learner_archives_their_volume(docker_room, docker_client):  # noqa: F811
    import subprocess
    import sys
    import tarfile

    from docker_support import REPO_ROOT

    run_as(docker_room, B, "open('kept.txt', 'w').write('my results')")
    removed = subprocess.run(
        [sys.executable, "-m", "hub.cli.main", "roster", "remove", B, "--data-dir"]
        + [str(docker_room.data_dir)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=300,
    )
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert "server stopped, signed out of the running hub; home archived to" in removed.stdout
    (archive,) = (docker_room.data_dir / "archive").glob(f"{B}-*.tar")
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("kept.txt"))
        assert tar.extractfile(member).read() == b"my results"
    from hub.spawners.docker import volume_name

    name = volume_name(docker_room.overrides["volume_prefix"], B)
    assert name not in [v.name for v in docker_client.volumes.list()]
