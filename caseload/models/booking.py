"""The booking desk's own rows: series of appointments, and the JSON API's idempotency keys."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caseload.database import Base
from caseload.models.types import UTCDateTime, utcnow


class IdempotencyKey(Base):
    """The answer first given to (user, key): stored in the same transaction as the booking it made, so a
    key is either unused or holds the answer of a booking that exists (unique per user)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_id_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the request body
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BookingSeries(Base):
    """"Every `every_weeks` weeks, `count` times" booked at once with one advisor: its instances are the
    appointment requests whose `series_id` is this row (`series_index` 1 … count), booked in one transaction."""

    __tablename__ = "booking_series"
    __table_args__ = (CheckConstraint("every_weeks IN (1, 2, 4)", name="every_weeks_allowed"),
                      CheckConstraint("count BETWEEN 2 AND 53", name="count_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisors.id", ondelete="SET NULL"), index=True)
    every_weeks: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
