"""DockerSpawner configuration: GPU spreading, the container environment, the image's deps list.

The unmarked tests need no Docker engine. The ``docker`` ones drive a real engine: ``configure``
creates the network, and a real DockerSpawner creates (not starts) a container whose host config
is read back from the engine.
"""

from __future__ import annotations

import asyncio
import importlib.util
from types import SimpleNamespace

import pytest
from docker_support import REPO_ROOT, docker_client, unique  # noqa: F401 - fixture

from hub.spawners.docker import (
    GPU_LABEL,
    USER_LABEL,
    GpuSpreader,
    configure,
    network_gateway,
    pick_gpu,
    spawner_environment,
    volume_name,
)


def _settings(**kw):
    from hub.settings import WorkshopSettings

    settings = WorkshopSettings()
    for name, value in kw.items():
        setattr(settings, name, value)
    return settings


def test_pick_gpu_least_used_then_lowest_index():
    assert pick_gpu(["0", "1", "2"], []) == "0"
    assert pick_gpu(["0", "1", "2"], ["0", "1"]) == "2"
    assert pick_gpu(["0", "1", "2"], ["0", "0", "1", "2"]) == "1"
    assert pick_gpu(["0", "1"], ["7", "7"]) == "0"  # unknown GPUs do not count
    with pytest.raises(ValueError, match="gpu_ids"):
        pick_gpu([], [])


def test_spreader_spreads_a_room_starting_at_once_and_reads_docker_back():
    spreader = GpuSpreader(["0", "1"], hold_seconds=60)
    # five users start before any container shows up in Docker
    got = [spreader.assign(f"user{i}", running={}) for i in range(5)]
    assert got == ["0", "1", "0", "1", "0"]
    # a fresh hub (no memory) learns the load from the running containers
    fresh = GpuSpreader(["0", "1"])
    assert fresh.assign("late", running={"a": "0", "b": "0", "c": "1"}) == "1"
    # a user restarting is not counted against themselves
    assert GpuSpreader(["0", "1"]).assign("a", running={"a": "1", "b": "0"}) == "1"
    with pytest.raises(ValueError, match="gpu_ids"):
        GpuSpreader([])


