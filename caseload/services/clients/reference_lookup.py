"""Finding one client of a team by the reference a person typed or a file holds.

References are unique within a team by values.name_key (stripped, without ZWNJ/ZWJ, folded: clients.reference_key,
migration 0021), so a reference is found by its key, never compared exactly: "ab-12" finds the stored "AB-12",
and "علی‌رضا" typed with a joiner finds it stored without one.

Migration 0021 left the key unset (NULL) on a look-alike stored before it (a second "ab-12" beside "AB-12"):
such a row is compared on name_key of its reference (services.name_lookup, the rule shared with team names and
usernames), so it is found too, and then two clients can
share the typed key. The one stored exactly as typed is taken; with none, the reference is ambiguous
(AmbiguousReference, which names them), never a guess. Erased clients are never found (their reference is gone).
"""
from __future__ import annotations

from collections.abc import Iterable

from caseload.models import Client, Team
from caseload.services import name_lookup
from caseload.values import name_key


class AmbiguousReference(name_lookup.AmbiguousName):
    """`typed` has the key of several clients of `team` (`stored`: their references, sorted) and is none of them
    exactly; str() says so in words a team leader can act on, keeping what was typed. `apart`: what alone tells
    the stored references apart ("case", "an invisible joiner (...)", or both joined by "or": name_lookup.apart)."""

    def __init__(self, team: Team, typed: str, stored: list[str]):
        self.team = team
        apart = name_lookup.apart(stored)
        super().__init__(typed, stored, f'"{typed}" is ambiguous: team {team.name} has {len(stored)} clients whose '
                         f"references differ from it only by {apart} ({', '.join(stored)}); type the reference "
                         "exactly as it is stored, or ask an administrator to retype one of them (flask check-names "
                         "lists them)")


def key_of(client: Client) -> str:
    """The key `client` is found by: its stored reference_key, or name_key of its reference where 0021 left it
    unset."""
    return client.reference_key or name_key(client.reference)


def pick(team: Team, candidates: list[Client], typed: str) -> Client | None:
    """The client among `candidates` (the clients of `team` with the key of `typed`) that `typed` means, by
    name_lookup.choose: the only one; of several, the one stored exactly as typed; None when there are none.
    AmbiguousReference when several and none exactly."""
    try:
        return name_lookup.choose(candidates, typed, lambda c: c.reference)
    except name_lookup.AmbiguousName as err:
        raise AmbiguousReference(team, typed, err.stored) from None


def team_client(team: Team, typed: str) -> Client | None:
    """The not-erased client of `team` whose reference is `typed` but for case and ZWNJ/ZWJ (exact first among
    look-alikes), or None: name_lookup.find_by_key on (team_id, reference_key), the unique index.
    AmbiguousReference as pick."""
    try:
        return name_lookup.find_by_key(Client, Client.reference, Client.reference_key, typed,
                                       Client.team_id == team.id, Client.erased_at.is_(None))
    except name_lookup.AmbiguousName as err:
        raise AmbiguousReference(team, typed, err.stored) from None


class ReferenceIndex:
    """A team's clients read once, by key, for a file of many rows (one lookup a row, no query a row)."""

    def __init__(self, team: Team, clients: Iterable[Client]):
        self.team = team
        self._by_key: dict[str, list[Client]] = {}
        for client in clients:
            self._by_key.setdefault(key_of(client), []).append(client)

    def find(self, typed: str) -> Client | None:
        """As team_client, among the clients given (erased ones too if they were given: the caller decides)."""
        return pick(self.team, self._by_key.get(name_key(typed), []), typed)
