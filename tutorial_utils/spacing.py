"""Causal tests of a motif grammar: plant a motif pair at each spacing and ask the model.

The motif-distance figure of the tutorial (:func:`tutorial_utils.interpret_views.plot_deeplift_grammar`)
plots contributions of test sequences against their motif spacing, but in the heterodimer data
every positive sits at 2-5 bp and nearly every negative elsewhere, so a peak at 2-5 bp follows from
the labels whatever the model learnt. Here the spacing is the only thing that changes: the same
random backgrounds get the pair planted at each spacing, on each strand, and the model's mean
logit is recorded (the approach of tangermeme's ``space`` and gReLU's simulations). A model that
learnt the spacing rule peaks at the trained spacings; one that only counts motifs gives a flat
curve; one that relies on the strand scores the reverse-complemented pair lower.

:func:`strand_only_scores` is the matching control on the data: a "classifier" that knows only on
which strand each motif lies, to show how much of a test auROC the strand alone gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tutorial_utils._validation import check_float, check_int, check_seed

#: the pair as given, and the whole composite reverse-complemented (motif2 then comes first)
ORIENTATIONS = ("+", "-")
#: motif1 still 5' of motif2 on the + strand, one or both motifs reverse-complemented in place
#: (their strands, not their order, change: the positives of ``pair_orientation="independent"``)
IN_PLACE_FLIPS = ("+-", "-+", "--")
_ALL_ORIENTATIONS = ORIENTATIONS + IN_PLACE_FLIPS


def _consensus_one_hot(motif, param: str) -> tuple[str, np.ndarray]:
    """(name, one-hot (m, 4) of the motif's most likely bases) of a name or ``Motif``."""
    from tutorial_utils.motif_scan import check_motifs

    ((name, matrix),) = check_motifs([motif], param).items()
    one_hot = np.zeros_like(matrix, dtype=np.float32)
    one_hot[np.arange(len(matrix)), np.argmax(matrix, axis=1)] = 1.0
    return name, one_hot


def plant_pair(backgrounds, first, second, spacing: int, orientation: str = "+") -> np.ndarray:
    """Copies of ``backgrounds`` with ``first`` then ``second`` planted ``spacing`` bp apart.

    Parameters
    ----------
    backgrounds : float array (N, L, 4), one-hot.
    first, second : float arrays (m1, 4), (m2, 4), the one-hot motifs as they read on the
        + strand (``first`` 5' of ``second``).
    spacing : int >= 0, background bases kept between the end of ``first`` and the start of
        ``second``.
    orientation : "+" (default) the pair as given; "-" the whole composite reverse-complemented
        (the same pair bound on the other strand: ``second`` now lies 5'); "+-", "-+", "--"
        ``first`` and ``second`` on those strands, each reverse-complemented in place (the
        order and the spacing kept).

    Returns
    -------
    float32 array (N, L, 4); the composite is centred in the sequence.
    """
    composite_length = len(first) + spacing + len(second)
    length = backgrounds.shape[1]
    if composite_length > length:
        raise ValueError(
            f"the pair at spacing {spacing} needs {composite_length} bp, more than the "
            f"sequences' {length}"
        )
    if orientation not in _ALL_ORIENTATIONS:
        raise ValueError(f"orientation must be one of {_ALL_ORIENTATIONS}, got {orientation!r}")
    start = (length - composite_length) // 2
    X = np.array(backgrounds, dtype=np.float32, copy=True)
    if orientation != "-":
        strands = "++" if orientation == "+" else orientation
        # reverse complement: flip positions and bases (A, C, G, T -> T, G, C, A)
        first, second = (
            m if s == "+" else m[::-1, ::-1] for m, s in zip((first, second), strands, strict=True)
        )
        X[:, start : start + len(first)] = first
        X[:, start + len(first) + spacing : start + composite_length] = second
    else:  # reverse complement: flip positions and bases (A, C, G, T -> T, G, C, A)
        X[:, start : start + len(second)] = second[::-1, ::-1]
        X[:, start + len(second) + spacing : start + composite_length] = first[::-1, ::-1]
    return X


def spacing_curve(
    dnn,
    motif1,
    motif2,
    spacings=range(0, 61),
    orientations=ORIENTATIONS,
    num_backgrounds: int = 100,
    GC_fraction: float = 0.4,
    task: int = 0,
    seed=0,
) -> pd.DataFrame:
    """The model's mean logit with motif1 and motif2 planted at each spacing, on each strand.

    Each background (i.i.d. bases, ``GC_fraction`` G or C, the simulations' background) gets the
    motifs' consensus sequences planted at the centre, ``motif1`` 5' of ``motif2`` at every
    spacing (``orientation`` "+"), and the reverse complement of that composite ("-"). The same
    backgrounds serve every spacing, so the curve's changes come from the spacing alone.

    Parameters
    ----------
    dnn : SequenceDNN (anything with ``seq_length`` and ``predict_logits``).
    motif1, motif2 : motif names (ENCODE) or ``Motif`` objects.
    spacings : iterable of int >= 0, default 0..60 bp.
    orientations : subset of ("+", "-", "+-", "-+", "--") (see :func:`plant_pair`), default
        ("+", "-").
    num_backgrounds : int >= 2, default 100.
    GC_fraction : float in [0, 1], default 0.4.
    task : int, the output whose logit is read (default 0).
    seed : int >= 0, Generator or None (default 0), for the backgrounds.

    Returns
    -------
    DataFrame, one row per (orientation, spacing): ``orientation``, ``spacing``, ``mean_logit``,
    ``sem`` (standard error over the backgrounds); ``attrs["background_logit"]`` holds the mean
    logit of the backgrounds with nothing planted, and ``attrs["motifs"]`` the two names.
    """
    if not callable(getattr(dnn, "predict_logits", None)) or not hasattr(dnn, "seq_length"):
        raise TypeError(f"dnn must be a SequenceDNN, got {type(dnn).__name__}")
    if isinstance(spacings, (str, bytes)) or not hasattr(spacings, "__iter__"):
        raise TypeError(f"spacings must be an iterable of integers >= 0, got {spacings!r}")
    spacings = [check_int("spacings[]", s, min_value=0) for s in spacings]
    if not spacings:
        raise ValueError("spacings must hold at least one spacing")
    if isinstance(orientations, str) or not hasattr(orientations, "__iter__"):
        raise TypeError(
            f"orientations must be a subset of {_ALL_ORIENTATIONS}, got {orientations!r}"
        )
    orientations = list(orientations)
    if not orientations or any(o not in _ALL_ORIENTATIONS for o in orientations):
        raise ValueError(
            f"orientations must be a subset of {_ALL_ORIENTATIONS}, got {orientations!r}"
        )
    num_backgrounds = check_int("num_backgrounds", num_backgrounds, min_value=2)
    GC_fraction = check_float("GC_fraction", GC_fraction, min_value=0, max_value=1)
    task = check_int("task", task, min_value=0, max_value=getattr(dnn, "num_tasks", 1) - 1)
    name1, first = _consensus_one_hot(motif1, "motif1")
    name2, second = _consensus_one_hot(motif2, "motif2")
    longest = len(first) + max(spacings) + len(second)
    if longest > dnn.seq_length:
        raise ValueError(
            f"spacings up to {max(spacings)} bp need {longest} bp, more than the model's "
            f"seq_length {dnn.seq_length}"
        )
    rng = check_seed(seed)
    at, gc = (1 - GC_fraction) / 2, GC_fraction / 2
    bases = rng.choice(4, size=(num_backgrounds, dnn.seq_length), p=[at, gc, gc, at])
    backgrounds = np.eye(4, dtype=np.float32)[bases]
    planted = [
        plant_pair(backgrounds, first, second, spacing, orientation)
        for orientation in orientations
        for spacing in spacings
    ]
    logits = dnn.predict_logits(np.concatenate([backgrounds, *planted]))[:, task]
    logits = logits.astype(np.float64).reshape(1 + len(planted), num_backgrounds)
    rows = [
        (orientation, spacing, values.mean(), values.std(ddof=1) / np.sqrt(num_backgrounds))
        for (orientation, spacing), values in zip(
            [(o, s) for o in orientations for s in spacings], logits[1:], strict=True
        )
    ]
    table = pd.DataFrame(rows, columns=["orientation", "spacing", "mean_logit", "sem"])
    table.attrs["background_logit"] = float(logits[0].mean())
    table.attrs["motifs"] = (name1, name2)
    return table


def spacing_summary(curve: pd.DataFrame, trained_spacing=(2, 5), far_from: int = 20) -> dict:
    """What a :func:`spacing_curve` table says, in four numbers (logits are the model's units).

    Parameters
    ----------
    curve : DataFrame from :func:`spacing_curve` with both orientations.
    trained_spacing : (min, max) spacing in bp of the training positives.
    far_from : spacings of at least this many bp count as "far apart".

    Returns
    -------
    dict: ``peak`` (the + strand pair's best spacing, bp), ``gain`` (+ strand mean logit at the
    trained spacings minus at the far ones: > 0 for a model that responds to the spacing),
    ``strand_gap`` (- strand minus + strand at the trained spacings: about 0 for a model that
    accepts the pair on either strand), ``background`` (the mean logit with nothing planted),
    and ``flip_gap`` (the in-place flips "+-", "-+", "--" minus "+" at the trained spacings:
    about 0 for a model that ignores each motif's strand; None when the curve lacks them).

    Raises
    ------
    ValueError naming ``curve`` when it lacks an orientation, the trained or the far spacings.
    """
    columns = {"orientation", "spacing", "mean_logit"}
    if not isinstance(curve, pd.DataFrame) or not columns <= set(curve.columns):
        raise TypeError(
            f"curve must be a table from spacing_curve (columns {sorted(columns)}), got "
            f"{type(curve).__name__}"
        )
    if (
        isinstance(trained_spacing, (str, bytes))
        or not hasattr(trained_spacing, "__len__")
        or len(trained_spacing) != 2
    ):
        raise TypeError(f"trained_spacing must be (min, max) in bp, got {trained_spacing!r}")
    lo, hi = (check_int("trained_spacing[]", v, min_value=0) for v in trained_spacing)
    if lo > hi:
        raise ValueError(
            f"trained_spacing must be (min, max) with min <= max, got {trained_spacing!r}"
        )
    far_from = check_int("far_from", far_from, min_value=hi + 1)
    strands = {}
    for orientation in ORIENTATIONS:
        part = curve[curve.orientation == orientation].set_index("spacing").mean_logit
        if part.empty or part.loc[lo:hi].empty or part.loc[far_from:].empty:
            raise ValueError(
                f"curve must hold the {orientation} strand at spacings {lo}-{hi} and "
                f">= {far_from} bp (spacing_curve with both orientations, spacings 0-60)"
            )
        strands[orientation] = part
    plus, minus = strands["+"], strands["-"]
    trained = float(plus.loc[lo:hi].mean())
    flips = curve[curve.orientation.isin(IN_PLACE_FLIPS)]
    flips = flips[(flips.spacing >= lo) & (flips.spacing <= hi)]
    return {
        "peak": int(plus.idxmax()),
        "gain": trained - float(plus.loc[far_from:].mean()),
        "strand_gap": float(minus.loc[lo:hi].mean()) - trained,
        "background": float(curve.attrs["background_logit"]),
        "flip_gap": float(flips.mean_logit.mean()) - trained if len(flips) else None,
    }


def plot_spacing_curves(curves: dict, trained_spacing=(2, 5)):
    """Mean logit against spacing, one panel per model, one line per orientation.

    Parameters
    ----------
    curves : dict, panel title -> DataFrame from :func:`spacing_curve`.
    trained_spacing : (min, max) spacing of the training positives, shaded; None for none.

    Returns
    -------
    Figure, panels side by side sharing no y axis (each model has its own logit scale).
    """
    import matplotlib.pyplot as plt

    if not isinstance(curves, dict) or not curves:
        raise TypeError("curves must be a non-empty dict of title -> spacing_curve table")
    figure, axes = plt.subplots(1, len(curves), figsize=(6 * len(curves), 4), squeeze=False)
    for ax, (title, table) in zip(axes[0], curves.items(), strict=True):
        name1, name2 = table.attrs.get("motifs", ("motif1", "motif2"))
        labels = {
            "+": f"{name1} then {name2}, + strand",
            "-": f"same pair, - strand ({name2} first)",
            "+-": f"{name2} flipped in place",
            "-+": f"{name1} flipped in place",
            "--": "both flipped in place",
        }
        colors = ("C3", "C0", "C2", "C1", "C4")
        for orientation, color in zip(_ALL_ORIENTATIONS, colors, strict=True):
            part = table[table.orientation == orientation]
            if not len(part):
                continue
            label = labels[orientation]
            ax.plot(part.spacing, part.mean_logit, color=color, lw=1.5, label=label)
            ax.fill_between(
                part.spacing,
                part.mean_logit - 2 * part["sem"],
                part.mean_logit + 2 * part["sem"],
                color=color,
                alpha=0.2,
                lw=0,
            )
        if "background_logit" in table.attrs:
            ax.axhline(
                table.attrs["background_logit"], color="0.4", ls="--", lw=1, label="no motifs"
            )
        if trained_spacing is not None:
            lo, hi = trained_spacing
            ax.axvspan(lo - 0.5, hi + 0.5, color="0.85", zorder=0, label="positives' spacing")
        ax.set_title(title)
        ax.set_xlabel("spacing between the motifs (bp)")
        ax.set_ylabel("mean logit (± 2 s.e.)")
    axes[0, 0].legend(frameon=False, fontsize=8)
    figure.tight_layout()
    return figure


def strand_only_scores(embeddings, motif_names) -> np.ndarray:
    """How many of ``motif_names`` lie on the + strand in each sequence, float array (N,).

    A classifier that knows only the strands (from the simulation's true embeddings) and nothing
    about spacing; its auROC on the labels is what strand alone gives. On the forward heterodimer
    data every positive scores 2 and a negative 2, 1 or 0 with probabilities 1/4, 1/2, 1/4, so
    auROC = 3/4 + 1/2 x 1/4 = 0.875; with independent strands both classes score alike (0.5).
    """
    from tutorial_utils.simulations import EmbeddingTable

    if not isinstance(embeddings, (list, tuple, EmbeddingTable)):
        raise TypeError(
            "embeddings must be a Data tuple's *_embeddings (one list of Embedding per sequence), "
            f"got {type(embeddings).__name__}"
        )
    if isinstance(motif_names, str) or not isinstance(motif_names, (list, tuple)):
        raise TypeError(f"motif_names must be a list of motif names, got {motif_names!r}")
    names = list(motif_names)
    if not all(isinstance(name, str) for name in names):
        raise TypeError(f"motif_names must be a list of motif names, got {motif_names!r}")
    if any(not all(hasattr(site, "strand") for site in sites) for sites in embeddings):
        raise TypeError("embeddings must hold one list of Embedding (with .strand) per sequence")
    return np.array(
        [sum(site.strand == "+" for site in sites if site.name in names) for sites in embeddings],
        dtype=np.float64,
    )
