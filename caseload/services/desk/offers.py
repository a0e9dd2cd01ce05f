"""The booking desk's offers: the best places for one appointment in a team's week, best first, with the
planner's reasons in a desk's words (names instead of roles, days instead of ids), and why there is none."""
from __future__ import annotations

from datetime import datetime, timedelta

from caseload.extensions import db
from caseload.models import Advisor, Team, utcnow
from caseload.services.desk.asks import Ask, BookingError, Offer, check_ask
from caseload.services.desk.desk_week import DeskWeek, booked_item, desk_week, request_doc
from caseload.services.planning.problem import advisor_sid, db_id, local_naive, utc_of_local
from scheduler.model import ProblemError, TIME_FORMAT

DEFAULT_COUNT = 5
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _first(name: str) -> str:
    return name.split()[0] if name else name


def _days(blocks: list[dict], advisor: str) -> str:
    names = sorted({datetime.strptime(b["start"], TIME_FORMAT).weekday() for b in blocks if b["advisor"] == advisor})
    if not names:
        return ""
    words = [DAY_NAMES[d] for d in names]
    return (" and ".join(words) if len(words) <= 2 else ", ".join(words[:-1]) + " and " + words[-1]) + " "


def plain_reasons(week: DeskWeek, ask: Ask, doc: dict, advisor: Advisor) -> list[str]:
    """The planner's reasons in a desk's words: names instead of roles, days instead of ids."""
    name, first = advisor.name, _first(advisor.name)
    named = ask.client.named_advisor
    if doc["reseated"]:
        blocks = doc["protected"]
    else:  # the advisor's blocks stay where they are
        h = week.desk.problem.horizon
        blocks = [{"advisor": advisor_sid(advisor.id), "start": h.to_text(s)}
                  for s, _e in week.desk.blocks.get(advisor_sid(advisor.id), [])]
    days = _days(blocks, advisor_sid(advisor.id))
    out = []
    for reason in doc["reasons"]:
        if reason == "with the client's named advisor":
            out.append(f"with {name}, their usual advisor")
        elif reason == "the client has no named advisor yet":
            out.append(f"{ask.client.reference} has no usual advisor yet: {first} would become it")
        elif reason.startswith("not with the client's named advisor"):
            out.append(f"with {name}, not their usual advisor ({named.name if named else 'none'})")
        elif reason == "kept apart from the client's supporting advisor":
            out.append(f"with {name}, not {named.name if named else 'the advisor'} who supports them")
        elif reason.startswith("with the client's own supporting advisor"):
            out.append(f"with {name}, who supports them and should not police them")
        elif reason.startswith("keeps the advisor's protected time"):
            moved = " (moved to fit)" if "re-seated" in reason else ""
            out.append(f"keeps {first}'s {days}protected time{moved}")
        elif reason.startswith("costs "):
            out.append(f"costs {first} {reason.removeprefix('costs ')}")
        elif reason.startswith("re-seating protected time keeps"):
            out.append(f"moving {first}'s protected time keeps {reason.split('keeps ')[1]}")
        else:
            out.append(reason)
    if not any(r.startswith("with ") for r in out):
        out.insert(0, f"with {name}")
    return out


def offers_from(week: DeskWeek, ask: Ask, request: dict, count: int) -> list[Offer]:
    try:
        # The engine gives one offer per advisor and day; an advisor booking their own diary filters to
        # themselves, so ask for enough to keep `count` of theirs.
        answer = week.desk.offers(request, count=count if ask.advisor is None else 200)
    except ProblemError as err:
        raise BookingError("; ".join(err.errors[:3]), "windows") from None
    tz = week.team.timezone
    now = local_naive(utcnow(), tz).strftime(TIME_FORMAT)
    out = []
    for doc in answer["offers"]:
        if doc["start"] < now:
            continue  # this week's mornings already gone
        advisor = db.session.get(Advisor, db_id(doc["advisor"]))
        if ask.advisor is not None and advisor.id != ask.advisor.id:
            continue
        start = datetime.strptime(doc["start"], TIME_FORMAT)
        out.append(Offer(advisor, utc_of_local(start, tz), utc_of_local(start + timedelta(minutes=ask.duration), tz),
                         doc["start"], doc["score_delta"], plain_reasons(week, ask, doc, advisor), doc))
    return out[:count]


def offers(team: Team, ask: Ask, count: int = DEFAULT_COUNT) -> list[Offer]:
    """The best `count` places for `ask`, best first (at most one per advisor and day); [] when none.

    Raises BookingError naming the field for input that cannot be booked."""
    check_ask(team, ask)
    found = offers_from(desk_week(team, ask.week_start, ask.client, replaced_id(ask)), ask, request_doc(ask), count)
    if ask.replacing is not None:  # rebooking: the same advisor first, then the rest as ranked
        same = {ask.replacing.pinned_advisor_id, _old_advisor(ask)} - {None}
        found.sort(key=lambda o: o.advisor.id not in same)
    return found


def replaced_id(ask: Ask) -> int | None:
    return ask.replacing.id if ask.replacing is not None else None


def _old_advisor(ask: Ask) -> int | None:
    item = booked_item(ask.replacing) if ask.replacing is not None else None
    return item.advisor_id if item is not None else None


def why_none(team: Team, ask: Ask) -> str | None:
    """Why there is no offer at all (the planner's reason), or None when there are offers."""
    check_ask(team, ask)
    week = desk_week(team, ask.week_start, ask.client, replaced_id(ask))
    answer = week.desk.offers(request_doc(ask), count=1)
    return None if answer["offers"] else (answer["unplaceable"] or {}).get("reason")
