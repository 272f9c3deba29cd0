"""Motif files as tools and databases really write them: MEME, JASPAR, PFM, TRANSFAC, HOMER.

Values
------
Probability formats (MEME letter-probability matrices, HOMER) keep the probabilities as
written; count formats (JASPAR, PFM, TRANSFAC: counts or frequencies) keep the counts, divided
by each position's total. A probability row that does not sum to 1 is divided by its sum too
(with a warning when it is off by more than 0.02, e.g. counts in a HOMER file). Then every
matrix gets the documented smoothing of the built-in collections,
``p * (1 - eps) + eps / 4`` with ``eps = 0.001`` (:func:`tutorial_utils.ppm.smooth`), so
no base has probability 0.

Formats
-------
``meme``
    MEME text ("minimal MEME", as MEME, STREME, JASPAR and HOMER exports write it): ``MEME
    version`` (a warning if missing), optional ``ALPHABET``, ``strands`` and background lines,
    then ``MOTIF <id> [<alt>]`` and a ``letter-probability matrix:`` whose ``alength``, ``w``,
    ``nsites`` and ``E`` are all optional. ``nsites`` is never used to turn probabilities into
    counts. Named by the id (``<id>_<alt>`` for JASPAR accessions). MEME's XML output
    (``meme.xml``) is read too, from each motif's ``<probabilities>``.
``jaspar``
    ``>MA0004.1 Arnt`` then four rows ``A [ 4 19 0 ... ]`` (letters and brackets optional, any
    row order when lettered); named ``<matrix id>_<name>``.
``pfm``
    One count matrix: four rows (A, C, G, T) of counts, with or without a ``>`` header; named
    by the header, else by the file name. A matrix of four columns instead of four rows is read
    transposed, with a warning.
``transfac``
    TRANSFAC and its JASPAR export: ``AC``/``ID``/``NA`` lines, a ``P0`` (or ``PO``) header
    naming the base columns in any order, numbered rows (from 01, or from 00 with a warning)
    with an optional consensus column, ``XX`` and ``//``; keys separated from values by spaces
    or tabs. Named by ``ID`` (``<AC>_<ID>`` for JASPAR accessions), else ``NA``, else ``AC``.
``homer``
    ``>consensus<TAB>name<TAB>threshold...`` then rows of four probabilities.

Names are kept unique: a name seen before is renamed ``<name>_2`` (``_3``, ...) with a
warning; motifs are never merged. Every error is a :class:`MotifFileError` naming the file, the
line and the motif; every guess is a :class:`MotifFileWarning`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import numpy as np

from tutorial_utils._files import check_path, open_binary, read_lines
from tutorial_utils._validation import warn_caller
from tutorial_utils.ppm import BASES, Motif, smooth

FILE_FORMATS = ("meme", "jaspar", "pfm", "transfac", "homer")
_PROBABILITY_TOLERANCE = 0.02  # a probability row summing to 1 +- this is silently divided
_JASPAR_ACCESSION = re.compile(r"^(MA|PB|PF|PH|PL|CN|POL|UN)\d{4}\.\d+$")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


class MotifFileError(ValueError):
    """A motif file that cannot be read; the message names the file, the line and the motif.

    Attributes: ``path``, ``line`` (1-based, or None for the end of the file), ``motif`` (the
    motif being read, or None before the first one).
    """

    def __init__(self, path, line: int | None, motif: str | None, problem: str):
        self.path, self.line, self.motif, self.problem = os.fspath(path), line, motif, problem
        where = f"line {line}" if line is not None else "end of file"
        who = f"motif {motif!r}" if motif is not None else "before the first motif"
        super().__init__(f"{self.path}, {where}, {who}: {problem}")


class MotifFileWarning(UserWarning):
    """Something in a motif file was guessed (a missing name or terminator, odd numbering...)."""


@dataclass
class _Record:
    """One matrix as read: rows are positions, columns A, C, G, T (after any reordering)."""

    name: str | None
    line: int
    kind: str  # "probability" or "count"
    rows: list[list[float]] = field(default_factory=list)
    row_lines: list[int] = field(default_factory=list)


def read_motif_file(path: str | os.PathLike, fmt: str) -> list[Motif]:
    """Read every motif of a user file, smoothed like the built-in collections.

    Parameters
    ----------
    path : str or PathLike; plain or compressed (gzip, bzip2, xz, zip: recognised from the
        first bytes), any line ends, with or without a byte-order mark.
    fmt : {"meme", "jaspar", "pfm", "transfac", "homer"} (see the module docstring).

    Returns
    -------
    list of Motif, in file order; names made unique (see the module docstring).

    Raises
    ------
    TypeError : path or fmt of the wrong type. FileNotFoundError : no such file.
    ValueError : an unknown ``fmt``; :class:`MotifFileError` (a ValueError) for anything in the
        file that cannot be read, naming the file, the line and the motif.

    Warns
    -----
    MotifFileWarning : where something was guessed (a renamed duplicate, rows from 00, ...).
    """
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be one of {list(FILE_FORMATS)}, got {fmt!r}")
    fmt = fmt.lower()
    if fmt not in FILE_FORMATS:
        raise ValueError(f"fmt must be one of {list(FILE_FORMATS)}, got {fmt!r}")
    path = check_path(path)
    if fmt == "meme" and _looks_like_xml(path):
        records = _parse_meme_xml(path)
    else:
        parser = {
            "meme": _parse_meme,
            "jaspar": _parse_jaspar,
            "pfm": _parse_pfm,
            "transfac": _parse_transfac,
            "homer": parse_homer,
        }[fmt]
        try:
            records = parser(path, read_lines(path))
        except MotifFileError as error:
            if error.motif is None and (hint := _hint(path, fmt)):
                raise MotifFileError(path, error.line, None, f"{error.problem}{hint}") from None
            raise
    if not records:
        raise MotifFileError(path, None, None, f"no motifs found in {fmt} format{_hint(path, fmt)}")
    return to_motifs(path, records)


# ---------------------------------------------------------------------------------------------
# from records to Motifs


def to_motifs(path, records: list[_Record]) -> list[Motif]:
    """Validate, normalise and smooth the records; make their names unique."""
    motifs, seen = [], {}
    for record in records:
        name = record.name
        if name in seen:
            number = 2
            while f"{name}_{number}" in seen:
                number += 1
            new = f"{name}_{number}"
            _warn(
                f"{os.fspath(path)}, line {record.line}: motif name {name!r} was already used at "
                f"line {seen[name]}; this motif is kept as {new!r}"
            )
            name = new
        seen[name] = record.line
        motifs.append(Motif(name, smooth(_probabilities(path, record, name))))
    return motifs


def _probabilities(path, record: _Record, name: str) -> np.ndarray:
    if not record.rows:
        raise MotifFileError(path, record.line, name, "the motif has no matrix rows")
    matrix = np.array(record.rows, dtype=np.float64)
    for i, row in enumerate(matrix):
        line = record.row_lines[i] if i < len(record.row_lines) else record.line
        if not np.all(np.isfinite(row)) or np.any(row < 0):
            raise MotifFileError(
                path, line, name, f"position {i + 1} has values {row.tolist()}: must be >= 0"
            )
        if row.sum() <= 0:
            what = "counts" if record.kind == "count" else "probabilities"
            raise MotifFileError(
                path, line, name, f"position {i + 1} has no {what} (all four are zero)"
            )
    sums = matrix.sum(axis=1)
    if record.kind == "probability":
        off = np.abs(sums - 1)
        if off.max() > _PROBABILITY_TOLERANCE:
            i = int(off.argmax())
            _warn(
                f"{os.fspath(path)}, line {record.row_lines[i]}, motif {name!r}: probability rows "
                f"should sum to 1, position {i + 1} sums to {sums[i]:.6g}; every row is divided "
                "by its sum"
            )
    return matrix / sums[:, None]


def _warn(message: str) -> None:
    warn_caller(message, MotifFileWarning)


def _numbers(text: str) -> list[float] | None:
    """The numbers of a whitespace-separated row, or None if any token is not a number."""
    tokens = text.split()
    if not tokens or not all(re.fullmatch(_NUMBER, t) for t in tokens):
        return None
    return [float(t) for t in tokens]


def _unnamed(path, line: int, index: int, what: str) -> str:
    name = f"motif_{index}"
    _warn(f"{os.fspath(path)}, line {line}: {what}; named {name!r}")
    return name


# ---------------------------------------------------------------------------------------------
# MEME


def _parse_meme(path, lines) -> list[_Record]:
    records: list[_Record] = []
    motif: _Record | None = None  # the current MOTIF
    matrix: _Record | None = None  # its letter-probability matrix, while rows are read
    expected_rows = None  # the matrix header's w=, if given
    skipping = False  # inside a log-odds matrix
    in_alphabet_block = False
    saw_version = False
    for number, line in lines:
        text = line.strip()
        if in_alphabet_block:
            in_alphabet_block = not text.upper().startswith("END ALPHABET")
            continue
        if matrix is not None:
            values = _numbers(text)
            if values is not None:
                if len(values) != 4:
                    raise MotifFileError(
                        path,
                        number,
                        matrix.name,
                        f"a letter-probability row needs 4 values, got {len(values)}: {text!r}",
                    )
                matrix.rows.append(values)
                matrix.row_lines.append(number)
                if len(matrix.rows) == expected_rows:
                    records.append(matrix)
                    matrix = None
                continue
            _close_meme_matrix(path, number, matrix, expected_rows, text)
            records.append(matrix)
            matrix = None
        if not text or text.startswith("#"):
            skipping = False
            continue
        if skipping and _numbers(text) is not None:
            continue
        skipping = False
        if text.startswith("MEME version"):
            saw_version = True
        elif text.startswith("ALPHABET"):
            _check_meme_alphabet(path, number, text)
            in_alphabet_block = "=" not in text
        elif _background_line(text):
            continue
        elif text.startswith("MOTIF"):
            if motif is not None and not any(r is motif for r in records):
                raise MotifFileError(
                    path, motif.line, motif.name, "MOTIF has no letter-probability matrix"
                )
            tokens = text.split()
            if len(tokens) < 2:
                raise MotifFileError(path, number, None, "MOTIF line without a motif name")
            name = tokens[1]
            if _JASPAR_ACCESSION.match(name) and len(tokens) > 2:
                name = f"{name}_{tokens[2]}"  # as in the jaspar and transfac formats
            motif = _Record(name, number, "probability")
        elif text.startswith("letter-probability matrix"):
            if motif is None:
                raise MotifFileError(
                    path, number, None, "letter-probability matrix before any MOTIF line"
                )
            if any(r is motif for r in records):
                raise MotifFileError(
                    path, number, motif.name, "a second letter-probability matrix for one MOTIF"
                )
            keys = dict(re.findall(r"(\w+)\s*=\s*(\S+)", text.partition(":")[2]))
            if keys.get("alength", "4") != "4":
                raise MotifFileError(
                    path, number, motif.name, f"alength= {keys['alength']}: DNA motifs have 4"
                )
            try:
                expected_rows = int(keys["w"]) if "w" in keys else None
            except ValueError:
                raise MotifFileError(
                    path, number, motif.name, f"w= {keys['w']!r} is not a number"
                ) from None
            if expected_rows is not None and expected_rows < 1:
                raise MotifFileError(path, number, motif.name, f"w= {expected_rows}: no positions")
            matrix = motif
        elif text.startswith("log-odds matrix"):
            skipping = True
        elif _numbers(text) is not None:
            raise MotifFileError(
                path,
                number,
                motif.name if motif else None,
                f"a matrix row outside a letter-probability matrix: {text!r}",
            )
        # any other line (strands:, URL, MEME's own report text) holds no matrix
    if matrix is not None:
        _close_meme_matrix(path, None, matrix, expected_rows, None)
        records.append(matrix)
    if motif is not None and not any(r is motif for r in records):
        raise MotifFileError(path, motif.line, motif.name, "MOTIF has no letter-probability matrix")
    if records and not saw_version:
        _warn(f"{os.fspath(path)}: no 'MEME version' line; read as MEME text anyway")
    return records


def _close_meme_matrix(path, number, matrix: _Record, expected_rows, text) -> None:
    """A line that is not a row ends a matrix without w=; with w= it must not come early."""
    then = f" (then {text!r})" if text else ""
    if expected_rows is not None and len(matrix.rows) < expected_rows:
        raise MotifFileError(
            path,
            number,
            matrix.name,
            f"the matrix header says w= {expected_rows} but {len(matrix.rows)} rows follow{then}",
        )
    if not matrix.rows:
        raise MotifFileError(path, number, matrix.name, f"the matrix has no rows{then}")


def _background_line(text: str) -> bool:
    """A line of background frequencies ("A 0.3 C 0.2 G 0.2 T 0.3")."""
    tokens = text.split()
    return (
        len(tokens) >= 2
        and len(tokens) % 2 == 0
        and all(re.fullmatch(r"[A-Za-z]", t) for t in tokens[::2])
        and all(re.fullmatch(_NUMBER, t) for t in tokens[1::2])
    )


def _check_meme_alphabet(path, number: int, text: str) -> None:
    if "=" in text:
        letters = text.partition("=")[2].strip().upper()
        if letters not in ("ACGT", "ACGU"):
            raise MotifFileError(
                path, number, None, f"ALPHABET= {letters}: only DNA (ACGT) or RNA (ACGU) motifs"
            )
    elif "PROTEIN" in text.upper():
        raise MotifFileError(path, number, None, "a protein alphabet: only DNA or RNA motifs")


def _looks_like_xml(path) -> bool:
    binary, _ = open_binary(path)
    with binary:
        return binary.peek(64)[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _parse_meme_xml(path) -> list[_Record]:
    """MEME's XML output: each motif's <probabilities> matrix (not its sites)."""
    import xml.sax

    handler = _MemeXmlHandler(path)
    binary, _ = open_binary(path)
    parser = xml.sax.make_parser()
    parser.setContentHandler(handler)
    handler.locator_owner = parser
    with binary:
        try:
            parser.parse(binary)
        except xml.sax.SAXParseException as error:
            raise MotifFileError(
                path,
                error.getLineNumber(),
                handler.motif_name,
                f"not valid XML ({error.getMessage()})",
            ) from None
    return handler.records


class _MemeXmlHandler:
    """SAX handler collecting <motif> probabilities of meme.xml (letter ids -> A, C, G, T)."""

    def __init__(self, path):
        import xml.sax.handler

        self._base = xml.sax.handler.ContentHandler()
        self.path = path
        self.records: list[_Record] = []
        self.letters: dict[str, str] = {}  # letter id -> symbol
        self.motif_name: str | None = None
        self.in_probabilities = False
        self.row: dict[str, float] | None = None
        self.value_letter: str | None = None
        self.text = ""
        self.locator = None

    # the ContentHandler interface
    def setDocumentLocator(self, locator):  # noqa: N802 (SAX names)
        self.locator = locator

    def startDocument(self):  # noqa: N802
        pass

    def endDocument(self):  # noqa: N802
        pass

    def startPrefixMapping(self, prefix, uri):  # noqa: N802
        pass

    def endPrefixMapping(self, prefix):  # noqa: N802
        pass

    def ignorableWhitespace(self, whitespace):  # noqa: N802
        pass

    def processingInstruction(self, target, data):  # noqa: N802
        pass

    def skippedEntity(self, name):  # noqa: N802
        pass

    def _line(self) -> int | None:
        return self.locator.getLineNumber() if self.locator else None

    def startElement(self, tag, attributes):  # noqa: N802
        if tag == "letter" and "id" in attributes:
            self.letters[attributes["id"]] = attributes.get("symbol", attributes["id"]).upper()
        elif tag == "motif":
            self.motif_name = attributes.get("id") or attributes.get("name")
            if not self.motif_name:
                self.motif_name = _unnamed(
                    self.path, self._line(), len(self.records) + 1, "a <motif> without id or name"
                )
            self.records.append(_Record(self.motif_name, self._line(), "probability"))
        elif tag == "probabilities" and self.motif_name is not None:
            self.in_probabilities = True
        elif tag == "alphabet_array" and self.in_probabilities:
            self.row = {}
        elif tag == "value" and self.row is not None:
            self.value_letter = attributes.get("letter_id")
            self.text = ""

    def characters(self, content):
        if self.value_letter is not None:
            self.text += content

    def endElement(self, tag):  # noqa: N802
        if tag == "value" and self.row is not None and self.value_letter is not None:
            symbol = self.letters.get(self.value_letter, self.value_letter).upper()
            symbol = symbol.removeprefix("LETTER_")
            try:
                self.row["T" if symbol == "U" else symbol] = float(self.text)
            except ValueError:
                raise MotifFileError(
                    self.path, self._line(), self.motif_name, f"value {self.text!r} is not a number"
                ) from None
            self.value_letter = None
        elif tag == "alphabet_array" and self.row is not None:
            if sorted(self.row) != list(BASES):
                raise MotifFileError(
                    self.path,
                    self._line(),
                    self.motif_name,
                    f"a probability row over letters {sorted(self.row)}, not A, C, G, T",
                )
            record = self.records[-1]
            record.rows.append([self.row[b] for b in BASES])
            record.row_lines.append(self._line())
            self.row = None
        elif tag == "probabilities":
            self.in_probabilities = False
        elif tag == "motif":
            self.motif_name = None


# ---------------------------------------------------------------------------------------------
# JASPAR and PFM (rows of counts per base)

_COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".zip")
_PFM_SUFFIXES = (".pfm", ".txt", ".jaspar", ".cm")


def _base_row(text: str) -> tuple[str | None, list[float] | None]:
    """("A", counts) of "A [ 1 2 3 ]", "A: 1 2 3" or "A 1 2 3"; (None, counts) of "1 2 3";
    (letter or None, None) if the numbers are missing or not numbers."""
    tokens = text.replace("[", " ").replace("]", " ").split()
    if tokens and re.fullmatch(r"[ACGTUacgtu]:?", tokens[0]):
        return tokens[0][0].upper().replace("U", "T"), _numbers(" ".join(tokens[1:]))
    return None, _numbers(" ".join(tokens))


def _parse_jaspar(path, lines, single: bool = False) -> list[_Record]:
    records: list[_Record] = []
    blocks: list[tuple[_Record, list[tuple[str | None, list[float], int]]]] = []
    current = None
    for number, line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith(">"):
            tokens = text[1:].split()
            if not tokens:
                name = _unnamed(path, number, len(blocks) + 1, "a '>' header without an id")
            elif len(tokens) > 1 and not single:
                name = f"{tokens[0]}_{tokens[1]}"
            else:
                name = " ".join(tokens) if single else tokens[0]
            current = (_Record(name, number, "count"), [])
            blocks.append(current)
            continue
        letter, values = _base_row(text)
        if values is None:
            raise MotifFileError(
                path,
                number,
                current[0].name if current else None,
                f"not a matrix row (a base letter and numbers, or numbers): {text!r}",
            )
        if current is None:
            if not single:
                raise MotifFileError(path, number, None, "a matrix row before any '>' header")
            current = (_Record(_file_stem(path), number, "count"), [])
            blocks.append(current)
        current[1].append((letter, values, number))
    if single and len(blocks) > 1:
        raise MotifFileError(
            path,
            blocks[1][0].line,
            blocks[1][0].name,
            f"a PFM file holds one matrix, this one holds {len(blocks)}; use fmt='jaspar'",
        )
    for record, rows in blocks:
        _fill_base_rows(path, record, rows, allow_transposed=single)
        records.append(record)
    return records


def _fill_base_rows(path, record: _Record, rows, allow_transposed: bool) -> None:
    """Four rows (one per base) of per-position counts -> record.rows (positions x 4)."""
    name = record.name
    if not rows:
        raise MotifFileError(path, record.line, name, "the motif has no matrix rows")
    widths = {len(values) for _, values, _ in rows}
    if len(rows) != 4 and allow_transposed and widths == {4}:
        _warn(
            f"{os.fspath(path)}, line {rows[0][2]}: {len(rows)} rows of 4 values, read as one "
            "row per position (columns A, C, G, T) instead of one row per base"
        )
        record.rows = [values for _, values, _ in rows]
        record.row_lines = [line for _, _, line in rows]
        return
    if len(rows) != 4:
        raise MotifFileError(path, record.line, name, f"needs 4 rows (A, C, G, T), got {len(rows)}")
    letters = [letter for letter, _, _ in rows]
    if any(letters):
        if sorted(letters, key=str) != list(BASES):
            raise MotifFileError(
                path, rows[0][2], name, f"rows must be labelled A, C, G and T once, got {letters}"
            )
        order = [letters.index(b) for b in BASES]
    else:
        order = [0, 1, 2, 3]
    width = len(rows[0][1])
    for _, values, line in rows:
        if len(values) != width:
            raise MotifFileError(
                path, line, name, f"rows differ in length: {width} and {len(values)} positions"
            )
    if width == 0:
        raise MotifFileError(path, rows[0][2], name, "the matrix has no positions")
    record.rows = [[rows[k][1][i] for k in order] for i in range(width)]
    record.row_lines = [rows[0][2]] * width


def _parse_pfm(path, lines) -> list[_Record]:
    return _parse_jaspar(path, lines, single=True)


def _file_stem(path) -> str:
    """The file name without its directory, compression and motif-file suffixes."""
    stem = os.path.basename(os.fspath(path))
    while os.path.splitext(stem)[1].lower() in _COMPRESSION_SUFFIXES + _PFM_SUFFIXES:
        stem = os.path.splitext(stem)[0]
    return stem or "motif_1"


# ---------------------------------------------------------------------------------------------
# TRANSFAC


def _parse_transfac(path, lines) -> list[_Record]:
    records: list[_Record] = []
    fields: dict[str, str] = {}
    record: _Record | None = None  # the record's matrix, once a P0 line was seen
    order: list[int] = [0, 1, 2, 3]
    in_matrix = False
    last_row = None
    start = None

    def finish():
        nonlocal record, fields, in_matrix, start
        if record is not None:
            record.name = _transfac_name(path, fields, start or record.line, len(records) + 1)
            records.append(record)
        record, fields, in_matrix, start = None, {}, False, None

    for number, line in lines:
        text = line.strip()
        if not text:
            continue
        if text.startswith("//"):
            finish()
            continue
        key = text.split()[0]
        value = text[len(key) :].strip()
        current = _transfac_name(path, fields, None, None, quiet=True)
        if start is None:
            start = number
        if in_matrix and key.isdigit():
            values = value.split()
            numbers = [_numbers(v) for v in values[:4]]
            if len(values) < 4 or any(n is None for n in numbers):
                raise MotifFileError(
                    path, number, current, f"a matrix row needs a number for each base: {text!r}"
                )
            if len(values) > 5 or (len(values) == 5 and _numbers(values[4]) is not None):
                raise MotifFileError(
                    path,
                    number,
                    current,
                    f"a matrix row holds 4 numbers and an optional consensus letter: {text!r}",
                )
            index = int(key)
            if last_row is None and index == 0:
                _warn(
                    f"{os.fspath(path)}, line {number}, motif {current!r}: matrix rows numbered "
                    "from 00; read as consecutive positions"
                )
            elif last_row is not None and index != last_row + 1:
                _warn(
                    f"{os.fspath(path)}, line {number}, motif {current!r}: row {key} follows row "
                    f"{last_row:02d}; rows read in file order"
                )
            last_row = index
            row = [n[0] for n in numbers]
            record.rows.append([row[k] for k in order])
            record.row_lines.append(number)
            continue
        if key in ("P0", "PO"):
            if record is not None:
                raise MotifFileError(
                    path, number, current, "a second matrix in one record (records end with '//')"
                )
            letters = [t.upper().replace("U", "T") for t in value.split()]
            if not letters:
                _warn(
                    f"{os.fspath(path)}, line {number}, motif {current!r}: {key} line without "
                    "base letters; columns read as A, C, G, T"
                )
                letters = list(BASES)
            if sorted(letters) != list(BASES):
                raise MotifFileError(
                    path,
                    number,
                    current,
                    f"the {key} line must name the bases A C G T, got {value!r}",
                )
            order = [letters.index(b) for b in BASES]
            record = _Record(None, number, "count")
            in_matrix, last_row = True, None
            continue
        if key.isdigit():
            raise MotifFileError(
                path, number, current, f"a matrix row outside a P0 block: {text!r}"
            )
        if not re.fullmatch(r"[A-Z0-9]{2}", key):
            raise MotifFileError(
                path,
                number,
                current,
                f"not a TRANSFAC line ('KEY value', a numbered matrix row, or '//'): {text[:60]!r}",
            )
        in_matrix = False
        if key in ("AC", "ID", "NA") and value and key not in fields:
            fields[key] = value.split()[0]
    if record is not None:
        _warn(
            f"{os.fspath(path)}: the last record has no '//' terminator; read to the end of the file"
        )
        finish()
    return records


def _transfac_name(path, fields, line, index, quiet: bool = False) -> str | None:
    ac, id_, na = fields.get("AC"), fields.get("ID"), fields.get("NA")
    if ac and _JASPAR_ACCESSION.match(ac):
        return f"{ac}_{id_}" if id_ else ac
    name = id_ or na or ac
    if name or quiet:
        return name
    return _unnamed(path, line, index, "a TRANSFAC record without ID, NA or AC")


# ---------------------------------------------------------------------------------------------
# HOMER


def parse_homer(path, lines) -> list[_Record]:
    """HOMER motif records (also the HOCOMOCO collection's file)."""
    records: list[_Record] = []
    current: _Record | None = None
    for number, line in lines:
        text = line.strip()
        if not text:
            continue
        if text.startswith(">"):
            fields = line.strip().lstrip(">").split("\t")
            if len(fields) < 2:
                fields = text[1:].split()
            if len(fields) > 1 and fields[1].strip():
                name = fields[1].strip()
            elif fields and fields[0].strip():
                name = fields[0].strip()
                _warn(
                    f"{os.fspath(path)}, line {number}: a HOMER header without a name field; "
                    f"named by its consensus {name!r}"
                )
            else:
                name = _unnamed(path, number, len(records) + 1, "an empty HOMER header")
            current = _Record(name, number, "probability")
            records.append(current)
            continue
        values = _numbers(text)
        if values is None or len(values) != 4:
            raise MotifFileError(
                path,
                number,
                current.name if current else None,
                f"not a motif record line (a '>' header or 4 probabilities): {text[:60]!r}",
            )
        if current is None:
            raise MotifFileError(path, number, None, "a matrix row before any '>' header")
        current.rows.append(values)
        current.row_lines.append(number)
    for record in records:
        if not record.rows:
            raise MotifFileError(path, record.line, record.name, "the motif has no matrix rows")
    return records


# ---------------------------------------------------------------------------------------------
# hints


def _hint(path, fmt: str) -> str:
    """A hint "; it looks like X (use fmt='X')" from the first non-blank lines, if they say."""
    try:
        head = []
        for _, line in read_lines(path):
            if line.strip():
                head.append(line.strip())
            if len(head) >= 5:
                break
    except ValueError:
        return ""
    if not head:
        return " (the file is empty)"
    text = "\n".join(head)
    guesses = [
        ("meme", text.startswith("MEME version") or "\nMOTIF" in "\n" + text),
        ("transfac", bool(re.search(r"^(AC|ID|P0|PO|VV)\s", text, re.M))),
        ("homer", bool(re.match(r">\S+\t\S+", text))),
        ("jaspar", bool(re.match(r">\S+", text)) and bool(re.search(r"^[ACGT]\s*\[", text, re.M))),
    ]
    other = [name for name, hit in guesses if hit and name != fmt]
    return f"; it looks like {other[0]} (use fmt={other[0]!r})" if other else ""
