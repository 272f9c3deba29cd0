"""The simulation panel: choose a simulation, set its parameters with valid-range controls
(built from the function's signature and NumPy-style docstring), simulate, see one sequence with
its motif sites marked."""

from __future__ import annotations

import html
import inspect
import re
from dataclasses import dataclass

import ipywidgets as w
import numpy as np

from .._validation import check_choice, check_int
from ._panel import SITE_COLOURS, _Panel, _reports_errors

# The 2016 workshop's settings (spec section 2.8); they win over the functions' own defaults.
# With 2,000 sequences per class (not 2016's 10,000) some lengths are shorter, so that each
# default path (Simulate, Build, Train, Explain) learns: the figures are test auROC of the
# panels' defaults (shallow CNN, SequenceDNN.train's recipe, seed 0) on a 2-core machine, as
# ``bench/explore_default_path.py --simulation NAME [-p seq_length=N]`` printed them (its
# docstring records the runs).
# Sequence counts are smaller than the workshop's 10,000 per class so that a click answers in seconds.
WORKSHOP_DEFAULTS: dict[str, dict] = {
    "simulate_single_motif_detection": {
        "motif_name": "TAL1_known4",
        "seq_length": 100,  # 1000 and 200 bp: near chance (0.506, 0.558); 100 bp: 0.873
        "num_pos": 2000,
        "num_neg": 2000,
        "GC_fraction": 0.4,
    },
    "simulate_motif_counting": {
        "motif_name": "TAL1_known4",
        "seq_length": 300,  # 1000 bp: chance (test auROC 0.498); 300 bp: 0.919
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
        "seq_length": 200,  # 500 bp: chance on every task (0.54-0.52); 200 bp: 0.96, 0.96, 0.68
        "min_num_motifs": 0,
        "max_num_motifs": 3,
        "num_seqs": 4000,
        "GC_fraction": 0.4,
    },
    "simulate_differential_accessibility": {
        "pos_motif_names": ("CTCF_known1",),
        "neg_motif_names": ("SIX5_known1", "ZNF143_known2"),
        "seq_length": 200,  # 500 bp: chance (test auROC 0.495); 200 bp: 0.857
        "min_num_motifs": 1,
        "max_num_motifs": 1,
        "num_pos": 2000,
        "num_neg": 2000,
        "GC_fraction": 0.4,
    },
    "simulate_heterodimer_grammar": {
        "motif1": "SPI1_known4",
        "motif2": "IRF_known20",
        # 2016 used 500 bp with 10,000 per class; with 2,000 per class the shallow model learns
        # the spacing rule from 200 bp (test auROC 0.977, seed 0; the strands alone 0.876) and
        # not from 500 bp (0.735, below the strands alone): bench/explore_default_path.py
        "seq_length": 200,
        "min_spacing": 2,
        "max_spacing": 5,
        "num_pos": 2000,
        "num_neg": 2000,
        "GC_fraction": 0.4,
        # the June 2016 engine's orientation (positives' pair on the + strand), as in the
        # tutorial: learnable from 2,000 per class; "independent" is the harder exercise
        "pair_orientation": "forward",
    },
}

# Upper ends of sliders whose docstring gives no maximum: what a browser session handles quickly.
MAX_SEQUENCES = 20000
MAX_SEQ_LENGTH = 2000
MAX_MOTIF_COUNT = 20
# Held-out fractions of the 2016 split (4,000 test and 3,200 validation of 20,000 sequences).
TEST_FRACTION = 0.2
VALIDATION_FRACTION = 0.16
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
    the docstring; defaults from the 2016 workshop settings (``WORKSHOP_DEFAULTS``), else from
    the signature.
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
        default = defaults.get(name, None if param.default is param.empty else param.default)
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
    from ..motifs import get_motif

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
        from ..datasets import get_available_simulations

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
        from ..datasets import get_simulation_function
        from ..motifs import list_motifs

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
        from ..datasets import get_simulation_data

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
        self._changed("data")
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
    from ..encoding import one_hot_decode

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
