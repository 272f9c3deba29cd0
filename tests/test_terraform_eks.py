"""``terraform/aws-eks``: formatting, policy (python-hcl2), ``terraform validate`` and
``terraform test`` against schema-only stand-ins of the AWS, Helm and Kubernetes providers
(``tests/terraform_standin.py``), and checkov with no failed check.

The module reads the chart values ``workshop settings z2jh`` writes; the tests write them into a
copy of the module (generated at test time, never committed).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from hub.cloud import z2jh
from hub.settings import WorkshopSettings

REPO_ROOT = Path(__file__).resolve().parents[1]
MODULE = REPO_ROOT / "terraform" / "aws-eks"
CHECKOV = ["checkov==3.3.30"]


def unquote(value):
    """python-hcl2 8 keeps HCL string quotes; strip them from strings and keys, recursively."""
    if isinstance(value, str):
        return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    if isinstance(value, list):
        return [unquote(v) for v in value]
    if isinstance(value, dict):
        return {unquote(k): unquote(v) for k, v in value.items() if k != "__is_block__"}
    return value


def parsed(name: str) -> dict:
    import hcl2

    with open(MODULE / name, encoding="utf-8") as fh:
        return unquote(hcl2.load(fh))


def blocks(kind: str, type_name: str) -> dict:
    """``{name: body}`` of every ``kind`` (resource/data) block of ``type_name`` in the module."""
    out = {}
    for path in sorted(MODULE.glob("*.tf")):
        for block in parsed(path.name).get(kind, []):
            for typ, named in block.items():
                if typ == type_name:
                    out.update(named)
    return out


def locals_() -> dict:
    out = {}
    for path in sorted(MODULE.glob("*.tf")):
        for block in parsed(path.name).get("locals", []):
            out.update(block)
    return out


def variables() -> dict:
    out = {}
    for block in parsed("variables.tf")["variable"]:
        out.update(block)
    return out


# --- policy, on the HCL itself (fast) -------------------------------------------------------------
def test_node_pools_match_the_chart_profiles():
    loc = locals_()
    assert loc["node_pool_label"] == z2jh.NODE_POOL_LABEL
    pools = loc["node_pools"]
    assert set(pools) == {"system", z2jh.CPU_POOL, z2jh.GPU_POOL}
    for pool in (z2jh.CPU_POOL, z2jh.GPU_POOL):
        labels = pools[pool]["labels"]
        assert labels["${(local.node_pool_label)}"] == pool
        assert labels["hub.jupyter.org/node-purpose"] == "user"
    assert loc["user_taint"]["key"] == z2jh.USER_TAINT["key"]
    assert loc["user_taint"]["value"] == z2jh.USER_TAINT["value"]
    assert loc["gpu_taint"]["key"] == z2jh.GPU_TAINT["key"]
    assert pools[z2jh.GPU_POOL]["ami_type"] == "AL2023_x86_64_NVIDIA"
    assert pools[z2jh.GPU_POOL]["taints"] == ["${local.user_taint}", "${local.gpu_taint}"]


def test_a_pods_process_limit_is_the_hubs_pids_limit_on_every_node():
    from hub.settings import WorkshopSettings

    assert variables()["pod_pids_limit"]["default"] == WorkshopSettings().pids_limit
    (template,) = blocks("resource", "aws_launch_template").values()
    assert "local.node_user_data" in template["user_data"]
    assert "podPidsLimit: ${var.pod_pids_limit}" in locals_()["node_user_data"]


def test_chart_version_is_the_one_the_values_are_tested_with():
    assert variables()["chart_version"]["default"] == z2jh.CHART_VERSION
    (release,) = blocks("resource", "helm_release")["jupyterhub"]["values"][:1]
    assert release == "${file(var.chart_values_file)}"


def test_every_node_requires_imdsv2_hop_1_and_encrypted_gp3():
    (template,) = blocks("resource", "aws_launch_template").values()
    (meta,) = template["metadata_options"]
    assert meta["http_tokens"] == "required" and meta["http_put_response_hop_limit"] == 1
    (device,) = template["block_device_mappings"]
    (ebs,) = device["ebs"]
    assert ebs["encrypted"] is True and ebs["volume_type"] == "gp3"
    (group,) = blocks("resource", "aws_eks_node_group").values()
    assert group["launch_template"][0]["id"] == "${aws_launch_template.pool[each.key].id}"
    (storage,) = blocks("resource", "kubernetes_storage_class_v1").values()
    assert storage["parameters"]["encrypted"] == "true"
    assert storage["volume_binding_mode"] == "WaitForFirstConsumer"


def test_volumes_use_the_default_ebs_key_not_one_whose_policy_omits_their_roles():
    """A customer KMS key on node root volumes or the storage class must grant the Auto Scaling
    service-linked role and the EBS CSI driver's role in its key policy, or nodes fail to launch
    and learners' volumes fail to be created (AWS: EC2 Auto Scaling User Guide, "Required AWS KMS
    key policy for use with encrypted volumes"; EKS User Guide, "Amazon EBS CSI driver IAM
    role"). The cluster's key grants neither: volumes take the account's default EBS key."""
    (template,) = blocks("resource", "aws_launch_template").values()
    (ebs,) = template["block_device_mappings"][0]["ebs"]
    (storage,) = blocks("resource", "kubernetes_storage_class_v1").values()
    key_policy = json.dumps(blocks("data", "aws_iam_policy_document")["kms"])
    grants_asg = "AWSServiceRoleForAutoScaling" in key_policy
    grants_csi = "ebs_csi" in key_policy and "kms:CreateGrant" in key_policy
    assert "kms_key_id" not in ebs or grants_asg
    assert "kmsKeyId" not in storage["parameters"] or grants_csi


