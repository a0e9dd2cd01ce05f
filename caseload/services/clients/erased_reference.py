"""The reference an erased client is left with, and the prefix typed references may not start with.

Erasing replaces the client's reference with ERASED_PREFIX and its id ("ERASED-17"). References are unique within a
team by values.name_key (clients.reference_key), so a typed reference of that key ("Erased-17") would make the
erasure fail on the UNIQUE index, every time. So no typed reference (the client form, the clients CSV) may start
with the prefix, case and ZWNJ/ZWJ ignored (reserved_problem); and one typed before this rule cannot block an
erasure either: placeholder() then adds a number until the key is free in the team.
"""
from __future__ import annotations

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Client
from caseload.values import key_problem, name_key

ERASED_PREFIX = "ERASED-"


def reserved_problem(reference: str) -> str | None:
    """Why the typed `reference` cannot be taken for a new client (a sentence to follow the field's name), or None:
    it starts with the prefix erasure uses, or holds a compatibility character (values.key_problem: the Kelvin
    sign's "\u212a1" would be the key of "K1"). Both ways in that add clients come here: the form, the CSV."""
    if problem := key_problem(reference):
        return problem
    if name_key(reference).startswith(name_key(ERASED_PREFIX)):
        return (f"starts with {ERASED_PREFIX}, which is kept for the references of erased clients; "
                "choose another reference.")
    return None


def placeholder(client: Client) -> str:
    """The reference `client` is left with when erased: ERASED-<id>, or ERASED-<id>-2, -3 … when a reference of
    that key (typed before the prefix was reserved) is held by another client of its team."""
    taken = set(db.session.scalars(select(Client.reference_key).where(
        Client.team_id == client.team_id, Client.id != client.id,
        Client.reference_key.startswith(name_key(f"{ERASED_PREFIX}{client.id}")))))
    candidate, n = f"{ERASED_PREFIX}{client.id}", 1
    while name_key(candidate) in taken:
        n += 1
        candidate = f"{ERASED_PREFIX}{client.id}-{n}"
    return candidate
