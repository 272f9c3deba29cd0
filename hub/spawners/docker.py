"""DockerSpawner set-up: one container per user on a user-defined bridge network.

``configure(c, settings)`` is called by ``hub/hub_config.py`` when ``spawner == "docker"``. It

- creates the bridge network if missing and makes the hub listen on its gateway address, so
  containers reach the hub API while the hub stays off the room's network (the hub runs on the
  host; the proxy on the host reaches that address too);
- gives every user a named volume ``<volume_prefix>-<escaped username>`` mounted as the home
  directory: it survives container removal (``remove=True``) and hub restarts, and the image's
  start hook seeds the tutorial notebooks into it without overwriting edits;
- applies the memory/CPU limits, the spawn concurrency and start timeout of the settings;
- hardens each container: at most ``pids_limit`` processes and threads (a fork bomb stops
  there), ``no-new-privileges`` and no capabilities (setuid binaries cannot raise privileges),
  a read-only root file system with ``/tmp`` in memory (so nothing a learner writes lands on the
  host's disk outside their home), container logs capped (a kernel writing to its stdout
  forever cannot fill the disk either), and, when the hub runs as root, a home of at most
  ``disk_limit`` (an ext4 file system of its own, ``hub.isolation.home_disks``, bound by the named volume);
- on hosts with NVIDIA GPUs requests one GPU per container, spreading users over the GPUs
  (fewest running users first), with TensorFlow's memory growth on so users can share a GPU.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from tutorial_utils._validation import check_choice

HOME = "/home/jovyan"
#: the shared data sets of `workshop data fetch`, read-only (hub/shared_data.py CONTAINER_PATH)
DATASETS_PATH = "/opt/workshop/data"
#: owner of the image's home (image/Dockerfile: NB_UID, group users)
HOME_UID, HOME_GID = 1000, 100
LOG_MAX_SIZE, LOG_MAX_FILES = "10m", "2"
USER_LABEL = "org.dragonn-workshop.user"
GPU_LABEL = "org.dragonn-workshop.gpu"
NVIDIA_GPU_CAPS = [["gpu"]]


def volume_name(prefix: str, username: str) -> str:
    """Name of ``username``'s home volume: DockerSpawner's own escape (``doe_jane`` ->
    ``<prefix>-doe-5fjane``), so tools find the volume the spawner mounts."""
    from dockerspawner import DockerSpawner

    return f"{prefix}-{DockerSpawner._escape(username)}"


def docker_client(timeout: int = 30):
    """A Docker SDK client from the environment (``DOCKER_HOST`` or the local socket)."""
    import docker

    return docker.from_env(timeout=timeout)


def ensure_network(client, name: str):
    """Return the user-defined bridge network ``name``, creating it when missing."""
    found = [n for n in client.networks.list(names=[name]) if n.name == name]
    if found:
        network = found[0]
        network.reload()
        driver = network.attrs.get("Driver")
        if driver != "bridge":
            raise ValueError(
                f"docker_network {name!r} exists with driver {driver!r}, need 'bridge'"
            )
        return network
    return client.networks.create(name, driver="bridge", check_duplicate=True)


def network_gateway(network) -> str:
    """IPv4 gateway of a bridge network: the host's address on it (where the hub listens)."""
    for cfg in network.attrs.get("IPAM", {}).get("Config") or []:
        gateway = cfg.get("Gateway")
        if gateway and ":" not in gateway:
            return gateway
    raise RuntimeError(f"docker network {network.name!r} has no IPv4 gateway")


