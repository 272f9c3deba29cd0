"""Roster: registration names -> lastname_firstname usernames, CSV variants, the roster file."""

from __future__ import annotations

import pytest

from hub.roster import (
    Roster,
    assign_usernames,
    format_handout,
    is_valid_username,
    make_username,
    name_part,
    normalize_login,
    read_registrations,
    split_full_name,
)


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("Jane", "Doe", "doe_jane"),
        ("JANE", "doe", "doe_jane"),
        ("  Jane ", " Doe  ", "doe_jane"),
        ("Zoë", "Müller", "muller_zoe"),
        ("José María", "García Márquez", "garciamarquez_josemaria"),
        ("Jean-Luc", "van der Berg", "vanderberg_jeanluc"),
        ("Sinéad", "O'Connor", "oconnor_sinead"),
        ("D’Arcy", "Smith-Jones", "smithjones_darcy"),
        ("Søren", "Kierkegaard", "kierkegaard_soren"),
        ("Łukasz", "Straße", "strasse_lukasz"),
        ("Ægir", "Þórsson", "thorsson_aegir"),
        ("Ngọc", "Nguyễn", "nguyen_ngoc"),
        ("Anna2", "Smith", "smith_anna2"),
    ],
)
def test_make_username_normalizes_names(first, last, expected):
    assert make_username(first, last) == expected
    assert is_valid_username(expected)


@pytest.mark.parametrize(("first", "last"), [("", "Doe"), ("Jane", "  "), ("李", "王"), ("-", "'")])
def test_make_username_rejects_names_without_latin_letters(first, last):
    with pytest.raises(ValueError, match="first_name=.*last_name="):
        make_username(first, last)


def test_collisions_get_numbered_suffixes_in_input_order():
    people = [("Jane", "Doe"), ("John", "Smith"), ("JANE", "DOE"), ("Jané", "Doe")]
    names = [e.username for e in assign_usernames(people)]
    assert names == ["doe_jane", "smith_john", "doe_jane_2", "doe_jane_3"]
    assert all(is_valid_username(n) for n in names)


def test_collisions_respect_names_already_taken():
    roster = Roster()
    roster.add_people([("Jane", "Doe")])
    new = roster.add_people([("Jane", "Doe"), ("Jane", "Doe"), ("Jane", "Doe")])
    # one of the three is the Jane Doe already registered; two are new people
    assert [e.username for e in new] == ["doe_jane_2", "doe_jane_3"]


def test_reimport_is_idempotent(tmp_path):
    roster = Roster()
    people = [("Jane", "Doe"), ("Jane", "Doe"), ("Max", "Mustermann")]
    roster.add_people(people)
    roster.save(tmp_path)
    again = Roster.load(tmp_path)
    assert again.add_people(people) == []
    assert again.usernames == {"doe_jane", "doe_jane_2", "mustermann_max"}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Doe_Jane", "doe_jane"),
        ("  doe_jane ", "doe_jane"),
        ("Van der Berg_Jean-Luc", "vanderberg_jeanluc"),
        ("MÜLLER_ZOË", "muller_zoe"),
        ("doe_jane_2", "doe_jane_2"),
        ("Instructor", "instructor"),
    ],
)
def test_normalize_login_forgives_what_attendees_type(typed, expected):
    assert normalize_login(typed) == expected


@pytest.mark.parametrize("name", ["jane", "doe_", "_jane", "doe__jane", "doe_jane_x", "doe-jane"])
def test_invalid_usernames(name):
    assert not is_valid_username(name)


def write(tmp_path, text, encoding="utf-8", name="reg.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    "text",
    [
        "first,last\nJane,Doe\nZoë,O'Brien\n",
        "First Name,Last Name,Email\nJane,Doe,j@x.org\nZoë,O'Brien,z@x.org\n",
        "\ufeffGiven Name;Family Name\nJane;Doe\nZoë;O'Brien\n",  # BOM + semicolons (Excel)
        "email\tsurname\tforename\nj@x\tDoe\tJane\nz@x\tO'Brien\tZoë\n",
        "FIRST_NAME,LAST_NAME\n\nJane,Doe\n  \nZoë,O'Brien\n",  # blank rows
        'Name\n"Jane Doe"\n"O\'Brien, Zoë"\n',  # one full-name column, both orders
        'first,last\n"Jane","Doe"\n"Zoë","O\'Brien"\n',
    ],
)
def test_read_registrations_accepts_common_csv_variants(tmp_path, text):
    people = read_registrations(write(tmp_path, text))
    assert [p[:2] for p in people] == [("Jane", "Doe"), ("Zoë", "O'Brien")]


