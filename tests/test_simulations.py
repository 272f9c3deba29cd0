"""The six simulations: statistics of what they embed, where, and how; errors; reproducibility."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest
from scipy import stats

from tutorial_utils import (
    Embedding,
    Motif,
    dinucleotide_shuffle,
    get_motif,
    one_hot_decode,
    one_hot_encode,
    reverse_complement,
    simulate_differential_accessibility,
    simulate_heterodimer_grammar,
    simulate_motif_counting,
    simulate_motif_density_localization,
    simulate_multi_motif_embedding,
    simulate_single_motif_detection,
)
from tutorial_utils import simulations as sims

P_MIN = 1e-4  # seeds are fixed, so a pass is deterministic; this only guards the choice of seed

HETERODIMER = dict(
    motif1="SPI1_known4",
    motif2="IRF_known20",
    seq_length=200,
    min_spacing=2,
    max_spacing=5,
    num_pos=600,
    num_neg=400,
    GC_fraction=0.4,
)


def _check_embeddings_in_place(sequences, embeddings):
    """Every embedding reads as recorded, lies inside the sequence, and none overlap."""
    for sequence, items in zip(sequences, embeddings, strict=True):
        end = 0
        for item in items:
            assert isinstance(item, Embedding) and item.strand in "+-"
            assert len(item.sequence) == len(get_motif(item.name))
            assert sequence[item.start : item.start + len(item.sequence)] == item.sequence
            assert item.start >= end, "instances overlap"
            end = item.start + len(item.sequence)
        assert end <= len(sequence)


def _chi_square_p(observed, expected_prob):
    """Chi-square goodness of fit, pooling the cells with expected count < 5."""
    observed = np.asarray(observed, dtype=float)
    expected = np.asarray(expected_prob, dtype=float) * observed.sum()
    small = expected < 5
    if small.any():
        observed = np.append(observed[~small], observed[small].sum())
        expected = np.append(expected[~small], expected[small].sum())
    if observed.size < 2:
        return 1.0
    return stats.chisquare(observed, expected).pvalue


# ---------------------------------------------------------------------------------------------
# output format


def test_return_types_and_positives_first():
    sequences, y, embeddings = simulate_single_motif_detection(
        "TAL1_known4", 100, 7, 5, 0.4, seed=0
    )
    assert isinstance(sequences, np.ndarray) and sequences.shape == (12,)
    assert all(isinstance(s, str) and len(s) == 100 and set(s) <= set("ACGT") for s in sequences)
    assert y.dtype == bool and y.shape == (12, 1)
    assert y[:7].all() and not y[7:].any()
    assert [len(e) for e in embeddings] == [1] * 7 + [0] * 5
    _check_embeddings_in_place(sequences, embeddings)


def test_fast_path_matches_the_strings():
    simulated = sims.CODE_SIMULATIONS["simulate_heterodimer_grammar"](**HETERODIMER, seed=3)
    sequences, y, embeddings = simulate_heterodimer_grammar(**HETERODIMER, seed=3)
    assert simulated.codes.dtype == np.uint8 and simulated.codes.shape == (1000, 200)
    assert simulated.sequences().tolist() == sequences.tolist()
    assert simulated.embeddings() == embeddings
    np.testing.assert_array_equal(simulated.one_hot(), one_hot_encode(sequences))
    np.testing.assert_array_equal(simulated.y, y)


@pytest.mark.parametrize("name", sorted(sims.CODE_SIMULATIONS))
def test_same_seed_same_data_other_seed_other_data(name):
    params = {
        "simulate_single_motif_detection": dict(
            motif_name="TAL1_known4", seq_length=60, num_pos=20, num_neg=20, GC_fraction=0.4
        ),
        "simulate_motif_counting": dict(
            motif_name="TAL1_known4",
            seq_length=80,
            pos_counts=(2, 3),
            neg_counts=(0, 1),
            num_pos=20,
            num_neg=20,
            GC_fraction=0.4,
        ),
        "simulate_motif_density_localization": dict(
            motif_name="TAL1_known4",
            seq_length=120,
            center_size=40,
            min_motif_counts=1,
            max_motif_counts=3,
            num_pos=20,
            num_neg=20,
            GC_fraction=0.4,
        ),
        "simulate_multi_motif_embedding": dict(
            motif_names=["CTCF_known1", "TAL1_known4"],
            seq_length=80,
            min_num_motifs=0,
            max_num_motifs=2,
            num_seqs=40,
            GC_fraction=0.4,
        ),
        "simulate_differential_accessibility": dict(
            pos_motif_names=["CTCF_known1"],
            neg_motif_names=["TAL1_known4"],
            seq_length=80,
            min_num_motifs=1,
            max_num_motifs=1,
            num_pos=20,
            num_neg=20,
            GC_fraction=0.4,
        ),
        "simulate_heterodimer_grammar": HETERODIMER,
    }[name]
    function = getattr(sims, name)
    first, second, other = (function(**params, seed=s) for s in (11, 11, 12))
    assert first[0].tolist() == second[0].tolist()
    assert first[2] == second[2]
    np.testing.assert_array_equal(first[1], second[1])
    assert first[0].tolist() != other[0].tolist()
    generator = np.random.default_rng(5)
    assert function(**params, seed=generator)[0].shape == first[0].shape


# ---------------------------------------------------------------------------------------------
# background and motif sampling statistics


@pytest.mark.parametrize("gc", [0.4, 0.63])
def test_background_base_frequencies(gc):
    sequences, _, _ = simulate_single_motif_detection("TAL1_known4", 500, 0, 400, gc, seed=1)
    counts = Counter("".join(sequences))
    observed = [counts[b] for b in "ACGT"]
    expected = np.array([1 - gc, gc, gc, 1 - gc]) / 2
    assert _chi_square_p(observed, expected) > P_MIN


@pytest.mark.parametrize(("gc", "present"), [(0.0, "AT"), (1.0, "CG")])
def test_extreme_gc_uses_only_the_allowed_bases(gc, present):
    sequences, _, _ = simulate_single_motif_detection("TAL1_known4", 50, 0, 50, gc, seed=1)
    assert set("".join(sequences)) == set(present)


def test_background_is_exact_at_probability_boundaries():
    # the byte cells that straddle a probability boundary are resolved separately: with
    # GC 0.001 the C and G probabilities (0.0005) are far below one byte cell (1/256)
    codes = sims._background(np.random.default_rng(2), 400, 5000, 0.001)
    counts = np.bincount(codes.ravel(), minlength=4)
    assert _chi_square_p(counts, [0.4995, 0.0005, 0.0005, 0.4995]) > P_MIN


def test_instances_follow_the_smoothed_pwm_and_both_strands():
    motif = get_motif("SPI1_known4")
    sequences, _, embeddings = simulate_single_motif_detection(
        "SPI1_known4", 20, 6000, 0, 0.4, seed=4
    )
    instances = [e[0] for e in embeddings]
    minus = sum(e.strand == "-" for e in instances)
    assert stats.binomtest(minus, len(instances), 0.5).pvalue > P_MIN
    # read every instance in motif orientation, then test each position against its PWM row
    oriented = [
        e.sequence if e.strand == "+" else reverse_complement(e.sequence) for e in instances
    ]
    columns = np.array([list(s) for s in oriented])
    chi2, dof = 0.0, 0
    for position, row in enumerate(motif.probabilities):
        observed = np.array([(columns[:, position] == b).sum() for b in "ACGT"])
        result = _chi_square_statistic(observed, row)
        chi2, dof = chi2 + result[0], dof + result[1]
    assert stats.chi2.sf(chi2, dof) > P_MIN
    # and the strands are really different samples: the + reads match the consensus far better
    plus = [e.sequence for e in instances if e.strand == "+"]
    assert np.mean([s == motif.consensus for s in plus]) > 0.02
    _check_embeddings_in_place(sequences, embeddings)


def _chi_square_statistic(observed, probabilities):
    expected = probabilities * observed.sum()
    small = expected < 5
    obs = np.append(observed[~small], observed[small].sum())
    exp = np.append(expected[~small], expected[small].sum())
    if small.sum() == 0:
        obs, exp = obs[:-1], exp[:-1]
    return float(((obs - exp) ** 2 / exp).sum()), obs.size - 1


def test_single_instance_start_is_uniform():
    length, width = 40, len(get_motif("TAL1_known4"))
    _, _, embeddings = simulate_single_motif_detection("TAL1_known4", length, 6200, 0, 0.4, seed=5)
    starts = np.bincount([e[0].start for e in embeddings], minlength=length - width + 1)
    assert starts.size == length - width + 1  # starts 0..L-m only, whole motif inside
    assert _chi_square_p(starts, np.full(starts.size, 1 / starts.size)) > P_MIN


def test_placement_is_uniform_over_non_overlapping_configurations():
    toy = Motif("toy2", [[1.0, 0, 0, 0], [0, 1.0, 0, 0]])
    # two 2-bp instances in 7 bp: C(3 + 2, 2) = 10 configurations, all equally likely
    _, _, embeddings = simulate_motif_counting(toy, 7, (2, 2), (0, 0), 5000, 0, 0.5, seed=6)
    configurations = Counter(tuple(e.start for e in items) for items in embeddings)
    all_configs = [(a, b) for a in range(6) for b in range(6) if b >= a + 2]
    assert set(configurations) == set(all_configs) and len(all_configs) == 10
    observed = [configurations[c] for c in all_configs]
    assert _chi_square_p(observed, np.full(10, 0.1)) > P_MIN


def test_placement_of_different_motifs_is_uniform_over_orders_and_gaps():
    two = Motif("toy_2bp", [[1.0, 0, 0, 0]] * 2)
    three = Motif("toy_3bp", [[0, 0, 0, 1.0]] * 3)
    # 2 + 3 bp in 7 bp: 2 orders x C(2 + 2, 2) gap splits = 12 configurations, all equally likely
    _, _, embeddings = simulate_multi_motif_embedding([two, three], 7, 2, 2, 6000, 0.5, seed=14)
    configurations = Counter(tuple((e.name, e.start) for e in items) for items in embeddings)
    assert len(configurations) == 12
    assert _chi_square_p(list(configurations.values()), np.full(12, 1 / 12)) > P_MIN


def test_tightly_packed_instances_fill_the_region_without_retrying():
    palindrome = Motif("toy_ACGT", np.eye(4))  # reads ACGT on both strands
    sequences, _, embeddings = simulate_motif_counting(
        palindrome, 12, (3, 3), (0, 0), 50, 0, 0.4, seed=7
    )
    assert set(sequences.tolist()) == {"ACGT" * 3}
    assert all([e.start for e in items] == [0, 4, 8] for items in embeddings)


# ---------------------------------------------------------------------------------------------
# the individual simulations


def test_heterodimer_grammar_spacing_order_and_negatives():
    sequences, y, embeddings = simulate_heterodimer_grammar(**HETERODIMER, seed=8)
    _check_embeddings_in_place(sequences, embeddings)
    gaps, strands = [], Counter()
    for items in embeddings[:600]:
        first, second = items
        assert (first.name, second.name) == ("SPI1_known4", "IRF_known20")  # motif1 left
        gaps.append(second.start - (first.start + 14))
        strands[(first.strand, second.strand)] += 1
    assert set(gaps) == {2, 3, 4, 5}
    assert _chi_square_p(np.bincount(gaps)[2:], np.full(4, 0.25)) > P_MIN
    assert (
        _chi_square_p([strands[k] for k in itertools.product("+-", repeat=2)], [0.25] * 4) > P_MIN
    )
    for items in embeddings[600:]:
        assert sorted(e.name for e in items) == ["IRF_known20", "SPI1_known4"]
    negative_order = Counter(items[0].name for items in embeddings[600:])
    assert negative_order["IRF_known20"] > 100  # negatives place the two motifs independently
    assert y[:600].all() and not y[600:].any()


def test_heterodimer_forward_orientation_keeps_the_pair_on_the_plus_strand():
    sequences, y, embeddings = simulate_heterodimer_grammar(
        **HETERODIMER, pair_orientation="forward", seed=8
    )
    _check_embeddings_in_place(sequences, embeddings)
    assert all(e.strand == "+" for items in embeddings[:600] for e in items)
    negative_strands = Counter(e.strand for items in embeddings[600:] for e in items)
    assert negative_strands["-"] > 0.4 * sum(negative_strands.values())  # negatives stay random
    with pytest.raises(ValueError, match="pair_orientation"):
        simulate_heterodimer_grammar(**HETERODIMER, pair_orientation="reverse")


def test_heterodimer_background_negatives_hold_no_motif():
    sequences, y, embeddings = simulate_heterodimer_grammar(
        **HETERODIMER, negatives="background", seed=8
    )
    _check_embeddings_in_place(sequences, embeddings)
    assert all(len(items) == 2 for items in embeddings[:600])  # positives as before
    assert all(len(items) == 0 for items in embeddings[600:])
    assert y[:600].all() and not y[600:].any()
    with pytest.raises(ValueError, match="negatives"):
        simulate_heterodimer_grammar(**HETERODIMER, negatives="none")


def test_motif_counting_counts_and_negative_class_size():
    sequences, y, embeddings = simulate_motif_counting(
        "TAL1_known4", 200, (3, 5), (0, 2), 30, 70, 0.4, seed=9
    )
    assert len(sequences) == 100 and y.sum() == 30  # the 2016 code made num_pos negatives
    pos_counts = [len(e) for e in embeddings[:30]]
    neg_counts = [len(e) for e in embeddings[30:]]
    assert set(pos_counts) == {3, 4, 5} and set(neg_counts) == {0, 1, 2}
    _check_embeddings_in_place(sequences, embeddings)


def test_density_localization_keeps_positives_in_the_central_window():
    length, center = 300, 60
    window = (length // 2 - center // 2, length // 2 - center // 2 + center)
    sequences, y, embeddings = simulate_motif_density_localization(
        "TAL1_known4", length, center, 2, 4, 200, 200, 0.4, seed=10
    )
    _check_embeddings_in_place(sequences, embeddings)
    for items in embeddings[:200]:
        assert 2 <= len(items) <= 4
        assert all(window[0] <= e.start and e.start + 10 <= window[1] for e in items)
    outside = sum(
        not (window[0] <= e.start and e.start + 10 <= window[1])
        for items in embeddings[200:]
        for e in items
    )
    assert outside > 300  # negatives are placed over the whole sequence
    starts = [e.start for items in embeddings[:200] for e in items]
    assert min(starts) == window[0] and max(starts) == window[1] - 10


def test_multi_motif_labels_equal_the_embeddings():
    names = ["CTCF_known1", "ZNF143_known2", "SIX5_known1"]
    sequences, y, embeddings = simulate_multi_motif_embedding(names, 120, 0, 3, 800, 0.4, seed=11)
    assert y.shape == (800, 3) and y.dtype == bool
    _check_embeddings_in_place(sequences, embeddings)
    for labels, items in zip(y, embeddings, strict=True):
        present = [e.name for e in items]
        assert len(present) == len(set(present))  # each motif at most once
        assert labels.tolist() == [n in present for n in names]
    assert _chi_square_p(np.bincount(y.sum(axis=1), minlength=4), [0.25] * 4) > P_MIN
    assert all(abs(rate - 0.5) < 0.07 for rate in y.mean(axis=0))


def test_differential_accessibility_uses_each_class_set():
    sequences, y, embeddings = simulate_differential_accessibility(
        ["CTCF_known1", "ZNF143_known2"],
        ["SIX5_known1", "TAL1_known4"],
        120,
        1,
        2,
        50,
        60,
        0.4,
        seed=12,
    )
    assert y.shape == (110, 1) and y[:50].all() and not y[50:].any()
    _check_embeddings_in_place(sequences, embeddings)
    assert {e.name for items in embeddings[:50] for e in items} == {"CTCF_known1", "ZNF143_known2"}
    assert {e.name for items in embeddings[50:] for e in items} == {"SIX5_known1", "TAL1_known4"}
    assert {len(items) for items in embeddings} == {1, 2}


# ---------------------------------------------------------------------------------------------
# errors: raised up front, naming the parameter


@pytest.mark.parametrize(
    ("function", "kwargs", "error", "parameter"),
    [
        (simulate_single_motif_detection, dict(GC_fraction=1.5), ValueError, "GC_fraction"),
        (simulate_single_motif_detection, dict(GC_fraction=-0.1), ValueError, "GC_fraction"),
        (simulate_single_motif_detection, dict(num_pos=-1), ValueError, "num_pos"),
        (simulate_single_motif_detection, dict(num_neg=2.5), TypeError, "num_neg"),
        (simulate_single_motif_detection, dict(num_pos=0, num_neg=0), ValueError, "num_pos"),
        (simulate_single_motif_detection, dict(seq_length="500"), TypeError, "seq_length"),
        (simulate_single_motif_detection, dict(seq_length=9), ValueError, "seq_length"),
        (simulate_single_motif_detection, dict(motif_name="TAL1_knwon4"), ValueError, "motif_name"),
        (simulate_single_motif_detection, dict(motif_name=3), TypeError, "motif_name"),
        (simulate_single_motif_detection, dict(seed=-1), ValueError, "seed"),
    ],
)
def test_single_motif_errors(function, kwargs, error, parameter):
    params = dict(motif_name="TAL1_known4", seq_length=100, num_pos=5, num_neg=5, GC_fraction=0.4)
    params.update(kwargs)
    with pytest.raises(error, match=parameter):
        function(**params)


def test_unknown_motif_error_suggests_names():
    with pytest.raises(KeyError, match="TAL1_known4"):
        simulate_single_motif_detection("TAL1_knwon4", 100, 5, 5, 0.4)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        (dict(pos_counts=(5, 3)), "pos_counts"),
        (dict(neg_counts=(-1, 2)), "neg_counts"),
        (dict(pos_counts=(3, 11)), "seq_length"),  # 11 x 10 bp > 100 bp
        (dict(pos_counts=5), "pos_counts"),
    ],
)
def test_counting_errors(kwargs, parameter):
    params = dict(
        motif_name="TAL1_known4",
        seq_length=100,
        pos_counts=(3, 5),
        neg_counts=(0, 2),
        num_pos=5,
        num_neg=5,
        GC_fraction=0.4,
    )
    params.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=parameter):
        simulate_motif_counting(**params)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        (dict(center_size=8), "center_size"),  # shorter than the 10-bp motif
        (dict(center_size=200), "center_size"),  # longer than the sequence
        (dict(max_motif_counts=5), "center_size"),  # 5 x 10 bp > 40 bp window
        (dict(min_motif_counts=3, max_motif_counts=2), "min_motif_counts"),
        (dict(min_motif_counts=-1), "min_motif_counts"),
    ],
)
def test_density_errors(kwargs, parameter):
    params = dict(
        motif_name="TAL1_known4",
        seq_length=100,
        center_size=40,
        min_motif_counts=1,
        max_motif_counts=3,
        num_pos=5,
        num_neg=5,
        GC_fraction=0.4,
    )
    params.update(kwargs)
    with pytest.raises(ValueError, match=parameter):
        simulate_motif_density_localization(**params)


@pytest.mark.parametrize(
    ("kwargs", "error", "parameter"),
    [
        (dict(motif_names="CTCF_known1"), TypeError, "motif_names"),
        (dict(motif_names=[]), ValueError, "motif_names"),
        (dict(motif_names=["CTCF_known1", "CTCF_known1"]), ValueError, "motif_names"),
        (dict(motif_names=["CTCF_known1", "nope"]), ValueError, r"motif_names\[1\]"),
        (dict(max_num_motifs=3), ValueError, "max_num_motifs"),
        (dict(min_num_motifs=2, max_num_motifs=1), ValueError, "min_num_motifs"),
        (dict(seq_length=30), ValueError, "seq_length"),  # 19 + 16 bp > 30 bp
        (dict(num_seqs=0), ValueError, "num_seqs"),
    ],
)
def test_multi_motif_errors(kwargs, error, parameter):
    params = dict(
        motif_names=["CTCF_known1", "ZNF143_known2"],
        seq_length=100,
        min_num_motifs=0,
        max_num_motifs=2,
        num_seqs=5,
        GC_fraction=0.4,
    )
    params.update(kwargs)
    with pytest.raises(error, match=parameter):
        simulate_multi_motif_embedding(**params)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        (dict(max_num_motifs=2), "max_num_motifs"),  # the negative set has one motif
        (dict(neg_motif_names=["nope"]), "neg_motif_names"),
        (dict(pos_motif_names=[]), "pos_motif_names"),
    ],
)
def test_differential_accessibility_errors(kwargs, parameter):
    params = dict(
        pos_motif_names=["CTCF_known1", "ZNF143_known2"],
        neg_motif_names=["SIX5_known1"],
        seq_length=100,
        min_num_motifs=1,
        max_num_motifs=1,
        num_pos=5,
        num_neg=5,
        GC_fraction=0.4,
    )
    params.update(kwargs)
    with pytest.raises(ValueError, match=parameter):
        simulate_differential_accessibility(**params)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        (dict(min_spacing=6, max_spacing=5), "min_spacing"),
        (dict(min_spacing=-2), "min_spacing"),
        (dict(seq_length=32), "seq_length"),  # 14 + 5 + 14 = 33 bp
        (dict(motif2="SPI1_known4"), "motif2"),
        (dict(motif1="nope"), "motif1"),
    ],
)
def test_heterodimer_errors(kwargs, parameter):
    params = dict(HETERODIMER, num_pos=5, num_neg=5)
    params.update(kwargs)
    with pytest.raises(ValueError, match=parameter):
        simulate_heterodimer_grammar(**params)


def test_heterodimer_exact_fit_is_allowed():
    params = dict(HETERODIMER, seq_length=33, num_pos=20, num_neg=5, min_spacing=5)
    sequences, _, embeddings = simulate_heterodimer_grammar(**params, seed=1)
    assert all([e.start for e in items] == [0, 19] for items in embeddings[:20])


# ---------------------------------------------------------------------------------------------
# dinucleotide shuffle


def _dinucleotides(sequence: str) -> Counter:
    return Counter(sequence[i : i + 2] for i in range(len(sequence) - 1))


def test_dinucleotide_shuffle_preserves_counts_on_strings():
    sequences, _, _ = simulate_single_motif_detection("SPI1_known4", 300, 3, 3, 0.4, seed=13)
    for sequence in sequences:
        shuffles = dinucleotide_shuffle(sequence, num_shuffles=5, seed=1)
        assert len(shuffles) == 5
        for shuffled in shuffles:
            assert shuffled != sequence
            assert _dinucleotides(shuffled) == _dinucleotides(sequence)
            assert shuffled[0] == sequence[0] and shuffled[-1] == sequence[-1]
    assert dinucleotide_shuffle("ACGTTGCA", seed=3) == dinucleotide_shuffle("ACGTTGCA", seed=3)


def test_dinucleotide_shuffle_on_one_hot_keeps_n_rows():
    sequence = "ACGTNACCGGTTNNAGCTAGCATCGA"
    X = one_hot_encode(sequence)[0]
    shuffled = dinucleotide_shuffle(X, seed=2)
    assert shuffled.shape == X.shape and shuffled.dtype == X.dtype
    decoded = one_hot_decode(shuffled)[0]
    assert _dinucleotides(decoded) == _dinucleotides(sequence)
    assert dinucleotide_shuffle(X, num_shuffles=3, seed=2).shape == (3, len(sequence), 4)


def test_dinucleotide_shuffle_is_uniform_over_all_valid_shuffles():
    sequence = "ACAGATACA"  # 12 sequences share its dinucleotide counts
    target = _dinucleotides(sequence)
    valid = {
        "".join(p)
        for p in set(itertools.permutations(sequence))
        if p[0] == sequence[0] and _dinucleotides("".join(p)) == target
    }
    draws = Counter(dinucleotide_shuffle(sequence, num_shuffles=3000, seed=4))
    assert set(draws) == valid and len(valid) == 12
    observed = [draws[s] for s in sorted(valid)]
    assert _chi_square_p(observed, np.full(len(valid), 1 / len(valid))) > P_MIN


def test_dinucleotide_shuffle_errors():
    with pytest.raises(ValueError, match="num_shuffles"):
        dinucleotide_shuffle("ACGT", num_shuffles=0)
    with pytest.raises(ValueError, match="sequence_or_onehot"):
        dinucleotide_shuffle(np.zeros((5, 3)))


def test_embedding_table_reads_as_the_2016_list_of_lists():
    sequences, _, table = simulate_heterodimer_grammar(**HETERODIMER, seed=21)
    as_lists = [table[i] for i in range(len(table))]
    assert isinstance(table, sims.EmbeddingTable) and len(table) == len(sequences) == 1000
    assert table == as_lists and as_lists == table and list(table) == as_lists
    assert table[-1] == as_lists[-1] and table[599] == as_lists[599]
    with pytest.raises(IndexError):
        table[1000]
    # slices, index arrays and boolean masks give tables of those sequences (views)
    assert table[10:13] == as_lists[10:13]
    picked = np.array([5, 700, 5])
    assert table[picked] == [as_lists[i] for i in picked]
    assert table[picked][1] == as_lists[700]
    mask = np.zeros(1000, dtype=bool)
    mask[[3, 900]] = True
    assert table[mask] == [as_lists[3], as_lists[900]]
    assert table[:2] != table[2:4] and table[:2] != as_lists[:3]
    with pytest.raises(TypeError, match="indexed by integers"):
        table[np.array([0.5])]
    # columns: one entry per instance of the table's sequences
    columns = table[picked].columns()
    expected = [(s, e.name, e.start, e.strand) for s, i in enumerate(picked) for e in as_lists[i]]
    rows = zip(
        columns["sequence"], columns["name"], columns["start"], columns["strand"], strict=True
    )
    assert [(int(s), n, int(b), t) for s, n, b, t in rows] == expected
    assert "1000 sequences, 2000 motif instances" in repr(table)
