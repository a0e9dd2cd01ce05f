"""Office closure days: bank holidays and other days the office is shut, for the whole service or one team."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseload.database import Base
from caseload.models.types import UTCDateTime, utcnow


class ClosureDay(Base):
    """A local calendar day on which nobody in the affected team(s) works: `team_id` None means every team.
    One closure per (day, team) or (day, whole service): services/closures.py refuses duplicates, and two partial
    unique indexes (a NULL team is not unique in SQL) refuse the twin a race would add."""

    __tablename__ = "closure_days"
    __table_args__ = (
        Index("uq_closure_days_team_day", "day", "team_id", unique=True,
              sqlite_where=text("team_id IS NOT NULL"), postgresql_where=text("team_id IS NOT NULL")),
        Index("uq_closure_days_service_day", "day", unique=True,
              sqlite_where=text("team_id IS NULL"), postgresql_where=text("team_id IS NULL")),
    )

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
