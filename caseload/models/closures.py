"""Office closure days: bank holidays and other days the office is shut, for the whole service or one team."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseload.database import Base
from caseload.models.types import UTCDateTime, utcnow


class ClosureDay(Base):
    """A local calendar day on which nobody in the affected team(s) works: `team_id` None means every team.
    One closure per (day, team) or (day, whole service); services/closures.py refuses duplicates (a NULL team
    is not unique in SQL, so the check is the service's)."""

    __tablename__ = "closure_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    team = relationship("Team")

    @property
    def scope(self) -> str:
        return f"team {self.team.name}" if self.team is not None else "the whole service"
