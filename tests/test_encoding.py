"""One-hot encoding, decoding, reverse complement and FASTA reading."""

from __future__ import annotations

import bz2
import codecs
import gzip
import lzma
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutorial_utils import (
    encode_fasta_sequences,
    one_hot_decode,
    one_hot_encode,
    read_fasta,
    reverse_complement,
)


def test_layout_is_n_l_4_in_acgt_order():
    X = one_hot_encode(["ACGT", "TTGA"])
    assert X.shape == (2, 4, 4) and X.dtype == np.float32
    np.testing.assert_array_equal(X[0], np.eye(4))
    np.testing.assert_array_equal(X[1].argmax(axis=1), [3, 3, 2, 0])
    assert one_hot_encode("ACG").shape == (1, 3, 4)


def test_lowercase_encodes_like_uppercase():
    np.testing.assert_array_equal(one_hot_encode(["acgtNn"]), one_hot_encode(["ACGTNN"]))


def test_n_is_all_zero_and_decodes_back_to_n():
    X = one_hot_encode(["ANT"])
    np.testing.assert_array_equal(X[0, 1], [0, 0, 0, 0])
    assert one_hot_decode(X)[0] == "ANT"


def test_invalid_character_names_sequence_and_position():
    with pytest.raises(ValueError) as info:
        one_hot_encode(["ACGT", "ACXT"])
    message = str(info.value)
    assert "sequences[1]" in message and "position 2" in message and "'X'" in message


def test_unequal_lengths_and_empty_input_are_rejected():
    with pytest.raises(ValueError, match="same length"):
        one_hot_encode(["ACGT", "ACG"])
    with pytest.raises(ValueError, match="at least one"):
        one_hot_encode([])


def test_round_trip_on_random_sequences():
    rng = np.random.default_rng(0)
    sequences = ["".join(rng.choice(list("ACGT"), size=50)) for _ in range(20)]
    decoded = one_hot_decode(one_hot_encode(sequences))
    assert decoded.tolist() == sequences


def test_reverse_complement_of_strings_and_arrays_agree():
    assert reverse_complement("AACGTN") == "NACGTT"
    X = one_hot_encode(["AACGTG", "TTTACG"])
    assert one_hot_decode(reverse_complement(X)).tolist() == ["CACGTT", "CGTAAA"]


FASTA = ">seq1 first record\nACGT\nacgt\n\n>seq2\nTTTTGGGG\n"


def test_read_fasta_plain_and_gz(tmp_path):
    plain = tmp_path / "x.fa"
    plain.write_text(FASTA)
    packed = tmp_path / "x.fa.gz"
    packed.write_bytes(gzip.compress(FASTA.encode()))
    for path in (plain, packed):
        names, sequences = read_fasta(path)
        assert names == ["seq1", "seq2"]
        assert sequences == ["ACGTACGT", "TTTTGGGG"]
    X = encode_fasta_sequences(packed)
    assert X.shape == (2, 8, 4)


def test_read_fasta_rejects_headerless_and_empty_files(tmp_path):
    bad = tmp_path / "bad.fa"
    bad.write_text("ACGT\n>x\nAC\n")
    with pytest.raises(ValueError, match="line 1"):
        read_fasta(bad)
    empty = tmp_path / "empty.fa"
    empty.write_text("\n")
    with pytest.raises(ValueError, match="no FASTA records"):
        read_fasta(empty)


# ---------------------------------------------------------------------------------------------
# the files and strings people really have (issue examples), and properties per kind


def test_fasta_with_a_utf8_byte_order_mark(tmp_path):
    path = tmp_path / "from_notepad.fa"
    path.write_bytes(codecs.BOM_UTF8 + b">seq1\nACGT\n")
    assert read_fasta(path) == (["seq1"], ["ACGT"])  # was "sequence data before any '>' header"


