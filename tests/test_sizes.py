"""Sizes that cannot work fail at once, naming the parameter and the estimated memory; sizes that
can work are not refused, and long work streams in batches."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest

from tutorial_utils import _validation
from tutorial_utils._validation import ResourceLimitError

GIB = 2**30


@pytest.fixture
def learner_container(monkeypatch):
    """A learner's container with 4 GiB left (the cgroup view), whatever this machine has."""
    monkeypatch.setattr(_validation, "available_memory", lambda: 4 * GIB)


def refused(call, param):
    started = time.perf_counter()
    with pytest.raises(ResourceLimitError) as info:
        call()
    assert time.perf_counter() - started < 2.0
    message = str(info.value)
    assert f"lower {param}" in message and "needs about" in message, message
    assert "of memory is available" in message
    assert isinstance(info.value, ValueError) and isinstance(info.value, MemoryError)
    return message


def test_huge_simulations_fail_at_once_naming_num_pos(learner_container):
    from tutorial_utils import get_simulation_data, simulate_single_motif_detection

    message = refused(
        lambda: simulate_single_motif_detection("SPI1_known4", 500, 10**7, 100, 0.4), "num_pos"
    )
    assert "GiB" in message  # was 2.6 GB and rising until the machine died
    message = refused(
        lambda: simulate_single_motif_detection("SPI1_known4", 500, 10**12, 100, 0.4), "num_pos"
    )
    assert "PiB" in message  # was numpy's "Unable to allocate 90.9 TiB"
    refused(
        lambda: get_simulation_data(
            "simulate_single_motif_detection",
            dict(
                motif_name="SPI1_known4",
                seq_length=500,
                num_pos=10**7,
                num_neg=10**7,
                GC_fraction=0.4,
            ),
        ),
        "num_pos or num_neg",
    )


def test_every_simulation_checks_its_size(learner_container):
    import tutorial_utils as tu

    big = 10**9
    calls = {
        "num_pos": [
            lambda: tu.simulate_motif_counting("TAL1_known4", 100, (1, 2), (0, 1), big, 1, 0.4),
            lambda: tu.simulate_motif_density_localization(
                "TAL1_known4", 100, 50, 1, 2, big, 1, 0.4
            ),
            lambda: tu.simulate_differential_accessibility(
                ["TAL1_known4"], ["SPI1_known4"], 100, 0, 1, big, 1, 0.4
            ),
            lambda: tu.simulate_heterodimer_grammar(
                "SPI1_known4", "IRF_known20", 100, 2, 5, big, 1, 0.4
            ),
        ],
        "num_seqs": [
            lambda: tu.simulate_multi_motif_embedding(["TAL1_known4"], 100, 0, 1, big, 0.4),
        ],
        "seq_length": [
            lambda: tu.simulate_single_motif_detection("SPI1_known4", 10**12, 10, 10, 0.4),
        ],
    }
    for param, functions in calls.items():
        for call in functions:
            refused(call, param)


def test_sizes_that_fit_are_not_refused(learner_container):
    from tutorial_utils import simulate_heterodimer_grammar

    # the tutorial's size (10,000 per class, 500 bp) is far below a learner's 4 GiB
    estimate = _validation.simulation_bytes(500, 20_000, 2, _validation.DATA_BYTES_PER_BASE)
    assert estimate < 0.5 * GIB
    sequences, y, _ = simulate_heterodimer_grammar(
        "SPI1_known4", "IRF_known20", 60, 2, 5, 5, 5, 0.4
    )
    assert len(sequences) == 10


