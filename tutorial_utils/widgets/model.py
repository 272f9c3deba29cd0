"""The model panel: sliders for a shallow or deep ``SequenceDNN``, sized to the current data."""

from __future__ import annotations

import html

import ipywidgets as w
import numpy as np

from .._validation import check_int
from ._panel import _Panel, _reports_errors, current_data, hint_html, resolve_data

# the architecture the panel starts with (False: shallow, one convolution; True: deep, three)
DEFAULT_DEEP = False


class ModelBuilder(_Panel):
    """Sliders for a shallow (one convolution) or deep (three convolutions) ``SequenceDNN``.

    Parameters
    ----------
    data : ``Data``, a :class:`SimulationPicker` (its current data is read at *Build*), or an
        int sequence length in bp.
    seed : int >= 0, initial seed for the weights; default 0.

    Attributes
    ----------
    dnn : the last SequenceDNN built (None before the first successful *Build*).
    """

    def __init__(self, data, seed: int = 0):
        if isinstance(data, bool) or not (
            isinstance(data, int | _Panel) or hasattr(data, "X_train")
        ):
            raise TypeError(
                "data must be a Data, a SimulationPicker or a sequence length (int), got "
                f"{type(data).__name__}"
            )
        if isinstance(data, int):
            check_int("data (sequence length)", data, min_value=1)
        check_int("seed", seed, min_value=0)
        self.source = data
        self.dnn = None
        style = {"description_width": "120px"}
        self.architecture = w.ToggleButtons(
            options=[("shallow: 1 convolution", False), ("deep: 3 convolutions", True)],
            value=DEFAULT_DEEP,
            description="Architecture",
            # wide enough for the whole label (the default width cuts it off)
            style={**style, "button_width": "190px"},
        )

        def slider(description, value, low, high):
            return w.IntSlider(value=value, min=low, max=high, description=description, style=style)

        self.num_filters = slider("filters", 15, 1, 100)
        self.conv_width = slider("filter width", 25, 1, 100)
        self.num_filters_2 = slider("filters (2nd)", 15, 1, 100)
        self.conv_width_2 = slider("width (2nd)", 15, 1, 100)
        self.num_filters_3 = slider("filters (3rd)", 15, 1, 100)
        self.conv_width_3 = slider("width (3rd)", 15, 1, 100)
        self.pool_width = slider("pool width", 35, 1, 200)
        self.dropout = w.FloatSlider(
            value=0.0, min=0.0, max=0.9, step=0.05, description="dropout", style=style
        )
        self.seed = w.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="seed")
        self.build_button = w.Button(description="Build", button_style="primary", icon="cubes")
        self.error = w.HTML()
        self.summary = w.HTML(hint_html("Simulate data, then click Build."))
        self.deep_box = w.VBox(
            [self.num_filters_2, self.conv_width_2, self.num_filters_3, self.conv_width_3]
        )
        self.widget = w.VBox(
            [
                self.architecture,
                self.num_filters,
                self.conv_width,
                self.deep_box,
                self.pool_width,
                self.dropout,
                w.HBox([self.seed, self.build_button]),
                self.error,
                self.summary,
            ]
        )
        for control in (self.architecture, self.conv_width, self.conv_width_2, self.conv_width_3):
            control.observe(lambda _change: self._apply_limits(), names="value")
        self.build_button.on_click(lambda _button: self.build())
        if isinstance(data, _Panel):
            data.on_change(self._on_new_data)
        self._apply_limits()

    def current_model(self):
        """The last model built (None before the first *Build*)."""
        return self.dnn

    def _on_new_data(self, _panel, _what) -> None:
        """New data: fit the sliders to it; a model built for other sequences is dropped."""
        self._apply_limits()
        data = current_data(self.source)
        if self.dnn is None or data is None:
            if data is not None:
                self.summary.value = hint_html("Data ready: click Build.")
            return
        shape = (int(data.X_train.shape[1]), int(np.asarray(data.y_train).shape[1]))
        built = (int(self.dnn.seq_length), int(self.dnn.num_tasks))
        if shape != built:
            self.dnn = None
            self.summary.value = hint_html(
                f"The data changed ({shape[0]} bp, {shape[1]} task(s)); the model was built for "
                f"{built[0]} bp, {built[1]} task(s): click Build for a model that fits it."
            )
            self._changed("model")

    def _seq_length(self) -> int | None:
        if isinstance(self.source, int):
            return self.source
        data = current_data(self.source)
        return None if data is None else int(data.X_train.shape[1])

    def _apply_limits(self) -> None:
        """Hide the deep layers' sliders for a shallow model; keep every width within the input."""
        deep = self.architecture.value
        self.deep_box.layout.display = None if deep else "none"
        seq_length = self._seq_length()
        if seq_length is None:
            return
        widths = [self.conv_width] + ([self.conv_width_2, self.conv_width_3] if deep else [])
        # a valid convolution shortens the track by width - 1; the pool must fit what is left
        for i, control in enumerate(widths):
            others = sum(c.value - 1 for j, c in enumerate(widths) if j != i)
            control.max = max(min(100, seq_length - others), control.min)
        remaining = seq_length - sum(c.value - 1 for c in widths)
        self.pool_width.max = max(min(200, remaining), 1)

    def parameters(self) -> dict:
        """The ``SequenceDNN`` keyword arguments the controls describe (seq_length included)."""
        seq_length = self._seq_length()
        if seq_length is None:
            raise ValueError("there is no data yet: simulate data first, then build the model")
        params = {
            "seq_length": seq_length,
            "use_deep_CNN": bool(self.architecture.value),
            "num_filters": self.num_filters.value,
            "conv_width": self.conv_width.value,
            "pool_width": self.pool_width.value,
            "dropout": float(self.dropout.value),
            "seed": int(self.seed.value),
            "verbose": 0,
        }
        if self.architecture.value:
            params.update(
                num_filters_2=self.num_filters_2.value,
                conv_width_2=self.conv_width_2.value,
                num_filters_3=self.num_filters_3.value,
                conv_width_3=self.conv_width_3.value,
            )
        return params

    @_reports_errors("build the model")
    def build(self):
        """Build a fresh SequenceDNN from the controls; returns it (None on error)."""
        from ..models import SequenceDNN

        self._apply_limits()
        params = self.parameters()
        data = None if isinstance(self.source, int) else resolve_data(self.source)
        if data is not None:
            params["num_tasks"] = int(np.asarray(data.y_train).shape[1])
        self.dnn = SequenceDNN(**params)
        self.summary.value = model_summary_html(self.dnn)
        self._changed("model")
        return self.dnn


def model_summary_html(dnn) -> str:
    """HTML table of a SequenceDNN's layers: name, output shape, trainable parameters."""
    rows = "".join(
        f"<tr><td>{html.escape(layer.name)}</td>"
        f"<td>{html.escape(str(tuple(layer.output.shape)))}</td>"
        f"<td>{layer.count_params():,}</td></tr>"
        for layer in dnn.model.layers
    )
    return (
        "<table><tr><th>layer</th><th>output shape</th><th>parameters</th></tr>"
        f"{rows}</table><b>total parameters:</b> {dnn.model.count_params():,}"
    )