def test_fasta_compression_is_recognised_from_the_first_bytes(tmp_path):
    text = b">a\nACGT\n>b\nTTGA\n"
    for name, data in [
        ("gzip_named.txt", gzip.compress(text)),
        ("bzip2.fa", bz2.compress(text)),
        ("xz.fa.gz", lzma.compress(text)),  # a misleading name: the bytes decide
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        assert read_fasta(path) == (["a", "b"], ["ACGT", "TTGA"]), name
    with zipfile.ZipFile(tmp_path / "one.zip", "w") as archive:
        archive.writestr("inner.fa", text)
    assert read_fasta(tmp_path / "one.zip")[1] == ["ACGT", "TTGA"]
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        archive.writestr("a.fa", text)
        archive.writestr("b.fa", text)
    with pytest.raises(ValueError, match="exactly one file, it holds 2"):
        read_fasta(tmp_path / "two.zip")
    (tmp_path / "z.zst").write_bytes(b"\x28\xb5\x2f\xfd" + b"\0" * 10)
    with pytest.raises(ValueError, match="zstd-compressed"):
        read_fasta(tmp_path / "z.zst")


def test_fasta_blank_lines_crlf_lowercase_n_and_comments(tmp_path):
    path = tmp_path / "windows.fa"
    path.write_bytes(b"\r\n; a comment\r\n>chr1:1-8 soft-masked\r\nacgT\r\n\r\nNNac\r\n\r\n>e\r\n")
    assert read_fasta(path) == (["chr1:1-8", "e"], ["ACGTNNAC", ""])
    old_mac = tmp_path / "old_mac.fa"
    old_mac.write_bytes(b">x\rAC\rGT\r")
    assert read_fasta(old_mac) == (["x"], ["ACGT"])


def test_fasta_errors_name_file_line_and_record(tmp_path):
    path = tmp_path / "bad.fa"
    path.write_text(">ok\nACGT\n>r2\nAC1T\n")
    with pytest.raises(
        ValueError, match=r"bad.fa: line 4 \(record 'r2'\) has invalid character '1'"
    ):
        read_fasta(path)
    binary = tmp_path / "image.png"
    binary.write_bytes(b">x\n\x89PNG\xff\xfe\n")
    with pytest.raises(ValueError, match="image.png: line 2 is not utf-8 text"):
        read_fasta(binary)
    iupac = tmp_path / "iupac.fa"
    iupac.write_text(">a\nACGT\n>b\nACRT\n")
    with pytest.raises(ValueError, match=r"record 1 \('b'\) has invalid character 'R'.*IUPAC"):
        encode_fasta_sequences(iupac)


def test_one_hot_encode_bad_sequences_get_the_documented_messages():
    with pytest.raises(ValueError, match=r"sequences\[0\] has invalid character 'é' at position 4"):
        one_hot_encode(["ACGTé"])  # was a raw UnicodeEncodeError
    with pytest.raises(
        ValueError, match=r"sequences must not be empty; sequences\[1\] has length 0"
    ):
        one_hot_encode(["ACGT", ""])  # was a reshape error
    with pytest.raises(TypeError, match="sequences must be a DNA string or a list of DNA strings"):
        one_hot_encode(None)  # was "'NoneType' object is not iterable"
    with pytest.raises(TypeError, match=r"sequences\[1\] must be a DNA string, got 7"):
        one_hot_encode(["ACGT", 7])
    np.testing.assert_array_equal(  # pandas and object arrays of strings work
        one_hot_encode(np.array(["AC", "GT"], dtype=object)), one_hot_encode(["AC", "GT"])
    )


def test_reverse_complement_handles_iupac_codes_and_refuses_the_rest():
    assert reverse_complement("ACGTRY") == "RYACGT"  # was "YRACGT": R and Y left as they were
    assert reverse_complement("KMBVDHSWN") == "NWSDHBVKM"
    assert reverse_complement("acgtr") == "yacgt"
    with pytest.raises(ValueError, match="invalid character 'X' at position 2"):
        reverse_complement("ACXT")
    with pytest.raises(TypeError, match="X must be a DNA string or a one-hot array"):
        reverse_complement(None)
    with pytest.raises(TypeError, match="list comprehension"):
        reverse_complement(["ACGT", "TT"])


iupac_strings = st.text(alphabet="ACGTRYSWKMBDHVNacgtrysw", max_size=60)


@given(iupac_strings)
def test_reverse_complement_is_an_involution_and_complements_letter_sets(sequence):
    once = reverse_complement(sequence)
    assert reverse_complement(once) == sequence
    sets = {
        "A": "A",
        "C": "C",
        "G": "G",
        "T": "T",
        "R": "AG",
        "Y": "CT",
        "S": "CG",
        "W": "AT",
        "K": "GT",
        "M": "AC",
        "B": "CGT",
        "D": "AGT",
        "H": "ACT",
        "V": "ACG",
        "N": "ACGT",
    }
    pair = str.maketrans("ACGT", "TGCA")
    for original, complemented in zip(sequence, reversed(once), strict=True):
        expected = "".join(sorted(sets[original.upper()].translate(pair)))
        assert sets[complemented.upper()] == expected
        assert original.isupper() == complemented.isupper()


@given(st.lists(st.text(alphabet="ACGTNacgtn", min_size=12, max_size=12), min_size=1, max_size=8))
def test_one_hot_round_trip_and_reverse_complement_agree(sequences):
    X = one_hot_encode(sequences)
    assert one_hot_decode(X).tolist() == [s.upper() for s in sequences]
    assert one_hot_decode(reverse_complement(X)).tolist() == [
        reverse_complement(s.upper()) for s in sequences
    ]


@given(
    st.text(alphabet="ACGT", min_size=1, max_size=20),
    st.integers(0, 19),
    st.characters(exclude_characters="ACGTNacgtn", exclude_categories=("Cs",)),
)
def test_any_bad_character_is_named_with_its_position(sequence, position, bad):
    position %= len(sequence)
    broken = sequence[:position] + bad + sequence[position + 1 :]
    with pytest.raises(ValueError) as info:
        one_hot_encode([sequence, broken])
    assert f"sequences[1] has invalid character {bad!r} at position {position}" in str(info.value)


records = st.lists(
    st.tuples(
        st.from_regex(r"[A-Za-z0-9_.:|-]{1,12}", fullmatch=True),
        st.text(alphabet="ACGTNacgtn", max_size=150),
    ),
    min_size=1,
    max_size=5,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=records,
    width=st.integers(1, 80),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    bom=st.sampled_from([b"", codecs.BOM_UTF8]),
    blank_lines=st.booleans(),
    compression=st.sampled_from([None, "gzip", "bzip2", "xz"]),
)
def test_fasta_reads_back_whatever_way_it_was_written(
    tmp_path, records, width, newline, bom, blank_lines, compression
):
    lines = []
    for name, sequence in records:
        lines.append(f">{name} some description")
        lines += [sequence[i : i + width] for i in range(0, len(sequence), width)]
        if blank_lines:
            lines.append("")
    data = bom + newline.join(lines).encode() + newline.encode()
    pack = {None: bytes, "gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}
    path = tmp_path / "records.txt"
    path.write_bytes(pack[compression](data))
    names, sequences = read_fasta(path)
    assert names == [name for name, _ in records]
    assert sequences == [sequence.upper() for _, sequence in records]
