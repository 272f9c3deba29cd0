"""The release dry run (hub/cloud/release.py): every artifact the "Launch stack" link needs,
built here at the keys the link names, and checked: link <-> key <-> parameters <-> the bundle's
SHA-256. The released template itself (not the skeleton) then passes cfn-lint and creates the
stack in moto with the link's parameters, booting user data that names the released bundle.

What cannot run here: S3 serving the objects to anyone (the workflow reads each URL back with
curl and no credentials, after upload; AWS S3 User Guide, "Bucket policy examples: granting
read-only permission to a public anonymous user").
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from cloud_support import MotoServer

from hub.cloud import release

GPU_AMI = (
    "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id"
)
CPU_AMI = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    return out, release.build(out)


def test_the_dry_run_builds_what_the_links_name_and_it_checks_clean(built):
    out, manifest = built
    version = release.project_version()
    assert manifest["keys"] == {
        "template": f"v{version}/single-host.yaml",
        "bundle": f"v{version}/dragonn-workshop-v{version}.tar.gz",
    }
    assert (out / manifest["keys"]["template"]).exists()
    assert (out / manifest["keys"]["bundle"]).exists()
    assert release.check(out) == []
    readme_link = dict(release.launch_links())["README.md"]
    query = parse_qs(urlsplit(readme_link).fragment.split("?", 1)[1])
    assert query["templateURL"] == [manifest["urls"]["template"]]


def test_the_released_bundle_is_the_one_cloud_up_installs(built, tmp_path):
    """Byte for byte what `workshop cloud up` uploads from this checkout, the tarball whose
    first boot tests/test_cloud_init.py runs to `ready`."""
    from hub.cloud.terraform import make_bundle

    out, manifest = built
    assert make_bundle(tmp_path / "up.tar.gz") == manifest["bundle_sha256"]


def test_the_check_catches_each_mismatch(built, tmp_path):
    out, manifest = built
    import shutil

    bad = tmp_path / "dist"
    shutil.copytree(out, bad)
    template = bad / manifest["keys"]["template"]
    # the skeleton uploaded instead of the rendered template (what the old workflow did)
    skeleton = release.REPO_ROOT / "terraform" / "cloudformation" / "single-host.template.yaml"
    good = template.read_text()
    template.write_text(skeleton.read_text())
    assert any("skeleton" in p for p in release.check(bad))
    template.write_text(good)
    # a bundle rebuilt after the template: the host would refuse it
    bundle = bad / manifest["keys"]["bundle"]
    bundle.write_bytes(bundle.read_bytes() + b"\0")
    assert any("BundleSha256" in p for p in release.check(bad))
    # a release of another version than the links name
    other = tmp_path / "other"
    release.build(other, version="9.9.9")
    assert any("templateURL" in p for p in release.check(other))


def test_a_link_parameter_the_template_refuses_is_caught(built, tmp_path):
    out, _ = built
    root = tmp_path / "root"
    (root / "docs").mkdir(parents=True)
    link = dict(release.launch_links())["README.md"]
    for bad, why in ((link.replace("param_ClassSize=12", "param_ClassSize=30"), "holds at most"),
                     (link + "&param_Learners=3", "no parameter")):  # fmt: skip
        (root / "README.md").write_text(f"[Launch stack]({bad})\n")
        assert any(why in p for p in release.check(out, root=root)), why


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_released_template_lints_and_launches_the_links_stack_in_moto(built):
    out, manifest = built
    body = (out / manifest["keys"]["template"]).read_text()
    lint = str(Path(sys.executable).parent / "cfn-lint")
    result = subprocess.run([lint, str(out / manifest["keys"]["template"])],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    link = dict(release.launch_links())["README.md"]
    query = parse_qs(urlsplit(link).fragment.split("?", 1)[1])
    params = {k[len("param_") :]: v[0] for k, v in query.items() if k.startswith("param_")}
    # what the form asks for and the link cannot fill in
    params.update({"AvailabilityZone": "us-east-1b", "StopTimezone": "America/New_York"})
    assert release.rule_failures(yaml.safe_load(body), params) == []
    with MotoServer() as moto:
        moto.reset()  # moto's backends are per process: no stack or VPC of another test
        ssm, ec2, cfn = moto.client("ssm"), moto.client("ec2"), moto.client("cloudformation")
        stand_in = ssm.get_parameters_by_path(Path="/aws/service/ami-amazon-linux-latest")
        stand_in = stand_in["Parameters"][0]["Name"]
        body = body.replace(GPU_AMI, stand_in).replace(CPU_AMI, stand_in)
        cfn.create_stack(
            StackName=query["stackName"][0],
            TemplateBody=body,
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
            Capabilities=["CAPABILITY_IAM"],
        )
        for _ in range(120):
            stack = cfn.describe_stacks(StackName=query["stackName"][0])["Stacks"][0]
            if not stack["StackStatus"].endswith("IN_PROGRESS"):
                break
            time.sleep(0.5)
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        raw = ec2.describe_instance_attribute(InstanceId=outputs["InstanceId"],
                                              Attribute="userData")  # fmt: skip
        user_data = base64.b64decode(raw["UserData"]["Value"]).decode()
        instance = ec2.describe_instances(InstanceIds=[outputs["InstanceId"]])
        itype = instance["Reservations"][0]["Instances"][0]["InstanceType"]
    assert itype == params["InstanceType"]
    assert manifest["urls"]["bundle"] in user_data and manifest["bundle_sha256"] in user_data
    assert (
        json.loads((out / "release.json").read_text())["bundle_sha256"]
        == (manifest["bundle_sha256"])
    )
