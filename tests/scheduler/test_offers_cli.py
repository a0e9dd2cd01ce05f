"""`python -m scheduler offer` and `check-offers`: exit 0, 1 naming a bad offer, 2 naming a bad field."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scheduler.baselines import named_first
from scheduler.generate import generate


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scheduler", *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def _request_document(**request_changes) -> dict:
    week = generate("advice", 6, seed=3)
    request = {"id": "new1", "client": week["clients"][0]["id"], "kind": "support",
               "skill": week["clients"][0]["need"], "duration_minutes": 60,
               "windows": [{"start": "2026-11-24T09:00", "end": "2026-11-26T17:00"}]}
    request.update(request_changes)
    return {"format": "caseload-offer-request/1", "problem": week, "plan": named_first(week), "request": request,
            "count": 5, "max_moves": 0}


@pytest.fixture
def request_file(tmp_path):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(_request_document()))
    return path


def test_offer_then_check_offers_passes(tmp_path, request_file):
    out = tmp_path / "offers.json"
    done = run("offer", request_file, "--out", out)
    assert done.returncode == 0, done.stderr
    answer = json.loads(out.read_text())
    assert answer["format"] == "caseload-offers/1" and answer["request"] == "new1" and answer["offers"]
    checked = run("check-offers", request_file, out)
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout) == {"valid": True, "offers": len(answer["offers"])}


def test_check_offers_exits_1_naming_the_offer_that_fails(tmp_path, request_file):
    answer = json.loads(run("offer", request_file).stdout)
    last = len(answer["offers"]) - 1
    answer["offers"][last]["score_delta"] += 5
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(answer))
    done = run("check-offers", request_file, bad)
    assert done.returncode == 1
    assert json.loads(done.stdout)["valid"] is False
    assert f"offers[{last}] ({answer['offers'][last]['advisor']} at {answer['offers'][last]['start']})" in done.stderr
    # an offer that books the advisor twice over is named with the broken rule
    answer = json.loads(run("offer", request_file).stdout)
    taken = json.loads(request_file.read_text())["plan"]["assignments"][0]
    answer["offers"][0].update(advisor=taken["advisor"], start=taken["start"], instances=[{"start": taken["start"]}])
    bad.write_text(json.dumps(answer))
    done = run("check-offers", request_file, bad)
    assert done.returncode == 1 and "offers[0]" in done.stderr and "rule" in done.stderr


@pytest.mark.parametrize("change, words", [
    ({"client": "nobody"}, "request.client: unknown client 'nobody'"),
    ({"duration_minutes": 50}, "request.duration_minutes: 50 is not a multiple of slot_minutes (30)"),
    ({"windows": [{"start": "2026-11-30T09:00", "end": "2026-11-30T12:00"}]}, "request.windows[0]:"),
    ({"windows": [{"start": "2026-11-24T09:00", "end": "2026-11-24T17:00"}], "repeat": {"every_days": 2, "count": 3}},
     "request.repeat.count: instance 3 of 3"),
    ({"repeat": {"every_days": 0, "count": 2}}, "request.repeat.every_days: 0 must be at least 1"),
    ({"pinned": {"advisor": "a1", "start": "2026-11-24T09:00"}}, "request.pinned:"),
])
def test_bad_requests_exit_2_naming_the_field(tmp_path, change, words):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(_request_document(**change)))
    done = run("offer", path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    line, = done.stderr.strip().splitlines()
    assert line.startswith("error:") and words in line and "Traceback" not in done.stderr


@pytest.mark.parametrize("change, words", [
    (lambda d: d.update(count=0), "count: 0 must be at least 1"),
    (lambda d: d.update(max_moves=-1), "max_moves: -1 must be at least 0"),
    (lambda d: d.update(format="caseload-problem/1"), "format:"),
    (lambda d: d["problem"]["appointments"][0].update(duration_minutes=50), "problem.appointments[0].duration_minutes"),
    (lambda d: d["plan"]["assignments"][0].update(advisor="nobody"), "plan: assignments[0].advisor"),
    (lambda d: d["request"].update(id=d["problem"]["appointments"][0]["id"]), "request.id:"),
])
def test_bad_documents_exit_2_naming_the_field(tmp_path, change, words):
    doc = _request_document()
    change(doc)
    path = tmp_path / "request.json"
    path.write_text(json.dumps(doc))
    done = run("offer", path)
    assert done.returncode == 2 and words in done.stderr, done.stderr
