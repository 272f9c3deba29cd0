"""The price table (``terraform/prices.json``): instance types, what they have, what they cost.

One file, read by the Terraform module (its allowed types and cost outputs), the CloudFormation
template (allowed values and a mapping, made by :mod:`hub.cloud.template`) and ``workshop cloud``
(cost lines, the check that a type exists in a region). Prices are approximate US-dollar on-demand
list prices (see the file's ``about``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hub.capacity import GIB, USABLE_FRACTION, gib_text, learners_that_fit, usable_memory
from hub.invocation import workshop_command
from hub.paths import REPO_ROOT
from hub.settings import WorkshopSettings, parse_memory

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


#: learners sharing one T4/L4/A10G at most (TensorFlow grows its memory as needed; 16-24 GiB
#: of GPU memory over a dozen small CNNs): a judgement, not a measurement
LEARNERS_PER_GPU_MAX = 12


def learners_per_instance(instance_type: str, learner_bytes: int, learner_cpu: float) -> int:
    """Learners one host of ``instance_type`` holds: the fewest of its memory
    (:func:`hub.capacity.learners_that_fit`, as ``doctor`` checks a machine), its vCPUs over
    ``learner_cpu`` and, with GPUs, ``LEARNERS_PER_GPU_MAX`` per GPU.

    ``learner_bytes`` and ``learner_cpu`` are the settings ``learner_memory`` (bytes) and
    ``learner_cpu`` (cores): the one per-learner figure every deployment is sized from.
    """
    info = load_prices()["instance_types"][instance_type]
    by_memory = learners_that_fit(int(info["memory_gib"] * GIB), learner_bytes)
    by_cpu = int(info["vcpus"] // learner_cpu)
    size = min(by_memory, by_cpu)
    return min(size, LEARNERS_PER_GPU_MAX * info["gpus"]) if info["gpus"] else size


def types_that_hold(
    class_size: int, region: str, learner_bytes: int, learner_cpu: float, gpu: bool
) -> list[str]:
    """Types offered in ``region`` (per the table) whose one host holds ``class_size``
    learners, GPU types when ``gpu`` else CPU types, cheapest first."""
    table = load_prices()
    offered = table["regions"].get(region, {}).get("instances_usd_per_hour", {})
    fits = [
        t
        for t in offered
        if (table["instance_types"][t]["gpus"] > 0) == gpu
        and learners_per_instance(t, learner_bytes, learner_cpu) >= class_size
    ]
    return sorted(fits, key=lambda t: offered[t])


#: the setting ``instance_type`` that lets the class size choose the type
AUTO_TYPE = "auto"


def cheapest_type_that_holds(
    class_size: int, region: str, learner_memory: str, learner_cpu: float
) -> str | None:
    """The cheapest GPU type offered in ``region`` (per the table) whose one host holds
    ``class_size`` learners at ``learner_memory`` ("3840M") and ``learner_cpu``; ``None``
    when none does. Terraform's ``local.auto_instance_type`` is the same rule."""
    learner_bytes = parse_memory("learner_memory", learner_memory)
    fits = types_that_hold(class_size, region, learner_bytes, learner_cpu, gpu=True)
    return fits[0] if fits else None


def resolve_instance_type(
    instance_type: str, class_size: int, region: str, learner_memory: str, learner_cpu: float
) -> tuple[str, str | None]:
    """``(type, why)``: ``instance_type`` itself (``why`` None), or for ``"auto"`` the type
    :func:`cheapest_type_that_holds` picks and a sentence saying so. Raises ``ValueError`` when
    no one GPU type in the table holds the class (it names Kubernetes)."""
    if instance_type != AUTO_TYPE:
        return instance_type, None
    chosen = cheapest_type_that_holds(class_size, region, learner_memory, learner_cpu)
    if chosen is None:
        raise ValueError(
            f"instance_type auto: no one GPU type in terraform/prices.json holds class_size "
            f"{class_size} in {region} at learner_memory {learner_memory} and learner_cpu "
            f"{learner_cpu:g}: a smaller class, or Kubernetes (`--target eks`)"
        )
    holds = learners_per_instance(
        chosen, parse_memory("learner_memory", learner_memory), learner_cpu
    )
    command = workshop_command("settings", "set", "instance_type", "TYPE")
    return chosen, (
        f"instance_type auto: {chosen}, the cheapest GPU type in {region} that holds "
        f"class_size {class_size} (it holds {holds}); choose another with `{command}`"
    )


def class_fit_problem(
    class_size: int,
    instance_type: str,
    region: str,
    learner_memory: str,
    learner_cpu: float,
) -> str | None:
    """``None`` when ``class_size`` learners fit one ``instance_type`` host, else a message that
    names the parameters, the largest class the type holds and a type (from this table, in
    ``region``) that holds the class. ``learner_memory`` is the setting's string ("3840M")."""
    learner_bytes = parse_memory("learner_memory", learner_memory)
    holds = learners_per_instance(instance_type, learner_bytes, learner_cpu)
    if class_size <= holds:
        return None
    info = load_prices()["instance_types"][instance_type]
    ram = int(info["memory_gib"] * GIB)
    why = (
        f"class_size {class_size} does not fit instance_type {instance_type} "
        f"({describe_type(instance_type)}): at learner_memory {learner_memory} and learner_cpu "
        f"{learner_cpu:g} per learner the class needs {gib_text(class_size * learner_bytes)} of the "
        f"{gib_text(usable_memory(ram))} usable ({USABLE_FRACTION:.0%}) and {class_size * learner_cpu:g} of "
        f"{info['vcpus']} vCPUs"
        + (f", at most {LEARNERS_PER_GPU_MAX} learners per GPU" if info["gpus"] else "")
        + f"; one {instance_type} holds {holds} learners."
    )
    options = []
    if holds:
        command = workshop_command("settings", "set", "class_size", str(holds))
        options.append(f"a class of {holds} (`{command}`)")
    bigger = types_that_hold(class_size, region, learner_bytes, learner_cpu, info["gpus"] > 0)
    if bigger:
        options.append(
            f"instance_type {bigger[0]} ({describe_type(bigger[0])}, holds "
            f"{learners_per_instance(bigger[0], learner_bytes, learner_cpu)}; "
            f"`{workshop_command('settings', 'set', 'instance_type', bigger[0])}`)"
        )
    else:
        options.append(
            f"no one type in terraform/prices.json holds {class_size} in {region}: "
            "Kubernetes (`--target eks`)"
        )
    options.append("a lower learner_memory only if the class runs the notebooks at smaller sizes")
    return why + " Options: " + "; ".join(options) + "."


def cost_table_markdown(
    region: str = "us-east-1",
    volume_gib: float = 150.0,
    learner_memory: str | None = None,
    learner_cpu: float | None = None,
) -> str:
    """The runbook's cost table: every type, what it has, the learners one host holds at
    ``learner_memory`` / ``learner_cpu`` (default: the settings' defaults), its price and a day
    of class."""
    defaults = WorkshopSettings()
    learner_memory = learner_memory or defaults.learner_memory
    learner_cpu = learner_cpu or defaults.learner_cpu
    learner_bytes = parse_memory("learner_memory", learner_memory)
    table = load_prices()
    prices = table["regions"][region]
    rows = [
        f"| instance type | GPU | vCPU / memory | learners ({learner_memory}, {learner_cpu:g} vCPU "
        "each) | $/h (instance) | 8-hour day, all in |",
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
            f"up to {learners_per_instance(t, learner_bytes, learner_cpu)} | "
            f"{est.instance_per_hour:.3f} | {est.event:.2f} |"
        )
    return "\n".join(rows) + "\n"