def test_read_registrations_accepts_windows_1252(tmp_path):
    path = write(tmp_path, "Vorname;Nachname\nJürgen;Groß\n", encoding="cp1252")
    assert read_registrations(path) == [("Jürgen", "Groß", "")]
    assert assign_usernames(read_registrations(path))[0].username == "gross_jurgen"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("email,phone\na@b,123\n", "no name columns.*'email', 'phone'"),
        ("first,last\n", "no attendee rows"),
        ("first,last\nJane,Doe\n李,王\n", "row 3"),
        ("first,last,email\nJane\n", "row 2: expected at least 2 columns"),
    ],
)
def test_read_registrations_errors_name_the_problem(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        read_registrations(write(tmp_path, text))


def test_read_registrations_missing_file(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        read_registrations(tmp_path / "nope.csv")


def test_roster_round_trip_add_remove(tmp_path):
    roster = Roster()
    roster.add_people([("Jane", "Doe"), ("Zoë", "O'Brien")])
    path = roster.save(tmp_path)
    assert (
        path.read_text(encoding="utf-8").splitlines()[0] == "username,first_name,last_name,detail"
    )
    loaded = Roster.load(tmp_path)
    assert loaded.entries == sorted(roster.entries, key=lambda e: e.username)
    removed = loaded.remove("OBrien_Zoe")
    assert removed.first_name == "Zoë"
    assert loaded.usernames == {"doe_jane"}
    with pytest.raises(ValueError, match="not on the roster"):
        loaded.remove("smith_john")


def test_handout_hides_password_unless_given():
    entries = assign_usernames([("Jane", "Doe")])
    text = format_handout(entries, "https://ws.example.org/")
    assert "https://ws.example.org/" in text and "doe_jane" in text
    assert "announced in the room" in text
    assert "s3cret-pass" in format_handout(entries, "u", password="s3cret-pass")


# --- what registration files look like when people export them (issue 13) ----------------------
PEOPLE = [("Jürgen", "Groß"), ("José", "García"), ("Zoë", "Müller"), ("Søren", "Ødegård")]


@pytest.mark.parametrize(
    ("encoding", "delimiter", "newline"),
    [
        ("utf-8", ",", "\n"),  # Google Sheets, Numbers, LibreOffice
        ("utf-8-sig", ",", "\r\n"),  # Excel "CSV UTF-8"
        ("utf-8-sig", ";", "\r\n"),  # Excel "CSV UTF-8" where ',' is the decimal comma
        ("utf-16", "\t", "\r\n"),  # Excel "Unicode Text" (BOM, little-endian)
        ("utf-16-le", "\t", "\r\n"),  # the same without a BOM
        ("utf-16-be", "\t", "\n"),
        ("utf-32", ",", "\n"),
        ("cp1252", ",", "\r\n"),  # Excel on Windows "CSV (Comma delimited)"
        ("cp1252", ";", "\r\n"),
        ("mac_roman", ",", "\r"),  # Excel for Mac "CSV (Macintosh)": classic Mac line ends
        ("cp850", ",", "\r\n"),  # Excel "CSV (MS-DOS)"
        ("utf-8", "|", "\n"),
    ],
)
def test_registration_files_in_every_export_encoding_and_delimiter(
    tmp_path, encoding, delimiter, newline
):
    rows = [["First Name", "Last Name", "Email"]]
    rows += [[f, ln, f"{name_part(f)}@uni.example"] for f, ln in PEOPLE]
    text = newline.join(delimiter.join(r) for r in rows) + newline
    people = read_registrations(write(tmp_path, text, encoding=encoding))
    assert [p[:2] for p in people] == PEOPLE
    assert people[0][2] == "jurgen@uni.example"


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        ("Name,Surname", "Jane,Doe", ("Jane", "Doe")),  # "Name" beside a surname: first name
        ("Vorname;Name", "Jürgen;Groß", ("Jürgen", "Groß")),  # German: Name is the surname
        ("Prénom;Nom", "Zoë;Dupont", ("Zoë", "Dupont")),
        ("Nome,Cognome", "Giulia,Rossi", ("Giulia", "Rossi")),
        ("Nombre,Apellidos", "José María,García Márquez", ("José María", "García Márquez")),
        ("Full name", "Mary Ann van Dyke", ("Mary Ann", "van Dyke")),
        ("Full name", "Jean-Luc van der Berg", ("Jean-Luc", "van der Berg")),
        ("Full name", "Leonardo da Vinci", ("Leonardo", "da Vinci")),
        ("Full name", "Ana de la Cruz", ("Ana", "de la Cruz")),
        ("Full name", "Van Morrison", ("Van", "Morrison")),
        ("Full name", "Jean DUPONT", ("Jean", "DUPONT")),
        ("Full name", "DUPONT Jean", ("Jean", "DUPONT")),
        ("Full name", "AJ Smith", ("AJ", "Smith")),
        ("Full name", "Martin Luther King Jr.", ("Martin Luther", "King Jr.")),
        ("Name", '"Doe, Jane"', ("Jane", "Doe")),
        ("Timestamp,Email Address,Full name", "2024-05-01,j@x.org,Jane Doe", ("Jane", "Doe")),
        ("First name,Last name,Name", "Jane,Doe,Badge", ("Jane", "Doe")),  # explicit pair wins
    ],
)
def test_registration_headers_as_people_write_them(tmp_path, header, row, expected):
    delimiter = ";" if ";" in header else ","
    assert "\t" not in header and delimiter
    people = read_registrations(write(tmp_path, f"{header}\n{row}\n"))
    assert people[0][:2] == expected


