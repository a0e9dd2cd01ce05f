"""Offers as a caseload-offers/1 document, with plain reasons a desk can read out."""
from __future__ import annotations

from scheduler.booking.request import OFFERS_FORMAT, OfferRequest


def _reasons(desk, req: OfferRequest, option, kept_change: int, reseated: bool) -> list[str]:
    p = desk.problem
    first = req.instances[0]
    named = desk.named(first.client)
    out = []
    if first.kind == "support":
        if named is None:
            out.append("the client has no named advisor yet")
        elif option.advisor == named:
            out.append("with the client's named advisor")
        else:
            out.append(f"not with the client's named advisor ({p.advisor_by_id[named].name})")
    elif named is not None:
        out.append("kept apart from the client's supporting advisor" if option.advisor != named
                   else "with the client's own supporting advisor, who should not police them")
    if p.advisor_by_id[option.advisor].protected_minutes > 0 or kept_change:
        if kept_change < 0:
            out.append(f"costs {-kept_change} minutes of protected time")
        elif kept_change > 0:
            out.append(f"re-seating protected time keeps {kept_change} minutes more")
        else:
            out.append("keeps the advisor's protected time" + (" (blocks re-seated)" if reseated else ""))
    if req.series:
        spd = p.horizon.slots_per_day
        moved = [k + 1 for k, s in enumerate(option.starts)
                 if s != option.starts[0] + k * req.every_days * spd]
        if not moved:
            out.append(f"the same weekday and time for all {len(option.starts)} instances")
        else:
            out.append(f"instance{'s' if len(moved) > 1 else ''} {', '.join(map(str, moved))} at another time "
                       f"(the usual time is taken)")
    if option.moves:
        published = sum(1 for a, before, _ in option.moves if p.previous.get(a) == before)
        out.append(f"moves {len(option.moves)} appointment{'s' if len(option.moves) > 1 else ''} to make room"
                   + (f" ({published} published)" if published else ""))
    return out


def offer_document(desk, req: OfferRequest, option) -> dict:
    """One offer: where, its score_delta, reasons, each instance's start, moves and re-seated blocks."""
    h = desk.problem.horizon
    spans = [(s, s + appt.duration) for s, appt in zip(option.starts, req.instances)]
    if option.blocks is None:
        blocks = desk.reseat(option.advisor, spans)
        reseated = {} if blocks is None else {option.advisor: blocks}
        t = desk.time_of(option.advisor)
        kept_change = t.best_kept(spans) - t.kept
    else:
        reseated = option.blocks
        kept_change = option.kept_change.get(option.advisor, 0)
    return {
        "advisor": option.advisor,
        "start": h.to_text(option.starts[0]),
        "score_delta": option.delta,
        "reasons": _reasons(desk, req, option, kept_change, bool(reseated)),
        "instances": [{"appointment": appt.id, "start": h.to_text(s)} for appt, s in zip(req.instances, option.starts)],
        "moves": [{"appointment": a, "advisor": after.advisor, "start": h.to_text(after.start),
                   "from": {"advisor": before.advisor, "start": h.to_text(before.start)}}
                  for a, before, after in option.moves],
        "reseated": sorted(reseated),
        "protected": [{"advisor": v, "start": h.to_text(s), "end": h.to_text(e)}
                      for v in sorted(reseated) for s, e in reseated[v]],
    }


def offers_document(desk, req: OfferRequest, options: list) -> dict:
    """The answer: offers best first; `unplaceable` (code and reason) only when there are none."""
    offers = [offer_document(desk, req, option) for option in options]
    unplaceable = None
    if not offers:
        why = desk.unplaceable(req)
        unplaceable = {"code": why.code, "reason": why.reason}
    return {"format": OFFERS_FORMAT, "request": req.id, "offers": offers, "unplaceable": unplaceable}
