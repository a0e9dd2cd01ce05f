"""Counts in words: "1 appointment request", "2 teams", never "1 appointment requests" or "team(s)"."""
from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and the noun, singular for exactly one; `plural` for a noun that does not just add "s"."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"
