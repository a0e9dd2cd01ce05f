"""Skill codes as typed on every path (the API's client `need`, the clients CSV's `need` column): matched by
their key, surrounding spaces and case ignored, so "Debt " names the skill stored as "debt" wherever it is typed
(services/people/admin.save_skill stores codes stripped and lower-cased; a code written otherwise, by an older
import or by hand, is found all the same)."""
from __future__ import annotations

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import Skill


def code_key(text: str) -> str:
    """The key a skill code is matched by: `text` stripped and lower-cased."""
    return text.strip().lower()


def skill_by_code(text: str) -> Skill | None:
    """The skill whose code has the key of `text`, or None (the caller names the field in its error)."""
    return db.session.scalar(select(Skill).where(func.lower(func.trim(Skill.code)) == code_key(text)).limit(1))


def skills_by_key() -> dict[str, Skill]:
    """Every skill by the key of its code (for a file's rows: one query)."""
    return {code_key(s.code): s for s in db.session.scalars(select(Skill).order_by(Skill.id))}
