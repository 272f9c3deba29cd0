"""Attendee roster: registration names -> ``lastname_firstname`` usernames, stored in the data dir.

Username rules (what the login page tells attendees):

* lower-case ASCII only: accents are stripped (``é`` -> ``e``), letters without a decomposition
  are transliterated (``ß`` -> ``ss``, ``ø`` -> ``o``, ``æ`` -> ``ae`` ...);
* inside a name, spaces, hyphens, apostrophes and dots are dropped, so the single underscore
  always separates last from first name: ``van der Berg`` -> ``vanderberg``, ``Jean-Luc`` ->
  ``jeanluc``, ``O'Brien`` -> ``obrien``;
* username = ``<last>_<first>``, at most :data:`USERNAME_BASE_MAX` characters; a second person
  with the same name gets ``_2``, a third ``_3``, in the order they appear (people already on
  the roster keep their usernames).

Names as registered are kept for the handout, cleaned first (:func:`clean_name`: no control or
invisible characters, one line, at most :data:`NAME_MAX` characters). The roster file is
``<data-dir>/roster.csv`` with columns ``username,first_name,last_name,detail`` (``detail``: the
e-mail or another registration column, printed on the handout when two attendees share a name);
cells that a spreadsheet would run as a formula are stored with a leading ``'`` (OWASP CSV
injection rules) and read back unchanged.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

#: longest username before a collision suffix; with ``_NNN`` at most USERNAME_MAX
USERNAME_BASE_MAX = 36
USERNAME_MAX = 40
#: longest first or last name kept (characters, after cleaning)
NAME_MAX = 64
#: every attendee username matches this (the optional ``_N`` resolves name collisions)
USERNAME_PATTERN = rf"^(?=.{{3,{USERNAME_MAX}}}$)[a-z0-9]+_[a-z0-9]+(?:_[0-9]+)?$"
_USERNAME_RE = re.compile(USERNAME_PATTERN)


def login_pattern(admins: list[str] | tuple[str, ...] = ()) -> str:
    """The regular expression a login name must match: an admin's name, or an attendee's
    ``lastname_firstname`` (:data:`USERNAME_PATTERN`)."""
    if not admins:
        return USERNAME_PATTERN
    alternatives = "|".join(re.escape(a) for a in admins)
    return f"^(?:{alternatives})$|{USERNAME_PATTERN}"


def login_announcement() -> str:
    """The login-page banner: how attendees spell their username (plain text)."""
    return (
        "Username: your lastname_firstname in lower case, without accents, spaces or hyphens "
        "inside a name (Jean-Luc van der Berg -> vanderberg_jeanluc). "
        "Password: the workshop password announced in the room."
    )


ROSTER_FILENAME = "roster.csv"
_ROSTER_FIELDS = ("username", "first_name", "last_name", "detail")

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

# Header spellings seen in registration exports, compared after name_part() ("First Name" ->
# "firstname"). NAME_LIKE headers mean "first name" beside a last-name column, "last name"
# beside a first-name column (German "Vorname, Name", French "Prénom, Nom"), and the full name
# when alone.
_FIRST_HEADERS = {
    "first", "firstname", "firstnames", "given", "givenname", "givennames", "forename",
    "forenames", "prenom", "prenoms", "vorname", "vornamen", "voornaam", "voornamen", "fornavn",
    "fornamn", "imie",
}  # fmt: skip
_LAST_HEADERS = {
    "last", "lastname", "lastnames", "surname", "surnames", "family", "familyname",
    "familynames", "nachname", "familienname", "apellido", "apellidos", "cognome", "sobrenome",
    "achternaam", "efternavn", "efternamn", "nazwisko", "nomdefamille",
}  # fmt: skip
_NAME_LIKE_HEADERS = {"name", "names", "nom", "nome", "nombre", "naam"}
_FULL_HEADERS = {
    "fullname", "fullnames", "nameandsurname", "firstandlastname", "participant",
    "participantname", "attendee", "attendeename", "yourname", "nomcomplet", "nombrecompleto",
    "nomecompleto", "vollstandigername", "volledigenaam",
}  # fmt: skip
_EMAIL_HEADERS = {
    "email", "emails", "emailaddress", "mail", "emailadresse", "courriel", "correo",
    "correoelectronico", "adressemail", "adresseemail",
}  # fmt: skip

# Words that start a family name inside a full name ("Mary Ann van Dyke" -> last "van Dyke"),
# matched case-insensitively; they count only after the first word and before the last.
_SURNAME_PARTICLES = {
    "van", "von", "der", "den", "de", "del", "della", "delle", "dei", "degli", "di", "da", "das",
    "dos", "do", "du", "la", "le", "les", "ten", "ter", "te", "zu", "zum", "zur", "bin", "binti",
    "ibn", "bint", "al", "el", "af", "av", "st", "st.", "saint", "sainte",
}  # fmt: skip

_NAME_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}

# First characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection"),
# with their full-width forms, and the quote that neutralises them.
_FORMULA_START = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


@dataclass(frozen=True)
class RosterEntry:
    """One attendee: login name, the names as registered (cleaned), and ``detail``: what tells
    them apart from someone with the same name (e-mail, or ``"Column: value"``), may be ''."""

    username: str
    first_name: str
    last_name: str
    detail: str = ""


def clean_name(text: str, what: str = "name", limit: int = NAME_MAX) -> str:
    """A registered name made safe to print and store: Unicode NFC; line breaks, tabs and other
    control characters become spaces; invisible formatting characters (bidi overrides,
    zero-width spaces) are dropped; runs of spaces collapse to one.

    Raises ``ValueError`` naming ``what`` if the result is longer than ``limit`` characters.
    """
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a string, got {type(text).__name__}")
    out = []
    for ch in unicodedata.normalize("NFC", text):
        category = unicodedata.category(ch)
        if category == "Cf":
            continue
        out.append(" " if category in ("Cc", "Zl", "Zp", "Zs") else ch)
    cleaned = " ".join("".join(out).split())
    if len(cleaned) > limit:
        raise ValueError(
            f"{what} {cleaned[:20] + '...'!r} has {len(cleaned)} characters, at most {limit} "
            "are allowed"
        )
    return cleaned


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

    Raises ``ValueError`` if either name has no letters or digits left after normalization, or
    if the username would be longer than :data:`USERNAME_BASE_MAX` characters.
    """
    first, last = name_part(first_name), name_part(last_name)
    if not first or not last:
        raise ValueError(
            f"cannot make a username from first_name={first_name!r}, last_name={last_name!r}: "
            "each needs at least one Latin letter or digit"
        )
    username = f"{last}_{first}"
    if len(username) > USERNAME_BASE_MAX:
        raise ValueError(
            f"the username {username!r} would have {len(username)} characters, at most "
            f"{USERNAME_BASE_MAX} are allowed: shorten the name (e.g. leave out middle names)"
        )
    return username


