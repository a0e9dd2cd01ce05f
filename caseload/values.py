"""What the database and the encoders can hold, checked the same way at every edge (pages, forms, the
JSON API, CSV imports, the command line) so a bad value is a clear refusal naming its field, never a 500.

- Dates lie in the years FIRST_DAY.year to LAST_DAY.year. Python's dates end at 9999 and begin at year 1,
  so a week of 9999-12-27 overflows as soon as a week is added, and 0001-01-01 in a zone east of UTC has
  no UTC time (OverflowError); nobody plans a caseload week outside these years.
- Text holds no control characters (C0, DEL, C1): NUL cannot be stored in PostgreSQL, CR/LF inside a
  one-line value breaks the calendar feed and mail headers, the rest is never meant. Long texts (notes)
  keep line breaks and tabs. Lone UTF-16 surrogates ("\\ud800", which JSON can spell) cannot be encoded
  as UTF-8 for either database.
- One-line text (names of clients, advisors, users, teams, skills, appointment types; reasons; usernames)
  holds no invisible formatting characters (Unicode category Cf: the bidi embeddings, overrides and isolates
  U+202A-U+202E and U+2066-U+2069, the marks U+200E/U+200F, zero-width U+200B-U+200D, the BOM U+FEFF, the
  soft hyphen…) nor the line and paragraph separators U+2028/U+2029: "Ann\\u202eenoJ" shows as another
  name on screen and in a spreadsheet than the one stored and searched, and a zero-width space makes two
  names that look the same. One exception: the zero-width non-joiner and joiner (U+200C ZWNJ, U+200D ZWJ,
  JOINERS) between two letters (Unicode categories L* or M*, a vowel sign or virama included), where Persian,
  Arabic and Indic names need them to shape a word ("می\u200cخواهم", the Devanagari conjunct "क्\u200dष");
  at the start or end, doubled, or beside a space, digit or punctuation they shape nothing and are refused.
  Long texts refuse the bidi controls (BIDI_CONTROLS: they reorder whatever follows, "Trojan Source") but keep
  the other invisible characters an emoji or a script needs (ZWJ, ZWNJ).
- Names are compared (searches, and the uniqueness of client references and team names) by name_key: without
  the joiners and lower-cased by Python's Unicode str.lower(), so "علی\u200cرضا" and "علیرضا", "Élise" and
  "ÉLISE" are the same name. In SQL the twin is database.folded() over the column with the joiners replaced.
- A name or code compared by key (codes, usernames, team names, client references) holds no compatibility
  character: one Unicode's NFKC normalisation replaces, such as the Kelvin sign "\u212a" (lower-cased to an ASCII
  "k"), a full-width "\uff21" or the ligature "\ufb01". Each looks like the plain text it stands for, so it is
  refused where such a name or code is saved (key_problem: the field named, the plain character offered), and a
  typed one never matches by key (it finds only a row stored exactly so, before the rule): no key changes, so
  no stored key needed a migration.
- A whole number typed into a link or a hidden field (an id, a version, a page) is ASCII digits up to
  MAX_INT, the largest INTEGER column: str.isdigit() also passes "²" and "٣", and int("²") raises.
- JSON bodies nest at most MAX_JSON_DEPTH levels; deeper ones are refused before parsing (Python's parser
  recurses, and 1,000 levels raise RecursionError).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

MAX_INT = 2**31 - 1  # the largest value of an INTEGER column (ids, versions)
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
MAX_JSON_DEPTH = 32
# The weeks the app plans: every day Monday to Sunday inside FIRST_DAY..LAST_DAY. One pair for every way in
# (pages, the API, forms, the command line, the desk's series), so none opens a week another refuses.
FIRST_WEEK = date(2000, 1, 3)
LAST_WEEK = date(2099, 12, 21)

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # keeps \t, \n, \r
# Bidi embeddings, overrides and isolates: they reorder the text after them until closed (or the line ends).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
JOINERS = frozenset("\u200c\u200d")  # ZWNJ, ZWJ: taken in one-line text between two letters (joins_letters)
_PLAIN_ASCII = re.compile("[\x20-\x7e]*")  # the common case: nothing invisible to look for


class ValueRejected(ValueError):
    """A value outside what the app can hold; the message says why in a user's words."""


def day_in_range(day: date | datetime) -> bool:
    return FIRST_DAY <= (day.date() if isinstance(day, datetime) else day) <= LAST_DAY


def range_text() -> str:
    return f"between {FIRST_DAY.year} and {LAST_DAY.year}"


def check_day(day: date | datetime):
    """`day` itself (a date or datetime) if it lies in the sane range; else ValueRejected."""
    if not day_in_range(day):
        raise ValueRejected(f"{day.isoformat()[:10]} is not a date {range_text()}.")  # 0001-01-01, not strftime's 1-01-01
    return day


