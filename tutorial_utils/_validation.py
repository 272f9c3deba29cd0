"""Up-front parameter checks shared by every public function.

Each check raises ``ValueError`` (or ``TypeError`` for a wrong type) whose message names the
parameter, the allowed range and the value received, in the style of scikit-learn's
``_param_validation``: bad input fails before any work starts, never deep inside.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence

import numpy as np


def check_int(
    name: str, value, *, min_value: int | None = None, max_value: int | None = None
) -> int:
    """Return ``value`` as ``int`` if it is an integer within [min_value, max_value]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    _check_range(name, value, min_value, max_value)
    return value


def check_float(
    name: str, value, *, min_value: float | None = None, max_value: float | None = None
) -> float:
    """Return ``value`` as ``float`` if it is a real number within [min_value, max_value]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    _check_range(name, value, min_value, max_value)
    return value


def check_choice(name: str, value, choices: Iterable) -> object:
    """Return ``value`` if it is one of ``choices``."""
    choices = list(choices)
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def check_int_range(name: str, value) -> tuple[int, int]:
    """Return a (low, high) pair of non-negative integers with low <= high."""
    if isinstance(value, str) or not isinstance(value, Sequence) or len(value) != 2:
        raise TypeError(f"{name} must be a (min, max) pair of integers, got {value!r}")
    low = check_int(f"{name}[0]", value[0], min_value=0)
    high = check_int(f"{name}[1]", value[1], min_value=0)
    check_min_max(f"{name}[0]", low, f"{name}[1]", high)
    return low, high


def check_min_max(min_name: str, min_value, max_name: str, max_value) -> None:
    """Raise if ``min_value`` is above ``max_value``."""
    if min_value > max_value:
        raise ValueError(f"{min_name} ({min_value}) must be at most {max_name} ({max_value})")


NAMED_BACKGROUNDS = {"uniform": (0.25, 0.25, 0.25, 0.25)}


def check_background(name: str, value) -> np.ndarray:
    """Return a background as float64 (4,): A, C, G, T probabilities, each > 0, summing to 1
    (within 1e-3), or a name from ``NAMED_BACKGROUNDS`` ("uniform")."""
    allowed = (
        f"{name} must be 4 positive probabilities (A, C, G, T) summing to 1, or one of "
        f"{sorted(NAMED_BACKGROUNDS)}"
    )
    if isinstance(value, str):
        if value in NAMED_BACKGROUNDS:
            return np.array(NAMED_BACKGROUNDS[value], dtype=np.float64)
        raise ValueError(f"{allowed}; got {value!r}")
    try:
        background = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{allowed}; got {value!r} ({type(value).__name__})") from None
    if background.shape != (4,):
        raise ValueError(f"{allowed}; got shape {background.shape}: {value!r}")
    if not np.all(np.isfinite(background)) or np.any(background <= 0):
        raise ValueError(f"{allowed} (a zero gives infinite log-odds); got {value!r}")
    if abs(background.sum() - 1) > 1e-3:
        raise ValueError(f"{allowed}; got {value!r}, which sums to {background.sum():.6g}")
    return background


def check_seed(value) -> np.random.Generator:
    """Turn ``seed`` (None, an int >= 0 or a Generator) into a ``numpy.random.Generator``."""
    if isinstance(value, np.random.Generator):
        return value
    if value is None:
        return np.random.default_rng()
    return np.random.default_rng(check_int("seed", value, min_value=0))


def _check_range(name: str, value, min_value, max_value) -> None:
    if min_value is not None and max_value is not None:
        if not min_value <= value <= max_value:
            raise ValueError(f"{name} must be in [{min_value}, {max_value}], got {value!r}")
    elif min_value is not None and value < min_value:
        raise ValueError(f"{name} must be >= {min_value}, got {value!r}")
    elif max_value is not None and value > max_value:
        raise ValueError(f"{name} must be <= {max_value}, got {value!r}")


# ---------------------------------------------------------------------------------------------
# sizes that cannot work


class ResourceLimitError(ValueError, MemoryError):
    """A request whose estimated memory exceeds what this machine can still allocate.

    Both a ``ValueError`` (a bad argument) and a ``MemoryError``; raised before any work starts.
    """


def available_memory() -> int:
    """Bytes this process can still allocate (Linux; elsewhere a generous 1 TiB).

    The smaller of the kernel's ``MemAvailable`` (``/proc/meminfo``) and, inside a container,
    the cgroup's memory limit minus its usage (reclaimable page cache not counted): a learner's
    container sees its own limit, not the host's memory.
    """
    budget = _meminfo_available()
    for limit_file, usage_file, stat_file, inactive_key in _CGROUP_FILES:
        limit = _read_int(limit_file)
        if limit is None or limit >= 1 << 60:  # "max" or effectively unlimited
            continue
        usage = _read_int(usage_file) or 0
        inactive = _read_stat(stat_file, inactive_key)
        budget = min(budget, max(limit - max(usage - inactive, 0), 0))
    return budget


_CGROUP_FILES = (
    (  # cgroup v2 (the container's own view)
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory.current",
        "/sys/fs/cgroup/memory.stat",
        "inactive_file",
    ),
    (  # cgroup v1
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
        "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        "/sys/fs/cgroup/memory/memory.stat",
        "total_inactive_file",
    ),
)


def _meminfo_available() -> int:
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 1 << 40


def _read_int(path: str) -> int | None:
    try:
        with open(path) as handle:
            text = handle.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _read_stat(path: str, key: str) -> int:
    try:
        with open(path) as handle:
            for line in handle:
                name, _, value = line.partition(" ")
                if name == key:
                    return int(value)
    except (OSError, ValueError):
        pass
    return 0


def format_bytes(size: float) -> str:
    """``1536`` -> ``"1.5 KiB"``: binary units, as numpy's allocation errors print them."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(size) < 1024 or unit == "PiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def check_memory(param: str, value, estimated_bytes: float, what: str, advice: str = "") -> None:
    """Raise :class:`ResourceLimitError` if ``estimated_bytes`` exceeds :func:`available_memory`.

    The message names the parameter and its value, the estimate (``what`` says what it holds)
    and the memory available, e.g. "num_pos=10000000 needs about 25.1 GiB (...), but only
    15.2 GiB of memory is available; lower num_pos".
    """
    budget = available_memory()
    if estimated_bytes > budget:
        raise ResourceLimitError(
            f"{param}={value!r} needs about {format_bytes(estimated_bytes)} ({what}), but only "
            f"{format_bytes(budget)} of memory is available; lower {param}{advice}"
        )


