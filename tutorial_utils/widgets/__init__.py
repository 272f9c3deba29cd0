"""ipywidgets controls for exploring the workshop without writing code.

Four panels, each an object with a ``.widget`` (display it, or display the object itself) and
methods that do what its buttons do, so they can be driven from Python as well as by clicking:

* :class:`SimulationPicker` (``simulation``) - choose a simulation; its parameters appear as
  controls built from the simulation function's signature and NumPy-style docstring; *Simulate*
  makes a :class:`~tutorial_utils.datasets.Data` and shows one sequence with its motif sites marked.
* :class:`ModelBuilder` (``model``) - a shallow or deep ``SequenceDNN`` from sliders.
* :class:`Trainer` (``training``) - *Train* / *Stop*, a learning curve redrawn every epoch, the
  metrics at the end and whether the model learnt.
* :class:`InterpretationExplorer` (``interpretation``) - ISM, DeepLIFT or gradient x input for one
  sequence, as a score track or a logo, with the true motif sites shaded.

Each panel follows the ones it reads from: new data re-sizes the model sliders, resets the trainer
and re-reads the explorer's sequences; a new model resets the trainer and clears the explorer's
picture. Errors raised by the package (bad parameter combinations, an untrained model, ...) are
shown in the panel as a sentence; they never escape as a traceback into the notebook.
"""

from ._panel import figure_to_png
from .interpretation import METHODS, InterpretationExplorer, attribution_png, attribution_track
from .model import ModelBuilder, model_summary_html
from .simulation import (
    MAX_MOTIF_COUNT,
    MAX_SEQ_LENGTH,
    MAX_SEQUENCES,
    TEST_FRACTION,
    VALIDATION_FRACTION,
    WORKSHOP_DEFAULTS,
    ParameterSpec,
    SimulationPicker,
    data_summary_html,
    highlight_sites_html,
    parse_parameter_docs,
    simulation_parameter_specs,
)
from .training import Trainer, learning_curve_png, metrics_table_html, verdict_html

__all__ = [
    "InterpretationExplorer",
    "METHODS",
    "MAX_MOTIF_COUNT",
    "MAX_SEQUENCES",
    "MAX_SEQ_LENGTH",
    "ModelBuilder",
    "ParameterSpec",
    "SimulationPicker",
    "TEST_FRACTION",
    "Trainer",
    "VALIDATION_FRACTION",
    "WORKSHOP_DEFAULTS",
    "attribution_png",
    "attribution_track",
    "data_summary_html",
    "figure_to_png",
    "highlight_sites_html",
    "learning_curve_png",
    "metrics_table_html",
    "model_summary_html",
    "parse_parameter_docs",
    "simulation_parameter_specs",
    "verdict_html",
]
