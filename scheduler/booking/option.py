"""One way to book an offer request, as the desk and the moves search both build it."""
from __future__ import annotations

from dataclasses import dataclass, field

from scheduler.model import Placement


@dataclass
class Option:
    """One way to book the request: its advisor, each instance's start (slots), the score change, and
    for offers found with moves the placements it changes and the advisors' new protected blocks."""

    advisor: str
    starts: tuple[int, ...]
    delta: int
    moves: tuple[tuple[str, Placement, Placement], ...] = ()  # (appointment, from, to)
    blocks: dict[str, list[tuple[int, int]]] | None = None  # advisor -> all its blocks, when re-seated
    kept_change: dict[str, int] = field(default_factory=dict)  # advisor -> protected minutes gained (or lost)

    def rank(self) -> tuple:
        return (-self.delta, self.starts[0], self.advisor)
