"""Motif discovery with TF-MoDISco on DeepLIFT scores, and the tutorial-scale quality checks."""

from __future__ import annotations

import numpy as np
import pytest

TUTORIAL_HETERODIMER = dict(
    motif1="SPI1_known4",
    motif2="IRF_known20",
    seq_length=500,
    min_spacing=2,
    max_spacing=5,
    num_pos=10000,
    num_neg=10000,
    GC_fraction=0.4,
    pair_orientation="forward",  # the 2016 workshop's data, on which its results were recorded
)


def tutorial_data_and_model(verbose=0, seed=0):
    """The tutorial heterodimer data and the deep CNN (3 x 15 filters of width 15, pool 35),
    trained with ``SequenceDNN.train``'s defaults (plateau-aware early stopping)."""
    from tutorial_utils.datasets import get_simulation_data
    from tutorial_utils.models import SequenceDNN

    data = get_simulation_data(
        "simulate_heterodimer_grammar",
        TUTORIAL_HETERODIMER,
        test_set_size=4000,
        validation_set_size=3200,
        seed=0,
    )
    dnn = SequenceDNN(
        500,
        use_deep_CNN=True,
        num_filters=15,
        conv_width=15,
        num_filters_2=15,
        conv_width_2=15,
        num_filters_3=15,
        conv_width_3=15,
        pool_width=35,
        verbose=verbose,
        seed=seed,
    )
    dnn.train(
        data.X_train,
        data.y_train,
        (data.X_valid, data.y_valid),
    )
    return data, dnn


def top_window_hits(contributions, embeddings, window=20):
    """Per sequence: does the highest-scoring ``window``-bp window overlap a true motif site?"""
    per_position = contributions.sum(axis=-1)  # (N, L)
    cumulative = np.concatenate([np.zeros((len(per_position), 1)), per_position.cumsum(axis=1)], 1)
    window_sums = cumulative[:, window:] - cumulative[:, :-window]  # window starting at each i
    starts = window_sums.argmax(axis=1)
    hits = []
    for start, sites in zip(starts, embeddings, strict=True):
        hits.append(
            any(s.start < start + window and start < s.start + len(s.sequence) for s in sites)
        )
    return np.array(hits)


def planted_data(n=400, length=200, seed=0):
    """Random sequences with SPI1_known4 and IRF_known20 sampled instances at random places."""
    from tutorial_utils.motifs import get_motif

    rng = np.random.default_rng(seed)
    X = np.eye(4, dtype=np.float32)[rng.choice(4, size=(n, length), p=[0.3, 0.2, 0.2, 0.3])]
    for name, row_start in (("SPI1_known4", 20), ("IRF_known20", 110)):
        probs = get_motif(name).probabilities
        for i in range(n):
            bases = [rng.choice(4, p=p / p.sum()) for p in probs]
            start = row_start + rng.integers(0, 60)
            X[i, start : start + len(probs)] = np.eye(4)[bases]
    return X


def two_filter_model(length=200):
    """Hand-set model: one conv filter per motif (its log-odds), ReLU, max-pool, sum."""
    import keras

    from tutorial_utils.motifs import get_motif

    motifs = [get_motif("SPI1_known4"), get_motif("IRF_known20")]
    width = max(len(m) for m in motifs)
    kernel = np.zeros((width, 4, 2), np.float32)
    for k, motif in enumerate(motifs):
        kernel[: len(motif), :, k] = motif.log_odds()
    inputs = keras.Input((length, 4))
    conv = keras.layers.Conv1D(2, width)
    h = keras.layers.Activation("relu")(conv(inputs))
    h = keras.layers.MaxPooling1D(length - width + 1)(h)
    dense = keras.layers.Dense(1)
    model = keras.Model(inputs, dense(keras.layers.Flatten()(h)))
    conv.set_weights([kernel, np.array([-3.0, -3.0], np.float32)])
    dense.set_weights([np.ones((2, 1), np.float32), np.zeros(1, np.float32)])
    return model


