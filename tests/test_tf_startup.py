"""TensorFlow's start-up lines stay out of the learner's cells; real errors do not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tutorial_utils._tf_startup import filter_startup_output, keep_line

ROOT = Path(__file__).resolve().parents[1]

# what TensorFlow 2.21 prints on a CPU machine while it loads (before absl logging is set up)
STARTUP = """\
WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1796003656.832237   10302 port.cc:153] oneDNN custom operations are on.
I0000 00:00:1796003656.832594   10302 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.
E0000 00:00:1796003661.241295   10302 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)
E0000 00:00:1796003661.3   10302 cuda_dnn.cc:8310] Unable to register cuDNN factory: Attempting to register factory for plugin cuDNN when one has already been registered
W0000 00:00:1796003661.4   10302 some.cc:1] a warning
E0000 00:00:1796003661.5   10302 kernel.cc:2] a real error
F0000 00:00:1796003661.6   10302 check.cc:3] a fatal check failure
some other line a library wrote
"""


def test_level_2_keeps_only_real_errors_and_unknown_lines():
    kept = filter_startup_output(STARTUP, min_level=2, has_gpu=False).splitlines()
    assert [line.split("] ")[-1] for line in kept] == [
        "a real error",
        "a fatal check failure",
        "some other line a library wrote",
    ]


def test_level_0_keeps_info_but_never_the_banner_or_known_noise():
    kept = filter_startup_output(STARTUP, min_level=0, has_gpu=False)
    assert "oneDNN custom operations" in kept and "a warning" in kept
    assert "absl::InitializeLog" not in kept
    assert "cuInit" not in kept and "Unable to register cuDNN" not in kept


def test_on_a_gpu_host_a_failing_cuinit_matters():
    assert keep_line(STARTUP.splitlines()[3], min_level=2, has_gpu=True)
    assert not keep_line(STARTUP.splitlines()[3], min_level=2, has_gpu=False)


@pytest.mark.slow
def test_importing_the_package_then_keras_prints_nothing_on_cpu():
    code = (
        "import tutorial_utils\n"
        "from tutorial_utils import get_SequenceDNN, train_SequenceDNN\n"
        "import keras, numpy as np\n"
        "m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])\n"
        "m.compile('adam', 'mse')\n"
        "m.fit(np.zeros((8, 4)), np.zeros(8), verbose=0)\n"
        "import os; os.write(2, b'E0000 00:00:1.0 1 x.cc:1] after start-up\\n')\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["KERAS_BACKEND"] = "tensorflow"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env
    )
    assert out.returncode == 0, out.stderr
    # only the line written after start-up: nothing of TensorFlow's own start-up
    assert out.stderr.strip() == "E0000 00:00:1.0 1 x.cc:1] after start-up", out.stderr


def _stderr_of_cells(notebook: str, count: int, parameters: dict) -> list[str]:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(ROOT / "notebooks" / notebook, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"][:count]
    source = code[0].source + "".join(f"\n{k} = {v!r}" for k, v in parameters.items())
    code[0] = nbformat.v4.new_code_cell(source)
    nb.cells = code
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()  # fmt: skip
    return [
        o.text
        for cell in nb.cells
        for o in cell.outputs
        if o.output_type == "stream" and o.name == "stderr"
    ]


@pytest.mark.notebook
def test_the_tutorials_import_cell_and_explores_panels_show_no_stderr():
    # a real kernel, as a learner's: the parameters cell, then the imports
    assert _stderr_of_cells("workshop_tutorial.ipynb", 2, {"NUM_SEQS": 100}) == []
    # explore: parameters, picker, builder, trainer (imports Keras), explorer
    assert _stderr_of_cells("explore.ipynb", 5, {"NUM_SEQS": 100}) == []


def test_notebooks_keep_their_parameters_cell_first():
    for name in ("workshop_tutorial.ipynb", "explore.ipynb"):
        nb = json.loads((ROOT / "notebooks" / name).read_text())
        first = next(c for c in nb["cells"] if c["cell_type"] == "code")
        assert "parameters" in first["metadata"].get("tags", []), name
