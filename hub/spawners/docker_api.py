"""``WorkshopDockerSpawner``: DockerSpawner calling the Docker engine from several threads.

DockerSpawner sends every call to the engine (inspect, create and start a container, create a
volume, and each poll) through one thread shared by the whole hub
(``DockerSpawner.executor``: ``ThreadPoolExecutor(1)``). In a room logging in at once, each
learner's start queues behind everyone else's calls. ``bench/hub_load.py --spawner docker
--compare docker_api_threads=1`` measures what a pool of ``docker_api_threads`` changes (at
most ``hub.settings.MAX_DOCKER_API_THREADS``: the SDK client's connections per host).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from dockerspawner import DockerSpawner
from traitlets import Int

from hub.settings import MAX_DOCKER_API_THREADS


class WorkshopDockerSpawner(DockerSpawner):
    """DockerSpawner whose calls to the engine run on ``api_threads`` threads (one pool for the
    whole hub, made on first use), instead of one."""

    api_threads = Int(
        8, help="Threads calling the Docker engine, for the whole hub (DockerSpawner: 1)."
    ).tag(config=True)

    _pool: ThreadPoolExecutor | None = None

    @property
    def executor(self) -> ThreadPoolExecutor:
        cls = WorkshopDockerSpawner
        if cls._pool is None:
            threads = max(1, min(self.api_threads, MAX_DOCKER_API_THREADS))
            cls._pool = ThreadPoolExecutor(threads, thread_name_prefix="docker-api")
        return cls._pool
