"""The planning rules as CP-SAT constraints: one function per hard rule, one per score term.

Hard rules 1 and 2 (skill, role, windows, availability) hold by construction: variables.py only
creates placements that satisfy them. Score functions return (linear expression, weight); the
objective is the sum of weight * expression, exactly the score of problem-format.md.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from ortools.sat.python import cp_model

from scheduler.model import Problem
from scheduler.variables import AssignVars


class ModelState:
    """Everything the rules share: the model, the problem, and every variable, all made here before
    any rule runs (so the rules can be posed in any order and left out one at a time).

    assigned: appointment -> placed at all; protected: (advisor, slot) -> slot is protected time;
    alloc: (client, advisor) -> new client allocated there (none with fixed_allocations);
    home: appointment -> 0/1 expression "placed with the client's named advisor" (made on first use);
    kept: advisor -> protected minutes counted (made by score_protected).
    """

    def __init__(self, model: cp_model.CpModel, problem: Problem, xs: AssignVars, fixed_allocations: bool = False):
        self.model, self.problem, self.xs = model, problem, xs
        self.assigned = {a.id: model.new_bool_var(f"assigned_{a.id}") for a in problem.appointments}
        self.protected = _protected_slot_vars(model, problem)
        self.alloc = {} if fixed_allocations else _allocation_vars(model, problem)
        self.home: dict[str, object] = {}
        self.kept: dict[str, cp_model.IntVar] = {}
        self.cover = defaultdict(list)  # (advisor, slot) -> placement vars busy in that slot
        self.client_cover = defaultdict(list)  # (client, slot) -> placement vars of the client in that slot
        clients_with_several = {c for c, n in Counter(a.client for a in problem.appointments).items() if n > 1}
        for (appt_id, advisor_id, start), var in xs.x.items():
            appt = problem.appointment_by_id[appt_id]
            for t in range(start, start + appt.duration):
                self.cover[(advisor_id, t)].append(var)
                if appt.client in clients_with_several:
                    self.client_cover[(appt.client, t)].append(var)


def _protected_slot_vars(model: cp_model.CpModel, problem: Problem) -> dict[tuple[str, int], cp_model.IntVar]:
    """A variable per slot that could hold protected time: advisors with a target, inside availability
    intervals long enough for one block."""
    length = problem.horizon.protected_block_slots
    return {(advisor.id, t): model.new_bool_var(f"protected_{advisor.id}_{t}")
            for advisor in problem.advisors if advisor.protected_minutes > 0
            for avail in advisor.availability if avail.length >= length
            for t in range(avail.start, avail.end)}


def _allocation_vars(model: cp_model.CpModel, problem: Problem) -> dict[tuple[str, str], cp_model.IntVar]:
    """A variable per (new client with appointments, supporting advisor with the client's need)."""
    wanted = {a.client for a in problem.appointments}
    return {(client.id, advisor.id): model.new_bool_var(f"alloc_{client.id}_{advisor.id}")
            for client in problem.clients
            if client.named_advisor is None and client.id in wanted and client.need is not None
            for advisor in problem.advisors if advisor.can_do("support", client.need)}


def home_placement(st: ModelState, appt):
    """Placement of `appt` with the client's named (or newly allocated) advisor, as a 0/1 expression;
    made once per appointment and shared by every score term that needs it."""
    if appt.id in st.home:
        return st.home[appt.id]
    client = st.problem.client_by_id[appt.client]
    if client.named_advisor is not None:
        expr = sum(st.xs.with_advisor(appt.id, client.named_advisor))
    else:
        terms = []
        for (c, v), alloc in st.alloc.items():
            here = st.xs.with_advisor(appt.id, v) if c == client.id else []
            if not here:
                continue
            both = st.model.new_bool_var(f"home_{appt.id}_{v}")  # exactly: allocated to v and placed with v
            st.model.add(both <= alloc)
            st.model.add(both <= sum(here))
            st.model.add(both >= alloc + sum(here) - 1)
            terms.append(both)
        expr = sum(terms)
    st.home[appt.id] = expr
    return expr


def add_one_placement_per_appointment(st: ModelState) -> None:
    """Each appointment is placed at most once; `assigned[a]` says whether it is placed."""
    for appt in st.problem.appointments:
        st.model.add(sum(st.xs.by_appt.get(appt.id, [])) == st.assigned[appt.id])


def add_advisor_no_overlap(st: ModelState) -> None:
    """Rule 3 (advisors) and rule 7 (blocks clear of appointments): one thing per advisor per slot."""
    for advisor in st.problem.advisors:
        for avail in advisor.availability:
            for t in range(avail.start, avail.end):
                busy = st.cover.get((advisor.id, t), [])
                block = st.protected.get((advisor.id, t))
                terms = busy + ([block] if block is not None else [])
                if len(terms) > 1:
                    st.model.add_at_most_one(terms)


def add_client_no_overlap(st: ModelState) -> None:
    """Rule 3 (clients): a client is in at most one appointment at a time."""
    for terms in st.client_cover.values():
        if len(terms) > 1:
            st.model.add_at_most_one(terms)


def add_daily_limit(st: ModelState) -> None:
    """Rule 4: no advisor starts more than max_appointments_per_day appointments on one date."""
    per_day = defaultdict(list)
    for (appt_id, advisor_id, start), var in st.xs.x.items():
        per_day[(advisor_id, st.problem.horizon.day_of(start))].append(var)
    for (advisor_id, _day), terms in per_day.items():
        limit = st.problem.advisor_by_id[advisor_id].max_appointments_per_day
        if limit is not None and len(terms) > limit:
            st.model.add(sum(terms) <= limit)


def add_pins(st: ModelState) -> None:
    """Rule 5: a pinned appointment is placed exactly as pinned (its only candidate)."""
    for appt in st.problem.appointments:
        if appt.pinned is not None:
            var = st.xs.x.get((appt.id, appt.pinned.advisor, appt.pinned.start))
            if var is None:
                raise ValueError(f"pin of {appt.id} has no placement")  # parse_problem rules this out
            st.model.add(var == 1)


def add_allocations(st: ModelState) -> None:
    """Rule 6: each new client gets at most one supporting advisor with the need, within max_caseload."""
    per_client, per_advisor = defaultdict(list), defaultdict(list)
    for (client_id, advisor_id), var in st.alloc.items():
        per_client[client_id].append(var)
        per_advisor[advisor_id].append(var)
    for choices in per_client.values():
        if len(choices) > 1:
            st.model.add_at_most_one(choices)
    for advisor_id, terms in per_advisor.items():
        advisor = st.problem.advisor_by_id[advisor_id]
        if advisor.max_caseload is not None:
            st.model.add(sum(terms) <= max(0, advisor.max_caseload - advisor.caseload))


def add_protected_blocks(st: ModelState) -> None:
    """Rule 7: protected slots form blocks of at least protected_block_minutes inside one availability."""
    h = st.problem.horizon
    length = h.protected_block_slots
    for advisor in st.problem.advisors:
        if advisor.protected_minutes <= 0:
            continue
        for avail in advisor.availability:
            if avail.length < length:
                continue
            slots = {t: st.protected[(advisor.id, t)] for t in range(avail.start, avail.end)}
            for t, var in slots.items():
                # A block starts where a protected slot follows an unprotected one; it must run `length` slots.
                before = slots.get(t - 1)
                if t + length > avail.end:
                    if before is None:
                        st.model.add(var == 0)
                    else:
                        st.model.add_implication(var, before)
                    continue
                if before is None:
                    for k in range(1, length):
                        st.model.add_implication(var, slots[t + k])
                else:
                    for k in range(1, length):
                        st.model.add_bool_or([before, slots[t + k]]).only_enforce_if(var)


def score_assigned(st: ModelState):
    """Serve every client: each placed appointment counts."""
    return sum(st.assigned.values()), st.problem.weights.assigned


def score_continuity(st: ModelState):
    """Support with the client's own advisor, weighted by the client's complexity."""
    terms = [st.problem.client_by_id[a.client].complexity * home_placement(st, a)
             for a in st.problem.appointments if a.kind == "support"]
    return sum(terms), st.problem.weights.continuity


def score_protected(st: ModelState):
    """Protected minutes kept per advisor, counted up to the advisor's target."""
    h = st.problem.horizon
    terms = []
    for advisor in st.problem.advisors:
        slots = [var for (v, _t), var in st.protected.items() if v == advisor.id]
        if not slots or advisor.protected_minutes <= 0:
            continue
        kept = st.model.new_int_var(0, advisor.protected_minutes, f"protected_kept_{advisor.id}")
        st.model.add(kept <= h.slot_minutes * sum(slots))
        # Never protect more whole slots than the target needs: it only crowds out appointments.
        st.model.add(sum(slots) <= -(-advisor.protected_minutes // h.slot_minutes) + h.protected_block_slots)
        st.kept[advisor.id] = kept
        terms.append(kept)
    return sum(terms), st.problem.weights.protected


def score_separation(st: ModelState):
    """Policing by the client's own supporting advisor (a penalty)."""
    terms = [home_placement(st, a) for a in st.problem.appointments if a.kind == "policing"]
    return -sum(terms), st.problem.weights.separation


def score_disruption(st: ModelState):
    """Published appointments that move or drop out (a penalty): -(count) = kept - len(previous)."""
    kept = []
    for appt_id, before in st.problem.previous.items():
        var = st.xs.x.get((appt_id, before.advisor, before.start))
        if var is not None:
            kept.append(var)
    return sum(kept) - len(st.problem.previous), st.problem.weights.disruption


def blocks_from_slots(st: ModelState, value) -> list[tuple[str, int, int]]:
    """The protected slots a solved model set (`value(var)` -> bool), as maximal (advisor, start, end)
    blocks per availability interval, in slots."""
    blocks = []
    for advisor in st.problem.advisors:
        for avail in advisor.availability:
            start = None
            for t in range(avail.start, avail.end + 1):
                var = st.protected.get((advisor.id, t)) if t < avail.end else None
                on = var is not None and value(var)
                if on and start is None:
                    start = t
                elif not on and start is not None:
                    blocks.append((advisor.id, start, t))
                    start = None
    return blocks


HARD_RULES = (add_one_placement_per_appointment, add_allocations, add_protected_blocks, add_advisor_no_overlap,
              add_client_no_overlap, add_daily_limit, add_pins)
SCORE_TERMS = (score_assigned, score_continuity, score_protected, score_separation, score_disruption)


def pose(problem: Problem, cands, fixed_allocations: bool = False) -> ModelState:
    """A CP-SAT model of `problem` over the candidate placements: every hard rule, the score as objective.

    fixed_allocations: no allocation variables (a neighbourhood part keeps the week's allocations), so
    add_allocations has nothing to constrain."""
    model = cp_model.CpModel()
    st = ModelState(model, problem, AssignVars(model, problem, cands), fixed_allocations)
    for rule in HARD_RULES:
        rule(st)
    objective = 0
    for term in SCORE_TERMS:
        expr, weight = term(st)
        objective += weight * expr
    model.maximize(objective)
    return st
