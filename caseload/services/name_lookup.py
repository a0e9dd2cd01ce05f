"""Finding one row by a name a person typed or a file holds: a client reference, a team name, a username.

Such names are unique by values.name_key (stripped, without ZWNJ/ZWJ, folded), stored beside the name in a UNIQUE
key column (models.name_keys), so a typed name is found by its key, never compared exactly: "ab-12" finds the
stored "AB-12". Migrations 0021/0022 left the key unset (NULL) on a look-alike stored before them (a second "ab-12"
beside "AB-12"): such a row is compared on name_key of its name, computed here, so it is found too, and then
several rows can share the typed key. The rule, one for every caller:
- none: None; one: that one;
- several: the one stored exactly as typed (names are unique exactly, so at most one is);
- else, only where the caller asks for it (prefer_keyed: sign-in, which must lock nobody out), the one whose key is
  stored (the key column is unique, so at most one is);
- else AmbiguousName, naming them: never a guess. Callers raise it in their own words (a subclass).
A typed name with a compatibility character (values.key_problem: the Kelvin sign, a full-width letter) finds only
a row stored exactly so: its key is the plain name's ("Team \u212a" lower-cases to "team k"), which it only looks
like; saving such a name is refused.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import or_, select

from caseload.extensions import db
from caseload.values import compatibility_characters, look_alike_reasons, name_key

Row = TypeVar("Row")


def apart(stored: list[str]) -> str:
    """What alone tells the look-alike names `stored` apart: "case", "an invisible joiner (...)", or both joined
    by "or" (values.look_alike_reasons of each against the first: equality is transitive, so that covers all)."""
    reasons = [r for r in ("case", "an invisible joiner (U+200C ZWNJ or U+200D ZWJ)")
               if any(r in look_alike_reasons(stored[0], s) for s in stored[1:])]
    return " or ".join(reasons) or "case"


class AmbiguousName(ValueError):
    """`typed` has the key of several stored names (`stored`, sorted) and is none of them exactly. `apart`: what
    alone tells them apart (apart())."""

    def __init__(self, typed: str, stored: list[str], message: str | None = None):
        self.typed, self.stored, self.apart = typed, stored, apart(stored)
        super().__init__(message or f'"{typed}" is ambiguous: {", ".join(stored)} differ from it only by '
                         f"{self.apart}; type it exactly as it is stored")


def choose(candidates: list[Row], typed: str, name_of: Callable[[Row], str],
           keyed: Callable[[Row], bool] | None = None) -> Row | None:
    """The row `typed` means among `candidates` (rows whose key is name_key(typed)), by the module's rule;
    `keyed` (the row's key is stored) only when the caller prefers the keyed row to a refusal. AmbiguousName."""
    if compatibility_characters(typed):
        candidates = [row for row in candidates if name_of(row) == typed.strip()]
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    exact = [row for row in candidates if name_of(row) == typed.strip()]
    if exact:
        return exact[0]
    if keyed is not None:
        stored_key = [row for row in candidates if keyed(row)]
        if stored_key:
            return stored_key[0]
    raise AmbiguousName(typed, sorted(name_of(row) for row in candidates))


def find_by_key(model, name_column, key_column, typed: str, *scope, prefer_keyed: bool = False):
    """The `model` row (within the `scope` conditions) whose `name_column` is `typed` but for case and ZWNJ/ZWJ, or
    None (also for a blank `typed`). One query on the unique `key_column`: rows of the key, and the rows whose key
    is NULL (few: only look-alikes stored before 0021/0022), compared on name_key of their name. AmbiguousName
    (choose) when several match, none exactly (and, with prefer_keyed, none keyed)."""
    key = name_key(typed)
    if not key:
        return None
    name_of = lambda row: getattr(row, name_column.key)  # noqa: E731
    key_of = lambda row: getattr(row, key_column.key)  # noqa: E731
    rows = db.session.scalars(select(model).where(*scope, or_(key_column == key, key_column.is_(None)))
                              .order_by(model.id))
    candidates = [row for row in rows if (key_of(row) or name_key(name_of(row))) == key]
    return choose(candidates, typed, name_of, (lambda row: key_of(row) is not None) if prefer_keyed else None)
