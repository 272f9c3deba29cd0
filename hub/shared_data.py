"""Data sets an instructor fetches before class into one shared, read-only folder.

A notebook never downloads: a real genome is gigabytes, and a room of learners fetching it at
once would saturate the network (the learners' containers have none). ``workshop data fetch``
(``hub/cli/data.py``) fetches the data sets named by the setting ``datasets`` into the setting
``datasets_dir`` once, on the host:

- each entry is a catalogue name (``hg38``, ``mm10``: UCSC genome FASTAs) or ``NAME=URL`` (any
  http(s) or file URL, e.g. an ENCODE narrowPeak file);
- a download goes to ``.partial/`` and is moved in place only when complete (and, where the
  catalogue gives one, when its SHA-256 matches); gzip files are unpacked (pyfaidx indexes only
  plain or BGZF FASTA, and unpacked files are what ``tutorial_utils.read_peaks`` and
  ``load_peaks`` read fastest);
- a FASTA gets its samtools-style ``.fai`` index beside it, so learners open it with
  ``tutorial_utils.open_genome`` without writing anything;
- files become read-only (0444, folders 0755), and ``MANIFEST.json`` records each data set's
  URL, files, sizes and SHA-256; a data set already fetched from the same URL is skipped.

Learners see the folder read-only: the Docker spawner binds it at ``/opt/workshop/data``
(``hub/spawners/docker.py``); the local spawner's sandbox exposes it at its own path
(``shared_dirs``), like the Python installation. This module imports nothing from
``tutorial_utils``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "MANIFEST.json"
CONTAINER_PATH = "/opt/workshop/data"  # where learners' containers see the folder
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")
_FASTA_SUFFIXES = (".fa", ".fasta", ".fna")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class DataSet:
    """One named data set: a single file at ``url`` (``sha256`` checked when given)."""

    name: str
    url: str
    description: str = ""
    sha256: str | None = None


CATALOGUE = {
    "hg38": DataSet(
        "hg38",
        "https://hgdownload.soe.ucsc.edu/goldenPath/hg38/bigZips/hg38.fa.gz",
        "Human genome GRCh38/hg38, UCSC (soft-masked FASTA, ~3.1 GB unpacked)",
    ),
    "mm10": DataSet(
        "mm10",
        "https://hgdownload.soe.ucsc.edu/goldenPath/mm10/bigZips/mm10.fa.gz",
        "Mouse genome GRCm38/mm10, UCSC (soft-masked FASTA, ~2.7 GB unpacked)",
    ),
}


def parse_entry(entry: str) -> DataSet:
    """A ``datasets`` entry -> DataSet: a catalogue name, or ``NAME=URL``.

    Raises ValueError naming the entry for an unknown name, a bad NAME or a URL that is not
    http(s):// or file://.
    """
    if not isinstance(entry, str) or not entry.strip():
        raise ValueError(f"datasets entries must be non-empty strings, got {entry!r}")
    name, sep, url = entry.strip().partition("=")
    name = name.strip()
    if not sep:
        if name not in CATALOGUE:
            raise ValueError(
                f"datasets entry {entry!r}: unknown data set; the catalogue has "
                f"{', '.join(sorted(CATALOGUE))}, or give NAME=URL"
            )
        return CATALOGUE[name]
    if not _NAME_RE.match(name):
        raise ValueError(
            f"datasets entry {entry!r}: NAME must be lower-case letters, digits, '_', '.', '-'"
        )
    url = url.strip()
    scheme = urllib.parse.urlparse(url).scheme
    if scheme not in ("http", "https", "file"):
        raise ValueError(f"datasets entry {entry!r}: the URL must be http(s):// or file://")
    return DataSet(name, url)


def read_manifest(folder: str | os.PathLike) -> dict:
    """The manifest of a data folder: name -> {url, files: [{path, bytes, sha256}]}; {} if none."""
    path = Path(folder) / MANIFEST
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def fetch(entries, folder: str | os.PathLike, log=print, timeout: float = 60.0) -> dict:
    """Fetch the data sets ``entries`` (``datasets`` setting values) into ``folder``.

    Returns the updated manifest. Raises ValueError for a bad entry (before any download) and
    RuntimeError naming the data set and URL for a download that fails or does not match its
    SHA-256; data sets fetched before the failure stay.
    """
    datasets = [parse_entry(entry) for entry in entries]
    if not datasets:
        raise ValueError(
            "no data sets to fetch: name some (workshop data fetch hg38) or set datasets"
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _make_writable(folder)
    manifest = read_manifest(folder)
    try:
        for dataset in datasets:
            known = manifest.get(dataset.name)
            if known and known.get("url") == dataset.url and _present(folder, known):
                log(f"{dataset.name}: present ({_size(known)}), skipped")
                continue
            log(f"{dataset.name}: fetching {dataset.url}")
            manifest[dataset.name] = _fetch_one(dataset, folder, timeout)
            log(f"{dataset.name}: {_size(manifest[dataset.name])} in {folder / dataset.name}")
            _write_manifest(folder, manifest)
    finally:
        _make_read_only(folder)
    return manifest


def _fetch_one(dataset: DataSet, folder: Path, timeout: float) -> dict:
    partial = folder / ".partial"
    partial.mkdir(exist_ok=True)
    filename = Path(urllib.parse.urlparse(dataset.url).path).name or dataset.name
    download = partial / filename
    digest = hashlib.sha256()
    try:
        with (
            urllib.request.urlopen(dataset.url, timeout=timeout) as response,
            open(download, "wb") as out,
        ):
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
    except (urllib.error.URLError, OSError, ValueError) as error:
        download.unlink(missing_ok=True)
        raise RuntimeError(f"{dataset.name}: cannot fetch {dataset.url}: {error}") from None
    if dataset.sha256 and digest.hexdigest() != dataset.sha256:
        download.unlink()
        raise RuntimeError(
            f"{dataset.name}: {dataset.url} has SHA-256 {digest.hexdigest()}, the catalogue "
            f"expects {dataset.sha256}; not installed"
        )
    unpacked = _gunzip(download) if _is_gzip(download) else download
    target = folder / dataset.name
    if target.exists():
        _make_writable(target)
        shutil.rmtree(target)
    target.mkdir()
    final = target / unpacked.name
    os.replace(unpacked, final)
    files = [final]
    if final.suffix in _FASTA_SUFFIXES:
        files.append(write_fai(final))
    shutil.rmtree(partial, ignore_errors=True)
    return {
        "url": dataset.url,
        "description": dataset.description,
        "download_sha256": digest.hexdigest(),
        "files": [
            {"path": str(f.relative_to(folder)), "bytes": f.stat().st_size, "sha256": _sha256(f)}
            for f in files
        ],
    }


def write_fai(fasta: Path) -> Path:
    """Write samtools' ``.fai`` index of a plain FASTA (name, length, offset of the first base,
    bases per line, bytes per line) beside it; every record's lines but its last must have one
    length. Raises ValueError naming the file and record otherwise."""
    records: list[dict] = []
    offset = 0
    with open(fasta, "rb") as handle:
        for raw in handle:
            if raw.startswith(b">"):
                words = raw[1:].split()
                name = words[0].decode() if words else ""
                records.append(dict(name=name, length=0, first=offset + len(raw), bases=0, width=0))
                short = False
            elif records and raw.strip():
                record, line = records[-1], len(raw.rstrip(b"\r\n"))
                if short or (record["bases"] and line > record["bases"]):
                    raise ValueError(
                        f"{fasta}: record {record['name']!r} has lines of unequal length"
                    )
                if not record["bases"]:
                    record["bases"], record["width"] = line, len(raw)
                short = line < record["bases"]  # only a record's last line may be shorter
                record["length"] += line
            offset += len(raw)
    index = fasta.with_name(fasta.name + ".fai")
    index.write_text(
        "".join(
            f"{r['name']}\t{r['length']}\t{r['first']}\t{r['bases']}\t{r['width']}\n"
            for r in records
        ),
        encoding="ascii",
    )
    return index


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _gunzip(path: Path) -> Path:
    target = path.with_suffix("") if path.suffix == ".gz" else path.with_name(path.name + ".out")
    try:
        with gzip.open(path, "rb") as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out, _CHUNK)
    except (OSError, EOFError) as error:
        raise RuntimeError(f"{path.name}: not a valid gzip file ({error})") from None
    path.unlink()
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _present(folder: Path, entry: dict) -> bool:
    return all(
        (folder / f["path"]).is_file() and (folder / f["path"]).stat().st_size == f["bytes"]
        for f in entry.get("files", [])
    )


def _size(entry: dict) -> str:
    total = sum(f["bytes"] for f in entry.get("files", []))
    for unit in ("bytes", "KB", "MB", "GB"):
        if total < 1000 or unit == "GB":
            return f"{total:.0f} {unit}" if unit == "bytes" else f"{total:.1f} {unit}"
        total /= 1000
    return ""


def _write_manifest(folder: Path, manifest: dict) -> None:
    path = folder / MANIFEST
    if path.exists():
        path.chmod(0o644)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _make_writable(folder: Path) -> None:
    for root, _dirs, files in os.walk(folder):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)


def _make_read_only(folder: Path) -> None:
    """Files 0444, folders 0755: learners (and the instructor's own processes) read only."""
    for root, _dirs, files in os.walk(folder):
        for name in files:
            os.chmod(os.path.join(root, name), 0o444)
        os.chmod(root, 0o755)
