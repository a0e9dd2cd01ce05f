"""Administrators' changes to what work is matched by code: skills and appointment types.

A code is stored by its key and a second code of one key is refused, also when saved by another at the same
moment. A refused change raises admin_saves.AdminError naming the form field at fault; nothing is saved.
"""
from __future__ import annotations

import re

from caseload.extensions import db
from caseload.models import KINDS, AppointmentType, Skill
from caseload.services import audit
from caseload.services.people import skill_codes
from caseload.services.people.admin_saves import AdminError, apply_changes, claim, flush_unique, stored_look_alike
from caseload.services.rota import type_codes
from caseload.values import key_problem, stored_as


def skill_code_from(name: str, skill_id: int | None = None) -> str:
    """A skill's code made from its name: lower case, runs of anything but letters and digits as one dash,
    at most 40 characters ("Mental health" -> "mental-health"); "-2", "-3", … added when another skill
    (not `skill_id`) has it. "skill" for a name with no letter or digit."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-") or "skill"
    code, n = base, 1
    while _skill_code_stored(code, skill_id) is not None:
        n += 1
        code = f"{base[:40 - len(str(n)) - 1].rstrip('-')}-{n}"
    return code


def _skill_code_stored(code: str, skill_id: int | None) -> str | None:
    """Another skill's stored code that `code` would match on a typed path (skill_codes: its key, spaces and case
    ignored: a "Debt " stored before the rule takes "debt"), or one equal but for ZWNJ/ZWJ; None when free."""
    return skill_codes.code_taken(code, skill_id) or stored_look_alike(Skill, Skill.code, code, skill_id)


def save_skill(skill: Skill | None, code: str | None, name: str, by, expected_version: int | None = None) -> Skill:
    """Add or edit a skill; an empty `code` is made from the name (skill_code_from). AdminError names the
    field at fault; a save since `expected_version` is refused (admin_saves.claim)."""
    claim(skill, expected_version, "This skill")
    _refuse_look_alike_characters(code or "")
    code = skill_codes.code_key(code or "")
    if not code and name.strip():
        code = skill_code_from(name.strip(), getattr(skill, "id", None))
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", code):
        raise AdminError("Use lower-case letters, digits, dashes or underscores (up to 40).", "code")
    skill_id = getattr(skill, "id", None)

    def taken_words(stored: str) -> str:
        return f"There is already a skill with code {code}{stored_as(stored, code)}."

    stored = _skill_code_stored(code, skill_id)
    if stored is not None:
        raise AdminError(taken_words(stored), "code")
    if not name.strip():
        raise AdminError("Give the skill a name.", "name")
    created = skill is None
    skill = skill or Skill()
    changed = apply_changes(skill, {"code": code, "name": name.strip()})
    db.session.add(skill)
    # the same code saved by another since the check (UNIQUE code)
    flush_unique("code", lambda: taken_words(_skill_code_stored(code, skill_id) or code))
    audit.record("skill_created" if created else "skill_updated", user=by, obj=skill, changes=changed)
    db.session.commit()
    return skill


def save_appointment_type(kind_type: AppointmentType | None, *, code: str, name: str, kind: str, skill: Skill | None,
                          default_minutes: int, active: bool, by, expected_version: int | None = None) -> AppointmentType:
    """Add or edit an appointment type. `code` is stored by its key (type_codes.code_key: " Follow-Up " is saved
    as "follow-up"), the key every path matches a typed code by; another type whose stored code has that key
    (even one stored as "Follow-up " before the rule) is refused. AdminError names the field at fault; a save
    since `expected_version` is refused (admin_saves.claim)."""
    claim(kind_type, expected_version, "This appointment type")
    _refuse_look_alike_characters(code)
    code = type_codes.code_key(code)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", code):
        raise AdminError("Use lower-case letters, digits, dashes or underscores (up to 40).", "code")
    type_id = getattr(kind_type, "id", None)

    def taken_words(stored: str) -> str:
        return f"There is already an appointment type with code {code}{stored_as(stored, code)}."

    stored = type_codes.code_taken(code, type_id)
    if stored is not None:
        raise AdminError(taken_words(stored), "code")
    if kind not in KINDS:
        raise AdminError(f"The kind is one of {', '.join(KINDS)}.", "kind")
    if kind == "policing" and skill is None:
        # Policing work is not matched to the client's need: say which skill it takes.
        raise AdminError("A policing type needs its own skill (e.g. compliance).", "skill")
    if default_minutes <= 0 or default_minutes % 15:
        raise AdminError("Use a positive multiple of 15 minutes.", "default_minutes")
    created = kind_type is None
    kind_type = kind_type or AppointmentType()
    changed = apply_changes(kind_type, {"code": code, "name": name.strip() or code, "kind": kind,
                                   "skill_id": getattr(skill, "id", None), "default_minutes": default_minutes,
                                   "active": active})
    db.session.add(kind_type)
    # The same code saved by another since the check (UNIQUE code): named as the check names it.
    flush_unique("code", lambda: taken_words(type_codes.code_taken(code, type_id) or code))
    audit.record("appointment_type_created" if created else "appointment_type_updated", user=by, obj=kind_type,
                 changes=changed)
    db.session.commit()
    return kind_type


def _refuse_look_alike_characters(code: str) -> None:
    """AdminError("code") for a code with a compatibility character (values.key_problem): lower-cased, the Kelvin
    sign became an ASCII "k" and was saved as one."""
    problem = key_problem(code.strip())
    if problem:
        raise AdminError(f"The code {problem}", "code")
