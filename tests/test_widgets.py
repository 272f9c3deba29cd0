"""The ipywidgets panels, driven from Python: set values, click buttons, check what they make."""

from __future__ import annotations

import inspect

import ipywidgets as w
import numpy as np
import pytest

from tutorial_utils import (
    get_available_simulations,
    get_motif,
    get_simulation_function,
    list_motifs,
)
from tutorial_utils.widgets import (
    InterpretationExplorer,
    ModelBuilder,
    SimulationPicker,
    Trainer,
    parse_parameter_docs,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def single_motif_picker():
    """A picker that has simulated a small single-motif data set (TAL1 in 100 bp)."""
    picker = SimulationPicker("simulate_single_motif_detection", seed=1)
    picker.set_parameters(seq_length=100, num_pos=1000, num_neg=1000)
    picker.simulate_button.click()
    assert picker.error.value == ""
    return picker


@pytest.fixture(scope="module")
def trained(single_motif_picker):
    """A shallow model built and trained through the ModelBuilder and Trainer panels."""
    builder = ModelBuilder(single_motif_picker, seed=0)
    builder.num_filters.value = 10
    builder.conv_width.value = 10
    builder.pool_width.value = 91  # global max pooling: "is the motif anywhere?"
    builder.build_button.click()
    assert builder.error.value == ""
    trainer = Trainer(builder, single_motif_picker)
    # small data learns in few epochs only with small batches and a larger step
    trainer.max_epochs.value = 12
    trainer.batch_size.value = 32
    trainer.learning_rate.value = 1e-2
    result = trainer.train(blocking=True)
    assert trainer.error.value == "", trainer.error.value
    return builder, trainer, result


# ---------------------------------------------------------------------------------------------
# SimulationPicker


@pytest.mark.parametrize("name", get_available_simulations())
def test_picker_builds_one_control_per_simulation_parameter(name):
    picker = SimulationPicker(name)
    expected = [
        p for p in inspect.signature(get_simulation_function(name)).parameters if p != "seed"
    ]
    assert list(picker.controls) == expected
    assert picker.error.value == ""
    for param, control in picker.controls.items():
        if param.startswith("motif") and param != "motif_names" or param == "motif_name":
            assert isinstance(control, w.Combobox)
            assert control.ensure_option and "TAL1_known4" in control.options
        if param == "GC_fraction":
            assert isinstance(control, w.FloatSlider)
            assert (control.min, control.max) == (0.0, 1.0)


def test_explore_text_counts_the_simulations():
    """explore.ipynb: "choose one of the six simulations" - the picker's list."""
    import re
    from pathlib import Path

    import nbformat

    notebook = Path(__file__).resolve().parents[1] / "notebooks/explore.ipynb"
    text = " ".join(c.source for c in nbformat.read(notebook, as_version=4).cells)
    words = {"four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
    stated = re.search(r"choose one of the (\w+) simulations", text)
    assert stated and words[stated[1]] == len(SimulationPicker().simulation.options)


def test_picker_reads_ranges_from_the_docstring():
    docs = parse_parameter_docs(get_simulation_function("simulate_heterodimer_grammar").__doc__)
    assert docs["GC_fraction"][0] == "float in [0, 1]"
    picker = SimulationPicker("simulate_heterodimer_grammar")
    assert picker.controls["num_pos"].min == 0
    assert picker.controls["min_spacing"].min == 0


def test_motif_lists_only_accept_library_names():
    picker = SimulationPicker("simulate_multi_motif_embedding")
    control = picker.controls["motif_names"]
    assert isinstance(control, w.TagsInput)
    assert control.allowed_tags == list_motifs()


def test_min_and_max_sliders_cannot_cross():
    picker = SimulationPicker("simulate_heterodimer_grammar")
    c = picker.controls
    c["min_spacing"].value = 8
    assert c["max_spacing"].value == 8  # max follows min up
    c["max_spacing"].value = 3
    assert c["min_spacing"].value == 3  # min follows max down


def test_spacing_is_limited_by_sequence_length():
    picker = SimulationPicker("simulate_heterodimer_grammar")
    c = picker.controls
    motif_bp = len(get_motif("SPI1_known4")) + len(get_motif("IRF_known20"))
    c["seq_length"].value = motif_bp + 10
    assert c["max_spacing"].max == 10
    assert c["seq_length"].min == motif_bp  # both motifs must fit
    c["max_spacing"].value = 50
    assert c["max_spacing"].value == 10  # clamped: an impossible spacing cannot be chosen


def test_density_counts_are_limited_by_the_central_window():
    picker = SimulationPicker("simulate_motif_density_localization")
    c = picker.controls
    c["center_size"].value = 40
    assert c["max_motif_counts"].max == 40 // len(get_motif("TAL1_known4"))
    c["seq_length"].value = 100
    assert c["center_size"].max == 100


def test_simulate_button_makes_data_and_marks_motif_sites(single_motif_picker):
    data = single_motif_picker.data
    assert data.X_train.shape[1:] == (100, 4)
    assert len(data.X_train) + len(data.X_valid) + len(data.X_test) == 2000
    assert data.motif_names == ["TAL1_known4"]
    summary = single_motif_picker.summary.value
    assert "TAL1_known4 at" in summary and "background:" in summary
    assert "(1280, 100, 4)" in summary  # the training split's shape is reported


def test_picker_reports_bad_settings_in_words():
    picker = SimulationPicker("simulate_multi_motif_embedding")
    picker.set_parameters(motif_names=[])
    picker.simulate_button.click()  # must not raise
    assert picker.data is None
    assert "Could not simulate" in picker.error.value
    assert "motif_names" in picker.error.value
    assert "Traceback" not in picker.error.value

    picker = SimulationPicker("simulate_single_motif_detection")
    picker.set_parameters(num_pos=0, num_neg=0)
    assert picker.simulate() is None
    assert "Could not simulate" in picker.error.value


def test_set_parameters_rejects_unknown_names():
    picker = SimulationPicker()
    with pytest.raises(ValueError, match="unknown parameters"):
        picker.set_parameters(motif3="X")


def test_picker_rejects_unknown_simulation():
    with pytest.raises(ValueError, match="simulation must be one of"):
        SimulationPicker("simulate_nothing")


# ---------------------------------------------------------------------------------------------
# ModelBuilder


def test_builder_limits_widths_to_the_sequence():
    builder = ModelBuilder(100)
    builder.conv_width.value = 60
    assert builder.pool_width.max == 100 - 59
    assert builder.deep_box.layout.display == "none"
    builder.architecture.value = True
    assert builder.deep_box.layout.display is None
    builder.conv_width_2.value = 30  # too wide: 60 + 15 (3rd) + 30 leave no position to pool
    assert builder.conv_width_2.value == 100 - 59 - 14
    assert builder.pool_width.max == 1
    builder.conv_width_2.value = 20
    assert builder.conv_width_3.max == 100 - 59 - 19
    assert builder.pool_width.max == 100 - 59 - 19 - 14


def test_builder_builds_the_chosen_architecture():
    builder = ModelBuilder(300)
    builder.architecture.value = True
    builder.conv_width.value = 11
    builder.num_filters_2.value = 7
    builder.pool_width.value = 20
    builder.build_button.click()
    assert builder.error.value == ""
    layers = {layer.name: layer for layer in builder.dnn.model.layers}
    assert layers["conv_1"].kernel.shape == (11, 4, 15)
    assert layers["conv_2"].kernel.shape == (15, 15, 7)
    assert "conv_3" in layers and "total parameters" in builder.summary.value


def test_builder_without_data_says_so():
    picker = SimulationPicker()
    builder = ModelBuilder(picker)
    assert builder.build() is None
    assert "simulate" in builder.error.value.lower()


def test_builder_rejects_bad_arguments():
    with pytest.raises(TypeError, match="data must be"):
        ModelBuilder("500")
    with pytest.raises(ValueError, match="sequence length"):
        ModelBuilder(0)


# ---------------------------------------------------------------------------------------------
# Trainer


@pytest.mark.slow  # ~20 s of training on this 2-core machine
def test_trainer_learns_and_shows_curve_and_metrics(trained):
    builder, trainer, result = trained
    assert result["auROC"][0] > 0.85  # a motif in 100 bp is easy: well above chance (0.5)
    assert trainer.results["test"]["auROC"][0] > 0.85
    epochs = len(builder.dnn.valid_losses)
    assert epochs >= 2 and trainer.valid_losses == builder.dnn.valid_losses
    assert bytes(trainer.curve.value).startswith(PNG_MAGIC)
    assert "auROC" in trainer.metrics.value and "test" in trainer.metrics.value
    assert f"after {epochs} epochs" in trainer.status.value
    assert not trainer.train_button.disabled and trainer.stop_button.disabled


def test_stop_button_ends_a_background_run(single_motif_picker):
    builder = ModelBuilder(single_motif_picker, seed=0)
    builder.build()
    trainer = Trainer(builder, single_motif_picker)
    trainer.train_button.click()  # starts a thread, returns at once
    assert trainer.running and not trainer.stop_button.disabled
    trainer.stop_button.click()
    trainer.wait(timeout=120)
    assert not trainer.running
    assert trainer.error.value == ""
    assert "stopped by the user" in trainer.status.value
    assert len(builder.dnn.valid_losses) <= 2  # stopped during the first epoch or right after


def test_patience_tooltip_says_what_training_does_with_it(stopping_rules, single_motif_picker):
    """The patience slider's help text states the stopping rule that the panel's training
    builds (recorded from ``recipe.StoppingRule``) and the learning-rate cut of
    ``SequenceDNN.train``: a change of either the panel's call or the text fails here."""
    import inspect

    from tutorial_utils import SequenceDNN

    builder = ModelBuilder(single_motif_picker, seed=0)
    builder.build()
    trainer = Trainer(builder, single_motif_picker)
    trainer.max_epochs.value = 1
    trainer.train(blocking=True)
    assert trainer.error.value == "", trainer.error.value
    (rule,) = stopping_rules
    assert rule.patience == trainer.patience.value
    factor = inspect.signature(SequenceDNN.train).parameters["reduce_lr_factor"].default
    tooltip = trainer.patience.tooltip
    for phrase in (
        "this many epochs in which the validation loss did not fall by more than "
        f"{rule.min_delta:g} and {rule.significance:g} standard errors",
        f"cuts the learning rate x{factor:g}",
        f"training stops when {rule.reduce_lr_patience} epoch(s) after a cut",
    ):
        assert phrase in tooltip, (phrase, tooltip)


def test_trainer_redraws_the_curve_after_every_epoch(single_motif_picker):
    """explore.ipynb: *Train* "redraws the learning curve after every epoch": a new picture per
    finished epoch while training (the final redraw from the model's record is the same
    picture as the last epoch's, so it changes nothing)."""
    builder = ModelBuilder(single_motif_picker, seed=0)
    builder.build()
    trainer = Trainer(builder, single_motif_picker)
    trainer.max_epochs.value = 2
    drawn = []
    trainer.curve.observe(lambda change: drawn.append(len(change["new"]) > 0), names="value")
    trainer.train(blocking=True)
    assert trainer.error.value == "", trainer.error.value
    assert len(builder.dnn.valid_losses) == 2
    assert drawn.count(True) == 2, drawn  # without the per-epoch redraw: 1


def test_trainer_without_model_says_so(single_motif_picker):
    trainer = Trainer(ModelBuilder(single_motif_picker), single_motif_picker)
    assert trainer.train() is None
    assert "no model yet" in trainer.error.value


# ---------------------------------------------------------------------------------------------
# InterpretationExplorer


@pytest.mark.slow
@pytest.mark.parametrize("method", ["ISM", "DeepLIFT", "gradient × input"])
def test_explorer_highlights_the_true_motif(trained, single_motif_picker, method):
    builder, _, _ = trained
    data = single_motif_picker.data
    explorer = InterpretationExplorer(builder, single_motif_picker)
    positive = int(np.flatnonzero(data.y_test[:, 0])[0])
    explorer.index.value = positive
    explorer.method.value = method
    explorer.explain_button.click()
    assert explorer.error.value == ""
    track = explorer.track
    assert track.shape == (100,)
    site = data.test_embeddings[positive][0]
    inside = np.abs(track[site.start : site.start + len(site.sequence)]).mean()
    outside = np.abs(np.delete(track, np.arange(site.start, site.start + len(site.sequence))))
    assert inside > 3 * outside.mean()  # the model's importance sits on the planted motif
    assert bytes(explorer.image.value).startswith(PNG_MAGIC)
    assert "TAL1_known4" in explorer.info.value


@pytest.mark.slow
def test_explorer_logo_view_zooms_on_the_site(trained, single_motif_picker):
    builder, _, _ = trained
    explorer = InterpretationExplorer(builder, single_motif_picker)
    data = single_motif_picker.data
    positive = int(np.flatnonzero(data.y_test[:, 0])[0])
    explorer.index.value = positive
    explorer.view.value = "logo"
    start, end = explorer.window.value
    site = data.test_embeddings[positive][0]
    assert end - start == 60 and start <= site.start < end
    explorer.explain()
    assert explorer.error.value == "" and bytes(explorer.image.value).startswith(PNG_MAGIC)


def test_explorer_reports_missing_model_in_words(single_motif_picker):
    explorer = InterpretationExplorer(ModelBuilder(single_motif_picker), single_motif_picker)
    explorer.explain_button.click()
    assert "Could not explain" in explorer.error.value and "no model yet" in explorer.error.value


# ---------------------------------------------------------------------------------------------
# Panels follow each other (what a learner clicking through explore.ipynb relies on)


def test_panels_wait_quietly_for_data_then_follow_each_new_simulation():
    picker = SimulationPicker("simulate_single_motif_detection", seed=2)
    builder = ModelBuilder(picker)
    trainer = Trainer(builder, picker)
    explorer = InterpretationExplorer(trainer, picker)
    # before anything is clicked: hints, no red errors, no empty (broken) images
    assert explorer.error.value == "" and "Simulate" in explorer.info.value
    assert trainer.curve.layout.display == "none" and explorer.image.layout.display == "none"

    picker.set_parameters(seq_length=120, num_pos=100, num_neg=100)
    picker.simulate()
    assert explorer.window.max == 120 and explorer.window.value == (0, 120)
    assert explorer.index.max == len(picker.data.X_test) - 1
    assert picker.data.y_test[explorer.index.value, 0] == 1  # the first positive is selected
    assert builder.pool_width.max == 120 - (builder.conv_width.value - 1)
    builder.build()
    assert "New model" in trainer.status.value and "model changed" in explorer.info.value

    picker.set_parameters(seq_length=150)
    picker.simulate()  # a model for 120 bp cannot read 150 bp: the builder says so
    assert builder.dnn is None and "click Build" in builder.summary.value
    assert explorer.window.max == 150
    assert trainer.train() is None and "no model yet" in trainer.error.value


def test_explaining_a_model_built_for_other_sequences_says_what_to_do():
    picker = SimulationPicker("simulate_single_motif_detection", seed=3)
    picker.set_parameters(seq_length=120, num_pos=50, num_neg=50)
    picker.simulate()
    model = ModelBuilder(picker).build()
    other = SimulationPicker("simulate_single_motif_detection", seed=3)
    other.set_parameters(seq_length=160, num_pos=50, num_neg=50)
    other.simulate()
    explorer = InterpretationExplorer(model, other)
    assert explorer.explain() is None
    assert "built for 120 bp" in explorer.error.value and "Build" in explorer.error.value


def test_the_default_heterodimer_is_the_learnable_one():
    picker = SimulationPicker()
    params = picker.parameters()
    assert params["pair_orientation"] == "forward" and params["seq_length"] == 200
    # explore.ipynb: "2,000 sequences per class of 200 bp", "NUM_SEQS = 2000 # the panels' starting
    # value"; its default path's figures are bench/explore_default_path.py's
    assert params["num_pos"] == params["num_neg"] == 2000


def test_metrics_table_spaces_its_columns():
    """Each header and cell has room around it, so "Balanced Accuracy" and the model names do
    not run into each other in the explore notebook's table."""
    import re

    from tutorial_utils.metrics import ClassificationResult
    from tutorial_utils.widgets import metrics_table_html

    labels = np.array([[1], [0], [1], [0]], dtype=bool)
    result = ClassificationResult(labels, np.array([[0.9], [0.2], [0.6], [0.4]]))
    table = metrics_table_html({"shallow CNN": result, "deep CNN": result})
    cells = re.findall(r"<t[hd]( style='[^']*')?>", table)
    assert cells and all("padding" in style for style in cells), table[:300]
