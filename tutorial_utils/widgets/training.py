"""The training panel: *Train* / *Stop*, a learning curve redrawn every epoch, the metrics at the
end, and a sentence saying whether the model learnt anything."""

from __future__ import annotations

import html
import threading

import ipywidgets as w
import numpy as np

from ._panel import (
    _Panel,
    _reports_errors,
    figure_to_png,
    hint_html,
    new_figure,
    new_image,
    resolve_data,
    resolve_model,
    show_png,
)

# test auROC below this counts as "did not learn" in the status line (chance is 0.5)
LEARNT_AUROC = 0.6


def learning_curve_png(train_losses, valid_losses, title: str = "") -> bytes:
    """PNG of training (blue) and validation (red) loss per epoch, best validation epoch dashed."""
    figure = new_figure(7, 3)
    ax = figure.add_subplot()
    epochs = np.arange(len(train_losses))
    ax.plot(epochs, train_losses, "b.-", lw=2, label="Training")
    ax.plot(np.arange(len(valid_losses)), valid_losses, "r.-", lw=2, label="Validation")
    ax.xaxis.get_major_locator().set_params(integer=True)
    if len(valid_losses):
        best = int(np.argmin(valid_losses))
        ax.axvline(best, color="k", ls="--", label=f"best validation (epoch {best})")
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Loss (binary cross-entropy)")
    ax.set_title(title)
    ax.legend(loc="upper right")
    return figure_to_png(figure)


def metrics_table_html(results: dict) -> str:
    """HTML table: one row per metric, one column per named ``ClassificationResult`` (task 0..T)."""
    names = list(results)
    first = results[names[0]]
    header = "".join(
        f"<th style='{_CELL}'>{html.escape(name)}{'' if first.num_tasks == 1 else f' task {t}'}</th>"
        for name in names
        for t in range(first.num_tasks)
    )
    rows = []
    for metric in first.keys():
        cells = []
        for name in names:
            for value in results[name][metric]:
                text = f"{int(value)}" if metric.startswith("Num") else f"{value:.3f}"
                cells.append(f"<td style='{_CELL}'>{text}</td>")
        rows.append(
            f"<tr><td style='{_CELL};text-align:left'>{html.escape(metric)}</td>{''.join(cells)}</tr>"
        )
    return (
        "<table style='border-collapse:collapse'>"
        f"<tr><th style='{_CELL};text-align:left'>metric</th>{header}</tr>{''.join(rows)}</table>"
    )


#: every cell of the metrics table: room between the columns, numbers right-aligned
_CELL = "padding:2px 14px;text-align:right;white-space:nowrap"


def verdict_html(test_result) -> str:
    """One sentence on whether a model learnt: its mean test auROC against chance (0.5)."""
    auroc = float(np.mean(test_result["auROC"]))
    if auroc >= LEARNT_AUROC:
        return (
            f"<b>Test auROC {auroc:.3f}</b> (chance is 0.5): the model learnt to tell the classes "
            "apart; click Explain below to see what it looks at."
        )
    return (
        f"<b style='color:#b00020'>Test auROC {auroc:.3f}</b>, close to chance (0.5): the model "
        "has not learnt the rule. Try the deep architecture, more sequences, or more epochs."
    )


