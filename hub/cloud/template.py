"""The CloudFormation template of the single host (``workshop cloud template``).

``terraform/cloudformation/single-host.template.yaml`` is the skeleton. What has one source
elsewhere is filled in here: the allowed instance types and their GPUs and prices from
``terraform/prices.json``, and the user data, which is ``terraform/provision/user-data.yaml.tftpl``
itself under ``Fn::Sub`` (its ``${name}`` placeholders are Terraform's and CloudFormation's alike),
with each placeholder bound to a parameter, a resource, or the hub settings' default. So the
template and the Terraform module boot the same first boot.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from hub.cloud.prices import (
    AUTO_TYPE,
    describe_type,
    instance_types,
    learners_per_instance,
    load_prices,
    resolve_instance_type,
    types_that_hold,
)
from hub.paths import REPO_ROOT
from hub.settings import WorkshopSettings, parse_memory

SKELETON = REPO_ROOT / "terraform" / "cloudformation" / "single-host.template.yaml"
USER_DATA = REPO_ROOT / "terraform" / "provision" / "user-data.yaml.tftpl"
PRICE_REGION = "us-east-1"
# until a release is published (terraform/cloudformation/README.md), a visibly unusable default
UNPUBLISHED_BUNDLE_URL = "https://example.invalid/dragonn-workshop-unreleased.tar.gz"
UNPUBLISHED_SHA256 = "0" * 64


def user_data_bindings() -> dict:
    """Every placeholder of the user-data template -> its CloudFormation value.

    Settings the launch form does not ask for take the hub settings' defaults (the Terraform
    module's defaults are the same, which tests/test_terraform.py checks); "" and 0 mean
    "computed on the host" as in Terraform.
    """
    defaults = WorkshopSettings()
    return {
        "name": {"Ref": "Name"},
        "region": {"Ref": "AWS::Region"},
        "bucket": {"Ref": "Bucket"},
        "bundle_url": {"Ref": "BundleUrl"},
        "bundle_sha256": {"Ref": "BundleSha256"},
        "public_ip": {"Ref": "Address"},
        "https_domain": {"Ref": "HttpsDomain"},
        "homes_volume_id": {"Ref": "HomesVolume"},
        "image_base": {"Ref": "ImageBase"},
        "idle_stop_minutes": {"Ref": "IdleStopMinutes"},
        "class_size": {"Ref": "ClassSize"},
        "admin_users": {"Ref": "AdminUsers"},
        "acme_email": {"Ref": "AcmeEmail"},
        "hub_port": str(defaults.port),
        "image": defaults.image,
        "docker_network": defaults.docker_network,
        "volume_prefix": defaults.volume_prefix,
        "learner_memory": defaults.learner_memory,
        "learner_cpu": str(defaults.learner_cpu),
        "mem_limit": "",
        "cpu_limit": "0",
        "pids_limit": str(defaults.pids_limit),
        "disk_limit": defaults.disk_limit,
        "gpu": {"Ref": "Gpu"},
        "board": str(defaults.board).lower(),
        "concurrent_spawn_limit": "0",
        "start_timeout": str(defaults.start_timeout),
        "idle_timeout": {"Ref": "IdleTimeout"},
        "instance_type": {"Ref": "InstanceType"},
    }


def default_instance_type() -> str:
    """The InstanceType default: what ``instance_type auto`` gives the settings' default class
    in the price region (the launch form cannot compute it from ClassSize)."""
    d = WorkshopSettings()
    return resolve_instance_type(
        AUTO_TYPE, d.class_size, PRICE_REGION, d.learner_memory, d.learner_cpu
    )[0]


def class_fit_rules() -> dict:
    """CloudFormation ``Rules``: for each instance type, ClassSize must be one of 1..(the
    learners one host holds at the settings' default learner_memory and learner_cpu).

    Rules are checked when the stack is created or updated, before any resource is (AWS
    CloudFormation User Guide, "Rules section syntax"; rule functions have no numeric
    comparison, so the allowed sizes are listed); tests/test_cloudformation.py evaluates them."""
    d = WorkshopSettings()
    learner_bytes = parse_memory("learner_memory", d.learner_memory)
    rules = {}
    for t in instance_types():
        holds = learners_per_instance(t, learner_bytes, d.learner_cpu)
        gpu = load_prices()["instance_types"][t]["gpus"] > 0
        bigger = [
            b
            for b in types_that_hold(holds + 1, PRICE_REGION, learner_bytes, d.learner_cpu, gpu)
            if b != t
        ]
        advice = f"; or InstanceType {bigger[0]} (holds more)" if bigger else ""
        rules["ClassFits" + re.sub(r"[^A-Za-z0-9]", "", t.title())] = {
            "RuleCondition": {"Fn::Equals": [{"Ref": "InstanceType"}, t]},
            "Assertions": [
                {
                    "Assert": {
                        "Fn::Contains": [
                            [str(n) for n in range(1, holds + 1)],
                            {"Ref": "ClassSize"},
                        ]
                    },
                    "AssertDescription": (
                        f"One {t} ({describe_type(t)}) holds at most {holds} learners at "
                        f"{d.learner_memory} and {d.learner_cpu:g} vCPU each: set ClassSize to "
                        f"{holds} or less{advice}."
                    ),
                }
            ],
        }
    return rules


#: a subnet comes with its VPC (the security group must be in it), and a VPC only with a subnet
SUBNET_RULES = {
    "SubnetNeedsItsVpc": {
        "RuleCondition": {"Fn::Not": [{"Fn::Equals": [{"Ref": "SubnetId"}, ""]}]},
        "Assertions": [
            {
                "Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": "VpcId"}, ""]}]},
                "AssertDescription": "SubnetId is set: give its VpcId too (VPC console, Subnets).",
            }
        ],
    },
    "VpcNeedsASubnet": {
        "RuleCondition": {"Fn::Not": [{"Fn::Equals": [{"Ref": "VpcId"}, ""]}]},
        "Assertions": [
            {
                "Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": "SubnetId"}, ""]}]},
                "AssertDescription": "VpcId is set: give a public SubnetId of it too.",
            }
        ],
    },
}


def render_template(
    bundle_url: str = UNPUBLISHED_BUNDLE_URL, bundle_sha256: str = UNPUBLISHED_SHA256
) -> str:
    """The complete template (YAML), with ``bundle_url``/``bundle_sha256`` as the defaults of
    the BundleUrl and BundleSha256 parameters (a release's tarball)."""
    if not re.fullmatch(r"[0-9a-f]{64}", bundle_sha256):
        raise ValueError(f"bundle_sha256 must be 64 lower-case hex digits, got {bundle_sha256!r}")
    if not bundle_url.startswith(("https://", "s3://")):
        raise ValueError(f"bundle_url must start with https:// or s3://, got {bundle_url!r}")
    template = yaml.safe_load(SKELETON.read_text(encoding="utf-8"))
    prices = load_prices()
    types = instance_types()
    params = template["Parameters"]
    params["InstanceType"]["AllowedValues"] = types
    params["InstanceType"]["Default"] = default_instance_type()
    params["InstanceType"]["Description"] = (
        "The default holds the default ClassSize; g4dn.xlarge (1x NVIDIA T4, about $0.53/h) "
        "holds 3 learners: the runbook's cost table lists each type's class; g6/g5 are faster; "
        "m7i/c7i have no GPU."
    )
    template["Rules"] = {**class_fit_rules(), **SUBNET_RULES}
    params["BundleUrl"]["Default"] = bundle_url
    params["BundleSha256"]["Default"] = bundle_sha256
    us_east = prices["regions"][PRICE_REGION]["instances_usd_per_hour"]
    template["Mappings"]["InstanceTypes"] = {
        t: {
            "Gpus": str(prices["instance_types"][t]["gpus"]),
            "UsdPerHourUsEast1": str(us_east.get(t, "unknown")),
        }
        for t in types
    }
    text = USER_DATA.read_text(encoding="utf-8")
    template["Resources"]["Host"]["Properties"]["UserData"] = {
        "Fn::Base64": {"Fn::Sub": [text, user_data_bindings()]}
    }
    header = (
        "# DragoNN Workshop single host, made by `workshop cloud template` from\n"
        "# terraform/cloudformation/single-host.template.yaml: edit that, not this.\n"
    )
    return header + yaml.safe_dump(template, sort_keys=False, width=100, allow_unicode=True)


def write_template(path: str | Path, **kwargs) -> Path:
    path = Path(path)
    path.write_text(render_template(**kwargs), encoding="utf-8")
    return path