def test_default_kubernetes_version_is_in_standard_support():
    """The default has months of standard support left by the EKS calendar (prices.json);
    past it, plan prices the control plane at the extended-support rate and says so."""
    import datetime as dt

    from hub.cloud import eks as cloud_eks

    assert blocks("variable", "kubernetes_version")["default"] == cloud_eks.KUBERNETES_VERSION
    ends = json.loads((MODULE.parent / "prices.json").read_text())["eks"]["standard_support_ends"]
    end = dt.date.fromisoformat(ends[cloud_eks.KUBERNETES_VERSION])
    assert (end - dt.date.today()).days >= 60, (
        f"Kubernetes {cloud_eks.KUBERNETES_VERSION} leaves standard support on {end}: move the "
        "default (and the calendar in terraform/prices.json) to a newer version"
    )
    assert cloud_eks.support_warning(today=dt.date.today()) is None
    day = dt.date(2026, 12, 6)
    assert "left EKS standard support on 2026-07-29" in cloud_eks.support_warning("1.33", day)
    old = cloud_eks.plan_class(30, WorkshopSettings(), kubernetes_version="1.33", today=day)
    new = cloud_eks.plan_class(30, WorkshopSettings(), kubernetes_version="1.35", today=day)
    assert round(old.fixed_usd - new.fixed_usd, 3) == 0.5  # $0.60 vs $0.10 per cluster hour


def test_gpu_nodes_carry_the_accelerator_label_the_autoscaler_reads():
    """The cluster autoscaler's AWS provider treats nodes labelled k8s.amazonaws.com/accelerator
    as GPU nodes (kubernetes/autoscaler, cloudprovider/aws: GPULabel); the label also reaches
    the node-template tags, so an empty GPU group scales from zero."""
    nodes = (MODULE / "nodes.tf").read_text()
    gpu_pool = nodes.split("gpu-users = {", 1)[1].split("\n    }", 1)[0]
    assert '"k8s.amazonaws.com/accelerator" = local.gpu_accelerator' in gpu_pool
    assert "for key, value in pool.labels" in nodes  # labels become node-template tags


def test_no_secret_passes_through_terraform():
    """The passwords go straight into a Kubernetes Secret with kubectl (hub/cloud/eks.py)."""
    for path in MODULE.glob("*.tf"):
        code = "\n".join(
            line for line in path.read_text().splitlines() if not line.strip().startswith("#")
        )
        code = re.sub(r'description\s*=\s*".*"', "", code)
        assert not re.search(r"password|secret_string|kubernetes_secret", code, re.I), path.name
    assert "sensitive" not in (MODULE / "outputs.tf").read_text()


def test_api_and_secrets_are_protected():
    (cluster,) = blocks("resource", "aws_eks_cluster").values()
    assert cluster["vpc_config"][0]["public_access_cidrs"] == "${var.admin_cidrs}"
    assert cluster["encryption_config"][0]["resources"] == ["secrets"]
    assert "default" not in variables()["admin_cidrs"]  # the instructor must say where from
    cni = blocks("resource", "aws_eks_addon")["vpc_cni"]
    assert "enableNetworkPolicy" in cni["configuration_values"]


