"""Adjusting a draft plan by hand: move an appointment, pin it, write the handover note.

Every change is re-checked against all the hard rules (scheduler.check) on the whole modified
solution before anything is saved; a broken rule is reported by name and nothing changes.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm.exc import StaleDataError

from caseload.extensions import db
from caseload.localtime import local_end
from caseload.models import Advisor, HandoverNote, Plan, PlanItem, hold_version
from caseload.services import audit
from caseload.services.planning.boundary import apply_solution
from caseload.services.planning.handovers import covers
from caseload.services.planning.problem import advisor_sid, request_sid
from caseload.services.planning.rule_text import humanise
from caseload.services.rota import pins
from caseload.services.team_lock import lock_team
from scheduler import ProblemError, check_solution
from scheduler.model import TIME_FORMAT


CONFLICT = "Someone else changed this plan at the same moment. Nothing was saved: reload."


class AdjustRejected(ValueError):
    """The change would break a hard rule (or the plan cannot be changed); nothing was saved."""


class NeedsConfirmation(AdjustRejected):
    """The move breaks no hard rule but goes against the client's named advisor: the leader confirms it and
    gives a reason (audited). `warnings` are the sentences to show; nothing was saved."""

    def __init__(self, warnings: list[str]):
        self.warnings = warnings
        super().__init__("Confirm this move and give a reason: " + " ".join(warnings))


REASON_MAX = 500


def move_warnings(item: PlanItem, advisor: Advisor) -> list[str]:
    """Why moving `item` to `advisor` needs a confirmed reason (empty list: it does not).

    Policing (compliance, sanctions) with the client's own named advisor strains the supporting
    relationship; moving a client away from the named advisor breaks continuity.
    """
    request = item.request
    if request is None:
        return []
    client, named = request.client, request.client.named_advisor
    warnings = []
    if request.type.kind == "policing" and named is not None and advisor.id == named.id:
        warnings.append(f"This puts a policing appointment ({request.type.name}) for {client.name} with "
                        f"{advisor.name}, the client's named advisor; policing is normally kept apart from support.")
    if named is not None and item.advisor_id == named.id and advisor.id != named.id:
        warnings.append(f"This moves {client.name} away from their named advisor {named.name} to {advisor.name}.")
    return warnings


@dataclass
class Step:
    """Another appointment a chosen offer moves: `item` to `advisor` at local wall-clock `start` (naive)."""

    item: PlanItem
    advisor: Advisor
    start: datetime


@dataclass
class OfferChange:
    """What a chosen planner offer changes beside the appointment itself (services/planning/move_offers.py): other
    unpinned appointments it moves (`steps`), and the protected time of the `reseated` advisors (sids),
    replaced by `protected` ((advisor sid, start, end), local text)."""

    steps: list[Step]
    reseated: list[str]
    protected: list[tuple[str, str, str]]


@dataclass
class MoveResult:
    item: PlanItem
    needs_handover: bool
    shortened_blocks: int
    moved_too: list = None  # the other appointments a chosen offer moved (Step)


def _violation_text(violation) -> str:
    if isinstance(violation, str):
        return violation
    for key in ("message", "detail", "text"):
        text = violation.get(key) if isinstance(violation, dict) else getattr(violation, key, None)
        if text:
            rule = violation.get("rule") if isinstance(violation, dict) else getattr(violation, "rule", None)
            return f"{rule}: {text}" if rule and str(rule) not in text else str(text)
    return str(violation)


def _readable(violation) -> str:
    return humanise(_violation_text(violation))


def check_rules(problem: dict, solution: dict):
    """The checker's result; raises AdjustRejected naming every broken hard rule."""
    # The score is recomputed by the checker; the solver's old score is not a claim to verify here.
    claim = {key: value for key, value in solution.items() if key != "score"}
    try:
        result = check_solution(problem, claim)
    except ProblemError as err:  # a pin that breaks a rule makes the problem itself invalid
        errors = getattr(err, "errors", None) or [str(err)]
        raise AdjustRejected(f"Not saved: this change breaks a hard rule — {'; '.join(map(_readable, errors[:5]))}.") from None
    # Removing a pin can lift the best possible score above the old bound: then the bound is unknown.
    broken = [v for v in result.violations if not str(v).startswith("bound:")]
    if broken:
        reasons = "; ".join(_readable(v) for v in broken[:5])
        more = f" (and {len(broken) - 5} more)" if len(broken) > 5 else ""
        raise AdjustRejected(f"Not saved: this change breaks a hard rule — {reasons}{more}.")
    if len(broken) != len(result.violations):
        solution["bound"] = None
    return result


