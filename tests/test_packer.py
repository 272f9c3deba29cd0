"""``terraform/packer``: the baked AMI's template, policy-tested with python-hcl2.

Packer cannot validate a modern HCL2 template here (Debian's packer 1.6.6 knows only legacy JSON
templates, and ``packer init`` downloads plugins), so the template is parsed and held to the
policy: IMDSv2 only, encrypted boot and volumes, the DLAMI from its public SSM parameter, tags
that say what is inside, and the one provisioning script run with ``--bake``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKER = REPO_ROOT / "terraform" / "packer"
TEMPLATE = PACKER / "dragonn-workshop.pkr.hcl"
BAKE = PACKER / "bake.sh"
DLAMI_PARAMETER = (
    "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id"
)


def unquote(value):
    if isinstance(value, str):
        return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    if isinstance(value, list):
        return [unquote(v) for v in value]
    if isinstance(value, dict):
        return {unquote(k): unquote(v) for k, v in value.items() if k != "__is_block__"}
    return value


def load(text: str | None = None) -> dict:
    import hcl2

    return unquote(hcl2.loads(text if text is not None else TEMPLATE.read_text()))


def check_policy(doc: dict) -> None:
    """Raise AssertionError where the template breaks the AMI policy."""
    (source,) = [body for block in doc["source"] for body in block["amazon-ebs"].values()]
    assert source["imds_support"] == "v2.0", "hosts from the AMI must require IMDSv2"
    (meta,) = source["metadata_options"]
    assert meta["http_tokens"] == "required" and meta["http_put_response_hop_limit"] == 1, (
        "the build instance must require IMDSv2 with hop limit 1"
    )
    # encrypted unless building the copy to make public (AWS cannot publish encrypted AMIs)
    (public,) = [v["public"] for v in doc["variable"] if "public" in v]
    assert public["default"] is False
    assert source["encrypt_boot"] == "${!var.public}", "the AMI's boot volume must be encrypted"
    for device in source["launch_block_device_mappings"]:
        assert device["encrypted"] == "${!var.public}", "the build volume must be encrypted"
        assert device["volume_type"] == "gp3"
    (data,) = [body for block in doc["data"] for body in block["amazon-parameterstore"].values()]
    assert data["name"] == DLAMI_PARAMETER
    assert source["source_ami"] == "${data.amazon-parameterstore.dlami.value}"
    tags = doc["locals"][0]["tags"]
    for key in ("Version", "BundleSha256", "SourceAmi", "Project"):
        assert key in tags, f"the AMI's tags must say its {key}"
    assert source["tags"] == source["snapshot_tags"] == "${local.tags}"
    (build,) = doc["build"]
    shells = [p["shell"] for p in build["provisioner"] if "shell" in p]
    assert [s["script"] for s in shells] == ["${path.root}/bake.sh"]


def test_template_meets_the_ami_policy():
    check_policy(load())


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("encrypt_boot = !var.public", "encrypt_boot = false", "encrypted"),
        ('imds_support = "v2.0"', 'imds_support = ""', "IMDSv2"),
        ("http_put_response_hop_limit = 1", "http_put_response_hop_limit = 2", "hop limit"),
    ],
)
def test_policy_check_fails_on_a_weakened_template(old, new, message):
    text = TEMPLATE.read_text()
    assert old in re.sub(r" +", " ", text)
    weakened = re.sub(re.escape(old).replace(r"\ ", r"\s+"), new, text)
    with pytest.raises(AssertionError, match=message):
        check_policy(load(weakened))


def test_bake_runs_the_one_provisioning_script_with_bake():
    script = BAKE.read_text()
    assert re.search(r'"\$root/bundle/terraform/provision/provision\.sh" --bake\s*$', script)
    assert "sha256sum -c" in script  # the uploaded bundle is the one the tags name


def test_bake_lays_the_bundle_out_as_the_user_data_does():
    """A host from the AMI runs the single host's user data: it must find the bundle where that
    user data looks (then it skips the download and provision.sh keeps the built image)."""
    user_data = REPO_ROOT / "terraform" / "provision" / "user-data.yaml.tftpl"
    if not user_data.exists():
        pytest.skip("terraform/provision/user-data.yaml.tftpl is not on this branch yet")
    ud = user_data.read_text()
    bake = BAKE.read_text()
    assert "root=/opt/dragonn-workshop" in ud and "root=/opt/dragonn-workshop" in bake
    assert '"$root/bundles/$CLOUD_BUNDLE_SHA256.tar.gz"' in ud
    assert '"$root/bundles/$BUNDLE_SHA256.tar.gz"' in bake
    for text, var in ((ud, "CLOUD_BUNDLE_SHA256"), (bake, "BUNDLE_SHA256")):
        assert f'dest="$root/bundle-$(echo "${var}" | cut -c1-16)"' in text
        assert 'ln -sfn "$dest" "$root/bundle"' in text
    assert (REPO_ROOT / "terraform" / "provision" / "provision.sh").exists()
    assert "--bake" in (REPO_ROOT / "terraform" / "provision" / "provision.sh").read_text()


def test_bake_script_passes_shellcheck():
    exe = shutil.which("shellcheck")
    if not exe:
        pytest.skip("shellcheck not installed (tests/system_deps.sh installs it)")
    out = subprocess.run([exe, str(BAKE)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout


def test_template_is_formatted():
    exe = shutil.which("terraform")
    if not exe:
        pytest.skip("terraform CLI not installed")
    out = subprocess.run(
        [exe, "fmt", "-"], input=TEMPLATE.read_text(), capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout == TEMPLATE.read_text()
