from __future__ import annotations
import re
from sqlalchemy import select
from caseload.extensions import db
from caseload.models import AppointmentRequest, Client, Advisor, Plan, PlanItem
from tests.web import access_matrix as m
from tests.web import desk_support as d


def show(label, r):
    t = r.get_data(as_text=True)
    fl = re.findall(r'class="flash[^"]*"[^>]*>(.*?)</p>', t)
    body = t[:250].replace(chr(10), ' ') if not t.startswith('<!doctype') else ''
    print(f"{label}: {r.status_code} {fl[:2]} {body}")


def test_probe(demo_client, demo_auth):
    plan = d.publish_week()
    north, south = m.team("north"), m.team("south")
    client = m.client_of("advisor1")
    south_adv = db.session.scalar(select(Advisor).where(Advisor.team_id == south.id))
    h = m.issue_token("leader")
    week = d.week().isoformat()
    show("api patch client south advisor", demo_client.patch(f"/api/v1/clients/{client.id}", json={"version": client.version_id, "named_advisor_id": south_adv.id}, headers=h))
    show("api create request south pin", demo_client.post(f"/api/v1/teams/{north.id}/weeks/{week}/requests", json={"client_id": client.id, "type": "follow-up", "windows": [{"start": f"{week}T09:00", "end": f"{week}T12:00"}], "pinned_advisor_id": south_adv.id, "pinned_start": f"{week}T09:00"}, headers={**h, "Idempotency-Key": "r1"}))
    show("api create request inactive type", demo_client.post(f"/api/v1/teams/{north.id}/weeks/{week}/requests", json={"client_id": client.id, "type": "FOLLOW-UP", "windows": [{"start": f"{week}T09:00", "end": f"{week}T12:00"}]}, headers={**h, "Idempotency-Key": "r2"}))
    show("api publish other version", demo_client.post(f"/api/v1/plans/{plan.id}/publish", json={"version": 99, "published_version": 0}, headers=h))
    show("api job cancel other", demo_client.post(f"/api/v1/jobs/999999/cancel", headers=h))
    show("api plan get", demo_client.get(f"/api/v1/plans/{plan.id}", headers=h))
    demo_auth.login("leader")
    item = db.session.scalar(select(PlanItem).where(PlanItem.plan_id == plan.id, PlanItem.advisor_id.is_not(None)))
    show("move published plan", demo_client.post(f"/rota/plans/{plan.id}/move", data={"item": item.id, "advisor": item.advisor_id, "day": week, "time": "10:00", "version": plan.version_id}))
    show("move item of other plan", demo_client.post(f"/rota/plans/{plan.id}/move", data={"item": "1", "advisor": item.advisor_id, "day": week, "time": "10:00", "version": plan.version_id}))
    show("handover on published", demo_client.post(f"/rota/plans/{plan.id}/items/{item.id}/handover", data={"body": "x"}))
    show("publish published", demo_client.post(f"/rota/plans/{plan.id}/publish", data={"version": plan.version_id, "published": "1"}))
    show("resolve", demo_client.post(f"/rota/plans/{plan.id}/resolve", data={}))
    show("job cancel south", demo_client.post(f"/rota/jobs/999999/cancel", data={}))
    show("delete request south", demo_client.post(f"/rota/t/{south.id}/requests/1/delete", data={}))
    show("import requests wrong team", demo_client.post(f"/rota/t/{south.id}/{week}/import/requests", data={}))
    show("import requests no file", demo_client.post(f"/rota/t/{north.id}/{week}/import/requests", data={}))
    import io
    show("import requests bin file", demo_client.post(f"/rota/t/{north.id}/{week}/import/requests", data={"file": (io.BytesIO(b"\xff\xfe\x00\x00garbage"), "x.csv")}, content_type="multipart/form-data"))
    show("import clients huge line", demo_client.post(f"/rota/t/{north.id}/import/clients", data={"file": (io.BytesIO(b"reference,name,need,complexity\n" + b"A" * 200000 + b",x,debt,1\n"), "x.csv")}, content_type="multipart/form-data"))
    show("import clients many cols", demo_client.post(f"/rota/t/{north.id}/import/clients", data={"file": (io.BytesIO(b"reference,name,need,complexity" + b",x" * 5000 + b"\nZ1,x,debt,1\n"), "x.csv")}, content_type="multipart/form-data"))
    show("import clients dup header", demo_client.post(f"/rota/t/{north.id}/import/clients", data={"file": (io.BytesIO(b"reference,reference,name,need,complexity\nZ1,Z2,x,debt,1\n"), "x.csv")}, content_type="multipart/form-data"))
    show("import clients unicode", demo_client.post(f"/rota/t/{north.id}/import/clients", data={"file": (io.BytesIO("reference,name,need,complexity\nÅ1,Zoë \u202e,debt,1\n".encode()), "x.csv")}, content_type="multipart/form-data"))
    show("import clients formula", demo_client.post(f"/rota/t/{north.id}/import/clients", data={"file": (io.BytesIO(b"reference,name,need,complexity\nZ9,=cmd(),debt,1\n"), "x.csv")}, content_type="multipart/form-data"))
