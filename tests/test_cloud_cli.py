"""``workshop cloud``: the instructor's commands, against a recording fake ``terraform`` on PATH
and moto on loopback (AWS cannot exist here), with a fake host that answers as the real one does
(status parameter, passwords, export archives).

Fast: the variables written for Terraform, the bundle, input errors (GPU quota 0, a domain that
does not resolve, missing credentials, unknown options). Slow (a moto server): plan, up with its
progress and handout, status, password, export, down refusing while learners work.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import tarfile
from pathlib import Path

import pytest
from cloud_support import REGION, aws, moto_server  # noqa: F401 - fixtures

from hub.cli import main as cli
from hub.cloud import aws as cloud_aws
from hub.cloud.agent import ACTIVITY_TYPE
from hub.cloud.terraform import (
    BUNDLE_PARTS,
    hub_variables,
    make_bundle,
    parse_cloud_value,
    prepare_workdir,
)
from hub.settings import WorkshopSettings

FAKE = Path(__file__).resolve().parent / "fake_terraform.py"


def _settings(data: Path, **values) -> WorkshopSettings:
    settings = WorkshopSettings.load(data, environ={})
    for name, value in values.items():
        settings.set_and_save(name, value)
    return WorkshopSettings.load(data, environ={})


# --- fast ------------------------------------------------------------------------------------------
def test_variables_for_the_cloud_host(tmp_path):
    settings = _settings(tmp_path, class_size=12, https="internal", admin_users="ada,grace")
    tf = hub_variables(settings, environ={})
    # host-dependent limits are computed on the host unless set; a laptop's memory is no guide
    assert (tf["mem_limit"], tf["mem_limit_mb"], tf["cpu_limit"], tf["concurrent_spawn_limit"]) == (
        "",
        0,
        0,
        0,
    )
    assert tf["spawner"] == "docker" and tf["https_domain"] == ""
    assert tf["class_size"] == 12 and tf["admin_users"] == ["ada", "grace"]
    settings.set_and_save("mem_limit", "3G")
    tf = hub_variables(WorkshopSettings.load(tmp_path, environ={}), environ={})
    assert tf["mem_limit"] == "3G" and tf["mem_limit_mb"] == 3072 and tf["cpu_limit"] == 0
    tf = hub_variables(settings, environ={"WORKSHOP_CPU_LIMIT": "2"})
    assert tf["cpu_limit"] != 0  # set through the environment counts as set


def test_bundle_is_reproducible_and_holds_what_the_host_needs(tmp_path):
    first = make_bundle(tmp_path / "a.tar.gz")
    second = make_bundle(tmp_path / "b.tar.gz")
    assert first == second
    with tarfile.open(tmp_path / "a.tar.gz") as tar:
        names = set(tar.getnames())
        provision = tar.getmember("terraform/provision/provision.sh")
    assert {
        "pyproject.toml",
        "hub/bootstrap.sh",
        "image/Dockerfile",
        "terraform/prices.json",
    } <= names
    assert provision.mode & 0o111, "provision.sh stays executable"
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert {n.split("/")[0] for n in names} <= {p.split("/")[0] for p in BUNDLE_PARTS}


def test_workdir_is_a_copy_in_the_data_dir(tmp_path):
    settings = _settings(tmp_path)
    root = prepare_workdir(settings)
    assert root == tmp_path / "cloud" / "terraform" / "aws-single-host" / "root"
    assert (root / "main.tf").exists() and (root.parent / "main.tf").exists()
    assert (root.parent.parent / "prices.json").exists()
    assert (root.parent.parent / "provision" / "user-data.yaml.tftpl").exists()
    (root / "stale.tf").write_text("# removed upstream\n")
    (root / "terraform.tfstate").write_text("{}")
    prepare_workdir(settings)
    assert not (root / "stale.tf").exists() and (root / "terraform.tfstate").exists()


def test_set_names_the_allowed_variables():
    assert parse_cloud_value("homes_volume_gib", "200") == 200
    assert parse_cloud_value("learner_cidrs", "10.0.0.0/8, 192.0.2.0/24") == [
        "10.0.0.0/8",
        "192.0.2.0/24",
    ]
    assert parse_cloud_value("tags", "course=dl,term=2026") == {"course": "dl", "term": "2026"}
    with pytest.raises(ValueError, match="homes_volume_gib must be a whole number"):
        parse_cloud_value("homes_volume_gib", "lots")
    with pytest.raises(ValueError, match="is not a cloud variable; cloud variables: .*stop_time"):
        parse_cloud_value("stop_tme", "19:00")


def test_stop_times_are_the_instructors_local_time(tmp_path):
    """The daily stop is set in the instructor's time zone everywhere: `workshop cloud` passes
    this machine's, the module and the one-click template have no default zone (20:00 UTC is
    mid-afternoon in us-west-2, the default region)."""
    import yaml

    from hub.cloud.single_host import stop_line
    from hub.cloud.terraform import local_timezone, stop_timezone

    assert local_timezone({"TZ": ":America/Los_Angeles"}, tmp_path / "none") == (
        "America/Los_Angeles"
    )
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Europe/Berlin")
    assert local_timezone({}, link) == "Europe/Berlin"
    settings = _settings(tmp_path / "d")
    assert stop_timezone(settings, {"TZ": "America/Chicago"}) == "America/Chicago"
    tf = write_variables_for(settings, {"TZ": "America/Chicago"})
    assert tf["stop_timezone"] == "America/Chicago"
    import datetime as dt

    line = stop_line({"stop_time": "20:00", "stop_timezone": "America/Los_Angeles"},
                     now=dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC))  # fmt: skip
    assert line.startswith("daily stop: 20:00 America/Los_Angeles (= ")
    root = Path(__file__).resolve().parents[1]
    skeleton = yaml.safe_load(
        (root / "terraform/cloudformation/single-host.template.yaml").read_text()
    )
    assert "Default" not in skeleton["Parameters"]["StopTimezone"]
    from terraform_policy import load_config

    module = load_config(root / "terraform" / "aws-single-host")
    assert "default" not in module["variable"]["stop_timezone"]


def write_variables_for(settings, environ) -> dict:
    from hub.cloud.terraform import write_variables

    root = prepare_workdir(settings)
    return write_variables(settings, root, environ)


def test_without_a_domain_plan_points_at_the_accounts_route53_zone(tmp_path):
    from hub.cloud.single_host import address_advice

    settings = _settings(tmp_path / "d")
    assert "sslip.io" in address_advice(settings, zones=[])
    assert "settings set acme_email you@example.org` lets ZeroSSL issue" in address_advice(
        settings, zones=[]
    )
    line = address_advice(settings, zones=["example.org"])
    assert "Route53 zone example.org" in line and "set https workshop.example.org" in line
    assert "--set route53_zone=example.org" in line
    settings = _settings(tmp_path / "e", https="ws.example.org")
    assert address_advice(settings, zones=["example.org"]) == (
        "address: https://ws.example.org/ (your domain)"
    )


def test_a_start_without_capacity_is_said_in_words():
    """A host stopped overnight is pinned to its homes volume's zone; when EC2 has no capacity
    there in the morning the instance stays stopped with StateReason
    Server.InsufficientInstanceCapacity (EC2 User Guide, "Insufficient instance capacity"):
    moto never refuses a start, so a stubbed answer stands in."""
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("ec2", region_name=REGION, aws_access_key_id="x",
                          aws_secret_access_key="x")  # fmt: skip
    answer = {"Reservations": [{"Instances": [{
        "InstanceId": "i-0123456789abcdef0", "InstanceType": "g4dn.12xlarge",
        "State": {"Name": "stopped", "Code": 80},
        "StateReason": {"Code": "Server.InsufficientInstanceCapacity",
                        "Message": "Server.InsufficientInstanceCapacity: Insufficient capacity."},
        "Placement": {"AvailabilityZone": "us-west-2b"}}]}]}  # fmt: skip
    with Stubber(client) as stub:
        stub.add_response("describe_instances", answer, {"InstanceIds": ["i-0123456789abcdef0"]})
        text = cloud_aws.start_problem(REGION, "i-0123456789abcdef0", client=client)
    assert "no g4dn.12xlarge capacity in us-west-2b" in text
    assert "Capacity Reservation" in text and "another zone" in text
    answer["Reservations"][0]["Instances"][0]["StateReason"] = {
        "Code": "Client.UserInitiatedShutdown", "Message": "User initiated shutdown"}  # fmt: skip
    with Stubber(client) as stub:
        stub.add_response("describe_instances", answer, {"InstanceIds": ["i-0123456789abcdef0"]})
        assert cloud_aws.start_problem(REGION, "i-0123456789abcdef0", client=client) is None


def test_gpu_quota_of_zero_says_how_to_request_it():
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("service-quotas", region_name=REGION, aws_access_key_id="x",
                          aws_secret_access_key="x")  # fmt: skip
    with Stubber(client) as stub:
        stub.add_response("get_service_quota", {"Quota": {"Value": 0.0}},
                          {"ServiceCode": "ec2", "QuotaCode": "L-DB2E81BA"})  # fmt: skip
        with pytest.raises(cloud_aws.CloudError) as err:
            cloud_aws.check_quota(REGION, "g4dn.xlarge", client=client)
    text = str(err.value)
    assert "Running On-Demand G and VT instances' is 0 vCPUs; g4dn.xlarge needs 4" in text
    assert "request-service-quota-increase" in text and "L-DB2E81BA" in text
    with Stubber(client) as stub:
        stub.add_response("get_service_quota", {"Quota": {"Value": 64.0}},
                          {"ServiceCode": "ec2", "QuotaCode": "L-1216C47A"})  # fmt: skip
        assert "64" in cloud_aws.check_quota(REGION, "m7i.4xlarge", client=client)


def test_a_domain_not_pointing_at_the_host_is_explained():
    def resolve(host, port, family):
        return [(family, 1, 6, "", ("198.51.100.99", port))]

    with pytest.raises(cloud_aws.CloudError, match="resolves to 198.51.100.99, not the host's"):
        cloud_aws.check_domain("ws.example.org", "203.0.113.10", resolve=resolve)
    cloud_aws.check_domain("ws.example.org", "198.51.100.99", resolve=resolve)

    def nothing(host, port, family):
        raise OSError("NXDOMAIN")

    with pytest.raises(cloud_aws.CloudError, match="resolves to nothing.*A record ws.example.org"):
        cloud_aws.check_domain("ws.example.org", "203.0.113.10", resolve=nothing)


def test_missing_credentials_are_explained(tmp_path, monkeypatch, capsys):
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    empty = tmp_path / "empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert cli.main(["cloud", "plan", "--data-dir", str(tmp_path / "data")]) == 2
    assert "no AWS credentials: run `aws configure`" in capsys.readouterr().err


def test_missing_terraform_is_explained(tmp_path, monkeypatch):
    from hub.cloud.terraform import terraform_binary

    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="terraform is not installed.*CloudFormation"):
        terraform_binary()


# --- slow: the commands against moto ----------------------------------------------------------------
@pytest.fixture
def fake_terraform(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "terraform"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE}" "$@"\n')
    wrapper.chmod(0o755)
    log = tmp_path / "terraform-calls.jsonl"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_TERRAFORM_LOG", str(log))
    monkeypatch.setattr(cloud_aws, "POLL_SECONDS", 0.2)

    def calls() -> list[dict]:
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    return calls


class FakeHost:
    """Answers like the provisioned host: status steps, passwords in SSM, export archives.

    It advances one provisioning step each time ``workshop cloud`` reads the status (so the
    test does not race the CLI on a loaded machine).
    """

    def __init__(self, moto, monkeypatch, name="dragonn-workshop", fail_at=None, ready="ready"):
        self.moto, self.name = moto, name
        self.steps = [
            "provisioning 2/10: the hub's Python environment",
            "provisioning 7/10: the learners' image (first build: about 10 minutes)",
            f"failed: {fail_at}" if fail_at else ready,
        ]
        real = cloud_aws.get_parameter

        def get_parameter(region, name, decrypt=False):
            if name == f"/{self.name}/status" and real(region, name) and self.steps:
                self._advance()
            return real(region, name, decrypt)

        monkeypatch.setattr(cloud_aws, "get_parameter", get_parameter)

    def _advance(self):
        ssm = self.moto.client("ssm")
        text = self.steps.pop(0)
        if text.startswith("ready"):
            for leaf, value in (
                ("workshop-password", "k7fm-2qzp-8rtx"),
                ("admin-password", "a" * 40),
            ):
                ssm.put_parameter(Name=f"/{self.name}/{leaf}", Value=value, Type="SecureString")
        ssm.put_parameter(Name=f"/{self.name}/status", Value=text, Type="String", Overwrite=True)

    def set_activity(self, servers: int, users=()):
        self.moto.client("ssm").put_parameter(
            Name=f"/{self.name}/activity", Type=ACTIVITY_TYPE, Overwrite=True,
            Value=json.dumps({"servers": servers, "users": list(users),
                              "last_activity": "2026-11-30T10:00:00Z", "checked": "now"}),
        )  # fmt: skip


@pytest.fixture
def class_data(tmp_path):
    data = tmp_path / "data"
    _settings(data, aws_region=REGION, class_size=3)
    reg = tmp_path / "registrations.csv"
    reg.write_text("first,last\nAda,Lovelace\nGrace,Hopper\n")
    assert cli.main(["roster", "import", str(reg), "--data-dir", str(data)]) == 0
    return data


@pytest.mark.slow
def test_plan_writes_the_variables_and_shows_the_cost(aws, fake_terraform, class_data, capsys,  # noqa: F811
                                                      monkeypatch):  # fmt: skip
    monkeypatch.setenv("TZ", "America/Denver")
    capsys.readouterr()
    assert cli.main(["cloud", "plan", "--data-dir", str(class_data),
                     "--set", "homes_volume_gib=80", "--set", "stop_time=19:30"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "AWS identity: arn:aws:" in out and "could not read the vCPU quota" in out
    assert "g4dn.xlarge: 1x NVIDIA T4 (16 GiB), 4 vCPU, 16 GiB" in out
    assert "g4dn.xlarge in us-east-1: ~$0.55/h running" in out
    calls = fake_terraform()
    assert [c["args"][0] for c in calls] == ["init", "plan"]
    tfvars = calls[-1]["tfvars"]
    assert tfvars["homes_volume_gib"] == 80 and tfvars["stop_time"] == "19:30"
    assert tfvars["stop_timezone"] == "America/Denver"  # this machine's (TZ)
    assert "daily stop: 19:30 America/Denver (= " in out
    assert tfvars["class_size"] == 3 and tfvars["spawner"] == "docker"
    assert Path(tfvars["bundle_path"]).exists() and tfvars["roster_path"].endswith("roster.csv")
    assert calls[-1]["cwd"] == str(class_data / "cloud" / "terraform" / "aws-single-host" / "root")
    # the cloud variables stay for the next run
    assert json.loads((class_data / "cloud" / "cloud.json").read_text())["stop_time"] == "19:30"


@pytest.mark.slow
def test_plan_refuses_a_class_the_type_cannot_hold_with_the_advice(aws, fake_terraform, class_data,  # noqa: F811
                                                                   capsys):  # fmt: skip
    # real Terraform stops such a plan at its precondition: `plan` says why, and what to do,
    # before Terraform runs
    for name, value in (("class_size", "4"), ("instance_type", "g4dn.xlarge")):
        assert cli.main(["settings", "set", name, value, "--data-dir", str(class_data)]) == 0
    capsys.readouterr()
    assert cli.main(["cloud", "plan", "--data-dir", str(class_data)]) == 2
    err = capsys.readouterr().err
    assert "class_size 4 does not fit instance_type g4dn.xlarge" in err
    assert "holds 3 learners" in err and "instance_type g4dn.2xlarge" in err
    assert fake_terraform() == []


@pytest.mark.slow
def test_untouched_settings_plan_a_class_that_fits(aws, fake_terraform, tmp_path, capsys):  # noqa: F811
    """A fresh clone: class_size 30, instance_type auto. `plan` says which type it chose and
    why, prints the cost, and Terraform gets that type (its own "auto" picks the same)."""
    data = tmp_path / "data"
    _settings(data, aws_region=REGION)
    assert WorkshopSettings.load(data, environ={}).instance_type == "auto"
    capsys.readouterr()
    assert cli.main(["cloud", "plan", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "instance_type auto: g4dn.12xlarge, the cheapest GPU type in us-east-1 that holds " \
        "class_size 30 (it holds 43)" in out  # fmt: skip
    assert "g4dn.12xlarge: 4x NVIDIA T4" in out and "g4dn.12xlarge in us-east-1: ~$" in out
    assert fake_terraform()[-1]["tfvars"]["instance_type"] == "g4dn.12xlarge"


@pytest.mark.slow
def test_a_type_not_offered_in_the_region_is_refused(aws, fake_terraform, tmp_path, capsys):  # noqa: F811
    data = tmp_path / "data"
    _settings(data, aws_region="eu-west-1", instance_type="g6.xlarge", class_size=3)
    assert cli.main(["cloud", "plan", "--data-dir", str(data)]) == 2
    err = capsys.readouterr().err
    assert "instance_type 'g6.xlarge' is not offered in eu-west-1" in err
    assert "g4dn.xlarge" in err and fake_terraform() == []


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_up_status_password_export_down(aws, fake_terraform, class_data, capsys, monkeypatch):  # noqa: F811
    host = FakeHost(aws, monkeypatch)
    capsys.readouterr()
    assert cli.main(["cloud", "up", "--yes", "--data-dir", str(class_data)]) == 0
    out = capsys.readouterr().out
    assert [c["args"][0] for c in fake_terraform()] == ["init", "plan", "show", "apply", "output"]
    assert "min] provisioning 7/10: the learners' image" in out
    url = re.search(r"ready: (https://\S+)", out).group(1)
    assert url.endswith(".sslip.io/")
    assert f"Open {url}" in out and "k7fm-2qzp-8rtx" in out and "lovelace_ada" in out
    # the roster reached the class bucket, the bundle too
    s3 = aws.client("s3")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="dragonn-workshop-fakebucket")["Contents"]}
    assert {"roster/roster.csv", "bundle/dragonn-workshop.tar.gz"} <= keys

    host.set_activity(2, ["hopper_grace", "lovelace_ada"])
    assert cli.main(["cloud", "status", "--data-dir", str(class_data)]) == 0
    out = capsys.readouterr().out
    assert "status: ready" in out and "servers running: 2 (hopper_grace, lovelace_ada)" in out
    assert cli.main(["cloud", "status", "--json", "--data-dir", str(class_data)]) == 0
    assert json.loads(capsys.readouterr().out)["instance_state"] == "running"

    assert cli.main(["cloud", "password", "--data-dir", str(class_data)]) == 0
    assert capsys.readouterr().out.strip() == "k7fm-2qzp-8rtx"
    assert cli.main(["cloud", "password", "--admin", "--data-dir", str(class_data)]) == 0
    assert capsys.readouterr().out.strip() == "a" * 40
    assert cli.main(["cloud", "password", "--new", "short", "--data-dir", str(class_data)]) == 2
    assert "--new must be at least 8 characters" in capsys.readouterr().err

    # export: the command goes to the host through SSM; the fake host archives two homes
    real_run = cloud_aws.run_on_host

    def run_and_archive(region, instance_id, commands, **kw):
        result = real_run(region, instance_id, commands, **kw)
        prefix = re.search(r"--prefix (\S+)", commands[0]).group(1)
        for user in ("lovelace_ada", "hopper_grace"):
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w:gz") as tar:
                data = f"{user}'s notes".encode()
                info = tarfile.TarInfo("notes.txt")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            s3.put_object(Bucket="dragonn-workshop-fakebucket", Key=f"{prefix}{user}.tar.gz",
                          Body=buf.getvalue())  # fmt: skip
        return result

    monkeypatch.setattr(cloud_aws, "run_on_host", run_and_archive)
    assert cli.main(["cloud", "export", "--data-dir", str(class_data)]) == 0
    out = capsys.readouterr().out
    assert "2 archives in" in out
    (export_dir,) = (class_data / "exports").iterdir()
    with tarfile.open(export_dir / "lovelace_ada.tar.gz") as tar:
        assert tar.extractfile("notes.txt").read() == b"lovelace_ada's notes"
    sent = aws.client("ssm").list_commands()["Commands"][-1]
    assert sent["DocumentName"] == "AWS-RunShellScript"
    assert "hub.cloud.agent" in sent["Parameters"]["commands"][0]

    # down refuses while learners work, then destroys and removes the passwords
    assert cli.main(["cloud", "down", "--yes", "--data-dir", str(class_data)]) == 2
    assert "2 learners' servers are running" in capsys.readouterr().err
    host.set_activity(0)
    assert cli.main(["cloud", "down", "--yes", "--data-dir", str(class_data)]) == 0
    assert "destroyed; 2 password parameters deleted" in capsys.readouterr().out
    assert fake_terraform()[-1]["args"][:1] == ["destroy"]
    names = [p["Name"] for p in aws.client("ssm").describe_parameters()["Parameters"]]
    assert not [n for n in names if n.startswith("/dragonn-workshop/")]
    assert cli.main(["cloud", "status", "--data-dir", str(class_data)]) == 1
    assert "no class launched" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_up_reports_a_failed_step_and_down_asks_first(aws, fake_terraform, class_data, capsys,  # noqa: F811
                                                     monkeypatch):  # fmt: skip
    FakeHost(aws, monkeypatch, fail_at="https: ws.example.org resolves to nothing")
    capsys.readouterr()
    assert cli.main(["cloud", "up", "--yes", "--data-dir", str(class_data)]) == 1
    out = capsys.readouterr().out
    assert "the host reports: failed: https: ws.example.org resolves to nothing" in out
    assert "aws ssm start-session --target i-" in out
    # without --yes and without a terminal, down refuses to guess
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert cli.main(["cloud", "down", "--data-dir", str(class_data)]) == 2
    assert "needs an answer" in capsys.readouterr().err
    # a "no" keeps everything
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert cli.main(["cloud", "down", "--data-dir", str(class_data)]) == 1
    assert "nothing destroyed" in capsys.readouterr().out
    assert "destroy" not in [c["args"][0] for c in fake_terraform()]


def test_runbook_cost_table_is_the_price_table():
    from hub.cloud.prices import cost_table_markdown

    runbook = (Path(__file__).resolve().parents[1] / "docs" / "instructor-runbook.md").read_text()
    assert cost_table_markdown("us-east-1") in runbook, (
        "docs/instructor-runbook.md's cost table differs from terraform/prices.json: paste "
        "hub.cloud.prices.cost_table_markdown() into it"
    )
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "(docs/instructor-runbook.md)" in readme


# --- one per-learner figure sizes every deployment -------------------------------------------------
def test_up_refuses_a_class_the_instance_type_cannot_hold(tmp_path, capsys):
    data = tmp_path / "data"
    _settings(data, class_size=30, aws_region="us-east-1", instance_type="g4dn.xlarge")
    capsys.readouterr()
    # refused before AWS or Terraform is asked anything (neither exists here)
    assert cli.main(["cloud", "up", "--yes", "--data-dir", str(data)]) == 2
    err = capsys.readouterr().err
    assert "class_size 30 does not fit instance_type g4dn.xlarge" in err
    assert "learner_memory 3840M" in err and "holds 3 learners" in err
    assert "settings set class_size 3" in err
    # the cheapest GPU type in the price table that holds 30 at 3840M and 0.5 vCPU each
    assert "instance_type g4dn.12xlarge" in err and "holds 43" in err


@pytest.mark.parametrize("page", ["docs/instructor-runbook.md", "README.md"])
def test_the_documented_example_class_fits_its_instance_type(page):
    from hub.cloud.prices import class_fit_problem

    text = (Path(__file__).resolve().parents[1] / page).read_text()
    chosen = dict(re.findall(r"hub/workshop settings set (instance_type|class_size) (\S+)", text))
    defaults = WorkshopSettings()
    assert class_fit_problem(int(chosen["class_size"]), chosen["instance_type"], "us-east-1",
                             defaults.learner_memory, defaults.learner_cpu) is None  # fmt: skip


def test_learner_memory_moves_doctor_cloud_terraform_chart_and_eks(tmp_path):
    """One setting, every deployment: the same change to learner_memory moves doctor's
    threshold, the cloud host's sizing and cost table, Terraform's variables, the chart's
    guarantee and the EKS node count."""
    from hub.cloud import eks as cloud_eks
    from hub.cloud import single_host as cloud
    from hub.cloud.prices import cost_table_markdown
    from hub.cloud.z2jh import chart_values

    def everything(**values):
        s = _settings(tmp_path / ("d" + "-".join(map(str, values.values()))), class_size=5,
                      instance_type="g4dn.xlarge", **values)  # fmt: skip
        single = chart_values(s)["singleuser"]
        return {
            "doctor": s.capacity(total_bytes=24 * 2**30).largest_class,  # a 24 GiB machine
            "cloud": cloud.class_fit(s) is None,  # 5 learners on a g4dn.xlarge
            "terraform": hub_variables(s, environ={})["learner_memory_mb"],
            "chart": (single["memory"]["guarantee"], single["cpu"]["guarantee"]),
            "eks": cloud_eks.plan_class(30, s).learner_nodes,
        }

    assert everything() == {
        "doctor": 5,  # 20.4 GiB usable / 3.75 GiB
        "cloud": False,  # a g4dn.xlarge holds 3
        "terraform": 3840,
        "chart": ("3840M", 0.5),
        "eks": 10,  # 3 per g4dn.xlarge node
    }
    assert everything(learner_memory="2G") == {
        "doctor": 10,
        "cloud": True,  # 6 by memory, 8 by CPU
        "terraform": 2048,
        "chart": ("2G", 0.5),
        "eks": 8,  # 4 per node: 7 by memory, the 4 GPU slices bind
    }
    busy = everything(learner_memory="2G", learner_cpu=1.0)
    assert busy["chart"] == ("2G", 1.0)
    assert busy["cloud"] is False  # 4 vCPU / 1.0: 4 < 5
    assert busy["eks"] == 10  # 3.6 vCPU / 1.0: 3 per node
    # the runbook's table is the default's; another figure gives another learners column
    assert "| g4dn.xlarge | 1x T4 | 4 / 16 GiB | up to 3 |" in cost_table_markdown()
    assert "| g4dn.xlarge | 1x T4 | 4 / 16 GiB | up to 6 |" in cost_table_markdown(
        learner_memory="2G"
    )


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_rate_limited_certificate_is_a_ready_host_with_what_to_do(aws, fake_terraform,  # noqa: F811
                                                                    class_data, capsys,
                                                                    monkeypatch):  # fmt: skip
    note = ("certificate rate-limited: acme-v02.api.letsencrypt.org-directory refused the order "
            "as rate-limited (too many certificates already issued for \"sslip.io\"). Caddy "
            "tries the next certificate authority; to get one now: a domain of your own")  # fmt: skip
    FakeHost(aws, monkeypatch, ready=f"ready ({note})")
    capsys.readouterr()
    assert cli.main(["cloud", "up", "--yes", "--data-dir", str(class_data)]) == 0
    out = capsys.readouterr().out
    assert f"note: the host reports ready ({note})" in out and "ready: https://" in out
    assert cli.main(["cloud", "status", "--data-dir", str(class_data)]) == 0
    assert "status: ready (certificate rate-limited:" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_late_up_from_a_changed_checkout_does_not_replace_the_host_mid_class(
    aws,  # noqa: F811
    fake_terraform,
    class_data,
    capsys,
    monkeypatch,  # noqa: F811
):
    host = FakeHost(aws, monkeypatch)
    assert cli.main(["cloud", "up", "--yes", "--data-dir", str(class_data)]) == 0
    # the same checkout again (a late learner on the roster): no new host, nothing refused
    assert cli.main(["roster", "add", "Katherine", "Johnson", "--data-dir", str(class_data)]) == 0
    capsys.readouterr()
    assert cli.main(["cloud", "up", "--yes", "--no-wait", "--data-dir", str(class_data)]) == 0
    host.set_activity(1, ["lovelace_ada"])
    # a changed checkout: its bundle's SHA-256 changes the user data, so the plan replaces the host
    from hub.cloud import terraform as cloud_tf

    real = cloud_tf.make_bundle

    def changed_bundle(dest, *args, **kwargs):
        real(dest, *args, **kwargs)
        with open(dest, "ab") as fh:
            fh.write(b"changed checkout")
        return "changed"

    monkeypatch.setattr(cloud_tf, "make_bundle", changed_bundle)
    capsys.readouterr()
    assert cli.main(["cloud", "up", "--yes", "--no-wait", "--data-dir", str(class_data)]) == 2
    err = capsys.readouterr().err
    assert "this plan replaces the class's host (1 learners' servers are running" in err
    assert "workshop cloud up --replace" in err
    assert "apply" not in [c["args"][0] for c in fake_terraform()[-2:]]
    # asked for: it goes ahead
    assert cli.main(["cloud", "up", "--yes", "--no-wait", "--replace",
                     "--data-dir", str(class_data)]) == 0  # fmt: skip
    assert fake_terraform()[-2]["args"][0] == "apply"
