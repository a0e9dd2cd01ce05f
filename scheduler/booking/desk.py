"""The warm offer API: a parsed problem and its plan, kept to answer many requests fast.

`Desk(problem, plan)` reads and checks the plan once; `desk.offers(request)` then answers each
request from local work only (the request's own candidate starts and the free time of the advisors
concerned), and `desk.book(request, offer)` applies an offer so the next request sees it.
"""
from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import replace

from scheduler import baselines, explain
from scheduler.check import check_solution
from scheduler.document import read_placements, solution_document
from scheduler.model import Appointment, Placement, Problem, ProblemError
from scheduler.parse import parse_problem
from scheduler.booking.option import Option
from scheduler.booking.place import AdvisorTime, free_runs, placement_value
from scheduler.booking.render import offers_document
from scheduler.booking.request import DEFAULT_COUNT, OfferRequest, read_request


class _Busy:
    """A diary's bytes seen as the sets explain.reason_for expects (only .intersection is used)."""

    def __init__(self, rows):
        self.rows = rows

    def __getitem__(self, key):
        row = self.rows.get(key) if isinstance(self.rows, dict) else self.rows[key]
        return _Row(row)


class _Row:
    def __init__(self, row):
        self.row = row

    def intersection(self, slots: range) -> bool:
        return self.row is not None and self.row.find(1, slots.start, slots.stop) >= 0


