"""AWS calls of ``workshop cloud`` (boto3): pre-flight checks, the host's status and activity, the
passwords it keeps in SSM Parameter Store, commands run on it through SSM, exports from S3.

Every error that an instructor can fix says what to do (which option, which console page, which
command). boto3 honours ``AWS_PROFILE``, ``AWS_ENDPOINT_URL`` (the tests' moto server) and the
usual credential chain.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hub.cloud.prices import load_prices

# "Running On-Demand G and VT instances" and "Running On-Demand Standard (A, C, D, H, I, M, R, T,
# Z) instances", both counted in vCPUs (EC2 User Guide, "On-Demand Instance quotas")
QUOTA_CODES = {"G": "L-DB2E81BA", "standard": "L-1216C47A"}
HOST_BUNDLE = "/opt/dragonn-workshop/bundle"
HOST_DATA = "/srv/dragonn-workshop/hub"
POLL_SECONDS = 10.0  # how often `up` asks the host for its status


class CloudError(RuntimeError):
    """Something the instructor must fix before (or after) launching; the message says what."""


def session(region: str):
    import boto3

    return boto3.session.Session(region_name=region)


def check_credentials(region: str) -> str:
    """The caller's ARN; raises CloudError when no AWS credentials are configured or valid."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        return session(region).client("sts").get_caller_identity()["Arn"]
    except NoCredentialsError:
        raise CloudError(
            "no AWS credentials: run `aws configure` (or `aws sso login`), or set AWS_PROFILE "
            "or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, then try again"
        ) from None
    except (ClientError, BotoCoreError) as err:
        raise CloudError(f"AWS rejected the credentials: {err}") from None


def check_instance_type(region: str, instance_type: str) -> None:
    """Raises CloudError naming the types offered when ``instance_type`` is not in ``region``."""
    ec2 = session(region).client("ec2")
    offered = {
        o["InstanceType"]
        for page in ec2.get_paginator("describe_instance_type_offerings").paginate(
            LocationType="region",
            Filters=[{"Name": "instance-type", "Values": list(load_prices()["instance_types"])}],
        )
        for o in page["InstanceTypeOfferings"]
    }
    if instance_type not in offered:
        raise CloudError(
            f"instance_type {instance_type!r} is not offered in {region}; offered there: "
            f"{', '.join(sorted(offered)) or 'none of the priced types'} "
            "(`workshop settings set instance_type ...` or `... aws_region ...`)"
        )


def quota_family(instance_type: str) -> str:
    return "G" if instance_type.split(".")[0].startswith(("g", "vt")) else "standard"


def check_quota(region: str, instance_type: str, client=None) -> str:
    """Compare the account's on-demand vCPU quota for the type's family with its vCPUs.

    Raises CloudError (with how to request more) when the quota is too small; returns a note
    when the quota cannot be read (an account without Service Quotas access, say).
    """
    from botocore.exceptions import BotoCoreError, ClientError

    vcpus = load_prices()["instance_types"][instance_type]["vcpus"]
    family = quota_family(instance_type)
    code = QUOTA_CODES[family]
    client = client or session(region).client("service-quotas")
    try:
        value = client.get_service_quota(ServiceCode="ec2", QuotaCode=code)["Quota"]["Value"]
    except (ClientError, BotoCoreError) as err:
        return f"could not read the vCPU quota {code} ({err}); check it before the event"
    if value < vcpus:
        what = (
            "Running On-Demand G and VT instances"
            if family == "G"
            else "Running On-Demand Standard instances"
        )
        raise CloudError(
            f"your {region} quota '{what}' is {value:g} vCPUs; {instance_type} needs {vcpus}. "
            f"Request at least {vcpus} a week before the event (approval can take days): "
            f"https://{region}.console.aws.amazon.com/servicequotas/home/services/ec2/quotas/{code} "
            f"or `aws service-quotas request-service-quota-increase --region {region} "
            f"--service-code ec2 --quota-code {code} --desired-value {max(vcpus, 8)}`"
        )
    return f"vCPU quota {code}: {value:g} (>= {vcpus})"


def check_domain(domain: str, public_ip: str, resolve=socket.getaddrinfo) -> None:
    """Raises CloudError when ``domain`` does not resolve to ``public_ip`` (Let's Encrypt would
    fail, and learners would reach another machine)."""
    try:
        found = sorted({a[4][0] for a in resolve(domain, 443, socket.AF_INET)})
    except OSError:
        found = []
    if public_ip not in found:
        raise CloudError(
            f"https_domain {domain} resolves to {', '.join(found) or 'nothing'}, not the host's "
            f"Elastic IP {public_ip}: create an A record {domain} -> {public_ip} at your DNS "
            "provider (or set route53_zone), or leave https_domain empty for the sslip.io name"
        )


# --- the host ------------------------------------------------------------------------------------
def get_parameter(region: str, name: str, decrypt: bool = False) -> str | None:
    from botocore.exceptions import ClientError

    try:
        return (
            session(region)
            .client("ssm")
            .get_parameter(Name=name, WithDecryption=decrypt)["Parameter"]["Value"]
        )
    except ClientError as err:
        if err.response["Error"]["Code"] == "ParameterNotFound":
            return None
        raise


def put_secure_parameter(region: str, name: str, value: str) -> None:
    session(region).client("ssm").put_parameter(
        Name=name, Value=value, Type="SecureString", Overwrite=True
    )


def delete_parameters(region: str, names: list[str]) -> list[str]:
    """Delete SSM parameters (missing ones are fine); returns those deleted."""
    out = session(region).client("ssm").delete_parameters(Names=names)
    return out.get("DeletedParameters", [])