def _trim_protected(solution: dict, advisor: str, start: datetime, end: datetime, minimum: int) -> int:
    """Cut the advisor's protected blocks around the moved appointment; drop pieces too short to count."""
    kept, shortened = [], 0
    for block in solution.get("protected", []):
        b_start, b_end = datetime.strptime(block["start"], TIME_FORMAT), datetime.strptime(block["end"], TIME_FORMAT)
        if block["advisor"] != advisor or b_end <= start or b_start >= end:
            kept.append(block)
            continue
        shortened += 1
        for piece_start, piece_end in ((b_start, min(b_end, start)), (max(b_start, end), b_end)):
            if piece_end - piece_start >= timedelta(minutes=minimum):
                kept.append({"advisor": advisor, "start": piece_start.strftime(TIME_FORMAT), "end": piece_end.strftime(TIME_FORMAT)})
    solution["protected"] = kept
    return shortened


def _check_editable(plan: Plan, expected_version: int) -> None:
    if plan.status != "draft":
        raise AdjustRejected("Only a draft can be changed. Plan the week again to make a new draft from this one.")
    if plan.version_id != expected_version:
        raise AdjustRejected("This plan was changed by someone else since you opened it. Nothing was saved: reload.")
    if plan.problem is None or plan.solution is None:  # only a plan made by hand lacks them
        raise AdjustRejected("This plan has no stored planning documents to check a change against: plan the week "
                             "again. Nothing was saved.")


def move_appointment(plan: Plan, item: PlanItem, advisor: Advisor, start: datetime, pin: bool,
                     expected_version: int, by, reason: str | None = None, offer: OfferChange | None = None) -> MoveResult:
    """Place `item` with `advisor` at local wall-clock `start` (naive), optionally pinned there.

    offer: a chosen planner offer's other changes (moves of unpinned appointments, re-seated protected time),
    applied with it; without one, protected blocks in the way are shortened. A move with `move_warnings` (for
    the appointment or any it moves) needs `reason` (1-500 characters, stored in the audit log); without one it
    raises NeedsConfirmation. Raises AdjustRejected when a hard rule would break or the plan moved on.
    """
    _check_editable(plan, expected_version)
    # Every move takes the team's lock first, pinned or not (a pin's clash check needs it): one order, team then
    # plan row, for all, so a pinned and an unpinned move of one draft cannot each hold what the other waits for.
    lock_team(plan.team)
    steps = offer.steps if offer else []
    warnings = move_warnings(item, advisor) + [w for s in steps for w in move_warnings(s.item, s.advisor)]
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise AdjustRejected(f"The reason is too long: at most {REASON_MAX} characters. Nothing was saved.")
    sid, advisor_id = request_sid(item.request_id), advisor_sid(advisor.id)
    problem, solution = copy.deepcopy(plan.problem), copy.deepcopy(plan.solution)
    appointment = next((a for a in problem["appointments"] if a["id"] == sid), None)
    if appointment is None:
        raise AdjustRejected("This request was not part of the planning problem; add a window inside the week and re-plan.")
    end = start + timedelta(minutes=appointment["duration_minutes"])  # on the planner's wall clock (its documents)
    placement = {"appointment": sid, "advisor": advisor_id, "start": start.strftime(TIME_FORMAT)}
    moved = [(s, {"appointment": request_sid(s.item.request_id), "advisor": advisor_sid(s.advisor.id),
                  "start": s.start.strftime(TIME_FORMAT)}) for s in steps]
    for step, _ in moved:
        if step.item.plan_id != plan.id or step.item is item or step.item.pinned or step.item.request is None \
                or step.item.starts_at is None:
            raise AdjustRejected("Not saved: the offer moves an appointment that is pinned or not in this plan. "
                                 "Choose the appointment again to see fresh offers.")
    placed = {sid} | {p["appointment"] for _, p in moved}
    solution["assignments"] = [a for a in solution.get("assignments", []) if a["appointment"] not in placed] + [
        placement] + [p for _, p in moved]
    solution["unassigned"] = [u for u in solution.get("unassigned", []) if u["appointment"] not in placed]
    if pin:
        # Pins live on the requests: one made after this draft was planned is not in its problem.
        mine = pins.Pin(item.request_id, item.request.client, advisor, start,  # real end, as every pin's (DST)
                        local_end(start, appointment["duration_minutes"], plan.team.timezone))
        why = pins.clash(mine, pins.week_pins(plan.team_id, plan.week_start, plan.team.timezone,
                                                  leave_out=item.request_id))
        if why:
            raise AdjustRejected(f"Not saved: the pin would clash — {why}. Change that pin first, or move without pinning.")
        appointment["pinned"] = {"advisor": advisor_id, "start": placement["start"]}
    else:
        appointment.pop("pinned", None)
    if offer is not None:  # the planner re-seated these advisors' protected time around the offer
        solution["protected"] = [b for b in solution.get("protected", []) if b["advisor"] not in set(offer.reseated)] + [
            {"advisor": v, "start": s, "end": e} for v, s, e in offer.protected]
        shortened = 0
    else:
        minimum = problem["horizon"].get("protected_block_minutes", 60)
        shortened = _trim_protected(solution, advisor_id, start, end, minimum)
    result = check_rules(problem, solution)
    if warnings and not reason:  # asked only for a move that keeps every rule: a refusal comes first
        raise NeedsConfirmation(warnings)
    solution["status"] = "feasible"  # a hand-made change: no longer proven optimal
    solution["score"] = result.score
    solution["figures"] = dict(result.figures or {})

    # Lock the plan at the version the leader saw before changing anything (a second move waits, then conflicts).
    if not hold_version(db.session, plan, expected_version):
        db.session.rollback()
        raise AdjustRejected(CONFLICT)
    try:
        return _save_move(plan, item, advisor, pin, problem, solution, placement, shortened, by,
                          {"reason": reason, "warnings": warnings} if warnings else {}, steps)
    except StaleDataError as err:
        db.session.rollback()
        raise AdjustRejected(CONFLICT) from err


