"""Rate-limit counters, kept in the app database so every web process counts the same tries."""
from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from caseload.database import Base


class RateLimitCounter(Base):
    """One fixed window of one limit for one caller (flask-limiter's key, e.g. "LIMITER/10.0.0.7/auth.login/...")."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    # Seconds since the epoch (UTC), as the `limits` library counts time; the window ends then.
    expires_at: Mapped[float] = mapped_column(Float, index=True)
