"""Warnings at entry: a request that saves fine but that the planner cannot place as it stands.

A window on a day the planner does not plan (Saturday, Sunday: the horizon is Monday to Friday), or
windows in which nobody who can do the work (role and skill) is working, used to save silently and come
back after planning as "none of its windows is inside the week". The request form, the CSV import and
the API save the request and say so at once (a warning, not a refusal: the rota may still change).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from caseload.localtime import to_local
from caseload.models import Advisor, AppointmentRequest, AppointmentType, Client, Team
from caseload.services.rota.pins import unfit
from caseload.services.planning.problem import HORIZON_DAYS, availability, team_advisors


class Coverage:
    """The team's working time in one week (local, naive), read once and asked about many requests."""

    def __init__(self, team: Team, week_start: date):
        self.team, self.week_start = team, week_start
        self.advisors: list[Advisor] = team_advisors(team)
        self.spans = {a.id: availability(a, week_start, team.timezone, HORIZON_DAYS) for a in self.advisors}
        self._able_cache: dict[tuple, list[Advisor]] = {}

    def warnings(self, request: AppointmentRequest) -> list[str]:
        """Plain sentences (empty when the request can be placed as far as the rota goes)."""
        tz = self.team.timezone
        windows = [(to_local(w.starts_at, tz).replace(tzinfo=None), to_local(w.ends_at, tz).replace(tzinfo=None))
                   for w in request.windows]
        return self.warnings_for(windows, request.duration_minutes, request.type, request.client)

    def warnings_for(self, windows: list[tuple[datetime, datetime]], minutes: int, kind: AppointmentType,
                     client: Client) -> list[str]:
        """The same for a request not made yet: local naive windows, its length, type and client."""
        last = datetime.combine(self.week_start + timedelta(days=HORIZON_DAYS), datetime.min.time())
        out = []
        unplanned = [s for s, _ in windows if s >= last]
        if unplanned:
            days = " and ".join(dict.fromkeys(f"{s:%A}" for s in sorted(unplanned)))
            out.append(f"{days} {'is' if ' and ' not in days else 'are'} not planned (the planner plans Monday to "
                       "Friday), so " + ("this request will be left unassigned." if len(unplanned) == len(windows)
                                         else "that window will not be used."))
        need = timedelta(minutes=minutes)
        inside = [(s, min(e, last)) for s, e in windows if s < last]
        able = self._able(kind, client)
        if inside and not any(self._fits(a, s, e, need) for a in able for s, e in inside):
            skill = kind.skill or client.need
            what = f"{kind.kind} work" + (f" with the {skill.name} skill" if skill else "")
            out.append(f"No advisor in the team does {what}, so this request will be left unassigned." if not able
                       else f"Nobody who does {what} works {minutes} minutes inside its windows, so it will be "
                            "left unassigned unless the windows or the rota change.")
        return out

    def _able(self, kind: AppointmentType, client: Client) -> list[Advisor]:
        """The advisors who can do this work at all; the same for every request of one type and need."""
        key = (kind.id, kind.skill_id or client.need_id)
        if key not in self._able_cache:
            self._able_cache[key] = [a for a in self.advisors if unfit(a, kind, client) is None]
        return self._able_cache[key]

    def _fits(self, advisor: Advisor, start: datetime, end: datetime, need: timedelta) -> bool:
        return any(min(e, end) - max(s, start) >= need for s, e in self.spans[advisor.id])


def need_warning(client: Client) -> str | None:
    """A sentence when no active advisor in the client's team has the skill the client needs (a client with the
    "Mental health" need in a team where nobody has it was accepted silently, and every support appointment of
    theirs came back unassigned after planning); None when someone has it or there is no need. A warning, not
    a refusal: the skill may be given to an advisor next."""
    need = client.need
    if need is None or any(need.code in a.skill_codes for a in team_advisors(client.team)):
        return None
    return (f"Nobody in team {client.team.name} has the {need.name} skill {client.reference} needs, so their "
            f"appointments will be left unassigned: give an advisor the {need.name} skill (Admin, Advisors).")


def request_warnings(request: AppointmentRequest, coverage: Coverage | None = None) -> list[str]:
    """Warnings for one saved (or about to be saved) request; pass a Coverage to reuse it across many."""
    return (coverage or Coverage(request.team, request.week_start)).warnings(request)