def normalize_login(text: str) -> str:
    """What a typed login name becomes: case, accents and in-name separators are forgiven.

    ``"Van der Berg_Jane"`` -> ``"vanderberg_jane"``; ``"DOE_JANE_2"`` -> ``"doe_jane_2"``.
    Names without an underscore are only lower-cased and stripped of accents (admin names).
    """
    parts = text.strip().split("_")
    return "_".join(name_part(p) for p in parts)


def is_valid_username(username: str) -> bool:
    """Whether ``username`` has the attendee form ``lastname_firstname[_N]`` (at most
    :data:`USERNAME_MAX` characters)."""
    return bool(_USERNAME_RE.match(username))


def split_full_name(full: str) -> tuple[str, str]:
    """``(first, last)`` of a full name in one column, so that it agrees with ``roster add FIRST
    LAST``: ``"Doe, Jane"`` (comma: last name first); ``"Jean DUPONT"`` or ``"DUPONT Jean"``
    (the words in capitals are the family name, when only some are); ``"Mary Ann van Dyke"`` (a
    particle such as van, de, da, von, bin starts the family name); otherwise the last word.

    Raises ``ValueError`` for a name of one word.
    """
    full = clean_name(full, "full name", limit=2 * NAME_MAX)
    if "," in full:
        last, _, first = full.partition(",")
        return first.strip(), last.strip()
    words = full.split()
    suffix = []
    if len(words) > 2 and words[-1].lower().rstrip(".") in _NAME_SUFFIXES:
        suffix = words[-1:]  # "Martin Luther King Jr." -> last "King Jr."
        words = words[:-1]
    if len(words) < 2:
        raise ValueError(
            f"full name {full!r} has one word; give first and last names in separate columns"
        )
    # "DUPONT Jean", "Mary Ann VAN DYKE": one run of words in capitals (3+ letters, so not
    # initials such as "AJ") among words that are not is the family name
    caps = [w.isupper() and sum(c.isalpha() for c in w) >= 3 for w in words]
    if any(caps) and not all(caps):
        start = caps.index(True)
        end = start
        while end < len(words) and caps[end]:
            end += 1
        if not any(caps[end:]):
            last = words[start:end] + suffix
            first = words[:start] + words[end:]
            return " ".join(first), " ".join(last)
    for i in range(1, len(words) - 1):
        if words[i].lower() in _SURNAME_PARTICLES:
            return " ".join(words[:i]), " ".join(words[i:] + suffix)
    return " ".join(words[:-1]), " ".join(words[-1:] + suffix)


