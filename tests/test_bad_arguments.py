"""Every public function of ``tutorial_utils.__all__`` with bad arguments.

For each parameter of each function (and the main methods of the public classes) the test
passes, with every other argument valid: wrong types, NaN / inf, empty values, wrong shapes and
impossible sizes, as fits the parameter. Each call must, within 5 s, raise a ``TypeError`` or
``ValueError`` (``OSError`` for file paths, ``FILE_PARAMETERS``) whose message names the parameter, raised by this
package's own code (the innermost frame is in ``tutorial_utils``), never a traceback from deep
inside numpy, Keras or scikit-learn, a hang, or a result.

``Data`` and ``Embedding`` are plain named tuples (records built by the library, not checked
constructors), so they are left out; the no-argument functions are checked to run.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import tutorial_utils as tu

PACKAGE = Path(tu.__file__).resolve().parent
TIME_LIMIT_S = 5.0
# parameters naming files: a missing file or a directory may raise OSError
FILE_PARAMETERS = {"path", "positives", "negatives", "genome", "peaks", "exclude"}
SEQ_LENGTH = 40
NAN = float("nan")
INF = float("inf")

# ---------------------------------------------------------------------------------------------
# the kinds of parameter and their bad values: (label, value or a function of the context)

_WRONG_INT = [("str", "3"), ("float", 2.5), ("bool", True), ("NaN", NAN), ("list", [1])]
COUNT = [*_WRONG_INT, ("None", None), ("negative", -1), ("impossible size", 10**12)]
LAYER_COUNT = [case for case in COUNT if case[0] != "list"]  # a list gives one value per layer
INDEX = [*_WRONG_INT, ("negative", -1), ("out of range", 10**12)]  # None may mean "default"
POSITIVE = [*_WRONG_INT, ("None", None), ("negative", -1), ("zero", 0)]  # no upper bound
SEED = [("str", "1"), ("float", 1.5), ("negative", -1), ("NaN", NAN)]
FRACTION = [
    ("str", "0.4"),
    ("None", None),
    ("NaN", NAN),
    ("inf", INF),
    ("negative", -0.5),
    ("above 1", 1.5),
]
NONNEGATIVE = [("str", "1"), ("None", None), ("NaN", NAN), ("inf", INF), ("negative", -1.0)]
SIMILARITY = [("str", "1"), ("None", None), ("NaN", NAN), ("inf", INF), ("below -1", -2.0)]
FLAG = [("str", "yes"), ("int", 2), ("None", None)]
CHOICE = [("unknown", "no_such_choice"), ("int", 5), ("None", None)]
OPT_CHOICE = [("unknown", "no_such_choice"), ("int", 5)]
MOTIF_NAME = [("None", None), ("int", 5), ("empty", ""), ("unknown", "no_such_motif_xyz")]
MOTIF_LIST = [
    ("None", None),
    ("str", "SPI1_known4"),
    ("empty", []),
    ("unknown", ["no_such_motif_xyz"]),
    ("int item", [5]),
    ("NaN matrix", [np.full((3, 4), NAN)]),
]
OPT_MOTIF_LIST = [item for item in MOTIF_LIST if item[0] != "None"]
DICT = [("None", None), ("list", [1, 2]), ("str", "x")]
RANGE = [
    ("str", "1,2"),
    ("short", (1,)),
    ("min > max", (3, 1)),
    ("negative", (-1, 2)),
    ("NaN", (NAN, 2)),
]
MODEL = [("None", None), ("str", "model"), ("int", 5), ("dict", {})]
DATA = [("None", None), ("dict", {}), ("tuple", (1, 2)), ("str", "data")]
AX = [("str", "axes"), ("int", 5)]
MATRIX = [
    ("None", None),
    ("str", "ACGT"),
    ("NaN", np.full((3, 4), NAN)),
    ("inf", np.full((3, 4), INF)),
    ("wrong shape", np.ones((3, 5))),
    ("empty", np.zeros((0, 4))),
]
PROBABILITY_MATRIX = [*MATRIX, ("rows not summing to 1", np.ones((3, 4))), ("negative", -np.eye(4))]
STRINGS = [
    ("None", None),
    ("int", 5),
    ("empty list", []),
    ("empty string", [""]),
    ("non-ASCII", ["ACGTé"]),
    ("int item", ["ACGT", 5]),
    ("unequal lengths", ["ACGT", "AC"]),
    ("2-D", np.array([["A", "C"]])),
]
DNA = [("None", None), ("int", 5), ("bad letter", "ACGX"), ("list", ["ACGT"]), ("bytes", b"ACGT")]
DTYPE = [("unknown", "banana"), ("object", object), ("str dtype", str)]
LABELS = [
    ("None", None),
    ("str", "labels"),
    ("NaN", lambda c: np.full(len(c.X), NAN)),
    ("not binary", lambda c: np.full(len(c.X), 2)),
    ("wrong length", np.array([True, False])),
]
PATH = [
    ("None", None),
    ("int", 5),
    ("missing", lambda c: c.tmp / "missing.txt"),
    ("directory", lambda c: c.tmp),
    ("empty file", lambda c: c.empty_file),
    ("binary file", lambda c: c.binary_file),
]
SEQUENCE_OR_ONEHOT = [
    ("None", None),
    ("int", 5),
    ("empty", ""),
    ("probabilities", np.full((10, 4), 0.25)),
    ("NaN", np.full((10, 4), NAN)),
    ("wrong shape", np.zeros((10, 5))),
    ("scaled", np.eye(4)[[0, 1, 2, 3]] * 5),
]
FILTERS = [
    ("None", None),
    ("str", "filters"),
    ("NaN", np.full((2, 5, 4), NAN)),
    ("inf", np.full((2, 5, 4), INF)),
    ("wrong shape", np.ones((2, 5, 3))),
    ("empty", np.zeros((0, 5, 4))),
]
BACKGROUND = [
    ("unknown name", "gc"),
    ("zero probability", (1, 0, 0, 0)),
    ("sum 2", (0.5, 0.5, 0.5, 0.5)),
    ("3 values", (0.3, 0.3, 0.4)),
    ("NaN", (NAN, 0.25, 0.25, 0.25)),
    ("None", None),
]
REFERENCE = [
    ("unknown name", "uniform"),
    ("None", None),
    ("NaN", lambda c: np.full(c.X.shape, NAN)),
    ("scaled", lambda c: c.X * 5),
    ("wrong shape", np.zeros((3, 5))),
]
DNN_PARAMETERS = [("None", None), ("list", [40]), ("unknown key", {"seq_length": 40, "bogus": 1})]
SIMULATION_PARAMETERS = [
    ("None", None),
    ("list", [1]),
    ("unknown key", {"bogus": 1}),
    (
        "impossible size",
        dict(motif_name="SPI1_known4", seq_length=500, num_pos=10**12, num_neg=10, GC_fraction=0.4),
    ),
]
TASK_NAMES = [("wrong length", ["a", "b"]), ("int", 5)]
# real sequences: files of peaks, genomes and chromosome lists
GENOME = [
    ("None", None),
    ("int", 5),
    ("missing", lambda c: c.tmp / "missing.fa"),
    ("directory", lambda c: c.tmp),
    ("without an index", lambda c: c.genome_without_index),
]
PEAKS = [
    ("None", None),
    ("int", 5),
    ("missing", lambda c: c.tmp / "missing.bed"),
    ("two columns", lambda c: c.bed_two_columns),
    ("start after end", lambda c: c.bed_reversed),
    ("chromosome the genome lacks", lambda c: c.bed_unknown_chromosome),
]
WINDOW = [*POSITIVE, ("off a chromosome end", 1500)]
CHROMS = [("None", None), ("int", 5), ("empty", []), ("int item", [1]), ("absent", ["chrZ"])]
CLASS_FASTA = [
    ("None", None),
    ("int", 5),
    ("missing", lambda c: c.tmp / "missing.fa"),
    ("directory", lambda c: c.tmp),
    ("empty file", lambda c: c.empty_file),
    ("N-rich", lambda c: c.fasta_n_rich),
    ("unequal lengths", lambda c: c.fasta_unequal),
]
MOTIF_QUERIES = [
    ("None", None),
    ("int", 5),
    ("empty", []),
    ("NaN matrix", [np.full((3, 4), NAN)]),
    ("rows not summing to 1", np.ones((3, 4))),
    ("table without patterns", lambda c: c.empty_discovery),
]


def x_kinds(probabilities_ok: bool = False):
    """Bad one-hot batches X (N, L, 4) for a model of SEQ_LENGTH."""
    cases = [
        ("None", None),
        ("str", "ACGT"),
        ("list of str", ["ACGT"]),
        ("object array", np.array([[None]], dtype=object)),
        ("NaN", lambda c: np.where(c.X == 1, NAN, c.X)),
        ("inf", lambda c: np.where(c.X == 1, INF, c.X)),
        ("scaled", lambda c: c.X * 5),
        ("negative", lambda c: -c.X),
        ("wrong last axis", lambda c: c.X[..., :3]),
        ("2-D", lambda c: c.X[0]),
        ("empty", lambda c: c.X[:0]),
        ("wrong length", lambda c: c.X[:, :-1]),
    ]
    if not probabilities_ok:
        cases.append(("probabilities", lambda c: np.full(c.X.shape, 0.25, np.float32)))
    return cases


X_ONE_HOT = x_kinds()
X_PROBABILITIES = x_kinds(probabilities_ok=True)
X_ANY_LENGTH = [case for case in X_ONE_HOT if case[0] != "wrong length"]
X_PROBABILITIES_ANY_LENGTH = [case for case in X_PROBABILITIES if case[0] != "wrong length"]
X_DECODABLE = [
    case for case in X_PROBABILITIES_ANY_LENGTH if case[0] != "2-D"
]  # one (L, 4) is fine


# ---------------------------------------------------------------------------------------------
# the public functions: how to call them validly, and the kind of each parameter


@dataclass
class Spec:
    name: str
    call: object  # function of the context returning the callable
    valid: object  # function of the context returning the valid keyword arguments
    params: dict  # parameter -> list of (label, bad value)
    names: dict = field(default_factory=dict)  # parameter -> text the message must hold


def _sim(**kw):
    return lambda c: dict(kw)


HETERODIMER = dict(
    motif1="SPI1_known4",
    motif2="IRF_known20",
    seq_length=SEQ_LENGTH,
    min_spacing=2,
    max_spacing=5,
    num_pos=20,
    num_neg=20,
    GC_fraction=0.4,
)

SPECS = [
    # encoding
    Spec(
        "one_hot_encode",
        lambda c: tu.one_hot_encode,
        _sim(sequences=["ACGT", "TTGA"]),
        {"sequences": STRINGS, "dtype": DTYPE},
    ),
    Spec("one_hot_decode", lambda c: tu.one_hot_decode, lambda c: dict(X=c.X), {"X": X_DECODABLE}),
    Spec(
        "get_sequence_strings",
        lambda c: tu.get_sequence_strings,
        lambda c: dict(X=c.X),
        {"X": X_DECODABLE},
    ),
    Spec("reverse_complement", lambda c: tu.reverse_complement, _sim(X="ACGT"), {"X": DNA}),
    Spec("read_fasta", lambda c: tu.read_fasta, lambda c: dict(path=c.fasta), {"path": PATH}),
    Spec(
        "encode_fasta_sequences",
        lambda c: tu.encode_fasta_sequences,
        lambda c: dict(path=c.fasta),
        {"path": PATH},
    ),
    # motifs
    Spec(
        "Motif",
        lambda c: tu.Motif,
        _sim(name="m", probabilities=np.full((3, 4), 0.25)),
        {"name": [("None", None), ("int", 5), ("empty", "")], "probabilities": PROBABILITY_MATRIX},
    ),
    Spec(
        "get_motif",
        lambda c: tu.get_motif,
        _sim(name="SPI1_known4"),
        {"name": MOTIF_NAME, "collection": CHOICE},
    ),
    Spec(
        "list_motifs",
        lambda c: tu.list_motifs,
        _sim(pattern="SPI1"),
        {"pattern": [("int", 5), ("list", ["SPI1"])], "collection": CHOICE},
    ),
    Spec(
        "load_motifs", lambda c: tu.load_motifs, _sim(collection="encode"), {"collection": CHOICE}
    ),
    Spec(
        "read_motif_file",
        lambda c: tu.read_motif_file,
        lambda c: dict(path=c.meme, fmt="meme"),
        {"path": PATH, "fmt": CHOICE},
    ),
    # simulations
    Spec(
        "dinucleotide_shuffle",
        lambda c: tu.dinucleotide_shuffle,
        _sim(sequence_or_onehot="ACGTACGTTT", num_shuffles=2, seed=0),
        {"sequence_or_onehot": SEQUENCE_OR_ONEHOT, "num_shuffles": COUNT, "seed": SEED},
    ),
    Spec(
        "simulate_single_motif_detection",
        lambda c: tu.simulate_single_motif_detection,
        _sim(
            motif_name="SPI1_known4",
            seq_length=SEQ_LENGTH,
            num_pos=5,
            num_neg=5,
            GC_fraction=0.4,
            seed=0,
        ),
        {
            "motif_name": MOTIF_NAME,
            "seq_length": COUNT,
            "num_pos": COUNT,
            "num_neg": COUNT,
            "GC_fraction": FRACTION,
            "seed": SEED,
        },
    ),
    Spec(
        "simulate_motif_counting",
        lambda c: tu.simulate_motif_counting,
        _sim(
            motif_name="TAL1_known4",
            seq_length=SEQ_LENGTH,
            pos_counts=(2, 3),
            neg_counts=(0, 1),
            num_pos=5,
            num_neg=5,
            GC_fraction=0.4,
            seed=0,
        ),
        {
            "motif_name": MOTIF_NAME,
            "seq_length": COUNT,
            "pos_counts": RANGE,
            "neg_counts": RANGE,
            "num_pos": COUNT,
            "num_neg": COUNT,
            "GC_fraction": FRACTION,
            "seed": SEED,
        },
    ),
    Spec(
        "simulate_motif_density_localization",
        lambda c: tu.simulate_motif_density_localization,
        _sim(
            motif_name="TAL1_known4",
            seq_length=SEQ_LENGTH,
            center_size=30,
            min_motif_counts=1,
            max_motif_counts=2,
            num_pos=5,
            num_neg=5,
            GC_fraction=0.4,
            seed=0,
        ),
        {
            "motif_name": MOTIF_NAME,
            "seq_length": COUNT,
            "center_size": COUNT,
            "min_motif_counts": COUNT,
            "max_motif_counts": COUNT,
            "num_pos": COUNT,
            "num_neg": COUNT,
            "GC_fraction": FRACTION,
            "seed": SEED,
        },
    ),
    Spec(
        "simulate_multi_motif_embedding",
        lambda c: tu.simulate_multi_motif_embedding,
        _sim(
            motif_names=["TAL1_known4", "SPI1_known4"],
            seq_length=SEQ_LENGTH,
            min_num_motifs=0,
            max_num_motifs=2,
            num_seqs=10,
            GC_fraction=0.4,
            seed=0,
        ),
        {
            "motif_names": MOTIF_LIST,
            "seq_length": COUNT,
            "min_num_motifs": COUNT,
            "max_num_motifs": COUNT,
            "num_seqs": COUNT,
            "GC_fraction": FRACTION,
            "seed": SEED,
        },
    ),
    Spec(
        "simulate_differential_accessibility",
        lambda c: tu.simulate_differential_accessibility,
        _sim(
            pos_motif_names=["TAL1_known4"],
            neg_motif_names=["SPI1_known4"],
            seq_length=SEQ_LENGTH,
            min_num_motifs=0,
            max_num_motifs=1,
            num_pos=5,
            num_neg=5,
            GC_fraction=0.4,
            seed=0,
        ),
        {
            "pos_motif_names": MOTIF_LIST,
            "neg_motif_names": MOTIF_LIST,
            "seq_length": COUNT,
            "min_num_motifs": COUNT,
            "max_num_motifs": COUNT,
            "num_pos": COUNT,
            "num_neg": COUNT,
            "GC_fraction": FRACTION,
            "seed": SEED,
        },
    ),
    Spec(
        "simulate_heterodimer_grammar",
        lambda c: tu.simulate_heterodimer_grammar,
        _sim(**HETERODIMER, seed=0),
        {
            "motif1": MOTIF_NAME,
            "motif2": MOTIF_NAME,
            "seq_length": COUNT,
            "min_spacing": COUNT,
            "max_spacing": COUNT,
            "num_pos": COUNT,
            "num_neg": COUNT,
            "GC_fraction": FRACTION,
            "pair_orientation": CHOICE,
            "negatives": CHOICE,
            "seed": SEED,
        },
    ),
    # the 2016 data helpers
    Spec(
        "get_simulation_function",
        lambda c: tu.get_simulation_function,
        _sim(name="simulate_heterodimer_grammar"),
        {"name": CHOICE},
    ),
    Spec(
        "print_simulation_info",
        lambda c: tu.print_simulation_info,
        _sim(name="simulate_heterodimer_grammar"),
        {"name": CHOICE},
    ),
    Spec(
        "get_simulation_data",
        lambda c: tu.get_simulation_data,
        _sim(
            simulation_name="simulate_heterodimer_grammar",
            simulation_parameters=HETERODIMER,
            test_set_size=10,
            validation_set_size=10,
            seed=0,
        ),
        {
            "simulation_name": CHOICE,
            "simulation_parameters": SIMULATION_PARAMETERS,
            "test_set_size": COUNT,
            "validation_set_size": COUNT,
            "seed": SEED,
        },
        names={"simulation_parameters": ("simulation_parameters", "num_pos")},
    ),
    # models and metrics
    Spec(
        "SequenceDNN",
        lambda c: tu.SequenceDNN,
        _sim(seq_length=SEQ_LENGTH, num_filters=2, conv_width=5, pool_width=5, verbose=0),
        {
            "seq_length": COUNT,
            "use_deep_CNN": FLAG,
            "num_tasks": COUNT,
            "num_filters": LAYER_COUNT,
            "conv_width": LAYER_COUNT,
            "pool_width": COUNT,
            "L1": NONNEGATIVE,
            "dropout": FRACTION,
            "verbose": INDEX,
            "seed": SEED,
            "reverse_complement": CHOICE,
        },
    ),
    Spec(
        "SequenceDNN.predict",
        lambda c: c.dnn.predict,
        lambda c: dict(X=c.X),
        {"X": X_PROBABILITIES},
    ),
    Spec(
        "SequenceDNN.test",
        lambda c: c.dnn.test,
        lambda c: dict(X=c.X, y=c.y),
        {"X": X_ONE_HOT, "y": LABELS},
    ),
    Spec(
        "SequenceDNN.train",
        lambda c: c.dnn.train,
        lambda c: dict(X=c.X, y=c.y, validation_data=(c.X, c.y), num_epochs=1),
        {
            "X": X_ONE_HOT,
            "y": LABELS,
            "validation_data": DATA,
            "num_epochs": POSITIVE,
            "batch_size": [case for case in POSITIVE if case[0] != "None"],  # None: the default
            "significance": [case for case in NONNEGATIVE if case[0] != "None"],
        },
    ),
    Spec(
        "SimulationStream",
        lambda c: tu.SimulationStream,
        _sim(
            simulation_name="simulate_heterodimer_grammar",
            simulation_parameters=HETERODIMER,
            batch_size=8,
            seed=0,
        ),
        {
            "simulation_name": CHOICE,
            "simulation_parameters": SIMULATION_PARAMETERS,
            "batch_size": POSITIVE,
            "curriculum": [
                ("str", "forward"),
                ("dict", {"pair_orientation": "forward"}),
                ("zero epochs", [(0, {"pair_orientation": "forward"})]),
                ("unknown parameter", [(2, {"bogus": 1})]),
                ("impossible size", [(2, {"num_pos": 10**12})]),
            ],
            "seed": SEED,
        },
        names={"simulation_parameters": ("simulation_parameters", "num_pos")},
    ),
    Spec(
        "get_SequenceDNN",
        lambda c: tu.get_SequenceDNN,
        _sim(
            parameters=dict(
                seq_length=SEQ_LENGTH, num_filters=2, conv_width=5, pool_width=5, verbose=0
            )
        ),
        {"parameters": DNN_PARAMETERS},
        names={"parameters": "parameters"},
    ),
    Spec(
        "train_SequenceDNN",
        lambda c: tu.train_SequenceDNN,
        lambda c: dict(dnn=c.dnn, simulation_data=c.data, num_epochs=1),
        {"dnn": MODEL, "simulation_data": DATA},
    ),
    Spec(
        "test_SequenceDNN",
        lambda c: tu.test_SequenceDNN,
        lambda c: dict(dnn=c.dnn, simulation_data=c.data),
        {"dnn": MODEL, "simulation_data": DATA},
    ),
    Spec(
        "SequenceDNN_learning_curve",
        lambda c: tu.SequenceDNN_learning_curve,
        lambda c: dict(dnn=c.trained),
        {"dnn": MODEL},
    ),
    Spec(
        "ClassificationResult",
        lambda c: tu.ClassificationResult,
        lambda c: dict(labels=c.y, predictions=np.linspace(0, 1, len(c.y))),
        {
            "labels": LABELS,
            "predictions": [
                ("None", None),
                ("str", "p"),
                ("NaN", lambda c: np.full(len(c.y), NAN)),
                ("wrong length", np.zeros(3)),
            ],
            "task_names": TASK_NAMES,
        },
    ),
    Spec(
        "KmerBaseline",
        lambda c: tu.KmerBaseline,
        _sim(k=4),
        {"k": INDEX, "gapped": FLAG, "model": CHOICE, "seed": SEED},
    ),
    Spec(
        "KmerBaseline.fit",
        lambda c: tu.KmerBaseline(k=3).fit,
        lambda c: dict(X=c.X, y=c.y),
        {"X": X_ANY_LENGTH, "y": LABELS},
    ),
    # interpretation
    Spec(
        "get_motif_scores",
        lambda c: tu.get_motif_scores,
        lambda c: dict(X=c.X, motif_names=["SPI1_known4"]),
        {
            "X": X_PROBABILITIES_ANY_LENGTH,
            "motif_names": MOTIF_LIST,
            "GC_fraction": FRACTION,
            "max_scores": INDEX,
            "return_positions": FLAG,
        },
    ),
    Spec(
        "match_filters_to_motifs",
        lambda c: tu.match_filters_to_motifs,
        lambda c: dict(
            filters=np.random.default_rng(0).normal(size=(2, 8, 4)),
            motifs=["SPI1_known4", "IRF_known20"],
        ),
        {
            "filters": FILTERS,
            "motifs": MOTIF_LIST,
            "min_overlap": POSITIVE,
            "background": BACKGROUND,
        },
    ),
    Spec(
        "in_silico_mutagenesis",
        lambda c: tu.in_silico_mutagenesis,
        lambda c: dict(model=c.dnn, X=c.X[:2], progress=False),
        {
            "model": MODEL,
            "X": X_ONE_HOT,
            "output": CHOICE,
            "task": INDEX,
            "fast": FLAG,
            "batch_size": POSITIVE,
            "progress": FLAG,
        },
    ),
    Spec(
        "deeplift",
        lambda c: tu.deeplift,
        lambda c: dict(model=c.dnn, X=c.X[:2], num_refs=2, progress=False),
        {
            "model": MODEL,
            "X": X_ONE_HOT,
            "reference": REFERENCE,
            "num_refs": COUNT,
            "seed": SEED,
            "task": INDEX,
            "hypothetical": FLAG,
            "batch_size": POSITIVE,
            "gc_fraction": FRACTION,
            "progress": FLAG,
        },
    ),
    Spec(
        "gradient_times_input",
        lambda c: tu.gradient_times_input,
        lambda c: dict(model=c.dnn, X=c.X[:2]),
        {"model": MODEL, "X": X_ONE_HOT, "task": INDEX, "batch_size": POSITIVE},
    ),
    Spec(
        "discover_motifs",
        lambda c: tu.discover_motifs,
        lambda c: dict(dnn=c.dnn, X=c.X, num_refs=2, sliding_window_size=11, flank_size=5),
        {
            "dnn": MODEL,
            "X": X_ONE_HOT,
            "task": INDEX,
            "num_refs": COUNT,
            "seed": SEED,
            "motif_names": OPT_MOTIF_LIST,
            "library": OPT_CHOICE,
            "max_seqlets": POSITIVE,
            "sliding_window_size": POSITIVE,
            "flank_size": [*_WRONG_INT, ("negative", -1)],
            "trim_threshold": FRACTION,
            "min_similarity": SIMILARITY,
            "bogus_option": [("unknown option", 1)],
        },
        names={"bogus_option": "bogus_option"},
    ),
    Spec(
        "interpret_SequenceDNN_filter_centric",
        lambda c: tu.interpret_SequenceDNN_filter_centric,
        lambda c: dict(dnn=c.dnn, simulation_data=c.data),
        {"dnn": MODEL, "simulation_data": DATA},
    ),
    Spec(
        "interpret_SequenceDNN_sequence_centric",
        lambda c: tu.interpret_SequenceDNN_sequence_centric,
        lambda c: dict(dnn=c.dnn, simulation_data=c.data),
        {"dnn": MODEL, "simulation_data": DATA, "index": INDEX},
    ),
    Spec(
        "interpret_SequenceDNN_integrative",
        lambda c: tu.interpret_SequenceDNN_integrative,
        lambda c: dict(dnn=c.dnn, simulation_data=c.data, num_refs=2),
        {
            "dnn": MODEL,
            "simulation_data": DATA,
            "positive_index": INDEX,
            "negative_index": INDEX,
            "num_refs": COUNT,
        },
    ),
    Spec(
        "plot_deeplift_grammar",
        lambda c: tu.plot_deeplift_grammar,
        lambda c: dict(dnn=c.dnn, simulation_data=c.data, max_examples=5, num_refs=2),
        {
            "dnn": MODEL,
            "simulation_data": DATA,
            "max_examples": POSITIVE,
            "num_refs": COUNT,
            "include_negatives": FLAG,
        },
    ),
    # the 2016 notebooks' names of the same views
    Spec(
        "interpret_SequenceDNN_distributed",
        lambda c: tu.interpret_SequenceDNN_distributed,
        lambda c: dict(dnn=c.dnn, simulation_data=c.data),
        {"dnn": MODEL, "simulation_data": DATA, "plot_layer_outputs": FLAG},
    ),
    Spec(
        "interpret_SequenceDNN_filters",
        lambda c: tu.interpret_SequenceDNN_filters,
        lambda c: dict(dnn=c.dnn, simulation_data=c.data),
        {"dnn": MODEL, "simulation_data": DATA},
    ),
    Spec(
        "interpret_data_with_SequenceDNN",
        lambda c: tu.interpret_data_with_SequenceDNN,
        lambda c: dict(dnn=c.dnn, simulation_data=c.data),
        {"dnn": MODEL, "simulation_data": DATA},
    ),
    Spec(
        "plot_SequenceDNN_layer_outputs",
        lambda c: tu.plot_SequenceDNN_layer_outputs,
        lambda c: dict(dnn=c.dnn, simulation_data=c.data),
        {"dnn": MODEL, "simulation_data": DATA},
    ),
    # causal spacing tests and the board schematic
    Spec(
        "spacing_curve",
        lambda c: tu.spacing_curve,
        lambda c: dict(
            dnn=c.dnn,
            motif1="SPI1_known4",
            motif2="IRF_known20",
            spacings=[0, 5],
            num_backgrounds=4,
        ),
        {
            "dnn": MODEL,
            "motif1": MOTIF_NAME,
            "motif2": MOTIF_NAME,
            "spacings": [("None", None), ("str", "ab"), ("negative", [-1]), ("empty", [])],
            "orientations": [("None", None), ("str", "+"), ("unknown", ["up"]), ("empty", [])],
            "num_backgrounds": POSITIVE,
            "GC_fraction": FRACTION,
            "task": INDEX,
            "seed": SEED,
        },
    ),
    Spec(
        "spacing_summary",
        lambda c: tu.spacing_summary,
        lambda c: dict(
            curve=tu.spacing_curve(
                c.dnn, "SPI1_known4", "IRF_known20", range(0, 13), num_backgrounds=2
            ),
            far_from=8,
        ),
        {
            "curve": [("None", None), ("dict", {"a": 1}), ("str", "curve")],
            "trained_spacing": [
                ("None", None),
                ("str", "2-5"),
                ("short", (2,)),
                ("min > max", (5, 2)),
                ("negative", (-1, 5)),
            ],
            "far_from": [*_WRONG_INT, ("None", None), ("inside the trained spacing", 4)],
        },
    ),
    Spec(
        "plot_spacing_curves",
        lambda c: tu.plot_spacing_curves,
        lambda c: dict(curves={}),
        {"curves": DICT},
    ),
    Spec(
        "strand_only_scores",
        lambda c: tu.strand_only_scores,
        lambda c: dict(embeddings=c.data.test_embeddings, motif_names=c.data.motif_names),
        {
            "embeddings": [("None", None), ("str", "x"), ("list of str", ["a"])],
            "motif_names": [("None", None), ("str", "SPI1_known4"), ("list of int", [1])],
        },
    ),
    Spec(
        "plot_convolution_schematic",
        lambda c: tu.plot_convolution_schematic,
        lambda c: dict(),
        {"motif": MOTIF_NAME, "length": POSITIVE, "pool_width": POSITIVE, "seed": SEED},
    ),
    Spec(
        "plot_cooperative_binding_schematic",
        lambda c: tu.plot_cooperative_binding_schematic,
        lambda c: dict(),
        {
            "motif1": MOTIF_NAME,
            "motif2": MOTIF_NAME,
            "length": POSITIVE,
            "spacing": [*_WRONG_INT, ("None", None), ("outside 2-5", 9), ("negative", -1)],
            "far_spacing": [*_WRONG_INT, ("None", None), ("inside 2-5", 4), ("too long", 10**6)],
            "seed": SEED,
        },
    ),
    Spec(
        "plot_sequence_filters",
        lambda c: tu.plot_sequence_filters,
        lambda c: dict(dnn=c.dnn),
        {"dnn": MODEL, "motif_names": OPT_MOTIF_LIST},
    ),
    Spec(
        "match_motifs",
        lambda c: tu.match_motifs,
        _sim(queries=[np.full((6, 4), 0.25)], collections=["encode"]),
        {
            "queries": MOTIF_QUERIES,
            "collections": [("unknown", ["no_such_collection"]), ("int", 5), ("empty", [])],
            "max_matches": POSITIVE,
            "max_q_value": FRACTION,
            "trim_threshold": FRACTION,
        },
    ),
    # real sequences
    Spec(
        "example_peaks_fasta", lambda c: tu.example_peaks_fasta, _sim(name="oct4"), {"name": CHOICE}
    ),
    Spec(
        "load_fasta_sequences",
        lambda c: tu.load_fasta_sequences,
        lambda c: dict(positives=c.positives_fa, negatives=c.negatives_fa),
        {
            "positives": CLASS_FASTA,
            "negatives": CLASS_FASTA,
            "valid_chroms": CHROMS,
            "test_chroms": [*CHROMS, ("shared with valid_chroms", ["chr1"])],
            "reverse_complements": FLAG,
            "max_n_fraction": FRACTION,
        },
    ),
    Spec("read_peaks", lambda c: tu.read_peaks, lambda c: dict(path=c.bed), {"path": PATH}),
    Spec(
        "index_genome",
        lambda c: tu.index_genome,
        lambda c: dict(genome=c.genome),
        {"genome": [item for item in GENOME if item[0] != "without an index"]},
    ),
    Spec(
        "open_genome", lambda c: tu.open_genome, lambda c: dict(genome=c.genome), {"genome": GENOME}
    ),
    Spec(
        "peak_sequences",
        lambda c: tu.peak_sequences,
        lambda c: dict(peaks=c.bed, genome=c.genome, width=100),
        {"peaks": PEAKS, "genome": GENOME, "width": WINDOW, "off_end": CHOICE},
    ),
    Spec(
        "background_sequences",
        lambda c: tu.background_sequences,
        lambda c: dict(genome=c.genome, num_sequences=5, width=100, like=["ACGTAC"], exclude=c.bed),
        {
            "genome": GENOME,
            "num_sequences": COUNT,
            "width": [*POSITIVE, ("longer than every chromosome", 10**6)],
            "like": [("str", "ACGT"), ("int", 5), ("empty", [])],
            "exclude": [("int", 5), ("missing", lambda c: c.tmp / "missing.bed")],
            "max_n_fraction": FRACTION,
            "seed": SEED,
            "chroms": [("int", 5), ("unknown", ["chrZ"]), ("empty", [])],
        },
    ),
    Spec(
        "load_peaks",
        lambda c: tu.load_peaks,
        lambda c: dict(
            peaks=c.bed, genome=c.genome, width=100, valid_chroms=["chr2"], test_chroms=["chr3"]
        ),
        {
            "peaks": PEAKS,
            "genome": GENOME,
            "width": WINDOW,
            "num_negatives": [*_WRONG_INT, ("negative", -1), ("zero", 0), ("impossible", 10**12)],
            "valid_chroms": CHROMS,
            "test_chroms": [*CHROMS, ("shared with valid_chroms", ["chr2"])],
            "reverse_complements": FLAG,
            "max_n_fraction": FRACTION,
            "off_end": CHOICE,
            "seed": SEED,
        },
    ),
    Spec("gc_content", lambda c: tu.gc_content, lambda c: dict(X=c.X), {"X": X_ANY_LENGTH}),
    # logos
    Spec(
        "plot_logo",
        lambda c: tu.plot_logo,
        _sim(matrix=np.full((3, 4), 0.25)),
        {"matrix": MATRIX, "ax": AX, "kind": CHOICE, "title": [("list", ["a"])]},
    ),
    Spec(
        "plot_motif",
        lambda c: tu.plot_motif,
        _sim(motif="SPI1_known4"),
        {"motif": MOTIF_NAME, "ax": AX},
    ),
    Spec(
        "plot_motifs",
        lambda c: tu.plot_motifs,
        _sim(data_or_names=["SPI1_known4"]),
        {"data_or_names": [item for item in MOTIF_LIST if item[0] != "str"]},
    ),
]
NO_ARGUMENTS = ["get_available_simulations", "inspect_SequenceDNN", "print_available_simulations"]
RECORDS = [
    "Data",
    "Embedding",
    "EmbeddingTable",
    "GenomicData",
]  # records the library builds, never the user


def _cases():
    for spec in SPECS:
        for param, bad in spec.params.items():
            for label, value in bad:
                yield pytest.param(spec, param, value, id=f"{spec.name}-{param}-{label}")


CASES = list(_cases())


# ---------------------------------------------------------------------------------------------
# the context: valid inputs the calls need


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad_arguments")
    data = tu.get_simulation_data(
        "simulate_heterodimer_grammar", HETERODIMER, test_set_size=12, validation_set_size=6
    )
    dnn = tu.SequenceDNN(SEQ_LENGTH, num_filters=2, conv_width=5, pool_width=5, verbose=0, seed=0)
    dnn.trained = True  # its predictions are what these calls need, not its accuracy
    trained = SimpleNamespace(train_losses=[0.7, 0.6], valid_losses=[0.7, 0.65], best_epoch=1)
    X, y = data.X_test, data.y_test[:, 0]
    fasta = tmp / "ok.fa"
    fasta.write_text(">a\nACGT\n>b\nTTGA\n")
    meme = tmp / "ok.meme"
    meme.write_text("MEME version 4\n\nMOTIF m\nletter-probability matrix:\n0.5 0.5 0 0\n")
    empty = tmp / "empty.txt"
    empty.write_text("")
    binary = tmp / "binary.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    genomic = _genomic_files(tmp)
    empty_discovery = pd.DataFrame(columns=["pattern", "sign", "n_seqlets", "ppm", "cwm"])
    return SimpleNamespace(
        **genomic,
        empty_discovery=empty_discovery,
        tmp=tmp,
        data=data,
        dnn=dnn,
        trained=trained,
        X=X,
        y=y,
        fasta=fasta,
        meme=meme,
        empty_file=empty,
        binary_file=binary,
    )


def _genomic_files(tmp: Path) -> dict:
    """A three-chromosome genome (indexed, and a copy without its index), peaks on it, bad BED
    files, and FASTA files of positives and negatives named chrom:start-end."""
    rng = np.random.default_rng(0)
    chromosomes = {
        name: "".join(rng.choice(list("ACGT"), 2000)) for name in ("chr1", "chr2", "chr3")
    }
    text = "".join(
        f">{name}\n" + "\n".join(seq[i : i + 60] for i in range(0, len(seq), 60)) + "\n"
        for name, seq in chromosomes.items()
    )
    genome = tmp / "genome.fa"
    genome.write_text(text)
    tu.index_genome(genome)
    unindexed = tmp / "unindexed.fa"
    unindexed.write_text(text)
    bed = tmp / "peaks.narrowPeak"
    bed.write_text(
        "".join(
            f"{name}\t{start}\t{start + 200}\tp\t0\t.\t1\t1\t1\t100\n"
            for name in chromosomes
            for start in (400, 1000)
        )
    )
    files = {"bed_two_columns": "chr1\t100\n", "bed_reversed": "chr1\t300\t200\n"}
    files["bed_unknown_chromosome"] = "chrUn_random\t100\t300\n"
    paths = {}
    for name, content in files.items():
        paths[name] = tmp / f"{name}.bed"
        paths[name].write_text(content)

    def fasta(name, records):
        path = tmp / name
        path.write_text("".join(f">{region}\n{seq}\n" for region, seq in records))
        return path

    regions = [f"{c}:{s}-{s + 20}" for c in chromosomes for s in (0, 100, 200)]
    sequences = ["".join(rng.choice(list("ACGTacgt"), 20)) for _ in regions]
    return dict(
        genome=genome,
        genome_without_index=unindexed,
        bed=bed,
        **paths,
        positives_fa=fasta("positives.fa", zip(regions, sequences, strict=True)),
        negatives_fa=fasta("negatives.fa", zip(regions, sequences[::-1], strict=True)),
        fasta_n_rich=fasta("n_rich.fa", [(r, "ACGT" + "N" * 16) for r in regions]),
        fasta_unequal=fasta("unequal.fa", [("chr1:0-20", "ACGT" * 5), ("chr2:0-8", "ACGTACGT")]),
    )


# ---------------------------------------------------------------------------------------------
# the sweep


def test_every_public_name_is_covered():
    covered = {spec.name.split(".")[0] for spec in SPECS} | set(NO_ARGUMENTS) | set(RECORDS)
    assert covered >= set(tu.__all__), sorted(set(tu.__all__) - covered)
    assert len(CASES) >= 400, len(CASES)


@pytest.mark.parametrize("name", NO_ARGUMENTS)
def test_functions_without_arguments_run(name, capsys):
    getattr(tu, name)()
    with pytest.raises(TypeError):
        getattr(tu, name)("unexpected")


@pytest.mark.parametrize(("spec", "param", "bad"), CASES)
def test_bad_argument_gets_a_clear_error(ctx, spec, param, bad):
    kwargs = dict(spec.valid(ctx))
    kwargs[param] = bad(ctx) if callable(bad) and not isinstance(bad, type) else bad
    function = spec.call(ctx)
    expected = spec.names.get(param, (param,))
    if param == "path":  # a file error names the file
        expected = (param, str(kwargs[param]))
    started = time.perf_counter()
    try:
        result = function(**kwargs)
    except (TypeError, ValueError, OSError) as error:
        elapsed = time.perf_counter() - started
        message = str(error)
        frames = traceback.extract_tb(error.__traceback__)
        innermost = Path(frames[-1].filename).resolve()
        assert PACKAGE in innermost.parents, (
            f"raised from {innermost}:{frames[-1].lineno}, not by tutorial_utils: "
            f"{type(error).__name__}: {message}"
        )
        assert any(text in message for text in expected), (
            f"{type(error).__name__} does not name {' or '.join(expected)}: {message}"
        )
        assert isinstance(error, (TypeError, ValueError)) or param in FILE_PARAMETERS, message
    else:
        pytest.fail(f"no error; returned {type(result).__name__}")
    assert elapsed < TIME_LIMIT_S, f"took {elapsed:.1f} s"


def test_sweep_size():
    """The counts the closing note quotes."""
    functions = {spec.name for spec in SPECS}
    print(f"{len(functions)} functions and methods x {len(CASES)} bad-argument cases")
    assert len(functions) >= 45


if os.environ.get("PRINT_SWEEP"):  # pragma: no cover - a listing for the closing note
    for spec in SPECS:
        print(spec.name, sum(len(v) for v in spec.params.values()))
