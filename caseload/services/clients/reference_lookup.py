"""Finding one client of a team by the reference a person typed or a file holds.

References are unique within a team by values.name_key (stripped, without ZWNJ/ZWJ, folded: clients.reference_key,
migration 0021), so a reference is found by its key, never compared exactly: "ab-12" finds the stored "AB-12",
and "علی‌رضا" typed with a joiner finds it stored without one.

Migration 0021 left the key unset (NULL) on a look-alike stored before it (a second "ab-12" beside "AB-12"):
such a row is compared on name_key of its reference, computed here, so it is found too, and then two clients can
share the typed key. The one stored exactly as typed is taken; with none, the reference is ambiguous
(AmbiguousReference, which names them), never a guess. Erased clients are never found (their reference is gone).
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select

from caseload.extensions import db
from caseload.models import Client, Team
from caseload.values import fold, name_key, without_joiners


class AmbiguousReference(ValueError):
    """`typed` has the key of several clients of `team` (`stored`: their references, sorted) and is none of them
    exactly; str() says so in words a team leader can act on, keeping what was typed. `apart`: what alone tells
    the stored references apart ("case", "an invisible joiner (...)", or both joined by "or")."""

    def __init__(self, team: Team, typed: str, stored: list[str]):
        self.team, self.typed, self.stored, self.apart = team, typed, stored, _apart(stored)
        super().__init__(f'"{typed}" is ambiguous: team {team.name} has {len(stored)} clients whose references differ '
                         f"from it only by {self.apart} ({', '.join(stored)}); type the reference exactly as it "
                         "is stored, or ask an administrator to retype one of them (flask check-names lists them)")


def _apart(stored: list[str]) -> str:
    """What alone tells the look-alike references `stored` apart: case, an invisible joiner, or both."""
    reasons = []
    if len({without_joiners(s) for s in stored}) > 1:
        reasons.append("case")
    if len({fold(s) for s in stored}) > 1:
        reasons.append("an invisible joiner (U+200C ZWNJ or U+200D ZWJ)")
    return " or ".join(reasons) or "case"


def key_of(client: Client) -> str:
    """The key `client` is found by: its stored reference_key, or name_key of its reference where 0021 left it
    unset."""
    return client.reference_key or name_key(client.reference)


def pick(team: Team, candidates: list[Client], typed: str) -> Client | None:
    """The client among `candidates` (the not-erased clients of `team` with the key of `typed`) that `typed` means:
    the only one; of several, the one stored exactly as typed (stored references are unique exactly, so at most one
    is); None when there are none. AmbiguousReference when several and none exactly."""
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    exact = [c for c in candidates if c.reference == typed.strip()]
    if exact:
        return exact[0]
    raise AmbiguousReference(team, typed, sorted(c.reference for c in candidates))


def team_client(team: Team, typed: str) -> Client | None:
    """The not-erased client of `team` whose reference is `typed` but for case and ZWNJ/ZWJ (pick: exact first
    among look-alikes), or None. One query on (team_id, reference_key), the unique index: rows of the key, and the
    rows whose key 0021 left unset (few: only look-alikes stored before it). AmbiguousReference as pick."""
    key = name_key(typed)
    if not key:
        return None
    rows = db.session.scalars(select(Client).where(
        Client.team_id == team.id, Client.erased_at.is_(None),
        or_(Client.reference_key == key, Client.reference_key.is_(None))).order_by(Client.id))
    return pick(team, [c for c in rows if key_of(c) == key], typed)


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
