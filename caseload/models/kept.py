"""Text typed on a form whose session had ended, kept on the server until its typist signs in again."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from caseload.database import Base
from caseload.models.types import UTCDateTime, utcnow


class KeptText(Base):
    """The fields of one refused post (caseload/auth/kept_text.py), for `user_id` (who the form was shown to) and
    `path` (the form it was posted to) only. The sign-in page carries a random key; only its SHA-256 is stored."""

    __tablename__ = "kept_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(2000))
    fields: Mapped[list] = mapped_column(JSON)  # [[name, value], ...] in the order posted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
