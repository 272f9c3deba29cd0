"""Render the Zero to JupyterHub chart offline and read back what the hub pod would load.

The chart is ``../shared/z2jh/chart/jupyterhub`` (the z2jh repository's chart folder, BSD-3),
rendered with PyPI ``helm-python-sdk`` (Helm's Go SDK through ctypes, no helm binary) exactly as
``helm install`` would render it; every object is then checked against the Kubernetes API
schemas of ``KUBERNETES_VERSION`` with PyPI ``kubernetes-validate`` (strict: unknown fields fail).
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
# shared/ lies beside the checkout (CI), or beside a folder above it (a worktree)
SHARED = next(
    (p / "shared" for p in REPO_ROOT.parents if (p / "shared" / "z2jh").is_dir()),
    REPO_ROOT.parent / "shared",
)
CHART = SHARED / "z2jh" / "chart" / "jupyterhub"
#: the EKS version terraform/aws-eks creates (the chart needs >= 1.32)
KUBERNETES_VERSION = "1.33"
RELEASE, NAMESPACE = "workshop", "workshop"


def publisher_values(chart_version: str) -> dict:
    """The image tags the chart's publisher (chartpress) writes into a released chart.

    The chart folder in shared/ is a source checkout whose own images say
    ``set-by-chartpress``; a released chart (what Terraform installs) has them filled in.
    """
    return {
        "hub": {"image": {"tag": chart_version}},
        "proxy": {"secretSync": {"image": {"tag": chart_version}}},
        "singleuser": {"networkTools": {"image": {"tag": chart_version}}},
        "prePuller": {"hook": {"image": {"tag": chart_version}}},
    }


def merge(base: dict, extra: dict) -> dict:
    """``extra`` merged into a copy of ``base``, recursively (dicts only; extra wins)."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def render(values: dict) -> list[dict]:
    """Every Kubernetes object the chart renders for ``values`` (as ``helm install`` would)."""
    helm = pytest.importorskip("helm_python", reason="dev extra: helm-python-sdk")
    if not (CHART / "Chart.yaml").exists():
        pytest.skip(f"z2jh chart not available at {CHART}")
    from hub.cloud.z2jh import CHART_VERSION

    with helm.Chart.load(str(CHART)) as chart:
        manifests = chart.render(
            values=merge(publisher_values(CHART_VERSION), values),
            name=RELEASE,
            namespace=NAMESPACE,
            is_install=True,
        )
    objects = []
    for path, text in sorted(manifests.items()):
        if not path.endswith((".yaml", ".yml")):
            continue  # NOTES.txt
        for doc in yaml.safe_load_all(text):
            if doc:
                objects.append(doc)
    return objects


def validate_all(objects: list[dict]) -> None:
    """Raise ``kubernetes_validate.ValidationError`` for the first object the API would refuse."""
    kubernetes_validate = pytest.importorskip(
        "kubernetes_validate", reason="dev extra: kubernetes-validate"
    )
    for obj in objects:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def find(objects: list[dict], kind: str, name: str) -> dict:
    for obj in objects:
        if obj["kind"] == kind and obj["metadata"]["name"] == name:
            return obj
    raise LookupError(
        f"no {kind} {name!r} among {[(o['kind'], o['metadata']['name']) for o in objects]}"
    )


def hub_values(objects: list[dict]) -> dict:
    """The values the hub pod loads: ``values.yaml`` of the chart's ``hub`` Secret, which the
    chart mounts at /usr/local/etc/jupyterhub/secret and its jupyterhub_config.py reads."""
    secret = find(objects, "Secret", "hub")
    return yaml.safe_load(base64.b64decode(secret["data"]["values.yaml"]))


def hub_config(
    objects: list[dict], relocate: dict[str, str] | None = None, environ: dict | None = None
):
    """The traitlets ``Config`` the hub pod would load (:func:`apply_chart_config`) for the
    rendered ``objects``. ``relocate``: text replaced in the values first (pod paths and
    Service addresses -> this machine's, :func:`relocated`); ``environ``: the hub's environment
    variables the snippets read (the passwords)."""
    import os
    from unittest.mock import patch

    from traitlets.config import Config

    c = Config()
    with patch.dict(os.environ, environ or {}):
        apply_chart_config(c, relocated(hub_values(objects), relocate), service_tokens(objects))
    return c


def relocated(values: dict, relocate: dict[str, str] | None) -> dict:
    """``values`` with each key of ``relocate`` replaced by its value, wherever it occurs."""
    text = json.dumps(values)
    for old, new in (relocate or {}).items():
        text = text.replace(old, new)
    return json.loads(text)


def service_tokens(objects: list[dict]) -> dict[str, str]:
    """``{service: API token}``: what the chart generated into its ``hub`` Secret."""
    data = find(objects, "Secret", "hub")["data"]
    prefix, suffix = "hub.services.", ".apiToken"
    return {
        key[len(prefix) : -len(suffix)]: base64.b64decode(value).decode()
        for key, value in data.items()
        if key.startswith(prefix) and key.endswith(suffix)
    }


def apply_chart_config(c, values: dict, tokens: dict[str, str]) -> None:
    """Do to ``c`` what the chart's ``jupyterhub_config.py`` (files/hub/) does with the parts
    of ``values`` the workshop sets, in its order: ``templateVars``, ``services`` (with the
    chart's generated ``tokens``), ``loadRoles``, ``hub.config``, then every ``hub.extraConfig``
    snippet ``exec``'d with ``c``. Imports nothing of the repository: a hub process run with
    only the mounted code on its path calls it from its config file."""
    hub = values["hub"]
    c.JupyterHub.services = []
    c.JupyterHub.load_roles = []
    if hub.get("templateVars"):
        c.JupyterHub.template_vars = hub["templateVars"]
    for key, service in hub.get("services", {}).items():
        service.setdefault("name", key)
        service.pop("apiToken", None)
        service["api_token"] = tokens[key]
        c.JupyterHub.services.append(service)
    for key, role in hub.get("loadRoles", {}).items():
        role.setdefault("name", key)
        c.JupyterHub.load_roles.append(role)
    for section, cfg in hub.get("config", {}).items():
        c[section].update(cfg)
    for _, snippet in sorted(hub.get("extraConfig", {}).items()):
        exec(snippet, {"c": c})
