"""Figures that explain a trained SequenceDNN on simulated data.

Model-centred: first-layer filters as logos, each titled with its best-matching simulated motif.
Sequence-centred: layer outputs along one positive test sequence, and motif scan / ISM / DeepLIFT
tracks side by side, with the true (embedded) motif sites shaded. Grammar: DeepLIFT score of each
motif of the heterodimer simulation against the spacing between the two motifs.

Every function returns matplotlib Figures and never calls ``plt.show()``.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pandas as pd
from keras import ops

from tutorial_utils._validation import check_int
from tutorial_utils.attribution import deeplift
from tutorial_utils.ism import check_sequences, in_silico_mutagenesis, keras_model_of
from tutorial_utils.motif_scan import check_motifs, get_motif_scores, match_filters_to_motifs
from tutorial_utils.training import _check_data

_SITE_COLOR = "0.6"
#: font size of the filter logos' titles (points): readable at the notebook's width
FILTER_TITLE_SIZE = 11


# ----------------------------------------------------------------------------------------------
# model-centred


def sequence_filters(dnn) -> np.ndarray:
    """First-layer Conv1D kernels, (F, width, 4) over A, C, G, T."""
    if hasattr(dnn, "get_sequence_filters"):
        return np.asarray(dnn.get_sequence_filters())
    conv = _conv_layers(keras_model_of(dnn, "dnn"))[0]
    return np.transpose(ops.convert_to_numpy(conv.kernel), (2, 0, 1))


def plot_sequence_filters(dnn, motif_names=None):
    """Logos of the first-layer filters (weights mean-centred per position).

    Parameters
    ----------
    dnn : SequenceDNN or keras.Model.
    motif_names : motifs to match each filter against (names, ``Motif`` objects or a dict), e.g.
        the simulation's ``motif_names``; None (default) titles filters by number only.

    Returns
    -------
    Figure with one logo per filter on a g x g grid, g = floor(sqrt(F)) + 1; titles
    "Filter i" (1-based) plus "<motif> r=<Pearson>" when matched.
    """
    import matplotlib.pyplot as plt

    from tutorial_utils.logos import plot_logo

    if motif_names is not None:
        motif_names = check_motifs(motif_names, "motif_names")
    filters = sequence_filters(dnn)
    centred = filters - filters.mean(axis=2, keepdims=True)
    matches = None if motif_names is None else match_filters_to_motifs(filters, motif_names)
    grid = int(math.isqrt(len(filters))) + 1
    figure, axes = plt.subplots(grid, grid, figsize=(15, 2.4 * grid), squeeze=False)
    figure.subplots_adjust(hspace=0.8, wspace=0.1)
    for i, ax in enumerate(axes.ravel()):
        if i >= len(filters):
            ax.set_axis_off()
            continue
        title = f"Filter {i + 1}"
        if matches is not None:
            row = matches.iloc[i]
            title += f"\n{row.motif} ({row.strand}) r={row.similarity:.2f}"
        plot_logo(centred[i], ax=ax, kind="weights", title=title)
        ax.title.set_fontsize(FILTER_TITLE_SIZE)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
    return figure


def interpret_SequenceDNN_filter_centric(dnn, simulation_data):
    """The simulated motifs' logos, then the model's filters with their best matches.

    Parameters
    ----------
    dnn : SequenceDNN or keras.Model.
    simulation_data : ``Data`` from ``get_simulation_data`` (its ``motif_names`` are used).

    Returns
    -------
    (motifs_figure, filters_figure).
    """
    from tutorial_utils.logos import plot_motifs

    keras_model_of(dnn, "dnn")
    _check_data(simulation_data, ("motif_names",))
    names = list(simulation_data.motif_names)
    print("Plotting simulation motifs...")
    motifs_figure = plot_motifs(names)
    print("Visualizing convolutional sequence filters in SequenceDNN...")
    return motifs_figure, plot_sequence_filters(dnn, names)


# ----------------------------------------------------------------------------------------------
# sequence-centred


def interpret_SequenceDNN_sequence_centric(dnn, simulation_data, index: int | None = None):
    """Heat maps of the layer outputs along one test sequence, true motif sites shaded.

    Panels (top to bottom): for each convolution its output before ReLU and after ReLU, then the
    max-pooling output; filters on the y axis, position on the x axis (``seismic``, centred).
    A site is shaded over every output position whose receptive field overlaps it.

    Parameters
    ----------
    dnn : SequenceDNN or keras.Model.
    simulation_data : ``Data`` (uses ``X_test``, ``y_test``, ``test_embeddings``).
    index : test-set index; None (default) takes the first positive (task 0).

    Returns
    -------
    Figure with 2 * (number of convolutions) + 1 heat-map panels.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    model = keras_model_of(dnn, "dnn")
    _check_data(simulation_data, ("X_test", "y_test", "test_embeddings"))
    X, embeddings = simulation_data.X_test, simulation_data.test_embeddings
    index = _example_index(simulation_data, index, positive=True)
    x = check_sequences(dnn, X[index : index + 1], "simulation_data.X_test", "dnn")
    panels = _layer_panels(model)
    outputs = keras.Model(model.inputs, [layer.output for _, layer, _, _ in panels])
    values = outputs(ops.convert_to_tensor(x), training=False)
    values = [ops.convert_to_numpy(v)[0] for v in values]
    figure, axes = plt.subplots(len(panels), 1, figsize=(15, 2.6 * len(panels)), squeeze=False)
    for ax, (title, _, field, pool), value in zip(axes[:, 0], panels, values, strict=True):
        bound = max(float(np.abs(value).max()), 1e-9)
        image = ax.imshow(
            value.T, aspect="auto", cmap="seismic", vmin=-bound, vmax=bound, interpolation="nearest"
        )
        figure.colorbar(image, ax=ax, pad=0.01)
        ax.set_title(title)
        ax.set_ylabel("filter")
        # whole filters and positions only (no 2.5, 7.5 between the rows of a heat map)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        for site in embeddings[index]:
            lo = (site.start - field + 1) / pool
            hi = (site.start + len(site.sequence)) / pool
            ax.axvspan(
                max(lo, 0) - 0.5,
                min(hi, value.shape[0]) - 0.5,
                color=_SITE_COLOR,
                alpha=0.5,
                label=site.name,
            )
    axes[-1, 0].set_xlabel("output position")
    figure.suptitle(f"Layer outputs for test sequence {index}")
    figure.tight_layout()
    return figure