def assign_usernames(people, existing: list[RosterEntry] = ()) -> list[RosterEntry]:
    """Give each person a unique username.

    ``people``: ``(first_name, last_name)`` or ``(first_name, last_name, detail)`` tuples.
    People already in ``existing`` (same first and last name, compared after normalization) are
    skipped, so re-importing the same registrations changes nothing. Names are cleaned
    (:func:`clean_name`). Returns the new entries, in input order.

    Raises ``ValueError`` (naming the person) for a name that cannot make a username.
    """
    taken = {e.username for e in existing}
    # multiset of people already on the roster, so two registered Jane Does stay two
    on_roster: dict[tuple[str, str], int] = {}
    for e in existing:
        key = (name_part(e.first_name), name_part(e.last_name))
        on_roster[key] = on_roster.get(key, 0) + 1
    new: list[RosterEntry] = []
    for person in people:
        first, last, *rest = person
        first = clean_name(first, "first name")
        last = clean_name(last, "last name")
        detail = clean_name(rest[0], "detail", limit=2 * NAME_MAX) if rest and rest[0] else ""
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
        new.append(RosterEntry(username, first, last, detail))
    return new


# --- registration files ----------------------------------------------------------------------
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "a zip archive (an .xlsx or .ods workbook?)",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) or Word workbook",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
}
# 8-bit encodings spreadsheet programs write: Excel on Windows "CSV" (cp1252), Excel for Mac
# "CSV (Macintosh)" (Mac Roman), "CSV (MS-DOS)" (cp850); ties go to the first
_LEGACY_ENCODINGS = ("cp1252", "mac_roman", "cp850")
_SAVE_AS_CSV = "save it from the spreadsheet as 'CSV UTF-8' (or any CSV / Unicode text)"


def _is_name_letter(ch: str) -> bool:
    """Letters of Latin-script names: ASCII letters plus accents, and the transliterated ones."""
    if ch.translate(_TRANSLITERATE) != ch:
        return True
    base = unicodedata.normalize("NFKD", ch)
    return base[:1].isascii() and base[:1].isalpha() and len(base) > 1