class Trainer(_Panel):
    """Train a model with *Train* and *Stop* buttons and a learning curve redrawn every epoch.

    Parameters
    ----------
    model : a SequenceDNN or a :class:`ModelBuilder` (its last built model is trained; a new
        model or new data resets the panel).
    data : ``Data`` or a :class:`SimulationPicker`.

    Attributes
    ----------
    train_losses, valid_losses : list of float, per finished epoch of the current run.
    results : dict split name -> ClassificationResult after training ("validation", "test").
    thread : the background ``threading.Thread`` of a non-blocking run (None otherwise).
    """

    def __init__(self, model, data):
        self.model_source = model
        self.data_source = data
        self.dnn = None
        self.train_losses: list[float] = []
        self.valid_losses: list[float] = []
        self.results: dict = {}
        self.thread: threading.Thread | None = None
        self._stop = threading.Event()
        style = {"description_width": "110px"}
        from ..models import DEFAULT_BATCH_SIZE, DEFAULT_LEARNING_RATE, DEFAULT_PATIENCE
        from ..recipe import (
            DEFAULT_MIN_DELTA,
            DEFAULT_REDUCE_LR_FACTOR,
            DEFAULT_REDUCE_LR_PATIENCE,
            DEFAULT_SIGNIFICANCE,
        )

        # start from SequenceDNN.train's recipe; the dropdowns offer other batch sizes and rates to try
        self.max_epochs = w.IntSlider(
            value=100, min=1, max=300, description="max epochs", style=style
        )
        self.patience = w.IntSlider(
            value=DEFAULT_PATIENCE,
            min=1,
            max=20,
            description="patience",
            style=style,
            # what SequenceDNN.train does with it (tests/test_widgets.py reads the same defaults)
            tooltip=(
                "a stall: this many epochs in which the validation loss did not fall by more "
                f"than {DEFAULT_MIN_DELTA:g} and {DEFAULT_SIGNIFICANCE:g} standard errors; a "
                f"stall cuts the learning rate x{DEFAULT_REDUCE_LR_FACTOR:g} from the best "
                f"weights, and training stops when {DEFAULT_REDUCE_LR_PATIENCE} epoch(s) after "
                "a cut bring no such fall"
            ),
        )
        self.batch_size = w.Dropdown(
            options=sorted({16, 32, 64, 128, 256, 512, DEFAULT_BATCH_SIZE}),
            value=DEFAULT_BATCH_SIZE,
            description="batch size",
            style=style,
        )
        self.learning_rate = w.Dropdown(
            options=sorted({1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, DEFAULT_LEARNING_RATE}),
            value=DEFAULT_LEARNING_RATE,
            description="learning rate",
            style=style,
        )
        self.train_button = w.Button(description="Train", button_style="success", icon="play")
        self.stop_button = w.Button(
            description="Stop", button_style="danger", icon="stop", disabled=True
        )
        self.status = w.HTML(
            hint_html("Press Train to fit the model (early stopping on validation loss).")
        )
        self.error = w.HTML()
        self.curve = new_image()
        self.metrics = w.HTML()
        self.widget = w.VBox(
            [
                w.HBox([self.max_epochs, self.patience]),
                w.HBox([self.batch_size, self.learning_rate]),
                w.HBox([self.train_button, self.stop_button]),
                self.status,
                self.error,
                self.curve,
                self.metrics,
            ]
        )
        self.train_button.on_click(lambda _button: self.train(blocking=False))
        self.stop_button.on_click(lambda _button: self.stop())
        for source, what in ((model, "model"), (data, "data")):
            if isinstance(source, _Panel):
                source.on_change(lambda _panel, _what, what=what: self._on_new_input(what))

    def current_model(self):
        """The model this panel trained or will train (None when there is none yet)."""
        if self.dnn is not None:
            return self.dnn
        if isinstance(self.model_source, _Panel):
            return self.model_source.current_model()
        return self.model_source

    def _on_new_input(self, what: str) -> None:
        """A new model or new data: forget the last run's curve and metrics."""
        if self.running:
            return  # the run in progress keeps its own model and data
        self.dnn = None
        self.train_losses, self.valid_losses, self.results = [], [], {}
        show_png(self.curve, None)
        self.metrics.value = ""
        self.status.value = hint_html(f"New {what}: press Train to fit the model.")
        self._changed(what)

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    @_reports_errors("train")
    def train(self, blocking: bool = True):
        """Train the model on the data's training split, validating on its validation split.

        Parameters
        ----------
        blocking : if True (default) train here and return the validation ``ClassificationResult``;
            if False train in a background thread (what the button does) and return the thread.
        """
        if self.running:
            raise RuntimeError("training is already running; press Stop first")
        dnn = resolve_model(self.model_source)
        data = resolve_data(self.data_source)
        if dnn.seq_length != data.X_train.shape[1]:
            raise ValueError(
                f"the model was built for {dnn.seq_length} bp sequences but the data has "
                f"{data.X_train.shape[1]} bp: click Build again"
            )
        self.dnn = dnn
        self._stop.clear()
        self.train_losses, self.valid_losses, self.results = [], [], {}
        self.metrics.value = ""
        show_png(self.curve, None)
        self.train_button.disabled = True
        self.stop_button.disabled = False
        self.status.value = "training: starting the first epoch..."
        if blocking:
            return self._run(dnn, data)
        # Keras fits fine outside the main thread; widget updates are comm messages that
        # ipykernel sends from any thread, and the figure is drawn without pyplot.
        self.thread = threading.Thread(target=self._run, args=(dnn, data), daemon=True)
        self.thread.start()
        return self.thread

    def stop(self) -> None:
        """Ask a running training to stop after the current batch (sets ``model.stop_training``)."""
        self._stop.set()
        self.status.value = "stopping after the current batch..."

    def wait(self, timeout: float | None = None) -> None:
        """Block until a background run started by the button (or ``train(blocking=False)``) ends."""
        if self.thread is not None:
            self.thread.join(timeout)

    @_reports_errors("train")
    def _run(self, dnn, data):
        callback = self._callback(dnn)
        try:
            dnn.train(
                data.X_train,
                data.y_train,
                (data.X_valid, data.y_valid),
                num_epochs=self.max_epochs.value,
                patience=self.patience.value,
                batch_size=self.batch_size.value,
                learning_rate=self.learning_rate.value,
                callbacks=[callback],
                verbose=0,
            )
        finally:
            self.train_button.disabled = False
            self.stop_button.disabled = True
        stopped = " (stopped by the user)" if self._stop.is_set() else ""
        # redraw once from the model's own record, which is final after early stopping
        self.train_losses, self.valid_losses = list(dnn.train_losses), list(dnn.valid_losses)
        show_png(self.curve, learning_curve_png(self.train_losses, self.valid_losses))
        self.results = {
            "validation": dnn.test(data.X_valid, data.y_valid),
            "test": dnn.test(data.X_test, data.y_test),
        }
        self.status.value = (
            f"Finished after {len(self.valid_losses)} epochs{stopped}; kept the weights of "
            f"epoch {dnn.best_epoch} (lowest validation loss). "
            + verdict_html(self.results["test"])
        )
        self.metrics.value = metrics_table_html(self.results)
        self._changed("trained")
        return self.results["validation"]

    def _callback(self, dnn):
        import keras

        trainer = self

        class LiveCurve(keras.callbacks.Callback):
            """Redraws the panel's learning curve after every epoch; honours the Stop button.
            Reads the losses that ``SequenceDNN.train`` records (live lists), not recomputed."""

            def on_train_batch_end(self, batch, logs=None):
                if trainer._stop.is_set():
                    self.model.stop_training = True

            def on_epoch_end(self, epoch, logs=None):
                trainer.train_losses = list(dnn.train_losses)
                trainer.valid_losses = list(dnn.valid_losses)
                show_png(
                    trainer.curve, learning_curve_png(trainer.train_losses, trainer.valid_losses)
                )
                trainer.status.value = (
                    f"epoch {epoch}: training loss {trainer.train_losses[-1]:.3f}, "
                    f"validation loss {trainer.valid_losses[-1]:.3f}"
                )
                if trainer._stop.is_set():
                    self.model.stop_training = True

        return LiveCurve()
