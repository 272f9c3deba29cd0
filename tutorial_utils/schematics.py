"""Board drawings, computed: one-hot encoding, a filter scanning a sequence, ReLU and max pooling,
and cooperative binding.

What an instructor draws on the board before the first CNN, drawn by the notebook from real
numbers: a short sequence with one motif site, its one-hot matrix, the motif's log-odds matrix
(a PSSM, which is what a first-layer filter is) scored at every offset, and the scores after a
ReLU and max pooling; then the same two motif sites close together (a composite element) and far
apart, to show that each filter alone keeps the same maximum and only a unit reading both positions
tells them apart.
"""

from __future__ import annotations

import numpy as np

from tutorial_utils._validation import check_int, check_seed


def convolution_example(motif="SPI1_known4", length: int = 49, pool_width: int = 12, seed=0):
    """A random sequence with ``motif``'s consensus planted, and what one filter makes of it.

    Returns
    -------
    dict: ``sequence`` (str), ``one_hot`` (length, 4), ``filter`` (m, 4) the motif's log-odds
    (PSSM, background 0.3/0.2/0.2/0.3), ``scores`` (length - m + 1,) the filter's output at every
    offset ("valid" cross-correlation), ``relu`` the same after max(0, x - threshold) with the
    threshold half the best possible score, ``pooled`` (n_windows,) the maximum per window of
    ``pool_width`` offsets, ``site`` the planted site's start.
    """
    from tutorial_utils.motifs import Motif, get_motif

    if not isinstance(motif, (str, Motif)):
        raise TypeError(f"motif must be a motif name or a Motif, got {motif!r}")
    found = get_motif(motif) if isinstance(motif, str) else motif
    pssm = found.log_odds()  # (m, 4)
    m = len(pssm)
    length = check_int("length", length, min_value=m + 1)
    pool_width = check_int("pool_width", pool_width, min_value=1, max_value=length - m + 1)
    rng = check_seed(seed)
    bases = rng.choice(4, size=length, p=[0.3, 0.2, 0.2, 0.3])
    offsets = length - m + 1
    site = int(rng.integers(offsets // 3, max(offsets // 3 + 1, 2 * offsets // 3)))
    bases[site : site + m] = np.argmax(pssm, axis=1)
    one_hot = np.eye(4)[bases]
    scores = _scan(one_hot, pssm)
    threshold = 0.5 * pssm.max(axis=1).sum()
    relu = np.maximum(scores - threshold, 0.0)
    windows = len(relu) // pool_width
    pooled = relu[: windows * pool_width].reshape(windows, pool_width).max(axis=1)
    return {
        "sequence": "".join("ACGT"[b] for b in bases),
        "one_hot": one_hot,
        "filter": pssm,
        "scores": scores,
        "threshold": threshold,
        "relu": relu,
        "pooled": pooled,
        "pool_width": pool_width,
        "site": site,
        "motif": found.name,
    }


def plot_convolution_schematic(motif="SPI1_known4", length: int = 49, pool_width: int = 12, seed=0):
    """The board drawing of a CNN's first layer, on real numbers (see :func:`convolution_example`).

    Panels: the one-hot matrix (bases x positions, the sequence's letters below); the filter (the
    motif's PSSM) as a heat map; its score at every offset, the planted site marked; the scores
    after the ReLU (minus a threshold, negatives set to 0) with the max-pooling windows and
    each window's maximum.

    Returns
    -------
    Figure with 4 panels; the numbers are in ``figure.example``.
    """
    import matplotlib.pyplot as plt

    example = convolution_example(motif, length, pool_width, seed)
    m = len(example["filter"])
    figure, axes = plt.subplots(
        4, 1, figsize=(12, 8.5), gridspec_kw={"height_ratios": [1.1, 1.1, 1.2, 1.2]}
    )
    ax = axes[0]
    ax.imshow(example["one_hot"].T, aspect="auto", cmap="Greys", vmin=0, vmax=1.4)
    ax.set_yticks(range(4), list("ACGT"))
    ax.set_xticks(range(length), list(example["sequence"]), fontsize=7, family="monospace")
    ax.add_patch(plt.Rectangle((example["site"] - 0.5, -0.5), m, 4, fill=False, ec="C3", lw=2))
    ax.set_title("1. One-hot encoding: one column per base, a 1 (black) at the base present")
    ax = axes[1]
    bound = np.abs(example["filter"]).max()
    image = ax.imshow(example["filter"].T, aspect="auto", cmap="RdBu_r", vmin=-bound, vmax=bound)
    ax.set_yticks(range(4), list("ACGT"))
    ax.set_xticks(range(m), [str(i + 1) for i in range(m)], fontsize=7)
    figure.colorbar(image, ax=ax, pad=0.01, label="log-odds")
    ax.set_title(
        f"2. A filter = a PSSM: the log-odds of {example['motif']} (log p / background), "
        f"{m} bp wide"
    )
    ax = axes[2]
    offsets = np.arange(len(example["scores"]))
    ax.bar(offsets, example["scores"], color=np.where(offsets == example["site"], "C3", "0.5"))
    ax.axhline(example["threshold"], color="k", ls="--", lw=1, label="ReLU threshold (bias)")
    ax.set_xlim(-0.5, length - 0.5)
    ax.set_ylabel("score")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.set_title(
        "3. Convolution: the filter slides along the sequence; its score at each offset is the\n"
        "sum of the log-odds of the bases it covers (red: the planted site)"
    )
    ax = axes[3]
    ax.bar(offsets, example["relu"], color="0.5")
    for w, value in enumerate(example["pooled"]):
        lo = w * pool_width - 0.5
        ax.axvspan(lo, lo + pool_width, color=f"C{w % 2}", alpha=0.12)
        ax.hlines(value, lo, lo + pool_width, color="C3", lw=2)
    ax.set_xlim(-0.5, length - 0.5)
    ax.set_xlabel("offset (bp)")
    ax.set_ylabel("after ReLU")
    ax.set_title(
        f"4. ReLU keeps what exceeds the threshold; max pooling keeps the largest value in each "
        f"window of {pool_width} offsets (red lines): {len(example['pooled'])} numbers"
    )
    figure.tight_layout()
    figure.example = example
    return figure


def _scan(one_hot: np.ndarray, pssm: np.ndarray) -> np.ndarray:
    """A PSSM's score at every offset of a one-hot sequence ("valid" cross-correlation):
    (length - m + 1,) for ``one_hot`` (length, 4) and ``pssm`` (m, 4)."""
    m = len(pssm)
    return np.array([(one_hot[i : i + m] * pssm).sum() for i in range(len(one_hot) - m + 1)])


def cooperative_binding_example(
    motif1="SPI1_known4",
    motif2="IRF_known20",
    length: int = 90,
    spacing: int = 3,
    far_spacing: int = 30,
    min_spacing: int = 2,
    max_spacing: int = 5,
    seed=0,
):
    """Cooperative binding on real numbers: the same two sites close together and far apart.

    Two sequences share one random background (probabilities A/C/G/T 0.3/0.2/0.2/0.3) and a
    ``motif1`` consensus site at the same place; ``motif2``'s consensus follows it after
    ``spacing`` bp in the first ("together", a composite element as the PU.1-IRF heterodimer
    binds) and after ``far_spacing`` bp in the second ("apart"). Each motif's PSSM scans both
    sequences as a first-layer filter would (ReLU at half its best score).

    Returns
    -------
    dict: ``together`` and ``apart``, each a dict with ``sequence`` (str), ``tracks``
    (2, length - min(m1, m2) + 1) the two filters' scores after the ReLU (NaN-padded past the
    shorter scan), ``sites`` (start of motif1, start of motif2), ``gap`` (bp between the end of
    motif1's best-scoring site and the start of motif2's), ``filter_max`` (2,) each filter's
    maximum over the sequence (what global max pooling keeps), ``pair`` the largest
    min(ReLU1 at i, ReLU2 at i + m1 + g) over offsets i and gaps g in
    [``min_spacing``, ``max_spacing``] — a unit that needs both sites at the grammar's spacing;
    plus ``motifs`` (names), ``widths`` (m1, m2), ``min_spacing``, ``max_spacing``.

    Raises
    ------
    ValueError naming the parameter when a spacing lies outside 0..length - m1 - m2, or when
    ``spacing`` is outside [min_spacing, max_spacing] or ``far_spacing`` inside it.
    """
    from tutorial_utils.motifs import Motif, UnknownMotifError, get_motif

    found = []
    for name, motif in (("motif1", motif1), ("motif2", motif2)):
        if not isinstance(motif, (str, Motif)):
            raise TypeError(f"{name} must be a motif name or a Motif, got {motif!r}")
        try:
            found.append(get_motif(motif) if isinstance(motif, str) else motif)
        except UnknownMotifError as err:
            raise UnknownMotifError(f"{name}: {err}") from None
    pssms = [f.log_odds() for f in found]
    m1, m2 = (len(p) for p in pssms)
    length = check_int("length", length, min_value=m1 + m2 + 2)
    room = length - m1 - m2
    min_spacing = check_int("min_spacing", min_spacing, min_value=0, max_value=room)
    max_spacing = check_int("max_spacing", max_spacing, min_value=min_spacing, max_value=room)
    spacing = check_int("spacing", spacing, min_value=min_spacing, max_value=max_spacing)
    far_spacing = check_int("far_spacing", far_spacing, min_value=0, max_value=room)
    if min_spacing <= far_spacing <= max_spacing:
        raise ValueError(
            f"far_spacing must lie outside [min_spacing, max_spacing] = [{min_spacing}, "
            f"{max_spacing}], got {far_spacing}"
        )
    rng = check_seed(seed)
    background = rng.choice(4, size=length, p=[0.3, 0.2, 0.2, 0.3])
    start1 = int(rng.integers(0, length - m1 - m2 - max(spacing, far_spacing) + 1))
    thresholds = [0.5 * p.max(axis=1).sum() for p in pssms]

    def build(gap: int) -> dict:
        bases = background.copy()
        start2 = start1 + m1 + gap
        bases[start1 : start1 + m1] = np.argmax(pssms[0], axis=1)
        bases[start2 : start2 + m2] = np.argmax(pssms[1], axis=1)
        one_hot = np.eye(4)[bases]
        relus = [
            np.maximum(_scan(one_hot, p) - t, 0.0) for p, t in zip(pssms, thresholds, strict=True)
        ]
        width = max(len(r) for r in relus)
        tracks = np.full((2, width), np.nan)
        for k, r in enumerate(relus):
            tracks[k, : len(r)] = r
        best1, best2 = (int(np.argmax(r)) for r in relus)
        pair = 0.0
        for g in range(min_spacing, max_spacing + 1):
            i = np.arange(max(0, len(relus[1]) - m1 - g))
            i = i[i < len(relus[0])]
            if len(i):
                pair = max(pair, float(np.minimum(relus[0][i], relus[1][i + m1 + g]).max()))
        return {
            "sequence": "".join("ACGT"[b] for b in bases),
            "tracks": tracks,
            "sites": (start1, start2),
            "gap": best2 - (best1 + m1),
            "filter_max": np.array([r.max() for r in relus]),
            "pair": pair,
        }

    return {
        "together": build(spacing),
        "apart": build(far_spacing),
        "motifs": (found[0].name, found[1].name),
        "widths": (m1, m2),
        "min_spacing": min_spacing,
        "max_spacing": max_spacing,
    }


def plot_cooperative_binding_schematic(
    motif1="SPI1_known4", motif2="IRF_known20", length: int = 90, spacing: int = 3,
    far_spacing: int = 30, seed=0,
):  # fmt: skip
    """The board drawing of cooperative binding (see :func:`cooperative_binding_example`).

    Panels 1-2: the two sequences, each motif's site shaded, and both filters' scores after the
    ReLU at each offset (a filter's score is drawn at the first base it covers), the gap between the sites written in bp. Panel 3: per sequence, what each
    filter keeps after max pooling over the whole sequence (the same in both) and what a unit
    needing both sites 2-5 bp apart sees (only the composite element).

    Returns
    -------
    Figure with 3 panels; the numbers are in ``figure.example``.
    """
    import matplotlib.pyplot as plt

    example = cooperative_binding_example(motif1, motif2, length, spacing, far_spacing, seed=seed)
    names, widths = example["motifs"], example["widths"]
    lo, hi = example["min_spacing"], example["max_spacing"]
    figure, axes = plt.subplots(
        3, 1, figsize=(12, 8), gridspec_kw={"height_ratios": [1.2, 1.2, 1.0]}
    )
    for ax, key, number in ((axes[0], "together", 1), (axes[1], "apart", 2)):
        case = example[key]
        offsets = np.arange(case["tracks"].shape[1])
        for k in range(2):
            ax.plot(offsets, case["tracks"][k], color=f"C{k}", lw=1.5,
                    label=f"filter = {names[k]} PSSM (after ReLU)")  # fmt: skip
            start = case["sites"][k]
            ax.axvspan(start - 0.5, start + widths[k] - 0.5, color=f"C{k}", alpha=0.15)
        ax.set_xlim(-0.5, length - 0.5)
        ax.set_xticks(range(length), list(case["sequence"]), fontsize=5, family="monospace")
        ax.set_ylabel("score")
        inside = "inside" if lo <= case["gap"] <= hi else "outside"
        ax.set_title(
            f"{number}. {names[0]} and {names[1]} {case['gap']} bp apart ({inside} the grammar's "
            f"{lo}-{hi} bp): " + ("a composite element" if key == "together" else "two lone sites")
        )
        ax.legend(frameon=False, fontsize=8, loc="upper left")
    ax = axes[2]
    labels = [f"max of {names[0]} filter", f"max of {names[1]} filter",
              f"unit needing both {lo}-{hi} bp apart"]  # fmt: skip
    x = np.arange(3)
    for j, (key, colour) in enumerate((("together", "C3"), ("apart", "0.5"))):
        case = example[key]
        values = [*case["filter_max"], case["pair"]]
        bars = ax.bar(x + (j - 0.5) * 0.38, values, 0.38, color=colour,
                      label=f"{key} ({case['gap']} bp)")  # fmt: skip
        ax.bar_label(bars, fmt="%.1f", fontsize=8)
    ax.set_xticks(x, labels)
    ax.set_ylabel("after ReLU")
    ax.set_ylim(0, 1.2 * max(example["together"]["filter_max"].max(), example["together"]["pair"]))
    ax.legend(frameon=False, fontsize=8, loc="upper right")
    ax.set_title(
        "3. Each filter alone keeps the same maximum in both sequences: only a unit that sees both\n"
        "sites at the right distance (a second layer, or a dense layer reading positions) tells them apart"
    )
    figure.tight_layout()
    figure.example = example
    return figure