def is_count(value) -> bool:
    """True for a non-negative integer (not bool): the values a size estimate can use."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0


def warn_caller(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` attributed to the first caller outside this package (the user's line)."""
    import os
    import sys
    import warnings

    package = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


# ---------------------------------------------------------------------------------------------
# size estimates of the library's big objects


def sequence_dnn_bytes(seq_length, filters, widths, pool_width, num_tasks) -> tuple[int, int]:
    """(weight bytes, layer-output bytes per sequence) of a SequenceDNN, both float32.

    Weights count 5 times (the weights, their gradients, Adam's two moments, the best epoch's
    copy); layer outputs 6 times per convolution (convolution, ReLU and dropout outputs, and
    their gradients).
    """
    params, outputs, length, channels = 0, 0, seq_length, 4
    for f, w in zip(filters, widths, strict=True):
        params += w * channels * f + f
        length = max(length - w + 1, 1)
        outputs += 3 * length * f
        channels = f
    pooled = max(length // pool_width, 1)
    params += pooled * channels * num_tasks + num_tasks
    return 4 * 5 * params, 4 * 2 * outputs


def check_sequence_dnn_size(
    seq_length, filters, widths, pool_width, num_tasks, *, deep: bool, per_layer: bool
) -> None:
    """Raise :class:`ResourceLimitError` naming the parameter(s) to lower if training a
    SequenceDNN on even one sequence would not fit in memory."""
    weights, outputs = sequence_dnn_bytes(seq_length, filters, widths, pool_width, num_tasks)
    budget = available_memory()
    if weights + outputs <= budget:
        return
    if per_layer:
        filter_names = [f"num_filters[{i}]" for i in range(len(filters))]
        width_names = [f"conv_width[{i}]" for i in range(len(widths))]
    else:
        suffixes = ["", "_2", "_3"][: len(filters)]
        filter_names = [f"num_filters{s}" for s in suffixes]
        width_names = [f"conv_width{s}" for s in suffixes]
    # the parameters whose value, at the tutorial's size, would make the network fit
    typical = {"seq_length": 1000, "num_filters": 100, "conv_width": 100, "num_tasks": 100}
    culprits = []
    for name, value in [
        ("seq_length", seq_length),
        *zip(filter_names, filters, strict=True),
        *zip(width_names, widths, strict=True),
        ("num_tasks", num_tasks),
    ]:
        base = name.split("[")[0].rstrip("_23")
        if value <= typical[base]:
            continue
        trial = {
            "seq_length": seq_length,
            "filters": list(filters),
            "widths": list(widths),
            "num_tasks": num_tasks,
        }
        if name == "seq_length" or name == "num_tasks":
            trial[name] = typical[base]
        else:
            key = "filters" if base == "num_filters" else "widths"
            index = (filter_names if key == "filters" else width_names).index(name)
            trial[key][index] = typical[base]
        if (
            sum(
                sequence_dnn_bytes(
                    trial["seq_length"],
                    trial["filters"],
                    trial["widths"],
                    pool_width,
                    trial["num_tasks"],
                )
            )
            < weights + outputs
        ):
            culprits.append((name, value))
    culprits = culprits or [("seq_length", seq_length)]
    named = ", ".join(f"{name}={value}" for name, value in culprits)
    raise ResourceLimitError(
        f"SequenceDNN({named}) needs about {format_bytes(weights + outputs)} to train on a single "
        f"sequence ({format_bytes(weights)} of weights with their gradients and optimizer state, "
        f"{format_bytes(outputs)} of layer outputs), but only {format_bytes(budget)} of memory "
        f"is available; lower {' or '.join(name for name, _ in culprits)}"
    )


# bytes per simulated base and per embedded motif instance, measured with tracemalloc
# (bench/kmer_memory.py prints the largest simulation's figures): the strings (UTF-32) and
# codes of the simulate_* functions; get_simulation_data's one-hot splits and codes
SIMULATION_BYTES_PER_BASE = 6
DATA_BYTES_PER_BASE = 27
BYTES_PER_SEQUENCE = 250
BYTES_PER_INSTANCE = 400


def simulation_bytes(seq_length: int, num_seqs: int, instances: int, per_base: int) -> int:
    """Peak bytes of simulating ``num_seqs`` sequences of ``seq_length`` bp holding at most
    ``instances`` motif instances each."""
    return num_seqs * (
        per_base * seq_length + BYTES_PER_SEQUENCE + BYTES_PER_INSTANCE * max(instances, 1)
    )


def check_simulation_size(
    function: str, seq_length, instances, *, per_base: int = SIMULATION_BYTES_PER_BASE, **counts
) -> None:
    """Raise :class:`ResourceLimitError` before a simulation that cannot fit in memory starts.

    ``counts`` are the sequence-count parameters (num_pos=..., num_neg=... or num_seqs=...);
    ``instances`` the most motif instances per sequence (an int, or ints nested in tuples).
    Arguments that are not valid yet are left to the function's own checks.
    """
    if not is_count(seq_length) or not all(is_count(v) for v in counts.values()):
        return
    flat = [v for v in _flatten(instances) if is_count(v)]
    most = min(max(flat, default=1), seq_length)  # more cannot fit: the function says so
    num_seqs = sum(counts.values())
    estimate = simulation_bytes(seq_length, num_seqs, most, per_base)
    budget = available_memory()
    if estimate <= budget:
        return
    # the suspects: sequence counts above 100,000 and lengths above 10,000 bp
    culprits = [name for name, value in counts.items() if value > 100_000]
    if seq_length > 10_000:
        culprits.append("seq_length")
    culprits = culprits or list(counts)
    given = ", ".join(
        f"{name}={value}" for name, value in [*counts.items(), ("seq_length", seq_length)]
    )
    raise ResourceLimitError(
        f"{function}({given}) needs about {format_bytes(estimate)} ({num_seqs:,} sequences of "
        f"{seq_length:,} bp with their motif instances), but only {format_bytes(budget)} of "
        f"memory is available; lower {' or '.join(culprits)}"
    )


def _flatten(value):
    if isinstance(value, (tuple, list)):
        for item in value:
            yield from _flatten(item)
    else:
        yield value


def check_shuffle_size(sequence_or_onehot, num_shuffles) -> None:
    """Raise :class:`ResourceLimitError` if ``num_shuffles`` shuffles cannot fit in memory."""
    if not is_count(num_shuffles):
        return
    if isinstance(sequence_or_onehot, str):
        length, per_base = len(sequence_or_onehot), 2
    elif isinstance(sequence_or_onehot, np.ndarray) and sequence_or_onehot.ndim >= 1:
        length, per_base = sequence_or_onehot.shape[0], 1 + 4 * sequence_or_onehot.itemsize
    else:
        return
    check_memory(
        "num_shuffles",
        num_shuffles,
        num_shuffles * (per_base * length + 120),
        f"{num_shuffles} shuffled copies of a {length}-bp sequence",
    )
