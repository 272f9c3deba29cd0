"""ipywidgets controls for exploring the workshop without writing code.

Four panels, each an object with a ``.widget`` (display it, or display the object itself) and
methods that do what its buttons do, so they can be driven from Python as well as by clicking:

* :class:`SimulationPicker` - choose a simulation; its parameters appear as controls built from
  the simulation function's signature and NumPy-style docstring; *Simulate* makes a
  :class:`~tutorial_utils.datasets.Data` and shows one sequence with its motif sites marked.
* :class:`ModelBuilder` - a shallow or deep ``SequenceDNN`` from sliders.
* :class:`Trainer` - *Train* / *Stop*, a learning curve redrawn every epoch, the metrics at the end.
* :class:`InterpretationExplorer` - ISM, DeepLIFT or gradient x input for one sequence, as a score
  track or a logo, with the true motif sites shaded.

Errors raised by the package (bad parameter combinations, an untrained model, ...) are shown in
the panel as a sentence; they never escape as a traceback into the notebook.
"""

from __future__ import annotations

import functools
import html
import inspect
import io
import re
import threading
from dataclasses import dataclass

import ipywidgets as w
import numpy as np

from ._validation import check_choice, check_int

# The 2016 workshop's settings (spec section 2.8), used where a simulation function has no default.
# Sequence counts are smaller than the workshop's 10,000 per class so that a click answers in seconds.
WORKSHOP_DEFAULTS: dict[str, dict] = {
    "simulate_single_motif_detection": {
        "motif_name": "TAL1_known4",
        "seq_length": 1000,
        "num_pos": 2000,
        "num_neg": 2000,
        "GC_fraction": 0.4,
    },
    "simulate_motif_counting": {
        "motif_name": "TAL1_known4",
        "seq_length": 1000,
        "pos_counts": (3, 5),
        "neg_counts": (0, 2),
        "num_pos": 2000,
        "num_neg": 2000,
        "GC_fraction": 0.4,
    },
    "simulate_motif_density_localization": {
        "motif_name": "TAL1_known4",
        "seq_length": 1000,
        "center_size": 150,
        "min_motif_counts": 2,
        "max_motif_counts": 4,
        "num_pos": 2000,
        "num_neg": 2000,
        "GC_fraction": 0.4,
    },
    "simulate_multi_motif_embedding": {
        "motif_names": ("CTCF_known1", "ZNF143_known2", "SIX5_known1"),
        "seq_length": 500,
        "min_num_motifs": 0,
        "max_num_motifs": 3,
        "num_seqs": 4000,
        "GC_fraction": 0.4,
    },
    "simulate_differential_accessibility": {
        "pos_motif_names": ("CTCF_known1",),
        "neg_motif_names": ("SIX5_known1", "ZNF143_known2"),
        "seq_length": 500,
        "min_num_motifs": 1,
        "max_num_motifs": 1,
        "num_pos": 2000,
        "num_neg": 2000,
        "GC_fraction": 0.4,
    },
    "simulate_heterodimer_grammar": {
        "motif1": "SPI1_known4",
        "motif2": "IRF_known20",
        "seq_length": 500,
        "min_spacing": 2,
        "max_spacing": 5,
        "num_pos": 2000,
        "num_neg": 2000,
        "GC_fraction": 0.4,
    },
}

# Upper ends of sliders whose docstring gives no maximum: what a browser session handles quickly.
MAX_SEQUENCES = 20000
MAX_SEQ_LENGTH = 2000
MAX_MOTIF_COUNT = 20
# Held-out fractions of the 2016 split (4,000 test and 3,200 validation of 20,000 sequences).
TEST_FRACTION = 0.2
VALIDATION_FRACTION = 0.16
SITE_COLOURS = ("#f4a261", "#2a9d8f", "#e76f51", "#8ab17d", "#e9c46a", "#9b5de5", "#00bbf9")


# --------------------------------------------------------------------------------------------
# shared helpers


class _Panel:
    """Base class: a ``widget`` (VBox), an error line, and rich display of the widget."""

    widget: w.VBox
    error: w.HTML

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

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


