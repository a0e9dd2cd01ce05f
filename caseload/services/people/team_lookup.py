"""Finding a team by the name a person typed (the `--team` option of `flask week …`).

Team names are unique by values.name_key (stripped, without ZWNJ/ZWJ, folded: teams.name_key, migration 0021),
so a typed name is found by its key (services.name_lookup, the rule shared with client references and usernames),
never compared exactly: `--team North` finds the stored "north". As for
client references (services.clients.reference_lookup), 0021 left the key unset (NULL) on a look-alike stored
before it; such a team is compared on name_key of its name computed here. Of several, the one named exactly as
typed is taken; with none, AmbiguousTeam names them rather than guess.
"""
from __future__ import annotations

from caseload.models import Team
from caseload.services import name_lookup


class AmbiguousTeam(name_lookup.AmbiguousName):
    """`typed` has the key of several teams (`stored`: their names, sorted) and is none of them exactly."""

    def __init__(self, typed: str, stored: list[str]):
        super().__init__(typed, stored, f'"{typed}" is ambiguous: teams {", ".join(stored)} differ from it only by '
                         "case or an invisible joiner; type the name exactly as it is stored, or ask an "
                         "administrator to rename one of them (flask check-names lists them)")


def team_named(typed: str) -> Team | None:
    """The team whose name is `typed` but for case and ZWNJ/ZWJ, or None: name_lookup.find_by_key on teams.name_key
    (unique). Raises AmbiguousTeam when several match and none exactly."""
    try:
        return name_lookup.find_by_key(Team, Team.name, Team.name_key, typed)
    except name_lookup.AmbiguousName as err:
        raise AmbiguousTeam(typed, err.stored) from None
