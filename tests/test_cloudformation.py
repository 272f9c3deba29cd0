"""The CloudFormation twin (``workshop cloud template``) stays in step with the Terraform module.

Fast: the same instance types and prices as terraform/prices.json, the same AMI lookup, IMDS,
volumes and ports as the module; every ``param_`` of every "Launch stack" link is a real,
non-NoEcho parameter. Slow: cfn-lint (and a broken copy failing it), checkov, and the stack created
in moto, whose stored user data is byte-identical to Terraform's rendering with the same values.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from cloud_support import (
    MODULE,
    REGION,
    REPO_ROOT,
    MotoServer,
    cfn_rule_failures,
    render_user_data,
    user_data_values,
)

from hub.cloud.prices import AUTO_TYPE, class_fit_problem, load_prices, resolve_instance_type
from hub.cloud.template import SKELETON, render_template, user_data_bindings
from hub.cloud.terraform import settings_variables
from hub.settings import WorkshopSettings

GPU_AMI = (
    "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id"
)
CPU_AMI = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"
SHA = "4a2e0fb5c8a1d7e3b9f6042c1d8e7a5b3c9f0e2d4a6b8c0e1f3a5b7d9c2e4f6a"
LINK_DOCS = [
    REPO_ROOT / "README.md",
    REPO_ROOT / "terraform" / "cloudformation" / "README.md",
    REPO_ROOT / "docs" / "instructor-runbook.md",
]


@pytest.fixture(scope="module")
def template() -> dict:
    return yaml.safe_load(render_template("https://example.org/dragonn-workshop.tar.gz", SHA))


# --- fast ------------------------------------------------------------------------------------------
def test_same_instance_types_and_prices_as_the_price_table(template):
    prices = load_prices()
    types = template["Parameters"]["InstanceType"]
    assert set(types["AllowedValues"]) == set(prices["instance_types"])
    d = WorkshopSettings()
    assert d.instance_type == AUTO_TYPE
    # the form cannot compute "auto": its default is what auto gives the default class
    assert (
        types["Default"]
        == resolve_instance_type(
            AUTO_TYPE, d.class_size, "us-east-1", d.learner_memory, d.learner_cpu
        )[0]
        == "g4dn.12xlarge"
    )
    mapping = template["Mappings"]["InstanceTypes"]
    us_east = prices["regions"]["us-east-1"]["instances_usd_per_hour"]
    for name, info in prices["instance_types"].items():
        assert mapping[name]["Gpus"] == str(info["gpus"])
        assert float(mapping[name]["UsdPerHourUsEast1"]) == us_east[name]


def test_same_ami_lookup_imds_volumes_and_ports_as_terraform(template):
    main = (MODULE / "main.tf").read_text()
    params, res = template["Parameters"], template["Resources"]
    assert params["GpuAmi"]["Default"] == GPU_AMI and GPU_AMI in main
    assert params["CpuAmi"]["Default"] == CPU_AMI and CPU_AMI in main
    data = res["HostTemplate"]["Properties"]["LaunchTemplateData"]
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert data["MetadataOptions"]["HttpPutResponseHopLimit"] == 1
    (root,) = data["BlockDeviceMappings"]
    assert root["Ebs"]["Encrypted"] is True and root["Ebs"]["VolumeType"] == "gp3"
    homes = res["HomesVolume"]["Properties"]
    assert homes["Encrypted"] is True and homes["VolumeType"] == "gp3"
    assert res["HomesAttachment"]["Properties"]["Device"] == "/dev/sdf"
    assert res["Host"]["Properties"]["InstanceInitiatedShutdownBehavior"] == "stop"
    ingress = res["SecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert sorted(r["FromPort"] for r in ingress) == [80, 443]
    # LearnerCidr narrows HTTPS only: the CA's HTTP challenge comes from unpublished addresses
    cidrs = {r["FromPort"]: r["CidrIp"] for r in ingress}
    assert cidrs == {443: {"Ref": "LearnerCidr"}, 80: "0.0.0.0/0"}
    network = (MODULE / "network.tf").read_text().split('"http" {', 1)[1].split("\n}", 1)[0]
    assert 'cidr_ipv4         = "0.0.0.0/0"' in network and "for_each" not in network
    assert res["SshIngress"]["Condition"] == "HasSsh"
    assert res["StopSchedule"]["Properties"]["Target"]["Arn"]["Fn::Sub"].endswith(
        "aws-sdk:ec2:stopInstances"
    )
    for name, param in params.items():
        assert not param.get("NoEcho"), f"{name}: no secret is a parameter"
        assert not re.search("password|secret|token", name, re.I), name
    # defaults the launch form shares with the module
    tfvars = json.loads(json.dumps(settings_variables(WorkshopSettings())))
    assert params["ClassSize"]["Default"] == tfvars["class_size"]
    assert params["AdminUsers"]["Default"] == ",".join(tfvars["admin_users"])
    assert params["Gpu"]["Default"] == tfvars["gpu"]
    assert params["IdleTimeout"]["Default"] == tfvars["idle_timeout"]


def test_user_data_is_the_shared_template_bound_to_parameters(template):
    sub = template["Resources"]["Host"]["Properties"]["UserData"]["Fn::Base64"]["Fn::Sub"]
    text, bindings = sub
    assert text == (REPO_ROOT / "terraform" / "provision" / "user-data.yaml.tftpl").read_text()
    assert bindings == user_data_bindings()
    refs = {v["Ref"] for v in bindings.values() if isinstance(v, dict) and "Ref" in v}
    assert refs - {"AWS::Region"} <= set(template["Parameters"]) | set(template["Resources"])
    defaults = WorkshopSettings()
    assert bindings["hub_port"] == str(defaults.port)
    assert bindings["image"] == defaults.image


def _links() -> list[tuple[Path, str]]:
    found = []
    for doc in LINK_DOCS:
        if doc.exists():
            for url in re.findall(
                r"\((https://[^)\s]*stacks/quickcreate[^)\s]*)\)", doc.read_text()
            ):
                found.append((doc, url))
    return found


def test_every_launch_link_names_real_parameters(template):
    links = _links()
    assert any(doc.name == "README.md" and doc.parent == REPO_ROOT for doc, _ in links), (
        "the README has a Launch stack link"
    )
    for doc, url in links:
        query = parse_qs(urlsplit(url).fragment.split("?", 1)[1])
        assert query["templateURL"][0].startswith("https://"), (doc, url)
        assert query["stackName"][0]
        for key, values in query.items():
            if key.startswith("param_"):
                name = key[len("param_") :]
                assert name in template["Parameters"], f"{doc.name}: {name} is no parameter"
                param = template["Parameters"][name]
                assert not param.get("NoEcho"), f"{doc.name}: {name} is NoEcho"
                if "AllowedValues" in param:
                    assert values[0] in param["AllowedValues"], (name, values)
                if "AllowedPattern" in param:
                    assert re.fullmatch(param["AllowedPattern"], values[0]), (name, values)
        # the class the link launches fits the type it launches (what `workshop cloud up` checks)
        params = {k[len("param_") :]: v[0] for k, v in query.items() if k.startswith("param_")}
        defaults = WorkshopSettings()
        assert (
            class_fit_problem(
                int(params.get("ClassSize", template["Parameters"]["ClassSize"]["Default"])),
                params.get("InstanceType", template["Parameters"]["InstanceType"]["Default"]),
                "us-east-1",
                defaults.learner_memory,
                defaults.learner_cpu,
            )
            is None
        ), (doc.name, params)


def test_rules_refuse_a_class_the_type_cannot_hold_before_anything_is_created(template):
    """Untouched, the form launches a class that fits; for every type, the rules refuse exactly
    the classes `workshop cloud up` refuses (moto does not evaluate rules: cfn_rule_failures
    stands in, per the CloudFormation User Guide's rules reference)."""
    assert cfn_rule_failures(template, {}) == []
    d = WorkshopSettings()
    for t in template["Parameters"]["InstanceType"]["AllowedValues"]:
        for size in (1, 2, 3, 4, 7, 8, 12, 13, 14, 15, 29, 30, 43, 44, 48, 49, 2000):
            refused = cfn_rule_failures(template, {"InstanceType": t, "ClassSize": str(size)})
            problem = class_fit_problem(size, t, "us-east-1", d.learner_memory, d.learner_cpu)
            assert bool(refused) == bool(problem), (t, size, refused, problem)
    (why,) = cfn_rule_failures(template, {"InstanceType": "g4dn.xlarge", "ClassSize": "30"})
    assert "One g4dn.xlarge" in why and "holds at most 3 learners" in why
    assert "set ClassSize to 3 or less; or InstanceType g4dn.2xlarge" in why


def test_a_subnet_replaces_the_default_vpc_and_comes_with_its_vpc(template):
    res = template["Resources"]
    assert res["Host"]["Properties"]["SubnetId"] == {
        "Fn::If": ["HasSubnet", {"Ref": "SubnetId"}, {"Ref": "AWS::NoValue"}]
    }
    assert res["SecurityGroup"]["Properties"]["VpcId"]["Fn::If"][0] == "HasSubnet"
    subnet = {"SubnetId": "subnet-0123456789abcdef0"}
    assert cfn_rule_failures(template, subnet) == [
        "SubnetId is set: give its VpcId too (VPC console, Subnets)."
    ]
    assert cfn_rule_failures(template, {**subnet, "VpcId": "vpc-0123456789abcdef0"}) == []
    assert cfn_rule_failures(template, {"VpcId": "vpc-0123456789abcdef0"})


def test_template_refuses_a_bad_release():
    with pytest.raises(ValueError, match="bundle_sha256 must be 64"):
        render_template("https://example.org/x.tar.gz", "abc")
    with pytest.raises(ValueError, match="bundle_url must start with"):
        render_template("ftp://example.org/x.tar.gz", SHA)
    assert "@@" not in render_template("https://example.org/x.tar.gz", SHA)
    assert "@@" in SKELETON.read_text()


# --- slow ------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_cfn_lint_passes_and_catches_a_broken_copy(tmp_path):
    good = tmp_path / "single-host.yaml"
    good.write_text(render_template("https://example.org/x.tar.gz", SHA))
    start = time.monotonic()
    lint = str(Path(sys.executable).parent / "cfn-lint")
    out = subprocess.run([lint, str(good)], capture_output=True, text=True)
    seconds = time.monotonic() - start
    assert out.returncode == 0, out.stdout + out.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        good.read_text().replace("InstanceInitiatedShutdownBehavior", "ShutdownBehaviour")
    )
    out = subprocess.run([lint, str(broken)], capture_output=True, text=True)
    assert out.returncode != 0 and "ShutdownBehaviour" in out.stdout
    print(f"\ncfn-lint: {seconds:.1f} s")


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_checkov_passes_the_template(tmp_path):
    from test_terraform import CHECKOV
    from tool_cache import tool_venv

    path = tmp_path / "cfn" / "single-host.yaml"
    path.parent.mkdir()
    path.write_text(render_template("https://example.org/x.tar.gz", SHA))
    venv = tool_venv("checkov", CHECKOV)
    out = subprocess.run(
        [str(venv / "bin" / "checkov"), "-d", str(path.parent), "--framework", "cloudformation",
         "--skip-download", "--compact", "-o", "json"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    report = json.loads(out.stdout)
    report = report[0] if isinstance(report, list) else report
    failed = [f"{c['check_id']} {c['resource']}" for c in report["results"]["failed_checks"]]
    assert not failed, "\n".join(failed)
    for check in report["results"]["skipped_checks"]:
        assert len(check["check_result"].get("suppress_comment") or "") > 15, check["check_id"]
    assert report["summary"]["passed"] > 15


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_stack_in_moto_has_the_resources_and_terraforms_user_data(tmp_path):
    body = render_template("https://example.org/dragonn-workshop.tar.gz", SHA)
    with MotoServer() as moto:
        moto.reset()  # moto's backends are per process: no stack of another test
        ssm, ec2, cfn = moto.client("ssm"), moto.client("ec2"), moto.client("cloudformation")
        # moto resolves SSM-typed parameter defaults, and reserves /aws/: point both AMI
        # parameters at a public one moto ships (the real paths are checked above)
        public = ssm.get_parameters_by_path(Path="/aws/service/ami-amazon-linux-latest")
        stand_in = public["Parameters"][0]["Name"]
        body = body.replace(GPU_AMI, stand_in).replace(CPU_AMI, stand_in)
        params = {"AvailabilityZone": "us-east-1b", "Name": "genomics-2026", "ClassSize": "12",
                  "InstanceType": "g4dn.4xlarge", "AdminUsers": "ada,grace", "HttpsDomain": "",
                  "IdleStopMinutes": "90", "StopTimezone": "America/Los_Angeles"}  # fmt: skip
        # CloudFormation checks the rules before creating anything; moto does not
        assert cfn_rule_failures(yaml.safe_load(body), params) == []
        start = time.monotonic()
        cfn.create_stack(
            StackName="dragonn-workshop",
            TemplateBody=body,
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
            Capabilities=["CAPABILITY_IAM"],
        )
        for _ in range(120):
            stack = cfn.describe_stacks(StackName="dragonn-workshop")["Stacks"][0]
            if not stack["StackStatus"].endswith("IN_PROGRESS"):
                break
            time.sleep(0.5)
        seconds = time.monotonic() - start
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        resources = {
            r["LogicalResourceId"]: r.get("PhysicalResourceId")
            for r in cfn.describe_stack_resources(StackName="dragonn-workshop")["StackResources"]
            if "LogicalResourceId" in r  # moto lists unsupported types without names
        }
        for name in ("Bucket", "SecurityGroup", "Address", "HostRole", "HostProfile",
                     "HostTemplate", "HomesVolume", "Host", "StatusParameter", "StopRole"):  # fmt: skip
            assert resources.get(name), f"{name} missing from the stack"
        ip = resources["Address"]
        assert outputs["Url"] == f"https://{ip.replace('.', '-')}.sslip.io/"
        assert outputs["InstanceId"] == resources["Host"]
        assert outputs["StatusParameter"] == "/genomics-2026/status"
        assert ssm.get_parameter(Name="/genomics-2026/status")["Parameter"]["Value"] == "launching"
        assert float(outputs["InstanceCostPerHourUsd"]) == 1.204

        instance = ec2.describe_instances(InstanceIds=[resources["Host"]])["Reservations"][0][
            "Instances"
        ][0]
        assert instance["InstanceType"] == "g4dn.4xlarge"  # (moto places it in its own zone)
        volume = ec2.describe_volumes(VolumeIds=[resources["HomesVolume"]])["Volumes"][0]
        assert volume["AvailabilityZone"] == "us-east-1b"
        assert volume["Attachments"][0]["InstanceId"] == resources["Host"]
        lt = ec2.describe_launch_template_versions(LaunchTemplateId=resources["HostTemplate"])
        meta = lt["LaunchTemplateVersions"][0]["LaunchTemplateData"]["MetadataOptions"]
        assert meta["HttpTokens"] == "required" and meta["HttpPutResponseHopLimit"] == 1

        raw = ec2.describe_instance_attribute(InstanceId=resources["Host"], Attribute="userData")
        from_cfn = base64.b64decode(raw["UserData"]["Value"]).decode()

    values = user_data_values(
        name="genomics-2026", region=REGION, bucket=resources["Bucket"],
        bundle_url="https://example.org/dragonn-workshop.tar.gz", bundle_sha256=SHA,
        public_ip=ip, homes_volume_id=resources["HomesVolume"], class_size=12,
        admin_users="ada,grace", idle_stop_minutes=90, instance_type="g4dn.4xlarge",
    )  # fmt: skip
    from_terraform = render_user_data(values, tmp_path / "render")
    assert from_cfn == from_terraform
    print(
        f"\nmoto stack: CREATE_COMPLETE in {seconds:.1f} s; user data identical ({len(from_cfn)} bytes)"
    )


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_stack_in_an_account_without_a_default_vpc(tmp_path):
    """With SubnetId and VpcId the stack needs no default VPC: moto's default VPC is deleted
    first, as many organisations' accounts have none."""
    body = render_template("https://example.org/dragonn-workshop.tar.gz", SHA)
    with MotoServer() as moto:
        moto.reset()  # moto's backends are per process: start clean, and leave clean below
        ssm, ec2, cfn = moto.client("ssm"), moto.client("ec2"), moto.client("cloudformation")
        stand_in = ssm.get_parameters_by_path(Path="/aws/service/ami-amazon-linux-latest")
        stand_in = stand_in["Parameters"][0]["Name"]
        body = body.replace(GPU_AMI, stand_in).replace(CPU_AMI, stand_in)
        for vpc in ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]:
            for sub in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])[
                "Subnets"
            ]:
                ec2.delete_subnet(SubnetId=sub["SubnetId"])
            ec2.delete_vpc(VpcId=vpc["VpcId"])
        vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24",
                                   AvailabilityZone="us-east-1c")["Subnet"]["SubnetId"]  # fmt: skip
        params = {"AvailabilityZone": "us-east-1c", "ClassSize": "3",
                  "InstanceType": "g4dn.xlarge", "StopTimezone": "America/New_York",
                  "SubnetId": subnet, "VpcId": vpc}  # fmt: skip
        assert cfn_rule_failures(yaml.safe_load(body), params) == []
        cfn.create_stack(
            StackName="no-default-vpc",
            TemplateBody=body,
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
            Capabilities=["CAPABILITY_IAM"],
        )
        for _ in range(120):
            stack = cfn.describe_stacks(StackName="no-default-vpc")["Stacks"][0]
            if not stack["StackStatus"].endswith("IN_PROGRESS"):
                break
            time.sleep(0.5)
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        instance = ec2.describe_instances(InstanceIds=[outputs["InstanceId"]])["Reservations"][0][
            "Instances"
        ][0]
        assert instance["SubnetId"] == subnet and instance["VpcId"] == vpc
        group = cfn.describe_stack_resource(
            StackName="no-default-vpc", LogicalResourceId="SecurityGroup"
        )["StackResourceDetail"]["PhysicalResourceId"]
        groups = ec2.describe_security_groups()["SecurityGroups"]
        assert [g["VpcId"] for g in groups if group in (g["GroupId"], g["GroupName"])] == [vpc]
        moto.reset()  # the default VPC back for the next test in this process
