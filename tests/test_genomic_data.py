"""Real sequences: FASTA pairs, peaks on an indexed genome, GC-matched background, splits."""

from __future__ import annotations

import numpy as np
import pytest

import tutorial_utils as tu

CHROMOSOMES = {"chr1": 40_000, "chr2": 20_000, "chr3": 20_000, "chrX": 20_000}
MOTIF = "TGCTGACTCAGCA"


@pytest.fixture(scope="module")
def genome_and_peaks(tmp_path_factory):
    """A small genome (lower-case first 2 kb of each chromosome, an N run at its start) with a
    motif at every peak summit, and the narrowPeak file of those peaks."""
    tmp = tmp_path_factory.mktemp("genome")
    rng = np.random.default_rng(1)
    records, peaks = [], []
    for name, length in CHROMOSOMES.items():
        bases = rng.choice(list("ACGT"), size=length, p=[0.3, 0.2, 0.2, 0.3])
        bases[:300] = "N"
        for summit in range(1000, length - 1000, 1500):
            bases[summit - 6 : summit + 7] = list(MOTIF)
            peaks.append(f"{name}\t{summit - 100}\t{summit + 150}\t.\t0\t.\t1\t1\t1\t100")
        sequence = "".join(bases)
        sequence = sequence[:2000].lower() + sequence[2000:]
        lines = "\n".join(sequence[i : i + 70] for i in range(0, length, 70))
        records.append(f">{name}\n{lines}\n")
    genome = tmp / "genome.fa"
    genome.write_text("".join(records))
    tu.index_genome(genome)
    bed = tmp / "peaks.narrowPeak"
    bed.write_text("\n".join(peaks) + "\n")
    return genome, bed


def test_read_peaks_takes_narrowpeak_summits_and_bed_midpoints(tmp_path):
    path = tmp_path / "p.bed"
    path.write_text("track name=x\n# comment\nchr1\t100\t200\nchr2 10 30 peak7 5 + 1 1 1 4\n")
    peaks = tu.read_peaks(path)
    assert list(peaks.summit) == [150, 14]
    assert list(peaks.name) == ["chr1:100-200", "peak7"]


def test_peak_windows_are_centred_on_summits_and_keep_the_genome_case(genome_and_peaks):
    genome, bed = genome_and_peaks
    windows = tu.peak_sequences(bed, genome, width=41)
    assert (windows.window_end - windows.window_start == 41).all()
    assert all(s[14:27].upper() == MOTIF for s in windows.sequence)
    assert any(s.islower() for s in windows.sequence)  # soft-masked bases as in the genome
    with pytest.raises(ValueError, match="width=50000"):
        tu.peak_sequences(bed, genome, width=50_000)
    with pytest.warns(UserWarning, match="ran off"):
        kept = tu.peak_sequences(bed, genome, width=25_000, off_end="drop")
    assert set(kept.chrom) == {"chr1"}


def test_genome_without_index_is_refused_and_can_be_indexed(tmp_path):
    genome = tmp_path / "g.fa"
    genome.write_text(">chr1\nACGTACGT\nACGT\n")
    with pytest.raises(ValueError, match="has no index"):
        tu.open_genome(genome)
    tu.index_genome(genome)
    assert tu.open_genome(genome)["chr1"][6:10] == "GTAC"


def test_background_is_gc_matched_and_avoids_peaks(genome_and_peaks):
    genome, bed = genome_and_peaks
    peaks = tu.read_peaks(bed)
    # half the sequences at 30 % GC, half at 50 %: the genome's windows (40 % on average) hold both
    like = ["".join("GC"[i % 2] if i < 15 else "AT"[i % 2] for i in range(50))] * 30
    like += ["".join("GC"[i % 2] if i < 25 else "AT"[i % 2] for i in range(50))] * 30
    drawn = tu.background_sequences(genome, 60, width=50, like=like, exclude=peaks, seed=0)
    assert len(drawn) == 60
    assert np.mean(drawn.gc < 0.4) == pytest.approx(0.5, abs=0.1)
    assert abs(drawn.gc.mean() - 0.4) < 0.03
    for row in drawn.itertuples():
        same = peaks[peaks.chrom == row.chrom]
        assert not ((same.start < row.window_end) & (same.end > row.window_start)).any()
        assert row.sequence.upper().count("N") <= 5


def test_load_peaks_splits_by_chromosome_with_reverse_complements(genome_and_peaks):
    genome, bed = genome_and_peaks
    data = tu.load_peaks(
        bed,
        genome,
        width=100,
        valid_chroms=["chr2"],
        test_chroms=["chr3"],
        reverse_complements=True,
    )
    assert data.chromosomes == (("chr1", "chrX"), ("chr2",), ("chr3",))
    assert data.X_train.shape[1:] == (100, 4)
    half = len(data.X_train) // 2
    np.testing.assert_array_equal(data.X_train[half:], data.X_train[:half, ::-1, ::-1])
    assert all(r.endswith("(-)") for r in data.regions_train[half:])
    for y in (data.y_valid, data.y_test):
        assert 0 < y.mean() < 1
    gc = tu.gc_content(data.X_test)
    assert abs(np.nanmean(gc[data.y_test[:, 0]]) - np.nanmean(gc[~data.y_test[:, 0]])) < 0.05


def test_fasta_pairs_drop_n_rich_sequences_and_read_mixed_case(tmp_path):
    rng = np.random.default_rng(0)
    records = {True: [], False: []}
    for label in (True, False):
        for chrom in ("chr1", "chr2", "chr3"):
            for i in range(4):
                sequence = "".join(rng.choice(list("ACGTacgt"), 30))
                records[label].append((f"{chrom}:{i * 100}-{i * 100 + 30}", sequence))
    records[True].append(("chr3:900-930", "N" * 28 + "AC"))
    paths = []
    for label in (True, False):
        path = tmp_path / f"{label}.fa"
        path.write_text("".join(f">{r}\n{s}\n" for r, s in records[label]))
        paths.append(path)
    with pytest.warns(UserWarning, match="1 of 25 sequences"):
        data = tu.load_fasta_sequences(*paths, valid_chroms=["chr1"], test_chroms=["chr2"])
    assert len(data.X_train) == 8 and data.X_train.sum() == 8 * 30  # lower case is one-hot too
    assert list(data.regions_valid[:1]) == ["chr1:0-30"]


def test_the_example_peaks_are_janggus_files():
    names, sequences = tu.read_fasta(tu.example_peaks_fasta("oct4"))
    assert len(names) == 3897 and {len(s) for s in sequences} == {200}
    assert names[0].startswith("chr") and ":" in names[0]
