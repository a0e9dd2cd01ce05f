"""The users and advisors pages search and page in the database (issue 18: 650 users and 600 advisors at 50
teams): 50 a page, the links keep the search and filters, a bad argument means the default."""
from __future__ import annotations

import re

from sqlalchemy import select

from caseload.extensions import db
from caseload.services.people.admin_lists import natural_order
from caseload.models import Advisor, Role, Team, User


def _add_users(count: int) -> list[str]:
    names = [f"zz-extra-{i:03d}" for i in range(count)]
    db.session.add_all(User(username=n, display_name=f"Extra {i}", role=Role.ADVISOR, password_hash="x")
                       for i, n in enumerate(names))
    db.session.commit()
    return names


def _usernames(html: str) -> list[str]:
    return re.findall(r'<tr(?: class="inactive")?><td>([^<]+)</td>', html)


def test_the_users_page_shows_50_a_page_in_order_and_page_2_has_the_rest(demo_client, demo_auth):
    demo_auth.login("admin")
    _add_users(60)
    everyone = list(db.session.scalars(select(User).order_by(User.role, *natural_order(User.username), User.id)))
    assert len(everyone) > 50
    first = demo_client.get("/admin/users").get_data(as_text=True)
    assert _usernames(first) == [u.username for u in everyone[:50]]
    assert f"1–50 of {len(everyone)} users" in first and 'href="/admin/users?page=2"' in first
    second = demo_client.get("/admin/users?page=2").get_data(as_text=True)
    assert _usernames(second) == [u.username for u in everyone[50:100]]
    # A bad page means the default; a page past the end shows the last one.
    assert _usernames(demo_client.get("/admin/users?page=x").get_data(as_text=True)) == _usernames(first)
    last = -(-len(everyone) // 50)
    assert _usernames(demo_client.get("/admin/users?page=999").get_data(as_text=True)) == \
           [u.username for u in everyone[(last - 1) * 50:]]


def test_a_search_and_a_role_narrow_the_users_and_the_page_links_keep_them(demo_client, demo_auth):
    demo_auth.login("admin")
    _add_users(120)
    html = demo_client.get("/admin/users?q=zz-extra&role=advisor").get_data(as_text=True)
    assert _usernames(html) == [f"zz-extra-{i:03d}" for i in range(50)]
    assert "1–50 of 120 users" in html
    assert re.search(r'href="/admin/users\?q=zz-extra&amp;page=2&amp;role=advisor"', html), \
        re.findall(r'href="/admin/users\?[^"]*"', html)
    assert _usernames(demo_client.get("/admin/users?q=EXTRA-119").get_data(as_text=True)) == ["zz-extra-119"]
    assert _usernames(demo_client.get("/admin/users?q=zz-extra&role=administrator").get_data(as_text=True)) == []
    # "%" is text, not a pattern; an unknown role means any role.
    assert _usernames(demo_client.get("/admin/users?q=%25").get_data(as_text=True)) == []
    assert "of 120 users" in demo_client.get("/admin/users?q=zz-extra&role=king").get_data(as_text=True)
    assert "deactivated" not in "".join(
        re.findall(r"<tr>.*?</tr>", demo_client.get("/admin/users?status=active").get_data(as_text=True), re.S))


def test_the_advisors_page_filters_by_team_and_name_and_pages(demo_client, demo_auth):
    demo_auth.login("admin")
    team = db.session.scalar(select(Team).order_by(Team.name))
    own = list(db.session.scalars(select(Advisor).where(Advisor.team_id == team.id).order_by(Advisor.name, Advisor.id)))
    html = demo_client.get(f"/admin/advisors?team={team.id}").get_data(as_text=True)
    rows = re.findall(r"<tr(?: class=\"inactive\")?><td>([^<]+)</td><td>([^<]+)</td>", html)
    assert rows == [(a.name, team.name) for a in own]
    one = own[0]
    found = re.findall(r"<tr(?: class=\"inactive\")?><td>([^<]+)</td>",
                       demo_client.get(f"/admin/advisors?q={one.name}").get_data(as_text=True))
    assert found and set(found) == {one.name}
    # A team that does not exist means any team.
    total = db.session.query(Advisor).count()
    assert f"of {total} advisors" in demo_client.get("/admin/advisors?team=99999").get_data(as_text=True)
    db.session.add_all(Advisor(team_id=team.id, name=f"Zed {i:03d}", work_pattern={}) for i in range(60))
    db.session.commit()
    second = demo_client.get(f"/admin/advisors?team={team.id}&page=2").get_data(as_text=True)
    assert f"51–{len(own) + 60} of {len(own) + 60} advisors" in second
    assert f'rel="prev" href="/admin/advisors?team={team.id}"' in second
