"""``workshop cloud ... --target eks``: the load figures on paper, and the up/down flows against
fake ``terraform``, ``aws`` and ``kubectl`` programs on PATH that record their calls (AWS and a
cluster cannot exist here)."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from hub.cli import main as cli
from hub.cloud import eks as cloud_eks
from hub.credentials import load_or_create
from hub.settings import WorkshopSettings

REPO_ROOT = Path(__file__).resolve().parents[1]


def settings(tmp_path, **overrides) -> WorkshopSettings:
    return WorkshopSettings.load(tmp_path / "data", overrides=overrides)


# --- the plan -------------------------------------------------------------------------------------
def test_gpu_class_sizes_from_the_guarantees_and_slices(tmp_path):
    s = settings(tmp_path, gpu="all")
    # g4dn.xlarge: 16 GiB - 1.5 reserved = 14.5 -> 3 learners at learner_memory 3840M;
    # 4 vCPU - 0.4 = 3.6 -> 7 at learner_cpu 0.5; 1 GPU x 4 slices -> 4
    plans = {n: cloud_eks.plan_class(n, s) for n in (30, 100, 300)}
    assert {n: p.learners_per_node for n, p in plans.items()} == {30: 3, 100: 3, 300: 3}
    assert {n: p.learner_nodes for n, p in plans.items()} == {30: 10, 100: 34, 300: 100}
    assert {n: p.system_nodes for n, p in plans.items()} == {30: 1, 100: 1, 300: 2}
    assert plans[100].gpu_vcpus == 136
    # 10 x 0.526 + 0.2016 (system) + 0.1 + 0.045 + 0.0225 + (300 + 1100 GiB) x 0.08 / 730
    assert plans[30].per_hour == pytest.approx(5.7825, abs=1e-3)
    # fewer learners per GPU: more nodes; more: memory still binds
    assert cloud_eks.plan_class(100, s, learners_per_gpu=2).learner_nodes == 50
    assert cloud_eks.plan_class(100, s, learners_per_gpu=8).learners_per_node == 3


def test_the_one_learner_figure_sizes_the_nodes(tmp_path):
    # learner_memory is what a pod is guaranteed, so what the scheduler packs on
    assert cloud_eks.plan_class(30, settings(tmp_path, gpu="all", learner_memory="6G")
                                ).learners_per_node == 2  # 14.5 GiB / 6 GiB  # fmt: skip
    assert cloud_eks.plan_class(30, settings(tmp_path, gpu="all", learner_memory="3G")
                                ).learners_per_node == 4  # then the 4 GPU slices bind  # fmt: skip
    # a higher cap alone (mem_limit) lets pods burst but packs the same
    assert cloud_eks.plan_class(30, settings(tmp_path, gpu="all", mem_limit="6G")
                                ).learners_per_node == 3  # fmt: skip
    cpu = settings(tmp_path, gpu="none")
    plan = cloud_eks.plan_class(30, cpu)  # m7i.2xlarge: 30.5 GiB / 3.75 -> 8; 7.6 / 0.5 -> 15
    assert plan.node_type == "m7i.2xlarge" and plan.learners_per_node == 8 and plan.gpu_vcpus == 0
    busy = settings(tmp_path, gpu="none", learner_cpu=2.0)  # 7.6 vCPU / 2 -> 3
    assert cloud_eks.plan_class(30, busy).learners_per_node == 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"learners": 0}, "learners must be"),
        ({"learners": 30, "region": "mars-north-1"}, "aws_region must be one of"),
        ({"learners": 30, "gpu_instance_type": "m7i.xlarge"}, "must have a GPU"),
        ({"learners": 30, "gpu_instance_type": "p5.48xlarge"}, "has no price"),
    ],
)
def test_bad_plan_input_is_named(tmp_path, kwargs, message):
    s = settings(tmp_path, gpu="all")
    with pytest.raises(ValueError, match=message):
        cloud_eks.plan_class(settings=s, **kwargs)


@pytest.mark.parametrize("gpu", ["all", "none"])
def test_the_runbook_table_is_what_plan_prints(tmp_path, capsys, gpu):
    """docs/eks.md quotes `workshop cloud plan --target eks --learners 30,100,300` for a GPU and
    a CPU-only class; the test keeps the page true."""
    data = str(tmp_path / "data")
    assert cli.main(["settings", "set", "gpu", gpu, "--data-dir", data]) == 0
    capsys.readouterr()
    assert cli.main(["cloud", "plan", "--target", "eks", "--learners", "30,100,300",
                     "--data-dir", data]) == 0  # fmt: skip
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| 30")
            or line.startswith("| 100") or line.startswith("| 300")]  # fmt: skip
    assert len(rows) == 3
    page = (REPO_ROOT / "docs" / "eks.md").read_text(encoding="utf-8")
    for row in rows:
        assert row in page, f"docs/eks.md lacks the plan row:\n{row}"


# --- up / down against recorded fakes --------------------------------------------------------------
FAKE = """#!/usr/bin/env python3
import json, os, sys
log = os.environ["FAKE_LOG"]
stdin = "" if sys.stdin.isatty() else sys.stdin.read()
with open(log, "a") as fh:
    fh.write(json.dumps({"argv": [os.path.basename(sys.argv[0]), *sys.argv[1:]], "stdin": stdin}) + "\\n")
