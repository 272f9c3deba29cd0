"""What every panel shares: the widget box, errors shown in words, images that stay hidden until
they have content, and the change notices by which each panel follows the others."""

from __future__ import annotations

import functools
import html
import io

import ipywidgets as w

# colours of embedded motif sites (sequence highlighting and attribution plots)
SITE_COLOURS = ("#f4a261", "#2a9d8f", "#e76f51", "#8ab17d", "#e9c46a", "#9b5de5", "#00bbf9")
HINT_STYLE = "color:#555"


class _Panel:
    """Base class: a ``widget`` (VBox), an ``error`` line, rich display, and change notices.

    A panel calls ``self._changed(what)`` after it made something new (``"data"``, ``"model"``,
    ``"trained"``); panels that read from it subscribe with :meth:`on_change` and update.
    """

    widget: w.VBox
    error: w.HTML

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def on_change(self, callback) -> None:
        """Call ``callback(panel, what)`` whenever this panel made new data or a new model."""
        self.__dict__.setdefault("_listeners", []).append(callback)

    def _changed(self, what: str) -> None:
        for callback in self.__dict__.get("_listeners", []):
            callback(self, what)

    def _show_error(self, action: str, error: BaseException) -> None:
        message = str(error) or type(error).__name__
        # KeyError quotes its message; strip that so the sentence reads naturally.
        if isinstance(error, KeyError) and message[:1] in "'\"" and message[-1:] == message[:1]:
            message = message[1:-1]
        self.error.value = (
            f"<div style='color:#b00020'><b>Could not {html.escape(action)}:</b> "
            f"{html.escape(message)}</div>"
        )

    def _clear_error(self) -> None:
        self.error.value = ""


def _reports_errors(action: str):
    """Decorate a panel method so exceptions are shown in the panel, in words, not raised.

    The wrapped method returns None when it failed; the message stays in ``panel.error.value``.
    """

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            self._clear_error()
            try:
                return method(self, *args, **kwargs)
            except Exception as error:  # the panel is the user's error console
                self._show_error(action, error)
                return None

        return wrapper

    return decorate


def hint_html(text: str) -> str:
    """A grey sentence telling the learner what to do next (not an error)."""
    return f"<span style='{HINT_STYLE}'>{html.escape(text)}</span>"


def new_image() -> w.Image:
    """A PNG image widget, hidden until :func:`show_png` gives it content (an empty one would
    show the browser's broken-image icon)."""
    image = w.Image(format="png")
    image.layout.display = "none"
    return image


def show_png(image: w.Image, png: bytes | None) -> None:
    """Show ``png`` in ``image``; ``None`` or empty bytes hide it."""
    if png:
        image.value = png
        image.layout.display = None
    else:
        image.layout.display = "none"
        image.value = b""


def figure_to_png(figure) -> bytes:
    """Render a matplotlib ``Figure`` to PNG bytes (thread-safe: no pyplot state involved)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return buffer.getvalue()


def new_figure(width: float, height: float):
    """A matplotlib ``Figure`` of ``width`` x ``height`` inches, outside pyplot."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def current_data(source):
    """The ``Data`` a panel reads: a Data, or a simulation panel's last one (None before it).

    Raises ``TypeError`` for anything else.
    """
    if isinstance(source, _Panel):
        return getattr(source, "data", None)
    if source is None or hasattr(source, "X_train"):
        return source
    raise TypeError(
        f"data must be a Data (from get_simulation_data) or a SimulationPicker, got "
        f"{type(source).__name__}"
    )


def resolve_data(source):
    """Like :func:`current_data`, but raises ``ValueError`` in words when there is none yet."""
    data = current_data(source)
    if data is None:
        raise ValueError("there is no data yet: choose a simulation and click Simulate first")
    return data


def resolve_model(source):
    """A SequenceDNN from a SequenceDNN, a ModelBuilder or a Trainer (the model it trains)."""
    dnn = source.current_model() if isinstance(source, _Panel) else source
    if dnn is None:
        raise ValueError("there is no model yet: set the architecture and click Build first")
    if not hasattr(dnn, "model"):
        raise TypeError(
            f"model must be a SequenceDNN, a ModelBuilder or a Trainer, got {type(dnn).__name__}"
        )
    return dnn