@pytest.mark.slow
def test_discover_motifs_finds_the_planted_motifs():
    import matplotlib

    matplotlib.use("Agg")
    from tutorial_utils.discovery import discover_motifs, plot_discovered_motifs

    X = planted_data()
    table = discover_motifs(
        two_filter_model(),
        X,
        num_refs=3,
        motif_names=["SPI1_known4", "IRF_known20"],
        max_seqlets=1000,
    )
    print(
        table[["pattern", "n_seqlets", "match", "similarity", "library_match", "library_q_value"]]
    )
    positive = table[table.sign > 0]
    assert {"SPI1_known4", "IRF_known20"} <= set(positive.match[positive.similarity > 0.6])
    # named the way the field does: TOMTOM against JASPAR and ENCODE, a significant q-value
    spi1 = positive[positive.match == "SPI1_known4"].iloc[0]
    assert spi1.library_q_value < 0.05, spi1[["library_match", "library_q_value"]]
    assert any(tf in spi1.library_match.upper() for tf in ("SPI1", "SPIB", "SPIC")), spi1
    figure = plot_discovered_motifs(table)
    assert len(figure.axes) == len(table)


@pytest.mark.slow
def test_tutorial_heterodimer_quality():
    """Deep CNN on the tutorial heterodimer data: DeepLIFT finds the sites, MoDISco the motifs."""
    from tutorial_utils.discovery import discover_motifs

    data, dnn = tutorial_data_and_model()
    positives = np.flatnonzero(data.y_test[:, 0])
    contributions = dnn.deeplift(data.X_test[positives[:1000]], num_refs=10)
    hits = top_window_hits(contributions, [data.test_embeddings[i] for i in positives[:1000]])
    print(
        f"top 20-bp DeepLIFT window overlaps a true motif in {hits.mean():.1%} "
        f"of {len(hits)} test positives"
    )
    assert hits.mean() >= 0.9
    table = discover_motifs(
        dnn, data.X_test[positives[:1000]], num_refs=10, motif_names=data.motif_names
    )
    print(
        table[["pattern", "n_seqlets", "match", "similarity", "library_match", "library_q_value"]]
    )
    print(table[["pattern", "n_seqlets", "merged", "label", "library_q_value"]].to_string())
    found = set().union(*table.matches[table.sign > 0])
    assert {"SPI1_known4", "IRF_known20"} <= found
    # the pair at its fixed spacing is one pattern to the model: said to be a composite
    composites = [label for label in table.label if label.startswith("composite:")]
    assert composites, table.label.tolist()


def test_top_window_hits_reads_embeddings():
    from tutorial_utils.simulations import Embedding

    contributions = np.zeros((2, 100, 4))
    contributions[0, 50, 0] = 5.0  # peak inside the site at 45..55
    contributions[1, 10, 0] = 5.0  # peak far from the site at 80..90
    sites = [[Embedding("m", 45, "+", "A" * 10)], [Embedding("m", 80, "+", "A" * 10)]]
    assert list(top_window_hits(contributions, sites)) == [True, False]


def test_a_grammar_pattern_contains_both_of_its_motifs():
    from tutorial_utils.discovery import _contained_motifs
    from tutorial_utils.motifs import get_motif

    background = np.log([0.3, 0.2, 0.2, 0.3])
    spi1 = np.log(get_motif("SPI1_known4").probabilities) - background
    irf = np.log(get_motif("IRF_known20").probabilities) - background
    pair = np.concatenate([spi1, np.zeros((3, 4)), irf])  # SPI1, 3 bp gap, IRF
    names = ["SPI1_known4", "IRF_known20", "TAL1_known4"]
    assert set(_contained_motifs(pair, names, 0.6)) == {"SPI1_known4", "IRF_known20"}
    assert _contained_motifs(irf, names, 0.6) == ["IRF_known20"]


def test_modisco_errors_come_back_in_words():
    from tutorial_utils._modisco_process import run_modisco

    X = np.eye(4, dtype=np.float32)[np.zeros((3, 50), dtype=int)]
    with pytest.raises(RuntimeError, match="not_an_option"):
        run_modisco(X, X, not_an_option=1)


# ---------------------------------------------------------------------------------------------
# arguments checked before any work; too few seqlets give the documented empty table


def small_motif_detector(length=50, threshold=6.0):
    """The issue's case: a well-trained detector of one motif, zero contribution almost anywhere."""
    from test_ism import planted_motif_model

    from tutorial_utils.motifs import get_motif

    return planted_motif_model(get_motif("TAL1_known4").log_odds(), length, threshold)


