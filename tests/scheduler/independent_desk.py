"""An independent named-first booking desk, written from docs/problem-format.md alone.

It shares nothing with the planner (no scheduler import): it reads the problem document itself and
writes a caseload-solution/1 document, so the tests can judge the planner against a plain desk rule
that we did not tune. The rule, as a receptionist would work it:

- pinned appointments first, exactly as pinned (a pin that clashes is left unassigned);
- then the appointments in the document's order (as the requests came in);
- a support appointment goes to the client's named advisor at the earliest free start inside a
  window, when that advisor has the skill and role and any free time there; else to the qualified
  advisor with the earliest free start (ties: the advisor listed first);
- a policing appointment goes to the earliest free qualified advisor other than the named one,
  else to the named one;
- a new client (named_advisor null) is allocated to the advisor of its first booked support
  appointment when that advisor has the support role, the client's need and caseload room, and is
  then treated as named;
- protected time last: each advisor's free stretches inside one availability interval, longest
  first, as blocks until the target is met. No protected-time cleverness.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta


def _minutes(text: str, origin: date) -> int:
    moment = datetime.strptime(text, "%Y-%m-%dT%H:%M")
    return (moment.date() - origin).days * 1440 + moment.hour * 60 + moment.minute


def _text(minutes: int, origin: date) -> str:
    return (datetime.combine(origin, datetime.min.time()) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


def _merged(spans):
    out = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def desk_plan(problem: dict) -> dict:
    """The independent desk's caseload-solution/1 document for a caseload-problem/1 document."""
    horizon = problem["horizon"]
    origin = date.fromisoformat(horizon["start"])
    step = horizon["slot_minutes"]
    block = -(-horizon.get("protected_block_minutes", 60) // step) * step
    advisors = problem["advisors"]
    by_id = {a["id"]: a for a in advisors}
    avail = {a["id"]: _merged((_minutes(i["start"], origin), _minutes(i["end"], origin))
                              for i in a["availability"]) for a in advisors}
    clients = {c["id"]: c for c in problem["clients"]}
    held = defaultdict(int)
    for c in problem["clients"]:
        if c.get("named_advisor"):
            held[c["named_advisor"]] += 1
    caseload = {a["id"]: a.get("caseload", held[a["id"]]) for a in advisors}
    busy_adv = defaultdict(list)  # advisor -> [(start, end)] in minutes
    busy_cli = defaultdict(list)
    per_day = defaultdict(int)
    home: dict[str, str] = {}
    allocations: dict[str, str] = {}
    assignments = []

    def qualified(appt, advisor):
        return appt["skill"] in advisor["skills"] and appt["kind"] in advisor["roles"]

    def free(who, start, end):
        return all(end <= s or e <= start for s, e in who)

    def fits(appt, advisor_id, start):
        end = start + appt["duration_minutes"]
        advisor = by_id[advisor_id]
        limit = advisor.get("max_appointments_per_day")
        return (any(s <= start and end <= e for s, e in avail[advisor_id])
                and free(busy_adv[advisor_id], start, end) and free(busy_cli[appt["client"]], start, end)
                and (limit is None or per_day[(advisor_id, start // 1440)] < limit))

    def earliest(appt, advisor_id):
        length = appt["duration_minutes"]
        best = None
        for w in appt["windows"]:
            ws, we = _minutes(w["start"], origin), _minutes(w["end"], origin)
            for s, e in avail[advisor_id]:
                for start in range(max(ws, s), min(we, e) - length + 1, step):
                    if best is not None and start >= best:
                        break
                    if fits(appt, advisor_id, start):
                        best = start
                        break
        return best

    def book(appt, advisor_id, start):
        end = start + appt["duration_minutes"]
        busy_adv[advisor_id].append((start, end))
        busy_cli[appt["client"]].append((start, end))
        per_day[(advisor_id, start // 1440)] += 1
        assignments.append({"appointment": appt["id"], "advisor": advisor_id, "start": _text(start, origin)})

    for appt in problem["appointments"]:
        pin = appt.get("pinned")
        if pin and pin["advisor"] in by_id:
            start = _minutes(pin["start"], origin)
            if qualified(appt, by_id[pin["advisor"]]) and fits(appt, pin["advisor"], start):
                book(appt, pin["advisor"], start)
    for appt in problem["appointments"]:
        if appt.get("pinned"):
            continue
        client = clients[appt["client"]]
        named = client.get("named_advisor") or home.get(client["id"])
        able = [a["id"] for a in advisors if qualified(appt, a)]
        if appt["kind"] == "support":
            order = ([named] if named in able else []) + [[v for v in able if v != named]]
        else:
            order = [[v for v in able if v != named]] + ([named] if named in able else [])
        chosen = None
        for option in order:
            group = option if isinstance(option, list) else [option]
            found = [(t, i, v) for i, v in enumerate(group) for t in [earliest(appt, v)] if t is not None]
            if found:
                t, _, v = min(found)
                chosen = (v, t)
                break
        if chosen is None:
            continue
        book(appt, *chosen)
        advisor = by_id[chosen[0]]
        if (appt["kind"] == "support" and not client.get("named_advisor") and client["id"] not in home
                and "support" in advisor["roles"] and client.get("need") in advisor["skills"]
                and (advisor.get("max_caseload") is None or caseload[advisor["id"]] < advisor["max_caseload"])):
            home[client["id"]] = advisor["id"]
            allocations[client["id"]] = advisor["id"]
            caseload[advisor["id"]] += 1
    protected = []
    for advisor in advisors:
        need = advisor.get("protected_minutes", 0)
        if need <= 0:
            continue
        stretches = []
        for s, e in avail[advisor["id"]]:
            cursor = s
            for bs, be in sorted(b for b in busy_adv[advisor["id"]] if s <= b[0] < e):
                if bs - cursor >= block:
                    stretches.append((cursor, bs))
                cursor = max(cursor, be)
            if e - cursor >= block:
                stretches.append((cursor, e))
        for s, e in sorted(stretches, key=lambda r: (r[0] - r[1], r[0])):
            if need <= 0:
                break
            length = min(e - s, max(block, -(-need // step) * step))
            protected.append({"advisor": advisor["id"], "start": _text(s, origin), "end": _text(s + length, origin)})
            need -= length
    placed = {row["appointment"] for row in assignments}
    return {"format": "caseload-solution/1", "status": "feasible", "assignments": assignments,
            "unassigned": [{"appointment": a["id"], "reason": "no free time at the desk"}
                           for a in problem["appointments"] if a["id"] not in placed],
            "allocations": [{"client": c, "advisor": v} for c, v in allocations.items()],
            "protected": protected, "score": None, "bound": None, "solve_seconds": 0.0}
