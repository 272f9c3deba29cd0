"""The learners' container image: its name, its tag, its build and its publication.

The image built from ``image/Dockerfile`` is published as ``<repository>:<version>-<variant>``:
the version is the project's (``pyproject.toml``), the variant ``cpu`` (``tensorflow-cpu``) or
``gpu`` (TensorFlow with CUDA wheels). A release therefore names exactly one image of each kind,
which the chart values (``hub/cloud/z2jh.py``), the single host and the baked AMI pull by that
tag; nothing pulls ``latest``. The one owner of these for ``workshop image`` (``hub/cli/image.py``),
``workshop doctor``, the cloud host's agent, the chart and the tests;
``.github/workflows/release.yml`` runs the same commands.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from hub.paths import REPO_ROOT
from tutorial_utils._validation import check_choice

#: the Dockerfile of the learners' image, relative to the build context (the checkout)
DOCKERFILE = "image/Dockerfile"
#: where releases publish the image (GitHub's container registry of the project)
DEFAULT_REPOSITORY = "ghcr.io/dragonn-workshop/dragonn-workshop"
VARIANTS = ("cpu", "gpu")
_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_REPOSITORY_RE = re.compile(r"^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+$")


def project_version() -> str:
    """The version in this checkout's ``pyproject.toml`` (the installed package's otherwise)."""
    pyproject = REPO_ROOT / "pyproject.toml"
    if pyproject.is_file():
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    return metadata.version("dragonn-workshop")


def image_tag(variant: str, version: str | None = None) -> str:
    """``"0.1.0-gpu"`` for variant ``gpu`` of version 0.1.0 (a ``+local`` part becomes ``-``,
    which Docker tags allow). Raises ``ValueError`` for an unknown variant."""
    check_choice("variant", variant, VARIANTS)
    version = (version or project_version()).replace("+", "-")
    tag = f"{version}-{variant}"
    if not _TAG_RE.match(tag):
        raise ValueError(f"version {version!r} does not make a valid image tag ({tag!r})")
    return tag


def image_ref(
    variant: str, repository: str = DEFAULT_REPOSITORY, version: str | None = None
) -> str:
    """``<repository>:<version>-<variant>``; raises ``ValueError`` for a malformed repository."""
    if not _REPOSITORY_RE.match(repository):
        raise ValueError(
            f"repository must look like ghcr.io/OWNER/NAME or 127.0.0.1:5000/NAME (lower case), "
            f"got {repository!r}"
        )
    return f"{repository}:{image_tag(variant, version)}"


def build(
    variant: str,
    repository: str = DEFAULT_REPOSITORY,
    base_image: str | None = None,
    client=None,
    log=None,
) -> str:
    """Build ``image/Dockerfile`` from this checkout as :func:`image_ref`; returns the ref.

    ``base_image`` overrides the Dockerfile's ``BASE_IMAGE``. Raises ``RuntimeError`` with the
    end of the build output when a step fails, or when no Docker engine answers.
    """
    ref = image_ref(variant, repository)
    build_image(
        ref,
        context=REPO_ROOT,
        base_image=base_image,
        tf_variant=variant,
        client=client or _client(),
        log=log,
    )
    return ref


def push(ref: str, client=None, log=None) -> str:
    """Push ``ref`` (already built or tagged here) to its registry; returns the pushed digest.

    The registry's credentials are the engine's (``docker login``). Raises ``RuntimeError``
    naming the ref when it is not here or the registry refuses it.
    """
    import docker.errors

    client = client or _client()
    repository, _, tag = ref.rpartition(":")
    try:
        client.images.get(ref)
    except docker.errors.ImageNotFound:
        raise RuntimeError(f"{ref} is not here: build it first (workshop image build)") from None
    digest = None
    for chunk in client.api.push(repository, tag=tag, stream=True, decode=True):
        if "error" in chunk:
            raise RuntimeError(f"push of {ref} failed: {chunk['error']}")
        if log and chunk.get("status") and not chunk.get("progressDetail"):
            log(f"{chunk.get('id', '')} {chunk['status']}".strip())
        digest = chunk.get("aux", {}).get("Digest", digest)
    if digest is None:
        raise RuntimeError(f"push of {ref} ended without a digest from the registry")
    return digest


def _client():
    from hub.spawners.docker import docker_client

    try:
        client = docker_client(timeout=1800)
        client.ping()
    except Exception as err:  # docker.errors.DockerException and socket errors alike
        raise RuntimeError(
            f"the learners' image needs a Docker engine, none answers: {err}"
        ) from None
    return client


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
    check_choice("tf_variant", tf_variant, VARIANTS)
    context = Path(context)
    if not (context / DOCKERFILE).is_file():
        raise ValueError(f"context must hold {DOCKERFILE}, {context} does not")
    client = client or _client()
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
