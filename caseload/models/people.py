"""Users, teams, skills and advisors."""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Column, Date, Enum, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseload.database import Base
from caseload.models.name_keys import keep_key, key_of
from caseload.models.types import UTCDateTime, utcnow


class Role(str, enum.Enum):
    ADMIN = "administrator"
    LEADER = "team_leader"
    ADVISOR = "advisor"

    @property
    def label(self) -> str:
        return {"administrator": "Administrator", "team_leader": "Team leader", "advisor": "Advisor"}[self.value]


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (Index("uq_users_username_key", "username_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # values.name_key(username), unique: usernames differing only by case (over all of Unicode) or ZWNJ/ZWJ cannot
    # both be saved, even at once, and sign-in finds the account by it (users.by_username). NULL only on a
    # look-alike stored before migration 0022 (`flask check-names` lists it).
    username_key: Mapped[str | None] = mapped_column(String(128), default=key_of("username"))
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on password change/logout-everywhere: sessions carrying an older value are refused.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    api_token_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Counts the saves of this row's edit form (versioning.claim_edit): a form opened before another's save is
    # refused (409) instead of writing its old values back (a deactivated account switched on again).
    edit_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    advisor: Mapped["Advisor | None"] = relationship(back_populates="user", uselist=False)
    led_teams: Mapped[list["Team"]] = relationship(back_populates="leader")

    def get_id(self) -> str:
        # Flask-Login stores this in the session; the version makes old cookies invalid.
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active


keep_key(User, "username", "username_key")


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (Index("uq_teams_name_key", "name_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # values.name_key(name), unique: look-alike team names (case, ZWNJ/ZWJ) cannot both be saved, even at once
    # (models.name_keys). NULL only on a look-alike stored before migration 0021.
    name_key: Mapped[str | None] = mapped_column(String(128), default=key_of("name"))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Counts the saves of this row's edit form (versioning.claim_edit): a form opened before another's save is
    # refused (409) instead of writing its old values back (a deactivated account switched on again).
    edit_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    leader: Mapped[User | None] = relationship(back_populates="led_teams")
    advisors: Mapped[list["Advisor"]] = relationship(back_populates="team", order_by="Advisor.name")


keep_key(Team, "name", "name_key")


class Skill(Base):
    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Counts the saves of this row's edit form (versioning.claim_edit): a form opened before another's save is
    # refused (409) instead of writing its old values back (a deactivated account switched on again).
    edit_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


advisor_skills = Table(
    "advisor_skills",
    Base.metadata,
    Column("advisor_id", ForeignKey("advisors.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True, index=True),
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Advisor(Base):
    """A member of a team who sees clients (support) and/or does compliance work (policing)."""

    __tablename__ = "advisors"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    does_support: Mapped[bool] = mapped_column(Boolean, default=True)
    does_policing: Mapped[bool] = mapped_column(Boolean, default=False)
    # Local wall-clock working time per weekday: {"mon": [["09:00", "12:30"], ["13:30", "17:00"]], ...}
    work_pattern: Mapped[dict] = mapped_column(JSON, default=dict)
    protected_minutes: Mapped[int] = mapped_column(Integer, default=240)  # target per week
    max_appointments_per_day: Mapped[int | None] = mapped_column(Integer)
    max_caseload: Mapped[int | None] = mapped_column(Integer)
    # The advisor's own preferences for protected time: [{"day": "tue", "start": "14:00", "end": "16:00"}]
    protected_preferences: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Edited by administrators, leaders (the protected target) and the advisor (preferences): a write made
    # from an old copy is a conflict, not a lost change (see caseload/models/versioning.py).
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version_id}

    user: Mapped[User | None] = relationship(back_populates="advisor")
    team: Mapped[Team] = relationship(back_populates="advisors")
    skills: Mapped[list[Skill]] = relationship(secondary=advisor_skills, order_by="Skill.code")
    absences: Mapped[list["Absence"]] = relationship(back_populates="advisor", cascade="all, delete-orphan", order_by="Absence.starts_at")

    @property
    def roles(self) -> list[str]:
        return [r for r, on in (("support", self.does_support), ("policing", self.does_policing)) if on]

    @property
    def skill_codes(self) -> list[str]:
        return [s.code for s in self.skills]

    @property
    def weekly_minutes(self) -> int:
        total = 0
        for spans in (self.work_pattern or {}).values():
            for start, end in spans:
                sh, sm = map(int, start.split(":"))
                eh, em = map(int, end.split(":"))
                total += (eh * 60 + em) - (sh * 60 + sm)
        return total


class Absence(Base):
    """Time an advisor is away (leave, sickness, training). Whole or part days."""

    __tablename__ = "absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("advisors.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(120), default="leave")
    note: Mapped[str | None] = mapped_column(Text)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version_id}

    advisor: Mapped[Advisor] = relationship(back_populates="absences")


class WeekProtectedTarget(Base):
    """One week's protected-time target for an advisor (minutes), overriding their standing target
    (`Advisor.protected_minutes`) for that week only. `week_start` is the week's Monday (local)."""

    __tablename__ = "week_protected_targets"
    __table_args__ = (UniqueConstraint("advisor_id", "week_start", name="one_target_per_advisor_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("advisors.id", ondelete="CASCADE"), index=True)
    week_start: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
