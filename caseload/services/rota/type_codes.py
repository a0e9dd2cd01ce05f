"""Appointment-type codes as typed on every path (the API's request and booking `type`, the requests CSV's `type`
column): matched by their key, surrounding spaces and case ignored, so " Follow-up " and "FOLLOW-UP" name the type
stored as "follow-up" wherever they are typed (services/people/admin.save_appointment_type stores codes stripped and
lower-cased, and refuses a second code of the same key; a code written otherwise, by an older import or by hand, is
found all the same). The twin of services/people/skill_codes for skills."""
from __future__ import annotations

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import AppointmentType


def code_key(text: str) -> str:
    """The key an appointment-type code is matched by: `text` stripped and lower-cased."""
    return text.strip().lower()


def _keyed(column):
    return func.lower(func.trim(column))


def active_type_by_code(text: str) -> AppointmentType | None:
    """The active appointment type whose code has the key of `text`, or None (the caller names the field in its
    error). Of two stored codes of one key (possible only in data written before the rule), the first made."""
    return db.session.scalar(select(AppointmentType).where(_keyed(AppointmentType.code) == code_key(text),
                                                           AppointmentType.active.is_(True))
                             .order_by(AppointmentType.id).limit(1))


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
    query = select(AppointmentType.code).where(_keyed(AppointmentType.code) == code_key(text))
    if exclude_id is not None:
        query = query.where(AppointmentType.id != exclude_id)
    return db.session.scalar(query.order_by(AppointmentType.id).limit(1))
