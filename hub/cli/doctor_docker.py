"""``workshop doctor`` steps for the Docker spawner (the image itself is ``hub/image.py``'s).

Each step returns a :class:`hub.cli.checks.Step` (``ok``, ``fail`` or ``skip`` with the reason):

1. ``engine``: a Docker engine answers (version, storage driver);
2. ``image``: the per-user image exists, or is built from ``image/`` when ``build=True``;
3. ``gpu``: a container of the image sees the host's GPUs (skipped on hosts without one).

The test learner (a container spawned by DockerSpawner through a temporary hub, running the
tutorial through its first training) is ``hub.cli.doctor``'s last step. Run these alone with
``python -m hub.cli.doctor_docker [--build]``.
"""

from __future__ import annotations

import argparse
import sys
import time

from hub.cli.checks import Step
from hub.image import DOCKERFILE, build_image
from hub.paths import REPO_ROOT
from hub.spawners.docker import docker_client, nvidia_gpu_ids

TUTORIAL = "workshop_tutorial.ipynb"


def check_engine(client) -> Step:
    info = client.info()
    version = client.version().get("Version", "?")
    return Step("engine", "ok", f"Docker {version}, storage {info.get('Driver')}")


def check_image(client, image: str, build: bool = False, base_image: str | None = None) -> Step:
    import docker.errors

    try:
        found = client.images.get(image)
    except docker.errors.ImageNotFound:
        if not build:
            return Step(
                "image",
                "fail",
                f"{image} is missing; build it in {REPO_ROOT} with "
                f"`docker build -f {DOCKERFILE} -t {image} .` "
                "(or `.venv/bin/python -m hub.cli.doctor_docker --build`)",
            )
        start = time.monotonic()
        build_image(image, base_image=base_image, client=client)
        found = client.images.get(image)
        return Step(
            "image",
            "ok",
            f"built {image} in {time.monotonic() - start:.0f} s, "
            f"{found.attrs['Size'] / 1e9:.2f} GB",
        )
    return Step("image", "ok", f"{image} present ({found.attrs['Size'] / 1e9:.2f} GB)")


def check_gpu(client, image: str, gpu_ids: list[str] | None = None) -> Step:
    from docker.types import DeviceRequest

    gpu_ids = nvidia_gpu_ids() if gpu_ids is None else gpu_ids
    if not gpu_ids:
        return Step("gpu", "skip", "no NVIDIA GPU on this host (nvidia-smi lists none)")
    try:
        out = client.containers.run(
            image,
            ["nvidia-smi", "-L"],
            entrypoint=[],
            remove=True,
            device_requests=[DeviceRequest(count=-1, capabilities=[["gpu"]])],
        )
    except Exception as err:  # engine without the NVIDIA runtime, or a driver mismatch
        return Step("gpu", "fail", f"containers do not see the GPUs: {err}")
    seen = [line for line in out.decode().splitlines() if line.startswith("GPU ")]
    status = "ok" if len(seen) == len(gpu_ids) else "fail"
    return Step("gpu", status, f"host has {len(gpu_ids)} GPU(s), a container sees {len(seen)}")


def run_checks(settings, build: bool = False, base_image: str | None = None) -> list[Step]:
    """Engine, image and GPU steps in order; later steps are skipped once one fails. (The test
    learner, spawned through DockerSpawner, is ``hub.cli.doctor``'s step.)"""
    try:
        client = docker_client(timeout=900)
        client.ping()
    except Exception as err:
        return [Step("engine", "fail", f"no Docker engine answers: {err}")]
    results = [check_engine(client), check_image(client, settings.image, build, base_image)]
    if results[-1].status != "ok":
        results.append(Step("gpu", "skip", "no image"))
        return results
    gpu_ids = nvidia_gpu_ids() if settings.gpu != "none" else []
    results.append(check_gpu(client, settings.image, gpu_ids))
    return results


def main(argv: list[str] | None = None) -> int:
    from hub.settings import WorkshopSettings

    parser = argparse.ArgumentParser(prog="python -m hub.cli.doctor_docker", description=__doc__)
    parser.add_argument("--data-dir", default=None, help="hub data directory (settings.json)")
    parser.add_argument("--build", action="store_true", help="build the image when missing")
    parser.add_argument("--base-image", default=None, help="BASE_IMAGE for --build")
    args = parser.parse_args(argv)
    settings = WorkshopSettings.load(args.data_dir)
    results = run_checks(settings, build=args.build, base_image=args.base_image)
    for result in results:
        print(result)
    return 1 if any(r.status == "fail" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