def _plausibility(text: str) -> int:
    """Score of ``text`` as a list of names: + for accented letters in plausible case, - for
    symbols, box-drawing characters and capitals inside lower-case words."""
    score = 0
    for i, ch in enumerate(text):
        if ch.isascii():
            continue
        if not _is_name_letter(ch):
            score -= 3
        elif ch.isupper() and i > 0 and text[i - 1].islower():
            score -= 1
        else:
            score += 2
    return score


def _decode(raw: bytes, path: Path) -> str:
    """Text of a registration file in any encoding spreadsheet programs export: a byte-order
    mark (UTF-8, UTF-16, UTF-32), UTF-16 without one, UTF-8, else the most plausible of
    :data:`_LEGACY_ENCODINGS`. Raises ``ValueError`` naming the file for anything not text."""
    for magic, what in _BINARY_SIGNATURES.items():
        if raw.startswith(magic):
            raise ValueError(f"{path}: this is {what}, not a text file; {_SAVE_AS_CSV}")
    boms = (
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    )
    candidates = [enc for bom, enc in boms if raw.startswith(bom)][:1]
    if not candidates and b"\x00" in raw:
        # UTF-16 without a byte-order mark: every other byte of ASCII text is zero
        even, odd = raw[0::2].count(0), raw[1::2].count(0)
        if odd > 0.3 * len(raw) / 2 and even < odd / 4:
            candidates = ["utf-16-le"]
        elif even > 0.3 * len(raw) / 2 and odd < even / 4:
            candidates = ["utf-16-be"]
        else:
            raise ValueError(f"{path}: not a text file (it holds binary data); {_SAVE_AS_CSV}")
    for encoding in candidates or ["utf-8"]:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            if candidates:
                raise ValueError(
                    f"{path}: starts like {encoding} text but is not valid {encoding}"
                ) from None
            break
        if "\x00" in text:
            raise ValueError(f"{path}: not a text file (it holds NUL characters)")
        return text
    decoded = []
    for encoding in _LEGACY_ENCODINGS:
        try:
            decoded.append((raw.decode(encoding), encoding))
        except UnicodeDecodeError:
            continue
    if not decoded:
        raise ValueError(f"{path}: not text in any encoding spreadsheets write; {_SAVE_AS_CSV}")
    return max(decoded, key=lambda d: _plausibility(d[0]))[0]


def _pick_name_columns(header: list[str], path: Path) -> tuple[int | None, int | None, int | None]:
    """``(first, last, full)`` column indices from a header; exactly one of (first and last) or
    full is set. Raises ``ValueError`` listing the columns seen when the names cannot be found
    or the header is ambiguous."""
    keys = [name_part(h) for h in header]
    firsts = [i for i, k in enumerate(keys) if k in _FIRST_HEADERS]
    lasts = [i for i, k in enumerate(keys) if k in _LAST_HEADERS]
    likes = [i for i, k in enumerate(keys) if k in _NAME_LIKE_HEADERS]
    fulls = [i for i, k in enumerate(keys) if k in _FULL_HEADERS]
    seen = ", ".join(repr(h) for h in header)

    def ambiguous(cols, what):
        names = ", ".join(repr(header[i]) for i in cols)
        return ValueError(
            f"{path}: the header is ambiguous: {names} could each be {what} (columns seen: "
            f"{seen}); rename or delete the columns that are not"
        )

    if len(firsts) > 1:
        raise ambiguous(firsts, "the first name")
    if len(lasts) > 1:
        raise ambiguous(lasts, "the last name")
    if firsts and lasts:
        return firsts[0], lasts[0], None
    if firsts or lasts:
        if len(likes) > 1:
            raise ambiguous(likes, "the other part of the name")
        if len(likes) == 1:
            return (firsts[0], likes[0], None) if firsts else (likes[0], lasts[0], None)
        have = "first" if firsts else "last"
        raise ValueError(
            f"{path}: a {have}-name column but none for the other part of the name (columns "
            f"seen: {seen}); expected e.g. 'First Name'/'Last Name' or one 'Full name' column"
        )
    if len(likes) + len(fulls) > 1:
        raise ambiguous(likes + fulls, "the full name")
    if likes or fulls:
        return None, None, (likes + fulls)[0]
    raise ValueError(
        f"{path}: no name columns (columns seen: {seen}); expected first and last name "
        "columns (e.g. 'first'/'last', 'First Name'/'Last Name', 'given'/'family', 'surname') "
        "or one 'name' / 'Full name' column"
    )


