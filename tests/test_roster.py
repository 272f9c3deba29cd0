"""Roster: registration names -> lastname_firstname usernames, CSV variants, the roster file."""

from __future__ import annotations

import pytest

from hub.roster import (
    Roster,
    assign_usernames,
    format_handout,
    is_valid_username,
    make_username,
    normalize_login,
    read_registrations,
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
    assert people == [("Jane", "Doe"), ("Zoë", "O'Brien")]


def test_read_registrations_accepts_windows_1252(tmp_path):
    path = write(tmp_path, "Vorname;Nachname\nJürgen;Groß\n", encoding="cp1252")
    assert read_registrations(path) == [("Jürgen", "Groß")]
    assert assign_usernames(read_registrations(path))[0].username == "gross_jurgen"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("email,phone\na@b,123\n", "no name columns"),
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
    assert path.read_text(encoding="utf-8").splitlines()[0] == "username,first_name,last_name"
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