def _conv_layers(model) -> list:
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv1D"]
    if not convs:
        raise ValueError("model has no Conv1D layer")
    return convs


def _layer_panels(model) -> list[tuple]:
    """(title, layer, receptive field, stride) of each conv, each following ReLU, and the pool."""
    panels, field, after_conv = [], 1, False
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Conv1D":
            field += int(layer.kernel_size[0]) - 1
            panels.append((f"{layer.name}: convolution output (before ReLU)", layer, field, 1))
            after_conv = True
        elif after_conv and kind in ("Activation", "ReLU"):
            panels.append((f"{layer.name}: after ReLU", layer, field, 1))
            after_conv = False
        elif kind == "MaxPooling1D":
            pool = int(layer.pool_size[0])
            panels.append((f"{layer.name}: after max pooling", layer, field, pool))
            break
    if not panels:
        raise ValueError("model has no Conv1D layer")
    return panels


def _example_index(data, index, positive: bool, name: str = "index") -> int:
    n = len(data.X_test)
    if index is not None:
        return check_int(name, index, min_value=0, max_value=n - 1)
    labels = np.asarray(data.y_test)[:, 0].astype(bool)
    found = np.flatnonzero(labels if positive else ~labels)
    if len(found) == 0:
        kind = "positive" if positive else "negative"
        raise ValueError(f"the test set has no {kind} example (task 0)")
    return int(found[0])


