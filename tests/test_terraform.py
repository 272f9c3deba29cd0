"""terraform/aws-single-host, proven without a cloud.

Fast: the module's variables are the hub settings plus the cloud ones, with the same defaults;
the root passes them all; python-hcl2 policy checks; ``terraform fmt``; user data placeholders.
Slow (they build their tools once, cached in /tmp/dragonn-workshop-tools): each policy fires on a
weakened copy; ``terraform validate`` against a schema-only stand-in of hashicorp/aws (a misspelt
argument fails); ``terraform test`` with a mocked provider; checkov; the rendered user data through
cloud-init's schema and shellcheck.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time

import pytest
from cloud_support import (
    MODULE,
    PROVISION,
    ROOT,
    TERRAFORM,
    USER_DATA,
    need_terraform,
    render_user_data,
    user_data_files,
    user_data_values,
)
from terraform_policy import load_config, violations

from hub.cloud.prices import estimate
from hub.cloud.template import user_data_bindings
from hub.cloud.terraform import (
    CLOUD_VARIABLES,
    HOST_DEPENDENT,
    MANAGED_VARIABLES,
    settings_variables,
)
from hub.settings import WorkshopSettings

TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def module_cfg():
    return load_config(MODULE)


@pytest.fixture(scope="module")
def root_cfg():
    return load_config(ROOT)


def _default(var: dict):
    return var.get("default")


# --- fast ------------------------------------------------------------------------------------------
def test_module_variables_are_the_hub_settings_plus_the_cloud_ones(module_cfg):
    settings_keys = set(settings_variables(WorkshopSettings()))
    cloud_keys = set(CLOUD_VARIABLES) | MANAGED_VARIABLES
    assert not settings_keys & cloud_keys
    assert set(module_cfg["variable"]) == settings_keys | cloud_keys


def test_module_defaults_are_the_hub_settings_defaults(module_cfg):
    hub = settings_variables(WorkshopSettings())
    for name, value in hub.items():
        default = _default(module_cfg["variable"][name])
        if name in HOST_DEPENDENT:
            assert default == HOST_DEPENDENT[name], name  # computed on the host
        elif name == "spawner":
            assert default == "docker"  # a cloud host always isolates learners
        else:
            assert default == value, f"{name}: module {default!r} != settings {value!r}"
    for name, var in module_cfg["variable"].items():
        assert var.get("nullable") is False, f"{name}: the root passes null for 'use the default'"
        assert var.get("description"), f"{name} has no description"


def test_root_passes_every_module_variable(module_cfg, root_cfg):
    assert set(root_cfg["variable"]) == set(module_cfg["variable"])
    for name, var in root_cfg["variable"].items():
        assert var["type"] == module_cfg["variable"][name]["type"], name
        assert var.get("default") == (
            module_cfg["variable"][name]["default"] if name == "aws_region" else None
        ), name
    call = root_cfg["module"]["workshop"]
    assert call["source"] == "../"
    for name in module_cfg["variable"]:
        assert call[name] == f"${{var.{name}}}", name
    module_outputs = set(module_cfg["output"])
    assert set(root_cfg["output"]) == module_outputs


def test_example_tfvars_sets_only_real_variables(module_cfg):
    import hcl2

    with open(ROOT / "example.tfvars", encoding="utf-8") as fh:
        example = hcl2.load(fh)
    unknown = set(example) - set(module_cfg["variable"]) - {"__comments__"}
    assert not unknown, f"example.tfvars sets variables the module lacks: {unknown}"


def test_the_module_passes_the_policies():
    assert violations(MODULE, USER_DATA) == []


def test_user_data_placeholders_are_bound_by_terraform_and_cloudformation(module_cfg):
    placeholders = set(re.findall(r"\$\{(\w+)\}", USER_DATA.read_text(encoding="utf-8")))
    assert placeholders == set(user_data_values())
    assert placeholders == set(user_data_bindings())
    call = module_cfg["resource"]["aws_instance"]["host"]["user_data"]
    bound = set(re.findall(r"\b(\w+)\s*=", call.split("user-data.yaml.tftpl", 1)[1]))
    assert bound == placeholders
    assert "%{" not in USER_DATA.read_text(), "no template directives: CloudFormation has none"


def test_the_class_fits_check_is_the_cli_rule(module_cfg):
    """Terraform's precondition (class_size <= learners_per_host) uses the constants of
    hub/cloud/prices.py learners_per_instance and hub/capacity.py; terraform test
    (single_host.tftest.hcl) checks its boundary on a g4dn.xlarge at two learner_memory values."""
    from hub.capacity import USABLE_FRACTION
    from hub.cloud.prices import LEARNERS_PER_GPU_MAX, learners_per_instance

    local = module_cfg["locals"]
    assert local["usable_memory_fraction"] == USABLE_FRACTION
    assert local["learners_per_gpu_max"] == LEARNERS_PER_GPU_MAX
    assert "var.learner_memory_mb" in local["learners_by_memory"]
    assert "var.learner_cpu" in local["learners_by_cpu"]
    conditions = [p["condition"] for p in module_cfg["resource"]["aws_instance"]["host"]
                  ["lifecycle"][0]["precondition"]]  # fmt: skip
    assert "${var.class_size <= local.learners_per_host}" in conditions
    # the figures single_host.tftest.hcl expects
    assert learners_per_instance("g4dn.xlarge", 3840 * 2**20, 0.5) == 3
    assert learners_per_instance("g4dn.xlarge", 2048 * 2**20, 0.5) == 6


def test_auto_instance_type_is_the_cli_rule(module_cfg):
    """instance_type "auto" in the module picks what hub/cloud/prices.py picks: the cheapest GPU
    type of the region whose host holds the class (single_host.tftest.hcl checks class_size 30
    gives g4dn.12xlarge and that a g4dn.xlarge refuses 30)."""
    from hub.cloud.prices import cheapest_type_that_holds

    local = module_cfg["locals"]
    assert module_cfg["variable"]["instance_type"]["default"] == "auto"
    assert 'var.instance_type == "auto"' in local["instance_type"]
    assert "gpus > 0" in local["auto_fits"] and "var.class_size" in local["auto_fits"]
    assert cheapest_type_that_holds(30, "us-west-2", "3840M", 0.5) == "g4dn.12xlarge"
    assert cheapest_type_that_holds(3, "us-west-2", "3840M", 0.5) == "g4dn.xlarge"
    tftest = (MODULE / "tests" / "single_host.tftest.hcl").read_text()
    assert 'aws_instance.host.instance_type == "g4dn.12xlarge"' in tftest


def test_terraform_fmt():
    exe = need_terraform()
    out = subprocess.run([exe, "fmt", "-check", "-recursive", "-diff", str(TERRAFORM)],
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr


def test_cost_output_matches_the_cli_estimate():
    # terraform test asserts output.cost_per_hour_usd == 0.548 for the defaults in us-west-2
    est = estimate("g4dn.xlarge", "us-west-2", volume_gib=150, hours=8)
    assert round(est.per_hour + 0.0005, 3) == 0.548
    tftest = (MODULE / "tests" / "single_host.tftest.hcl").read_text()
    assert "output.cost_per_hour_usd == 0.548" in tftest


# --- slow ------------------------------------------------------------------------------------------
MUTATIONS = {
    "imds hop limit 2": ("main.tf", "http_put_response_hop_limit = 1",
                         "http_put_response_hop_limit = 2", "hop_limit must be 1"),
    "imds optional": ("main.tf", 'http_tokens                 = "required"',
                      'http_tokens                 = "optional"', "http_tokens must be 'required'"),
    "root unencrypted": ("main.tf", "    encrypted             = true",
                         "    encrypted             = false", "root_block_device must be encrypted"),
    "homes unencrypted": ("main.tf", 'size              = var.homes_volume_gib\n  encrypted         = true',
                          'size              = var.homes_volume_gib\n  encrypted         = false',
                          "aws_ebs_volume.homes must be encrypted"),
    "ssh to the world": ("network.tf", "cidr_ipv4         = var.admin_cidr",
                         'cidr_ipv4         = "0.0.0.0/0"', "opens SSH to the world"),
    "password in outputs": ("outputs.tf", "value       = aws_instance.host.id",
                            'value       = "admin password ${aws_instance.host.id}"',
                            "exposes a secret-like value"),
    "no stop schedule": ("schedule.tf", "aws-sdk:ec2:stopInstances", "aws-sdk:ec2:describeInstances",
                         "no aws_scheduler_schedule stops the instance"),
    "untagged volume": ("main.tf", 'tags              = merge(local.tags, { Name = "${var.name}-homes" })',
                        "", "aws_ebs_volume.homes has no tags"),
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_each_policy_fires_on_a_weakened_copy(tmp_path, mutation):
    filename, old, new, expected = MUTATIONS[mutation]
    copy = tmp_path / "module"
    shutil.copytree(MODULE, copy, ignore=shutil.ignore_patterns("root", "tests"))
    text = (copy / filename).read_text()
    assert text.count(old) == 1, f"{mutation}: {old!r} not found once in {filename}"
    (copy / filename).write_text(text.replace(old, new))
    found = violations(copy, USER_DATA)
    assert any(expected in v for v in found), found


@pytest.fixture(scope="module")
def offline_terraform(tmp_path_factory):
    """A copy of terraform/ with modules installed, and the environment that makes Terraform
    use the schema-only stand-in for hashicorp/aws."""
    from terraform_standin import TIMINGS as STANDIN_TIMINGS
    from terraform_standin import standin_env

    exe = need_terraform()
    work = tmp_path_factory.mktemp("tf")
    shutil.copytree(TERRAFORM, work / "terraform", ignore=shutil.ignore_patterns(".terraform*"))
    start = time.monotonic()
    env = standin_env(work / "cli", MODULE, ROOT)
    TIMINGS["standin (first run builds it)"] = time.monotonic() - start
    TIMINGS.update(STANDIN_TIMINGS)
    for folder in (
        work / "terraform" / "aws-single-host",
        work / "terraform" / "aws-single-host" / "root",
    ):
        subprocess.run(
            [exe, "get", "-no-color"], cwd=folder, env=env, capture_output=True, check=True
        )
    return exe, work / "terraform" / "aws-single-host", env


def _terraform(exe, folder, env, *args, timeout=300):
    return subprocess.run([exe, *args, "-no-color"], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=timeout)  # fmt: skip


@pytest.mark.slow
def test_validate_passes_and_a_misspelt_argument_fails(offline_terraform):
    exe, module, env = offline_terraform
    for folder in (module, module / "root"):
        start = time.monotonic()
        out = _terraform(exe, folder, env, "validate")
        TIMINGS[f"validate {folder.name}"] = time.monotonic() - start
        assert out.returncode == 0, out.stderr
    main = module / "main.tf"
    text = main.read_text()
    try:
        main.write_text(text.replace("http_put_response_hop_limit", "http_put_response_hoplimit"))
        out = _terraform(exe, module, env, "validate")
        assert out.returncode != 0
        assert 'An argument named "http_put_response_hoplimit" is not expected here' in out.stderr
        main.write_text(text.replace("aws_eip.host.public_ip", "aws_eip.host.public_ipv4", 1))
        out = _terraform(exe, module, env, "validate")
        assert out.returncode != 0 and "Unsupported attribute" in out.stderr
    finally:
        main.write_text(text)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_terraform_test_with_a_mocked_provider(offline_terraform):
    exe, module, env = offline_terraform
    start = time.monotonic()
    out = _terraform(exe, module, env, "test", timeout=540)
    TIMINGS["terraform test"] = time.monotonic() - start
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    passed = re.search(r"Success! (\d+) passed, 0 failed", out.stdout)
    assert passed and int(passed.group(1)) >= 8, out.stdout[-2000:]
    print(f"\nterraform timings: {json.dumps({k: round(v, 1) for k, v in TIMINGS.items()})}")


CHECKOV = ["checkov==3.3.30"]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_checkov_finds_no_failed_check(tmp_path):
    from tool_cache import tool_venv

    start = time.monotonic()
    venv = tool_venv("checkov", CHECKOV)
    TIMINGS["checkov venv"] = time.monotonic() - start
    start = time.monotonic()
    report = tmp_path / "checkov"
    out = subprocess.run(
        [str(venv / "bin" / "checkov"), "-d", str(MODULE), "--framework", "terraform",
         "--skip-download", "--compact", "-o", "json", "--output-file-path", str(report)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    TIMINGS["checkov scan"] = time.monotonic() - start
    results = json.loads((report / "results_json.json").read_text())
    results = results if isinstance(results, list) else [results]
    failed = [f"{c['check_id']} {c['resource']} ({c['file_path']})"
              for r in results for c in r["results"]["failed_checks"]]  # fmt: skip
    passed = sum(len(r["results"]["passed_checks"]) for r in results)
    skipped = [c for r in results for c in r["results"]["skipped_checks"]]
    assert not failed, "\n".join(failed)
    assert passed > 30, out.stdout[-2000:]
    for check in skipped:  # every deliberate skip says why, next to the resource
        assert len(check["check_result"].get("suppress_comment") or "") > 15, check["check_id"]
    print(f"\ncheckov: {passed} passed, {len(skipped)} skipped with reasons, "
          f"venv {TIMINGS['checkov venv']:.0f} s, scan {TIMINGS['checkov scan']:.0f} s")  # fmt: skip


@pytest.mark.slow
def test_rendered_user_data_passes_cloud_init_schema_and_shellcheck(tmp_path):
    import yaml
    from tool_cache import debian_package

    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck not installed (tests/system_deps.sh installs it)")
    values = user_data_values(https_domain="workshop.example.org", admin_users="ada,grace")
    rendered = render_user_data(values, tmp_path / "render")
    assert rendered.startswith("#cloud-config\n")
    assert len(rendered.encode()) < 16384, "EC2 user data is limited to 16 KB"
    files = user_data_files(rendered)
    assert "CLOUD_HTTPS_DOMAIN=workshop.example.org" in files["/etc/dragonn-workshop/cloud.env"]
    assert "WORKSHOP_ADMIN_USERS=ada,grace" in files["/etc/dragonn-workshop/settings.env"]

    # cloud-init's own schema (Debian's cloud-init, unpacked, not installed)
    package = debian_package("cloud-init")
    dist = next(package.glob("usr/lib/python3/dist-packages"))
    check = (
        "import sys, yaml\n"
        "from cloudinit.config.schema import get_schema, validate_cloudconfig_schema\n"
        "validate_cloudconfig_schema(yaml.safe_load(sys.stdin), get_schema(), strict=True)\n"
    )
    import sys

    for doc, ok in (
        (rendered, True),
        (rendered.replace('permissions: "0755"', "permissions: 493"), False),
    ):
        out = subprocess.run([sys.executable, "-c", check], input=doc, text=True,
                             capture_output=True, env={"PYTHONPATH": str(dist), "PATH": "/usr/bin:/bin"})  # fmt: skip
        assert (out.returncode == 0) == ok, out.stderr[-2000:]
    assert yaml.safe_load(rendered)["runcmd"] == [["/usr/local/sbin/dragonn-workshop-bootstrap"]]

    # shellcheck on the rendered bootstrap and on the provisioning script
    bootstrap = tmp_path / "bootstrap.sh"
    bootstrap.write_text(files["/usr/local/sbin/dragonn-workshop-bootstrap"])
    for script in (bootstrap, PROVISION):
        out = subprocess.run(
            ["shellcheck", "-S", "warning", str(script)], capture_output=True, text=True
        )
        assert out.returncode == 0, f"{script.name}:\n{out.stdout}"
    broken = tmp_path / "broken.sh"
    broken.write_text("#!/bin/bash\nrm -rf $dir/\n")
    assert (
        subprocess.run(["shellcheck", "-S", "warning", str(broken)], capture_output=True).returncode
        != 0
    )