def test_a_full_name_column_agrees_with_roster_add():
    for full, first, last in [
        ("Mary Ann van Dyke", "Mary Ann", "van Dyke"),
        ("Jean-Luc van der Berg", "Jean-Luc", "van der Berg"),
        ("Ludwig van Beethoven", "Ludwig", "van Beethoven"),
    ]:
        assert make_username(*split_full_name(full)) == make_username(first, last)
    assert make_username(*split_full_name("Mary Ann van Dyke")) == "vandyke_maryann"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("First name,Given name,Surname\nJane,J,Doe\n", "ambiguous.*'First name', 'Given name'"),
        ("Name,Full name\nJane Doe,Jane Doe\n", "ambiguous.*columns seen: 'Name', 'Full name'"),
        ("Surname,Family name\nDoe,Doe\n", "ambiguous.*'Surname', 'Family name'"),
        ("Surname,Email\nDoe,j@x\n", "a last-name column but none.*'Surname', 'Email'"),
        ("Full name\nMadonna\n", "row 2: full name 'Madonna' has one word"),
    ],
)
def test_an_ambiguous_or_incomplete_header_is_refused_with_the_columns_seen(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        read_registrations(write(tmp_path, text))


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        (b"PK\x03\x04" + bytes(200), "zip archive .*xlsx"),
        (b"\xd0\xcf\x11\xe0" + bytes(200), "old Excel"),
        (bytes(range(256)) * 4, "not a text file"),
        (b"%PDF-1.7\n...", "PDF"),
        (b"\xff\xfeJ\x00a", "not valid utf-16"),
    ],
)
def test_a_file_that_is_not_text_gets_a_clear_error_naming_it(tmp_path, raw, match):
    path = tmp_path / "registrations.xlsx"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=match) as err:
        read_registrations(path)
    assert str(path) in str(err.value)