def figure_to_png(figure) -> bytes:
    """Render a matplotlib ``Figure`` to PNG bytes (thread-safe: no pyplot state involved)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return buffer.getvalue()


def _new_figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


# --------------------------------------------------------------------------------------------
# simulation parameters from signature + docstring

_NUMBER = r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_INTERVAL = re.compile(rf"([\[(])\s*({_NUMBER})\s*,\s*({_NUMBER}|inf)\s*([\])])")
_LOWER = re.compile(rf"(>=|≥|>)\s*({_NUMBER})")
_UPPER = re.compile(rf"(<=|≤|<)\s*({_NUMBER})")


@dataclass
class ParameterSpec:
    """One simulation parameter as the picker understands it.

    ``kind`` is one of ``"motif"`` (a motif name), ``"motifs"`` (a list of motif names),
    ``"int"``, ``"float"``, ``"int_pair"`` (a (min, max) pair). ``low``/``high`` are the allowed
    range read from the docstring (None when it gives none).
    """

    name: str
    kind: str
    default: object
    low: float | None
    high: float | None
    doc: str


def parse_parameter_docs(docstring: str | None) -> dict[str, tuple[str, str]]:
    """Map parameter name -> (type text, description) from a NumPy-style ``Parameters`` section."""
    if not docstring:
        return {}
    lines = inspect.cleandoc(docstring).splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "Parameters") + 2
    except StopIteration:
        return {}
    docs: dict[str, tuple[str, str]] = {}
    current = None
    body = lines[start:]
    for i, line in enumerate(body):
        stripped = line.strip()
        following = body[i + 1].strip() if i + 1 < len(body) else ""
        if stripped and following and set(following) == {"-"}:  # next section's header
            break
        if line and not line[0].isspace():
            name, _, type_text = line.partition(":")
            # "a, b : int" documents two parameters at once
            names = [n.strip() for n in name.split(",") if n.strip()]
            for n in names:
                docs[n] = (type_text.strip(), "")
            current = names[-1] if names else None
        elif current is not None and stripped:
            type_text, desc = docs[current]
            docs[current] = (type_text, f"{desc} {stripped}".strip())
    return docs


def _range_from_text(text: str) -> tuple[float | None, float | None, bool, bool]:
    """(low, high, low_open, high_open) from text such as ``in [0, 1]``, ``>= 1`` or ``(0, 1)``."""
    low = high = None
    low_open = high_open = False
    match = _INTERVAL.search(text)
    if match:
        low, low_open = float(match.group(2)), match.group(1) == "("
        if match.group(3) != "inf":
            high, high_open = float(match.group(3)), match.group(4) == ")"
        return low, high, low_open, high_open
    if match := _LOWER.search(text):
        low, low_open = float(match.group(2)), match.group(1) == ">"
    if match := _UPPER.search(text):
        high, high_open = float(match.group(2)), match.group(1) == "<"
    return low, high, low_open, high_open


def simulation_parameter_specs(function) -> list[ParameterSpec]:
    """Describe a simulation function's parameters (all but ``seed``/``rng``) for the picker.

    Kinds come from the annotation, the docstring type and the name (``motif*``); ranges from
    the docstring; defaults from the signature, else from the 2016 workshop settings.
    """
    docs = parse_parameter_docs(function.__doc__)
    defaults = WORKSHOP_DEFAULTS.get(function.__name__, {})
    specs = []
    for name, param in inspect.signature(function).parameters.items():
        if name in ("seed", "rng", "random_state") or param.kind in (
            param.VAR_POSITIONAL,
            param.VAR_KEYWORD,
        ):
            continue
        type_text, desc = docs.get(name, ("", ""))
        default = param.default if param.default is not param.empty else defaults.get(name)
        annotation = str(param.annotation) if param.annotation is not param.empty else ""
        hint = f"{annotation} {type_text}".lower()
        kind = _parameter_kind(name, hint, default)
        low, high, low_open, high_open = _range_from_text(f"{type_text} {desc}")
        if kind == "int":
            low = None if low is None else int(np.floor(low)) + (1 if low_open else 0)
            high = None if high is None else int(np.ceil(high)) - (1 if high_open else 0)
        specs.append(ParameterSpec(name, kind, default, low, high, f"{type_text}. {desc}".strip()))
    return specs


def _parameter_kind(name: str, hint: str, default) -> str:
    """Classify a parameter from its annotation/docstring type text (``hint``), then its default."""
    is_str = re.search(r"\bstr\b", hint) is not None or isinstance(default, str)
    is_list = re.search(r"\b(list|sequence|tuple) of str", hint) is not None or (
        isinstance(default, list | tuple) and all(isinstance(v, str) for v in default)
    )
    if re.search(r"\{.+\}", hint):
        return "choice"
    if is_list and "motif" in name.lower():
        return "motifs"
    if is_str and "motif" in name.lower():
        return "motif"
    if re.search(r"\(int, int\)|\bpair\b|\btuple\b", hint) or (
        isinstance(default, list | tuple) and len(default) == 2
    ):
        return "int_pair"
    if re.search(r"\bfloat\b", hint) or isinstance(default, float):
        return "float"
    return "int"


def _motif_length(name: str) -> int:
    from .motifs import get_motif

    try:
        return len(get_motif(name))
    except (KeyError, ValueError, TypeError):
        return 0


# --------------------------------------------------------------------------------------------
# SimulationPicker


class SimulationPicker(_Panel):
    """Choose a simulation, set its parameters with valid-range controls, and simulate.

    Parameters
    ----------
    simulation : str, initial simulation; default ``"simulate_heterodimer_grammar"``.
    seed : int >= 0, initial random seed; default 0.

    Attributes
    ----------
    data : the last ``Data`` made (None before the first successful *Simulate*).
    controls : dict parameter name -> widget, rebuilt when the simulation changes.
    """

    def __init__(self, simulation: str = "simulate_heterodimer_grammar", seed: int = 0):
        from .datasets import get_available_simulations

        names = list(get_available_simulations())
        check_choice("simulation", simulation, names)
        check_int("seed", seed, min_value=0)
        self.data = None
        self.controls: dict[str, w.Widget] = {}
        self.specs: dict[str, ParameterSpec] = {}
        self.simulation = w.Dropdown(options=names, value=simulation, description="Simulation")
        self.simulation.layout.width = "420px"
        self.seed = w.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="Seed")
        self.simulate_button = w.Button(description="Simulate", button_style="primary", icon="play")
        self.info = w.HTML()
        self.error = w.HTML()
        self.summary = w.HTML()
        self.parameter_box = w.VBox()
        self.widget = w.VBox(
            [
                self.simulation,
                self.info,
                self.parameter_box,
                w.HBox([self.seed, self.simulate_button]),
                self.error,
                self.summary,
            ]
        )
        self.simulation.observe(lambda change: self._build_controls(), names="value")
        self.simulate_button.on_click(lambda _button: self.simulate())
        self._build_controls()

    # -- controls ---------------------------------------------------------------------------

    @_reports_errors("build the parameter controls")
    def _build_controls(self) -> None:
        from .datasets import get_simulation_function
        from .motifs import list_motifs

        function = get_simulation_function(self.simulation.value)
        first_line = (inspect.getdoc(function) or "").split("\n\n")[0].replace("\n", " ")
        self.info.value = f"<i>{html.escape(first_line)}</i>"
        self.specs = {spec.name: spec for spec in simulation_parameter_specs(function)}
        motif_names = list_motifs()
        controls: dict[str, w.Widget] = {}
        style = {"description_width": "150px"}
        for spec in self.specs.values():
            tooltip = spec.doc[:300]
            if spec.kind == "choice":
                # a {"a", "b"} docstring type lists the allowed values
                options = re.findall(r"[\"']([^\"']+)[\"']", spec.doc.split(".")[0])
                control = w.Dropdown(
                    options=options, value=spec.default if spec.default in options else options[0]
                )
            elif spec.kind == "motif":
                control = w.Combobox(
                    options=motif_names,
                    value=spec.default or "",
                    ensure_option=True,
                    placeholder="type to search the motif library",
                )
            elif spec.kind == "motifs":
                control = w.TagsInput(
                    value=list(spec.default or ()),
                    allowed_tags=motif_names,
                    allow_duplicates=False,
                )
            elif spec.kind == "float":
                low = 0.0 if spec.low is None else spec.low
                high = 1.0 if spec.high is None else spec.high
                value = float(np.clip(spec.default if spec.default is not None else low, low, high))
                control = w.FloatSlider(value=value, min=low, max=high, step=0.01)
            elif spec.kind == "int_pair":
                low = 0 if spec.low is None else int(spec.low)
                high = MAX_MOTIF_COUNT if spec.high is None else int(spec.high)
                value = tuple(spec.default) if spec.default is not None else (low, low)
                control = w.IntRangeSlider(value=value, min=low, max=high)
            else:
                low = 0 if spec.low is None else int(spec.low)
                high = self._int_cap(spec.name) if spec.high is None else int(spec.high)
                value = int(np.clip(spec.default if spec.default is not None else low, low, high))
                control = w.IntSlider(value=value, min=low, max=high)
                if spec.name.startswith("num_"):
                    control.step = 100 if high >= 1000 else 1
            control.description = spec.name
            control.tooltip = tooltip
            control.style = style
            if isinstance(control, w.Combobox | w.TagsInput):
                control.layout.width = "420px"
            else:
                control.layout.width = "520px"
            controls[spec.name] = control
        self.controls = controls
        self._link_dependent_controls()
        children = []
        for name, control in controls.items():
            if isinstance(control, w.TagsInput):
                # TagsInput draws no description; label it ourselves
                children.append(w.HTML(f"<b>{name}</b> (motif names from the library)"))
            children.append(control)
        self.parameter_box.children = children

    @staticmethod
    def _int_cap(name: str) -> int:
        if name.startswith("num_"):
            return MAX_SEQUENCES
        if name == "seq_length" or name.endswith("size"):
            return MAX_SEQ_LENGTH
        if "count" in name or "num_motifs" in name:
            return MAX_MOTIF_COUNT
        return MAX_SEQ_LENGTH

    def _link_dependent_controls(self) -> None:
        """Make impossible settings unselectable: min <= max, and sizes bounded by seq_length."""
        c = self.controls
        for name in list(c):
            if not name.startswith("min_"):
                continue
            partner = "max_" + name[4:]
            if partner in c:
                self._link_min_max(c[name], c[partner])
        if "seq_length" in c:
            for name in c:
                if name in ("seq_length", "center_size") or self.specs[name].kind in (
                    "motif",
                    "motifs",
                ):
                    c[name].observe(lambda _change: self._apply_length_limits(), names="value")
            self._apply_length_limits()

    @staticmethod
    def _link_min_max(low: w.IntSlider, high: w.IntSlider) -> None:
        def on_low(change):
            if high.value < change["new"]:
                high.value = change["new"]

        def on_high(change):
            if low.value > change["new"]:
                low.value = change["new"]

        low.observe(on_low, names="value")
        high.observe(on_high, names="value")

    def _motif_lengths(self) -> list[int]:
        lengths = []
        for name, control in self.controls.items():
            spec = self.specs[name]
            if spec.kind == "motif":
                lengths.append(_motif_length(control.value))
            elif spec.kind == "motifs":
                lengths.extend(_motif_length(m) for m in control.value)
        return lengths

    def _apply_length_limits(self) -> None:
        c = self.controls
        seq_length = c["seq_length"].value
        single = [_motif_length(c[name].value) for name in c if self.specs[name].kind == "motif"]
        lists = [list(c[name].value) for name in c if self.specs[name].kind == "motifs"]
        longest = max([*single, 1])
        # every sequence must hold its motifs: the pair for the grammar, else the longest
        need = sum(single) if "min_spacing" in c else longest
        c["seq_length"].min = min(max(need, 1), c["seq_length"].max)
        if "min_spacing" in c and "max_spacing" in c:
            # motif1 + gap + motif2 has to fit inside the sequence
            room = max(seq_length - sum(single), 0)
            self._cap("max_spacing", room)
            self._cap("min_spacing", c["max_spacing"].max)
        if "center_size" in c:
            self._cap("center_size", seq_length)
        if "max_motif_counts" in c:
            # the positives' instances must fit side by side inside the central window
            window = c["center_size"].value if "center_size" in c else seq_length
            self._cap("max_motif_counts", window // longest)
            self._cap("min_motif_counts", c["max_motif_counts"].max)
        for name in ("pos_counts", "neg_counts"):
            if name in c:
                self._cap(name, seq_length // longest)
        if "max_num_motifs" in c and lists:
            # each sequence draws distinct motifs, so no more than the smallest set holds
            self._cap("max_num_motifs", min(len(names) for names in lists))
            self._cap("min_num_motifs", c["max_num_motifs"].max)

    def _cap(self, name: str, high: int) -> None:
        control = self.controls[name]
        control.max = max(int(high), control.min)

    def parameters(self) -> dict:
        """The simulation keyword arguments the controls currently describe."""
        values = {}
        for name, control in self.controls.items():
            value = control.value
            if isinstance(control, w.TagsInput):
                value = list(value)
            elif isinstance(control, w.IntRangeSlider):
                value = tuple(int(v) for v in value)
            values[name] = value
        return values

    def set_parameters(self, **values) -> None:
        """Set controls by parameter name (as a user would), e.g. ``set_parameters(num_pos=500)``."""
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise ValueError(
                f"unknown parameters {unknown} for {self.simulation.value}; "
                f"its parameters are {sorted(self.controls)}"
            )
        for name, value in values.items():
            control = self.controls[name]
            if isinstance(control, w.TagsInput | w.IntRangeSlider):
                value = list(value) if isinstance(control, w.TagsInput) else tuple(value)
            control.value = value

    # -- action -----------------------------------------------------------------------------

    @_reports_errors("simulate")
    def simulate(self):
        """Run the simulation with the current settings; returns the ``Data`` (None on error)."""
        from .datasets import get_simulation_data

        params = self.parameters()
        for name, value in params.items():
            if self.specs[name].kind == "motif" and not value:
                raise ValueError(f"{name}: choose a motif name from the list")
            if self.specs[name].kind == "motifs" and not value:
                raise ValueError(f"{name}: add at least one motif name")
        total = self._total_sequences(params)
        test = max(int(round(TEST_FRACTION * total)), 1)
        valid = max(int(round(VALIDATION_FRACTION * total)), 1)
        self.summary.value = "<i>simulating...</i>"
        self.simulate_button.disabled = True
        try:
            data = get_simulation_data(
                self.simulation.value,
                params,
                test_set_size=test,
                validation_set_size=valid,
                seed=int(self.seed.value),
            )
        except Exception:
            self.summary.value = ""
            raise
        finally:
            self.simulate_button.disabled = False
        self.data = data
        self.summary.value = data_summary_html(data)
        return data

    @staticmethod
    def _total_sequences(params: dict) -> int:
        if "num_seqs" in params:
            return int(params["num_seqs"])
        return int(params.get("num_pos", 0)) + int(params.get("num_neg", 0))


def data_summary_html(data, example: int | None = None, width: int = 100) -> str:
    """HTML summary of a ``Data``: split sizes, class balance, one sequence with its motif sites.

    Parameters
    ----------
    data : ``Data`` from ``get_simulation_data``.
    example : index into the training split to show; default the first positive with a motif.
    width : bases per printed line, default 100.
    """
    from .encoding import one_hot_decode

    rows = []
    for split in ("train", "valid", "test"):
        X = getattr(data, f"X_{split}")
        y = np.asarray(getattr(data, f"y_{split}"))
        positives = ", ".join(str(int(v)) for v in y.sum(axis=0))
        rows.append(
            f"<tr><td>{split}</td><td>{X.shape}</td><td>{positives}</td>"
            f"<td>{len(y) - int(y.any(axis=1).sum())}</td></tr>"
        )
    table = (
        "<table><tr><th>split</th><th>X shape (N, L, 4)</th><th>positives per task</th>"
        "<th>no positive label</th></tr>" + "".join(rows) + "</table>"
    )
    y_train = np.asarray(data.y_train)
    embeddings = data.train_embeddings
    if example is None:
        candidates = (
            [i for i in range(len(y_train)) if y_train[i].any() and len(embeddings[i]) > 0]
            or [i for i in range(len(y_train)) if len(embeddings[i]) > 0]
            or [0]
        )
        example = candidates[0]
    sequence = str(one_hot_decode(data.X_train[example : example + 1])[0])
    marked = highlight_sites_html(sequence, embeddings[example], width=width)
    labels = ", ".join(str(int(v)) for v in y_train[example])
    return (
        f"<b>Motifs:</b> {html.escape(', '.join(data.motif_names))}<br>{table}"
        f"<p><b>Training sequence {example}</b> (label {labels}; coloured = embedded motif sites)"
        f"</p>{marked}"
    )


def highlight_sites_html(sequence: str, embeddings, width: int = 100) -> str:
    """A DNA sequence as monospace HTML with each embedded motif site on a coloured background.

    Parameters
    ----------
    sequence : str of length L.
    embeddings : list of ``Embedding(name, start, strand, sequence)`` (0-based start).
    width : bases per line, default 100.
    """
    colour_of: dict[str, str] = {}
    owner = [None] * len(sequence)
    for embedding in embeddings:
        colour = colour_of.setdefault(
            embedding.name, SITE_COLOURS[len(colour_of) % len(SITE_COLOURS)]
        )
        for i in range(
            embedding.start, min(embedding.start + len(embedding.sequence), len(sequence))
        ):
            owner[i] = colour
    lines = []
    for start in range(0, len(sequence), width):
        chunk = []
        i, end = start, min(start + width, len(sequence))
        while i < end:  # one span per run of bases with the same colour
            j = i
            while j < end and owner[j] == owner[i]:
                j += 1
            bases = html.escape(sequence[i:j])
            chunk.append(
                f"<span style='background:{owner[i]}'>{bases}</span>" if owner[i] else bases
            )
            i = j
        lines.append(f"{start + 1:>6} " + "".join(chunk))
    legend = " ".join(
        f"<span style='background:{c};padding:0 4px'>{html.escape(n)}</span>"
        for n, c in colour_of.items()
    )
    sites = "; ".join(
        f"{html.escape(e.name)} at {e.start + 1} ({html.escape(str(e.strand))})" for e in embeddings
    )
    return (
        f"<div>{legend} {sites}</div>"
        "<pre style='font-size:11px;line-height:1.25'>" + "\n".join(lines) + "</pre>"
    )


# --------------------------------------------------------------------------------------------
# where panels get their data and model from


def _resolve_data(source):
    """A ``Data`` from a Data, or from a SimulationPicker's last simulation."""
    data = getattr(source, "data", source) if isinstance(source, SimulationPicker) else source
    if data is None:
        raise ValueError("there is no data yet: choose a simulation and click Simulate first")
    if not hasattr(data, "X_train"):
        raise TypeError(
            f"data must be a Data (from get_simulation_data) or a SimulationPicker, got "
            f"{type(data).__name__}"
        )
    return data


