"""CPU and memory of running learner servers, for ``workshop status``.

A local-spawner server is a process tree on this machine (its pid is in the spawner's state); a
Docker-spawner server is a container (its id is in the state) whose engine reports the figures.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor


def local_usage(pid: int, interval: float = 0.2) -> tuple[float, float] | None:
    """``(cpu_percent, memory_mib)`` of process ``pid`` and its descendants (None if gone).

    ``cpu_percent`` is measured over ``interval`` seconds; 100 means one core busy.
    """
    import time

    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
        for p in procs:
            p.cpu_percent(None)
        time.sleep(interval)
        cpu = sum(p.cpu_percent(None) for p in procs)
        rss = sum(p.memory_info().rss for p in procs)
    except psutil.Error:
        return None
    return round(cpu, 1), round(rss / 2**20, 1)


def container_usage(client, container_id: str) -> tuple[float, float] | None:
    """``(cpu_percent, memory_mib)`` of a container from one engine stats sample (None if gone).

    Memory is the cgroup's usage less its inactive file cache (what ``docker stats`` shows).
    """
    try:
        stats = client.containers.get(container_id).stats(stream=False)
    except Exception:  # docker.errors.NotFound, APIError, a vanished container
        return None
    cpu_now, cpu_before = stats.get("cpu_stats", {}), stats.get("precpu_stats", {})
    used = cpu_now.get("cpu_usage", {}).get("total_usage", 0) - cpu_before.get("cpu_usage", {}).get(
        "total_usage", 0
    )
    system = cpu_now.get("system_cpu_usage", 0) - cpu_before.get("system_cpu_usage", 0)
    cores = cpu_now.get("online_cpus") or 1
    cpu = 100.0 * used / system * cores if system > 0 and used >= 0 else 0.0
    memory = stats.get("memory_stats", {})
    usage = memory.get("usage", 0)
    cache = memory.get("stats", {}).get("inactive_file", 0)
    return round(cpu, 1), round(max(usage - cache, 0) / 2**20, 1)


def servers_usage(states: dict[str, dict]) -> dict[str, tuple[float, float] | None]:
    """User -> ``(cpu_percent, memory_mib)`` for each server ``state`` (spawner state dicts).

    Local servers are measured by pid, containers through the Docker engine, in parallel.
    """
    docker_client = None
    if any(s.get("object_id") for s in states.values()):
        try:
            from hub.spawners.docker import docker_client as make_client

            docker_client = make_client()
        except Exception:
            docker_client = None

    def one(state: dict):
        if state.get("pid"):
            return local_usage(int(state["pid"]))
        if state.get("object_id") and docker_client is not None:
            return container_usage(docker_client, state["object_id"])
        return None

    with ThreadPoolExecutor(max_workers=min(16, max(1, len(states)))) as pool:
        results = list(pool.map(one, states.values()))
    return dict(zip(states, results, strict=True))
