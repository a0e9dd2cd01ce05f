"""Skill codes as typed on every path (the API's client `need`, the clients CSV's `need` column): matched by
their key, surrounding spaces and case ignored, so "Debt " names the skill stored as "debt" wherever it is typed
(services/people/code_admin.save_skill stores codes stripped and lower-cased, and refuses a second code of one key; a
code written otherwise, by an older import or by hand, is found all the same).

Keyed in Python on every path, as services/rota/type_codes: SQL's trim strips only spaces and SQLite's lower()
only ASCII letters, so the API and the CSV disagreed on a stored "debt<TAB>". Of two stored codes of one key (data
from before the rule), every path takes the first made (the CSV took the last, the API whichever SQL gave)."""
from __future__ import annotations

from sqlalchemy import select

from caseload import values
from caseload.extensions import db
from caseload.models import Skill


def code_key(text: str) -> str:
    """The key a skill code is matched by: values.code_key (stripped, lower-cased; a compatibility character
    such as the Kelvin sign matches only a code stored exactly so)."""
    return values.code_key(text)


def skill_by_code(text: str) -> Skill | None:
    """The skill whose code has the key of `text`, or None (the caller names the field in its error)."""
    return skills_by_key().get(code_key(text))


def skills_by_key() -> dict[str, Skill]:
    """Every skill by the key of its code (for a file's rows: one query; of two of one key, the first made)."""
    found: dict[str, Skill] = {}
    for skill in db.session.scalars(select(Skill).order_by(Skill.id)):
        found.setdefault(code_key(skill.code), skill)
    return found


def code_taken(text: str, exclude_id: int | None = None) -> str | None:
    """The stored code of another skill (other than `exclude_id`) with the key of `text`, as stored; None when
    there is none. For the admin's save: a second code of one key would make typed codes ambiguous."""
    return values.code_taken_among(db.session.execute(select(Skill.id, Skill.code).order_by(Skill.id)),
                                   text, exclude_id)