def test_environment_turns_on_tf_memory_growth_and_kernel_culling():
    env = spawner_environment(_settings(idle_timeout=1200))
    assert env["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert env["WORKSHOP_KERNEL_CULL_IDLE"] == "1200"
    assert int(env["WORKSHOP_KERNEL_CULL_INTERVAL"]) >= 60
    assert spawner_environment(_settings(idle_timeout=0))["WORKSHOP_KERNEL_CULL_IDLE"] == "3600"


def test_volume_name_uses_dockerspawners_escape():
    assert volume_name("dragonn-workshop-user", "doe_jane") == "dragonn-workshop-user-doe-5fjane"


def test_image_requirements_leave_tensorflow_to_the_variant():
    spec = importlib.util.spec_from_file_location(
        "pyproject_deps", REPO_ROOT / "image" / "pyproject_deps.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    reqs = module.requirements(str(REPO_ROOT / "pyproject.toml"))
    names = {r.split(">")[0].split("=")[0].split("[")[0].strip().lower() for r in reqs}
    assert "tensorflow" not in names and "tensorflow-cpu" not in names
    assert {"numpy", "keras", "ipywidgets"} <= names


# --- against a real engine -------------------------------------------------------------------------
@pytest.mark.docker
def test_configure_and_create_a_user_container(docker_client):  # noqa: F811 - fixture
    from jupyterhub.objects import Hub
    from traitlets.config import Config

    from hub.spawners.docker_api import WorkshopDockerSpawner

    network = unique("wstest-cfg")
    settings = _settings(
        docker_network=network, volume_prefix="wstest-home", mem_limit="1G", cpu_limit=0.5,
        shm_size="256M", image="workshop-standin-base:bookworm", gpu="all",
        docker_api_threads=3,
    )  # fmt: skip
    c = Config()
    try:
        # gpu_ids given: the spawner asks for one GPU per container, spread by the hook
        configure(c, settings, client=docker_client, gpu_ids=["0", "1"])
        net = docker_client.networks.get(network)
        assert net.attrs["Driver"] == "bridge"
        assert c.JupyterHub.hub_connect_ip == network_gateway(net) == c.JupyterHub.hub_ip
        d = c.DockerSpawner
        d.prefix = unique("wstest")  # container name apart from any real hub's
        assert d.volumes == {"wstest-home-{username}": "/home/jovyan"}
        assert d.remove is True and d.use_internal_ip is True
        assert c.JupyterHub.concurrent_spawn_limit == settings.concurrent_spawn_limit
        assert c.JupyterHub.spawner_class == "hub.spawners.docker_api.WorkshopDockerSpawner"
        assert c.WorkshopDockerSpawner.api_threads == 3

        user = SimpleNamespace(
            name="doe_jane", id=1, url="/user/doe_jane/", escaped_name="doe_jane"
        )
        spawner = WorkshopDockerSpawner(config=c, user=user, hub=Hub())
        spawner.workshop_gpu = GpuSpreader(["0", "1"]).assign("doe_jane", running={"x": "0"})
        container = asyncio.run(spawner.create_object())
        try:
            info = docker_client.api.inspect_container(container["Id"])
        finally:
            docker_client.api.remove_container(container["Id"], force=True)
        host = info["HostConfig"]
        assert host["Memory"] == 2**30 and host["CpuQuota"] == 50_000
        assert host["Init"] is True and host["ShmSize"] == 256 * 2**20
        assert host["AutoRemove"] is True and host["NetworkMode"] == network
        assert host["DeviceRequests"][0]["DeviceIDs"] == ["1"]
        assert info["Config"]["Labels"][USER_LABEL] == "doe_jane"
        assert info["Config"]["Labels"][GPU_LABEL] == "1"
        assert "TF_FORCE_GPU_ALLOW_GROWTH=true" in info["Config"]["Env"]
        assert any(b.startswith("wstest-home-doe-5fjane:/home/jovyan") for b in host["Binds"])
    finally:
        for n in docker_client.networks.list(names=[network]):
            n.remove()
        for v in docker_client.volumes.list(filters={"name": "wstest-home-doe-5fjane"}):
            v.remove(force=True)


@pytest.mark.docker
def test_configure_reuses_network_and_rejects_non_bridge(docker_client):  # noqa: F811
    from traitlets.config import Config

    network = unique("wstest-cfg")
    try:
        configure(Config(), _settings(docker_network=network, gpu="none"), client=docker_client)
        configure(Config(), _settings(docker_network=network, gpu="none"), client=docker_client)
        assert len(docker_client.networks.list(names=[network])) == 1
    finally:
        for n in docker_client.networks.list(names=[network]):
            n.remove()
    with pytest.raises(ValueError, match="docker_network 'host'.*bridge"):
        configure(Config(), _settings(docker_network="host", gpu="none"), client=docker_client)


def test_engine_calls_run_on_a_pool_of_threads(monkeypatch):
    """DockerSpawner's one thread for the whole hub becomes docker_api_threads: calls that
    each wait 0.3 s (as the engine does under a room's load) finish together, not one by one;
    with one thread (DockerSpawner's own) they queue (the control)."""
    import time

    from traitlets.config import Config

    from hub.spawners.docker_api import WorkshopDockerSpawner

    def wall_of_six_calls(threads: int) -> float:
        monkeypatch.setattr(WorkshopDockerSpawner, "_pool", None)
        c = Config()
        c.WorkshopDockerSpawner.api_threads = threads
        spawner = WorkshopDockerSpawner(config=c)
        start = time.monotonic()
        futures = [spawner.executor.submit(time.sleep, 0.3) for _ in range(6)]
        for future in futures:
            future.result()
        spawner.executor.shutdown()
        return time.monotonic() - start

    assert wall_of_six_calls(8) < 0.9
    assert wall_of_six_calls(1) >= 1.8
