#!/usr/bin/env python3
"""A stand-in ``terraform`` for tests/test_cloud_cli.py: records every call and plays the module
against the moto server (``AWS_ENDPOINT_URL``).

``init`` marks the folder initialised; ``plan`` prints a summary (and writes the plan file);
``apply`` reads ``terraform.tfvars.json`` and creates what the host's tools need in moto (the
class bucket, the status and activity parameters, a running instance, an Elastic IP) and a state
with the module's outputs; ``output -json`` prints them; ``destroy`` deletes it all. Calls go to
``$FAKE_TERRAFORM_LOG`` as JSON lines: ``{"args", "cwd", "tfvars"}``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def _client(service: str):
    import boto3

    return boto3.client(service)


def main(argv: list[str]) -> int:
    chdir = Path.cwd()
    args = []
    for arg in argv[1:]:
        if arg.startswith("-chdir="):
            chdir = Path(arg.split("=", 1)[1])
        else:
            args.append(arg)
    tfvars_path = chdir / "terraform.tfvars.json"
    tfvars = json.loads(tfvars_path.read_text()) if tfvars_path.exists() else None
    with open(os.environ["FAKE_TERRAFORM_LOG"], "a") as log:
        log.write(json.dumps({"args": args, "cwd": str(chdir), "tfvars": tfvars}) + "\n")
    if os.environ.get("FAKE_TERRAFORM_FAIL") == args[0]:
        print(f"Error: {args[0]} failed (as the test asked)", file=sys.stderr)
        return 1
    state = chdir / "terraform.tfstate"
    cmd = args[0]
    if cmd == "init":
        (chdir / ".terraform" / "modules").mkdir(parents=True, exist_ok=True)
        (chdir / ".terraform" / "modules" / "modules.json").write_text("{}")
        (chdir / ".terraform.lock.hcl").write_text("# fake\n")
        print("Terraform has been successfully initialized!")
    elif cmd == "plan":
        for arg in args:
            if arg.startswith("-out="):
                (chdir / arg[5:]).write_text("fake plan")
        print("Plan: 27 to add, 0 to change, 0 to destroy.")
    elif cmd == "apply":
        name = tfvars.get("name", "dragonn-workshop")
        s3, ssm, ec2 = _client("s3"), _client("ssm"), _client("ec2")
        bucket = f"{name}-fakebucket"
        s3.create_bucket(Bucket=bucket)
        if tfvars.get("bundle_path"):
            s3.upload_file(tfvars["bundle_path"], bucket, "bundle/dragonn-workshop.tar.gz")
        if tfvars.get("roster_path"):
            s3.upload_file(tfvars["roster_path"], bucket, "roster/roster.csv")
        for leaf, value in (("status", "launching"), ("activity", "{}")):
            ssm.put_parameter(Name=f"/{name}/{leaf}", Value=value, Type="String", Overwrite=True)
        ami = ec2.describe_images()["Images"][0]["ImageId"]
        instance = ec2.run_instances(
            ImageId=ami, InstanceType=tfvars["instance_type"], MinCount=1, MaxCount=1
        )["Instances"][0]["InstanceId"]
        ip = ec2.allocate_address(Domain="vpc")["PublicIp"]
        host = tfvars["https_domain"] or ip.replace(".", "-") + ".sslip.io"
        outputs = {
            "url": f"https://{host}/",
            "instance_id": instance,
            "public_ip": ip,
            "status_parameter": f"/{name}/status",
            "activity_parameter": f"/{name}/activity",
            "parameter_path": f"/{name}",
            "bucket": bucket,
            "cost_per_hour_usd": 0.548,
            "cost_for_event_usd": 4.38,
        }
        applied = None
        if tfvars.get("bundle_path"):
            import hashlib

            applied = hashlib.sha256(Path(tfvars["bundle_path"]).read_bytes()).hexdigest()
        state.write_text(json.dumps({"outputs": outputs, "bundle_sha256": applied}))
        print("Apply complete! Resources: 27 added, 0 changed, 0 destroyed.")
    elif cmd == "show":
        # `show -json tfplan`: the host is replaced when the state exists and the bundle (its
        # SHA-256 is in the user data) differs from the one the state was applied with
        replaced = False
        if state.exists() and tfvars and tfvars.get("bundle_path"):
            import hashlib

            applied = json.loads(state.read_text()).get("bundle_sha256")
            now = hashlib.sha256(Path(tfvars["bundle_path"]).read_bytes()).hexdigest()
            replaced = applied is not None and applied != now
        actions = ["delete", "create"] if replaced else ["no-op"]
        print(
            json.dumps(
                {
                    "resource_changes": [
                        {
                            "address": "module.workshop.aws_instance.host",
                            "change": {"actions": actions},
                        }
                    ]
                }
            )
        )
    elif cmd == "output":
        outputs = json.loads(state.read_text())["outputs"] if state.exists() else {}
        print(json.dumps({k: {"value": v, "sensitive": False} for k, v in outputs.items()}))
    elif cmd == "destroy":
        outputs = json.loads(state.read_text())["outputs"]
        ec2, ssm, s3 = _client("ec2"), _client("ssm"), _client("s3")
        ec2.terminate_instances(InstanceIds=[outputs["instance_id"]])
        ssm.delete_parameters(Names=[outputs["status_parameter"], outputs["activity_parameter"]])
        for obj in s3.list_objects_v2(Bucket=outputs["bucket"]).get("Contents", []):
            s3.delete_object(Bucket=outputs["bucket"], Key=obj["Key"])
        s3.delete_bucket(Bucket=outputs["bucket"])
        state.unlink()
        print("Destroy complete! Resources: 27 destroyed.")
    else:
        print(f"fake terraform: {cmd} is not played", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
