"""``workshop doctor`` steps for the Docker spawner, and the image build they share with the tests.

Each step returns a :class:`Check` (``ok``, ``fail`` or ``skip`` with the reason):

1. ``engine``: a Docker engine answers (version, storage driver);
2. ``image``: the per-user image exists, or is built from ``image/`` when ``build=True``;
3. ``gpu``: a container of the image sees the host's GPUs (skipped on hosts without one).

The test learner (a container spawned by DockerSpawner through a temporary hub, running the
tutorial through its first training) is ``hub.doctor``'s last step. Run these alone with
``python -m hub.doctor_docker [--build]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hub.docker_spawner import docker_client, nvidia_gpu_ids
from tutorial_utils._validation import check_choice

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = "image/Dockerfile"
TUTORIAL = "workshop_tutorial.ipynb"


@dataclass
class Check:
    """Outcome of one doctor step: ``status`` is ``"ok"``, ``"fail"`` or ``"skip"``."""

    name: str
    status: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.status:>4}] {self.name}: {self.detail}"


def build_image(
    tag: str,
    context: str | Path = REPO_ROOT,
    base_image: str | None = None,
    tf_variant: str = "cpu",
    client=None,
    log: Callable[[str], None] | None = None,
) -> str:
    """Build ``image/Dockerfile`` from ``context`` as ``tag``; return the image id.

    ``base_image`` overrides the Dockerfile's ``BASE_IMAGE`` (e.g. the tests' local stand-in);
    ``tf_variant`` is ``"cpu"`` or ``"gpu"``. Uses the engine's classic builder, which every
    engine has (no buildx needed). ``log`` receives the build output line by line.
    Raises ``RuntimeError`` with the tail of the output when a step fails.
    """
    check_choice("tf_variant", tf_variant, ["cpu", "gpu"])
    context = Path(context)
    if not (context / DOCKERFILE).is_file():
        raise ValueError(f"context must hold {DOCKERFILE}, {context} does not")
    client = client or docker_client(timeout=1800)
    args = {"TF_VARIANT": tf_variant}
    if base_image:
        args["BASE_IMAGE"] = base_image
    tail: list[str] = []
    image_id = None
    stream = client.api.build(
        path=str(context), dockerfile=DOCKERFILE, tag=tag, buildargs=args, rm=True, decode=True
    )
    for chunk in stream:
        if "error" in chunk:
            tail.append(chunk["error"])
            raise RuntimeError("image build failed:\n" + "".join(tail[-40:]))
        text = chunk.get("stream", "")
        if text:
            tail = (tail + [text])[-40:]
            if log:
                log(text.rstrip("\n"))
        if "aux" in chunk and "ID" in chunk["aux"]:
            image_id = chunk["aux"]["ID"]
    if image_id is None:
        image_id = client.images.get(tag).id
    return image_id


def check_engine(client) -> Check:
    info = client.info()
    version = client.version().get("Version", "?")
    return Check("engine", "ok", f"Docker {version}, storage {info.get('Driver')}")


def check_image(client, image: str, build: bool = False, base_image: str | None = None) -> Check:
    import docker.errors

    try:
        found = client.images.get(image)
    except docker.errors.ImageNotFound:
        if not build:
            return Check(
                "image",
                "fail",
                f"{image} is missing; build it in {REPO_ROOT} with "
                f"`docker build -f {DOCKERFILE} -t {image} .` "
                "(or `.venv/bin/python -m hub.doctor_docker --build`)",
            )
        start = time.monotonic()
        build_image(image, base_image=base_image, client=client)
        found = client.images.get(image)
        return Check(
            "image",
            "ok",
            f"built {image} in {time.monotonic() - start:.0f} s, "
            f"{found.attrs['Size'] / 1e9:.2f} GB",
        )
    return Check("image", "ok", f"{image} present ({found.attrs['Size'] / 1e9:.2f} GB)")


def check_gpu(client, image: str, gpu_ids: list[str] | None = None) -> Check:
    from docker.types import DeviceRequest

    gpu_ids = nvidia_gpu_ids() if gpu_ids is None else gpu_ids
    if not gpu_ids:
        return Check("gpu", "skip", "no NVIDIA GPU on this host (nvidia-smi lists none)")
    try:
        out = client.containers.run(
            image,
            ["nvidia-smi", "-L"],
            entrypoint=[],
            remove=True,
            device_requests=[DeviceRequest(count=-1, capabilities=[["gpu"]])],
        )
    except Exception as err:  # engine without the NVIDIA runtime, or a driver mismatch
        return Check("gpu", "fail", f"containers do not see the GPUs: {err}")
    seen = [line for line in out.decode().splitlines() if line.startswith("GPU ")]
    status = "ok" if len(seen) == len(gpu_ids) else "fail"
    return Check("gpu", status, f"host has {len(gpu_ids)} GPU(s), a container sees {len(seen)}")


def run_checks(settings, build: bool = False, base_image: str | None = None) -> list[Check]:
    """Engine, image and GPU steps in order; later steps are skipped once one fails. (The test
    learner, spawned through DockerSpawner, is ``hub.doctor``'s step.)"""
    try:
        client = docker_client(timeout=900)
        client.ping()
    except Exception as err:
        return [Check("engine", "fail", f"no Docker engine answers: {err}")]
    results = [check_engine(client), check_image(client, settings.image, build, base_image)]
    if results[-1].status != "ok":
        results.append(Check("gpu", "skip", "no image"))
        return results
    gpu_ids = nvidia_gpu_ids() if settings.gpu != "none" else []
    results.append(check_gpu(client, settings.image, gpu_ids))
    return results


def main(argv: list[str] | None = None) -> int:
    from hub.settings import WorkshopSettings

    parser = argparse.ArgumentParser(prog="python -m hub.doctor_docker", description=__doc__)
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
