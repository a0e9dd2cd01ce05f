"""The audit log's objects and referenced ids as people read them: "Client N0011 · Asha Patel", "Follow-up for
N0011 · Asha Patel, Tue 01 Dec 10:00", "advisor: Ben Okafor", each keeping its stored id ("client #145") for a
title, so the log reads as words and can still be traced.

Names are loaded in bulk for the whole page, one query per kind of thing on it (appointments, clients,
advisors, …), never one per event. A client's current reference and name are shown: an erased client's are
the erasure's placeholders (clients/client_data), so erased personal data never reappears here.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.models import (
    Absence, Advisor, AppointmentRequest, AppointmentType, BookingSeries, Client, ClientNote, ClosureDay,
    HandoverNote, Plan, Skill, SolveJob, Team, User, WeightProfile,
)

# The model class names audit.record stores in object_type, as the pages call those things.
OBJECT_NAMES = {
    "SolveJob": "Planning run", "AppointmentRequest": "Appointment request", "AppointmentType": "Appointment type",
    "ClientNote": "Client note", "HandoverNote": "Handover note", "WeightProfile": "Weight profile",
    "PlanItem": "Plan item", "ProtectedBlock": "Protected block", "ClosureDay": "Office closure",
    "BookingSeries": "Series", "ServicePolicy": "Service policy",
}
OWN_WORDS = {"ClientNote": "Contact note on {}", "HandoverNote": "Handover note on {}", "BookingSeries": "Series for {}"}
# Detail keys whose whole-number values are ids of these, as audit.record's callers write them.
DETAIL_REFS = {"client": "Client", "advisor": "Advisor", "to_advisor": "Advisor", "to": "AppointmentRequest",
               "request": "AppointmentRequest", "team": "Team"}
# Detail keys as people read them; any other key reads with its underscores as spaces ("previous_plan").
DETAIL_LABELS = {
    "named_advisor_set": "made named advisor", "type": "appointment type", "to_advisor": "to advisor",
    "before_advisor": "advisor before", "before_start": "start before", "instance": "appointment of series",
    ("appointment_rebooked", "to"): "rebooked", ("request_booked_at_desk", "to"): "booked as",
}


def detail_label(key: str, action: str = "") -> str:
    """A detail key as the audit page labels it (`action` the event's, for keys that differ by action):
    "named_advisor_set" -> "made named advisor", a rebook's "to" -> "rebooked"."""
    return DETAIL_LABELS.get((action, key)) or DETAIL_LABELS.get(key) or key.replace("_", " ")


@dataclass(frozen=True)
class Named:
    """A thing as the log shows it (`text`) and its stored reference (`ref`, e.g. "client #145"; "" if none)."""

    text: str
    ref: str = ""


def object_name(object_type: str) -> str:
    """A friendly name for a stored class name; unknown ones split into words ("FooBar" -> "Foo bar")."""
    if object_type in OBJECT_NAMES:
        return OBJECT_NAMES[object_type]
    words = re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", object_type) or [object_type]
    return " ".join([words[0]] + [w.lower() for w in words[1:]])


def _ids(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


class _Names:
    """id -> words for each kind on one page; filled by `load`, each kind with one query."""

    def __init__(self, wanted: dict[str, set[int]]):
        self.wanted = wanted
        self.words: dict[tuple[str, int], str] = {}
        self.when: dict[int, str] = {}  # appointment request id -> its time (or week), for "old → new" of a rebook

    def _rows(self, kind: str, query):
        ids = self.wanted.get(kind)
        return db.session.execute(query(sorted(ids))).all() if ids else []

    def load(self) -> None:
        # First the things named by their client, advisor or team, adding those ids; then the names themselves.
        later: dict[tuple[str, int], tuple] = {}
        for rid, client, type_name, start, week, tz in self._rows("AppointmentRequest", lambda ids: select(
                AppointmentRequest.id, AppointmentRequest.client_id, AppointmentType.name,
                AppointmentRequest.pinned_start, AppointmentRequest.week_start, Team.timezone)
                .join(AppointmentType, AppointmentRequest.type_id == AppointmentType.id)
                .join(Team, AppointmentRequest.team_id == Team.id).where(AppointmentRequest.id.in_(ids))):
            when = f"{to_local(start, tz):%a %d %b %Y %H:%M}" if start else f"week of {week:%a %d %b %Y}"
            later[("AppointmentRequest", rid)] = ("Client", client, f"{type_name} for {{}}, {when}")
            self.when[rid] = when
        for kind, model in (("ClientNote", ClientNote), ("HandoverNote", HandoverNote), ("BookingSeries", BookingSeries)):
            for rid, client in self._rows(kind, lambda ids, m=model: select(m.id, m.client_id).where(m.id.in_(ids))):
                later[(kind, rid)] = ("Client", client, OWN_WORDS[kind])
        for rid, advisor in self._rows("Absence", lambda ids: select(Absence.id, Absence.advisor_id)
                                       .where(Absence.id.in_(ids))):
            later[("Absence", rid)] = ("Advisor", advisor, "Absence of {}")
        for kind, model in (("Plan", Plan), ("SolveJob", SolveJob)):
            for rid, team, week, *status in self._rows(kind, lambda ids, m=model: select(
                    m.id, m.team_id, m.week_start, *([m.status] if m is Plan else [])).where(m.id.in_(ids))):
                what = f"Plan ({status[0]})" if status else f"Planning run #{rid}"
                later[(kind, rid)] = ("Team", team, f"{what} for {{}}, week of {week:%a %d %b %Y}")
        for rid, day, team in self._rows("ClosureDay", lambda ids: select(ClosureDay.id, ClosureDay.day,
                                         ClosureDay.team_id).where(ClosureDay.id.in_(ids))):
            if team is None:
                self.words[("ClosureDay", rid)] = f"Office closure {day:%a %d %b %Y}, the whole service"
            else:
                later[("ClosureDay", rid)] = ("Team", team, f"Office closure {day:%a %d %b %Y}, team {{}}")
        for kind, ref, _ in later.values():
            self.wanted.setdefault(kind, set()).add(ref)
        for rid, reference, name in self._rows("Client", lambda ids: select(Client.id, Client.reference, Client.name)
                                               .where(Client.id.in_(ids))):
            self.words[("Client", rid)] = f"{reference} · {name}"
        for rid, username, display in self._rows("User", lambda ids: select(User.id, User.username, User.display_name)
                                                 .where(User.id.in_(ids))):
            self.words[("User", rid)] = user_words(username, display)
        for kind, model in (("Advisor", Advisor), ("Team", Team), ("Skill", Skill), ("AppointmentType", AppointmentType),
                            ("WeightProfile", WeightProfile)):
            for rid, name in self._rows(kind, lambda ids, m=model: select(m.id, m.name).where(m.id.in_(ids))):
                self.words[(kind, rid)] = name
        for key, (kind, ref, pattern) in later.items():
            if (kind, ref) in self.words:
                self.words[key] = pattern.format(self.words[(kind, ref)])


def _object(names: _Names, object_type: str, object_id: int | None) -> Named:
    ref = f"{object_name(object_type).lower()} #{object_id}" if object_id else ""
    if object_type == "ServicePolicy":
        return Named("Service policy", ref)
    words = names.words.get((object_type, object_id))
    if words is None:  # gone since (a removed closure, an erased note) or a kind with no name: its number
        return Named(object_name(object_type) + (f" #{object_id}" if object_id else ""), ref)
    if object_type in ("AppointmentRequest", "ClientNote", "HandoverNote", "BookingSeries", "Absence", "Plan",
                       "SolveJob", "ClosureDay"):
        return Named(words, ref)  # already says what it is
    return Named(f"{object_name(object_type)} {words}", ref)


def user_words(username: str, display_name: str | None) -> str:
    """A user as the admin pages name them: "Asha Patel (asha)", the username alone when it is their name too."""
    return f"{display_name} ({username})" if display_name and display_name != username else username


SYSTEM = "system"
NOT_SIGNED_IN = "not signed in"
REMOVED_USER = "a removed user"
COMMAND_LINE = "command line"  # a run of `flask week plan` (planning.cli_run), said as such rather than "system"
COMMAND_LINE_WORKER = "cli:"  # the prefix of such a run's worker token (cli_run.worker_token)
# What the app records with no user: the command line (flask create-user, rename-user, seed-demo, week plan,
# region plan and cancel, api-token) and planning runs. Any other event without a user was a person's whose account
# was deleted since (audit_events.user_id is ON DELETE SET NULL).
SYSTEM_ACTIONS = frozenset({
    "user_created", "user_renamed", "demo_seeded", "plan_drafted", "plan_job_started", "plan_job_cancelled",
    "region_plan_started", "region_plan_cancelled", "api_token_issued", "api_token_revoked",
})


def who_words(events: list) -> dict[int, Named]:
    """event id -> its "Who": the user's display name with the username (stored ref "user #7"); with no user,
    "not signed in" for a failed sign-in (the detail keeps the username typed), "system" for a planning run's own
    event or the draft plan it made, named ("system: planning run #12"; "command line: planning run #12" for a run
    of `flask week plan`), and for what the command line records
    (SYSTEM_ACTIONS), else "a removed user" (a person's action, their account deleted since; with their username
    where the event kept it, audit.asked_by, as a run's events and drafts do since they may be the system's too). `events` have their `user` loaded; one query for the runs."""
    plans = {e.object_id for e in events if e.user is None and _run_made(e)}
    runs = dict(db.session.execute(select(SolveJob.plan_id, SolveJob.id).where(SolveJob.plan_id.in_(sorted(plans))))
                .all()) if plans else {}
    # Runs of `flask week plan` (their worker token starts "cli:", planning.cli_run) are the command line's.
    run_ids = set(runs.values()) | {e.object_id for e in events if e.user is None and e.object_type == "SolveJob"}
    by_command_line = set(db.session.scalars(select(SolveJob.id).where(
        SolveJob.id.in_(sorted(run_ids)), SolveJob.worker.startswith(COMMAND_LINE_WORKER)))) if run_ids else set()
    out = {}
    for e in events:
        if e.user is not None:
            out[e.id] = Named(user_words(e.user.username, e.user.display_name), f"user #{e.user.id}")
        elif e.action == "login_failed":
            out[e.id] = Named(NOT_SIGNED_IN)
        else:
            run = e.object_id if e.object_type == "SolveJob" else runs.get(e.object_id) if _run_made(e) else None
            asked = (e.detail or {}).get("asked_by") if isinstance(e.detail, dict) else None
            if asked:  # a person asked for it (audit.asked_by), their account deleted since
                out[e.id] = Named(f"{REMOVED_USER} ({asked})" + (f", planning run #{run}" if run else ""))
            elif run:
                out[e.id] = Named(f"{COMMAND_LINE if run in by_command_line else SYSTEM}: planning run #{run}")
            else:
                out[e.id] = Named(SYSTEM if e.action in SYSTEM_ACTIONS else REMOVED_USER)
    return out


def _run_made(event) -> bool:
    """Whether the event is a draft plan made (by its planning run, when no user is recorded)."""
    return event.action == "plan_drafted" and event.object_type == "Plan" and bool(event.object_id)


def page_words(events: list) -> tuple[dict[int, Named], dict[tuple[int, str], Named], dict[int, Named]]:
    """For one page of audit events: event id -> its object ("What"), (event id, detail key) -> the thing a
    detail id names (client, advisor, to_advisor, to, request, team), each with its stored reference, and event
    id -> who did it (who_words). One query per kind of thing on the page."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for e in events:
        if e.object_type and e.object_id:
            wanted[e.object_type].add(e.object_id)
        for key, kind in DETAIL_REFS.items():
            if e.detail and _ids(e.detail.get(key)):
                wanted[kind].add(e.detail[key])
    names = _Names(wanted)
    names.load()
    labels = {e.id: _object(names, e.object_type, e.object_id) if e.object_type else Named("") for e in events}
    refs = {}
    for e in events:
        for key, kind in DETAIL_REFS.items():
            value = _ids((e.detail or {}).get(key))
            if value:
                ref = f"{key.replace('_', ' ')} #{value}"
                refs[(e.id, key)] = Named(names.words.get((kind, value), f"#{value} (since removed)"), ref)
        if e.action == "appointment_rebooked" and (e.id, "to") in refs and e.object_id in names.when:
            new = refs[(e.id, "to")]  # the old time, then the new booking: "Tue 01 Dec 10:00 → Follow-up for …"
            refs[(e.id, "to")] = Named(f"{names.when[e.object_id]} → {new.text}", new.ref)
    types = {e.detail["type"] for e in events if e.detail and isinstance(e.detail.get("type"), str)}
    if types:  # appointment type codes ("first-meeting") as their names, one query
        named = dict(db.session.execute(select(AppointmentType.code, AppointmentType.name)
                                        .where(AppointmentType.code.in_(types))).all())
        for e in events:
            code = (e.detail or {}).get("type")
            if isinstance(code, str) and code in named:
                refs[(e.id, "type")] = Named(named[code], f"type code {code}")
    return labels, refs, who_words(events)
