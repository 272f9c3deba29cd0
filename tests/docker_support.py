"""Fixtures shared by the docker tiers: the engine, the stand-in base image and the workshop image.

Import the fixtures into a test module (``from docker_support import docker_client, ...``).
The image is built once per session from a temporary copy of the build context (so a missing
tutorial notebook can be stood in for without touching the repository); the engine's layer cache
makes later sessions fast. Tests are skipped, with the reason, when no Docker engine answers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
BASE_TAG = os.environ.get("WORKSHOP_TEST_BASE_IMAGE", "workshop-standin-base:bookworm")
IMAGE_TAG = os.environ.get("WORKSHOP_TEST_IMAGE", "dragonn-workshop:test")
TUTORIAL = "workshop_tutorial.ipynb"
CONTEXT_PARTS = [
    "pyproject.toml", "README.md", ".dockerignore", "tutorial_utils", "image", "hub/seed.py",
]  # fmt: skip

# Stand-in tutorial used only when notebooks/workshop_tutorial.ipynb does not exist yet.
_STANDIN_NOTEBOOK = """{
 "cells": [
  {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [],
   "source": ["import tutorial_utils\\n", "print('tutorial_utils ready')"]},
  {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [],
   "source": ["import keras\\n", "print('keras', keras.__version__, keras.backend.backend())"]},
  {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [],
   "source": ["print(sorted(tutorial_utils.__all__)[:3])"]}
 ],
 "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                              "name": "python3"}},
 "nbformat": 4, "nbformat_minor": 5
}
"""

BUILD_STATS: dict[str, float] = {}


def engine_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=10).ping()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def docker_client():
    """A Docker SDK client; skips the test when no engine answers (run tests/system_deps.sh)."""
    if not engine_answers():
        pytest.skip("no Docker engine answers (tests/system_deps.sh installs and starts one)")
    import docker

    return docker.from_env(timeout=1800)


@pytest.fixture(scope="session")
def standin_base(docker_client) -> str:
    """Tag of the local Debian stand-in for the public Python base image (built once, cached)."""
    start = time.monotonic()
    out = subprocess.run(
        ["bash", str(REPO_ROOT / "tests" / "base_image.sh"), BASE_TAG],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if out.returncode != 0:
        raise RuntimeError(f"tests/base_image.sh failed:\n{out.stderr[-3000:]}")
    BUILD_STATS["base_seconds"] = time.monotonic() - start
    return out.stdout.strip().splitlines()[-1]


def make_context(dest: Path) -> Path:
    """Copy the image's build context into ``dest``, standing in a tutorial if none exists."""
    for part in CONTEXT_PARTS:
        src = REPO_ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (dest / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / part)
    notebooks = dest / "notebooks"
    if (REPO_ROOT / "notebooks").is_dir():
        shutil.copytree(
            REPO_ROOT / "notebooks",
            notebooks,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )
    notebooks.mkdir(exist_ok=True)
    if not (notebooks / TUTORIAL).exists():
        (notebooks / TUTORIAL).write_text(_STANDIN_NOTEBOOK, encoding="utf-8")
    return dest


@pytest.fixture(scope="session")
def workshop_image(docker_client, standin_base, tmp_path_factory) -> str:
    """Tag of the workshop image built from ``image/`` on the stand-in base (once a session)."""
    import docker.errors

    from hub.image import build_image

    context = make_context(tmp_path_factory.mktemp("image-context"))
    try:
        previous = docker_client.images.get(IMAGE_TAG).id
    except docker.errors.ImageNotFound:
        previous = None
    log_path = context.parent / "build.log"
    start = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        try:
            build_image(
                IMAGE_TAG,
                context=context,
                base_image=standin_base,
                client=docker_client,
                log=lambda line: print(line, file=log, flush=True),
            )
        except RuntimeError as err:
            raise RuntimeError(f"{err}\n(full log: {log_path})") from None
    BUILD_STATS["image_seconds"] = time.monotonic() - start
    if previous and previous != docker_client.images.get(IMAGE_TAG).id:
        # the last session's build is now untagged: drop it (its shared layers stay cached)
        try:
            docker_client.images.remove(previous, noprune=False)
        except docker.errors.APIError:
            pass  # still used by a container: leave it
    BUILD_STATS["image_bytes"] = docker_client.images.get(IMAGE_TAG).attrs["Size"]
    print(
        f"\nworkshop image {IMAGE_TAG}: built in {BUILD_STATS['image_seconds']:.0f} s, "
        f"{BUILD_STATS['image_bytes'] / 1e9:.2f} GB"
    )
    return IMAGE_TAG


def unique(prefix: str) -> str:
    """A name no earlier run used (volumes, networks, containers of one test)."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def remove_room_objects(docker_client, network: str, volume_prefix: str) -> None:
    """Remove what a test's hub left in Docker: the containers on ``network``, the volumes
    whose names start with ``volume_prefix``, and the network."""
    for container in docker_client.containers.list(all=True, filters={"network": network}):
        container.remove(force=True)
    for volume in docker_client.volumes.list(filters={"name": volume_prefix}):
        volume.remove(force=True)
    for found in docker_client.networks.list(names=[network]):
        found.remove()
