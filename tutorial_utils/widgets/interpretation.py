"""The interpretation panel: ISM, DeepLIFT or gradient x input for one sequence, as a score track
or a logo, with the true motif sites shaded."""

from __future__ import annotations

import html

import ipywidgets as w
import numpy as np

from .._validation import check_choice, check_int
from ._panel import (
    SITE_COLOURS,
    _Panel,
    _reports_errors,
    current_data,
    figure_to_png,
    hint_html,
    new_figure,
    new_image,
    resolve_data,
    resolve_model,
    show_png,
)

METHODS = ("ISM", "DeepLIFT", "gradient × input")


def attribution_track(dnn, x: np.ndarray, method: str, task: int = 0) -> np.ndarray:
    """Per-position importance of one sequence for one task's logit.

    Parameters
    ----------
    dnn : SequenceDNN.
    x : float32 (1, L, 4), one one-hot sequence.
    method : "ISM" (minus the mean logit change over the three substitutions: high where a
        mutation destroys the prediction), "DeepLIFT" (10 dinucleotide-shuffled references) or
        "gradient × input"; both of the latter summed over the 4 bases (only the observed base
        is non-zero).
    task : output index, default 0.

    Returns
    -------
    track : float32 (L,), in logit units.
    """
    check_choice("method", method, METHODS)
    if method == "ISM":
        from ..ism import in_silico_mutagenesis

        scores = in_silico_mutagenesis(dnn, x, output="logit", task=task, progress=False)[0, 0]
        return (-scores.sum(axis=-1) / 3.0).astype(np.float32)
    from ..attribution import deeplift, gradient_times_input

    if method == "DeepLIFT":
        scores = deeplift(dnn, x, reference="shuffle", num_refs=10, task=task, progress=False)
    else:
        scores = gradient_times_input(dnn, x, task=task)
    return scores[0].sum(axis=-1).astype(np.float32)


def _shade_sites(ax, embeddings) -> None:
    colour_of: dict[str, str] = {}
    for embedding in embeddings:
        new = embedding.name not in colour_of
        colour = colour_of.setdefault(
            embedding.name, SITE_COLOURS[len(colour_of) % len(SITE_COLOURS)]
        )
        ax.axvspan(
            embedding.start - 0.5,
            embedding.start + len(embedding.sequence) - 0.5,
            color=colour,
            alpha=0.35,
            label=f"true {embedding.name} site" if new else None,
        )