def activity(region: str, parameter: str) -> dict:
    text = get_parameter(region, parameter, decrypt=True)
    try:
        return json.loads(text) if text else {}
    except json.JSONDecodeError:
        return {}


def instance_state(region: str, instance_id: str) -> str:
    from botocore.exceptions import ClientError

    try:
        reservations = session(region).client("ec2").describe_instances(InstanceIds=[instance_id])
    except ClientError as err:
        if "NotFound" in err.response["Error"]["Code"]:
            return "gone"
        raise
    for r in reservations["Reservations"]:
        for i in r["Instances"]:
            return i["State"]["Name"]
    return "gone"


def public_zones(region: str, client=None) -> list[str]:
    """Names (without the final dot) of the account's public Route53 hosted zones; ``[]`` when
    none or when they cannot be listed."""
    try:
        r53 = client or session(region).client("route53")
        zones = r53.list_hosted_zones().get("HostedZones", [])
    except Exception:
        return []
    return sorted(
        z["Name"].rstrip(".") for z in zones if not z.get("Config", {}).get("PrivateZone")
    )


#: EC2's state reason when a start finds no capacity for the type in the instance's zone
CAPACITY_CODES = ("InsufficientInstanceCapacity", "InsufficientCapacity")


def start_problem(region: str, instance_id: str, client=None) -> str | None:
    """Why the stopped host did not start, in words, when EC2 says it had no capacity for its
    type in its zone (the instance's ``StateReason``: ``Server.InsufficientInstanceCapacity``,
    per the EC2 User Guide, "Troubleshoot instance launch issues: Insufficient instance
    capacity"); ``None`` otherwise."""
    ec2 = client or session(region).client("ec2")
    try:
        reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    except Exception:
        return None
    for r in reservations:
        for i in r["Instances"]:
            reason = i.get("StateReason") or {}
            if i["State"]["Name"] != "stopped" or not any(
                c in reason.get("Code", "") for c in CAPACITY_CODES
            ):
                return None
            zone = i.get("Placement", {}).get("AvailabilityZone", "its zone")
            return (
                f"the last start failed: AWS had no {i.get('InstanceType', '')} capacity in "
                f"{zone} ({reason.get('Code')}: {reason.get('Message', '')}). Try "
                f"`aws ec2 start-instances --instance-ids {instance_id}` again in a few minutes; "
                "for class hours, reserve the capacity beforehand (an On-Demand Capacity "
                "Reservation in that zone), or move the class to another zone "
                '(docs/instructor-runbook.md, "The host does not start")'
            )
    return None


@dataclass
class Progress:
    status: str
    elapsed: float


def is_ready(status: str) -> bool:
    """``ready``, or ``ready (<a note, e.g. certificate rate-limited: ...>)``."""
    return status == "ready" or status.startswith("ready (")


def wait_for_status(
    region: str,
    parameter: str,
    timeout: float = 2400.0,
    interval: float | None = None,
    on_change: Callable[[Progress], None] | None = None,
    clock=time.monotonic,
    sleep=time.sleep,
) -> str:
    """Poll the host's status parameter until ``ready`` or ``failed: ...``; returns it.

    ``on_change`` sees every new status. Raises TimeoutError after ``timeout`` seconds.
    """
    interval = POLL_SECONDS if interval is None else interval
    start = clock()
    last = None
    while True:
        status = get_parameter(region, parameter) or "launching"
        if status != last and on_change:
            on_change(Progress(status, clock() - start))
        last = status
        if is_ready(status) or status.startswith("failed"):
            return status
        if clock() - start > timeout:
            raise TimeoutError(
                f"the host is still '{status}' after {timeout / 60:.0f} min; its console: "
                "`aws ec2 get-console-output --instance-id <id> --latest`"
            )
        sleep(interval)


def run_on_host(region: str, instance_id: str, commands: list[str], timeout: float = 1800.0,
                sleep=time.sleep) -> dict:  # fmt: skip
    """Run shell ``commands`` on the host as root through SSM Run Command; returns the
    invocation (``Status``, ``StandardOutputContent``, ...). Raises CloudError if it fails."""
    ssm = session(region).client("ssm")
    command = ssm.send_command(
        InstanceIds=[instance_id],
        DocumentName="AWS-RunShellScript",
        Parameters={"commands": commands, "executionTimeout": [str(int(timeout))]},
        Comment="workshop cloud",
    )["Command"]
    deadline = time.monotonic() + timeout
    while True:
        sleep(min(2.0, POLL_SECONDS))
        try:
            inv = ssm.get_command_invocation(CommandId=command["CommandId"], InstanceId=instance_id)
        except ssm.exceptions.InvocationDoesNotExist:
            continue
        if inv["Status"] in ("Success", "Failed", "Cancelled", "TimedOut"):
            if inv["Status"] != "Success":
                raise CloudError(
                    f"command on {instance_id} ended {inv['Status']}: "
                    f"{inv.get('StandardErrorContent', '')[-500:]}"
                )
            return inv
        if time.monotonic() > deadline:
            raise CloudError(f"command on {instance_id} still running after {timeout:.0f} s")


def download_prefix(region: str, bucket: str, prefix: str, dest: Path) -> list[Path]:
    """Download every object under ``s3://bucket/prefix`` into ``dest``; returns the files."""
    s3 = session(region).client("s3")
    dest.mkdir(parents=True, exist_ok=True)
    files = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            target = dest / obj["Key"][len(prefix) :]
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, obj["Key"], str(target))
            files.append(target)
    return sorted(files)
