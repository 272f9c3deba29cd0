"""The 2016 data API: listing simulations, their documentation, and get_simulation_data."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from tutorial_utils import (
    Data,
    get_available_simulations,
    get_simulation_data,
    get_simulation_function,
    one_hot_decode,
    print_available_simulations,
    print_simulation_info,
)
from tutorial_utils import simulations as sims

SIX = [
    "simulate_differential_accessibility",
    "simulate_heterodimer_grammar",
    "simulate_motif_counting",
    "simulate_motif_density_localization",
    "simulate_multi_motif_embedding",
    "simulate_single_motif_detection",
]

HETERODIMER = dict(
    motif1="SPI1_known4",
    motif2="IRF_known20",
    seq_length=100,
    min_spacing=2,
    max_spacing=5,
    num_pos=300,
    num_neg=200,
    GC_fraction=0.4,
)


def test_available_simulations_are_the_six_2016_ones():
    assert get_available_simulations() == SIX
    for name in SIX:
        assert get_simulation_function(name) is getattr(sims, name)


def test_unknown_simulation_lists_the_available_ones():
    with pytest.raises(ValueError) as info:
        get_simulation_function("simulate_everything")
    assert "simulate_everything" in str(info.value)
    assert all(name in str(info.value) for name in SIX)
    with pytest.raises(ValueError, match="simulate_heterodimer_grammar"):
        get_simulation_data("nope", {})


def test_print_available_simulations_is_a_table(capsys):
    print_available_simulations()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["simulation", "positive", "class", "negative", "class"]
    assert len(lines) == 2 + len(SIX)
    assert any("background only" in line for line in lines)


def test_print_simulation_info_documents_every_parameter(capsys):
    for name in SIX:
        print_simulation_info(name)
        text = capsys.readouterr().out
        for parameter in inspect.signature(getattr(sims, name)).parameters:
            assert f"{parameter} :" in text, f"{name} does not document {parameter}"
        assert "GC_fraction : float in [0, 1]" in text


def test_split_sizes_types_and_field_order():
    data = get_simulation_data("simulate_heterodimer_grammar", HETERODIMER, 100, 80, seed=1)
    assert isinstance(data, Data)
    assert Data._fields == (
        "X_train",
        "X_valid",
        "X_test",
        "y_train",
        "y_valid",
        "y_test",
        "train_embeddings",
        "valid_embeddings",
        "test_embeddings",
        "motif_names",
    )
    assert data.X_test.shape == (100, 100, 4) and data.X_valid.shape == (80, 100, 4)
    assert data.X_train.shape == (320, 100, 4) and data.X_train.dtype == np.float32
    assert data.y_train.shape == (320, 1) and data.y_train.dtype == bool
    assert len(data.train_embeddings) == 320 and len(data.test_embeddings) == 100
    assert data.motif_names == ["SPI1_known4", "IRF_known20"]
    # shuffled: both classes in every split, 300 positives in all
    assert 0 < data.y_test.mean() < 1
    assert sum(int(y.sum()) for y in (data.y_train, data.y_valid, data.y_test)) == 300


def test_embeddings_and_labels_travel_with_their_sequences():
    data = get_simulation_data("simulate_heterodimer_grammar", HETERODIMER, 100, 80, seed=2)
    for X, y, embeddings in (
        (data.X_train, data.y_train, data.train_embeddings),
        (data.X_valid, data.y_valid, data.valid_embeddings),
        (data.X_test, data.y_test, data.test_embeddings),
    ):
        sequences = one_hot_decode(X)
        for sequence, label, items in zip(sequences, y, embeddings, strict=True):
            assert len(items) == 2
            for e in items:
                assert sequence[e.start : e.start + len(e.sequence)] == e.sequence
            gap = items[1].start - items[0].start - 14
            if label[0]:
                assert items[0].name == "SPI1_known4" and 2 <= gap <= 5


def test_same_seed_same_split_and_explicit_simulation_seed():
    first = get_simulation_data("simulate_heterodimer_grammar", HETERODIMER, 100, 80, seed=3)
    second = get_simulation_data("simulate_heterodimer_grammar", HETERODIMER, 100, 80, seed=3)
    other = get_simulation_data("simulate_heterodimer_grammar", HETERODIMER, 100, 80, seed=4)
    np.testing.assert_array_equal(first.X_train, second.X_train)
    assert first.train_embeddings == second.train_embeddings
    assert not np.array_equal(first.X_train, other.X_train)
    # a seed inside simulation_parameters fixes the sequences; `seed` still shuffles the split
    fixed = dict(HETERODIMER, seed=9)
    a = get_simulation_data("simulate_heterodimer_grammar", fixed, 100, 80, seed=3)
    b = get_simulation_data("simulate_heterodimer_grammar", fixed, 100, 80, seed=4)
    all_a = np.concatenate([a.X_train, a.X_valid, a.X_test]).reshape(500, -1)
    all_b = np.concatenate([b.X_train, b.X_valid, b.X_test]).reshape(500, -1)
    assert not np.array_equal(all_a, all_b)
    assert sorted(map(bytes, all_a.astype(np.uint8))) == sorted(map(bytes, all_b.astype(np.uint8)))


@pytest.mark.parametrize(
    ("name", "params", "motif_names", "tasks"),
    [
        (
            "simulate_single_motif_detection",
            dict(motif_name="TAL1_known4", seq_length=50, num_pos=30, num_neg=30, GC_fraction=0.4),
            ["TAL1_known4"],
            1,
        ),
        (
            "simulate_motif_counting",
            dict(
                motif_name="TAL1_known4",
                seq_length=80,
                pos_counts=(3, 5),
                neg_counts=(0, 2),
                num_pos=25,
                num_neg=35,
                GC_fraction=0.4,
            ),
            ["TAL1_known4"],
            1,
        ),
        (
            "simulate_motif_density_localization",
            dict(
                motif_name="TAL1_known4",
                seq_length=100,
                center_size=40,
                min_motif_counts=2,
                max_motif_counts=4,
                num_pos=30,
                num_neg=30,
                GC_fraction=0.4,
            ),
            ["TAL1_known4"],
            1,
        ),
        (
            "simulate_multi_motif_embedding",
            dict(
                motif_names=["CTCF_known1", "ZNF143_known2", "SIX5_known1"],
                seq_length=100,
                min_num_motifs=0,
                max_num_motifs=3,
                num_seqs=60,
                GC_fraction=0.4,
            ),
            ["CTCF_known1", "ZNF143_known2", "SIX5_known1"],
            3,
        ),
        (
            "simulate_differential_accessibility",
            dict(
                pos_motif_names=["ZNF143_known2", "CTCF_known1"],
                neg_motif_names=["SIX5_known1", "CTCF_known1"],
                seq_length=100,
                min_num_motifs=1,
                max_num_motifs=2,
                num_pos=30,
                num_neg=30,
                GC_fraction=0.4,
            ),
            ["CTCF_known1", "SIX5_known1", "ZNF143_known2"],
            1,
        ),
    ],
)
def test_every_simulation_through_get_simulation_data(name, params, motif_names, tasks):
    data = get_simulation_data(name, params, test_set_size=10, validation_set_size=10, seed=0)
    assert data.motif_names == motif_names
    assert data.X_train.shape == (40, params["seq_length"], 4)
    assert data.y_train.shape == (40, tasks)
    assert np.all(data.X_train.sum(axis=2) == 1)


def test_split_and_parameter_errors():
    with pytest.raises(ValueError, match="test_set_size"):
        get_simulation_data("simulate_heterodimer_grammar", HETERODIMER, 400, 100)
    with pytest.raises(ValueError, match="validation_set_size"):
        get_simulation_data("simulate_heterodimer_grammar", HETERODIMER, 10, -1)
    with pytest.raises(TypeError, match="simulation_parameters"):
        get_simulation_data("simulate_heterodimer_grammar", dict(HETERODIMER, motif3="x"), 10, 10)
    with pytest.raises(TypeError, match="simulation_parameters"):
        get_simulation_data("simulate_heterodimer_grammar", [1, 2], 10, 10)
    with pytest.raises(ValueError, match="GC_fraction"):
        get_simulation_data(
            "simulate_heterodimer_grammar", dict(HETERODIMER, GC_fraction=2.0), 10, 10
        )


def test_tutorial_sized_heterodimer_split():
    params = dict(HETERODIMER, seq_length=500, num_pos=10000, num_neg=10000)
    data = get_simulation_data("simulate_heterodimer_grammar", params)
    assert (len(data.X_train), len(data.X_valid), len(data.X_test)) == (12800, 3200, 4000)


def test_the_2016_heterodimer_call_gets_the_june_2016_data(capsys):
    """Without pair_orientation, get_simulation_data (the 2016 notebook's call) makes the
    workshop's data, positives' pair on the + strand, and says so; an explicit value is kept."""
    data = get_simulation_data("simulate_heterodimer_grammar", HETERODIMER, 100, 80, seed=5)
    assert "pair_orientation='forward', the June 2016 workshop's data" in capsys.readouterr().out
    positives = np.flatnonzero(data.y_train[:, 0])
    strands = [site.strand for n in positives for site in data.train_embeddings[n]]
    assert set(strands) == {"+"}
    independent = get_simulation_data(
        "simulate_heterodimer_grammar",
        dict(HETERODIMER, pair_orientation="independent"),
        100,
        80,
        seed=5,
    )
    assert capsys.readouterr().out == ""
    positives = np.flatnonzero(independent.y_train[:, 0])
    strands = [site.strand for n in positives for site in independent.train_embeddings[n]]
    assert set(strands) == {"+", "-"}


def test_the_2016_four_axis_index_reads_the_2016_layout():
    """``simulation_data.X_train[0, :, :, :10]`` (both 2016 notebooks' cell 11) gives 2016's
    (1, 4, 10) matrix, a row per base A, C, G, T; every other index stays (N, L, 4)."""
    data = get_simulation_data("simulate_heterodimer_grammar", HETERODIMER, 100, 80, seed=5)
    X = data.X_train
    first = X[0, :, :, :10]
    assert type(first) is np.ndarray and first.shape == (1, 4, 10)
    # the columns decode to the sequence's first ten bases, read from the (N, L, 4) array
    expected = one_hot_decode(np.asarray(X[:1]))[0][:10]
    assert "".join("ACGT"[b] for b in first[0].argmax(axis=0)) == expected
    assert np.array_equal(first[0], np.asarray(X)[0, :10].T)
    assert X[3, 0, 2, 7] == np.asarray(X)[3, 7, 2]  # 2016's [n, 0, base, position]
    # the (N, L, 4) meanings are untouched, and nothing else returns the subclass
    assert np.array_equal(X[0, :10], np.asarray(X)[0, :10]) and X[0, :10].shape == (10, 4)
    assert X[0, ..., 1:3].shape == (100, 2) and X[0, None].shape == (1, 100, 4)
    for derived in (X[0], X[:5], X * 2, X.sum(axis=0), np.concatenate([X, X])[:2]):
        assert type(derived) is np.ndarray, type(derived)
    assert repr(X[:1]).startswith("array(") and repr(X).startswith("array(")
    with pytest.raises(IndexError):
        X[0, 0, 0, 0, 0]  # five axes mean nothing in either layout