def test_attendees_with_the_same_name_are_told_apart_on_the_handout(tmp_path):
    text = (
        "First Name,Last Name,Email\nWei,Zhang,wei.zhang@ucla.example\n"
        "Wei,Zhang,zwei@mit.example\nJane,Doe,jane@x.example\n"
    )
    roster = Roster()
    roster.add_people(read_registrations(write(tmp_path, text)))
    handout = format_handout(roster.entries, "http://10.0.0.2:8000/")
    lines = {ln.split()[0]: ln for ln in handout.splitlines() if ln.startswith("  ") and "_" in ln}
    assert "wei.zhang@ucla.example" in lines["zhang_wei"]
    assert "zwei@mit.example" in lines["zhang_wei_2"]
    assert "@" not in lines["doe_jane"]  # e-mails only where they are needed


def test_same_names_without_email_use_another_column_or_the_row(tmp_path):
    text = "Name,Surname,Institution\nWei,Zhang,UCLA\nWei,Zhang,MIT\n"
    people = read_registrations(write(tmp_path, text))
    assert [p[2] for p in people] == ["Institution: UCLA", "Institution: MIT"]
    text = "Name,Surname\nWei,Zhang\nWei,Zhang\n"
    people = read_registrations(write(tmp_path, text, name="reg2.csv"))
    assert [p[2] for p in people] == ["row 2 of reg2.csv", "row 3 of reg2.csv"]


# --- injection and layout (issue 12) ----------------------------------------------------------
def test_names_cannot_break_the_handout_or_run_as_spreadsheet_formulas(tmp_path):
    text = (
        "First Name,Last Name\n"
        '"Jane\nPassword: hunter2",Doe\n'
        '=HYPERLINK("http://evil.example"),Smith\n'
        "+Cmd,Jones\n"
        "Ana,-2+3\n"
        "@SUM(A1),Lee\n"
        "Zo\u202eë,O\u200bBrien\n"  # a right-to-left override and a zero-width space
    )
    roster = Roster()
    roster.add_people(read_registrations(write(tmp_path, text)))
    roster.save(tmp_path / "data")
    handout = format_handout(roster.entries, "http://10.0.0.2:8000/", password="real-pass-1")
    password_lines = [ln for ln in handout.splitlines() if "Password:" in ln]
    assert len(password_lines) == 2  # the real one, and Jane's name on her own line
    assert password_lines[0].strip() == "3. Password: real-pass-1"
    assert len(handout.splitlines()) == 9 + len(roster.entries)
    assert "\u202e" not in handout and "\u200b" not in handout
    stored = (tmp_path / "data" / "roster.csv").read_text(encoding="utf-8")
    cells = [c for line in stored.splitlines()[1:] for c in line.split(",")]
    assert not [c for c in cells if c.lstrip('"')[:1] and c.lstrip('"')[0] in "=+-@"]
    assert "'=HYPERLINK" in stored and "'+Cmd" in stored and "'-2+3" in stored
    assert [
        e.first_name for e in Roster.load(tmp_path / "data").entries if e.last_name == "Smith"
    ] == ['=HYPERLINK("http://evil.example")']


@pytest.mark.parametrize(
    ("first", "last", "match"),
    [
        ("Jane", "X" * 65, "last name .* has 65 characters, at most 64"),
        (
            "Maximiliana",
            "Vanderbergschmidtwolff Ostermann",
            "the username .* would have 43 characters, at most 36",
        ),
    ],
)
def test_names_too_long_to_log_in_are_refused_at_import_naming_the_row(
    tmp_path, first, last, match
):
    path = write(tmp_path, f"first,last\nJane,Doe\n{first},{last}\n")
    with pytest.raises(ValueError, match=f"row 3: {match}"):
        read_registrations(path)
    longest = "a" * 18, "b" * 17  # a 36-character username imports
    assert len(make_username(*longest)) == 36 and is_valid_username(make_username(*longest) + "_2")


def test_the_data_dir_is_private_before_the_first_up(tmp_path):
    from hub.cli import main as cli

    data = tmp_path / "fresh" / "data"
    Roster().save(data)
    assert oct(data.stat().st_mode & 0o777) == "0o700"
    reg = write(tmp_path, "first,last\nJane,Doe\n")
    for args in (["roster", "import", str(reg)], ["settings", "set", "class_size", "12"]):
        fresh = tmp_path / f"by-{args[0]}" / "data"
        assert cli.main([*args, "--data-dir", str(fresh)]) == 0
        assert oct(fresh.stat().st_mode & 0o777) == "0o700", args
