"""The continuity weights planning uses, and the what-if that tries new weights on a real week first.

The what-if runs in the background (huey) and never saves a plan: it solves the chosen week twice,
with the weights in force and with the proposed ones, and keeps only the figures. (Reusing
planning.start_plan_job would leave a draft plan in the leader's week that a leader could publish
with weights nobody has agreed to.)
"""
from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from datetime import date

from flask import current_app, has_app_context
from huey.exceptions import TaskException
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from caseload import jobs
from caseload.extensions import db
from caseload.jobs import huey
from caseload.models import Team, WeightProfile, hold_version, utcnow
from caseload.services.first_row import get_or_create
from caseload.services import audit
from caseload.services.planning.boundary import previous_plan, to_problem, what_if_figures, where_to_solve
from caseload.services.planning.job_watch import public_reason
import scheduler
from scheduler.model import DEFAULT_WEIGHTS

log = logging.getLogger(__name__)
# How long a what-if may wait in the queue behind other jobs (beyond its two runs) before the page gives up.
WHAT_IF_QUEUE_GRACE_SECONDS = 15 * 60

# What each weight does, in the words the administrator sees next to it.
EXPLANATIONS = {
    "assigned": "Points for every appointment that gets placed at all. Keep this far above the others so the "
                "planner never leaves a client without an appointment to improve anything else.",
    "continuity": "Points when a client sees their own named advisor, multiplied by the client's complexity "
                  "(1-3), so people with complex needs keep their advisor first. Raise it to keep relationships "
                  "together even when that makes the week harder to fit.",
    "protected": "Points per minute of protected (non-contact) time kept for each advisor, up to their target: "
                 "time for case work, follow-up and thinking. 1 a minute is 60 an hour.",
    "separation": "Points taken off when a policing appointment (a compliance review or sanction) is given to the "
                  "client's own supporting advisor. Higher keeps policing apart from the supporting relationship.",
    "disruption": "Points taken off for every appointment of an already published week that re-planning moves or "
                  "drops. Higher keeps a published week stable once clients and advisors have been told.",
}


MOST_COMPLEX = 3  # the highest client complexity (problem-format.md)


def moves_promised(weights: dict) -> str | None:
    """The one sentence that warns a leader when `weights` ({"continuity": 100, "disruption": 200, ...}; missing ones
    take DEFAULT_WEIGHTS) make the planner prefer moving a promised (published) time to seeing the named advisor:
    continuity × the client's complexity gained outweighs the disruption lost by moving it. Names the lowest
    complexity for which that holds (every client at 1), or None when disruption outweighs it for every client."""
    continuity = weights.get("continuity", DEFAULT_WEIGHTS["continuity"])
    disruption = weights.get("disruption", DEFAULT_WEIGHTS["disruption"])
    for complexity in range(1, MOST_COMPLEX + 1):
        if continuity * complexity > disruption:
            who = ("any client" if complexity == 1 else f"clients of complexity {complexity}"
                   + (" or more" if complexity < MOST_COMPLEX else ""))
            return (f"With these weights a re-plan may move times already promised to {who} so that they see their "
                    f"named advisor: continuity {continuity} × complexity {complexity} = {continuity * complexity} "
                    f"outweighs disruption {disruption}.")
    return None


class WeightsConflict(RuntimeError):
    """Someone else saved the weights since the page was opened; nothing was saved."""


