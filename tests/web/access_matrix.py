"""Who may use which route: the expectations the security tests check every url rule against.

The expectations are written here by area, independently of the @role_required declarations, so a
route that declares the wrong roles fails the tests. A new route under a known area is covered
automatically; a route in a new area fails until this table says who may use it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import Absence, AppointmentRequest, Client, Plan, Role, SolveJob, Team, User
from caseload.security import hash_api_token

ALL = frozenset(Role)
LEADING = frozenset({Role.ADMIN, Role.LEADER})

# Blueprint (the part of the endpoint before the dot) -> roles allowed.
BY_AREA = {
    "admin": frozenset({Role.ADMIN}),
    "rota": LEADING,
    "me": frozenset({Role.ADVISOR}),
    "auth": ALL,
    "api": ALL,  # each API endpoint scopes its data to the caller
    "desk": ALL,  # the booking desk: leaders for their teams' clients, advisors for their own
}
# Endpoints that differ from their area, or that security depends on enough to name here.
BY_ENDPOINT = {
    # Everyone may use the API, so everyone manages their own token; revoking someone else's is admin only.
    "auth.api_token": ALL,
    "auth.issue_api_token": ALL,
    "auth.revoke_api_token": ALL,
    "admin.revoke_user_api_token": frozenset({Role.ADMIN}),
    "admin.reports_page": LEADING,
    "admin.report_json": LEADING,
    "admin.report_csv": LEADING,
    "admin.client_search": LEADING,
    "admin.client_data_page": LEADING,
    "admin.client_export": LEADING,
    "admin.client_erase": LEADING,
    "desk.broken": LEADING,
    "api.update_client": LEADING,
    "api.week_requests": LEADING,
    "api.create_request": LEADING,
    "api.request_detail": LEADING,
    "api.update_request": LEADING,
    "api.week_plans": LEADING,
    "api.create_plan_job": LEADING,
    "api.get_job": LEADING,
    "api.cancel_job": LEADING,
    "api.get_plan": LEADING,
    "api.publish_plan": LEADING,
    "api.region_week": frozenset({Role.ADMIN}),  # the region: administrators only
    "api.region_plan": frozenset({Role.ADMIN}),
    "api.region_cancel": frozenset({Role.ADMIN}),
    "api.add_closure": frozenset({Role.ADMIN}),  # closures: everyone reads those affecting them, administrators write
    "api.remove_closure": frozenset({Role.ADMIN}),
}
# Reachable without signing in.
PUBLIC = {"auth.index", "auth.login", "health.healthz", "site.favicon", "static", "me.calendar_feed", "api.openapi"}

USERNAMES = {Role.ADMIN: "admin", Role.LEADER: "leader", Role.ADVISOR: "advisor1"}


def allowed_roles(endpoint: str) -> frozenset | None:
    if endpoint in BY_ENDPOINT:
        return BY_ENDPOINT[endpoint]
    return BY_AREA.get(endpoint.split(".")[0])


def is_api(rule) -> bool:
    return rule.rule.startswith("/api/")


def methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


@dataclass
class Samples:
    """Ids of objects in scope for `leader` (team north) and `advisor1`, to fill in url rules."""

    values: dict = field(default_factory=dict)

    def url(self, rule) -> str:
        missing = [arg for arg in rule.arguments if arg not in self.values]
        assert not missing, f"{rule.rule}: add a sample value for {missing} in tests/web/access_matrix.py"
        return rule.build({arg: self.values[arg] for arg in rule.arguments}, append_unknown=False)[1]


def team(name: str) -> Team:
    return db.session.scalar(select(Team).where(Team.name == name))


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def make_plan(team_: Team, status: str = "draft") -> Plan:
    plan = Plan(team=team_, week_start=this_week_start(team_.timezone), status=status,
                published_version=1 if status == "published" else None)
    db.session.add(plan)
    db.session.commit()
    return plan


def make_job(team_: Team, status: str = "succeeded") -> SolveJob:
    job = SolveJob(team=team_, week_start=this_week_start(team_.timezone), status=status, time_limit=1)
    db.session.add(job)
    db.session.commit()
    return job


def client_of(username: str) -> Client:
    advisor = user(username).advisor
    return db.session.scalar(select(Client).where(Client.named_advisor_id == advisor.id).order_by(Client.id))


def samples_for_demo() -> Samples:
    """In-scope ids for leader/advisor1 in the demo office (north), creating a plan and a job."""
    north = team("north")
    advisor = user("advisor1").advisor
    client = client_of("advisor1")
    request = db.session.scalar(select(AppointmentRequest).where(AppointmentRequest.team_id == north.id)
                                .order_by(AppointmentRequest.id))
    absence = db.session.scalar(select(Absence).where(Absence.advisor_id == advisor.id))
    plan, job = make_plan(north), make_job(north)
    from caseload.services.reports import REPORTS

    return Samples({
        "team_id": north.id, "week": this_week_start(north.timezone).isoformat(), "client_id": client.id,
        "advisor_id": advisor.id, "request_id": request.id, "absence_id": absence.id if absence else 999999,
        "plan_id": plan.id, "job_id": job.id, "item_id": 999999, "skill_id": 1, "type_id": 1,
        "user_id": user("advisor1").id, "name": next(iter(REPORTS)), "task_id": "no-such-task",
        "token": "not-a-real-token", "filename": "app.css", "closure_id": 999999, "year": 2099,
    })


def issue_token(username: str) -> dict:
    """Give `username` an API token (stored hashed) and return the Authorization header for it."""
    token = f"test-token-{username}"
    user(username).api_token_hash = hash_api_token(token)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}
