"""Shared by the cloud tests: paths, a moto server on loopback, user data rendered by Terraform.

The moto server stands in for AWS (SSM, S3, EC2, CloudFormation, STS) on 127.0.0.1; boto3 reaches
it through ``AWS_ENDPOINT_URL`` (and, inside the cloud-init container, ``~/.aws/config``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
TERRAFORM = REPO_ROOT / "terraform"
MODULE = TERRAFORM / "aws-single-host"
ROOT = MODULE / "root"
USER_DATA = TERRAFORM / "provision" / "user-data.yaml.tftpl"
PROVISION = TERRAFORM / "provision" / "provision.sh"
REGION = "us-east-1"
MOTO_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


def need_terraform() -> str:
    exe = shutil.which("terraform")
    if exe is None:
        pytest.skip(
            "terraform is not installed (https://developer.hashicorp.com/terraform/install)"
        )
    return exe


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def strict_ssm_parameter_types() -> None:
    """Make moto's Parameter Store refuse what AWS refuses and moto allows: ``put_parameter``
    with ``Overwrite`` that changes an existing parameter's type (String <-> SecureString)
    raises ``HierarchyTypeMismatchException``.

    Source: AWS Systems Manager API Reference, PutParameter, Errors:
    "HierarchyTypeMismatchException: Parameter Store doesn't support changing a parameter type
    in a hierarchy. For example, you can't change a parameter from a String type to a
    SecureString type. You must create a new, unique parameter." Idempotent; every moto in
    this process (server thread or ``mock_aws``) shares the patched backend class."""
    from moto.ssm.exceptions import SSMException
    from moto.ssm.models import SimpleSystemManagerBackend as Backend

    if getattr(Backend.put_parameter, "strict_types", False):
        return
    original = Backend.put_parameter

    def put_parameter(self, name, description, value, parameter_type, *args, **kwargs):
        existing = self.get_parameter(name)
        if existing is not None and parameter_type and existing.parameter_type != parameter_type:
            raise SSMException(
                "HierarchyTypeMismatchException",
                f"The parameter type can't be changed: {name} is a {existing.parameter_type}, "
                f"not a {parameter_type}.",
            )
        return original(self, name, description, value, parameter_type, *args, **kwargs)

    put_parameter.strict_types = True
    Backend.put_parameter = put_parameter


class MotoServer:
    """A moto server in a thread on 127.0.0.1 (every AWS service moto has)."""

    def __init__(self):
        from moto.server import ThreadedMotoServer

        self.port = free_port()
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        strict_ssm_parameter_types()
        self.server.start()
        return self

    def __exit__(self, *exc):
        self.server.stop()

    def env(self) -> dict[str, str]:
        return {**MOTO_CREDENTIALS, "AWS_ENDPOINT_URL": self.url}

    def reset(self) -> None:
        import requests

        requests.post(f"{self.url}/moto-api/reset", timeout=10)

    def client(self, service: str, region: str = REGION):
        import boto3

        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
        )


@pytest.fixture(scope="session")
def moto_server():
    with MotoServer() as server:
        yield server


@pytest.fixture
def aws(moto_server, monkeypatch):
    """A clean moto account, with this process's boto3 pointed at it."""
    moto_server.reset()
    for key, value in moto_server.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return moto_server


# --- user data, as Terraform renders it ----------------------------------------------------------
def user_data_values(**overrides) -> dict:
    """The template's variables as the module passes them with its defaults (and ``overrides``)."""
    values = {
        "name": "dragonn-workshop",
        "region": REGION,
        "bucket": "dragonn-workshop-bucket",
        "bundle_url": "https://example.org/dragonn-workshop.tar.gz",
        "bundle_sha256": "0" * 64,
        "public_ip": "203.0.113.10",
        "https_domain": "",
        "homes_volume_id": "vol-0123456789abcdef0",
        "image_base": "",
        "idle_stop_minutes": 120,
        "class_size": 30,
        "admin_users": "instructor",
        "acme_email": "",
        "hub_port": 8000,
        "image": "dragonn-workshop:latest",
        "docker_network": "dragonn-workshop",
        "volume_prefix": "dragonn-workshop-user",
        "learner_memory": "3840M",
        "learner_cpu": 0.5,
        "mem_limit": "",
        "cpu_limit": 0,
        "pids_limit": 2048,
        "disk_limit": "10G",
        "gpu": "auto",
        "board": "true",
        "concurrent_spawn_limit": 0,
        "start_timeout": 300,
        "idle_timeout": 3600,
        "instance_type": "g4dn.xlarge",
    }
    unknown = set(overrides) - set(values)
    if unknown:
        raise KeyError(f"not a user data variable: {sorted(unknown)}")
    values.update(overrides)
    return values


def render_user_data(values: dict, work: Path) -> str:
    """``templatefile(user-data.yaml.tftpl, values)`` evaluated by the Terraform CLI (a config
    with no provider, applied to a local state in ``work``)."""
    exe = need_terraform()
    work.mkdir(parents=True, exist_ok=True)
    shutil.copy2(USER_DATA, work / USER_DATA.name)
    (work / "values.json").write_text(json.dumps(values), encoding="utf-8")
    (work / "main.tf").write_text(
        'output "user_data" {\n  value = templatefile("${path.module}/'
        + USER_DATA.name
        + '", jsondecode(file("${path.module}/values.json")))\n}\n',
        encoding="utf-8",
    )
    env = dict(os.environ, CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
    env.pop("TF_CLI_CONFIG_FILE", None)
    for args in (["apply", "-auto-approve", "-input=false", "-no-color"],
                 ["output", "-raw", "user_data"]):  # fmt: skip
        out = subprocess.run([exe, *args], cwd=work, env=env, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"terraform {args[0]} failed:\n{out.stderr[-3000:]}")
    return out.stdout


def user_data_files(rendered: str) -> dict[str, str]:
    """``{path: content}`` of the rendered cloud-config's write_files."""
    import yaml

    doc = yaml.safe_load(rendered)
    return {f["path"]: f["content"] for f in doc["write_files"]}


# --- CloudFormation's rules, which moto does not evaluate ---------------------------------------
def cfn_rule_failures(template: dict, parameters: dict[str, str]) -> list[str]:
    """The ``AssertDescription`` of every rule assertion that fails for ``parameters`` (the
    template's defaults filled in), as CloudFormation checks them before creating anything;
    moto does not evaluate rules. Stands in for AWS (CloudFormation User Guide, "Rules section
    syntax" and "Rule functions"): :func:`hub.cloud.release.rule_failures`, which the release
    dry run applies to the Launch links' parameters."""
    from hub.cloud.release import rule_failures

    return rule_failures(template, {k: str(v) for k, v in parameters.items()})
