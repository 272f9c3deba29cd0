"""Motif files as people really have them: every format, the reported examples, round trips.

Every input is written here by the test. Expected values are the matrices as written (counts
divided by each position's total), then the documented smoothing ``p * 0.999 + 0.00025``.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import lzma
import re
import warnings
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutorial_utils import Motif, read_motif_file
from tutorial_utils.motif_files import FILE_FORMATS, MotifFileError, MotifFileWarning


def smoothed(matrix) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float64)
    return matrix / matrix.sum(axis=1, keepdims=True) * 0.999 + 0.00025


def read_quietly(path, fmt):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the well-formed files below need no guess
        return read_motif_file(path, fmt)


# ---------------------------------------------------------------------------------------------
# MEME: probabilities as written, whatever nsites says


def test_meme_without_nsites_keeps_the_probabilities(tmp_path):
    path = tmp_path / "no_nsites.meme"
    path.write_text(
        "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n"
        "Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n"
        "MOTIF m1\nletter-probability matrix: alength= 4 w= 2 E= 0\n"
        "0.93 0.03 0.02 0.02\n0.1 0.2 0.3 0.4\n"
    )
    (motif,) = read_quietly(path, "meme")
    # Biopython's reader gave 0.949 0.050 0.0002 0.0002 (counts of an assumed nsites=20)
    np.testing.assert_allclose(
        motif.probabilities, smoothed([[0.93, 0.03, 0.02, 0.02], [0.1, 0.2, 0.3, 0.4]])
    )


def test_meme_with_nsites_1_keeps_the_probabilities(tmp_path):
    path = tmp_path / "nsites1.meme"
    path.write_text(
        "MEME version 5\n\nALPHABET= ACGT\n\n"
        "MOTIF one_site\nletter-probability matrix: alength= 4 w= 1 nsites= 1 E= 0\n"
        "0.4 0.3 0.2 0.1\n"
    )
    (motif,) = read_quietly(path, "meme")  # rounding to counts gave "no counts"
    np.testing.assert_allclose(motif.probabilities, smoothed([[0.4, 0.3, 0.2, 0.1]]))


def test_minimal_meme_without_background_or_matrix_keys(tmp_path):
    path = tmp_path / "minimal.meme"
    path.write_text(
        "MEME version 4\n\nALPHABET= ACGT\n\nMOTIF a\nletter-probability matrix:\n"
        "0.7 0.1 0.1 0.1\n0.2 0.2 0.5 0.1\n\nMOTIF b alt_name\n"
        "letter-probability matrix: w= 1\n 0.25\t0.25\t0.25\t0.25\n"
    )
    first, second = read_quietly(path, "meme")
    assert (first.name, second.name) == ("a", "b")
    np.testing.assert_allclose(
        first.probabilities, smoothed([[0.7, 0.1, 0.1, 0.1], [0.2] * 2 + [0.5, 0.1]])
    )
    assert len(second) == 1


def test_meme_without_version_line_is_read_with_a_warning(tmp_path):
    path = tmp_path / "tool_output.txt"
    path.write_text("MOTIF x\nletter-probability matrix:\n0.5 0.5 0 0\n")
    with pytest.warns(MotifFileWarning, match="no 'MEME version' line"):
        (motif,) = read_motif_file(path, "meme")
    np.testing.assert_allclose(motif.probabilities, smoothed([[0.5, 0.5, 0, 0]]))


def test_meme_jaspar_export_and_log_odds_sections(tmp_path):
    path = tmp_path / "jaspar_export.meme"
    path.write_text(
        "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n"
        "Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n"
        "MOTIF MA0004.1 Arnt\nletter-probability matrix: alength= 4 w= 2 nsites= 20 E= 0\n"
        "  0.200000\t  0.800000\t  0.000000\t  0.000000\n"
        "  0.950000\t  0.000000\t  0.050000\t  0.000000\n\n"
        "log-odds matrix: alength= 4 w= 2 E= 0\n 1.2 -3.3 0.5 0.1\n 0.3 0.3 0.3 -9.9\n\n"
        "URL http://jaspar.genereg.net/matrix/MA0004.1\n"
    )
    (motif,) = read_quietly(path, "meme")
    assert motif.name == "MA0004.1_Arnt"  # as the jaspar and transfac readers name it
    np.testing.assert_allclose(
        motif.probabilities, smoothed([[0.2, 0.8, 0, 0], [0.95, 0, 0.05, 0]])
    )


def test_meme_xml_probabilities(tmp_path):
    path = tmp_path / "meme.xml"
    rows = [[0.91, 0.03, 0.03, 0.03], [0.123, 0.456, 0.2, 0.221]]
    arrays = "".join(
        "<alphabet_array>"
        + "".join(f'<value letter_id="{b}">{p}</value>' for b, p in zip("ACGT", row, strict=True))
        + "</alphabet_array>\n"
        for row in rows
    )
    path.write_text(
        '<?xml version="1.0"?>\n<MEME version="5.5.0">\n<training_set>\n<alphabet name="DNA">\n'
        + "".join(f'<letter id="{b}" symbol="{b}"/>\n' for b in "ACGT")
        + "</alphabet>\n</training_set>\n<motifs>\n"
        '<motif id="motif_1" name="GATTACA" alt="MEME-1" width="2" sites="7">\n'
        f"<probabilities><alphabet_matrix>\n{arrays}</alphabet_matrix></probabilities>\n"
        "</motif>\n</motifs>\n</MEME>\n"
    )
    (motif,) = read_quietly(path, "meme")
    assert motif.name == "motif_1"
    np.testing.assert_allclose(motif.probabilities, smoothed(rows))


# ---------------------------------------------------------------------------------------------
# TRANSFAC as found in the wild

TRANSFAC_JASPAR_EXPORT = (
    "AC MA0004.1\nXX\nID Arnt\nXX\nDE MA0004.1 Arnt ; From JASPAR\n"
    "PO\tA\tC\tG\tT\n01\t4.0\t16.0\t0.0\t0.0\n02\t19.0\t0.0\t1.0\t0.0\n03\t0.0\t20.0\t0.0\t0.0\n"
    "XX\nCC tax_group:vertebrates\nCC tf_family:PAS domain factors\nXX\n//\n"
)


def test_transfac_jaspar_export(tmp_path):
    path = tmp_path / "MA0004.1.transfac"
    path.write_text(TRANSFAC_JASPAR_EXPORT)
    (motif,) = read_quietly(path, "transfac")
    assert motif.name == "MA0004.1_Arnt"
    np.testing.assert_allclose(
        motif.probabilities, smoothed([[4, 16, 0, 0], [19, 0, 1, 0], [0, 20, 0, 0]])
    )


def test_transfac_numbered_from_00_warns_and_reads(tmp_path):
    path = tmp_path / "from00.dat"
    path.write_text(
        "AC  M00100\nXX\nID  V$FROM00\nXX\nP0      A      C      G      T\n"
        "00      3      1      0      1\n01      0      5      0      0\nXX\n//\n"
    )
    with pytest.warns(MotifFileWarning, match=r"line 6, motif 'V\$FROM00': .*numbered from 00"):
        (motif,) = read_motif_file(path, "transfac")
    np.testing.assert_allclose(motif.probabilities, smoothed([[3, 1, 0, 1], [0, 5, 0, 0]]))


def test_transfac_tab_separated_with_consensus_column(tmp_path):
    path = tmp_path / "consensus.tsv"
    path.write_text(
        "ID\tTABBED\nBF\tsome factor\nP0\tA\tC\tG\tT\n01\t1.5\t2.25\t2\t0\tS\n"
        "02\t2\t1\t2.5\t0\tR\n03\t3\t0\t1\t1\tA\nXX\n//\n"
    )
    (motif,) = read_quietly(path, "transfac")
    assert motif.name == "TABBED"
    np.testing.assert_allclose(
        motif.probabilities, smoothed([[1.5, 2.25, 2, 0], [2, 1, 2.5, 0], [3, 0, 1, 1]])
    )


def test_transfac_columns_in_any_order_and_missing_terminator(tmp_path):
    path = tmp_path / "reordered.dat"
    path.write_text("NA  reordered\nP0 T G C A\n01 1 2 3 4\n02 0 0 0 7\n")
    with pytest.warns(MotifFileWarning, match="no '//' terminator"):
        (motif,) = read_motif_file(path, "transfac")
    assert motif.name == "reordered"
    np.testing.assert_allclose(motif.probabilities, smoothed([[4, 3, 2, 1], [7, 0, 0, 0]]))


def test_transfac_release_header_record_is_skipped(tmp_path):
    path = tmp_path / "matrix.dat"
    path.write_text(
        "VV  TRANSFAC MATRIX TABLE, Release 2024\nXX\n//\n"
        "AC  M00001\nXX\nID  V$MYOD_01\nXX\nP0      A      C      G      T\n"
        "01      1      2      2      0      S\n02      2      1      2      0      R\nXX\n//\n"
    )
    (motif,) = read_quietly(path, "transfac")
    assert motif.name == "V$MYOD_01" and len(motif) == 2


# ---------------------------------------------------------------------------------------------
# HOMER: duplicate names never merged


def test_homer_duplicate_names_are_kept_apart(tmp_path):
    path = tmp_path / "dups.motif"
    path.write_text(
        ">ACG\tsame\t5.0\n0.9\t0.05\t0.03\t0.02\n0.1\t0.7\t0.1\t0.1\n0\t0\t1\t0\n"
        ">TT\tsame\t4.0\n0.1\t0.1\t0.1\t0.7\n0.2\t0.2\t0.2\t0.4\n"
    )
    with pytest.warns(MotifFileWarning, match=r"'same' was already used at line 1.*'same_2'"):
        first, second = read_motif_file(path, "homer")
    assert (first.name, len(first), first.consensus) == ("same", 3, "ACG")
    assert (second.name, len(second), second.consensus) == ("same_2", 2, "TT")


def test_homer_line_that_is_not_a_record(tmp_path):
    path = tmp_path / "broken.motif"
    path.write_text(">ACG\tgood\t5.0\n0.9\t0.05\t0.03\t0.02\n<html><body>oops</body></html>\n")
    with pytest.raises(MotifFileError) as info:
        read_motif_file(path, "homer")
    assert str(path) in str(info.value) and "line 3" in str(info.value)
    assert "motif 'good'" in str(info.value)


# ---------------------------------------------------------------------------------------------
# every parser error names the file, the motif and the line

BAD_FILES = {
    "meme": [
        (
            "MEME version 4\n\nMOTIF a\nletter-probability matrix: w= 3\n0.5 0.5 0 0\n\n",
            6,
            "a",
            "w= 3",
        ),
        ("MEME version 4\n\nMOTIF a\nletter-probability matrix:\n0.5 0.5 0\n", 5, "a", "4 values"),
        (
            "MEME version 4\n\nMOTIF zero\nletter-probability matrix:\n0 0 0 0\n",
            5,
            "zero",
            "no probabilities",
        ),
        ("MEME version 4\n\nMOTIF a\nletter-probability matrix:\n0.5 -0.5 1 0\n", 5, "a", ">= 0"),
        ("MEME version 4\nALPHABET= ACDEFGHIKLMNPQRSTVWY\n", 2, None, "DNA"),
        (
            "MEME version 4\n\nMOTIF lonely\n\nMOTIF b\nletter-probability matrix:\n1 0 0 0\n",
            3,
            "lonely",
            "no letter-probability",
        ),
    ],
    "jaspar": [
        (">MA1.1 x\nA [1 2]\nC [1 2]\nG [1 2]\n", 1, "MA1.1_x", "4 rows"),
        (">MA1.1 x\nA [1 2]\nC [1 2 3]\nG [1 2]\nT [1 2]\n", 3, "MA1.1_x", "differ in length"),
        (">MA1.1 x\nA [0 1]\nC [0 1]\nG [0 1]\nT [0 1]\n", 2, "MA1.1_x", "no counts"),
        ("A [1 2]\n", 1, None, "before any '>' header"),
        (">MA1.1 x\nA [1 two]\n", 2, "MA1.1_x", "not a matrix row"),
    ],
    "pfm": [
        ("1 2\n3 4\n5 6\n", 1, "bad", "4 rows"),
        (">a\n1 2\n1 2\n1 2\n1 2\n>b\n1 2\n1 2\n1 2\n1 2\n", 6, "b", "fmt='jaspar'"),
    ],
    "transfac": [
        ("ID  x\nP0 A C G T\n01 1 2 3\nXX\n//\n", 3, "x", "a number for each base"),
        ("ID  x\nP0 A C G X\n01 1 2 3 4\nXX\n//\n", 2, "x", "A C G T"),
        ("ID  x\nP0 A C G T\n01 0 0 0 0\nXX\n//\n", 3, "x", "no counts"),
        ("ID  x\nXX\n01 1 2 3 4\n//\n", 3, "x", "outside a P0 block"),
        ("ID  x\nthis is not transfac\n", 2, "x", "not a TRANSFAC line"),
    ],
    "homer": [
        ("0.25 0.25 0.25 0.25\n", 1, None, "before any '>' header"),
        (">A\tx\t1\n0.5 0.5\n", 2, "x", "4 probabilities"),
        (">A\tx\t1\n>C\ty\t1\n1 0 0 0\n", 1, "x", "no matrix rows"),
    ],
}


@pytest.mark.parametrize(
    ("fmt", "text", "line", "motif", "problem"),
    [(fmt, *case) for fmt, cases in BAD_FILES.items() for case in cases],
)
def test_every_parser_error_names_file_motif_and_line(tmp_path, fmt, text, line, motif, problem):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MotifFileWarning)
        with pytest.raises(MotifFileError) as info:
            read_motif_file(path, fmt)
    message = str(info.value)
    assert message.startswith(f"{path}, line {line}, "), message
    who = f"motif {motif!r}" if motif else "before the first motif"
    assert who in message and problem in message, message
    assert (info.value.line, info.value.motif) == (line, motif)


def test_wrong_format_says_which_format_the_file_looks_like(tmp_path):
    path = tmp_path / "actually_meme.txt"
    path.write_text("MEME version 4\n\nMOTIF a\nletter-probability matrix:\n1 0 0 0\n")
    with pytest.raises(MotifFileError, match=r"looks like meme \(use fmt='meme'\)"):
        read_motif_file(path, "homer")
    empty = tmp_path / "empty.meme"
    empty.write_text("\n\n")
    with pytest.raises(MotifFileError, match="no motifs found in meme format"):
        read_motif_file(empty, "meme")


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match=r"fmt must be one of \['meme'"):
        read_motif_file(tmp_path, "genbank")
    with pytest.raises(TypeError, match="fmt must be one of"):
        read_motif_file(tmp_path / "x", None)
    with pytest.raises(FileNotFoundError, match="path: no such file"):
        read_motif_file(tmp_path / "missing.meme", "meme")
    with pytest.raises(TypeError, match="path must be a file path"):
        read_motif_file(3, "meme")


# ---------------------------------------------------------------------------------------------
# round trips of every format on non-round matrices, in the files tools write (property)


def _row_text(values, sep=" "):
    return sep.join(repr(float(v)) for v in values)


def write_motifs(fmt: str, motifs: list[tuple[str, np.ndarray]], sep: str) -> str:
    """The file text a tool would write for ``(name, matrix)`` pairs (matrix: positions x 4)."""
    out = []
    if fmt == "meme":
        out.append("MEME version 5\n\nALPHABET= ACGT\n\nstrands: + -\n")
        for name, matrix in motifs:
            out.append(f"\nMOTIF {name}\nletter-probability matrix: alength= 4 w= {len(matrix)}\n")
            out += [_row_text(row, sep) + "\n" for row in matrix]
    elif fmt == "homer":
        for name, matrix in motifs:
            consensus = "".join("ACGT"[i] for i in matrix.argmax(axis=1))
            out.append(f">{consensus}\t{name}\t6.5\n")
            out += [_row_text(row, "\t") + "\n" for row in matrix]
    elif fmt in ("jaspar", "pfm"):
        for i, (name, matrix) in enumerate(motifs):
            if fmt == "jaspar":
                out.append(f">MA{i:04d}.1 {name}\n")
            out += [
                f"{b}  [ {_row_text(column, sep)} ]\n"
                for b, column in zip("ACGT", matrix.T, strict=True)
            ]
    elif fmt == "transfac":
        for name, matrix in motifs:
            out.append(f"AC  M{len(out):05d}\nXX\nID  {name}\nXX\nP0{sep}A{sep}C{sep}G{sep}T\n")
            out += [f"{i + 1:02d}{sep}{_row_text(row, sep)}\n" for i, row in enumerate(matrix)]
            out.append("XX\n//\n")
    return "".join(out)


def write_bytes(path, text: str, newline: str, bom: bool, compression: str | None) -> None:
    data = (codecs.BOM_UTF8 if bom else b"") + text.replace("\n", newline).encode()
    if compression == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("motifs.txt", data)
        return
    packers = {None: bytes, "gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}
    path.write_bytes(packers[compression](data))


matrices = st.integers(1, 12).flatmap(
    lambda length: st.lists(
        st.lists(
            st.floats(0.001, 1000, allow_nan=False).map(lambda v: round(v, 6)),
            min_size=4,
            max_size=4,
        ),
        min_size=length,
        max_size=length,
    )
)
names = st.from_regex(r"[A-Za-z][A-Za-z0-9_.-]{0,11}", fullmatch=True)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fmt=st.sampled_from(FILE_FORMATS),
    motifs=st.lists(st.tuples(names, matrices), min_size=1, max_size=3, unique_by=lambda m: m[0]),
    sep=st.sampled_from([" ", "\t", "   "]),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
    compression=st.sampled_from([None, "gzip", "bzip2", "xz", "zip"]),
)
def test_round_trip_of_every_format(tmp_path, fmt, motifs, sep, newline, bom, compression):
    if fmt == "pfm":
        motifs = motifs[:1]
    written = []
    for name, rows in motifs:
        matrix = np.array(rows)
        if fmt in ("meme", "homer"):  # probability formats: rows of probabilities
            matrix = matrix / matrix.sum(axis=1, keepdims=True)
        written.append((name, matrix))
    path = tmp_path / f"motifs_{fmt}.txt"  # the name says nothing about the compression
    write_bytes(path, write_motifs(fmt, written, sep), newline, bom, compression)
    read = read_quietly(path, fmt)
    assert len(read) == len(written)
    for motif, (name, matrix) in zip(read, written, strict=True):
        expected_name = {"jaspar": None, "pfm": "motifs_pfm"}.get(fmt, name)
        if fmt == "jaspar":
            assert motif.name.endswith(f"_{name}")
        else:
            assert motif.name == expected_name
        np.testing.assert_allclose(motif.probabilities, smoothed(matrix), rtol=1e-12)


def test_pfm_with_four_columns_is_read_transposed_with_a_warning(tmp_path):
    path = tmp_path / "columns.pfm"
    path.write_text("1 2 3 4\n4 3 2 1\n0 0 9 1\n1 1 1 1\n5 0 0 0\n")
    with pytest.warns(MotifFileWarning, match="one row per position"):
        (motif,) = read_motif_file(path, "pfm")
    assert motif.name == "columns"
    np.testing.assert_allclose(motif.probabilities[4], smoothed([[5, 0, 0, 0]])[0])


def test_biopython_written_files_read_back(tmp_path):
    from Bio import motifs as bio_motifs

    counts = {"A": [3, 0, 11, 2], "C": [5, 9, 0, 2], "G": [1, 1, 0, 7], "T": [2, 1, 0, 0]}
    bio = bio_motifs.Motif(alphabet="ACGT", counts=counts)
    bio.name, bio.matrix_id = "toy", "MA9999.1"
    expected = smoothed(np.array([counts[b] for b in "ACGT"]).T)
    for fmt in ("jaspar", "transfac", "pfm"):
        path = tmp_path / f"bio.{fmt}"
        path.write_text(bio_motifs.write([bio], fmt))
        if fmt == "transfac":  # Biopython writes no ID line for a motif without one
            with pytest.warns(MotifFileWarning, match="without ID, NA or AC; named 'motif_1'"):
                (motif,) = read_motif_file(path, fmt)
        else:
            (motif,) = read_motif_file(path, fmt)
            assert motif.name == {"jaspar": "MA9999.1_toy", "pfm": "bio"}[fmt]
        np.testing.assert_allclose(motif.probabilities, expected, rtol=1e-12, err_msg=fmt)


# ---------------------------------------------------------------------------------------------
# zero probabilities: smoothed the same way everywhere


def test_zero_probabilities_are_smoothed_the_same_way_everywhere(tmp_path):
    from tutorial_utils import get_motif_scores, match_filters_to_motifs, one_hot_encode

    hard = [[1.0, 0, 0, 0], [0, 1.0, 0, 0]]
    motif = Motif("AC", hard)
    np.testing.assert_allclose(motif.probabilities, smoothed(hard))
    path = tmp_path / "ac.meme"
    path.write_text("MEME version 4\n\nMOTIF AC\nletter-probability matrix:\n1 0 0 0\n0 1 0 0\n")
    assert read_motif_file(path, "meme")[0] == motif  # file, Motif and array agree
    X = one_hot_encode(["GGACGG"])
    scores = get_motif_scores(X, [motif])
    assert np.all(np.isfinite(scores))
    assert scores[0, 0].argmax() == 2  # the AC starting at 2 peaks at 2 + (2 - 1) // 2
    np.testing.assert_array_equal(get_motif_scores(X, [np.array(hard)]), scores)
    filters = np.log(motif.probabilities / 0.25)[None]
    table = match_filters_to_motifs(filters, {"AC": np.array(hard), "GG": [[0, 0, 1, 0]] * 2})
    assert table.motif[0] == "AC" and table.similarity[0] > 0.99


def test_motif_messages_name_the_motif():
    with pytest.raises(ValueError, match=r"motif 'bad': row 1 sums to"):
        Motif("bad", [[1, 0, 0, 0], [0.5, 0.1, 0, 0]])
    with pytest.raises(ValueError, match="motif 'nan'.*finite"):
        Motif("nan", [[np.nan, 0, 0, 1]])
    with pytest.raises(TypeError, match="motif 'txt'"):
        Motif("txt", "ACGT")
    assert re.search("0.00025", repr(Motif("hard", [[0, 0, 0, 1]]).probabilities.tolist()))