class Desk:
    """A problem and its plan, ready for offer requests.

    problem: a caseload-problem/1 document or a parsed Problem; plan: its caseload-solution/1 plan.
    check: re-check the plan with the independent checker first (ProblemError "plan: …" when it
    breaks a rule). Building costs one parse and one check; each request after that is local.
    """

    def __init__(self, problem, plan: dict, check: bool = True):
        if not isinstance(problem, Problem):
            problem = parse_problem(problem)
        if not isinstance(plan, dict):
            raise ProblemError("plan: must be an object")
        if check:  # its reported score and bound do not matter here (a plan adjusted by hand may not update them)
            result = check_solution(problem, {**plan, "score": None, "bound": None})
            if not result.ok:
                raise ProblemError([f"plan: {v}" for v in result.violations[:10]])
        self.problem = problem
        self.assignments, self.allocations, protected = read_placements(problem, plan)
        self.blocks: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for advisor_id, start, end in protected:
            self.blocks[advisor_id].append((start, end))
        self.diary = baselines.Diary.holding(problem, self.assignments)
        self._time: dict[str, AdvisorTime] = {}
        self._days: dict[tuple[str, int], list[str]] | None = None

    # --- state ---------------------------------------------------------------------------------------
    def time_of(self, advisor_id: str) -> AdvisorTime:
        """The advisor's free stretches and protected minutes now (cached until a booking changes them)."""
        if advisor_id not in self._time:
            self._time[advisor_id] = AdvisorTime(self.problem, self.problem.advisor_by_id[advisor_id],
                                                 self.diary.advisor_busy[advisor_id], self.blocks.get(advisor_id, []))
        return self._time[advisor_id]

    def on_day(self, advisor_id: str, day: int) -> list[str]:
        """The plan's appointments with `advisor_id` starting on `day` (an index built on first use)."""
        if self._days is None:
            self._days = defaultdict(list)
            for appt_id, placed in self.assignments.items():
                self._days[(placed.advisor, self.problem.horizon.day_of(placed.start))].append(appt_id)
        return self._days.get((advisor_id, day), [])

    def named(self, client_id: str) -> str | None:
        return self.problem.home_of(client_id, self.allocations)

    def fits(self, appt: Appointment, advisor, start: int, others=()) -> bool:
        """Client free and the daily limit kept at `start`, beside `others` (advisor, start, end) also booked."""
        end = start + appt.duration
        if self.diary.client_busy[appt.client].find(1, start, end) >= 0:
            return False
        if any(s < end and start < e for _, s, e in others):
            return False
        limit = advisor.max_appointments_per_day
        if limit is None:
            return True
        day = self.problem.horizon.day_of(start)
        same_day = sum(1 for v, s, _ in others if v == advisor.id and self.problem.horizon.day_of(s) == day)
        return self.diary.starts[(advisor.id, day)] + same_day < limit

    # --- answering -----------------------------------------------------------------------------------
    def offers(self, request: dict, count=DEFAULT_COUNT, max_moves=0) -> dict:
        """A caseload-offers/1 document for one request object (the `request` of an offer request).

        count: offers wanted (≥ 1); max_moves: the plan's unpinned appointments an offer may move.
        Raises ProblemError naming the field for a bad request."""
        req = read_request(self.problem, request, count, max_moves)
        return offers_document(self, req, self.options(req))

    def options(self, req: OfferRequest) -> list[Option]:
        """The ranked options for a request, at most one per advisor and day, at most req.count."""
        found = self._series_options(req) if req.series else self._single_options(req.instances[0])
        if req.max_moves > 0 and not req.series:
            # Only offers that move other appointments need CP-SAT: the booking desk's never do.
            from scheduler.booking.moves import options_with_moves

            best = max((o.delta for o in found.values()), default=None)
            for option in options_with_moves(self, req, best, found):
                key = (option.advisor, self.problem.horizon.day_of(option.starts[0]))
                if key not in found or option.rank() < found[key].rank():
                    found[key] = option
        return sorted(found.values(), key=Option.rank)[:req.count]

    def _single_options(self, appt: Appointment) -> dict[tuple[str, int], Option]:
        best: dict[tuple[str, int], Option] = {}
        p = self.problem
        spd, weight = p.horizon.slots_per_day, p.weights.protected
        client = self.diary.client_busy[appt.client]
        named = self.named(appt.client)
        for advisor in p.advisors:
            if not advisor.can_do(appt.kind, appt.skill) or advisor.max_appointments_per_day == 0:
                continue
            limit = advisor.max_appointments_per_day
            t = self.time_of(advisor.id)
            value = placement_value(p, named, appt, advisor.id)
            for start, index in t.starts_in(appt):
                end = start + appt.duration
                day = start // spd
                if limit is not None and self.diary.starts[(advisor.id, day)] >= limit:
                    continue
                if client.find(1, start, end) >= 0:
                    continue
                delta = value + weight * (t.kept_with(index, start, end) - t.kept)
                current = best.get((advisor.id, day))
                if current is None or (-delta, start) < (-current.delta, current.starts[0]):
                    best[(advisor.id, day)] = Option(advisor.id, (start,), delta)
        return best

    def _series_options(self, req: OfferRequest) -> dict[tuple[str, int], Option]:
        """A series: one advisor; each instance at the first instance's weekday and time where that is
        free, else at that advisor's nearest free start that day (ties to the earlier), else its
        nearest free start on another day inside the instance's windows."""
        best: dict[tuple[str, int], Option] = {}
        p = self.problem
        spd, weight = p.horizon.slots_per_day, p.weights.protected
        first = req.instances[0]
        named = self.named(first.client)
        for advisor in p.advisors:
            if not advisor.can_do(first.kind, first.skill) or advisor.max_appointments_per_day == 0:
                continue
            t = self.time_of(advisor.id)
            free = [[(s, i) for s, i in t.starts_in(appt) if self.fits(appt, advisor, s)] for appt in req.instances]
            if not all(free):
                continue
            by_day = [defaultdict(list) for _ in free]
            for k, starts in enumerate(free):
                for s, i in sorted(set(starts)):
                    by_day[k][s // spd].append((s, i))
            everywhere = [sorted(set(starts)) for starts in free]
            value = len(req.instances) * placement_value(p, named, first, advisor.id)
            for s1, i1 in sorted(set(free[0])):
                chosen = [(s1, i1)]
                for k in range(1, len(req.instances)):
                    wanted = s1 + (k * req.every_days) * spd
                    chosen.append(_nearest(by_day[k].get(wanted // spd) or everywhere[k], wanted))
                spans = [(advisor.id, s, s + appt.duration) for (s, _), appt in zip(chosen, req.instances)]
                if len({p.horizon.day_of(s) for _, s, _ in spans}) < len(spans) and not self._series_fits(
                        req, advisor, spans):
                    continue  # two instances landed on one day (a fallback): they must fit together
                kept = t.best_kept([(s, e) for _, s, e in spans])
                delta = value + weight * (kept - t.kept)
                key = (advisor.id, s1 // spd)
                current = best.get(key)
                if current is None or (-delta, s1) < (-current.delta, current.starts[0]):
                    best[key] = Option(advisor.id, tuple(s for s, _ in chosen), delta)
        return best

    def _series_fits(self, req: OfferRequest, advisor, spans) -> bool:
        for k, (appt, (_, s, e)) in enumerate(zip(req.instances, spans)):
            others = spans[:k] + spans[k + 1:]
            if any(os < e and s < oe for _, os, oe in others) or not self.fits(appt, advisor, s, spans[:k]):
                return False
        return True

    def unplaceable(self, req: OfferRequest) -> explain.Unplaced:
        """Why no offer exists: the unassigned code and reason the request would get in the plan."""
        busy, client, starts = _Busy(self.diary.advisor_busy), _Busy(self.diary.client_busy), self.diary.starts
        h = self.problem.horizon
        for k, appt in enumerate(req.instances, start=1):
            why = explain.reason_for(self.problem, appt, busy, client, starts)
            if why.code != "traded":
                if not req.series:
                    return why
                return explain.Unplaced(why.code, f"instance {k} ({h.to_text(appt.windows[0].start)[:10]}): "
                                                  f"{why.reason}")
        return explain.Unplaced("advisors_full", f"no one advisor with skill {req.instances[0].skill} is free for all "
                                                 f"{len(req.instances)} instances of the series")

    # --- re-seating and booking ----------------------------------------------------------------------
    def reseat(self, advisor_id: str, spans: list[tuple[int, int]], busy: bytearray | None = None):
        """The advisor's blocks once `spans` are booked (None: its blocks stay as they are): its blocks
        that still fit kept and topped up where that reaches the best re-seating, else the best seating
        (baselines.seat_advisor). `busy`: the advisor's busy slots after the change, if not just +spans."""
        t = self.time_of(advisor_id)
        advisor = self.problem.advisor_by_id[advisor_id]
        current = self.blocks.get(advisor_id, [])
        if busy is None:
            busy = bytearray(self.diary.advisor_busy[advisor_id])
            for s, e in spans:
                busy[s:e] = b"\x01" * (e - s)
        best = _best_kept(self.problem, advisor, busy)
        clear = [(s, e) for s, e in current if busy.find(1, s, e) < 0]
        if len(clear) == len(current) and t.kept == best:
            return None
        h = self.problem.horizon
        needed = -(-advisor.protected_minutes // h.slot_minutes) - sum(e - s for s, e in clear)
        repaired = list(clear)
        if needed > 0:
            around = bytearray(busy)
            for s, e in clear:
                around[s:e] = b"\x01" * (e - s)
            runs = sorted(free_runs(self.problem, advisor, around), key=lambda r: (-(r[1] - r[0]), r[0]))
            repaired += baselines._seat(h.protected_block_slots, needed, runs)
        if min(advisor.protected_minutes, h.slot_minutes * sum(e - s for s, e in repaired)) >= best:
            return sorted(repaired)
        return sorted(baselines.seat_advisor(self.problem, advisor, busy))

    def book(self, request: dict, offer: dict, count=DEFAULT_COUNT, max_moves=0) -> None:
        """Apply an offer (from this desk's answer to `request`) to the desk's problem and plan."""
        req = read_request(self.problem, request, count, max_moves)
        h = self.problem.horizon
        starts = [h.to_slot(i["start"]) for i in offer.get("instances") or [{"start": offer["start"]}]]
        changed = {offer["advisor"]}
        p = self.problem
        self.problem = replace(p, appointments=p.appointments + req.instances,
                               appointment_by_id={**p.appointment_by_id, **{a.id: a for a in req.instances}})
        self.diary.problem = self.problem
        for move in offer.get("moves", []):
            appt = self.problem.appointment_by_id[move["appointment"]]
            before = self.assignments[appt.id]
            self.diary.remove(appt, before.advisor, before.start)
            changed |= {before.advisor, move["advisor"]}
        for move in offer.get("moves", []):
            appt = self.problem.appointment_by_id[move["appointment"]]
            placed = Placement(move["advisor"], h.to_slot(move["start"]))
            self.diary.place(appt, placed.advisor, placed.start)
            self.assignments[appt.id] = placed
        for appt, start in zip(req.instances, starts):
            self.diary.place(appt, offer["advisor"], start)
            self.assignments[appt.id] = Placement(offer["advisor"], start)
        for advisor_id in offer.get("reseated", []):
            self.blocks[advisor_id] = []
        for block in offer.get("protected", []):
            self.blocks[block["advisor"]].append((h.to_slot(block["start"]), h.to_slot(block["end"])))
        for advisor_id in changed | set(offer.get("reseated", [])):
            self._time.pop(advisor_id, None)
        self._days = None

    def plan_document(self) -> dict:
        """The desk's plan now, as a caseload-solution/1 document of its (grown) problem."""
        protected = [(v, s, e) for v, blocks in sorted(self.blocks.items()) for s, e in blocks]
        return solution_document(self.problem, self.assignments, self.allocations, protected, status="feasible",
                                 solver="offers")


def _nearest(starts: list[tuple[int, int]], wanted: int) -> tuple[int, int]:
    """The (start, stretch) in sorted `starts` nearest `wanted`, ties to the earlier."""
    i = bisect_left(starts, (wanted, -1))
    if i < len(starts) and starts[i][0] == wanted:
        return starts[i]
    before = starts[i - 1] if i > 0 else None
    after = starts[i] if i < len(starts) else None
    if before is None:
        return after
    if after is None or wanted - before[0] <= after[0] - wanted:
        return before
    return after


def _best_kept(problem: Problem, advisor, busy: bytearray) -> int:
    block = problem.horizon.protected_block_slots
    free = sum(b - a for a, b in free_runs(problem, advisor, busy) if b - a >= block)
    return min(advisor.protected_minutes, problem.horizon.slot_minutes * free) if advisor.protected_minutes > 0 else 0
