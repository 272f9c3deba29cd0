"""Time a notebook's "Run All": execute it top to bottom with nbclient and report wall time.

Usage::

    .venv/bin/python bench/notebook_runall.py notebooks/workshop_tutorial.ipynb
    .venv/bin/python bench/notebook_runall.py notebooks/extras.ipynb -p NUM_SEQS=500 -p FAST=True

Prints one line per code cell (index, seconds, first source line) and the total, and exits non-zero
if any cell raised; ``--grep REGEX`` then prints the printed lines that match (the figures the
notebook's text quotes), each with its cell. ``-p NAME=VALUE`` overrides a variable of the cell tagged ``parameters``, the
way papermill does: a cell tagged ``injected-parameters`` is inserted right after it, so later
cells see the new values. The executed notebook (with outputs) can be saved with ``--save``.

The tests in ``tests/test_notebooks.py`` import :func:`execute_notebook` from this file.

Measured (2-core machine shared with other jobs, load average 6-14, 2026-12-06), the tutorial at
full size (seed 0): ``python bench/notebook_runall.py notebooks/workshop_tutorial.ipynb --grep
"test auROC|logits"`` - 368.1 s wall, kernel CPU 149.5 s; the figures its text quotes::

    strand only (the control): test auROC 0.871
    6-mer counts (logistic regression): test auROC 0.509
    shallow CNN: test auROC 0.996, 97% of the way from the control to perfect
    deep CNN: test auROC 0.999, 99% of the way from the control to perfect
    shallow CNN: + strand pair peaks at 3 bp; at 2-5 bp it scores +12.4 logits against 20+ bp
      apart; the - strand pair at 2-5 bp -19.8 against the + strand one; either motif flipped
      in place -17.7 (no motifs: -3.3)
    deep CNN: + strand pair peaks at 5 bp; at 2-5 bp it scores +17.2 logits against 20+ bp
      apart; the - strand pair at 2-5 bp -16.4 against the + strand one; either motif flipped
      in place -17.0 (no motifs: -6.8)

The same command, run on an otherwise idle machine (load average 0.5-1.9, 2026-12-06) on the
notebook before the printouts below were added: 131.2 s wall, kernel CPU 129.6 s (training 24.1
and 51.5 s, motif discovery 27.3 s), the same figures.

Again at full size (seed 0), with the printouts the text quotes added (2026-12-06, load average
1.4 rising to 5.9 as another session's jobs started): ``python bench/notebook_runall.py
notebooks/workshop_tutorial.ipynb --grep "test auROC|logit|median r|DeepLIFT score|negatives|PWM
scan" --save out.ipynb`` - 282.9 s wall, kernel CPU 147.5 s, of which the shallow training took
55.2 s, the deep CNN's cell 101.4 s and motif discovery 63.8 s (220 s, 78 %). The figures above
repeated to the last digit, and::

    trained: filters' best match to SPI1 or IRF, median r 0.54, best r 0.96
    untrained (the control): filters' best match to SPI1 or IRF, median r 0.48, best r 0.65
    mean DeepLIFT score of the motif pair, positives at 2-5 bp: 15.45 (SPI1 7.52, IRF 7.93)
                                      negatives (any spacing): -0.34
    negatives whose two sites lie 2-5 bp apart by chance: 0 of 95
    PWM scan of the same sequences (control), positives: 30.27 negatives: 29.93
    shallow CNN at 2-5 bp, mean logit: + strand pair 8.7, - strand pair -11.1, no motifs -3.3
    deep CNN at 2-5 bp, mean logit: + strand pair 9.4, - strand pair -7.0, no motifs -6.8

The saved notebook's comparison table, shallow / deep CNN: balanced accuracy 96.9 / 99.4 %, auROC
0.996 / 0.999, auPRC 0.995 / 0.997, auPRG 0.994 / 0.998, recall at 5 % FDR 98.6 / 100 %; 24 / 13
epochs, best validation loss 0.070 / 0.022. Its discovered motifs: four composites, SPI1_known4
then IRF_known20 at 2, 3, 4 and 5 bp (53, 42, 42 and 49 seqlets), each named by TOMTOM after one
half (ENCODE SPI1_known4, SPI1_known4, SPI1_known4, IRF_known20; q = 5.0e-18, 5.8e-10, 2.6e-10,
5.2e-08).

The settings cell's quick trial (500 bp, seed 0, load average 3.6-4.5): ``-p NUM_SEQS=2000 -p
MAX_EPOCHS=10`` - 83.2 s wall, kernel CPU 54.9 s; strand control 0.863, 6-mer counts 0.516,
shallow CNN test auROC 0.684, deep CNN 0.982 (+ strand pair peaks at 3 bp, +9.6 logits). With
``-p BATCH_SIZE=32 -p LEARNING_RATE=0.01`` too: 201.8 s wall, kernel CPU 63.2 s; shallow CNN 0.981
(peak 3 bp, +8.1 logits), deep CNN at chance after 10 epochs (test auROC 0.501, said so in words).

The extras at full size (seed 0; 2026-12-06 23:22-23:27, load average 1.1-2.6, one other job on
the machine): ``python bench/notebook_runall.py notebooks/extras.ipynb --grep "test auROC|auROC:
|logits|missed|median|seen|epochs|best validation|saturation"`` - 256.2 s wall, kernel CPU 334.3
s; the four trainings 78.0 + 34.1 + 49.7 + 67.4 = 229 s. Its figures: single motif best
validation loss 0.465 (chance 0.693), test auROC 0.867; density test auROC 0.992; exercise 1's
table and saturation line as ``bench/ism_saturation.py`` records them (median probability 0.998,
ISM 0.051 vs 12.295, missed 0.017 / 0.067 / 0.007, ratio 0.0017 sure vs 0.0890 elsewhere);
exercise 2: global pooling on the fixed set 12 epochs, test auROC 0.995; fresh data 15 epochs
(192,000 sequences seen), 0.997; spacing, fixed set: peak 4 bp, +17.8 logits, - strand pair
-18.3, flips in place +0.5; fresh data: peak 5 bp, +17.2, -16.6, flips -0.0.

Explore at full size, its default path from code (2026-12-06 23:35, load average 0.9-1.8):
``python bench/notebook_runall.py notebooks/explore.ipynb --grep "auROC|^ok"`` - 28.8 s wall,
kernel CPU 27.5 s, the Simulate-Build-Train cell 18.4 s; validation auROC 0.994, "test auROC 0.977
after 45 epochs", the figures ``bench/explore_default_path.py`` records for the same path.

All three on the merged notebooks, one after the other on an otherwise idle machine (2026-12-06
23:47-23:55, load average 1.1-2.1): ``python bench/notebook_runall.py notebooks/<name>.ipynb
--save out.ipynb --grep ...``. Tutorial 140.2 s wall, kernel CPU 155.0 s (shallow training 26.7 s,
the deep CNN's cell 53.3 s, motif discovery 28.4 s); extras 284.2 s wall, kernel CPU 365.2 s (the
four trainings 83.0 + 47.3 + 54.0 + 68.2 = 252 s); explore 25.1 s wall, kernel CPU 22.9 s. Every
figure quoted above repeated to the last digit. At ``learner_cpu``'s half a core the tutorial's
145-155 CPU-seconds take at least 290-310 s and the extras' 365 about 730 s: the texts say so.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
PROBE_TAG = "cpu-probe"
# appended for the run only: CPU seconds of the kernel process, all threads (user + system)
PROBE_SOURCE = (
    "import resource as _r\n"
    "_u = _r.getrusage(_r.RUSAGE_SELF)\n"
    "print('kernel-cpu-seconds', _u.ru_utime + _u.ru_stime)"
)


def inject_parameters(nb: nbformat.NotebookNode, parameters: dict) -> nbformat.NotebookNode:
    """Insert a cell assigning ``parameters`` right after the cell tagged ``parameters``.

    Raises ``ValueError`` if the notebook has no such cell or a name is not assigned in it, so a
    typo in a test cannot silently run the notebook at full size.
    """
    if not parameters:
        return nb
    index = next(
        (
            i
            for i, cell in enumerate(nb.cells)
            if PARAMETERS_TAG in cell.get("metadata", {}).get("tags", [])
        ),
        None,
    )
    if index is None:
        raise ValueError("the notebook has no cell tagged 'parameters' to override")
    assigned = {
        target.id
        for node in ast.walk(ast.parse(nb.cells[index].source))
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    unknown = sorted(set(parameters) - assigned)
    if unknown:
        raise ValueError(
            f"parameters {unknown} are not set in the parameters cell {sorted(assigned)}"
        )
    source = "# Parameters injected by bench/notebook_runall.py\n" + "".join(
        f"{name} = {value!r}\n" for name, value in parameters.items()
    )
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": [INJECTED_TAG]})
    nb.cells.insert(index + 1, cell)
    return nb


def execute_notebook(
    path: str | Path,
    parameters: dict | None = None,
    *,
    timeout: int = 1200,
    kernel_name: str = "python3",
    allow_errors: bool = False,
) -> tuple[nbformat.NotebookNode, list[tuple[int, float]], float, float]:
    """Execute a notebook in a fresh kernel (cwd = the notebook's folder).

    Parameters
    ----------
    path : the ``.ipynb`` file.
    parameters : overrides for the ``parameters`` cell, default none (full size).
    timeout : seconds allowed per cell, default 1200.
    kernel_name : Jupyter kernel, default ``python3``.
    allow_errors : keep going after a failing cell, default False (raise
        ``nbclient.exceptions.CellExecutionError``).

    Returns
    -------
    nb : the executed notebook, with outputs.
    timings : list of (cell index, seconds) for every code cell, in order.
    total : wall seconds from kernel start to the end of the last cell.
    kernel_cpu : CPU seconds (user + system, all threads) the kernel used. On a shared machine
        this is the steadier figure: wall time depends on what else is running.
    """
    path = Path(path)
    nb = inject_parameters(nbformat.read(path, as_version=4), dict(parameters or {}))
    nb.cells.append(nbformat.v4.new_code_cell(PROBE_SOURCE, metadata={"tags": [PROBE_TAG]}))
    starts: dict[int, float] = {}
    timings: list[tuple[int, float]] = []

    def on_start(cell, cell_index):
        starts[cell_index] = time.perf_counter()

    def on_done(cell, cell_index, execute_reply):
        timings.append((cell_index, time.perf_counter() - starts[cell_index]))

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(path.parent.resolve())}},
        on_cell_execute=on_start,
        on_cell_executed=on_done,
    )
    began = time.perf_counter()
    client.execute()
    total = time.perf_counter() - began
    probe = nb.cells.pop()
    kernel_cpu = float(probe.outputs[0].text.split()[-1])
    timings = [(index, seconds) for index, seconds in timings if index < len(nb.cells)]
    return nb, timings, total, kernel_cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument(
        "-p",
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a parameters-cell variable (VALUE is a Python literal)",
    )
    parser.add_argument("--timeout", type=int, default=1200, help="seconds per cell")
    parser.add_argument("--save", type=Path, help="write the executed notebook here")
    parser.add_argument(
        "--grep", metavar="REGEX",
        help="also print the output lines (printed text) of the cells that match REGEX, with "
        "their cell: the figures the notebook's text quotes",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.grep is not None:
        try:
            pattern = re.compile(args.grep)
        except re.error as error:
            parser.error(f"--grep must be a regular expression: {error}")

    parameters = {}
    for item in args.parameter:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--parameter must look like NAME=VALUE, got {item!r}")
        try:
            parameters[name.strip()] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            parameters[name.strip()] = value  # a bare word is a string

    try:
        nb, timings, total, kernel_cpu = execute_notebook(
            args.notebook, parameters, timeout=args.timeout
        )
    except CellExecutionError as error:
        print(error, file=sys.stderr)
        return 1
    for index, seconds in timings:
        first_line = nb.cells[index].source.strip().splitlines()[:1] or [""]
        print(f"cell {index:3d}  {seconds:8.2f} s  {first_line[0][:70]}")
    print(f"total {total:.1f} s wall (kernel start included) for {args.notebook}")
    print(f"kernel CPU time {kernel_cpu:.1f} s (user + system, all threads)")
    if args.grep is not None:
        for index, cell in enumerate(nb.cells):
            for output in cell.get("outputs", []):
                text = output.get("text", "") if output.get("output_type") == "stream" else ""
                for line in text.splitlines():
                    if pattern.search(line):
                        print(f"cell {index:3d}: {line.strip()}")
    if args.save:
        nbformat.write(nb, args.save)
    return 0


if __name__ == "__main__":
    sys.exit(main())
