"""Policy checks of the Terraform configuration, read with python-hcl2 (no provider, no cloud).

:func:`violations` returns what a configuration folder breaks; ``tests/test_terraform.py`` runs it
on the real module (expecting none) and on mutated copies (expecting each rule to fire), so a
weakened IMDS setting, an unencrypted volume or SSH open to the world fails the suite.
"""

from __future__ import annotations

import re
from pathlib import Path

SECRET_WORDS = re.compile(r"password|secret|token|private_key", re.IGNORECASE)
# resources whose schema has no tags argument (or whose tags would be meaningless)
UNTAGGABLE = {
    "aws_eip_association",
    "aws_volume_attachment",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_route53_record",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_scheduler_schedule",  # EventBridge Scheduler schedules take no tags
}


def load_config(folder: Path) -> dict:
    """``{"resource": {type: {name: body}}, "variable": {...}, "output": {...}, ...}`` of the
    ``.tf`` files in ``folder`` (string quotes stripped; blocks are lists of dicts)."""
    import hcl2
    from hcl2 import SerializationOptions

    options = SerializationOptions(strip_string_quotes=True)
    merged: dict = {}
    for path in sorted(Path(folder).glob("*.tf")):
        with open(path, encoding="utf-8") as fh:
            doc = hcl2.load(fh, serialization_options=options)
        for kind in ("resource", "data"):
            for block in doc.get(kind, []):
                for type_name, named in block.items():
                    merged.setdefault(kind, {}).setdefault(type_name, {}).update(named)
        for kind in ("variable", "output", "module"):
            for block in doc.get(kind, []):
                merged.setdefault(kind, {}).update(block)
        for block in doc.get("locals", []):
            merged.setdefault("locals", {}).update(block)
    return merged


def _first(block):
    return block[0] if isinstance(block, list) else block


def violations(folder: Path, user_data_template: Path | None = None) -> list[str]:
    """Every rule ``folder``'s configuration breaks, as readable sentences."""
    cfg = load_config(folder)
    res = cfg.get("resource", {})
    out: list[str] = []

    # IMDSv2 required, hop limit 1 (containers on the Docker bridge are a hop further)
    for name, body in res.get("aws_instance", {}).items():
        meta = _first(body.get("metadata_options") or [{}])
        if meta.get("http_tokens") != "required":
            out.append(f"aws_instance.{name}: metadata_options.http_tokens must be 'required'")
        if meta.get("http_put_response_hop_limit") != 1:
            out.append(f"aws_instance.{name}: http_put_response_hop_limit must be 1")
        if meta.get("http_endpoint", "enabled") != "enabled":
            out.append(f"aws_instance.{name}: the host itself needs IMDS (http_endpoint)")
        root = _first(body.get("root_block_device") or [{}])
        if root.get("encrypted") is not True:
            out.append(f"aws_instance.{name}: root_block_device must be encrypted")
        for ebs in body.get("ebs_block_device", []):
            if ebs.get("encrypted") is not True:
                out.append(f"aws_instance.{name}: every ebs_block_device must be encrypted")
    for name, body in res.get("aws_ebs_volume", {}).items():
        if body.get("encrypted") is not True:
            out.append(f"aws_ebs_volume.{name} must be encrypted")

    # nobody reaches SSH from the whole internet; nothing but 22, 80 and 443 is open
    for name, body in res.get("aws_vpc_security_group_ingress_rule", {}).items():
        lo, hi = body.get("from_port"), body.get("to_port")
        if body.get("ip_protocol") in ("-1", "all") or lo is None:
            out.append(f"ingress rule {name} opens every port")
            continue
        ports = set(range(int(lo), int(hi) + 1)) if isinstance(lo, int) else set()
        if ports - {22, 80, 443}:
            out.append(f"ingress rule {name} opens ports other than 22, 80 and 443")
        if 22 in ports:
            cidr = str(body.get("cidr_ipv4", ""))
            if cidr.startswith("0.0.0.0/") or body.get("cidr_ipv6", "").startswith("::/"):
                out.append(f"ingress rule {name} opens SSH to the world")
            elif cidr != "${var.admin_cidr}":
                out.append(f"ingress rule {name}: SSH must come from var.admin_cidr only")
    admin = cfg.get("variable", {}).get("admin_cidr", {})
    checks = " ".join(str(v.get("condition")) for v in admin.get("validation", []))
    if "0.0.0.0/" not in checks:
        out.append("variable admin_cidr must refuse 0.0.0.0/0 in a validation")
    if res.get("aws_security_group_rule") or any(
        "ingress" in b for b in res.get("aws_security_group", {}).values()
    ):
        out.append("use aws_vpc_security_group_ingress_rule resources, not inline rules")

    # no secret in user data or outputs
    for name, body in res.get("aws_instance", {}).items():
        if SECRET_WORDS.search(str(body.get("user_data", ""))):
            out.append(f"aws_instance.{name}.user_data mentions a secret")
    if user_data_template is not None:
        text = Path(user_data_template).read_text(encoding="utf-8")
        for placeholder in re.findall(r"\$\{(\w+)\}", text):
            if SECRET_WORDS.search(placeholder):
                out.append(f"user data template takes a secret: ${{{placeholder}}}")
        for line in text.splitlines():
            if re.search(r"(PASSWORD|SECRET|TOKEN)\w*=", line):
                out.append(f"user data template sets a secret: {line.strip()}")
    for name, body in cfg.get("output", {}).items():
        value = str(body.get("value", ""))
        if SECRET_WORDS.search(value) or "aws_ssm_parameter.ami" in value:
            out.append(f"output {name} exposes a secret-like value: {value}")
        if body.get("sensitive"):
            out.append(f"output {name} is sensitive: secrets do not belong in outputs at all")

    # the instance's role: no wildcard actions, no wildcard resources
    for name, body in cfg.get("data", {}).get("aws_iam_policy_document", {}).items():
        for st in body.get("statement", []):
            if any("*" == a or a.endswith(":*") for a in st.get("actions", [])):
                out.append(f"policy {name} grants a wildcard action")
            if "*" in st.get("resources", []):
                out.append(f"policy {name} grants on every resource")

    # tags on everything that takes them
    for type_name, named in res.items():
        if type_name in UNTAGGABLE:
            continue
        for name, body in named.items():
            if "tags" not in body:
                out.append(f"{type_name}.{name} has no tags")

    # cost control: a stop schedule exists and stops this instance; the shutdown stops, not ends
    stops = res.get("aws_scheduler_schedule", {})
    if not any(
        "stopInstances" in str(_first(b.get("target", [{}])).get("arn")) for b in stops.values()
    ):
        out.append("no aws_scheduler_schedule stops the instance")
    for name, body in res.get("aws_instance", {}).items():
        if body.get("instance_initiated_shutdown_behavior") != "stop":
            out.append(f"aws_instance.{name}: a shutdown must stop the instance, not terminate it")
    return out
