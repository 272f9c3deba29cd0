"""Terraform for ``workshop cloud``: the class's working copy, its variables, the project bundle.

``workshop cloud`` never runs Terraform inside the repository: it copies
``terraform/aws-single-host`` (module and ready root), ``terraform/provision`` and
``terraform/prices.json`` into ``<data-dir>/cloud/terraform/`` and runs the root there, so the
state, the lock file and ``terraform.tfvars.json`` stay with the class's data.

Variables = the hub settings (``settings_variables``; the host-dependent limits as
"auto" unless set) + the cloud-only ones in ``<data-dir>/cloud/cloud.json`` (``--set`` stores them)
+ the bundle (a tarball of this checkout, pinned by SHA-256) and the roster.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from hub.cloud.prices import resolve_instance_type
from hub.paths import REPO_ROOT
from hub.settings import ENV_PREFIX, WorkshopSettings

TERRAFORM_DIR = REPO_ROOT / "terraform"
ROOT_REL = Path("aws-single-host") / "root"
# hub settings whose default depends on the machine: "auto" (computed on the host) unless set
HOST_DEPENDENT = {"mem_limit": "", "mem_limit_mb": 0, "cpu_limit": 0, "concurrent_spawn_limit": 0}
BUNDLE_PARTS = [
    "pyproject.toml",
    "README.md",
    ".dockerignore",
    "hub",
    "tutorial_utils",
    "notebooks",
    "image",
    "terraform/provision",
    "terraform/prices.json",
]
_SKIP = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}


@dataclass(frozen=True)
class CloudVariable:
    """A cloud-only Terraform variable the CLI accepts with ``--set name=value``."""

    kind: type  # str, int, list (comma-separated), dict ("k=v,k2=v2")
    help: str


CLOUD_VARIABLES = {
    "name": CloudVariable(str, "name of the class: resource prefix and SSM path /<name>/"),
    "ami_id": CloudVariable(str, "AMI to boot (a baked or pinned one); empty: latest from SSM"),
    "root_volume_gib": CloudVariable(int, "root volume size, GiB (60-16384)"),
    "homes_volume_gib": CloudVariable(int, "homes volume size, GiB (1-16384)"),
    "availability_zone": CloudVariable(str, "zone; empty: the first that offers the type"),
    "subnet_id": CloudVariable(
        str, "a public subnet for the host (no default VPC); empty: default VPC"
    ),
    "learner_cidrs": CloudVariable(list, "addresses allowed to reach HTTPS (port 80 stays open)"),
    "admin_cidr": CloudVariable(str, "one CIDR allowed to SSH; empty: SSH closed"),
    "ssh_key_name": CloudVariable(str, "EC2 key pair for SSH"),
    "route53_zone": CloudVariable(str, "Route53 zone in which to create https's A record"),
    "stop_time": CloudVariable(str, "daily automatic stop, HH:MM; empty: none"),
    "stop_timezone": CloudVariable(str, "IANA time zone of stop_time; default: this machine's"),
    "idle_stop_minutes": CloudVariable(int, "stop after this many idle minutes; 0: never"),
    "event_hours": CloudVariable(int, "hours of running, for the cost estimate"),
    "bundle_url": CloudVariable(str, "install a release tarball instead of this checkout"),
    "bundle_sha256": CloudVariable(str, "SHA-256 of bundle_url"),
    "image_base": CloudVariable(str, "BASE_IMAGE build argument of image/Dockerfile"),
    "tags": CloudVariable(dict, "tags for every resource, k=v,k2=v2"),
}
# set by the CLI itself, never by --set
MANAGED_VARIABLES = {"bundle_path", "roster_path"}


def local_timezone(environ=os.environ, localtime: Path = Path("/etc/localtime")) -> str | None:
    """The IANA name of this machine's time zone (``TZ``, else the ``/etc/localtime`` link,
    else ``/etc/timezone``), or ``None`` when it cannot be told (``stop_timezone`` must then be
    set)."""
    pattern = r"(UTC|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+)+)"
    candidates = [environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(os.readlink(localtime).split("zoneinfo/", 1)[-1])
    except OSError:
        pass
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    for name in candidates:
        name = "UTC" if name in ("Etc/UTC", "Etc/Universal", "UCT", "Zulu") else name
        if name and re.fullmatch(pattern, name):
            return name
    return None


def stop_timezone(settings: WorkshopSettings, environ=os.environ) -> str:
    """``stop_timezone`` as stored with ``--set``, else this machine's time zone: stop times
    are the instructor's local time. Raises ``ValueError`` when neither is known."""
    stored = load_cloud_settings(settings).get("stop_timezone")
    if stored:
        return stored
    here = local_timezone(environ)
    if here is None:
        raise ValueError(
            "this machine's time zone cannot be told (no TZ, /etc/localtime or /etc/timezone): "
            "--set stop_timezone=<IANA name>, e.g. America/Los_Angeles, for the daily stop"
        )
    return here


