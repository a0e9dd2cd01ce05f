"""The one row of a table that holds a single setting (the service policy, the active weight profile), made on
first use without a race: two first reads at once used to make two policy rows (nothing unique held them
apart), and two first reads of the weights a 500 (the second 'default' profile broke its unique name)."""
from __future__ import annotations

from typing import Callable, TypeVar

from sqlalchemy.exc import IntegrityError

from caseload.extensions import db

Row = TypeVar("Row")


def get_or_create(read: Callable[[], Row | None], make: Callable[[], Row]) -> Row:
    """The row `read()` finds; else `make()`'s, inserted and committed at once. `make()` must give a row that a
    unique key (the primary key, a unique name) keeps single: a session that loses the race to insert it gets
    IntegrityError, rolls back and reads the winner's row instead.

    Commits (or rolls back) the session: call it before changing anything else in the request."""
    found = read()
    if found is not None:
        return found
    db.session.add(make())
    try:
        db.session.commit()
    except IntegrityError:  # another session made it between our read and our insert
        db.session.rollback()
    found = read()
    if found is None:  # the unique key is held by a row `read` does not find: not a race, a fault
        raise RuntimeError("get_or_create: the row was neither found nor made")
    return found
