"""Appointment-type codes as typed on every path (the API's request and booking `type`, the requests CSV's `type`
column): matched by their key, surrounding spaces and case ignored, so " Follow-up " and "FOLLOW-UP" name the type
stored as "follow-up" wherever they are typed (services/people/code_admin.save_appointment_type stores codes
stripped and lower-cased, and refuses a second code of the same key; a code written otherwise, by an older import or
by hand, is found all the same). The twin of services/people/skill_codes for skills.

Stored codes are keyed here in Python, not by SQL's lower(trim(...)): SQL's trim strips only spaces (not a tab or
a no-break space) and SQLite's lower() only ASCII letters, so a stored "follow-up<TAB>" was a 422 in the API while the
CSV (keyed in Python) took it, and the admin let "follow-up" be added beside it. The table is a handful of rows."""
from __future__ import annotations

from sqlalchemy import select

from caseload import values
from caseload.extensions import db
from caseload.models import AppointmentType


def code_key(text: str) -> str:
    """The key a appointment-type code is matched by: values.code_key (stripped, lower-cased; a compatibility character
    such as the Kelvin sign matches only a code stored exactly so)."""
    return values.code_key(text)


def active_type_by_code(text: str) -> AppointmentType | None:
    """The active appointment type whose code has the key of `text`, or None (the caller names the field in its
    error). Of two stored codes of one key (possible only in data written before the rule), the first made."""
    return active_types_by_key().get(code_key(text))


def active_types_by_key() -> dict[str, AppointmentType]:
    """Every active appointment type by the key of its code (for a file's rows: one query; of two of one key, the
    first made)."""
    found: dict[str, AppointmentType] = {}
    for kind in db.session.scalars(select(AppointmentType).where(AppointmentType.active.is_(True))
                                   .order_by(AppointmentType.id)):
        found.setdefault(code_key(kind.code), kind)
    return found


def code_taken(text: str, exclude_id: int | None = None) -> str | None:
    """The stored code of another appointment type (active or not, other than `exclude_id`) with the key of `text`,
    as stored; None when there is none. For the admin's save: two codes differing only by case or spaces would make
    typed codes ambiguous."""
    stored = db.session.execute(select(AppointmentType.id, AppointmentType.code).order_by(AppointmentType.id))
    return values.code_taken_among(stored, text, exclude_id)
