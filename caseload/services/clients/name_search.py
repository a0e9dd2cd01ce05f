"""Finding a client by what is typed: the reference or name contains the text, ignoring case and the zero-width
non-joiner and joiner (U+200C ZWNJ, U+200D ZWJ).

A Persian or Indic name is often stored with a joiner that shapes it ("علی‌رضا", with a ZWNJ after "علی") yet
typed without one (or the other way round): the two look alike, so a search must find either way. The joiners are
taken out of both sides, in SQL with replace() and lower() (both SQLite and PostgreSQL have them), and in Python for
lists already loaded (`text_matches`). SQLite's lower() folds ASCII letters only, so in SQL the typed text is folded
by the same lower() as the column (an identical "Élise" always matches, case ignored at least as well as ilike did)
or by Python's lower() (so "ÉLISE" also finds a stored "élise").
"""
from __future__ import annotations

from sqlalchemy import func, or_

from caseload.values import JOINERS


def _unjoined(text: str) -> str:
    return "".join(c for c in text.strip() if c not in JOINERS)


def typed_key(text: str) -> str:
    """What is compared of the typed `text`: stripped, without ZWNJ/ZWJ, lower-case ('' when nothing is left)."""
    return _unjoined(text).lower()


def _column_key(column):
    """The SQL expression compared of a stored text column: without ZWNJ/ZWJ, lower-case."""
    for joiner in sorted(JOINERS):
        column = func.replace(column, joiner, "")
    return func.lower(column)


def _contains(key: str) -> str:
    # Users search for text, not patterns: % and _ match themselves (escaped with a backslash).
    return "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def column_contains(column, text: str):
    """SQL condition: `column` contains the typed `text` (typed_key), ignoring case and joiners on both sides."""
    key = _column_key(column)
    # The same SQL lower() on both sides first: Python's lower() alone would fold "É" while SQLite's leaves it.
    return or_(key.like(func.lower(_contains(_unjoined(text))), escape="\\"),
               key.like(_contains(typed_key(text)), escape="\\"))


def text_matches(value: str | None, text: str) -> bool:
    """Python twin of column_contains, for a value already loaded."""
    return typed_key(text) in typed_key(value or "")
