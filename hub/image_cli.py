"""``workshop image build|push|name``: the per-user image under a tag pinned to the version.

The image built from ``image/`` is published as ``<repository>:<version>-<variant>``: the
version is the project's (``pyproject.toml``), the variant ``cpu`` (``tensorflow-cpu``) or
``gpu`` (TensorFlow with CUDA wheels). A release therefore names exactly one image of each kind,
which the chart values (``hub/z2jh.py``), the single host and the baked AMI pull by that tag;
nothing pulls ``latest``. ``.github/workflows/release.yml`` runs the same commands.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

from hub.settings import REPO_ROOT
from tutorial_utils._validation import check_choice

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
    from hub.doctor_docker import build_image

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
    from hub.docker_spawner import docker_client

    try:
        client = docker_client(timeout=1800)
        client.ping()
    except Exception as err:  # docker.errors.DockerException and socket errors alike
        raise RuntimeError(f"workshop image needs a Docker engine, none answers: {err}") from None
    return client


# --- the command line (registered by hub/cli.py) --------------------------------------------------
def cmd_image(args) -> int:
    ref = image_ref(args.variant, args.repository)
    if args.image_cmd == "name":
        print(ref)
        return 0
    if args.image_cmd == "build":
        build(args.variant, args.repository, base_image=args.base_image, log=print)
        print(f"built {ref}")
        return 0
    digest = push(ref, log=print)
    print(f"pushed {ref}@{digest}")
    return 0


def add_parser(sub, common) -> None:
    """Add ``workshop image ...`` to the CLI's subparsers ``sub``."""
    image = sub.add_parser("image", help="build and publish the per-user image")
    isub = image.add_subparsers(dest="image_cmd", required=True)
    for name, what in (
        ("build", "build image/Dockerfile as <repository>:<version>-<variant>"),
        ("push", "push <repository>:<version>-<variant> (after docker login)"),
        ("name", "print <repository>:<version>-<variant>"),
    ):
        p = isub.add_parser(name, parents=[common], help=what)
        p.add_argument("--variant", choices=VARIANTS, default="cpu")
        p.add_argument("--repository", default=DEFAULT_REPOSITORY)
        if name == "build":
            p.add_argument("--base-image", help="override the Dockerfile's BASE_IMAGE")
    image.set_defaults(func=cmd_image)
