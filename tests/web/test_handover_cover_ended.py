"""A handover note to an advisor whose cover ended since the page was shown is a race: 409 with a plain reason
and the typed note kept (notes.cover_ended), not an invalid choice (400); nothing is written."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Absence, HandoverNote
from tests.web.test_policing_not_cover import _publish, _user


def test_a_note_to_a_cover_that_ended_since_the_page_was_shown_is_a_conflict(demo_client, demo_auth):
    plan, client, item = _publish("advisor1", "support")
    cover = _user("advisor1").advisor
    demo_auth.login(client.named_advisor.user.username)
    assert f'value="{cover.id}"' in demo_client.get(f"/me/clients/{client.id}").get_data(as_text=True)
    # Meanwhile the cover falls sick: the appointment is broken, to be rebooked, and the cover ends.
    db.session.add(Absence(advisor_id=cover.id, starts_at=item.starts_at - timedelta(hours=3),
                           ends_at=item.ends_at + timedelta(hours=5), reason="sick"))
    db.session.commit()
    response = demo_client.post(f"/me/clients/{client.id}/handover",
                                data={"to": cover.id, "body": "Prefers mornings; bring the form"})
    text = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f"{cover.name} no longer covers this client since" in text
    assert "Prefers mornings; bring the form" in text  # the typed note is kept
    assert db.session.scalars(select(HandoverNote).where(HandoverNote.client_id == client.id)).all() == []
    stranger = next(a for a in cover.team.advisors if a.id not in (cover.id, client.named_advisor_id)
                    and f"a{a.id}" not in {x["advisor"] for x in plan.solution["assignments"]})
    assert demo_client.post(f"/me/clients/{client.id}/handover",  # never a cover: still a bad choice
                            data={"to": stranger.id, "body": "x"}).status_code == 400