def short_sequences(n=300, length=50, seed=1):
    from tutorial_utils.motifs import get_motif

    consensus = np.eye(4, dtype=np.float32)[get_motif("TAL1_known4").probabilities.argmax(axis=1)]
    rng = np.random.default_rng(seed)
    X = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (n, length))]
    for i in range(n // 2):
        start = rng.integers(0, length - len(consensus))
        X[i, start : start + len(consensus)] = consensus
    return X


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(motif_names=["SPI1_known4", "NO_SUCH_MOTIF"]), r"motif_names\[1\]: unknown motif"),
        (dict(sliding_window_size=-3), "sliding_window_size must be >= 1"),
        (dict(library="transfac"), "library must be one of"),
        (dict(min_metacluster_sise=50), "did you mean min_metacluster_size"),
        (dict(num_refs=0), "num_refs must be >= 1"),
        (dict(flank_size=20), "shorter than one TF-MoDISco seqlet"),
    ],
)
def test_discover_motifs_checks_arguments_before_any_work(monkeypatch, kwargs, message):
    import time

    from tutorial_utils import discovery

    calls = []
    monkeypatch.setattr(discovery, "deeplift", lambda *a, **k: calls.append(a))
    started = time.perf_counter()
    with pytest.raises((TypeError, ValueError), match=message):
        discovery.discover_motifs(small_motif_detector(), short_sequences(20), **kwargs)
    assert not calls  # was 5-13 s of DeepLIFT first
    assert time.perf_counter() - started < 3.0


def test_too_few_seqlets_give_an_empty_table_with_the_reason():
    from tutorial_utils.discovery import discover_motifs

    model, X = small_motif_detector(), short_sequences(200)
    with pytest.warns(UserWarning, match="too few seqlets") as record:
        table = discover_motifs(model, X, num_refs=3, motif_names=["TAL1_known4"])
    assert table.empty and "pattern" in table.columns and "matches" in table.columns
    reason = table.attrs["reason"]
    assert str(record[0].message) == f"discover_motifs found no pattern; {reason}"
    assert "min_metacluster_size=100" in reason and "exactly zero at" in reason


def test_all_zero_contributions_are_a_reason_not_a_crash():
    from tutorial_utils._modisco_process import run_modisco

    X = short_sequences(200, 60)
    patterns, reason = run_modisco(X, np.zeros_like(X))  # modisco-lite raised IndexError here
    assert patterns == []
    assert reason.startswith("no seqlets") and "exactly zero at 100% of the 200 x 60" in reason


def test_alike_patterns_merge_and_composites_are_labelled():
    from tutorial_utils.discovery import _label, _merge_alike, cwm_similarity
    from tutorial_utils.motifs import get_motif

    spi1 = get_motif("SPI1_known4").log_odds()
    irf = get_motif("IRF_known20").log_odds()
    pair = np.vstack([spi1, np.zeros((3, 4)), irf])
    rc = pair[::-1, ::-1]
    assert cwm_similarity(pair, rc) > 0.99  # the same pattern read on the other strand
    assert cwm_similarity(spi1, irf) < 0.9
    assert cwm_similarity(pair, irf) == -1.0  # a composite is not one of its motifs
    shifted = np.vstack([np.zeros((2, 4)), pair[:-2]])
    assert cwm_similarity(pair, shifted) > 0.99  # the same pattern, two columns along
    rows = [
        {"pattern": "pos_0", "sign": 1, "n_seqlets": 40, "cwm": pair},
        {"pattern": "pos_1", "sign": 1, "n_seqlets": 30, "cwm": rc},
        {"pattern": "pos_2", "sign": 1, "n_seqlets": 20, "cwm": irf},
        {"pattern": "neg_0", "sign": -1, "n_seqlets": 10, "cwm": pair},
    ]
    kept = _merge_alike(rows, 0.9)
    assert [(r["pattern"], r["n_seqlets"], r["merged"]) for r in kept] == [
        ("pos_0", 70, ["pos_1"]), ("pos_2", 20, []), ("neg_0", 10, []),
    ]  # fmt: skip
    assert len(_merge_alike(rows, 1.01)) == 4  # nothing merges above a correlation of 1
    from tutorial_utils.discovery import _composite_label

    known = {"SPI1_known4": get_motif("SPI1_known4"), "IRF_known20": get_motif("IRF_known20")}
    assert _composite_label(pair, known, 0.6) == "composite: SPI1_known4, 3 bp, IRF_known20"
    assert _composite_label(irf, known, 0.6) is None  # one motif is no composite
    assert _label({"pattern": "pos_2", "match": "IRF_known20"}) == "IRF_known20"