def _resolve_model(source):
    """A SequenceDNN from a SequenceDNN, a ModelBuilder or a Trainer."""
    dnn = getattr(source, "dnn", source) if isinstance(source, ModelBuilder | Trainer) else source
    if dnn is None:
        raise ValueError("there is no model yet: set the architecture and click Build first")
    if not hasattr(dnn, "model"):
        raise TypeError(
            f"model must be a SequenceDNN, a ModelBuilder or a Trainer, got {type(dnn).__name__}"
        )
    return dnn


# --------------------------------------------------------------------------------------------
# ModelBuilder


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
            isinstance(data, int | SimulationPicker) or hasattr(data, "X_train")
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
            value=False,
            description="Architecture",
            style=style,
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
        self.summary = w.HTML()
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
        self._apply_limits()

    def _seq_length(self) -> int | None:
        if isinstance(self.source, int):
            return self.source
        data = self.source.data if isinstance(self.source, SimulationPicker) else self.source
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
        from .models import SequenceDNN

        self._apply_limits()
        params = self.parameters()
        data = None if isinstance(self.source, int) else _resolve_data(self.source)
        if data is not None:
            params["num_tasks"] = int(np.asarray(data.y_train).shape[1])
        self.dnn = SequenceDNN(**params)
        self.summary.value = model_summary_html(self.dnn)
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


