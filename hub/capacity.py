"""How many learners a machine can hold, from what one learner really needs in memory.

One learner's need is their Jupyter server plus the tutorial's kernel at its peak, measured by
``bench/learner_memory.py`` (peak resident memory, sampled every 0.2 s, of the kernel and the
processes it starts, plus an idle server; 20 % margin; rounded up to 256 MiB). The figures below
are that script's output on the CI machine (2 cores, 24 GiB, TensorFlow 2.21 on CPU); re-run it
after changing the tutorial's sizes or libraries and update them.

A class fits when ``class_size x learner_memory <= usable memory`` (85 % of RAM: the rest is for
the system, the hub, the proxy and the page cache). ``learner_memory`` is a setting (default:
the full-size figure) so that an instructor who teaches at smaller sizes can say so; the Docker
spawner's ``mem_limit`` defaults to it, so a default never kills the tutorial. The same figure
(with ``learner_cpu``) sizes every other deployment: one cloud host (``hub/cloud/prices.py``,
``workshop cloud plan|up`` and Terraform's precondition), and a Kubernetes pod's guarantee and
the learners per node (``hub/cloud/z2jh.py``, ``hub/cloud/eks.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 2**20
GIB = 2**30
USABLE_FRACTION = 0.85

#: tutorial NUM_SEQS (sequences per class; 500 bp) -> learner need in MiB (bench/learner_memory.py)
MEASURED_NEED_MIB = {10000: 3840, 2000: 3584}
FULL_SIZE = 10000
SMALL_SIZE = 2000


def default_learner_memory() -> str:
    """The setting's default: the need of the tutorial at full size, as a memory string."""
    return f"{MEASURED_NEED_MIB[FULL_SIZE]}M"


def usable_memory(total_bytes: int) -> int:
    """Memory learners may use on a machine with ``total_bytes`` of RAM (85 %)."""
    return int(USABLE_FRACTION * total_bytes)


def learners_that_fit(total_bytes: int, learner_bytes: int) -> int:
    """Learners a machine with ``total_bytes`` of RAM holds: ``usable // learner_bytes``.

    The one formula behind ``doctor``'s check, ``workshop cloud plan``'s instance check, the
    price table's "learners" column and Terraform's precondition (terraform/aws-single-host).
    """
    return usable_memory(total_bytes) // learner_bytes


def gib_text(nbytes: float) -> str:
    """``3.75 GiB``, ``20.4 GiB``, ``90 GiB``: at most two decimals, no trailing zeros."""
    return f"{nbytes / GIB:.2f}".rstrip("0").rstrip(".") + " GiB"


@dataclass
class Capacity:
    """Whether ``class_size`` learners fit: ``largest_class`` is how many do (0 when not one)."""

    fits: bool
    class_size: int
    learner_bytes: int
    usable_bytes: int
    total_bytes: int
    largest_class: int
    message: str


def check_capacity(class_size: int, learner_bytes: int, total_bytes: int) -> Capacity:
    """Compare ``class_size x learner_bytes`` with the usable part of ``total_bytes``.

    Parameters
    ----------
    class_size : learners expected (setting ``class_size``), >= 1.
    learner_bytes : memory one learner needs (setting ``learner_memory``), bytes > 0.
    total_bytes : the machine's RAM in bytes.

    Returns a :class:`Capacity` whose ``message`` names, when the class does not fit, the largest
    class that does and the options: smaller sizes, Docker limits, a bigger host.
    Raises ``ValueError`` for a class size or memory figure below 1.
    """
    if class_size < 1:
        raise ValueError(f"class_size must be at least 1, got {class_size}")
    if learner_bytes < 1 or total_bytes < 1:
        raise ValueError(
            f"learner and machine memory must be positive, got {learner_bytes} and {total_bytes}"
        )
    usable = usable_memory(total_bytes)
    largest = learners_that_fit(total_bytes, learner_bytes)
    needed = class_size * learner_bytes
    head = (
        f"class of {class_size} x {gib_text(learner_bytes)} per learner = {gib_text(needed)}; "
        f"usable {gib_text(usable)} ({USABLE_FRACTION:.0%} of {gib_text(total_bytes)} RAM)"
    )
    if needed <= usable:
        return Capacity(True, class_size, learner_bytes, usable, total_bytes, largest,
                        f"{head}: fits (room for {largest} learners)")  # fmt: skip
    from hub.invocation import workshop_command

    small = MEASURED_NEED_MIB[SMALL_SIZE] * MIB
    small_class = usable // small
    host_gib = -(-needed / USABLE_FRACTION // GIB)
    options = [
        f"a class of at most {largest} "
        f"(`{workshop_command('settings', 'set', 'class_size', str(max(largest, 1)))}`)",
        f"smaller sizes: the tutorial with NUM_SEQS = {SMALL_SIZE:,} needs {gib_text(small)} per "
        f"learner, so {small_class} fit "
        f"(`{workshop_command('settings', 'set', 'learner_memory', f'{small // MIB}M')}` once "
        "the notebooks use them)"
        if small < learner_bytes
        else "smaller sizes in the tutorial's parameters cell (NUM_SEQS, SEQ_LENGTH)",
        f"the Docker spawner (`{workshop_command('up', '--spawner', 'docker')}`): each learner is held to mem_limit, so an "
        "overfull machine stops one learner's kernel, with a message, instead of failing for all",
        f"a bigger host: {host_gib:.0f} GiB of RAM or more for {class_size} learners "
        "(or several hosts with Kubernetes)",
    ]
    return Capacity(False, class_size, learner_bytes, usable, total_bytes, largest,
                    f"{head}: does not fit; this machine can hold {largest} learners. Options: "
                    + "; ".join(options))  # fmt: skip