def test_terraform_fmt():
    if not shutil.which("terraform"):
        pytest.skip("terraform CLI not installed")
    out = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", "-diff", str(MODULE)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


# --- terraform validate / test against the stand-ins, checkov (slow) ------------------------------
def module_copy(dest: Path, settings_overrides: dict | None = None) -> Path:
    """A copy of the module (and the price table it reads) with z2jh-values.yaml written."""
    shutil.copytree(
        MODULE, dest / "terraform" / "aws-eks", ignore=shutil.ignore_patterns(".terraform*")
    )
    shutil.copy(REPO_ROOT / "terraform" / "prices.json", dest / "terraform" / "prices.json")
    settings = WorkshopSettings.load(dest / "data", overrides=settings_overrides or {"gpu": "all"})
    values = dest / "terraform" / "aws-eks" / "z2jh-values.yaml"
    values.write_text(yaml.safe_dump(z2jh.chart_values(settings)), encoding="utf-8")
    return dest / "terraform" / "aws-eks"


@pytest.fixture(scope="module")
def offline_terraform(tmp_path_factory):
    if not shutil.which("terraform"):
        pytest.skip("terraform CLI not installed")
    from terraform_standin import standin_env

    work = tmp_path_factory.mktemp("eks")
    module = module_copy(work)
    env = standin_env(work / "cli", module)

    def run(*args, cwd=module):
        return subprocess.run(
            ["terraform", *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True
        )

    return module, run


@pytest.mark.slow
def test_terraform_validate_and_test(offline_terraform):
    module, run = offline_terraform
    out = run("validate")
    assert out.returncode == 0, out.stdout + out.stderr
    out = run("test")
    assert out.returncode == 0, out.stdout[-5000:] + out.stderr[-3000:]
    assert re.search(r"Success! (\d+) passed, 0 failed", out.stdout)


@pytest.mark.slow
def test_terraform_test_fails_when_a_node_can_reach_the_metadata_service(offline_terraform):
    module, run = offline_terraform
    weak = module.parent.parent / "weak" / "terraform" / "aws-eks"
    shutil.copytree(module, weak)
    shutil.copy(module.parent / "prices.json", weak.parent / "prices.json")
    nodes = weak / "nodes.tf"
    nodes.write_text(
        nodes.read_text().replace(
            "http_put_response_hop_limit = 1", "http_put_response_hop_limit = 2"
        )
    )
    # only the run that checks it, to keep this quick
    test = weak / "tests" / "eks.tftest.hcl"
    text = test.read_text()
    test.write_text(text[: text.index('run "the_chart_gets')])
    out = run("test", cwd=weak)
    assert out.returncode != 0
    assert "every node must require IMDSv2 with hop limit 1" in out.stdout + out.stderr


@pytest.mark.slow
def test_a_misspelt_argument_fails_validate(offline_terraform):
    module, run = offline_terraform
    bad = module.parent.parent / "bad" / "terraform" / "aws-eks"
    shutil.copytree(module, bad)
    shutil.copy(module.parent / "prices.json", bad.parent / "prices.json")
    apps = bad / "apps.tf"
    apps.write_text(apps.read_text().replace("volume_binding_mode", "volume_bind_mode"))
    out = run("validate", cwd=bad)
    assert out.returncode != 0 and "Unsupported argument" in out.stderr


@pytest.mark.slow
def test_checkov_finds_no_failed_check(tmp_path):
    from tool_cache import tool_venv

    checkov = tool_venv("checkov", CHECKOV) / "bin" / "checkov"
    out = subprocess.run(
        [str(checkov), "-d", str(MODULE), "--framework", "terraform", "--skip-download",
         "--compact", "-o", "json"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    import json

    report = json.loads(out.stdout)
    summary = report["summary"]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']})"
        for c in report["results"]["failed_checks"]
    ]
    assert summary["failed"] == 0, failed
    assert summary["passed"] > 100
    # every skip carries its reason next to it
    for skipped in report["results"]["skipped_checks"]:
        assert len(skipped["check_result"].get("suppress_comment", "")) > 20, skipped["check_id"]