class WeightsRejected(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def active_profile() -> WeightProfile:
    """The profile planning uses; created (and committed) with the defaults if there is none yet. Its unique
    name keeps two first reads at once to one row (first_row.get_or_create; the second was a 500)."""
    return get_or_create(
        lambda: db.session.scalar(select(WeightProfile).where(WeightProfile.is_active.is_(True)).order_by(WeightProfile.id)),
        lambda: WeightProfile(name="default", is_active=True, **DEFAULT_WEIGHTS))


def check_weights(weights: dict) -> dict[str, int]:
    checked = {}
    for name in DEFAULT_WEIGHTS:
        value = weights.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise WeightsRejected(f"{name} must be a whole number, 0 or more.", name)
        checked[name] = value
    return checked


def save_weights(profile: WeightProfile, weights: dict, expected_version: int | None, by) -> WeightProfile:
    """Change the active weights; audited with the old and new values."""
    new = check_weights(weights)
    if expected_version is not None and profile.version_id != expected_version:
        raise WeightsConflict("Someone else changed the weights since you opened this page. Nothing was saved; "
                              "reload and check their change first.")
    old = profile.as_weights()
    if old == new:
        return profile
    try:
        if not hold_version(db.session, profile, profile.version_id if expected_version is None else expected_version):
            raise StaleDataError("the weights moved on")
        for name, value in new.items():
            setattr(profile, name, value)
        profile.updated_at, profile.updated_by_id = utcnow(), getattr(by, "id", None)
        audit.record("weights_changed", user=by, obj=profile, old=old, new=new,
                     changes={k: [old[k], new[k]] for k in new if old[k] != new[k]})
        db.session.commit()
    except StaleDataError as err:
        db.session.rollback()
        raise WeightsConflict("Someone else saved the weights at the same moment. Nothing was saved; reload.") from err
    return profile


# --- what-if --------------------------------------------------------------------------------------

def _solve_figures(team: Team, week_start: date, weights: dict, time_limit: float) -> dict:
    """Plan the week with `weights` (nothing saved) and return its figures and counts (boundary.what_if_figures)."""
    # A published week is re-planned from its plan, as a leader's re-plan would be: disruption counts.
    problem, maps = to_problem(team, week_start, weights=weights, previous=previous_plan(team, week_start))
    db.session.commit()  # hold no transaction open while solving
    solution = scheduler.solve(problem, time_limit=time_limit, workers=1, deterministic=True, **where_to_solve())
    return what_if_figures(problem, solution, maps.skipped)


def compare_weights(team_id: int, week_start: date, current: dict, proposed: dict, time_limit: float) -> dict:
    """Both runs side by side: {"current": {...}, "proposed": {...}} or {"error": "..."}."""
    team = db.session.get(Team, team_id)
    if team is None:
        return {"error": "That team no longer exists."}
    try:
        return {"team": team.name, "week": week_start.isoformat(), "time_limit": time_limit,
                "current": _solve_figures(team, week_start, current, time_limit),
                "proposed": _solve_figures(team, week_start, proposed, time_limit)}
    except Exception as err:  # the page must say what went wrong, not spin for ever
        log.exception("what-if for team %s week %s failed", team_id, week_start)
        db.session.rollback()
        return {"error": f"The what-if could not run: {public_reason(err)}"}


@huey.task()
def run_what_if(team_id: int, week: str, current: dict, proposed: dict, time_limit: float) -> dict:
    with nullcontext() if has_app_context() else jobs.task_app().app_context():
        return compare_weights(team_id, date.fromisoformat(week), current, proposed, time_limit)


def start_what_if(team: Team, week_start: date, proposed: dict, time_limit: float) -> str:
    """Queue the comparison; returns the id to look the result up with (what_if_result)."""
    proposed = check_weights(proposed)
    current = active_profile().as_weights()
    limit = min(float(time_limit), float(current_app.config.get("WHAT_IF_MAX_SECONDS", 120)))
    result = run_what_if(team.id, week_start.isoformat(), current, proposed, limit)
    # A note that this id was started, and until when it is worth waiting for: without it an id that was
    # never started (or whose result has gone) looks the same as one still running, and the page waits for ever.
    huey.put(_started_key(result.id), {"give_up_at": time.time() + 2 * limit + WHAT_IF_QUEUE_GRACE_SECONDS})
    return result.id


class WhatIfGone(LookupError):
    """No what-if with this id is running or kept: never started here, expired, or its result is gone."""


def _started_key(task_id: str) -> str:
    return f"what-if-started:{task_id}"


def what_if_result(task_id: str) -> dict | None:
    """The comparison (kept, so the page can be reloaded), or None while it is still running.

    Raises WhatIfGone for an id nobody started, or one that has been running past any reasonable end.
    """
    try:
        result = huey.result(task_id, preserve=True)
    except TaskException as err:  # the task itself crashed (compare_weights reports its own failures)
        return {"error": f"The what-if could not run: {public_reason(err)}"}
    started = huey.get(_started_key(task_id), peek=True)
    if result is not None:
        if started is not None and not started.get("seen"):
            # Seen finished: should the result ever go (storage flushed or expired), say so at once.
            huey.put(_started_key(task_id), {**started, "seen": True})
        return result
    if started is None or started.get("seen") or time.time() > started["give_up_at"]:
        raise WhatIfGone(task_id)
    return None
