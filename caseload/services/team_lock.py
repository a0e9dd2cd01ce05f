"""The team's lock: one writer at a time for what must not overlap within a team's weeks.

Desk bookings and cancellations (services/desk/booking.py) and every save that sets a pin (services/rota/
requests.py, the CSV import) take it before reading what they check, so two of them at once are serialised by
the database and the second sees the first's rows."""
from __future__ import annotations

from sqlalchemy import select, update

from caseload.extensions import db
from caseload.models import Team


def lock_team(team: Team) -> None:
    """Take the team's booking lock for this transaction (waits while another desk holds it).

    PostgreSQL: SELECT … FOR NO KEY UPDATE on the team's row. SQLite: an UPDATE, which takes the database's
    write lock (pysqlite begins the transaction right before it, so no older snapshot is upgraded)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(Team).where(Team.id == team.id).values(id=Team.id))
    else:
        # FOR NO KEY UPDATE: it serialises the callers as FOR UPDATE would, but does not wait for the KEY SHARE
        # locks that inserting a row referencing the team takes (two such transactions each waiting for the
        # other's was a deadlock: two moves of one draft, test_races).
        db.session.execute(select(Team.id).where(Team.id == team.id).with_for_update(key_share=True))
