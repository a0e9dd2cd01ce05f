"""Schemathesis (the maintained OpenAPI fuzzer) against /api/v1/openapi.json on the demo office.

Every documented operation gets schema-valid and schema-invalid requests (the examples, coverage and
fuzzing phases) and every check schemathesis has: documented status codes, content types, headers and
bodies, `Allow` on a 405 to an undeclared method, auth enforced, invalid data refused, valid data
accepted, never a 500. The document's examples (demo ids, the current week) take the examples and
coverage phases past "not found" to 201s, 200s and 409s. Then the stateful phase chains operations through
the links schemathesis infers from the document (a created request is read and changed, a queued job
polled and cancelled, ...), each scenario on a fresh copy of the seeded office.

Requests carry a demo leader's bearer token (schemathesis's own auth config, so its auth checks can also
send none or a wrong one). Planning jobs are queued but never run (the queue has no worker), so no solver
runs while fuzzing. Bounded: 25 examples an operation, 15 stateful scenarios of up to 6 calls.

"Valid data accepted": a schema-valid request may still be refused with 422 when what it names does not
exist (a client, type or advisor id, a skill code, a window outside the week, 31 February): the document
cannot list the database. `refusal_is_about_data` allows exactly that and nothing else — a 422 from the
body's own schema check, or naming a field the document fully describes, is a disagreement and fails.
"""
from __future__ import annotations

import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy.engine import make_url

from caseload import create_app
from caseload.extensions import db
from caseload.jobs import init_queue
from config import TestConfig
from tests.web import access_matrix as m

pytestmark = pytest.mark.schemathesis

TOKEN = "test-token-leader"  # what access_matrix.issue_token("leader") issues
# Fields whose value the document cannot decide: references to stored records, and calendar facts.
DATA_FIELDS = {"client_id", "type", "pinned_advisor_id", "pinned_start", "named_advisor_id", "need", "windows",
               # the booking desk: a week's Monday, a free start, an advisor of the team, a key used before,
               # attendance only from the start, a booking not yet cancelled (nor started), a cancel's `late` as the
               # service's late-cancellation window makes it for that appointment's start
               "week", "start", "advisor_id", "Idempotency-Key", "outcome", "request_id", "late",
               "to"}  # GET /closures: a range's end before its start (each day alone is valid)
FORM_REFUSAL = "Some fields are not right"  # api/schemas.body(): the request body failed the document's schema

CONFIG = schemathesis.Config.from_dict({
    "auth": {"openapi": {"bearer": {"bearer": TOKEN}}},
    "generation": {"max-examples": 25, "deterministic": True, "database": "none"},
    # Links come from the document alone (dependency analysis), fixed for the run: links learned from
    # Location headers or calibrated on answers change the state machine's rules between scenarios, which
    # Hypothesis rejects as a nondeterministic strategy (FlakyStrategyDefinition).
    "phases": {"stateful": {"link-calibration": False, "inference": {"algorithms": ["dependency-analysis"]}}},
    # 422 is checked (more narrowly) by refusal_is_about_data below.
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "422"]}},
})
LIMITS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))

# The document as the server serves it, read once at collection (one pytest item per operation); the
# requests go to each test's own demo app. (schemathesis.pytest.from_fixture would read it per test, but
# its lazy loader does not run under pytest 9.2.)
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}, "DATABASE_URL": "sqlite://"}),
    config=CONFIG)


@schemathesis.check
def refusal_is_about_data(ctx, response, case):
    """A 422 to a schema-valid request names only fields whose validity depends on stored data."""
    if response.status_code != 422 or case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    answer = response.json()
    fields = set(answer.get("fields", {}))
    roots = {name.split(".")[0] for name in fields}
    assert not answer["message"].startswith(FORM_REFUSAL), f"schema-valid body refused by the schema: {answer}"
    assert fields and roots <= DATA_FIELDS, f"schema-valid request refused for {sorted(fields)}: {answer}"
    return None


def _prepare() -> None:
    m.samples_for_demo()
    assert m.issue_token("leader") == {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def demo_api(demo_app):
    """The demo app with a leader's token, a draft plan and a job to read, and a queue nothing consumes."""
    demo_app.config["QUEUE_IMMEDIATE"] = False
    init_queue(demo_app)
    _prepare()
    yield demo_app
    demo_app.config["QUEUE_IMMEDIATE"] = True
    init_queue(demo_app)


@schema.parametrize()
@LIMITS
def test_every_operation_answers_as_documented(case, demo_api):
    case.call_and_validate(app=demo_api)


@pytest.fixture
def restore_demo(demo_api, demo_template):
    """Put the demo database back as seeded (a fresh copy of the template) and prepare it again."""
    def restore():
        db.session.remove()
        db.engine.dispose()
        url, template = make_url(demo_api.config["DATABASE_URL"]), make_url(demo_template)
        if url.get_backend_name() == "sqlite":
            shutil.copy(template.database, url.database)
        else:
            from tests.postgres import create_database

            create_database(url.database, template=template.database)
        _prepare()
    return restore


def test_stateful_sequences_answer_as_documented(demo_api, restore_demo):
    class Sequences(schema.as_state_machine()):
        # Each scenario starts from the seeded office: what an earlier one created would change which
        # calls succeed, and so which links can follow, and Hypothesis needs scenarios to replay alike.
        def setup(self):
            restore_demo()

        def get_call_kwargs(self, case):
            return {"app": demo_api}

    Sequences.run(settings=settings(LIMITS, max_examples=15, stateful_step_count=6))
