"""A learner's saved notebook (nbformat 4 JSON, as Jupyter Server's contents API returns it)
as HTML for the instructor's read-only look.

Everything the learner wrote or their code printed is escaped: a learner's markdown or HTML
output must never run as script in the instructor's board (it would act with the instructor's
rights). So markdown is shown as its text, rich outputs as their ``text/plain`` form; PNG and
JPEG images are kept (as ``data:`` URLs of validated base64). ANSI colour codes in tracebacks
are removed.
"""

from __future__ import annotations

import base64
import binascii
import re
from html import escape

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: characters of one output shown at most (a runaway print loop must not stall the board)
MAX_OUTPUT_CHARS = 20_000
_IMAGES = ("image/png", "image/jpeg")


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _pre(text: str, cls: str) -> str:
    text = _ANSI.sub("", text)
    if len(text) > MAX_OUTPUT_CHARS:
        text = text[:MAX_OUTPUT_CHARS] + f"\n… ({len(text) - MAX_OUTPUT_CHARS} more characters)"
    return f'<pre class="{cls}">{escape(text)}</pre>'


def _image(mime: str, data) -> str | None:
    raw = _text(data).replace("\n", "")
    try:
        base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return None
    return f'<img class="output-image" alt="plot" src="data:{mime};base64,{raw}">'


def output_html(output: dict) -> str:
    """One cell output (stream, execute_result, display_data, error) as escaped HTML."""
    kind = output.get("output_type")
    if kind == "stream":
        return _pre(_text(output.get("text")), f"output stream-{escape(str(output.get('name')))}")
    if kind == "error":
        trace = "\n".join(_text(line) for line in output.get("traceback") or [])
        head = f"{output.get('ename')}: {output.get('evalue')}"
        return _pre(trace or head, "output error")
    data = output.get("data") or {}
    for mime in _IMAGES:
        if mime in data:
            image = _image(mime, data[mime])
            if image:
                return image
    if "text/plain" in data:
        return _pre(_text(data["text/plain"]), "output result")
    return ""


def cell_html(cell: dict, index: int) -> str:
    """One cell (``index`` counts from 1, as learners count cells)."""
    kind = cell.get("cell_type", "code")
    source = _text(cell.get("source"))
    count = cell.get("execution_count")
    label = f"[{count}]" if kind == "code" and count else ("[ ]" if kind == "code" else "")
    outputs = "".join(output_html(o) for o in cell.get("outputs") or []) if kind == "code" else ""
    cell_id = escape(str(cell.get("id") or ""))
    return (
        f'<div class="cell cell-{escape(kind)}" id="cell-{index}" data-cell-id="{cell_id}">'
        f'<div class="cell-label">{index} {label}</div>'
        f'<div class="cell-body">{_pre(source, "source")}{outputs}</div></div>'
    )


def notebook_html(notebook: dict) -> str:
    """All cells of ``notebook`` (the contents API's ``content``) as one HTML fragment.

    Raises ``ValueError`` when ``notebook`` has no cell list (not a notebook)."""
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise ValueError("notebook must be nbformat 4 JSON with a 'cells' list")
    return "".join(cell_html(cell, i) for i, cell in enumerate(cells, start=1))