def read_registrations(path: str | os.PathLike) -> list[tuple[str, str, str]]:
    """Read ``(first_name, last_name, detail)`` per attendee from a registration file.

    Accepts what spreadsheet programs export: ``,`` ``;`` tab or ``|`` separators; UTF-8 (with
    or without BOM), UTF-16/32 ("Unicode text"), Windows-1252, Mac Roman and DOS (cp850) files;
    header spellings such as ``first``/``last``, ``First Name``/``Last Name``,
    ``given``/``family``, ``Name``/``Surname``, ``Vorname``/``Name``, ``Prénom``/``Nom``; or one
    ``name`` / ``Full name`` column (see :func:`split_full_name`). ``detail`` is the e-mail
    column when there is one; for attendees sharing a name and no e-mail, another column that
    tells them apart (``"Institution: UCLA"``) or their row in the file. Blank rows are skipped.

    Raises ``ValueError`` naming the file (and row) when it cannot be used: not a text file, an
    ambiguous header (listing the columns seen), a name that cannot make a username.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"registrations file {str(path)!r} does not exist or is not a file")
    text = _decode(path.read_bytes(), path)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise ValueError(f"{path}: file is empty")
    header_line = lines[0]
    delimiter = max([",", ";", "\t", "|"], key=header_line.count)
    try:
        rows = [
            (line_no, [c.strip() for c in row])
            for line_no, row in enumerate(
                csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1
            )
            if any(cell.strip() for cell in row)
        ]
    except csv.Error as err:
        raise ValueError(f"{path}: not a readable CSV file ({err})") from None
    header = [_unquote_formula(clean_name(h, "column name", limit=200)) for h in rows[0][1]]
    first_col, last_col, full_col = _pick_name_columns(header, path)
    keys = [name_part(h) for h in header]
    email_cols = [i for i, k in enumerate(keys) if k in _EMAIL_HEADERS]
    name_cols = {c for c in (first_col, last_col, full_col) if c is not None}
    people: list[tuple[str, str, str]] = []
    cells_of: list[list[str]] = []
    lines_of: list[int] = []
    for line_no, cells in rows[1:]:
        cells = [_unquote_formula(c) for c in cells]
        try:
            if full_col is None:
                width = max(first_col, last_col)
                if len(cells) <= width:
                    raise ValueError(f"expected at least {width + 1} columns, got {len(cells)}")
                first = clean_name(cells[first_col], "first name")
                last = clean_name(cells[last_col], "last name")
            else:
                first, last = split_full_name(cells[full_col] if full_col < len(cells) else "")
                first, last = clean_name(first, "first name"), clean_name(last, "last name")
            make_username(first, last)
        except ValueError as err:
            raise ValueError(f"{path}, row {line_no}: {err}") from None
        email = cells[email_cols[0]] if email_cols and email_cols[0] < len(cells) else ""
        people.append((first, last, clean_name(email, "e-mail", limit=2 * NAME_MAX)))
        cells_of.append(cells)
        lines_of.append(line_no)
    if not people:
        raise ValueError(f"{path}: header found but no attendee rows")
    # attendees who share a name and no e-mail tells apart: another column, else the row
    groups: dict[tuple[str, str], list[int]] = {}
    for i, (first, last, _) in enumerate(people):
        groups.setdefault((name_part(first), name_part(last)), []).append(i)
    for members in groups.values():
        details = [people[i][2] for i in members]
        if len(members) < 2 or (all(details) and len(set(details)) == len(details)):
            continue
        for col, title in enumerate(header):
            if col in name_cols:
                continue
            values = [cells_of[i][col] if col < len(cells_of[i]) else "" for i in members]
            if all(values) and len(set(values)) == len(values):
                for i, value in zip(members, values, strict=True):
                    detail = clean_name(f"{title}: {value}", "detail", limit=2 * NAME_MAX)
                    people[i] = (*people[i][:2], detail)
                break
        else:
            for i in members:
                people[i] = (*people[i][:2], f"row {lines_of[i]} of {path.name}")
    return people


def _neutralise_formula(cell: str) -> str:
    """A cell a spreadsheet will show as text: a leading formula character (or quote) gets a
    ``'`` in front (OWASP CSV injection); :func:`_unquote_formula` undoes it."""
    return "'" + cell if cell and (cell[0] in _FORMULA_START or cell[0] == "'") else cell


