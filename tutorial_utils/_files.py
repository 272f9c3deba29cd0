"""Reading the text files people really have (FASTA, motif files).

:func:`read_lines` recognises compression from the file's first bytes, not its name (gzip and
BGZF, bzip2, xz, a zip archive holding one file; zstd is named with how to decompress it), and
the text encoding from a byte-order mark (UTF-8, UTF-16 LE/BE; otherwise UTF-8). ``\\n``,
``\\r\\n`` (Windows editors) and ``\\r`` all end a line, and errors name the file and line.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import os
import zipfile

# magic bytes -> compression
_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"PK\x03\x04", "zip"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def check_path(path, param: str = "path") -> str:
    """``path`` as a str, if it names an existing regular file; else a clear error."""
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"{param} must be a file path (str or os.PathLike), got {path!r} ({type(path).__name__})"
        )
    path = os.fspath(path)
    if not path:
        raise ValueError(f"{param} must be a file path, got an empty string")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{param}: no such file {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{param}: {path!r} is a directory, not a file")
    return path


def open_binary(path, param: str = "path") -> tuple[io.BufferedReader, str]:
    """Open ``path`` for reading bytes, decompressed as its first bytes say, and name its text
    encoding from a byte-order mark ("utf-8-sig", "utf-16"; "utf-8" without one).

    Raises ``ValueError`` naming the file for zstd data, a zip archive that does not hold exactly
    one file, or compressed data that is corrupt.
    """
    path = check_path(path, param)
    with open(path, "rb") as probe:
        head = probe.read(8)
    compression = next((name for magic, name in _MAGIC if head.startswith(magic)), None)
    if compression == "zstd":
        raise ValueError(
            f"{path}: zstd-compressed data; decompress it first (zstd -d {os.path.basename(path)})"
        )
    if compression == "zip":
        binary = _open_zip_member(path)
    elif compression is not None:
        opener = {"gzip": gzip.open, "bzip2": bz2.open, "xz": lzma.open}[compression]
        binary = opener(path, "rb")
    else:
        binary = open(path, "rb")  # noqa: SIM115 (the caller closes it)
    buffered = binary if isinstance(binary, io.BufferedReader) else io.BufferedReader(binary)
    try:
        start = buffered.peek(4)[:4]
    except (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile) as error:
        buffered.close()
        raise ValueError(f"{path}: {compression} data could not be read ({error})") from None
    encoding = next((name for bom, name in _BOMS if start.startswith(bom)), "utf-8")
    return buffered, encoding


def _open_zip_member(path: str):
    archive = zipfile.ZipFile(path)
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) != 1:
        names = ", ".join(info.filename for info in members[:5]) or "none"
        archive.close()
        raise ValueError(
            f"{path}: a zip archive must hold exactly one file, it holds {len(members)} ({names})"
        )
    return archive.open(members[0])


def read_lines(path, param: str = "path"):
    """Yield ``(line_number, line)`` of a text file: 1-based, without the line end.

    Decompression and the encoding as :func:`open_binary` finds them; ``\\n``, ``\\r\\n`` and
    ``\\r`` all end a line. A line that is not valid text in the file's encoding raises
    ``ValueError`` naming the file and the line.
    """
    binary, encoding = open_binary(path, param)
    name = os.fspath(path)
    line_number = 0
    with binary:
        try:
            if encoding == "utf-16":  # rare: decode the whole stream (newlines are 2 bytes)
                lines = (
                    raw.encode("utf-8")
                    for raw in io.TextIOWrapper(binary, encoding=encoding, newline="")
                )
            else:
                lines = iter(binary)
            for raw in lines:
                try:
                    text = raw.decode("utf-8-sig" if line_number == 0 else "utf-8")
                except UnicodeDecodeError as error:
                    raise ValueError(
                        f"{name}: line {line_number + 1} is not {encoding} text ({error.reason} "
                        f"at byte 0x{error.object[error.start]:02x}); is this a text file?"
                    ) from None
                # "\r\n" (Windows) and "\r" alone (old Mac) end lines too
                for piece in text.rstrip("\n").rstrip("\r").split("\r"):
                    line_number += 1
                    yield line_number, piece
        except UnicodeDecodeError as error:
            raise ValueError(f"{name}: not {encoding} text ({error.reason})") from None
        except (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile) as error:
            raise ValueError(
                f"{name}: compressed data ends or breaks after line {line_number} ({error})"
            ) from None