# --------------------------------------------------------------------------------------------
# Trainer


def learning_curve_png(train_losses, valid_losses, title: str = "") -> bytes:
    """PNG of training (blue) and validation (red) loss per epoch, best validation epoch dashed."""
    figure = _new_figure(7, 3)
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
        f"<th>{html.escape(name)}{'' if first.num_tasks == 1 else f' task {t}'}</th>"
        for name in names
        for t in range(first.num_tasks)
    )
    rows = []
    for metric in first.keys():
        cells = []
        for name in names:
            for value in results[name][metric]:
                text = f"{int(value)}" if metric.startswith("Num") else f"{value:.3f}"
                cells.append(f"<td>{text}</td>")
        rows.append(f"<tr><td>{html.escape(metric)}</td>{''.join(cells)}</tr>")
    return f"<table><tr><th>metric</th>{header}</tr>{''.join(rows)}</table>"


class Trainer(_Panel):
    """Train a model with *Train* and *Stop* buttons and a learning curve redrawn every epoch.

    Parameters
    ----------
    model : a SequenceDNN or a :class:`ModelBuilder` (its last built model is trained).
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
        from .models import DEFAULT_BATCH_SIZE, DEFAULT_LEARNING_RATE, DEFAULT_PATIENCE

        # start from SequenceDNN.train's recipe; small data sets learn faster with smaller batches
        self.max_epochs = w.IntSlider(
            value=100, min=1, max=300, description="max epochs", style=style
        )
        self.patience = w.IntSlider(
            value=DEFAULT_PATIENCE,
            min=1,
            max=20,
            description="patience",
            style=style,
            tooltip="stop after this many epochs without a lower validation loss",
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
        self.status = w.HTML("Press Train to fit the model (early stopping on validation loss).")
        self.error = w.HTML()
        self.curve = w.Image(format="png")
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
        dnn = _resolve_model(self.model_source)
        data = _resolve_data(self.data_source)
        self.dnn = dnn
        self._stop.clear()
        self.train_losses, self.valid_losses, self.results = [], [], {}
        self.metrics.value = ""
        self.curve.value = b""
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
        self.curve.value = learning_curve_png(self.train_losses, self.valid_losses)
        self.results = {
            "validation": dnn.test(data.X_valid, data.y_valid),
            "test": dnn.test(data.X_test, data.y_test),
        }
        self.status.value = (
            f"finished after {len(self.valid_losses)} epochs{stopped}; kept the weights of "
            f"epoch {dnn.best_epoch} (lowest validation loss)."
        )
        self.metrics.value = metrics_table_html(self.results)
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
                trainer.curve.value = learning_curve_png(trainer.train_losses, trainer.valid_losses)
                trainer.status.value = (
                    f"epoch {epoch}: training loss {trainer.train_losses[-1]:.3f}, "
                    f"validation loss {trainer.valid_losses[-1]:.3f}"
                )
                if trainer._stop.is_set():
                    self.model.stop_training = True

        return LiveCurve()


# --------------------------------------------------------------------------------------------
# InterpretationExplorer

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
        from .ism import in_silico_mutagenesis

        scores = in_silico_mutagenesis(dnn, x, output="logit", task=task, progress=False)[0, 0]
        return (-scores.sum(axis=-1) / 3.0).astype(np.float32)
    from .attribution import deeplift, gradient_times_input

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
    figure = _new_figure(10 if view == "track" else max(6, (end - start) / 8), 3)
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
        self.image = w.Image(format="png")
        self.widget = w.VBox(
            [
                w.HBox([self.split, self.task]),
                self.index,
                w.HBox([self.method, self.view]),
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
        self.refresh()

    @_reports_errors("read the data")
    def refresh(self) -> None:
        """Re-read the data (after a new simulation): index range, tasks, window."""
        data = _resolve_data(self.data_source)
        X = getattr(data, f"X_{self.split.value}")
        self.index.max = max(len(X) - 1, 0)
        num_tasks = np.asarray(data.y_train).shape[1]
        names = data.motif_names if len(data.motif_names) == num_tasks > 1 else None
        self.task.options = [(names[t] if names else str(t), t) for t in range(num_tasks)]
        self.window.max = X.shape[1]
        self._default_window()

    def _default_window(self) -> None:
        """Whole sequence for a track; for a logo, 60 bp around the first true site."""
        data = self.data_source if not isinstance(self.data_source, SimulationPicker) else None
        data = data or getattr(self.data_source, "data", None)
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
        dnn = _resolve_model(self.model_source)
        data = _resolve_data(self.data_source)
        X = getattr(data, f"X_{self.split.value}")
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
        self.image.value = attribution_png(
            self.track, x, sites, self.view.value, (start, end), title
        )
        site_text = "; ".join(f"{e.name} at {e.start} ({e.strand})" for e in sites) or "none"
        self.info.value = (
            f"label <b>{int(y[i, task])}</b>, predicted probability <b>{probability:.3f}</b>; "
            f"true sites: {html.escape(site_text)}"
        )
        return self.track