def interpret_SequenceDNN_integrative(
    dnn,
    simulation_data,
    positive_index: int | None = None,
    negative_index: int | None = None,
    num_refs: int = 10,
):
    """Motif scan, ISM and DeepLIFT tracks for a positive and a negative test sequence.

    Rows: "Motif scores" (log-odds, one line per simulated motif), "ISM" (minus the mean change of
    the logit over the three substitutions at each position: positive = the base there supports
    the prediction), "DeepLIFT" (contribution of the observed base, shuffled references).
    Columns: positive, negative. True motif sites are shaded.

    Parameters
    ----------
    dnn : SequenceDNN or keras.Model.
    simulation_data : ``Data``.
    positive_index, negative_index : test-set indices; None (default) takes the first positive /
        first negative of task 0.
    num_refs : dinucleotide shuffles per sequence for DeepLIFT (default 10).

    Returns
    -------
    Figure with 3 x 2 panels.
    """
    import matplotlib.pyplot as plt

    keras_model_of(dnn, "dnn")
    _check_data(simulation_data, ("X_test", "y_test", "test_embeddings", "motif_names"))
    num_refs = check_int("num_refs", num_refs, min_value=1)
    names = list(simulation_data.motif_names)
    indices = [
        _example_index(simulation_data, positive_index, positive=True, name="positive_index"),
        _example_index(simulation_data, negative_index, positive=False, name="negative_index"),
    ]
    X = check_sequences(dnn, simulation_data.X_test[indices], "simulation_data.X_test", "dnn")
    motif = get_motif_scores(X, names)  # (2, K, L)
    ism = in_silico_mutagenesis(dnn, X, task=0, progress=False)[0]  # (2, L, 4)
    ism_track = -ism.sum(axis=-1) / np.maximum((X == 0).sum(axis=-1), 1)
    lift = deeplift(dnn, X, num_refs=num_refs).sum(axis=-1)  # (2, L)
    figure, axes = plt.subplots(3, 2, figsize=(12, 9), sharex=True, squeeze=False)
    positions = np.arange(X.shape[1])
    for col, (index, label) in enumerate(zip(indices, ["Positive", "Negative"], strict=True)):
        for k, name in enumerate(names):
            axes[0, col].plot(positions, motif[col, k], lw=0.8, label=name)
        axes[1, col].plot(positions, ism_track[col], lw=0.8, color="k")
        axes[2, col].plot(positions, lift[col], lw=0.8, color="C3")
        axes[0, col].set_title(f"{label} (test sequence {index})")
        for ax in axes[:, col]:
            for site in simulation_data.test_embeddings[index]:
                ax.axvspan(
                    site.start, site.start + len(site.sequence), color=_SITE_COLOR, alpha=0.3
                )
        axes[2, col].set_xlabel("Position")
    for row, label in enumerate(["Motif scores", "ISM (-mean Δlogit)", "DeepLIFT"]):
        axes[row, 0].set_ylabel(label)
    axes[0, 0].legend(frameon=False, fontsize=8, loc="upper left")
    figure.tight_layout()
    return figure


# ----------------------------------------------------------------------------------------------
# grammar


def deeplift_grammar_table(
    dnn, simulation_data, max_examples: int = 500, num_refs: int = 5, include_negatives=True
) -> pd.DataFrame:
    """DeepLIFT score summed over each embedded motif vs the spacing between the two motifs.

    Uses test sequences of a two-motif simulation (e.g. the heterodimer grammar) that hold
    exactly one instance of each motif. ``spacing`` is the number of bases between the end of the
    left instance and the start of the right one.

    Returns
    -------
    DataFrame, one row per sequence: ``index``, ``label`` (task 0), ``spacing``, and one column
    ``<motif name>`` per motif with its summed DeepLIFT contribution.
    """
    keras_model_of(dnn, "dnn")
    _check_data(simulation_data, ("X_test", "y_test", "test_embeddings", "motif_names"))
    names = list(simulation_data.motif_names)
    if len(names) != 2:
        raise ValueError(
            f"the grammar plot needs a simulation with exactly two motifs, got {names}"
        )
    max_examples = check_int("max_examples", max_examples, min_value=1)
    num_refs = check_int("num_refs", num_refs, min_value=1)
    if not isinstance(include_negatives, (bool, np.bool_)):
        raise TypeError(f"include_negatives must be True or False, got {include_negatives!r}")
    labels = np.asarray(simulation_data.y_test)[:, 0].astype(bool)
    rows = []
    for n, sites in enumerate(simulation_data.test_embeddings):
        if not (labels[n] or include_negatives):
            continue
        by_name = {name: [s for s in sites if s.name == name] for name in names}
        if any(len(found) != 1 for found in by_name.values()):
            continue
        first, second = sorted((by_name[name][0] for name in names), key=lambda s: s.start)
        spacing = second.start - (first.start + len(first.sequence))
        rows.append((n, bool(labels[n]), spacing, [by_name[name][0] for name in names]))
        if len(rows) >= max_examples:
            break
    if not rows:
        raise ValueError("no test sequence holds exactly one instance of each motif")
    index = np.array([r[0] for r in rows])
    X = check_sequences(dnn, simulation_data.X_test[index], "simulation_data.X_test", "dnn")
    per_position = deeplift(dnn, X, num_refs=num_refs).sum(axis=-1)  # (n, L)
    table = pd.DataFrame(
        {"index": index, "label": [r[1] for r in rows], "spacing": [r[2] for r in rows]}
    )
    for k, name in enumerate(names):
        table[name] = [
            per_position[i, site.start : site.start + len(site.sequence)].sum()
            for i, (_, _, _, sites) in enumerate(rows)
            for site in [sites[k]]
        ]
    return table


