"""JSON API for office closure days (services/closures): everyone reads the closures that affect them, paged and
by date range; administrators add and remove them, as on /admin/closures.

Scope: an administrator sees every closure; a team leader the whole service's and the teams they lead; an advisor
the whole service's and their own team's. A closure outside the caller's scope is 404, like one that does not
exist. A day already closed (for that team or the whole service), also by a request a moment earlier, is 409.
"""
from __future__ import annotations

from datetime import date

from flask import request
from flask_login import current_user

from caseload.api.blueprint import bp
from caseload.api.schemas import ApiError, body, invalid
from caseload.api.views import ANYONE, not_found
from caseload.auth.access import role_required
from caseload.extensions import db
from caseload.models import ClosureDay, Role, Team
from caseload.services import closures
from caseload.services.closures import broken as closure_broken
from caseload.services.rota.listings import ListQuery
from caseload.values import ValueRejected, parse_day, whole_number

PER_PAGE, MOST_PER_PAGE = 50, 200


def closure_json(closure: ClosureDay) -> dict:
    return {"id": closure.id, "day": closure.day.isoformat(), "team_id": closure.team_id,
            "team": closure.team.name if closure.team is not None else None, "reason": closure.reason}


def _day_arg(name: str) -> date | None:
    text = request.args.get(name)
    if text is None:  # left out: no bound (sent empty is not a date: 422, as the document says)
        return None
    try:
        return parse_day(text)
    except ValueRejected as err:
        raise invalid(name, str(err).rstrip(".")) from None
    except ValueError:
        raise invalid(name, f"{text[:40]!r} is not a date YYYY-MM-DD") from None


def _whole_arg(name: str, default: int, most: int) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    number = whole_number(text, most)
    if number is None or number < 1:
        raise invalid(name, f"must be a whole number from 1 to {most}")
    return number


def visible_or_404(closure_id: int) -> ClosureDay:
    found = db.session.get(ClosureDay, closure_id)
    teams = closures.visible_team_ids(current_user)
    if found is None or (found.team_id is not None and teams is not None and found.team_id not in teams):
        raise not_found("closure")
    return found


@bp.get("/closures")
@role_required(*ANYONE)
def list_closures():
    first, last = _day_arg("from"), _day_arg("to")
    if first is not None and last is not None and last < first:
        raise invalid("to", f"{last.isoformat()} is before from ({first.isoformat()})")
    per_page = _whole_arg("per_page", PER_PAGE, MOST_PER_PAGE)
    listing = closures.closure_list(ListQuery(page=_whole_arg("page", 1, 999_999)), first, last,
                                    closures.visible_team_ids(current_user), per_page=per_page)
    return {"closures": [closure_json(c) for c in listing.rows], "total": listing.total, "page": listing.page,
            "pages": listing.pages, "per_page": listing.per_page}


@bp.get("/closures/<int:closure_id>")
@role_required(*ANYONE)
def get_closure(closure_id):
    return closure_json(visible_or_404(closure_id))


@bp.post("/closures")
@role_required(Role.ADMIN)
def add_closure():
    data = body("ClosureFields")
    team = None
    if data.get("team_id") is not None:
        team = db.session.get(Team, data["team_id"])
        if team is None:
            raise invalid("team_id", "no such team")
    try:
        day = parse_day(data["day"])
    except ValueError as err:
        raise invalid("day", str(err).rstrip(".") if isinstance(err, ValueRejected) else
                      f"{data['day']!r} is not a date YYYY-MM-DD") from None
    try:
        added = closures.add_closure(day, team, data["reason"], by=current_user)
    except closures.ClosureDuplicate as err:
        raise ApiError(409, str(err)) from None
    except closures.ClosureRejected as err:
        raise invalid({"team": "team_id"}.get(err.field, err.field), str(err)) from None
    db.session.commit()
    breaks = [{"team_id": t.id, "week": week.isoformat(), "appointments": count}
              for t, week, count in closure_broken.closure_breaks(added)]
    return ({**closure_json(added), "to_rebook": breaks}, 201, {"Location": f"/api/v1/closures/{added.id}"})


@bp.delete("/closures/<int:closure_id>")
@role_required(Role.ADMIN)
def remove_closure(closure_id):
    found = visible_or_404(closure_id)
    answer = closure_json(found)
    closures.remove_closure(found, by=current_user)
    db.session.commit()
    return answer