def cloud_dir(settings: WorkshopSettings) -> Path:
    return Path(settings.data_dir) / "cloud"


def load_cloud_settings(settings: WorkshopSettings) -> dict:
    path = cloud_dir(settings) / "cloud.json"
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON: {err}") from None


def parse_cloud_value(name: str, text: str):
    """``--set name=text`` -> the variable's value; ValueError naming the allowed names."""
    if name not in CLOUD_VARIABLES:
        hub_names = ", ".join(sorted(WorkshopSettings.setting_names()))
        raise ValueError(
            f"--set: {name!r} is not a cloud variable; cloud variables: "
            f"{', '.join(sorted(CLOUD_VARIABLES))} (hub settings such as instance_type, "
            f"aws_region, https, class_size go through `workshop settings set`: {hub_names})"
        )
    kind = CLOUD_VARIABLES[name].kind
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"--set {name} must be a whole number, got {text!r}") from None
    if kind is list:
        return [item.strip() for item in text.split(",") if item.strip()]
    if kind is dict:
        out = {}
        for pair in filter(None, (p.strip() for p in text.split(","))):
            key, sep, value = pair.partition("=")
            if not sep or not key:
                raise ValueError(f"--set {name} expects k=v,k2=v2, got {text!r}")
            out[key.strip()] = value.strip()
        return out
    return text


def save_cloud_settings(settings: WorkshopSettings, updates: dict) -> dict:
    """Merge ``updates`` into ``<data-dir>/cloud/cloud.json``; returns the result."""
    current = load_cloud_settings(settings)
    current.update(updates)
    path = cloud_dir(settings) / "cloud.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return current


def _explicit_names(settings: WorkshopSettings, environ=os.environ) -> set[str]:
    explicit = set(getattr(settings, "_explicit", {}))
    explicit |= {n for n in settings.setting_names() if ENV_PREFIX + n.upper() in environ}
    return explicit


def settings_variables(settings: WorkshopSettings) -> dict:
    """The settings as Terraform variables: a flat ``{name: str | int | float | bool |
    list[str]}`` for ``terraform.tfvars.json`` (``workshop settings terraform`` prints it; its
    keys are the variables of ``terraform/aws-single-host``, held equal by a test)."""
    return {
        "class_size": settings.class_size,
        "instance_type": settings.instance_type,
        "aws_region": settings.aws_region,
        "https_domain": "" if settings.https in ("", "internal") else settings.https,
        "acme_email": settings.acme_email,
        "admin_users": list(settings.admin_users),
        "hub_port": settings.port,
        "image": settings.image,
        "docker_network": settings.docker_network,
        "volume_prefix": settings.volume_prefix,
        "learner_memory": settings.learner_memory,
        "learner_memory_mb": settings.learner_memory_bytes // 2**20,
        "learner_cpu": settings.learner_cpu,
        "mem_limit": settings.mem_limit,
        "mem_limit_mb": settings.mem_limit_bytes // 2**20,
        "cpu_limit": settings.cpu_limit,
        "pids_limit": settings.pids_limit,
        "disk_limit": settings.disk_limit,
        "gpu": settings.gpu,
        "board": settings.board,
        "concurrent_spawn_limit": settings.concurrent_spawn_limit,
        "start_timeout": settings.start_timeout,
        "idle_timeout": settings.idle_timeout,
        "spawner": settings.spawner,
    }


def hub_variables(settings: WorkshopSettings, environ=os.environ) -> dict:
    """:func:`settings_variables` for the cloud host: the host computes its own limits unless
    they were set, the spawner is always docker, ``internal`` HTTPS means the sslip.io name, and
    ``instance_type auto`` is the type it chooses (:func:`hub.cloud.prices.resolve_instance_type`)."""
    tf = settings_variables(settings)
    explicit = _explicit_names(settings, environ)
    for name, auto in HOST_DEPENDENT.items():
        source = "mem_limit" if name == "mem_limit_mb" else name
        if source not in explicit:
            tf[name] = auto
    tf["spawner"] = "docker"
    # Terraform resolves "auto" by the same rule; resolved here, the type `plan` names is the
    # type Terraform creates, whatever the module's version
    tf["instance_type"] = resolve_instance_type(
        settings.instance_type,
        settings.class_size,
        settings.aws_region,
        settings.learner_memory,
        settings.learner_cpu,
    )[0]
    return tf


