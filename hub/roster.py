"""Attendee roster: registration names -> ``lastname_firstname`` usernames, stored in the data dir.

Username rules (what the login page tells attendees):

* lower-case ASCII only: accents are stripped (``é`` -> ``e``), letters without a decomposition
  are transliterated (``ß`` -> ``ss``, ``ø`` -> ``o``, ``æ`` -> ``ae`` ...);
* inside a name, spaces, hyphens, apostrophes and dots are dropped, so the single underscore
  always separates last from first name: ``van der Berg`` -> ``vanderberg``, ``Jean-Luc`` ->
  ``jeanluc``, ``O'Brien`` -> ``obrien``;
* username = ``<last>_<first>``; a second person with the same name gets ``_2``, a third ``_3``,
  in the order they appear (people already on the roster keep their usernames).

The roster file is ``<data-dir>/roster.csv`` with columns ``username,first_name,last_name``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

#: every attendee username matches this (the optional ``_N`` resolves name collisions)
USERNAME_PATTERN = r"^[a-z0-9]+_[a-z0-9]+(?:_[0-9]+)?$"
_USERNAME_RE = re.compile(USERNAME_PATTERN)

ROSTER_FILENAME = "roster.csv"
_ROSTER_FIELDS = ("username", "first_name", "last_name")

# Letters NFKD does not decompose into ASCII + combining marks.
_TRANSLITERATE = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
    }
)

# Header spellings seen in registration exports, compared after _header_key().
_FIRST_HEADERS = {"first", "firstname", "given", "givenname", "forename", "prenom", "vorname"}
_LAST_HEADERS = {"last", "lastname", "surname", "family", "familyname", "nom", "nachname"}
_FULL_HEADERS = {"name", "fullname", "participant", "attendee"}


@dataclass(frozen=True)
class RosterEntry:
    """One attendee: login name plus the names as registered."""

    username: str
    first_name: str
    last_name: str


def name_part(text: str) -> str:
    """Normalize one first or last name to ``[a-z0-9]*`` (see the module docstring)."""
    if not isinstance(text, str):
        raise TypeError(f"name must be a string, got {type(text).__name__}")
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLITERATE)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    # separators and apostrophes vanish; anything else outside [a-z0-9] (other scripts, emoji)
    # cannot be typed reliably on every keyboard, so it is dropped too
    return re.sub(r"[^a-z0-9]", "", text)


def make_username(first_name: str, last_name: str) -> str:
    """``lastname_firstname`` for one person, without collision suffix.

    Raises ``ValueError`` if either name has no letters or digits left after normalization.
    """
    first, last = name_part(first_name), name_part(last_name)
    if not first or not last:
        raise ValueError(
            f"cannot make a username from first_name={first_name!r}, last_name={last_name!r}: "
            "each needs at least one Latin letter or digit"
        )
    return f"{last}_{first}"


def normalize_login(text: str) -> str:
    """What a typed login name becomes: case, accents and in-name separators are forgiven.

    ``"Van der Berg_Jane"`` -> ``"vanderberg_jane"``; ``"DOE_JANE_2"`` -> ``"doe_jane_2"``.
    Names without an underscore are only lower-cased and stripped of accents (admin names).
    """
    parts = text.strip().split("_")
    return "_".join(name_part(p) for p in parts)


def is_valid_username(username: str) -> bool:
    """Whether ``username`` has the attendee form ``lastname_firstname[_N]``."""
    return bool(_USERNAME_RE.match(username))


def assign_usernames(
    people: list[tuple[str, str]], existing: list[RosterEntry] = ()
) -> list[RosterEntry]:
    """Give each (first_name, last_name) a unique username; people already in ``existing``
    (same first and last name, compared after normalization) are skipped, so re-importing the
    same registrations changes nothing.

    Returns the new entries, in input order.
    """
    taken = {e.username for e in existing}
    # multiset of people already on the roster, so two registered Jane Does stay two
    on_roster: dict[tuple[str, str], int] = {}
    for e in existing:
        key = (name_part(e.first_name), name_part(e.last_name))
        on_roster[key] = on_roster.get(key, 0) + 1
    new: list[RosterEntry] = []
    for first, last in people:
        base = make_username(first, last)
        key = (name_part(first), name_part(last))
        if on_roster.get(key, 0) > 0:
            on_roster[key] -= 1
            continue
        username, n = base, 1
        while username in taken:
            n += 1
            username = f"{base}_{n}"
        taken.add(username)
        new.append(RosterEntry(username, first.strip(), last.strip()))
    return new


def _header_key(header: str) -> str:
    return name_part(header)


def _decode(raw: bytes) -> str:
    # Excel on Windows still writes cp1252; utf-8-sig strips the BOM of "CSV UTF-8" exports.
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="strict")


def read_registrations(path: str | os.PathLike) -> list[tuple[str, str]]:
    """Read (first_name, last_name) pairs from a registration CSV.

    Accepts ``,`` ``;`` or tab separators, a UTF-8 BOM, cp1252 files, and header spellings such as
    ``first``/``last``, ``First Name``/``Last Name``, ``given``/``family``, ``surname``; or a
    single ``name``/``Full Name`` column (``"Jane Doe"`` or ``"Doe, Jane"``). Other columns are
    ignored, blank rows skipped.

    Raises ``ValueError`` naming the file (and line) when it cannot be used.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"registrations file {str(path)!r} does not exist or is not a file")
    try:
        text = _decode(path.read_bytes())
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not a UTF-8 or Windows-1252 text file ({err})") from None
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise ValueError(f"{path}: file is empty")
    header_line = lines[0]
    delimiter = max([",", ";", "\t"], key=header_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = [r for r in reader if any(cell.strip() for cell in r)]
    keys = [_header_key(h) for h in rows[0]]
    first_col = next((i for i, k in enumerate(keys) if k in _FIRST_HEADERS), None)
    last_col = next((i for i, k in enumerate(keys) if k in _LAST_HEADERS), None)
    full_col = next((i for i, k in enumerate(keys) if k in _FULL_HEADERS), None)
    if (first_col is None or last_col is None) and full_col is None:
        raise ValueError(
            f"{path}: no name columns in header {rows[0]!r}; expected first and last name columns "
            "(e.g. 'first'/'last', 'First Name'/'Last Name', 'given'/'family', 'surname') "
            "or one 'name' / 'Full Name' column"
        )
    people: list[tuple[str, str]] = []
    for line_no, row in enumerate(rows[1:], start=2):
        cells = [c.strip() for c in row]
        if first_col is not None and last_col is not None:
            width = max(first_col, last_col)
            if len(cells) <= width:
                raise ValueError(f"{path}, row {line_no}: expected at least {width + 1} columns")
            first, last = cells[first_col], cells[last_col]
        else:
            first, last = _split_full_name(cells[full_col] if full_col < len(cells) else "")
        try:
            make_username(first, last)
        except ValueError as err:
            raise ValueError(f"{path}, row {line_no}: {err}") from None
        people.append((first, last))
    if not people:
        raise ValueError(f"{path}: header found but no attendee rows")
    return people


def _split_full_name(full: str) -> tuple[str, str]:
    if "," in full:  # "Doe, Jane"
        last, _, first = full.partition(",")
    else:  # "Jane Doe": the last word is the family name
        first, _, last = full.strip().rpartition(" ")
    return first.strip(), last.strip()


class Roster:
    """The attendee list of one workshop, kept in ``<data-dir>/roster.csv``."""

    def __init__(self, entries: list[RosterEntry] = ()):
        self.entries: list[RosterEntry] = list(entries)

    @property
    def usernames(self) -> set[str]:
        return {e.username for e in self.entries}

    @classmethod
    def load(cls, data_dir: str | os.PathLike) -> Roster:
        """The roster in ``data_dir`` (empty if there is none yet)."""
        path = Path(data_dir) / ROSTER_FILENAME
        if not path.exists():
            return cls()
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        return cls([RosterEntry(r["username"], r["first_name"], r["last_name"]) for r in rows])

    def save(self, data_dir: str | os.PathLike) -> Path:
        """Write the roster atomically (the running hub re-reads it at each login)."""
        path = Path(data_dir) / ROSTER_FILENAME
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".csv.tmp")
        with tmp.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(_ROSTER_FIELDS)
            for e in sorted(self.entries, key=lambda e: e.username):
                writer.writerow([e.username, e.first_name, e.last_name])
        os.replace(tmp, path)
        return path

    def add_people(self, people: list[tuple[str, str]]) -> list[RosterEntry]:
        """Add (first_name, last_name) pairs; returns the entries that were new."""
        new = assign_usernames(people, self.entries)
        self.entries.extend(new)
        return new

    def remove(self, username: str) -> RosterEntry:
        """Remove one attendee by username (case and accents forgiven)."""
        name = normalize_login(username)
        for e in self.entries:
            if e.username == name:
                self.entries.remove(e)
                return e
        raise ValueError(f"username {username!r} is not on the roster")


def format_handout(entries: list[RosterEntry], url: str, password: str | None = None) -> str:
    """Plain-text handout: where to go, how to log in, and every attendee's username."""
    width = max([len(e.username) for e in entries] + [8])
    lines = [
        "DragoNN Workshop - how to log in",
        "",
        f"  1. Open {url}",
        "  2. Username: your lastname_firstname as listed below",
        "     (lower case, no accents, spaces or hyphens inside a name)",
        "  3. Password: "
        + (password if password else "the workshop password announced in the room"),
        "",
        f"  {'username'.ljust(width)}  name",
        f"  {'-' * width}  ----",
    ]
    for e in sorted(entries, key=lambda e: e.username):
        lines.append(f"  {e.username.ljust(width)}  {e.first_name} {e.last_name}")
    return "\n".join(lines) + "\n"