def parse_day(text: str) -> date:
    """An ISO date YYYY-MM-DD in the sane range; ValueError (ValueRejected when only the range is wrong)."""
    return check_day(date.fromisoformat(text))


def week_problem(day: date) -> str | None:
    """Why `day` cannot name a week (a sentence), or None when it is a Monday from FIRST_WEEK to LAST_WEEK."""
    if day.weekday() != 0:
        return f"{day.isoformat()} is a {day:%A}: give the Monday that starts the week."
    if not FIRST_WEEK <= day <= LAST_WEEK:
        return f"The week of {day.isoformat()} is outside the weeks the app plans ({weeks_text()})."
    return None


def weeks_text() -> str:
    return f"Mon {FIRST_WEEK:%d %b %Y} to Mon {LAST_WEEK:%d %b %Y}"


def parse_week(text: str) -> date:
    """The Monday `text` names (YYYY-MM-DD) if it starts a week the app plans; ValueError when it is not a date,
    ValueRejected (with the reason) when it is not such a Monday."""
    day = date.fromisoformat(text)
    problem = week_problem(day)
    if problem:
        raise ValueRejected(problem)
    return day


def text_problem(text: str, multiline: bool = False) -> str | None:
    """Why `text` cannot be taken (a sentence to show after the field's name), or None when it can."""
    if _SURROGATE.search(text):
        return "contains a broken character (a lone UTF-16 surrogate such as \\ud800)."
    control = (_CONTROL_MULTILINE if multiline else _CONTROL_ONE_LINE).search(text)
    if control:
        what = {"\x00": "a NUL character (\\0)", "\r": "a line break", "\n": "a line break",
                "\t": "a tab"}.get(control.group(), f"a control character (U+{ord(control.group()):04X})")
        allowed = "; only line breaks and tabs are allowed here" if multiline else "; use plain text on one line"
        return f"contains {what}{allowed}."
    if _PLAIN_ASCII.fullmatch(text):
        return None
    return _invisible_problem(text, multiline)


def _invisible_problem(text: str, multiline: bool) -> str | None:
    """Why `text` (free of control characters) cannot be taken for an invisible character, or None."""
    if multiline:
        found = _BIDI.search(text)
        return _invisible_sentence(found.group()) if found else None
    for at, char in enumerate(text):
        if unicodedata.category(char) in ("Cf", "Zl", "Zp"):
            if char in JOINERS and joins_letters(text, at):
                continue  # a Persian, Arabic or Indic name's ZWNJ/ZWJ inside a word
            return _invisible_sentence(char)
    return None


# Scripts whose words a ZWNJ or ZWJ shapes (Unicode character names start with the script's name). Latin,
# Cyrillic, Greek and the rest never need one in a name, where it would only make two names look alike.
JOINING_SCRIPTS = ("ARABIC", "SYRIAC", "NKO", "MONGOLIAN", "DEVANAGARI", "BENGALI", "GURMUKHI", "GUJARATI",
                   "ORIYA", "TAMIL", "TELUGU", "KANNADA", "MALAYALAM", "SINHALA", "MYANMAR", "KHMER", "TIBETAN")


def _joining_letter(char: str) -> bool:
    return (unicodedata.category(char)[0] in "LM"
            and unicodedata.name(char, "").split(" ", 1)[0] in JOINING_SCRIPTS)


def joins_letters(text: str, at: int) -> bool:
    """Whether the character at `at` has, on both sides, a letter or combining mark (Unicode categories L*, M*)
    of a script that joiners shape (JOINING_SCRIPTS: Arabic, Persian, Indic and the like): where a ZWNJ or ZWJ
    shapes the word it sits in. Doubled joiners, or one at an end, beside a space, digit or punctuation, or
    between Latin (or other non-joining) letters, fail."""
    return 0 < at < len(text) - 1 and _joining_letter(text[at - 1]) and _joining_letter(text[at + 1])


def _invisible_sentence(char: str) -> str:
    code = f"U+{ord(char):04X} {unicodedata.name(char, 'FORMAT CHARACTER')}"
    if char in BIDI_CONTROLS:
        return (f"contains an invisible character that changes the text's direction ({code}), so it would show "
                "differently from what is stored; type it without.")
    if unicodedata.category(char) in ("Zl", "Zp"):
        return f"contains a line break ({code}); use plain text on one line."
    if char in JOINERS:
        return (f"contains an invisible character ({code}) that is not between two letters of a script that needs "
                "it (Arabic, Persian or an Indic script): a joiner is kept only inside such a word; type it without "
                "here.")
    return f"contains an invisible character ({code}); type it without."


def without_joiners(text: str) -> str:
    """`text` with every ZWNJ and ZWJ (JOINERS) taken out."""
    return "".join(c for c in text if c not in JOINERS)


