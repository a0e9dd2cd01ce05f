"""Clients, their contact history and notes, appointment types and appointment requests."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseload.database import Base
from caseload.models.name_keys import keep_key, key_of
from caseload.models.people import Advisor, Skill, Team
from caseload.models.types import UTCDateTime, utcnow

KINDS = ("support", "policing")


class Client(Base):
    __tablename__ = "clients"
    # A reference is unique within its team only: two teams may each have an S0001, and creating one
    # never tells a leader that another team holds it.
    __table_args__ = (CheckConstraint("complexity BETWEEN 1 AND 3", name="complexity_range"),
                      UniqueConstraint("team_id", "reference", name="uq_clients_team_id_reference"),
                      # Look-alike references too (models.name_keys): "S1" and "s1" cannot both be saved at once.
                      Index("uq_clients_team_id_reference_key", "team_id", "reference_key", unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    reference: Mapped[str] = mapped_column(String(40))
    # values.name_key(reference), filled on every write (name_keys); NULL only on a look-alike stored before 0021.
    # 80: folding may lengthen a text ("İ" folds to two characters).
    reference_key: Mapped[str | None] = mapped_column(String(80), default=key_of("reference"))
    name: Mapped[str] = mapped_column(String(120))
    named_advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisors.id", ondelete="SET NULL"), index=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("skills.id"), index=True)
    complexity: Mapped[int] = mapped_column(Integer, default=1)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}

    team: Mapped[Team] = relationship()
    named_advisor: Mapped[Advisor | None] = relationship()
    need: Mapped[Skill | None] = relationship()
    contacts: Mapped[list["Contact"]] = relationship(back_populates="client", cascade="all, delete-orphan", order_by="Contact.occurred_at")
    notes: Mapped[list["ClientNote"]] = relationship(back_populates="client", cascade="all, delete-orphan", order_by="ClientNote.created_at")


keep_key(Client, "reference", "reference_key")


class Contact(Base):
    """A past appointment: the contact history used for continuity indices."""

    __tablename__ = "contacts"
    # A client's contacts in time order (history, "last contact" per client on the caseload page), and
    # all contacts in a period (the reports).
    __table_args__ = (Index("ix_contacts_client_id_occurred_at", "client_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisors.id", ondelete="SET NULL"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    kind: Mapped[str] = mapped_column(String(20), default="support")
    # The booked appointment this contact records (marked attended); one contact per appointment.
    request_id: Mapped[int | None] = mapped_column(ForeignKey("appointment_requests.id", ondelete="SET NULL"),
                                                   unique=True)

    client: Mapped[Client] = relationship(back_populates="contacts")
    advisor: Mapped[Advisor | None] = relationship()


class ClientNote(Base):
    """A short contact note by an advisor, so the next person can pick up where they left off."""

    __tablename__ = "client_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[Client] = relationship(back_populates="notes")


class AppointmentType(Base):
    __tablename__ = "appointment_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="support")
    # None: the appointment needs the client's own need skill.
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skills.id"), index=True)
    default_minutes: Mapped[int] = mapped_column(Integer, default=30)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Counts the saves of this row's edit form (versioning.claim_edit): a form opened before another's save is
    # refused (409) instead of writing its old values back (a deactivated account switched on again).
    edit_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    skill: Mapped[Skill | None] = relationship()


class AppointmentRequest(Base):
    """An appointment to place in a week: who, what, how long, and when the client can come."""

    __tablename__ = "appointment_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    week_start: Mapped[date] = mapped_column(Date, index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("appointment_types.id"), index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str | None] = mapped_column(String(200))
    pinned_advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisors.id", ondelete="SET NULL"), index=True)
    pinned_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Booked at the desk (caseload/services/desk/booking.py): who and when; cancelled ones stay for the record.
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    booked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who cancelled it (or rebooked it elsewhere): the desk form, the API, a series' "this and the rest".
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # After its start: attended, dna (did not attend) or cancelled_late (caseload/services/desk/attendance.py).
    attendance: Mapped[str | None] = mapped_column(String(20))
    attendance_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    attendance_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # One instance of a series booked at the desk (models/booking.py): which series, and which instance (1 …).
    series_id: Mapped[int | None] = mapped_column(ForeignKey("booking_series.id", ondelete="SET NULL"), index=True)
    series_index: Mapped[int | None] = mapped_column(Integer)
    # A request the published plan left unplaced, booked at the desk ("Book this request"): the booking that took
    # its place (the request itself is withdrawn: cancelled_at). services/desk/unplaced.py.
    booked_as_id: Mapped[int | None] = mapped_column(ForeignKey("appointment_requests.id", ondelete="SET NULL"),
                                                     index=True)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}
    __versioned_children__ = ("windows",)  # a change to the windows alone is a new version too

    team: Mapped[Team] = relationship()
    client: Mapped[Client] = relationship()
    type: Mapped[AppointmentType] = relationship()
    pinned_advisor: Mapped[Advisor | None] = relationship()
    windows: Mapped[list["RequestWindow"]] = relationship(back_populates="request", cascade="all, delete-orphan", order_by="RequestWindow.starts_at")
    series: Mapped["BookingSeries | None"] = relationship("BookingSeries")
    cancelled_by: Mapped["User | None"] = relationship("User", foreign_keys=[cancelled_by_id])

    @property
    def kind(self) -> str:
        return self.type.kind

    @property
    def skill(self) -> Skill | None:
        return self.type.skill or self.client.need


class RequestWindow(Base):
    """A time the client can come; the whole appointment must fit inside one window."""

    __tablename__ = "request_windows"
    __versioned_parent__ = "request"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("appointment_requests.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    request: Mapped[AppointmentRequest] = relationship(back_populates="windows")
