"""The scheduler's rule messages in a team leader's words.

The checker names things by scheduler id ("a4", "r93", "c17"), by document path
("appointments[92].pinned.advisor: ...") and by ISO wall-clock time ("2026-11-28T03:00");
a person reading a refused move wants names and "Sat 28 Nov 03:00".
"""
from __future__ import annotations

import re
from datetime import datetime

from caseload.extensions import db
from caseload.models import Advisor, AppointmentRequest, Client

from scheduler.model import TIME_FORMAT

# Leading labels, possibly several: the Desk's "plan: " (its re-check of the published plan), a document path,
# the checker's "rule 5: ".
_PATH = re.compile(r"^(?:(?:plan|[a-z_]+\[\d+\](?:\.[a-z_]+)*|rule \d+): )+")
_STAMP = r"(\d{4}-\d\d-\d\dT\d\d:\d\d)"
_RANGE = re.compile(_STAMP + "[–-]" + _STAMP)
_MOMENT = re.compile(_STAMP)
_SID = re.compile(r"\b([acr])(\d+)\b")


def _when(text: str) -> str:
    return datetime.strptime(text, TIME_FORMAT).strftime("%a %d %b %H:%M")


def _range(match: re.Match) -> str:
    start, end = match.group(1), match.group(2)
    if start[:10] == end[:10]:
        return f"{_when(start)}–{end[11:]}"
    return f"{_when(start)}–{_when(end)}"


def _name(match: re.Match) -> str:
    kind, number = match.group(1), int(match.group(2))
    if kind == "a":
        advisor = db.session.get(Advisor, number)
        return advisor.name if advisor else match.group(0)
    if kind == "c":
        client = db.session.get(Client, number)
        return f"client {client.reference}" if client else match.group(0)
    request = db.session.get(AppointmentRequest, number)
    if request is None:
        return match.group(0)
    return f"the {request.type.name.lower()} for {request.client.reference}"


def humanise(message: str) -> str:
    """One checker or problem message with paths dropped, ids named and times readable."""
    text = _PATH.sub("", str(message))
    text = _RANGE.sub(_range, text)
    text = _MOMENT.sub(lambda m: _when(m.group(1)), text)
    text = text.replace("the appointment's windows", "the times the client asked for")
    # check.py rule 5 (a pin the plan does not keep): the stored plan and the request's pin disagree.
    text = text.replace(" but is not placed there", ", but the plan has it elsewhere: the pin was changed after the "
                                                    "plan was made")
    return _SID.sub(_name, text)