# --- the bundle -----------------------------------------------------------------------------------
def make_bundle(dest: Path, root: Path = REPO_ROOT) -> str:
    """Write a reproducible ``.tar.gz`` of the files the host needs; returns its SHA-256.

    Same checkout, same bytes (sorted names, fixed times and owners), so an unchanged checkout
    does not replace the host on the next ``up``.
    """
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for part in BUNDLE_PARTS:
            src = root / part
            if not src.exists():
                raise FileNotFoundError(f"bundle: {src} is missing from the checkout")
            paths = [src] if src.is_file() else sorted(_walk(src))
            for path in paths:
                info = tar.gettarinfo(str(path), arcname=str(path.relative_to(root)))
                info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
                info.mode = 0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644
                if info.isfile():
                    with open(path, "rb") as fh:
                        tar.addfile(info, fh)
                else:
                    tar.addfile(info)
    data = gzip.compress(buf.getvalue(), mtime=0)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, dest)
    return hashlib.sha256(data).hexdigest()


def _walk(folder: Path):
    for path in folder.rglob("*"):
        if _SKIP & set(path.relative_to(folder).parts) or path.suffix == ".pyc":
            continue
        if path.is_file() or path.is_dir():
            yield path


# --- the working copy and its variables -----------------------------------------------------------
def prepare_workdir(settings: WorkshopSettings, source: Path = TERRAFORM_DIR) -> Path:
    """Refresh ``<data-dir>/cloud/terraform`` from ``source``; returns the root's folder.

    Configuration files are replaced (removed ones disappear); state, ``.terraform`` and the
    lock file stay.
    """
    work = cloud_dir(settings) / "terraform"
    for part in ("aws-single-host", "provision"):
        dst = work / part
        if dst.exists():
            for old in dst.rglob("*"):
                if old.is_file() and old.suffix in (".tf", ".tftpl", ".sh", ".tfvars", ".hcl") \
                        and ".terraform" not in old.parts and not old.name.endswith(".lock.hcl"):  # fmt: skip
                    old.unlink()
        shutil.copytree(source / part, dst, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", "tests"))  # fmt: skip
    shutil.copy2(source / "prices.json", work / "prices.json")
    return work / ROOT_REL


def write_variables(settings: WorkshopSettings, root_dir: Path, environ=os.environ) -> dict:
    """Write ``terraform.tfvars.json`` in ``root_dir``: hub settings, cloud settings, a fresh
    bundle of this checkout (unless bundle_url is set) and the roster. Returns the variables."""
    variables = hub_variables(settings, environ)
    cloud = load_cloud_settings(settings)
    variables.update({k: v for k, v in cloud.items() if k not in MANAGED_VARIABLES})
    variables["stop_timezone"] = stop_timezone(settings, environ)
    if not cloud.get("bundle_url"):
        bundle = cloud_dir(settings) / "dragonn-workshop.tar.gz"
        make_bundle(bundle)
        variables["bundle_path"] = str(bundle)
    roster = Path(settings.data_dir) / "roster.csv"
    if roster.exists():
        variables["roster_path"] = str(roster)
    path = root_dir / "terraform.tfvars.json"
    path.write_text(json.dumps(variables, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return variables


def terraform_binary() -> str:
    exe = shutil.which("terraform")
    if exe is None:
        raise FileNotFoundError(
            "terraform is not installed: get it from https://developer.hashicorp.com/terraform/"
            "install (1.9 or newer), or launch the class with the CloudFormation template "
            "(terraform/cloudformation/README.md), which needs no tools"
        )
    return exe


def run_terraform(root_dir: Path, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    """``terraform -chdir=root_dir args`` (output shown unless ``capture``); raises
    RuntimeError when it fails."""
    cmd = [terraform_binary(), f"-chdir={root_dir}", *args]
    env = dict(os.environ, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    out = subprocess.run(cmd, env=env, text=True, capture_output=capture)
    if out.returncode != 0:
        detail = (out.stderr or "")[-2000:] if capture else "(see its output above)"
        raise RuntimeError(f"terraform {args[0]} failed {detail}")
    return out


def ensure_init(root_dir: Path) -> None:
    if (
        not (root_dir / ".terraform" / "modules" / "modules.json").exists()
        or not (root_dir / ".terraform.lock.hcl").exists()
    ):
        run_terraform(root_dir, "init", "-input=false")


def outputs(root_dir: Path) -> dict:
    """``{name: value}`` of the root's outputs; ``{}`` before the first apply."""
    if not (root_dir / "terraform.tfstate").exists():
        return {}
    out = run_terraform(root_dir, "output", "-json", capture=True)
    return {k: v["value"] for k, v in json.loads(out.stdout or "{}").items()}
