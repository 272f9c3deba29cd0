"""`workshop data fetch`: named data sets into a shared read-only folder, against a loopback
HTTP server with small files (no network beyond 127.0.0.1)."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import json
import os
import stat
import threading
from functools import partial

import pytest

from hub import shared_data as datasets
from hub.cli.main import main
from hub.settings import WorkshopSettings


@pytest.fixture
def server(tmp_path):
    """A loopback HTTP server over a folder with a gzipped genome and a narrowPeak file."""
    served = tmp_path / "served"
    served.mkdir()
    genome = ">chr1 first\n" + "ACGTACGTAC\n" * 30 + "ACG\n" + ">chr2\n" + "ggccaattNN\n" * 25
    with gzip.open(served / "toy.fa.gz", "wt") as handle:
        handle.write(genome)
    (served / "peaks.narrowPeak").write_text("chr1\t50\t250\t.\t0\t.\t1\t1\t1\t100\n")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", served
    httpd.shutdown()
    httpd.server_close()


def test_fetch_unpacks_indexes_and_leaves_read_only_files(server, tmp_path, capsys):
    url, _ = server
    data_dir, shared = tmp_path / "state", tmp_path / "shared"
    env = {"WORKSHOP_DATASETS_DIR": str(shared)}
    os.environ.update(env)
    try:
        entries = [f"toy={url}/toy.fa.gz", f"ctcf={url}/peaks.narrowPeak"]
        assert (
            main(["settings", "set", "--data-dir", str(data_dir), "datasets", ",".join(entries)])
            == 0
        )
        assert main(["data", "fetch", "--data-dir", str(data_dir)]) == 0
        genome = shared / "toy" / "toy.fa"
        assert genome.read_text().startswith(">chr1 first\nACGT")
        # samtools' .fai: name, length, offset of the first base, bases and bytes per line
        assert (shared / "toy" / "toy.fa.fai").read_text().splitlines() == [
            "chr1\t303\t12\t10\t11",
            f"chr2\t250\t{12 + 30 * 11 + 4 + 6}\t10\t11",
        ]
        for path in (genome, shared / "ctcf" / "peaks.narrowPeak", shared / "MANIFEST.json"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o444
        manifest = json.loads((shared / "MANIFEST.json").read_text())
        assert manifest["toy"]["url"] == f"{url}/toy.fa.gz"
        assert (
            manifest["toy"]["files"][0]["sha256"] == hashlib.sha256(genome.read_bytes()).hexdigest()
        )
        capsys.readouterr()
        assert main(["data", "fetch", "--data-dir", str(data_dir)]) == 0  # again: nothing to do
        assert capsys.readouterr().out.count("skipped") == 2
        assert main(["data", "list", "--data-dir", str(data_dir)]) == 0
        assert "ctcf" in capsys.readouterr().out
    finally:
        for name in env:
            os.environ.pop(name, None)


def test_the_fetched_genome_serves_the_loaders_without_writing(server, tmp_path):
    tu = pytest.importorskip("tutorial_utils")
    url, _ = server
    datasets.fetch(
        [f"toy={url}/toy.fa.gz", f"ctcf={url}/peaks.narrowPeak"], tmp_path / "d", log=lambda m: None
    )
    genome = tu.open_genome(tmp_path / "d" / "toy" / "toy.fa")  # read-only folder: index exists
    assert genome["chr2"][0:10] == "ggccaattNN"
    windows = tu.peak_sequences(tmp_path / "d" / "ctcf" / "peaks.narrowPeak", genome, width=20)
    assert windows.sequence[0] == ("ACGTACGTAC" * 30)[140:160]


def test_bad_entries_and_failed_downloads_name_the_data_set(server, tmp_path):
    url, _ = server
    with pytest.raises(ValueError, match="unknown data set"):
        WorkshopSettings.load(data_dir=tmp_path, overrides={"datasets": ["hg19"]})
    with pytest.raises(ValueError, match="http"):
        datasets.parse_entry("x=ftp://example.org/x.fa")
    with pytest.raises(RuntimeError, match=r"missing: cannot fetch .*404"):
        datasets.fetch([f"missing={url}/nothing.bed"], tmp_path / "d", log=lambda m: None)
    assert not (tmp_path / "d" / "missing").exists()
    corrupt = datasets.DataSet("toy", f"{url}/toy.fa.gz", sha256="0" * 64)
    datasets.CATALOGUE["corrupt-test"] = corrupt
    try:
        with pytest.raises(RuntimeError, match="SHA-256"):
            datasets.fetch(["corrupt-test"], tmp_path / "d", log=lambda m: None)
    finally:
        del datasets.CATALOGUE["corrupt-test"]
    assert not (tmp_path / "d" / "toy").exists()


def test_the_local_spawner_exposes_the_shared_folder_to_learners(tmp_path):
    import logging
    from types import SimpleNamespace

    from hub.spawners.local import WorkshopLocalSpawner

    shared = tmp_path / "workshop-data"
    shared.mkdir()
    spawner = SimpleNamespace(
        hidden_dirs=[str(tmp_path / ".workshop")],
        shared_dirs=[str(shared), str(tmp_path / "not-fetched")],
        home_dir=str(tmp_path / "home"),
        tmp_size=0,
        notebooks_dir="",
        user=SimpleNamespace(name="doe_jane"),
        log=logging.getLogger("test"),
    )
    spec = WorkshopLocalSpawner._sandbox_spec(spawner, (1000, 1000))
    assert os.path.realpath(shared) in spec["expose"]
    assert not any("not-fetched" in path for path in spec["expose"])
