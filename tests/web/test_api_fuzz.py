"""Random bodies to every API endpoint that writes: always a documented answer, never a 500."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caseload.localtime import this_week_start
from caseload.services.planning import runs as planning
from tests.web import access_matrix as m
from tests.web.api_support import ApiClient

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**63, max_value=2**63) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
LOCALISH = st.one_of(st.text(max_size=20), st.from_regex(r"\A20\d\d-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d\Z"))
WINDOW = st.fixed_dictionaries({"start": LOCALISH, "end": LOCALISH}) | JSON


def _near(strategy, **fields):
    """Bodies with the right field names and mostly-plausible, often wrong, values (they get past the first check)."""
    return st.fixed_dictionaries({}, optional={name: value | JSON for name, value in fields.items()}) | strategy


REQUEST_BODY = _near(JSON, client_id=st.integers(-5, 400), type=st.sampled_from(["follow-up", "first-meeting", "x"]),
                     duration_minutes=st.integers(-60, 600), purpose=st.text(max_size=250),
                     windows=st.lists(WINDOW, max_size=3), pinned_advisor_id=st.integers(-1, 40),
                     pinned_start=LOCALISH, version=st.integers(0, 3))
CLIENT_BODY = _near(JSON, version=st.integers(0, 3), complexity=st.integers(-1, 5), need=st.sampled_from(["debt", "zz"]),
                    named_advisor_id=st.integers(-1, 40))
PUBLISH_BODY = _near(JSON, version=st.integers(0, 3), published_version=st.integers(-1, 3))
JOB_BODY = _near(JSON, time_limit=st.integers(-5, 5000))
RAW = st.binary(max_size=60)

FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture
def api(demo_client, monkeypatch):
    # A fuzzed plan job must not start a real solve; the stand-in fails fast, like a broken solver.
    monkeypatch.setattr(planning, "solver", lambda: _refuse)
    return ApiClient(demo_client, "leader")


def _refuse(*_args, **_kwargs):
    raise RuntimeError("no solving while fuzzing")


def _targets():
    north = m.team("north")
    week = this_week_start(north.timezone).isoformat()
    samples = m.samples_for_demo()
    return north, week, samples


def _send(api, method, template, body, **params):
    if isinstance(body, bytes):
        response = api.call(method, template, data=body, **params)
    else:
        response = api.call(method, template, json=body, **params) if body is not None else \
            api.call(method, template, data=b"null", **params)
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    return response


@FUZZ
@given(body=REQUEST_BODY | RAW)
def test_create_request(api, body):
    north, week, _ = _targets()
    _send(api, "post", "/teams/{team_id}/weeks/{week}/requests", body, team_id=north.id, week=week)


REQUEST_FIELDS = ["client_id", "type", "duration_minutes", "purpose", "windows", "pinned_advisor_id", "pinned_start"]


@FUZZ
@given(field=st.sampled_from(REQUEST_FIELDS), value=JSON | LOCALISH | st.lists(WINDOW, max_size=3), drop=st.booleans(),
       day=st.integers(-1, 8), start=st.sampled_from(["00:00", "08:45", "09:00", "16:59", "23:45"]),
       minutes=st.sampled_from([15, 30, 45, 60, 600]))
def test_create_request_one_field_wrong(api, field, value, drop, day, start, minutes):
    """A valid request with one field changed or dropped gets past the schema to the service's own checks."""
    from datetime import date, datetime, timedelta

    north, week, samples = _targets()
    begin = datetime.combine(date.fromisoformat(week) + timedelta(days=day), datetime.strptime(start, "%H:%M").time())
    window = {"start": f"{begin:%Y-%m-%dT%H:%M}", "end": f"{begin + timedelta(minutes=minutes):%Y-%m-%dT%H:%M}"}
    body = {"client_id": samples.values["client_id"], "type": "follow-up", "duration_minutes": 30, "purpose": "fuzz",
            "windows": [window], "pinned_advisor_id": samples.values["advisor_id"], "pinned_start": window["start"]}
    if drop:
        body.pop(field)
    else:
        body[field] = value
    response = _send(api, "post", "/teams/{team_id}/weeks/{week}/requests", body, team_id=north.id, week=week)
    assert response.status_code in (201, 400, 422)


# Writes to one existing demo object: (body strategy, method, path, the demo sample its id comes from).
SAMPLE_WRITES = [
    pytest.param(REQUEST_BODY, "patch", "/requests/{request_id}", "request_id", id="update_request"),
    pytest.param(CLIENT_BODY, "patch", "/clients/{client_id}", "client_id", id="update_client"),
    pytest.param(PUBLISH_BODY, "post", "/plans/{plan_id}/publish", "plan_id", id="publish"),
]


@pytest.mark.parametrize("strategy, method, template, key", SAMPLE_WRITES)
@FUZZ
@given(data=st.data())
def test_write_to_a_demo_object(api, strategy, method, template, key, data):
    body = data.draw(strategy | RAW, label="body")
    _north, _week, samples = _targets()
    _send(api, method, template, body, **{key: samples.values[key]})


@FUZZ
@given(body=JOB_BODY | RAW)
def test_create_plan_job(api, body):
    north, week, _ = _targets()
    _send(api, "post", "/teams/{team_id}/weeks/{week}/plans", body, team_id=north.id, week=week)
