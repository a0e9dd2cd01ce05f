"""Plans for a team's week, their placed appointments and protected blocks, solve jobs, handovers."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseload.database import Base
from caseload.models.clients import AppointmentRequest, Client
from caseload.models.people import Advisor, Team, User
from caseload.models.types import UTCDateTime, utcnow

PLAN_STATUSES = ("draft", "published", "superseded")
JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
ACTIVE_JOB = "status IN ('queued', 'running')"
MADE_BY_PLANNER = "planner"  # Plan.made_by: a planning run's draft
MADE_BY_DESK = "desk"  # Plan.made_by: a published version made at the booking desk


class Plan(Base):
    """One solution for a team's week. Drafts become published with a version number."""

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("team_id", "week_start", "published_version", name="published_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    week_start: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    published_version: Mapped[int | None] = mapped_column(Integer)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    problem: Mapped[dict | None] = mapped_column(JSON)  # the caseload-problem/1 document solved
    solution: Mapped[dict | None] = mapped_column(JSON)  # the caseload-solution/1 document
    figures: Mapped[dict | None] = mapped_column(JSON)
    score: Mapped[int | None] = mapped_column(Integer)
    bound: Mapped[int | None] = mapped_column(Integer)
    solver_status: Mapped[str | None] = mapped_column(String(20))
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # Who made this version: "planner" (a planning run's draft, whether published or not) or "desk" (a published
    # version the booking desk made by booking or cancelling in a published week: services/desk/versions).
    made_by: Mapped[str] = mapped_column(String(10), nullable=False, default=MADE_BY_PLANNER,
                                         server_default=MADE_BY_PLANNER)

    __mapper_args__ = {"version_id_col": version_id}
    __versioned_children__ = ("items", "protected_blocks")  # see caseload/models/versioning.py

    team: Mapped[Team] = relationship()
    based_on: Mapped["Plan | None"] = relationship(remote_side="Plan.id")
    # Who made it (a leader's own run, an administrator's region run, a desk booking's new version): the plan
    # lists say so, so a region run's draft beside a leader's own is told apart.
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    items: Mapped[list["PlanItem"]] = relationship(back_populates="plan", cascade="all, delete-orphan", order_by="PlanItem.starts_at")
    protected_blocks: Mapped[list["ProtectedBlock"]] = relationship(back_populates="plan", cascade="all, delete-orphan", order_by="ProtectedBlock.starts_at")


class PlanItem(Base):
    """An appointment request as placed by a plan (advisor and time), or left unassigned with a reason."""

    __tablename__ = "plan_items"
    __versioned_parent__ = "plan"
    __table_args__ = (UniqueConstraint("plan_id", "request_id", name="one_item_per_request"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("appointment_requests.id", ondelete="SET NULL"), index=True)
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisors.id", ondelete="SET NULL"), index=True)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    unassigned_reason: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[Plan] = relationship(back_populates="items")
    request: Mapped[AppointmentRequest | None] = relationship()
    advisor: Mapped[Advisor | None] = relationship()


class ProtectedBlock(Base):
    """Non-contact time kept free for an advisor's case work."""

    __tablename__ = "protected_blocks"
    __versioned_parent__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("advisors.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    plan: Mapped[Plan] = relationship(back_populates="protected_blocks")
    advisor: Mapped[Advisor] = relationship()


class SolveJob(Base):
    """A background planning run for a team's week; the page polls its progress.

    At most one job per team and week is active (queued or running): a partial unique index makes that a
    database guarantee, so two leaders pressing "Plan" at once start one run and the other is told so.
    """

    __tablename__ = "solve_jobs"
    __table_args__ = (Index("uq_solve_jobs_one_active_per_week", "team_id", "week_start", unique=True,
                            sqlite_where=text(ACTIVE_JOB), postgresql_where=text(ACTIVE_JOB)),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    week_start: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    time_limit: Mapped[float] = mapped_column(Float, default=60.0)
    previous_plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"), index=True)
    weights: Mapped[dict | None] = mapped_column(JSON)
    progress: Mapped[dict | None] = mapped_column(JSON)  # {"elapsed", "score", "bound", "continuity"}
    message: Mapped[str | None] = mapped_column(Text)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"), index=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written every few seconds by the consumer running the job; a stale one means the consumer died
    # (services/planning/job_watch.py). `worker` is that run's token ("host:pid:random"): only it may finish the job.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worker: Mapped[str | None] = mapped_column(String(120))

    team: Mapped[Team] = relationship()
    plan: Mapped[Plan | None] = relationship(foreign_keys=[plan_id])


class HandoverNote(Base):
    """Written when a client is covered by another advisor; shown to both."""

    __tablename__ = "handover_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    plan_item_id: Mapped[int | None] = mapped_column(ForeignKey("plan_items.id", ondelete="SET NULL"), index=True)
    # Indexed: every advisor's notes page looks up the notes handed to them and back from their cover.
    from_advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisors.id", ondelete="SET NULL"), index=True)
    to_advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisors.id", ondelete="SET NULL"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[Client] = relationship()
    from_advisor: Mapped[Advisor | None] = relationship(foreign_keys=[from_advisor_id])
    to_advisor: Mapped[Advisor | None] = relationship(foreign_keys=[to_advisor_id])
    author: Mapped[User | None] = relationship()