@pytest.mark.parametrize(
    "name",
    ["single", "counting", "density", "multi", "differential", "heterodimer", "data"],
)
def test_the_estimate_bounds_the_measured_peak(name):
    """tracemalloc's peak of a real run stays below the estimate the check uses (and near it)."""
    import tutorial_utils as tu

    n, length = 1000, 300
    runs = {
        "single": (
            1,
            lambda: tu.simulate_single_motif_detection("SPI1_known4", length, n, n, 0.4, seed=0),
        ),
        "counting": (
            4,
            lambda: tu.simulate_motif_counting(
                "TAL1_known4", length, (2, 4), (0, 1), n, n, 0.4, seed=0
            ),
        ),
        "density": (
            3,
            lambda: tu.simulate_motif_density_localization(
                "TAL1_known4", length, 100, 1, 3, n, n, 0.4, seed=0
            ),
        ),
        "multi": (
            3,
            lambda: tu.simulate_multi_motif_embedding(
                ["TAL1_known4", "SPI1_known4", "CTCF_known1"], length, 0, 3, 2 * n, 0.4, seed=0
            ),
        ),
        "differential": (
            2,
            lambda: tu.simulate_differential_accessibility(
                ["TAL1_known4", "SPI1_known4"],
                ["CTCF_known1", "IRF_known20"],
                length,
                1,
                2,
                n,
                n,
                0.4,
                seed=0,
            ),
        ),
        "heterodimer": (
            2,
            lambda: tu.simulate_heterodimer_grammar(
                "SPI1_known4", "IRF_known20", length, 2, 5, n, n, 0.4, seed=0
            ),
        ),
        "data": (
            2,
            lambda: tu.get_simulation_data(
                "simulate_heterodimer_grammar",
                dict(
                    motif1="SPI1_known4",
                    motif2="IRF_known20",
                    seq_length=length,
                    min_spacing=2,
                    max_spacing=5,
                    num_pos=n,
                    num_neg=n,
                    GC_fraction=0.4,
                ),
                200,
                200,
            ),
        ),
    }
    instances, run = runs[name]
    per_base = (
        _validation.DATA_BYTES_PER_BASE if name == "data" else _validation.SIMULATION_BYTES_PER_BASE
    )
    estimate = _validation.simulation_bytes(length, 2 * n, instances, per_base)
    run()  # motif collection and imports loaded outside the measurement
    tracemalloc.start()
    try:
        result = run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del result
    assert peak <= estimate, (
        f"{name}: measured {peak / 2**20:.1f} MiB > estimate {estimate / 2**20:.1f} MiB"
    )
    assert peak > estimate / 4, (
        f"{name}: estimate {estimate / 2**20:.1f} MiB is far above {peak / 2**20:.1f} MiB"
    )


def test_sequence_dnn_too_big_names_the_parameter(learner_container):
    from tutorial_utils import SequenceDNN

    assert "SequenceDNN(seq_length=1000000000)" in refused(lambda: SequenceDNN(10**9), "seq_length")
    refused(lambda: SequenceDNN(500, num_filters=10**9), "num_filters")
    refused(lambda: SequenceDNN(500, use_deep_CNN=True, num_filters_3=10**8), "num_filters_3")
    refused(lambda: SequenceDNN(500, num_filters=(15, 10**9), conv_width=(5, 5)), r"num_filters[1]")
    SequenceDNN(500, use_deep_CNN=True, verbose=0)  # the tutorial's network fits


def test_shuffles_and_references_too_many(learner_container):
    from tutorial_utils import SequenceDNN, deeplift, dinucleotide_shuffle

    refused(lambda: dinucleotide_shuffle("ACGT" * 25, num_shuffles=10**9), "num_shuffles")
    refused(
        lambda: dinucleotide_shuffle(np.eye(4)[[0, 1, 2, 3] * 25], num_shuffles=10**9),
        "num_shuffles",
    )
    dnn = SequenceDNN(100, num_filters=4, conv_width=5, pool_width=10, verbose=0, seed=0)
    X = np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (3, 100))]
    message = refused(lambda: deeplift(dnn, X, num_refs=10**6), "num_refs")
    assert "sequence-reference pairs" in message


def test_available_memory_reads_the_container_limit(tmp_path, monkeypatch):
    limit, usage, stat = (
        tmp_path / "memory.max",
        tmp_path / "memory.current",
        tmp_path / "memory.stat",
    )
    limit.write_text(f"{2 * GIB}\n")
    usage.write_text(f"{GIB + 100 * 2**20}\n")
    stat.write_text(f"anon 1\ninactive_file {100 * 2**20}\n")
    monkeypatch.setattr(
        _validation, "_CGROUP_FILES", ((str(limit), str(usage), str(stat), "inactive_file"),)
    )
    assert _validation.available_memory() == GIB  # 2 GiB - (1.1 GiB - 0.1 GiB of page cache)
    limit.write_text("max\n")
    assert _validation.available_memory() == _validation._meminfo_available()


def test_deeplift_references_stream_batch_by_batch():
    """Memory of the shuffled references grows with batch_size, not with the sequences."""
    from tutorial_utils import SequenceDNN, deeplift

    dnn = SequenceDNN(100, num_filters=4, conv_width=5, pool_width=10, verbose=0, seed=0)
    X = np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (128, 100))]
    deeplift(dnn, X[:16], num_refs=4, batch_size=16, progress=False)  # compiled outside

    def peak(n):
        tracemalloc.start()
        try:
            deeplift(dnn, X[:n], num_refs=4, batch_size=16, progress=False)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    per_sequence = (peak(128) - peak(32)) / (128 - 32)
    references = 4 * 100 * 4 * 4  # 6.4 KB per sequence, were they all drawn first
    outputs = 2 * 100 * 4 * 4  # its hypothetical and returned contributions
    assert per_sequence < outputs + references / 4, per_sequence
