"""The package's public surface: every exported name resolves, and importing it is cheap."""

import subprocess
import sys

import tutorial_utils


def test_every_exported_name_resolves():
    missing = []
    for name in tutorial_utils.__all__:
        try:
            getattr(tutorial_utils, name)
        except (AttributeError, ImportError) as error:
            missing.append(f"{name}: {error}")
    assert not missing, "\n".join(missing)


def test_import_does_not_load_keras():
    code = "import sys, tutorial_utils; print('keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_unknown_attribute_raises_attribute_error():
    try:
        tutorial_utils.no_such_function  # noqa: B018
    except AttributeError as error:
        assert "no_such_function" in str(error)
    else:
        raise AssertionError("expected AttributeError")


# Every public name the 2016 workshop notebooks imported or called: the June notebook
# (dragonn 74e857a, examples/workshop_tutorial.ipynb, cell 1's import list) and the December one
# (dragonn 2fe84c8, `from dragonn.tutorial_utils import *`: that module's public functions).
JUNE_2016 = [
    "get_available_simulations",
    "print_available_simulations",
    "print_simulation_info",
    "get_simulation_data",
    "inspect_SequenceDNN",
    "get_SequenceDNN",
    "train_SequenceDNN",
    "SequenceDNN_learning_curve",
    "test_SequenceDNN",
    "interpret_SequenceDNN_distributed",
    "interpret_SequenceDNN_integrative",
    "plot_SequenceDNN_layer_outputs",
]
DECEMBER_2016 = [
    "Data",
    "get_available_simulations",
    "print_available_simulations",
    "get_simulation_function",
    "print_simulation_info",
    "get_simulation_data",
    "inspect_SequenceDNN",
    "get_SequenceDNN",
    "train_SequenceDNN",
    "SequenceDNN_learning_curve",
    "test_SequenceDNN",
    "plot_motifs",
    "plot_sequence_filters",
    "interpret_SequenceDNN_filters",
    "interpret_data_with_SequenceDNN",
]


def test_every_2016_notebook_name_is_importable():
    namespace: dict = {}
    exec("from tutorial_utils import *", namespace)  # the December notebook's import
    missing = [name for name in JUNE_2016 + DECEMBER_2016 if name not in namespace]
    assert not missing, f"2016 names missing from tutorial_utils: {missing}"
    assert all(callable(namespace[name]) for name in JUNE_2016 + DECEMBER_2016)
