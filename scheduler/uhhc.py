"""Home-care instances from the UHHC repository, converted into caseload-problem/1 days.

Source: Ceschia, Da Ros, Di Gaspero, Mancini, Maniezzo, Montemanni, Rosati & Schaerf, "A Unified
Formulation for Home Healthcare Routing and Scheduling Problems", International Transactions in
Operational Research (2026), doi:10.1111/itor.70140; instances from https://github.com/iolab-uniud/uhhc
(`instances/generated/mixed`, CC BY 4.0). A handful are vendored, gzipped and unchanged, in
`benchdata/uhhc/` (its README gives the files, the citation and the licence).

The mapping (UHHC → the contract), applied by `convert(instance)`:

- **One day.** A UHHC instance is one working day of `metadata.horizon` minutes (600 or 720). The
  problem's horizon is that day (`days: 1`, 2026-11-23 by default), minute 0 being 08:00.
- **Caregivers → advisors**: `abilities` → `skills`, role `support`, `working_shift` → one
  availability interval. A caregiver with `lunch_break` gets a protected-time target of the lunch's
  `min_duration` (protected_block_minutes is that duration): like UHHC's soft "missed lunch break"
  cost, it is kept where the plan leaves room, but anywhere in the shift (UHHC's lunch window is not
  enforced).
- **Patients → clients.** A patient's first required service is an appointment of the client
  `<patient>`; each further service (UHHC's double-handed care: a second caregiver comes) is the
  appointment of a companion client `<patient>+2`, so the two visits may overlap as the carers do.
  The **named advisor** is the first of `preferred_caregivers` who has the service's ability; the
  companion's is the next preferred caregiver with its ability. A client none of whose preferred
  caregivers has the ability has no named advisor: it is a new client (`named_advisor: null`) whom
  the planner may allocate, like a patient without preferences. (UHHC draws a patient's preferred
  caregivers from those able to do *any* of its services, so one may lack the ability for a given
  service; naming such a carer would make a usual advisor who can never see the client.)
  `need` is the service. **Complexity** (patient and companion alike) = 1, + 1 if the patient needs
  two services, + 1 if they are synchronised (simultaneous or sequential): double-handed care
  weighs more. Caseloads: `caseload` = clients naming the caregiver; `max_caseload` = caseload + an
  even share of the new clients (rounded up), so every new client can be allocated somewhere.
- **Required services → appointments**, one per service (`<patient>/<service>`), kind `support`,
  `skill` = the service id, `duration_minutes` = its duration. Each UHHC time window constrains the
  *start* (`time_window_met: at_service_start`), so the contract's window (where the whole
  appointment lies) is [start, end + duration]; other `time_window_met` values are taken as the
  whole appointment's window. Windows are rounded inwards to the grid. Two windows stay two windows.
- **Travel is ignored** by default: advisors see clients where they are, so routing is not part of
  the contract. `travel="buffer"` instead lengthens each visit by the median travel time from its
  patient to the other patients, rounded up to the grid (a crude allowance for getting there).
- **Dropped, because the contract has no such rule** (counted in `generator.dropped`):
  `incompatible_caregivers`; synchronisation (a simultaneous pair need not start together, a
  sequential pair keeps no distance); `optional` (every appointment weighs `assigned`); depots, routes.
- Weights are the contract's defaults, not UHHC's cost components.

`python -m scheduler convert-uhhc INSTANCE.json[.gz] --out week.json` runs it from the command line.
"""
from __future__ import annotations

import gzip
import json
import math
import statistics
from collections import Counter
from datetime import date
from pathlib import Path

from scheduler.model import PROBLEM_FORMAT

DAY_START = 8 * 60
SOURCE = "UHHC (Ceschia et al. 2026, doi:10.1111/itor.70140), github.com/iolab-uniud/uhhc, CC BY 4.0"
DATA_DIR = Path(__file__).resolve().parent.parent / "benchdata" / "uhhc"


def read_instance(path) -> dict:
    """A UHHC instance from a .json or .json.gz file. ValueError names the file when it is not one."""
    path = Path(path)
    try:
        raw = gzip.open(path, "rt", encoding="utf-8").read() if path.suffix == ".gz" else path.read_text("utf-8")
        doc = json.loads(raw)
    except (OSError, ValueError) as err:
        raise ValueError(f"{path}: not a readable UHHC instance ({err})") from None
    if not isinstance(doc, dict) or not {"caregivers", "patients", "metadata"} <= set(doc):
        raise ValueError(f"{path}: not a UHHC instance (needs metadata, caregivers and patients)")
    return doc


def vendored() -> list[Path]:
    """The vendored instance files, smallest first."""
    return sorted(DATA_DIR.glob("*.json.gz"), key=lambda p: p.stat().st_size)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _slot(instance: dict) -> int:
    """The coarsest grid of 5, 10, 15 or 30 minutes that every shift, window and duration lies on."""
    values = [round(c["working_shift"][k]) for c in instance["caregivers"] for k in ("start", "end")]
    for p in instance["patients"]:
        values += [round(w[k]) for w in p["time_windows"] for k in ("start", "end")]
        values += [round(s["duration"]) for s in p["required_services"]]
    for slot in (30, 15, 10, 5):
        if all(v % slot == 0 for v in values):
            return slot
    return 5  # windows are then rounded inwards to 5 minutes


