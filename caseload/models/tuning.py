"""Weight profiles: how planning trades serving everyone, continuity, protected time and separation."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from caseload.database import Base
from caseload.models.types import UTCDateTime, utcnow
from scheduler.model import DEFAULT_WEIGHTS  # noqa: F401 - the contract's defaults, re-exported for the app



class WeightProfile(Base):
    __tablename__ = "weight_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    assigned: Mapped[int] = mapped_column(Integer, default=DEFAULT_WEIGHTS["assigned"])
    continuity: Mapped[int] = mapped_column(Integer, default=DEFAULT_WEIGHTS["continuity"])
    protected: Mapped[int] = mapped_column(Integer, default=DEFAULT_WEIGHTS["protected"])
    separation: Mapped[int] = mapped_column(Integer, default=DEFAULT_WEIGHTS["separation"])
    disruption: Mapped[int] = mapped_column(Integer, default=DEFAULT_WEIGHTS["disruption"])
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}

    def as_weights(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in DEFAULT_WEIGHTS}


DEFAULT_LATE_CANCEL_HOURS = 24
DEFAULT_MIN_NOTICE_HOURS = 2  # the desk offers no time sooner than this after now: the client needs time to get there


class ServicePolicy(Base):
    """The service's booking rules an administrator sets (one row, created with the defaults on first use).

    late_cancel_hours: a cancellation made less than this many hours before the appointment's start is
    recorded as a late cancellation (services/desk/policy.py); 0 means none is ever late.
    min_notice_hours: the booking desk (pages, API, series) offers and books no time starting sooner than this
    many hours from now; 0 means any time from the next slot."""

    __tablename__ = "service_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    late_cancel_hours: Mapped[int] = mapped_column(Integer, default=DEFAULT_LATE_CANCEL_HOURS)
    min_notice_hours: Mapped[int] = mapped_column(Integer, default=DEFAULT_MIN_NOTICE_HOURS,
                                                  server_default=str(DEFAULT_MIN_NOTICE_HOURS))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}