name, args = os.path.basename(sys.argv[0]), sys.argv[1:]
if name == "kubectl" and "get" in args and "svc" in args:
    print("k8s-workshop-proxypub-123.elb.us-west-2.amazonaws.com")
if name == "kubectl" and "get" in args and "pvc" in args:
    print(json.dumps({"items": [
        {"metadata": {"name": "claim-doe-5fjane", "annotations": {"hub.jupyter.org/username": "doe_jane"}}},
        {"metadata": {"name": "claim-roe-5frick", "annotations": {"hub.jupyter.org/username": "roe_rick"}}},
    ]}))
if name == "kubectl" and "exec" in args:
    sys.stdout.write("tar-of-" + args[args.index("exec") + 1])
if name == "kubectl" and "wait" in args and os.environ.get("FAKE_WAIT_FAILS"):
    sys.exit(1)
if name == "aws" and "describe-load-balancers" in args:
    count = os.environ["FAKE_LOG"] + ".lb"
    n = int(open(count).read()) if os.path.exists(count) else 0
    open(count, "w").write(str(n + 1))
    print("1" if n == 0 else "0")  # the load balancer goes away after one poll
"""


@pytest.fixture
def fakes(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("terraform", "aws", "kubectl"):
        path = bin_dir / name
        path.write_text(FAKE)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_LOG", str(log))

    def calls():
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    return calls


def _data(tmp_path) -> str:
    data = str(tmp_path / "data")
    for name, value in (
        ("https", "ws.example.org"),
        ("acme_email", "t@example.org"),
        ("gpu", "all"),
    ):
        assert cli.main(["settings", "set", name, value, "--data-dir", data]) == 0
    return data


def test_up_runs_three_steps_and_passes_the_passwords_only_through_stdin(tmp_path, fakes, capsys):
    data = _data(tmp_path)
    assert cli.main(["cloud", "up", "--target", "eks", "--admin-cidr", "203.0.113.10/32",
                     "--data-dir", data]) == 0  # fmt: skip
    calls = fakes()
    argv = [" ".join(c["argv"]) for c in calls]
    steps = [a for a in argv if a.startswith("terraform") and "apply" in a]
    assert "install_apps=false" in steps[0]
    assert "-target=kubernetes_namespace_v1.hub" in steps[1]
    assert "install_apps=true" in steps[2]
    (secret_call,) = [c for c in calls if c["argv"][0] == "kubectl" and "apply" in c["argv"]]
    assert argv.index(" ".join(secret_call["argv"])) < argv.index(steps[2])
    # after the chart: the public Service keeps learners' addresses (the login limits need them)
    (patch,) = [c["argv"] for c in calls if c["argv"][0] == "kubectl" and "patch" in c["argv"]]
    assert argv.index(" ".join(patch)) > argv.index(steps[2])
    assert patch[patch.index("patch") + 1 :][:2] == ["service", "proxy-public"]
    assert json.loads(patch[-1]) == {"spec": {"externalTrafficPolicy": "Local"}}
    secret = json.loads(secret_call["stdin"])
    creds = load_or_create(data)
    assert base64.b64decode(secret["data"]["workshop-password"]).decode() == creds.workshop_password
    # nowhere else: not in an argument, not in a file Terraform reads
    for call in calls:
        assert creds.workshop_password not in " ".join(call["argv"])
    for path in (Path(data) / "eks").rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert creds.workshop_password not in text and creds.admin_password not in text, path
    tfvars = json.loads(next((Path(data) / "eks").rglob("terraform.tfvars.json")).read_text())
    assert tfvars["admin_cidrs"] == ["203.0.113.10/32"]
    assert tfvars["gpu_max_nodes"] == 10  # the class of 30 on GPU nodes, 3 per node
    # the hub's per-learner process limit becomes every node's per-pod one
    assert tfvars["pod_pids_limit"] == WorkshopSettings.load(data).pids_limit == 2048


def test_up_refuses_without_admin_cidr_or_domain(tmp_path, fakes, capsys):
    data = _data(tmp_path)
    assert cli.main(["cloud", "up", "--target", "eks", "--data-dir", data]) == 2
    assert "--admin-cidr is required" in capsys.readouterr().err
    bare = str(tmp_path / "bare")
    assert cli.main(["cloud", "up", "--target", "eks", "--admin-cidr", "203.0.113.10/32",
                     "--data-dir", bare]) == 2  # fmt: skip
    assert "https must be a domain" in capsys.readouterr().err
    assert fakes() == []  # nothing ran


def test_down_removes_the_hub_waits_for_the_load_balancer_then_destroys(
    tmp_path, fakes, monkeypatch
):
    data = _data(tmp_path)
    assert cli.main(["cloud", "up", "--target", "eks", "--admin-cidr", "203.0.113.10/32",
                     "--data-dir", data]) == 0  # fmt: skip
    before = len(fakes())
    monkeypatch.setattr(cloud_eks.time, "sleep", lambda s: None)
    assert cli.main(["cloud", "down", "--target", "eks", "--yes", "--data-dir", data]) == 0
    argv = [" ".join(c["argv"]) for c in fakes()[before:]]
    removal = next(i for i, a in enumerate(argv) if "install_apps=false" in a)
    polls = [i for i, a in enumerate(argv) if "describe-load-balancers" in a]
    destroy = next(i for i, a in enumerate(argv) if a.startswith("terraform") and " destroy" in a)
    assert removal < polls[0] < polls[-1] < destroy and len(polls) == 2
    assert "k8s-workshop-proxypub-123.elb" in argv[polls[0]]
    # the admin CIDR of `up` is kept: teardown does not lock the instructor out of the API
    tfvars = json.loads(next((Path(data) / "eks").rglob("terraform.tfvars.json")).read_text())
    assert tfvars["admin_cidrs"] == ["203.0.113.10/32"]


def test_down_asks_first(tmp_path, fakes, monkeypatch, capsys):
    data = _data(tmp_path)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    assert cli.main(["cloud", "down", "--target", "eks", "--data-dir", data]) == 1
    assert "nothing destroyed" in capsys.readouterr().out
    assert fakes() == []


def test_password_comes_from_the_data_dir_the_secret_was_made_from(tmp_path, capsys):
    data = _data(tmp_path)
    creds = load_or_create(data)
    capsys.readouterr()
    assert cli.main(["cloud", "password", "--target", "eks", "--data-dir", data]) == 0
    assert capsys.readouterr().out.strip() == creds.workshop_password
    assert cli.main(["cloud", "password", "--target", "eks", "--admin", "--data-dir", data]) == 0
    assert capsys.readouterr().out.strip() == creds.admin_password


def test_export_archives_each_home_through_a_read_only_pod(tmp_path, fakes, capsys):
    from z2jh_render import validate_all

    data = _data(tmp_path)
    dest = tmp_path / "exports"
    assert cli.main(["cloud", "export", "--target", "eks", "--dest", str(dest),
                     "--data-dir", data]) == 0  # fmt: skip
    assert sorted(p.name for p in dest.iterdir()) == ["doe_jane.tar.gz", "roe_rick.tar.gz"]
    assert (dest / "doe_jane.tar.gz").read_text() == "tar-of-export-claim-doe-5fjane"
    calls = fakes()
    pods = [json.loads(c["stdin"]) for c in calls if "apply" in c["argv"]]
    validate_all(pods)  # real Pod objects for the API
    for pod in pods:
        (mount,) = pod["spec"]["containers"][0]["volumeMounts"]
        assert mount["readOnly"] is True and pod["spec"]["securityContext"]["runAsUser"] == 1000
    deletes = [c for c in calls if "delete" in c["argv"]]
    assert len(deletes) == 2  # no export pod left behind


def test_export_says_whose_server_blocks_the_volume(tmp_path, fakes, monkeypatch, capsys):
    data = _data(tmp_path)
    monkeypatch.setenv("FAKE_WAIT_FAILS", "1")
    assert cli.main(["cloud", "export", "--target", "eks", "--dest", str(tmp_path / "x"),
                     "--data-dir", data]) == 2  # fmt: skip
    assert "doe_jane's home could not be mounted" in capsys.readouterr().err
    assert any("delete" in c["argv"] for c in fakes())  # cleaned up all the same


def test_class_hours_are_in_the_instructors_time_zone(tmp_path, monkeypatch):
    """The GPU pool's class hours, like the single host's daily stop, are local time: `prepare`
    adds this machine's zone when the instructor gave none (the module has no UTC default)."""
    import json

    from hub.cloud import eks as cloud_eks

    monkeypatch.setenv("TZ", "America/Los_Angeles")
    settings = WorkshopSettings.load(tmp_path / "d", environ={})
    hours = {"start": "30 8 * * MON-FRI", "end": "0 18 * * MON-FRI"}
    module = cloud_eks.prepare(settings, {"class_hours": hours})
    tfvars = json.loads((module / "terraform.tfvars.json").read_text())
    assert tfvars["class_hours"] == {**hours, "time_zone": "America/Los_Angeles"}
    nodes = (module / "nodes.tf").read_text()
    assert "Etc/UTC" not in nodes and nodes.count("var.class_hours.time_zone") == 2
