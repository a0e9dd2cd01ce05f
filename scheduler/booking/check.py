"""The independent check of an offers document: apply every offer and re-check it with scheduler.check.

Shares with the offer search only the reading of the request (which appointments it adds); the hard
rules and the score come from the checker, so a search bug cannot hide here.
"""
from __future__ import annotations

from scheduler.check import check_solution
from scheduler.explain import CODES
from scheduler.model import ProblemError
from scheduler.parse import parse_problem
from scheduler.booking.request import OFFERS_FORMAT, instance_documents, read_request, read_request_document


def _prefixed(err: ProblemError, prefix: str) -> ProblemError:
    return ProblemError([e if e.startswith(prefix) else f"{prefix}.{e}" for e in err.errors])


def applied(plan: dict, instances: list[dict], offer: dict) -> dict:
    """The plan with `offer` applied (problem-format.md, "Applying an offer"), as a solution document
    of the problem with the request's appointments added."""
    moves = {m["appointment"]: m for m in offer.get("moves") or []}
    assignments = [row for row in plan.get("assignments") or [] if row.get("appointment") not in moves]
    assignments += [{"appointment": m["appointment"], "advisor": m["advisor"], "start": m["start"]} for m in moves.values()]
    starts = [i.get("start") for i in offer.get("instances") or []] or [offer.get("start")]
    assignments += [{"appointment": appt["id"], "advisor": offer.get("advisor"), "start": start}
                    for appt, start in zip(instances, starts)]
    reseated = set(offer.get("reseated") or [])
    protected = [b for b in plan.get("protected") or [] if b.get("advisor") not in reseated]
    protected += list(offer.get("protected") or [])
    return {**plan, "status": "feasible", "assignments": assignments, "protected": protected,
            "unassigned": [u for u in plan.get("unassigned") or [] if u.get("appointment") not in moves],
            "score": None, "bound": None}


def check_offers(request_document: dict, offers_document: dict) -> list[str]:
    """Apply each offer to the plan and check it: hard rules, score_delta against the checker's score
    difference, the moves allowed, the instances of a series, the ranking, one offer per advisor-day,
    and `unplaceable`. Returns the faults, each naming its offer ("offers[2] (a3 at …): rule 3: …").
    Raises ProblemError (exit 2 on the command line) for a bad request."""
    problem_doc, plan, raw, count, max_moves = read_request_document(request_document)
    try:
        problem = parse_problem(problem_doc)
    except ProblemError as err:
        raise _prefixed(err, "problem") from None
    req = read_request(problem, raw, count, max_moves)
    instances = instance_documents(problem, req, raw)
    extended = parse_problem({**problem_doc, "appointments": list(problem_doc.get("appointments") or []) + instances})
    base = {**plan, "status": "feasible", "score": None, "bound": None,
            "unassigned": list(plan.get("unassigned") or []) + [{"appointment": a["id"]} for a in instances]}
    before = check_solution(extended, base)
    if not before.ok:
        raise ProblemError([f"plan: {v}" for v in before.violations[:10]])
    if not isinstance(offers_document, dict):
        return ["offers: must be a JSON object"]
    faults = []
    if offers_document.get("format") != OFFERS_FORMAT:
        faults.append(f"format: {offers_document.get('format')!r} is not {OFFERS_FORMAT!r}")
    if offers_document.get("request") != req.id:
        faults.append(f"request: {offers_document.get('request')!r} is not the request's id {req.id!r}")
    offers = offers_document.get("offers")
    if not isinstance(offers, list):
        return faults + ["offers: must be a list"]
    faults += _check_unplaceable(offers_document.get("unplaceable"), offers)
    if len(offers) > req.count:
        faults.append(f"offers: {len(offers)} offers, more than the {req.count} asked for")
    seen, ranked, no_moves = {}, [], []
    h = problem.horizon
    for i, offer in enumerate(offers):
        if not isinstance(offer, dict):
            faults.append(f"offers[{i}]: must be an object")
            continue
        name = f"offers[{i}] ({offer.get('advisor')} at {offer.get('start')})"
        own = _check_shape(problem, req, offer, name)
        if own:
            faults += own
            continue
        result = check_solution(extended, applied(plan, instances, offer))
        faults += [f"{name}: {v}" for v in result.violations]
        if result.score is not None and result.score - before.score != offer["score_delta"]:
            faults.append(f"{name}: score_delta {offer['score_delta']} but applying it changes the score by "
                          f"{result.score - before.score}")
        key = (offer["advisor"], offer["start"][:10])
        if key in seen:
            faults.append(f"{name}: a second offer for {key[0]} on {key[1]} (also offers[{seen[key]}])")
        seen[key] = i
        ranked.append((i, offer["score_delta"], h.to_slot(offer["start"])))
        if not offer.get("moves"):
            no_moves.append(offer["score_delta"])
    for (i, delta, start), (j, next_delta, next_start) in zip(ranked, ranked[1:]):
        if (-next_delta, next_start) < (-delta, start):
            faults.append(f"offers[{j}]: ranked after offers[{i}] but scores {next_delta} against {delta}"
                          + (" at an earlier start" if next_delta == delta else ""))
    best_plain = max(no_moves, default=None)
    for i, offer in enumerate(offers):
        if isinstance(offer, dict) and offer.get("moves") and best_plain is not None \
                and isinstance(offer.get("score_delta"), int) and offer["score_delta"] <= best_plain:
            faults.append(f"offers[{i}]: moves appointments but scores {offer['score_delta']}, no more than an "
                          f"offer without moves ({best_plain})")
    return faults


def _check_unplaceable(unplaceable, offers: list) -> list[str]:
    if offers and unplaceable is not None:
        return ["unplaceable: must be null when there are offers"]
    if not offers:
        if not isinstance(unplaceable, dict):
            return ["unplaceable: must give a code and a reason when there are no offers"]
        if unplaceable.get("code") not in CODES or not unplaceable.get("reason"):
            return [f"unplaceable: code {unplaceable.get('code')!r} must be one of {', '.join(CODES)}, with a reason"]
    return []


def _check_shape(problem, req, offer: dict, name: str) -> list[str]:
    """What the checker cannot see: the fields, the instances of a series, which appointments move."""
    out = []
    if offer.get("advisor") not in problem.advisor_by_id:
        out.append(f"{name}.advisor: unknown advisor {offer.get('advisor')!r}")
    delta = offer.get("score_delta")
    if isinstance(delta, bool) or not isinstance(delta, int):
        out.append(f"{name}.score_delta: {delta!r} is not a whole number")
    try:
        problem.horizon.to_slot(offer.get("start"))
    except (TypeError, ValueError) as err:
        out.append(f"{name}.start: {err}")
    instances = offer.get("instances") or [{"start": offer.get("start")}]
    if len(instances) != len(req.instances):
        out.append(f"{name}.instances: {len(instances)} listed, the request has {len(req.instances)}")
    elif instances[0].get("start") != offer.get("start"):
        out.append(f"{name}.instances[0].start: {instances[0].get('start')} is not the offer's start")
    moves = offer.get("moves") or []
    if len(moves) > req.max_moves:
        out.append(f"{name}.moves: {len(moves)} moves, more than max_moves {req.max_moves}")
    for k, move in enumerate(moves):
        appt = problem.appointment_by_id.get(move.get("appointment")) if isinstance(move, dict) else None
        if appt is None:
            out.append(f"{name}.moves[{k}]: not an appointment of the plan")
        elif appt.pinned is not None:
            out.append(f"{name}.moves[{k}]: {appt.id} is pinned and cannot move")
    return out
