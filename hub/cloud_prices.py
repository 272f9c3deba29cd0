"""The price table (``terraform/prices.json``): instance types, what they have, what they cost.

One file, read by the Terraform module (its allowed types and cost outputs), the CloudFormation
template (allowed values and a mapping, made by :mod:`hub.cloud_template`) and ``workshop cloud``
(cost lines, the check that a type exists in a region). Prices are approximate US-dollar on-demand
list prices (see the file's ``about``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hub.settings import REPO_ROOT

PRICES_PATH = REPO_ROOT / "terraform" / "prices.json"


@lru_cache(maxsize=4)
def load_prices(path: str | Path = PRICES_PATH) -> dict:
    """The parsed table: ``instance_types``, ``regions``, ``public_ipv4_usd_per_hour``, ...."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def instance_types() -> list[str]:
    """Every type in the table, GPU types first, in the table's order."""
    types = load_prices()["instance_types"]
    return sorted(types, key=lambda t: (types[t]["gpus"] == 0, list(types).index(t)))


def regions() -> list[str]:
    return list(load_prices()["regions"])


def describe_type(instance_type: str) -> str:
    """``"1x NVIDIA T4 (16 GiB), 4 vCPU, 16 GiB"`` (or ``"no GPU, 16 vCPU, 64 GiB"``)."""
    info = load_prices()["instance_types"][instance_type]
    gpu = (
        f"{info['gpus']}x {info['gpu']} ({info['gpu_memory_gib']} GiB)"
        if info["gpus"]
        else "no GPU"
    )
    return f"{gpu}, {info['vcpus']} vCPU, {info['memory_gib']} GiB"


@dataclass(frozen=True)
class Estimate:
    """Cost of one host, US dollars: ``per_hour`` running (instance + volumes + public IPv4),
    ``stopped_per_hour`` (volumes + address), ``event`` for ``hours`` of running."""

    instance_type: str
    region: str
    instance_per_hour: float
    per_hour: float
    stopped_per_hour: float
    hours: float

    @property
    def event(self) -> float:
        return self.per_hour * self.hours

    def __str__(self) -> str:
        return (
            f"{self.instance_type} in {self.region}: ~${self.per_hour:.2f}/h running "
            f"(instance ${self.instance_per_hour:.3f}/h + disks and address), "
            f"~${self.event:.2f} for {self.hours:g} h; ~${self.stopped_per_hour * 24:.2f}/day "
            "while stopped (disks and address)"
        )


def estimate(
    instance_type: str, region: str, volume_gib: float = 150.0, hours: float = 8.0
) -> Estimate:
    """Cost of ``instance_type`` in ``region`` with ``volume_gib`` of gp3 for ``hours``.

    Raises ``ValueError`` naming the allowed values when the table lacks the type or the region,
    or the region lacks the type.
    """
    table = load_prices()
    if instance_type not in table["instance_types"]:
        raise ValueError(
            f"instance_type must be one of {', '.join(instance_types())}, got {instance_type!r}"
        )
    if region not in table["regions"]:
        raise ValueError(
            f"aws_region must be one of the priced regions {', '.join(regions())} "
            f"(terraform/prices.json), got {region!r}"
        )
    prices = table["regions"][region]
    if instance_type not in prices["instances_usd_per_hour"]:
        offered = [t for t in instance_types() if t in prices["instances_usd_per_hour"]]
        raise ValueError(
            f"instance_type {instance_type!r} is not offered in {region} (per "
            f"terraform/prices.json); there: {', '.join(offered)}"
        )
    instance = prices["instances_usd_per_hour"][instance_type]
    disks = volume_gib * prices["ebs_gp3_usd_per_gib_month"] / table["hours_per_month"]
    address = table["public_ipv4_usd_per_hour"]
    return Estimate(
        instance_type,
        region,
        instance,
        instance + disks + address,
        disks + address,
        float(hours),
    )


# learners a type serves comfortably for this tutorial (CPU training of small CNNs, shared GPU):
# about 2 GiB of memory and half a vCPU each, at most 12 per T4/L4/A10G
def suggested_class_size(instance_type: str) -> int:
    info = load_prices()["instance_types"][instance_type]
    by_memory = int(info["memory_gib"] * 0.85 // 2)
    by_cpu = info["vcpus"] * 2
    size = min(by_memory, by_cpu)
    return min(size, 12 * info["gpus"]) if info["gpus"] else size


def cost_table_markdown(region: str = "us-east-1", volume_gib: float = 150.0) -> str:
    """The runbook's cost table: every type, what it has, its price and a day of class."""
    table = load_prices()
    prices = table["regions"][region]
    rows = [
        "| instance type | GPU | vCPU / memory | learners | $/h (instance) | 8-hour day, all in |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for t in instance_types():
        if t not in prices["instances_usd_per_hour"]:
            continue
        info = table["instance_types"][t]
        gpu = f"{info['gpus']}x {info['gpu'].replace('NVIDIA ', '')}" if info["gpus"] else "none"
        est = estimate(t, region, volume_gib, 8)
        rows.append(
            f"| {t} | {gpu} | {info['vcpus']} / {info['memory_gib']} GiB | "
            f"up to {suggested_class_size(t)} | {est.instance_per_hour:.3f} | {est.event:.2f} |"
        )
    return "\n".join(rows) + "\n"
