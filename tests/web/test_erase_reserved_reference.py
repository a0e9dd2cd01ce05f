"""Erasing a client always succeeds, whatever references its team holds: the reference it is left with
(ERASED-<id>) cannot be typed on the client form or in the clients CSV, and one typed before that rule does not
block the erasure (references are unique per team by case-folded key, clients.reference_key)."""
from __future__ import annotations

import io

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Client
from tests.web import access_matrix as m


def _north_client() -> Client:
    return db.session.scalar(select(Client).where(Client.team_id == m.team("north").id, Client.erased_at.is_(None))
                             .order_by(Client.id))


def _without_upcoming(client: Client) -> Client:
    # A client with no appointment still to come (erasure waits for those: test_security_client_data).
    from caseload.services.desk import attendance
    for candidate in db.session.scalars(select(Client).where(Client.team_id == client.team_id,
                                                             Client.erased_at.is_(None)).order_by(Client.id)):
        if not attendance.client_view(candidate).upcoming:
            return candidate
    raise AssertionError("no north client without upcoming appointments")


def test_erasure_succeeds_when_the_team_holds_a_reference_like_the_placeholder(demo_client, demo_auth):
    client = _without_upcoming(_north_client())
    client_id, reference = client.id, client.reference
    # Typed before the prefix was reserved (or stored by hand): the key of the placeholder, and of its first spare.
    for typed in (f"Erased-{client_id}", f"erased-{client_id}-2"):
        db.session.add(Client(team=client.team, reference=typed, name="Earlier typed", complexity=1))
    db.session.commit()
    demo_auth.login("admin")
    response = demo_client.post(f"/admin/clients/{client_id}/erase",
                                data={"confirm": reference, "version": client.version_id})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.expire_all()
    erased = db.session.get(Client, client_id)
    assert erased.erased_at is not None and erased.reference == f"ERASED-{client_id}-3"


def test_the_client_form_refuses_the_reserved_prefix_and_keeps_the_typed_text(leader, north):
    team, _ = north
    response = leader.post(f"/rota/t/{team.id}/clients/new", data={
        "reference": "erased-999999", "name": "Kept Name", "named_advisor": 0, "need": 0, "complexity": 1})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Reference starts with ERASED-, which is kept for the references of erased clients" in page
    assert "erased-999999" in page and "Kept Name" in page
    assert db.session.scalar(select(Client).where(Client.reference == "erased-999999")) is None


def test_the_clients_csv_refuses_the_reserved_prefix_naming_the_row(leader, north):
    team, _ = north
    body = b"reference,name\r\nN9001,Fine Row\r\nErased-12,Bad Row\r\n"
    response = leader.post(f"/rota/t/{team.id}/import/clients", data={"file": (io.BytesIO(body), "c.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:500]
    assert ("<td>3</td><td>reference</td><td>starts with ERASED-, which is kept for the references of erased "
            "clients") in page
    assert db.session.scalar(select(Client).where(Client.reference == "N9001")) is None  # all or nothing


def test_a_client_holding_a_reserved_like_reference_from_before_the_rule_can_still_be_updated_by_file(leader, north):
    """The prefix is refused for new clients only: 'Erased-12', stored before the rule, was refused on its own
    update row (so no file could change it), while a new 'ERASED-77' beside it stays refused."""
    team, _ = north
    db.session.add(Client(team=team, reference="Erased-12", name="Before The Rule", complexity=1))
    db.session.commit()
    body = b"reference,name,complexity\r\nerased-12,Renamed By File,2\r\n"
    response = leader.post(f"/rota/t/{team.id}/import/clients",
                           data={"file": (io.BytesIO(body), "c.csv"), "replace": "y"},
                           content_type="multipart/form-data")
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    db.session.expire_all()
    kept = db.session.scalar(select(Client).where(Client.team_id == team.id, Client.reference == "Erased-12"))
    assert kept.name == "Renamed By File" and kept.complexity == 2
    refused = leader.post(f"/rota/t/{team.id}/import/clients",
                          data={"file": (io.BytesIO(b"reference,name\r\nERASED-77,New Client\r\n"), "c.csv"),
                                "replace": "y"}, content_type="multipart/form-data")
    assert refused.status_code == 400 and "starts with ERASED-" in refused.get_data(as_text=True)