def _travel_buffer(instance: dict, patient: dict, slot: int) -> int:
    distances = instance.get("distances") or []
    row = patient.get("distance_matrix_index")
    others = [p["distance_matrix_index"] for p in instance["patients"] if p is not patient]
    if row is None or row >= len(distances) or not others:
        return 0
    return math.ceil(statistics.median(distances[row][j] for j in others) / slot) * slot


def convert(instance: dict, day: date = date(2026, 11, 23), travel: str = "none") -> dict:
    """The caseload-problem/1 document of a UHHC instance (the mapping is the module docstring).
    `travel`: "none" (ignored) or "buffer". ValueError names a bad field."""
    if travel not in ("none", "buffer"):
        raise ValueError(f"travel: {travel!r} must be 'none' or 'buffer'")
    meta = instance.get("metadata", {})
    slot = _slot(instance)
    at_start = meta.get("time_window_met", "at_service_start") == "at_service_start"
    lunch = instance.get("lunch_breaks") or {}
    block = max(slot, math.ceil(lunch.get("min_duration", 30) / slot) * slot)
    dropped: Counter = Counter()

    def stamp(minute: int) -> str:
        return f"{day.isoformat()}T{_clock(DAY_START + minute)}"

    abilities = {c["id"]: set(c["abilities"]) for c in instance["caregivers"]}
    for p in instance["patients"]:
        for who in p.get("preferred_caregivers") or []:
            if who not in abilities:
                raise ValueError(f"patients[{p['id']}].preferred_caregivers: unknown caregiver {who!r}")
    clients, appointments = [], []
    for p in instance["patients"]:
        services = p["required_services"]
        sync = (p.get("synchronization") or {}).get("type")
        complexity = 1 + (len(services) > 1) + (len(services) > 1 and sync in ("simultaneous", "sequential"))
        preferred = list(p.get("preferred_caregivers") or [])
        dropped["incompatible_caregivers"] += len(p.get("incompatible_caregivers") or [])
        dropped["synchronised_patients"] += sync in ("simultaneous", "sequential")
        dropped["optional_patients"] += bool(p.get("optional"))
        buffer = _travel_buffer(instance, p, slot) if travel == "buffer" else 0
        for k, service in enumerate(services):
            able = [c for c in preferred if service["service"] in abilities[c]]
            named = able[0] if able else None  # never a carer who cannot do the service
            if named is not None:
                preferred.remove(named)  # the companion's carer is the next one
            client = p["id"] if k == 0 else f"{p['id']}+{k + 1}"
            clients.append({"id": client, "named_advisor": named, "need": service["service"],
                            "complexity": complexity, "history": []})
            minutes = -(-round(service["duration"]) // slot) * slot + buffer
            windows = []
            for w in p["time_windows"]:
                lo = -(-round(w["start"]) // slot) * slot
                hi = (round(w["end"]) + (minutes if at_start else 0)) // slot * slot
                if hi - lo >= minutes:
                    windows.append({"start": stamp(lo), "end": stamp(hi)})
                else:
                    dropped["windows_too_short"] += 1
            if windows:
                appointments.append({"id": f"{p['id']}/{service['service']}" + (f"#{k}" if any(
                    s["service"] == service["service"] for s in services[:k]) else ""),
                    "client": client, "kind": "support", "skill": service["service"],
                    "duration_minutes": minutes, "windows": windows})
    held = Counter(c["named_advisor"] for c in clients if c["named_advisor"])
    room = math.ceil(sum(c["named_advisor"] is None for c in clients) / max(1, len(instance["caregivers"])))
    advisors = []
    for c in instance["caregivers"]:
        s, e = round(c["working_shift"]["start"]), round(c["working_shift"]["end"])
        s, e = -(-s // slot) * slot, e // slot * slot
        advisors.append({
            "id": c["id"], "name": f"Carer {c['id']}", "skills": list(c["abilities"]), "roles": ["support"],
            "availability": [{"start": stamp(s), "end": stamp(e)}] if e > s else [],
            "protected_minutes": block if c.get("lunch_break") and e - s >= block else 0,
            "caseload": held[c["id"]], "max_caseload": held[c["id"]] + room,
        })
    return {
        "format": PROBLEM_FORMAT,
        "horizon": {"start": day.isoformat(), "days": 1, "slot_minutes": slot, "timezone": "Europe/Rome",
                    "protected_block_minutes": block},
        "weights": {"assigned": 10000, "continuity": 100, "protected": 1, "separation": 500, "disruption": 200},
        "advisors": advisors, "clients": clients, "appointments": appointments,
        "generator": {"profile": "uhhc", "instance": meta.get("name"), "source": SOURCE, "travel": travel,
                      "dropped": dict(dropped)},
    }
