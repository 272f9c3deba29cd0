"""The cloud host's role reads only its own class's SSM parameters.

The role carries AWS's managed policy AmazonSSMManagedInstanceCore (Session Manager), which
allows ``ssm:GetParameter`` and ``ssm:GetParameters`` on ``*``: every parameter of the account,
other classes' passwords included. IAM cannot run here, so these tests evaluate the role's
policies (the managed one's parameter statement as AWS publishes it, and ours, from Terraform and
from CloudFormation) by AWS's documented evaluation logic: an explicit Deny overrides any Allow;
no Allow is an implicit deny.

Sources: AWS Managed Policy Reference Guide, "AmazonSSMManagedInstanceCore" (its statement with
ssm:GetParameter, ssm:GetParameters on Resource "*"); IAM User Guide, "Policy evaluation logic"
and "IAM JSON policy elements: NotResource".
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

import pytest
import yaml
from cloud_support import MODULE
from terraform_policy import load_config

from hub.cloud.template import render_template

#: the parameter-reading part of AmazonSSMManagedInstanceCore (AWS Managed Policy Reference)
MANAGED_SSM_CORE = {
    "Effect": "Allow",
    "Action": [
        "ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance",
        "ssm:GetDocument", "ssm:DescribeDocument", "ssm:GetManifest", "ssm:GetParameter",
        "ssm:GetParameters", "ssm:ListAssociations", "ssm:ListInstanceAssociations",
        "ssm:PutInventory", "ssm:PutComplianceItems", "ssm:PutConfigurePackageResult",
        "ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus",
        "ssm:UpdateInstanceInformation",
    ],
    "Resource": "*",
}  # fmt: skip
ACCOUNT, REGION, NAME = "123456789012", "us-west-2", "genomics-2026"


def _list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def decide(statements: list[dict], action: str, resource: str) -> str:
    """'Deny' (explicit), 'Allow', or 'ImplicitDeny', for IAM JSON statements."""

    def matches(st: dict) -> bool:
        if not any(fnmatchcase(action, a) for a in _list(st.get("Action"))):
            return False
        if "NotResource" in st:
            return not any(fnmatchcase(resource, r) for r in _list(st["NotResource"]))
        return any(fnmatchcase(resource, r) for r in _list(st.get("Resource")))

    hits = [st.get("Effect", "Allow") for st in statements if matches(st)]
    return "Deny" if "Deny" in hits else "Allow" if "Allow" in hits else "ImplicitDeny"


def _arn(name: str) -> str:
    return f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{name}"


def terraform_statements() -> list[dict]:
    values = {
        "data.aws_partition.current.partition": "aws",
        "var.aws_region": REGION,
        "data.aws_caller_identity.current.account_id": ACCOUNT,
        "local.parameter_path": f"/{NAME}",
    }

    def sub(text: str) -> str:
        return re.sub(r"\$\{([^}]+)\}", lambda m: values.get(m.group(1), m.group(0)), text)

    out = []
    cfg = load_config(MODULE)
    for st in cfg["data"]["aws_iam_policy_document"]["host"]["statement"]:
        item = {"Effect": st.get("effect", "Allow"), "Action": st["actions"]}
        if "not_resources" in st:
            item["NotResource"] = [sub(r) for r in st["not_resources"]]
        else:
            item["Resource"] = [sub(r) for r in st["resources"]]
        out.append(item)
    attached = cfg["resource"]["aws_iam_role_policy_attachment"]["ssm_core"]["policy_arn"]
    assert attached.endswith(":iam::aws:policy/AmazonSSMManagedInstanceCore")
    return [MANAGED_SSM_CORE, *out]


def cloudformation_statements() -> list[dict]:
    sha = "0" * 64
    template = yaml.safe_load(render_template("https://example.org/x.tar.gz", sha))
    role = template["Resources"]["HostRole"]["Properties"]
    assert any("AmazonSSMManagedInstanceCore" in str(arn) for arn in role["ManagedPolicyArns"])
    values = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT,
              "Name": NAME}  # fmt: skip

    def resolve(node):
        if isinstance(node, dict) and "Fn::Sub" in node and isinstance(node["Fn::Sub"], str):
            return re.sub(r"\$\{([^}]+)\}", lambda m: values.get(m.group(1), m.group(0)),
                          node["Fn::Sub"])  # fmt: skip
        if isinstance(node, list):
            return [resolve(n) for n in node]
        return node

    out = [MANAGED_SSM_CORE]
    for policy in role["Policies"]:
        for st in policy["PolicyDocument"]["Statement"]:
            out.append({k: resolve(v) for k, v in st.items()})
    return out


@pytest.mark.parametrize("source", ["terraform", "cloudformation"])
def test_the_host_reads_only_its_own_parameters(source):
    statements = terraform_statements() if source == "terraform" else cloudformation_statements()
    for action in ("ssm:GetParameter", "ssm:GetParameters"):
        assert decide(statements, action, _arn(f"/{NAME}/workshop-password")) == "Allow"
        assert decide(statements, action, _arn(f"/{NAME}/status")) == "Allow"
        # another class's password, and anything else in the account
        assert decide(statements, action, _arn("/other-class/admin-password")) == "Deny"
        assert decide(statements, action, _arn(f"/{NAME}-2/workshop-password")) == "Deny"
        assert decide(statements, action, _arn("/prod/database-url")) == "Deny"
    assert decide(statements, "ssm:PutParameter", _arn(f"/{NAME}/activity")) == "Allow"
    assert decide(statements, "ssm:PutParameter", _arn("/other/activity")) == "ImplicitDeny"
    # Session Manager itself still works
    assert decide(statements, "ssm:UpdateInstanceInformation", "*") == "Allow"
