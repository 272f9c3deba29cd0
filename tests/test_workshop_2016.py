"""The June 2016 workshop notebook's code cells run here, as a 2016 learner typed them.

The cells of dragonn 74e857a ``examples/workshop_tutorial.ipynb`` (described cell by cell in
``../shared/reference/dragonn-2016-spec.md`` section 7.1), in order, in one namespace, with two
changes: the import path (``dragonn.tutorial_utils`` -> ``tutorial_utils``) and, so that a test can
run them, data sizes cut tenfold (10,000 -> 1,000 sequences per class, and the split's 4,000 /
3,200 -> 400 / 320). That the unchanged sizes reach the workshop's result on every seed is
measured by ``bench/workshop_2016.py`` (10 of 10 seeds, test auROC >= 0.98).
"""

from __future__ import annotations

import ast
import contextlib
import io
import re

import numpy as np
import pytest

IMPORT_2016 = "from dragonn.tutorial_utils import"

# (cell number in the June 2016 notebook, its source)
JUNE_2016_CELLS = [
    (
        1,
        "from dragonn.tutorial_utils import get_available_simulations, "
        "print_available_simulations, print_simulation_info, get_simulation_data, "
        "inspect_SequenceDNN, get_SequenceDNN, train_SequenceDNN, SequenceDNN_learning_curve, "
        "test_SequenceDNN, interpret_SequenceDNN_distributed, interpret_SequenceDNN_integrative",
    ),
    (3, "print_available_simulations()"),
    (5, 'print_simulation_info("simulate_heterodimer_grammar")'),
    (
        7,
        "heterodimer_grammar_simulation_parameters = {\n"
        '    "motif1": "SPI1_known4", "motif2": "IRF_known20", "seq_length": 500,\n'
        '    "min_spacing": 2, "max_spacing": 5, "num_pos": 10000, "num_neg": 10000,\n'
        '    "GC_fraction": 0.4}',
    ),
    (
        9,
        "simulation_data = get_simulation_data("
        '"simulate_heterodimer_grammar", heterodimer_grammar_simulation_parameters)',
    ),
    (11, "simulation_data.X_train[0, :, :, :10]"),
    (16, "inspect_SequenceDNN()"),
    (
        17,
        "deep_cnn_parameters = {\n"
        '    "seq_length": 500, "use_deep_CNN": True, "num_filters": 15, "conv_width": 15,\n'
        '    "num_filters_2": 15, "conv_width_2": 15, "num_filters_3": 15, "conv_width_3": 15,\n'
        '    "pool_width": 35}',
    ),
    (19, "deep_cnn_model = get_SequenceDNN(deep_cnn_parameters)"),
    (21, "train_SequenceDNN(deep_cnn_model, simulation_data)"),
    (23, "SequenceDNN_learning_curve(deep_cnn_model)"),
    (25, "test_SequenceDNN(deep_cnn_model, simulation_data)"),
    (28, "interpret_SequenceDNN_distributed(deep_cnn_model, simulation_data)"),
    (31, "interpret_SequenceDNN_integrative(deep_cnn_model, simulation_data)"),
    (
        34,
        "single_motif_detection_simulation_parameters = {\n"
        '    "motif_name": "TAL1_known4", "seq_length": 1000, "num_pos": 10000,\n'
        '    "num_neg": 10000, "GC_fraction": 0.4}\n'
        "density_localization_simulation_parameters = {\n"
        '    "motif_name": "TAL1_known4", "seq_length": 1000, "center_size": 150,\n'
        '    "min_motif_counts": 2, "max_motif_counts": 4, "num_pos": 10000,\n'
        '    "num_neg": 10000, "GC_fraction": 0.4}\n'
        "single_motif_detection_simulation_data = get_simulation_data(\n"
        '    "simulate_single_motif_detection", single_motif_detection_simulation_parameters)\n'
        "density_localization_simulation_data = get_simulation_data(\n"
        '    "simulate_motif_density_localization", density_localization_simulation_parameters)',
    ),
    (35, "new_deep_cnn_model = get_SequenceDNN(deep_cnn_parameters)"),
]


def as_run_here(source: str) -> str:
    """The two changes: the import path, and the data sizes cut tenfold (each must apply)."""
    changed = source.replace(IMPORT_2016, "from tutorial_utils import")
    changed = changed.replace('"num_pos": 10000', '"num_pos": 1000')
    changed = changed.replace('"num_neg": 10000', '"num_neg": 1000')
    changed = re.sub(
        r"get_simulation_data\(\s*(\"simulate_\w+\", \w+)\)",
        r"get_simulation_data(\1, test_set_size=400, validation_set_size=320)",
        changed,
    )
    return changed


def run_cell(code: str, number: int, namespace: dict):
    """Run a cell as Jupyter does: statements, then the value of a final expression (returned)."""
    tree = ast.parse(code)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, f"<cell {number}>", "exec"), namespace)
    if last is not None:
        return eval(compile(ast.Expression(last.value), f"<cell {number}>", "eval"), namespace)
    return None


def test_only_the_import_path_and_the_sizes_change():
    changed = {n: as_run_here(source) for n, source in JUNE_2016_CELLS}
    assert "dragonn" not in "".join(changed.values())
    assert "10000" not in "".join(changed.values())
    assert changed[9].endswith("test_set_size=400, validation_set_size=320)")
    assert changed[34].count("test_set_size=400, validation_set_size=320") == 2
    unchanged = [n for n, source in JUNE_2016_CELLS if as_run_here(source) == source]
    assert unchanged == [3, 5, 11, 16, 17, 19, 21, 23, 25, 28, 31, 35]


@pytest.mark.notebook
def test_the_june_2016_notebook_cells_run_in_order():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namespace: dict = {}
    printed: dict[int, str] = {}
    results: dict[int, object] = {}
    for number, source in JUNE_2016_CELLS:
        code = as_run_here(source)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            results[number] = run_cell(code, number, namespace)
        printed[number] = out.getvalue()
    plt.close("all")

    assert "simulate_heterodimer_grammar" in printed[3]
    assert "min_spacing" in printed[5]
    assert "pair_orientation='forward', the June 2016 workshop's data" in printed[9]
    # cell 11: 2016's (1, 4, 10) matrix, rows A, C, G, T, columns the sequence's first bases
    X = namespace["simulation_data"].X_train
    assert results[11].shape == (1, 4, 10)
    assert np.array_equal(results[11][0], np.asarray(X)[0, :10].T)
    assert "Available methods:" in printed[16]
    assert "Epoch 0: validation loss:" in printed[21]
    model = namespace["deep_cnn_model"]
    # at this size the 35-bp pooling rarely finds the pair; whatever it learnt, it says which
    if model.at_chance:
        assert "at chance" in printed[21].lower(), printed[21][-800:]
    auroc = float(results[25]["auROC"][0])
    assert 0 <= auroc <= 1
    assert results[23] is not None and results[28] and results[31] is not None
    single = namespace["single_motif_detection_simulation_data"]
    density = namespace["density_localization_simulation_data"]
    assert single.X_train.shape == density.X_train.shape == (1280, 1000, 4)
    assert namespace["new_deep_cnn_model"] is not model