def _save_move(plan, item, advisor, pin, problem, solution, placement, shortened, by,
               confirmed: dict, steps: list[Step]) -> MoveResult:
    """Write the checked move (plan row held by hold_version) and commit. The plan's rows follow from the
    changed solution (boundary.apply_solution), the appointments a chosen offer moves too (they stay unpinned);
    the pin lives on the request, where re-planning reads it."""
    before = (item.advisor_id, item.starts_at)
    also = [{"request": s.item.request_id, "advisor": s.advisor.id, "start": s.start.strftime(TIME_FORMAT),
             "before_advisor": s.item.advisor_id, "before_start": s.item.starts_at.isoformat()} for s in steps]
    request = item.request
    apply_solution(plan, problem, solution)
    request.pinned_advisor_id = advisor.id if pin else None
    request.pinned_start = item.starts_at if pin else None
    audit.record("plan_adjusted", user=by, obj=plan, request=item.request_id, advisor=advisor.id,
                 start=placement["start"], pinned=pin, before_advisor=before[0],
                 before_start=before[1].isoformat() if before[1] else None, **({"also_moved": also} if also else {}),
                 **confirmed)
    db.session.commit()
    # A compliance review moved to someone else is policing kept apart, not cover: no handover note (is_cover).
    return MoveResult(item, needs_handover=covers(request, advisor.id), shortened_blocks=shortened, moved_too=steps)


def add_handover(item: PlanItem, body: str, by) -> HandoverNote:
    """A short note for the advisor covering a client whose named advisor is someone else."""
    client = item.request.client
    note = HandoverNote(client_id=client.id, plan_item_id=item.id, from_advisor_id=client.named_advisor_id,
                        to_advisor_id=item.advisor_id, author_id=getattr(by, "id", None), body=body.strip())
    db.session.add(note)
    db.session.flush()
    audit.record("handover_written", user=by, obj=note, client=client.id, to_advisor=item.advisor_id)
    db.session.commit()
    return note
