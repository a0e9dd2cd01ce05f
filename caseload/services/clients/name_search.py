"""Finding a client by what is typed: the reference or name contains the text, ignoring case and the zero-width
non-joiner and joiner (U+200C ZWNJ, U+200D ZWJ); and telling whether a name is already taken on the same terms.

A Persian or Indic name is often stored with a joiner that shapes it ("علی‌رضا", with a ZWNJ after "علی") yet
typed without one (or the other way round): the two look alike, so a search must find either way. The joiners are
taken out of both sides, in SQL with replace() and in Python for lists already loaded (`text_matches`). Case is
folded over all of Unicode ("élise" finds "Élise", "ÉLISE" finds "élise") by database.folded() in SQL, on the
column and the typed text alike (SQLite's and a C-locale PostgreSQL's lower() fold A-Z only), and by values.fold
in Python.
"""
from __future__ import annotations

from sqlalchemy import and_, func, literal, or_

from caseload.database import folded
from caseload.values import JOINERS, name_key, without_joiners


def typed_key(text: str) -> str:
    """What is compared of the typed `text`: stripped, without ZWNJ/ZWJ, folded ('' when nothing is left)."""
    return name_key(text)


def column_key(column):
    """The SQL expression compared of a stored text column: without ZWNJ/ZWJ, folded (database.folded)."""
    for joiner in sorted(JOINERS):
        column = func.replace(column, joiner, "")
    return folded(column)


def _contains(text: str) -> str:
    # Users search for text, not patterns: % and _ match themselves (escaped with a backslash).
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def column_contains(column, text: str):
    """SQL condition: `column` contains the typed `text` (typed_key), ignoring case and joiners on both sides."""
    # The same folded() on both sides: the database folds the typed text as it folds the column.
    pattern = _contains(without_joiners(text.strip()))
    return column_key(column).like(folded(literal(pattern)), escape="\\")


def column_equals(column, text: str):
    """SQL condition: `column` holds a name of the same key as `text` (values.name_key): equal but for case and
    ZWNJ/ZWJ, two names that look alike. For uniqueness checks (client references, team names)."""
    return column_key(column) == folded(literal(without_joiners(text.strip())))


def key_equals(column, key_column, text: str):
    """SQL condition: the row's name has the key of the typed `text` (values.name_key), read from its stored
    `key_column` (name_key computed in Python on every write: models.name_keys), so Python and SQL agree on what
    is stripped and folded (SQL's trim() strips spaces only, lower() may fold A-Z only); a row whose key is NULL (a
    look-alike stored before migrations 0021/0022) is compared by column_equals."""
    return or_(key_column == name_key(text), and_(key_column.is_(None), column_equals(column, text)))


def text_matches(value: str | None, text: str) -> bool:
    """Python twin of column_contains, for a value already loaded."""
    return typed_key(text) in typed_key(value or "")