def fold(text: str) -> str:
    """`text` lower-cased over all of Unicode ("ÉLISE" -> "élise"): the Python twin of SQL database.folded(),
    which SQLite runs with this very function and PostgreSQL with lower() under an ICU collation."""
    return text.lower()


def name_key(text: str) -> str:
    """What two names are compared on: stripped, without ZWNJ/ZWJ, folded (fold). Two names with one key look the
    same on screen, so one of them is refused where names must be unique (client references, team names)."""
    return fold(without_joiners(text.strip()))


def differs_only_by(stored: str, typed: str) -> str:
    """Words for what alone tells `typed` from `stored`, two texts of one name_key: '' when they are equal, else
    "case", "an invisible joiner (U+200C ZWNJ or U+200D ZWJ)" or both, for a refusal to explain itself."""
    return " and ".join(look_alike_reasons(stored, typed))


def look_alike_reasons(stored: str, typed: str) -> list[str]:
    """What alone tells two texts of one name_key apart, as a list of differs_only_by's words ([] when equal)."""
    stored, typed = stored.strip(), typed.strip()
    reasons = []
    if without_joiners(stored) != without_joiners(typed):
        reasons.append("case")
    if fold(stored) != fold(typed):
        reasons.append("an invisible joiner (U+200C ZWNJ or U+200D ZWJ)")
    return reasons


def stored_as(stored: str, typed: str, how: str = "stored") -> str:
    """'' when `stored` is `typed`; else " (stored as S0001: they differ only by case)", to follow a refusal of
    `typed` whose look-alike twin is `stored` (`how`: "stored", or "written" for an earlier row of a file)."""
    apart = differs_only_by(stored, typed)
    return f" ({how} as {stored}: they differ only by {apart})" if apart else ""


def text_box_sends(value: str) -> str:
    """What a browser's one-line text box (<input type="text">) given `value` sends back untouched: line breaks
    (CR, LF) dropped (HTML's value sanitisation), NUL read as U+FFFD (the HTML parser). Other characters, control
    characters too, come back as given. For a stored value the current checks refuse (a username with a line
    break): the form sending it back is no change, however the browser shows it."""
    return value.replace("\r", "").replace("\n", "").replace("\x00", "\ufffd")


def compatibility_characters(text: str) -> list[str]:
    """The characters of `text` that NFKC normalisation replaces (each alone, so a letter and its separate accent
    are left alone): "\u212a" (KELVIN SIGN), "\uff21" (FULLWIDTH A), "\ufb01" (the fi ligature), "\u00a0"..."""
    return [c for c in dict.fromkeys(text) if not c.isascii() and unicodedata.normalize("NFKC", c) != c]


def key_problem(text: str) -> str | None:
    """Why `text`, a name or code compared by key, cannot be saved (a sentence to follow the field's name), or None:
    "contains U+212A KELVIN SIGN, which looks like 'K' but is another character; type 'K' instead." (the module
    docstring's rule)."""
    found = compatibility_characters(text)
    if not found:
        return None
    char = found[0]
    plain = unicodedata.normalize("NFKC", char)
    name = unicodedata.name(char, "a compatibility character")
    return (f"contains U+{ord(char):04X} {name}, which looks like {plain!r} but is another character; "
            f"type {plain!r} instead.")


def code_key(text: str) -> str:
    """The key a skill or appointment-type code is matched by: `text` stripped (any white space) and lower-cased;
    a text with a compatibility character (key_problem) is not lower-cased and is marked, so it matches only a code
    stored exactly so (the Kelvin sign's "\u212a1" never matches "k1")."""
    text = text.strip()
    return "\x00" + text if compatibility_characters(text) else text.lower()


def code_taken_among(stored, text: str, exclude_id: int | None = None) -> str | None:
    """The first code in `stored` ((id, code) pairs, oldest first) other than `exclude_id` with the code_key of
    `text`, as stored; None when there is none (the admin's saves of skill and type codes)."""
    key = code_key(text)
    return next((code for row_id, code in stored if row_id != exclude_id and code_key(code) == key), None)


def check_text(text: str, multiline: bool = False) -> str:
    """`text` if text_problem() finds nothing; else ValueRejected with the reason."""
    problem = text_problem(text, multiline)
    if problem:
        raise ValueRejected(problem)
    return text


def json_too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text `raw` opens more than `limit` arrays/objects inside each other (brackets inside
    strings do not count). Scans the bytes, so it is safe before parsing."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth, in_string, escaped = 0, False, False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # closing quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


def whole_number(text: str | None, most: int = MAX_INT) -> int | None:
    """`text` (stripped) as a whole number 0..`most` written in ASCII digits, else None (the caller says what
    that means: "none chosen", "any", a stale version)."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(most)):
        return None
    return int(text) if int(text) <= most else None
