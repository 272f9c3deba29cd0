"""One-hot encoding, decoding, reverse complement and FASTA reading."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

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