def plot_deeplift_grammar(
    dnn, simulation_data, max_examples: int = 500, num_refs: int = 5, include_negatives=True
):
    """ "DeepLIFT recovers grammar": each motif's DeepLIFT score against the motif spacing.

    One panel per motif of a two-motif simulation; positives (filled) and, by default, negatives
    (hollow) of the test set, with the mean score per spacing as a line. A model that learnt the
    heterodimer grammar gives high scores only at the positives' spacing (2-5 bp in the tutorial).

    Parameters
    ----------
    dnn : SequenceDNN or keras.Model.
    simulation_data : ``Data`` of a two-motif simulation.
    max_examples : at most this many test sequences (default 500).
    num_refs : dinucleotide shuffles per sequence (default 5).
    include_negatives : also plot negatives (default True).

    Returns
    -------
    Figure with one panel per motif; its table is in ``figure.grammar_table``.
    """
    import matplotlib.pyplot as plt

    table = deeplift_grammar_table(dnn, simulation_data, max_examples, num_refs, include_negatives)
    names = list(simulation_data.motif_names)
    figure, axes = plt.subplots(1, len(names), figsize=(12, 4), sharey=True, squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        for label, style in [
            (True, dict(color="C3")),
            (False, dict(facecolors="none", edgecolors="C0")),
        ]:
            part = table[table.label == label]
            if len(part):
                ax.scatter(
                    part.spacing,
                    part[name],
                    s=12,
                    alpha=0.6,
                    label="positives" if label else "negatives",
                    **style,
                )
        mean = table.groupby("spacing")[name].mean()
        ax.plot(mean.index, mean.values, color="k", lw=1, label="mean")
        ax.set_xscale("symlog", linthresh=10)
        ax.set_title(f"{name}")
        ax.set_xlabel("spacing between the motifs (bp)")
    axes[0, 0].set_ylabel("DeepLIFT score of the motif")
    axes[0, 0].legend(frameon=False, fontsize=8)
    figure.suptitle("DeepLIFT recovers grammar")
    figure.tight_layout()
    figure.grammar_table = table
    return figure


# ----------------------------------------------------------------------------------------------
# the 2016 notebooks' names (June: dragonn 74e857a; December: dragonn 2fe84c8)


def interpret_SequenceDNN_distributed(dnn, simulation_data, plot_layer_outputs=False):
    """The June 2016 name of the filter-centred view: :func:`interpret_SequenceDNN_filter_centric`,
    and with ``plot_layer_outputs=True`` also :func:`interpret_SequenceDNN_sequence_centric`.

    Returns
    -------
    (motifs_figure, filters_figure), plus the layer-outputs figure when asked for.
    """
    if not isinstance(plot_layer_outputs, (bool, np.bool_)):
        raise TypeError(f"plot_layer_outputs must be True or False, got {plot_layer_outputs!r}")
    figures = interpret_SequenceDNN_filter_centric(dnn, simulation_data)
    if not plot_layer_outputs:
        return figures
    print(
        "Plotting outputs of convolutional and max pooling layer for a positive simulation "
        "example..."
    )
    return (*figures, interpret_SequenceDNN_sequence_centric(dnn, simulation_data))


def interpret_SequenceDNN_filters(dnn, simulation_data):
    """The December 2016 name of :func:`interpret_SequenceDNN_filter_centric`."""
    return interpret_SequenceDNN_filter_centric(dnn, simulation_data)


def interpret_data_with_SequenceDNN(dnn, simulation_data):
    """The December 2016 name of :func:`interpret_SequenceDNN_integrative`."""
    return interpret_SequenceDNN_integrative(dnn, simulation_data)


def plot_SequenceDNN_layer_outputs(dnn, simulation_data):
    """The June 2016 name of :func:`interpret_SequenceDNN_sequence_centric` (layer outputs along
    the first positive test sequence)."""
    return interpret_SequenceDNN_sequence_centric(dnn, simulation_data)
