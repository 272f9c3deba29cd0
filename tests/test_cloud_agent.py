"""hub/cloud/agent.py, the cloud host's side, on this machine with moto standing in for AWS (the
whole host runs in tests/test_cloud_init.py): settings from the user data, passwords kept in SSM
and never in the data dir's settings, the roster from the class bucket, the idle clock."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from cloud_support import strict_ssm_parameter_types

from hub.cloud import agent as cloud_agent
from hub.credentials import load_or_create
from hub.roster import Roster
from hub.settings import WorkshopSettings

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch):
    from moto import mock_aws

    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    strict_ssm_parameter_types()  # AWS refuses a type change; plain moto does not
    with mock_aws():
        yield


def _settings_env(tmp_path, **extra):
    lines = {
        "WORKSHOP_SPAWNER": "docker",
        "WORKSHOP_CLASS_SIZE": "12",
        "WORKSHOP_ADMIN_USERS": "ada,grace",
        "WORKSHOP_MEM_LIMIT": "",
        "WORKSHOP_CPU_LIMIT": "0",
        "WORKSHOP_CONCURRENT_SPAWN_LIMIT": "0",
        "WORKSHOP_GPU": "auto",
        "WORKSHOP_LEARNER_MEMORY": "2G",
        "WORKSHOP_LEARNER_CPU": "0.75",
        **extra,
    }
    path = tmp_path / "settings.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in lines.items()))
    return path


def test_settings_from_the_user_data(tmp_path):
    data = tmp_path / "hub"
    env = {"CLOUD_PUBLIC_IP": "203.0.113.10", "CLOUD_HTTPS_DOMAIN": ""}
    applied = cloud_agent.apply_settings(data, _settings_env(tmp_path), env)
    assert applied["https"] == "203-0-113-10.sslip.io"
    stored = json.loads((data / "settings.json").read_text())
    assert stored["spawner"] == "docker" and stored["class_size"] == 12
    assert stored["admin_users"] == ["ada", "grace"]
    # "" and 0 keep the host's own defaults: computed from this machine, not written down
    assert not {"mem_limit", "cpu_limit", "concurrent_spawn_limit"} & set(stored)
    settings = WorkshopSettings.load(data, environ={})
    assert settings.public_url == "https://203-0-113-10.sslip.io/"
    # the per-learner figure the instructor set reaches the host; its mem_limit follows it
    assert (settings.learner_memory, settings.learner_cpu, settings.mem_limit) == ("2G", 0.75, "2G")
    # a domain wins; an explicit WORKSHOP_HTTPS (the container test's "internal") wins over both
    env["CLOUD_HTTPS_DOMAIN"] = "ws.example.org"
    assert (
        cloud_agent.apply_settings(data, _settings_env(tmp_path), env)["https"] == "ws.example.org"
    )
    path = _settings_env(tmp_path, WORKSHOP_HTTPS="internal")
    assert cloud_agent.apply_settings(data, path, env)["https"] == "internal"
    with pytest.raises(cloud_agent.AgentError, match="neither CLOUD_HTTPS_DOMAIN nor a public"):
        cloud_agent.apply_settings(data, _settings_env(tmp_path), {})
    with pytest.raises(ValueError, match="class_size must be in"):
        cloud_agent.apply_settings(data, _settings_env(tmp_path, WORKSHOP_CLASS_SIZE="0"), env)


def test_learners_limits_from_the_user_data_reach_their_containers(tmp_path):
    from hub.spawners.docker import hardening

    data = tmp_path / "hub"
    env = {"CLOUD_PUBLIC_IP": "203.0.113.10", "CLOUD_HTTPS_DOMAIN": ""}
    path = _settings_env(tmp_path, WORKSHOP_PIDS_LIMIT="512", WORKSHOP_DISK_LIMIT="0")
    cloud_agent.apply_settings(data, path, env)
    settings = WorkshopSettings.load(data, environ={})
    assert hardening(settings)["pids_limit"] == 512
    assert settings.disk_limit_bytes == 0  # "0" is "no limit", not "computed on the host"
    with pytest.raises(ValueError, match=r"pids_limit must be 0 \(none\) or in \[64"):
        cloud_agent.apply_settings(data, _settings_env(tmp_path, WORKSHOP_PIDS_LIMIT="8"), env)


@pytest.mark.slow
def test_passwords_are_made_once_and_kept_in_ssm(tmp_path, aws):
    import boto3

    ssm = boto3.client("ssm", region_name=REGION)
    first = tmp_path / "first"
    assert "created /ws/workshop-password, /ws/admin-password" in cloud_agent.sync_secrets(
        "ws", first
    )
    made = load_or_create(first, environ={})
    stored = ssm.get_parameter(Name="/ws/workshop-password", WithDecryption=True)["Parameter"]
    assert stored["Type"] == "SecureString" and stored["Value"] == made.workshop_password
    # a replacement host (fresh data dir) takes the same passwords from SSM
    second = tmp_path / "second"
    assert "taken from SSM" in cloud_agent.sync_secrets("ws", second)
    again = load_or_create(second, environ={})
    assert (again.workshop_password, again.admin_password) == (
        made.workshop_password,
        made.admin_password,
    )
    # the instructor's new password (workshop cloud password --new) reaches the hub
    ssm.put_parameter(Name="/ws/workshop-password", Value="new-pass-2026", Type="SecureString",
                      Overwrite=True)  # fmt: skip
    cloud_agent.sync_secrets("ws", second)
    assert load_or_create(second, environ={}).workshop_password == "new-pass-2026"
    assert (
        "new-pass-2026" not in (second / "settings.json").read_text()
        if (second / "settings.json").exists()
        else True
    )


@pytest.mark.slow
def test_roster_comes_from_the_class_bucket(tmp_path, aws):
    import boto3

    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="class")
    data = tmp_path / "hub"
    assert cloud_agent.sync_roster("class", data) is False  # no roster yet: nothing changes
    roster = "username,first_name,last_name\nlovelace_ada,Ada,Lovelace\n"
    s3.put_object(Bucket="class", Key="roster/roster.csv", Body=roster.encode())
    assert cloud_agent.sync_roster("class", data) is True
    assert [e.username for e in Roster.load(data).entries] == ["lovelace_ada"]
    assert cloud_agent.sync_roster("class", data) is False  # unchanged
    s3.put_object(Bucket="class", Key="roster/roster.csv", Body=b"not,a\nroster,file\n")
    with pytest.raises(cloud_agent.AgentError, match="is not a roster.csv"):
        cloud_agent.sync_roster("class", data)
    assert [e.username for e in Roster.load(data).entries] == ["lovelace_ada"]  # the good one stays


@pytest.mark.slow
def test_status_goes_to_ssm_and_a_failed_step_keeps_its_reason(tmp_path, aws, capsys):
    import boto3

    conf = tmp_path / "conf"
    conf.mkdir()
    assert cloud_agent.main(["--name", "ws", "--conf-dir", str(conf), "status", "ready"]) == 0
    ssm = boto3.client("ssm", region_name=REGION)
    assert ssm.get_parameter(Name="/ws/status")["Parameter"]["Value"] == "ready"
    assert "status=ready" in capsys.readouterr().out
    (conf / "settings.env").write_text("WORKSHOP_CLASS_SIZE=0\n")
    (conf / "cloud.env").write_text("CLOUD_PUBLIC_IP=203.0.113.10\n")
    args = ["--name", "ws", "--conf-dir", str(conf), "--data-dir", str(tmp_path / "hub")]
    assert cloud_agent.main([*args, "apply-settings", str(conf / "settings.env")]) == 1
    assert "class_size must be in" in (conf / "last-error").read_text()


def test_idle_clock():
    now = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
    busy = {"servers": 1, "last_activity": None}
    assert cloud_agent.idle_minutes(busy, since_boot_s=10_000, now=now) == 0
    quiet = {"servers": 0, "last_activity": "2026-11-30T11:00:00Z"}
    assert cloud_agent.idle_minutes(quiet, since_boot_s=10_000, now=now) == pytest.approx(60)
    # a fresh boot is not idle for longer than it has been up
    assert cloud_agent.idle_minutes(quiet, since_boot_s=600, now=now) == pytest.approx(10)
    never = {"servers": 0, "last_activity": None}
    assert cloud_agent.idle_minutes(never, since_boot_s=1800, now=now) == pytest.approx(30)


def test_the_stand_in_refuses_a_parameter_type_change_as_aws_does(aws):
    import boto3
    from botocore.exceptions import ClientError

    ssm = boto3.client("ssm", region_name=REGION)
    ssm.put_parameter(Name="/ws/activity", Value="{}", Type="String")
    with pytest.raises(ClientError) as err:
        ssm.put_parameter(Name="/ws/activity", Value="{}", Type="SecureString", Overwrite=True)
    assert err.value.response["Error"]["Code"] == "HierarchyTypeMismatchException"


def test_activity_is_published_on_the_parameter_both_templates_create(aws):
    """CloudFormation (ActivityParameter) and Terraform (aws_ssm_parameter.activity) create
    /<name>/activity with one type; the agent overwrites it every minute with that type."""
    import boto3
    import yaml

    from hub.cloud.agent import ACTIVITY_TYPE, publish_activity
    from hub.paths import REPO_ROOT

    skeleton = yaml.safe_load(
        (REPO_ROOT / "terraform/cloudformation/single-host.template.yaml").read_text()
    )
    cfn_type = skeleton["Resources"]["ActivityParameter"]["Properties"]["Type"]
    main_tf = (REPO_ROOT / "terraform/aws-single-host/main.tf").read_text()
    tf_block = main_tf.split('resource "aws_ssm_parameter" "activity"', 1)[1].split("\n}\n", 1)[0]
    tf_type = re.search(r'type\s*=\s*"(\w+)"', tf_block).group(1)
    assert cfn_type == tf_type == ACTIVITY_TYPE
    ssm = boto3.client("ssm", region_name=REGION)
    ssm.put_parameter(Name="/ws/activity", Value="{}", Type=cfn_type)
    publish_activity("ws", {"servers": 1, "users": ["doe_jane"], "last_activity": None})
    stored = ssm.get_parameter(Name="/ws/activity")["Parameter"]
    assert stored["Type"] == cfn_type and json.loads(stored["Value"])["users"] == ["doe_jane"]
