"""Finding a team by the name a person typed (the `--team` option of `flask week …`).

Team names are unique by values.name_key (stripped, without ZWNJ/ZWJ, folded: teams.name_key, migration 0021),
so a typed name is found by its key, never compared exactly: `--team North` finds the stored "north". As for
client references (services.clients.reference_lookup), 0021 left the key unset (NULL) on a look-alike stored
before it; such a team is compared on name_key of its name computed here. Of several, the one named exactly as
typed is taken; with none, AmbiguousTeam names them rather than guess.
"""
from __future__ import annotations

from sqlalchemy import or_, select

from caseload.extensions import db
from caseload.models import Team
from caseload.values import name_key


class AmbiguousTeam(ValueError):
    """`typed` has the key of several teams (`stored`: their names, sorted) and is none of them exactly."""

    def __init__(self, typed: str, stored: list[str]):
        self.typed, self.stored = typed, stored
        super().__init__(f'"{typed}" is ambiguous: teams {", ".join(stored)} differ from it only by case or an '
                         "invisible joiner; type the name exactly as it is stored, or ask an administrator to "
                         "rename one of them (flask check-names lists them)")


def team_named(typed: str) -> Team | None:
    """The team whose name is `typed` but for case and ZWNJ/ZWJ, or None. One query on teams.name_key (unique)
    plus the few teams whose key 0021 left unset. Raises AmbiguousTeam when several match and none exactly."""
    key = name_key(typed)
    if not key:
        return None
    rows = db.session.scalars(select(Team).where(or_(Team.name_key == key, Team.name_key.is_(None))).order_by(Team.id))
    candidates = [t for t in rows if (t.name_key or name_key(t.name)) == key]
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    exact = [t for t in candidates if t.name == typed.strip()]
    if exact:
        return exact[0]
    raise AmbiguousTeam(typed, sorted(t.name for t in candidates))
