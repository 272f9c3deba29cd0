"""Board drawings, computed: one-hot encoding, a filter scanning a sequence, ReLU and max pooling.

What an instructor draws on the board before the first CNN, drawn by the notebook from real
numbers: a short sequence with one motif site, its one-hot matrix, the motif's log-odds matrix
(a PSSM, which is what a first-layer filter is) scored at every offset, and the scores after a
ReLU and max pooling.
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
    scores = np.array([(one_hot[i : i + m] * pssm).sum() for i in range(length - m + 1)])
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
