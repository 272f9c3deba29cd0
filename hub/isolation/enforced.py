"""What this machine enforces for each learner, in words: the one source of every message about
limits and isolation (``workshop up``, ``doctor``, ``status`` and the settings' help).

The local spawner isolates learners when the hub runs as root (an account each, private mount,
PID and IPC namespaces, a network namespace each where iproute2 and nftables work
(``hub/isolation/netns.py``), size-limited homes) and caps memory, CPU and processes through cgroups
where the controllers are there (``hub/isolation/cgroups.py``); the Docker spawner gets both from
the engine. :func:`enforcement` asks the system the same questions the spawners ask, so what is
said is what is done.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass
class Enforcement:
    """What one learner gets here. ``limits``: the per-learner caps the kernel enforces (empty
    when none are); ``isolated``: whether learners are kept apart (accounts and namespaces, or
    containers); ``lines``: the description, one fact a line; ``gaps``: what is not enforced and
    why, one line each."""

    spawner: str
    isolated: bool
    limits: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)


def _limits(settings) -> dict[str, str]:
    return {
        "memory": settings.mem_limit,
        "cpu": f"{settings.cpu_limit:g}",
        "processes": str(settings.pids_limit),
    }


def _limits_line(settings, how: str) -> str:
    return (
        f"memory {settings.mem_limit}, {settings.cpu_limit:g} CPU and {settings.pids_limit} "
        f"processes per learner ({how})"
    )


def enforcement(settings, spawner: str | None = None) -> Enforcement:
    """What ``spawner`` (default: the settings') enforces for each learner on this machine.

    Raises nothing: what cannot be enforced is in ``gaps``. The local spawner's answer depends on
    whether this process runs as root and on the cgroup controllers, as the spawner's does."""
    spawner = spawner or settings.spawner
    if spawner == "docker":
        disk = f", homes limited to {settings.disk_limit}" if settings.disk_limit_bytes else ""
        return Enforcement(
            "docker",
            True,
            _limits(settings),
            [
                "learners run in containers of their own, without privileges or capabilities"
                + disk,
                _limits_line(settings, "Docker"),
            ],
        )
    from hub.isolation.cgroups import CgroupTree, tree_name
    from hub.isolation.home_disks import disks_unavailable

    result = Enforcement("local", os.geteuid() == 0)
    if result.isolated:
        result.lines.append(
            f"learners run as accounts of their own ({settings.system_user_prefix}<username>), "
            "each seeing only their own home and processes, and of this machine's files only "
            "what their server needs (as in a container)"
        )
        from hub.isolation.netns import netns_unavailable

        why = netns_unavailable()
        if why:
            result.gaps.append(
                f"learners share this machine's network: {why}; a learner's code can listen on "
                "its ports, reach the services it runs for itself and a cloud's metadata address"
            )
        else:
            result.lines.append(
                "each learner's server has a network of its own that reaches the hub's API "
                + (
                    "and the Internet (learner_outbound)"
                    if settings.learner_outbound
                    else "and nothing else (learner_outbound is off)"
                )
                + ": never this machine's other services, other learners or a cloud's metadata "
                "address"
            )
            from hub.isolation.netns import loopback_resolvers

            resolvers = loopback_resolvers()
            if settings.learner_outbound and resolvers:
                result.gaps.append(
                    "learners' servers cannot look up names (pip install by name fails): "
                    f"/etc/resolv.conf names {', '.join(resolvers)}, on this machine's loopback, "
                    "which their network does not reach; name a resolver on the network there"
                )
        disk = disks_unavailable() if settings.disk_limit_bytes else "disk_limit is 0"
        if disk:
            result.gaps.append(f"homes unlimited: {disk}")
        else:
            result.lines.append(f"homes limited to {settings.disk_limit}")
    else:
        result.gaps.append(
            "learners are not kept apart: the hub does not run as root, so every server runs "
            "as this account and could read the others' files"
        )
    tree, why = CgroupTree.detect(tree_name(settings.data_dir))
    if tree is not None:
        result.limits = _limits(settings)
        result.lines.append(_limits_line(settings, f"cgroup v{tree.version}"))
    else:
        result.gaps.append(f"no memory/CPU limits per learner: {why}")
    return result