def nvidia_gpu_ids() -> list[str]:
    """Indices of the host's NVIDIA GPUs as strings (``[]`` without nvidia-smi or GPUs)."""
    exe = shutil.which("nvidia-smi")
    if not exe:
        return []
    try:
        out = subprocess.run(
            [exe, "--query-gpu=index", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    if out.returncode != 0:
        return []
    return [line.strip() for line in out.stdout.splitlines() if line.strip().isdigit()]


def pick_gpu(gpu_ids: list[str], in_use: Iterable[str]) -> str:
    """The GPU of ``gpu_ids`` with the fewest users in ``in_use`` (lowest index on ties)."""
    if not gpu_ids:
        raise ValueError("gpu_ids must list at least one GPU, got []")
    load = Counter(g for g in in_use if g in gpu_ids)
    return min(gpu_ids, key=lambda g: (load[g], gpu_ids.index(g)))


class GpuSpreader:
    """Assigns each starting server one GPU, least-used first.

    Who uses which GPU is read back from Docker (labels of running workshop containers), so the
    bookkeeping survives hub restarts; assignments made in this process within ``hold_seconds``
    count too, so servers starting at the same moment do not all land on one GPU.
    """

    def __init__(self, gpu_ids: list[str], hold_seconds: float = 600.0):
        if not gpu_ids:
            raise ValueError("gpu_ids must list at least one GPU, got []")
        self.gpu_ids = list(gpu_ids)
        self.hold_seconds = float(hold_seconds)
        self._recent: dict[str, tuple[str, float]] = {}  # user -> (gpu, monotonic time)

    def assign(self, user: str, running: dict[str, str]) -> str:
        """GPU for ``user`` given ``running`` (user -> GPU of each running container)."""
        now = time.monotonic()
        self._recent = {u: v for u, v in self._recent.items() if now - v[1] < self.hold_seconds}
        holders = {u: g for u, (g, _) in self._recent.items()}
        holders.update(running)  # what Docker reports wins over our own memory
        holders.pop(user, None)
        gpu = pick_gpu(self.gpu_ids, holders.values())
        self._recent[user] = (gpu, now)
        return gpu

    async def running_gpus(self, spawner) -> dict[str, str]:
        """User -> GPU of the running workshop containers (asked through the spawner's client)."""
        containers = await spawner.docker(
            "containers", filters={"label": GPU_LABEL, "status": "running"}
        )
        return {
            c["Labels"].get(USER_LABEL, c["Id"]): c["Labels"][GPU_LABEL]
            for c in containers
            if c.get("Labels", {}).get(GPU_LABEL)
        }


def _gpu_hook(spreader: GpuSpreader):
    async def pre_spawn_hook(spawner) -> None:
        # runs once per start, before the container is created: both callables below read it
        running = await spreader.running_gpus(spawner)
        spawner.workshop_gpu = spreader.assign(spawner.user.name, running)
        spawner.log.info("GPU %s assigned to %s", spawner.workshop_gpu, spawner.user.name)

    return pre_spawn_hook


def _extra_create_kwargs(spawner) -> dict:
    labels = {USER_LABEL: spawner.user.name}
    gpu = getattr(spawner, "workshop_gpu", None)
    if gpu is not None:
        labels[GPU_LABEL] = gpu
    return {"labels": labels}


def hardening(settings) -> dict:
    """Host-config keys (Docker SDK spelling) that bound what a learner's container can do."""
    return {
        "pids_limit": settings.pids_limit or -1,
        "security_opt": ["no-new-privileges:true"],
        "cap_drop": ["ALL"],
        "read_only": True,
        "tmpfs": {"/tmp": f"rw,nosuid,nodev,size={settings.shm_size_bytes},mode=1777"},
        "log_config": {
            "type": "json-file",
            "config": {"max-size": LOG_MAX_SIZE, "max-file": LOG_MAX_FILES},
        },
    }


def _host_config_factory(settings, all_gpus: bool):
    def extra_host_config(spawner) -> dict:
        # init: a tiny PID 1 reaps the zombies kernels leave; shm for data loaders
        host = {"init": True, "shm_size": settings.shm_size, **hardening(settings)}
        gpu = getattr(spawner, "workshop_gpu", None)
        if gpu is not None:
            host["device_requests"] = [
                {"Driver": "nvidia", "DeviceIDs": [gpu], "Capabilities": NVIDIA_GPU_CAPS}
            ]
        elif all_gpus:
            host["device_requests"] = [
                {"Driver": "nvidia", "Count": -1, "Capabilities": NVIDIA_GPU_CAPS}
            ]
        return host

    return extra_host_config


def _home_disk_hook(settings):
    """A pre-spawn hook: the learner's named volume binds a size-limited file system
    (``hub.isolation.home_disks``) mounted under ``<data-dir>/disks``; a volume made before limits
    existed is used as it is (and said so in the log)."""
    from hub.isolation import home_disks

    async def hook(spawner) -> None:
        import asyncio

        name = volume_name(settings.volume_prefix, spawner.user.name)
        try:
            existing = await spawner.docker("inspect_volume", name)
        except Exception:  # docker.errors.NotFound
            existing = None
        if existing is not None:
            if (existing.get("Options") or {}).get("o") != "bind":
                spawner.log.warning("Home volume %s predates disk limits: not limited", name)
                return
            mountpoint = existing["Options"]["device"]
        else:
            mountpoint = str(settings.data_path / home_disks.DISKS_DIRNAME / name)
        image = home_disks.image_path(settings.data_dir, name)
        await asyncio.to_thread(
            home_disks.ensure_home_disk,
            image,
            Path(mountpoint),
            settings.disk_limit_bytes,
            HOME_UID,
            HOME_GID,
        )
        if existing is None:
            await spawner.docker(
                "create_volume",
                name,
                driver="local",
                driver_opts={"type": "none", "o": "bind", "device": mountpoint},
                labels={USER_LABEL: spawner.user.name},
            )

    return hook


def _chain(*hooks):
    hooks = [h for h in hooks if h is not None]
    if not hooks:
        return None

    async def pre_spawn_hook(spawner) -> None:
        for hook in hooks:
            await hook(spawner)

    return pre_spawn_hook


def spawner_environment(settings) -> dict[str, str]:
    """Environment of every user container (limits are added by the spawner itself)."""
    kernel_idle = settings.idle_timeout or 3600
    return {
        # TensorFlow otherwise reserves all GPU memory and locks out the other users of a GPU
        "TF_FORCE_GPU_ALLOW_GROWTH": "true",
        "KERAS_BACKEND": "tensorflow",
        # idle kernels are shut down inside the server (image/jupyter_server_config.py)
        "WORKSHOP_KERNEL_CULL_IDLE": str(kernel_idle),
        "WORKSHOP_KERNEL_CULL_INTERVAL": str(max(60, kernel_idle // 6)),
        # what one notebook's kernel may need at its peak: learner_memory is sized for one;
        # a new kernel shuts idle ones down until it fits (image/workshop_kernels.py)
        "WORKSHOP_KERNEL_NEED": str(settings.learner_memory_bytes),
    }


def configure(c, settings, client=None, gpu_ids: list[str] | None = None) -> None:
    """Apply the DockerSpawner part of ``settings`` to the JupyterHub config ``c``.

    ``client``: Docker SDK client (default: from the environment); ``gpu_ids``: the host's
    GPU indices (default: asked from nvidia-smi when ``settings.gpu`` is not ``'none'``).
    Raises ``RuntimeError`` when no Docker engine answers.
    """
    check_choice("gpu", settings.gpu, ["auto", "none", "all"])
    if client is None:
        try:
            client = docker_client()
            client.ping()
        except Exception as err:  # docker.errors.DockerException and socket errors alike
            raise RuntimeError(
                f"spawner 'docker' needs a Docker engine, none answers: {err}"
            ) from None
    network = ensure_network(client, settings.docker_network)
    gateway = network_gateway(network)

    c.JupyterHub.spawner_class = "hub.spawners.docker_api.WorkshopDockerSpawner"
    # the hub API listens on the bridge's gateway: reachable from the containers and the host,
    # not from the room
    c.JupyterHub.hub_ip = gateway
    c.JupyterHub.hub_connect_ip = gateway

    d = c.DockerSpawner
    c.WorkshopDockerSpawner.api_threads = settings.docker_api_threads
    d.image = settings.image
    d.pull_policy = "ifnotpresent"  # production pre-pulls; a pull inside start() would time out
    d.network_name = settings.docker_network
    d.use_internal_ip = True
    d.remove = True  # containers are disposable; the home volume is not
    d.notebook_dir = HOME
    d.volumes = {f"{settings.volume_prefix}-{{username}}": HOME}
    datasets = Path(settings.datasets_dir).resolve()
    if datasets.is_dir():  # `workshop data fetch` ran: every learner reads the data sets
        d.volumes[str(datasets)] = {"bind": DATASETS_PATH, "mode": "ro"}
    d.mem_limit = settings.mem_limit
    d.cpu_limit = settings.cpu_limit
    d.environment = spawner_environment(settings)
    d.start_timeout = settings.start_timeout
    d.http_timeout = settings.http_timeout
    c.JupyterHub.concurrent_spawn_limit = settings.concurrent_spawn_limit

    if gpu_ids is None:
        gpu_ids = nvidia_gpu_ids() if settings.gpu != "none" else []
    gpu_hook = None
    if settings.gpu != "none" and gpu_ids:
        gpu_hook = _gpu_hook(GpuSpreader(gpu_ids, hold_seconds=settings.start_timeout))
    disk_hook = None
    if settings.disk_limit_bytes:
        from hub.isolation.home_disks import disks_unavailable

        why = disks_unavailable()
        if why:
            import logging

            logging.getLogger("JupyterHub").warning("Learners' homes have no size limit: %s", why)
        else:
            disk_hook = _home_disk_hook(settings)
    hook = _chain(disk_hook, gpu_hook)
    if hook is not None:
        d.pre_spawn_hook = hook
    all_gpus = settings.gpu == "all" and not gpu_ids  # no nvidia-smi here: let the engine decide
    d.extra_create_kwargs = _extra_create_kwargs
    d.extra_host_config = _host_config_factory(settings, all_gpus)
