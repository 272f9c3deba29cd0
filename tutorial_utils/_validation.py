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
