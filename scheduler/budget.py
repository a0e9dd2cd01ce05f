"""How long a solve may run: one Budget that the solver, the neighbourhood search and the runner spend.

Two modes:
- wall clock (the default): seconds until a deadline on time.perf_counter();
- deterministic: CP-SAT *deterministic time* units (DETERMINISTIC_PER_SECOND per second of the
  limit), charged by every CP-SAT call. No decision in this mode reads the clock, so the same week
  gives the same plan alone or beside other solves on a busy machine (the what-if page compares two
  weightings this way). The wall clock is only a far guard (GUARD_FACTOR x the limit) against a much
  slower machine; the runner kills the child a little after that guard.
"""
from __future__ import annotations

import threading
import time

# CP-SAT deterministic time per wall-clock second on one worker (measured ~0.3 on the bench
# machine), so a deterministic run of limit L usually ends well before L seconds.
DETERMINISTIC_PER_SECOND = 0.25
# Deterministic mode's wall-clock guard, as a multiple of the limit: far enough that a machine
# running several solves at once (what-if beside planning runs) never reaches it.
GUARD_FACTOR = 10.0
# No new step starts with less than this left: seconds (wall clock) or units (deterministic).
MIN_STEP_S = 0.3
MIN_STEP_UNITS = 0.05


class Budget:
    """Time to spend on a solve or a phase of it.

    deadline: a time.perf_counter() moment; in deterministic mode only a guard.
    units: deterministic mode's CP-SAT deterministic time to spend (None in wall-clock mode).
    """

    def __init__(self, deadline: float, units: float | None = None):
        self.deadline = deadline
        self.units = units
        self.spent = 0.0  # deterministic units charged so far
        self._lock = threading.Lock()

    @classmethod
    def for_limit(cls, seconds: float, deterministic: bool = False, began: float | None = None) -> Budget:
        """The budget of a whole solve limited to `seconds` (wall clock), counted from `began`
        (perf_counter; default now). Deterministic: seconds x DETERMINISTIC_PER_SECOND units."""
        began = time.perf_counter() if began is None else began
        if deterministic:
            return cls(began + GUARD_FACTOR * seconds, seconds * DETERMINISTIC_PER_SECOND)
        return cls(began + seconds)

    @property
    def deterministic(self) -> bool:
        return self.units is not None

    def part(self, share: float) -> Budget:
        """A phase that starts now and gets `share` (0-1] of this budget: of the time left (wall
        clock, at least 0.5 s, never past the deadline) or of all the units (deterministic: the
        same whatever earlier phases used, so no phase depends on how long another took)."""
        if self.units is not None:
            return Budget(self.deadline, share * self.units)
        now = time.perf_counter()
        return Budget(min(self.deadline, now + max(0.5, share * (self.deadline - now))))

    def last_part(self, share: float) -> Budget:
        """The last phase: up to the deadline (wall clock), or `share` of all the units (deterministic)."""
        if self.units is not None:
            return Budget(self.deadline, share * self.units)
        return Budget(self.deadline)

    def next_limit(self, cap: float) -> float | None:
        """The limit for one more CP-SAT call of at most `cap` (seconds, or units in deterministic
        mode), or None when the budget is spent and no new call should start."""
        wall = self.deadline - time.perf_counter()
        if wall < MIN_STEP_S:
            return None
        if self.units is not None:
            left = self.units - self.spent
            return None if left < MIN_STEP_UNITS else min(cap, left)
        return min(cap, wall - 0.2)

    def expired(self) -> bool:
        """True when no new step should start (see next_limit)."""
        return self.next_limit(float("inf")) is None

    def set_limits(self, params, workers: int, limit: float | None = None) -> None:
        """Put this budget (or `limit`, from next_limit) on CP-SAT parameters. Deterministic mode
        solves on one worker (several would race); the wall-clock guard still caps it."""
        wall = max(0.01, self.deadline - time.perf_counter())
        if self.units is not None:
            params.num_workers = 1
            params.max_deterministic_time = max(0.0, self.units - self.spent) if limit is None else limit
            params.max_time_in_seconds = wall
        else:
            params.num_workers = max(1, workers)
            params.max_time_in_seconds = wall if limit is None else min(limit, wall)

    def charge(self, units: float) -> None:
        """Count deterministic time used (CP-SAT's response deterministic_time, plus overheads)."""
        with self._lock:
            self.spent += units