def attribution_png(track, x, embeddings, view: str, window, title: str = "") -> bytes:
    """PNG of an importance track (line) or logo (observed base, height = score) with true sites.

    Parameters
    ----------
    track : (L,) scores. x : (1, L, 4) one-hot sequence. embeddings : list of ``Embedding``.
    view : "track" or "logo". window : (start, end) 0-based half-open positions to draw.
    """
    check_choice("view", view, ("track", "logo"))
    start, end = window
    figure = new_figure(10 if view == "track" else max(6, (end - start) / 8), 3)
    ax = figure.add_subplot()
    positions = np.arange(start, end)
    if view == "track":
        ax.plot(positions, track[start:end], color="k", lw=1)
    else:
        import logomaker
        import pandas as pd

        matrix = pd.DataFrame(
            x[0, start:end] * track[start:end, None], columns=list("ACGT"), index=positions
        )
        logomaker.Logo(matrix, ax=ax, color_scheme="classic")
    ax.axhline(0, color="grey", lw=0.5)
    _shade_sites(ax, [e for e in embeddings if e.start < end and e.start + len(e.sequence) > start])
    ax.set_xlim(start - 0.5, end - 0.5)
    ax.set_xlabel("Position (bp, 0-based)")
    ax.set_ylabel("importance (logit)")
    ax.set_title(title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper right", fontsize=8)
    return figure_to_png(figure)


class InterpretationExplorer(_Panel):
    """Pick a sequence and a method; see its importance track or logo with the true motif sites.

    Parameters
    ----------
    model : a trained SequenceDNN, or a :class:`ModelBuilder` / :class:`Trainer` holding one.
    data : ``Data`` or a :class:`SimulationPicker`.

    Attributes
    ----------
    track : float32 (L,), the last computed importance track (None before the first *Explain*).
    """

    def __init__(self, model, data):
        self.model_source = model
        self.data_source = data
        self.track = None
        style = {"description_width": "90px"}
        self.split = w.ToggleButtons(
            options=["test", "valid", "train"], value="test", description="split", style=style
        )
        self.index = w.IntSlider(value=0, min=0, max=0, description="sequence", style=style)
        self.task = w.Dropdown(options=[("0", 0)], value=0, description="task", style=style)
        self.method = w.Dropdown(
            options=METHODS, value="DeepLIFT", description="method", style=style
        )
        self.view = w.ToggleButtons(
            options=["track", "logo"], value="track", description="view", style=style
        )
        self.window = w.IntRangeSlider(value=(0, 1), min=0, max=1, description="positions")
        self.window.style = style
        self.window.layout.width = "520px"
        self.explain_button = w.Button(description="Explain", button_style="primary", icon="search")
        self.info = w.HTML()
        self.error = w.HTML()
        self.image = new_image()
        self.widget = w.VBox(
            [
                self.split,
                self.task,
                self.index,
                self.method,
                self.view,
                self.window,
                self.explain_button,
                self.error,
                self.info,
                self.image,
            ]
        )
        self.split.observe(lambda _change: self.refresh(), names="value")
        self.index.observe(lambda _change: self._default_window(), names="value")
        self.view.observe(lambda _change: self._default_window(), names="value")
        self.explain_button.on_click(lambda _button: self.explain())
        if isinstance(data, _Panel):
            data.on_change(lambda _panel, _what: self.refresh())
        if isinstance(model, _Panel):
            model.on_change(lambda _panel, what: self._on_new_model(what))
        self.refresh()

    def _on_new_model(self, what: str) -> None:
        """A new or newly trained model: the picture on screen no longer shows it."""
        if what == "data":
            return  # refresh() handles new data
        self.track = None
        show_png(self.image, None)
        self.info.value = hint_html(
            "The model is trained: click Explain."
            if what == "trained"
            else "The model changed: train it, then click Explain."
        )

    @_reports_errors("read the data")
    def refresh(self) -> None:
        """Re-read the data (after a new simulation): index range, tasks, window; the first
        positive of the split is selected. Without data yet, says what to do."""
        data = current_data(self.data_source)
        self.track = None
        show_png(self.image, None)
        if data is None:
            self.info.value = hint_html(
                "Simulate data, build and train a model, then click Explain to see which bases "
                "it uses."
            )
            return
        X = getattr(data, f"X_{self.split.value}")
        y = np.asarray(getattr(data, f"y_{self.split.value}"))
        self.index.max = max(len(X) - 1, 0)
        num_tasks = y.shape[1]
        names = data.motif_names if len(data.motif_names) == num_tasks > 1 else None
        self.task.options = [(names[t] if names else str(t), t) for t in range(num_tasks)]
        self.task.layout.display = None if num_tasks > 1 else "none"  # one task: nothing to pick
        positives = np.flatnonzero(y[:, self.task.value]) if len(y) else []
        self.index.value = int(positives[0]) if len(positives) else 0
        self.window.max = X.shape[1]
        self._default_window()
        self.info.value = hint_html(
            f"{len(X)} {self.split.value} sequences of {X.shape[1]} bp; sequence "
            f"{self.index.value} is the first positive. Click Explain."
        )

    def _default_window(self) -> None:
        """Whole sequence for a track; for a logo, 60 bp around the first true site."""
        data = current_data(self.data_source)
        if data is None:
            return
        length = self.window.max
        sites = getattr(data, f"{self.split.value}_embeddings")[self.index.value]
        if self.view.value == "track" or length <= 60:
            self.window.value = (0, length)
            return
        centre = sites[0].start + len(sites[0].sequence) // 2 if sites else length // 2
        start = int(np.clip(centre - 30, 0, length - 60))
        self.window.value = (start, start + 60)

    @_reports_errors("explain the prediction")
    def explain(self):
        """Compute the chosen method for the chosen sequence and draw it; returns the track."""
        dnn = resolve_model(self.model_source)
        data = resolve_data(self.data_source)
        X = getattr(data, f"X_{self.split.value}")
        if dnn.seq_length != X.shape[1]:
            raise ValueError(
                f"the model was built for {dnn.seq_length} bp sequences but the data has "
                f"{X.shape[1]} bp: click Build and Train again"
            )
        y = np.asarray(getattr(data, f"y_{self.split.value}"))
        i = check_int("sequence index", self.index.value, min_value=0, max_value=len(X) - 1)
        task = self.task.value
        x = X[i : i + 1]
        sites = getattr(data, f"{self.split.value}_embeddings")[i]
        probability = float(np.asarray(dnn.predict(x))[0, task])
        self.track = attribution_track(dnn, x, self.method.value, task=task)
        start, end = self.window.value
        if end - start < 1:
            raise ValueError(f"positions must span at least 1 bp, got {start}..{end}")
        title = f"{self.method.value}, {self.split.value} sequence {i}"
        show_png(
            self.image, attribution_png(self.track, x, sites, self.view.value, (start, end), title)
        )
        site_text = "; ".join(f"{e.name} at {e.start} ({e.strand})" for e in sites) or "none"
        self.info.value = (
            f"label <b>{int(y[i, task])}</b>, predicted probability <b>{probability:.3f}</b>; "
            f"true sites: {html.escape(site_text)}"
        )
        return self.track
