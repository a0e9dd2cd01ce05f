"""Bad input to every page and form never gives a 500: each route answers with a message (or a redirect).

The field names come from every form class in the app, so a new form's fields are fed garbage too.
"""
from __future__ import annotations

import pytest
from flask import current_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from flask_wtf import FlaskForm

from caseload.models import Role
from caseload.services.planning import runs as planning
from tests.web import access_matrix as m

# Empty, wrong type, negative, beyond any integer column, impossible date and time, NUL, very long,
# the last date Python can hold, line breaks and an escape character.
GARBAGE = ["", "x", "-1", "99999999999999999999", "2026-02-30", "25:61", "\x00", "ä" * 3000, "9999-12-31",
           "a\r\nb\x1b"]
QUERY_NAMES = ["team", "page", "since", "until", "q", "week", "user", "action", "name", "id"]


def _form_field_names() -> set[str]:
    import caseload.admin.forms  # noqa: F401  (load every form module)
    import caseload.auth.forms  # noqa: F401
    import caseload.me.forms  # noqa: F401
    import caseload.rota.forms  # noqa: F401

    names, todo = set(), list(FlaskForm.__subclasses__())
    while todo:
        form = todo.pop()
        todo.extend(form.__subclasses__())
        names.update(name for name, _field in getattr(form, "_unbound_fields", None) or _fields_of(form))
    return names


def _fields_of(form) -> list[tuple[str, object]]:
    from wtforms.fields.core import UnboundField

    return [(name, value) for name, value in vars(form).items() if isinstance(value, UnboundField)]


def _role_for(endpoint: str) -> Role:
    allowed = m.allowed_roles(endpoint) or m.ALL
    return Role.LEADER if Role.LEADER in allowed else sorted(allowed, key=lambda r: r.value)[0]


def _fail_fast(*_args, **_kwargs):
    raise RuntimeError("no solving in the bad-input sweep")


@pytest.fixture
def signed_in(demo_app, monkeypatch):
    monkeypatch.setattr(planning, "solver", lambda: _fail_fast)
    import scheduler

    monkeypatch.setattr(scheduler, "solve", _fail_fast)  # the weights what-if solves directly
    clients = {}
    for role, username in m.USERNAMES.items():
        client = demo_app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = m.user(username).get_id()
        clients[role] = client
    return clients


def test_garbage_in_every_form_field_of_every_form_route(signed_in):
    names = _form_field_names()
    assert len(names) > 30  # the app has many forms; an empty set would prove nothing
    samples = m.samples_for_demo()
    broken, sent = [], 0
    for rule in current_app.url_map.iter_rules():
        if m.is_api(rule) or "POST" not in rule.methods or rule.endpoint in ("auth.logout",):
            continue
        client = signed_in[_role_for(rule.endpoint)]
        url = samples.url(rule)
        for value in GARBAGE:
            response = client.post(url, data={name: value for name in names})
            sent += 1
            if response.status_code >= 500:
                broken.append(f"POST {url} with {value[:20]!r} -> {response.status_code}")
    assert sent > 80
    assert not broken, "\n".join(broken)


def test_garbage_in_the_query_string_of_every_page(signed_in):
    samples = m.samples_for_demo()
    broken = []
    for rule in current_app.url_map.iter_rules():
        if m.is_api(rule) or "GET" not in rule.methods or rule.endpoint in m.PUBLIC - {"auth.login"}:
            continue
        client = signed_in[_role_for(rule.endpoint)]
        url = samples.url(rule)
        for value in GARBAGE[:6]:
            response = client.get(url, query_string={name: value for name in QUERY_NAMES})
            if response.status_code >= 500:
                broken.append(f"GET {url}?…={value[:20]!r} -> {response.status_code}")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("segment", ["abc", "-1", "99999999999", "2026-02-30", "%00", "..%2F..%2Fetc%2Fpasswd",
                                     "0001-01-01", "9999-12-27"])
def test_garbage_in_url_segments_is_not_found(demo_client, demo_auth, segment):
    demo_auth.login("leader")
    north = m.team("north").id
    for url in (f"/rota/t/{north}/{segment}/", f"/rota/plans/{segment}", f"/rota/t/{north}/clients/{segment}",
                f"/admin/reports/{segment}.json"):
        assert demo_client.get(url).status_code == 404, url


def test_ids_beyond_the_database_integer_range_are_not_found(demo_client, demo_auth):
    demo_auth.login("leader")
    for url in ("/rota/plans/2147483648", "/rota/jobs/99999999999999999999", "/admin/clients/2147483648"):
        assert demo_client.get(url).status_code == 404, url
    assert demo_client.get("/rota/plans/2147483647").status_code == 404  # the largest id is looked up: none


_CSV_CELL = st.one_of(st.text(max_size=12), st.sampled_from(["N0001", "advisor1", "debt", "follow-up", "tue 09:00-12:00",
                                                            "2026-02-30", "-1", "999999999999", "\x00", '"', ";"]))
_CSV = st.one_of(
    st.binary(max_size=300),
    st.lists(st.lists(_CSV_CELL, min_size=1, max_size=8), max_size=6).map(
        lambda rows: "\n".join(",".join(cells) for cells in rows).encode("utf-8", "surrogatepass")),
    st.lists(st.lists(_CSV_CELL, min_size=2, max_size=8), max_size=5).map(
        lambda rows: ("reference,name,named_advisor,need,complexity\n" + "\n".join(",".join(r) for r in rows))
        .encode("utf-8", "surrogatepass")),
)


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(content=_CSV, which=st.sampled_from(["clients", "requests"]), replace=st.booleans())
def test_random_csv_files_never_break_the_import(demo_client, demo_auth, content, which, replace):
    import io

    demo_auth.login("leader")
    north = m.team("north")
    week = m.samples_for_demo().values["week"]
    url = f"/rota/t/{north.id}/import/clients" if which == "clients" else f"/rota/t/{north.id}/{week}/import/requests"
    data = {"file": (io.BytesIO(content), "upload.csv")}
    if replace:
        data["replace"] = "y"
    response = demo_client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code in (200, 302, 400), response.status_code


def test_a_csv_file_with_a_nul_character_is_refused_clearly(demo_client, demo_auth):
    import io

    demo_auth.login("leader")
    body = "reference,name,named_advisor,need,complexity\nZ1,Zoe,,debt,1\n".encode("utf-16-le")  # no BOM
    response = demo_client.post(f"/rota/t/{m.team('north').id}/import/clients",
                                data={"file": (io.BytesIO(body), "a.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400 and b"NUL characters" in response.data