def _unquote_formula(cell: str) -> str:
    if len(cell) > 1 and cell[0] == "'" and (cell[1] in _FORMULA_START or cell[1] == "'"):
        return cell[1:]
    return cell


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
        return cls(
            [
                RosterEntry(
                    r["username"],
                    _unquote_formula(r["first_name"]),
                    _unquote_formula(r["last_name"]),
                    _unquote_formula(r.get("detail") or ""),
                )
                for r in rows
            ]
        )

    def save(self, data_dir: str | os.PathLike) -> Path:
        """Write the roster atomically (the running hub re-reads it at each login); creates the
        data dir private (0700) if it does not exist yet."""
        from hub.credentials import ensure_private_dir

        path = ensure_private_dir(Path(data_dir)) / ROSTER_FILENAME
        tmp = path.with_suffix(".csv.tmp")
        with tmp.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(_ROSTER_FIELDS)
            for e in sorted(self.entries, key=lambda e: e.username):
                writer.writerow(
                    [e.username]
                    + [_neutralise_formula(v) for v in (e.first_name, e.last_name, e.detail)]
                )
        os.replace(tmp, path)
        return path

    def add_people(self, people) -> list[RosterEntry]:
        """Add ``(first_name, last_name[, detail])`` tuples; returns the entries that were new."""
        new = assign_usernames(people, self.entries)
        self.entries.extend(new)
        return new

    def find(self, username: str) -> RosterEntry | None:
        """The entry of ``username`` (case and accents forgiven), or None."""
        name = normalize_login(username)
        return next((e for e in self.entries if e.username == name), None)

    def remove(self, username: str) -> RosterEntry:
        """Remove one attendee by username (case and accents forgiven)."""
        entry = self.find(username)
        if entry is None:
            raise ValueError(f"username {username!r} is not on the roster")
        self.entries.remove(entry)
        return entry


def format_handout(entries: list[RosterEntry], url: str, password: str | None = None) -> str:
    """Plain-text handout: where to go, how to log in, and every attendee's username.

    Attendees who share a name are told apart by their ``detail`` (e-mail or another
    registration column); names are printed cleaned (:func:`clean_name`), one line each.
    """

    def safe(text: str) -> str:
        try:
            return clean_name(text, limit=2 * NAME_MAX)
        except ValueError:
            return clean_name(text[: 2 * NAME_MAX], limit=2 * NAME_MAX)

    width = max([len(e.username) for e in entries] + [8])
    same_name: dict[tuple[str, str], int] = {}
    for e in entries:
        key = (name_part(e.first_name), name_part(e.last_name))
        same_name[key] = same_name.get(key, 0) + 1
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
        line = f"  {e.username.ljust(width)}  {safe(e.first_name)} {safe(e.last_name)}"
        if same_name[(name_part(e.first_name), name_part(e.last_name))] > 1:
            line += f"  ({safe(e.detail) or 'same name as another attendee'})"
        lines.append(line)
    return "\n".join(lines) + "\n"
