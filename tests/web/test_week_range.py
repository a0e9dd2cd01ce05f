"""Every way in agrees on the first and the last week the app plans (values.FIRST_WEEK, LAST_WEEK): the week page
opened 2099-12-28 (a week running into 2100) while the API stopped at 2099-12-21. Each refuses the same weeks with a
clear error, and the week pages offer no link past either end."""
from __future__ import annotations

import pytest

from tests.web import access_matrix as m

FIRST_WEEK, LAST_WEEK = "2000-01-03", "2099-12-21"  # every day of the week inside 2000-2099
OUTSIDE = ["1999-12-27", "2099-12-28"]


def test_the_pages_open_the_first_and_last_weeks_and_not_one_beyond(demo_client, demo_auth):
    north = m.team("north").id
    demo_auth.login("leader")
    first = demo_client.get(f"/rota/t/{north}/{FIRST_WEEK}/").get_data(as_text=True)
    assert "the first week the app plans" in first and "previous week" not in first
    last = demo_client.get(f"/rota/t/{north}/{LAST_WEEK}/").get_data(as_text=True)
    assert "the last week the app plans" in last and "next week" not in last
    for week in OUTSIDE:
        for url in (f"/rota/t/{north}/{week}/", f"/rota/t/{north}/{week}/requests", f"/desk/teams/{north}/{week}/broken"):
            page = demo_client.get(url)
            assert page.status_code == 404, url
            assert "outside the weeks the app plans (Mon 03 Jan 2000 to Mon 21 Dec 2099)" in page.get_data(as_text=True)
    demo_auth.logout()
    demo_auth.login("advisor1")
    assert demo_client.get(f"/me/week/{LAST_WEEK}").status_code == 200
    assert demo_client.get("/me/week/2099-12-28").status_code == 404


@pytest.mark.parametrize("week", OUTSIDE)
def test_the_api_refuses_the_same_weeks_naming_them(demo_client, week):
    headers = m.issue_token("leader")
    north = m.team("north")
    listed = demo_client.get(f"/api/v1/teams/{north.id}/weeks/{week}/requests", headers=headers)
    assert listed.status_code == 404 and "outside the weeks the app plans" in listed.get_json()["message"]
    client = m.client_of("advisor1")
    ask = {"client_id": client.id, "type": "follow-up", "week": week,
           "windows": [{"start": f"{week}T09:00", "end": f"{week}T17:00"}]}
    offers = demo_client.post(f"/api/v1/teams/{north.id}/offers", json=ask, headers=headers)
    assert offers.status_code == 422 and "week" in offers.get_json()["fields"]
    # 1999 fails the document's own date pattern (years 2000-2099) first: it says the range all the same.
    assert offers.get_json()["fields"]["week"] == [f"The week of {week} is outside the weeks the app plans "
                                                   "(Mon 03 Jan 2000 to Mon 21 Dec 2099)."]
    assert demo_client.get(f"/api/v1/teams/{north.id}/weeks/{LAST_WEEK}/requests", headers=headers).status_code == 200


def test_the_command_line_and_the_admin_forms_refuse_them_too(demo_app, demo_client, demo_auth, tmp_path):
    runner = demo_app.test_cli_runner()
    out = runner.invoke(args=["week", "export-problem", "--team", "north", "--week", "2099-12-28",
                              "--out", str(tmp_path / "p.json")])
    assert out.exit_code == 2 and "outside the weeks the app plans" in out.output
    demo_auth.login("admin")
    region = demo_client.post("/admin/region/plan", data={"week": "2099-12-28", "time_limit": "5"})
    assert region.status_code == 400 and "outside the weeks the app plans" in region.get_data(as_text=True)


@pytest.mark.parametrize("week", OUTSIDE)
def test_every_week_typed_into_a_form_or_a_link_gets_the_range_sentence(demo_client, demo_auth, week):
    """The desk's offers link (?week=, a list of the coming weeks), the region forms (plan, cancel) and the
    region page's ?week= each say the week is outside the weeks the app plans."""
    range_words = "outside the weeks the app plans (Mon 03 Jan 2000 to Mon 21 Dec 2099)"
    demo_auth.login("leader")
    client = m.client_of("advisor1")
    offers = demo_client.get(f"/desk/clients/{client.id}/offers", query_string={
        "type": "1", "week": week, "windows": "mon 09:00-17:00"})
    assert offers.status_code == 400 and range_words in offers.get_data(as_text=True)
    demo_auth.logout()
    demo_auth.login("admin")
    for url in ("/admin/region/plan", "/admin/region/cancel"):
        refused = demo_client.post(url, data={"week": week, "time_limit": "5"})
        text = refused.get_data(as_text=True)
        assert refused.status_code == 400 and range_words in text and "Give a date between" not in text, url
    page = demo_client.get(f"/admin/region?week={week}")
    assert page.status_code == 400 and range_words in page.get_data(as_text=True)


@pytest.mark.parametrize("bad, words", [("2026-13-01", "is not a date YYYY-MM-DD"),
                                        ("next", "is not a date YYYY-MM-DD"),
                                        ("2026-12-08", "is a Tuesday: give the Monday that starts the week")])
def test_the_region_page_says_what_is_wrong_with_its_week_link(demo_client, demo_auth, bad, words):
    """It used to show this week's runs silently, as if they were the week asked for."""
    demo_auth.login("admin")
    page = demo_client.get("/admin/region", query_string={"week": bad})
    text = page.get_data(as_text=True).replace("&#39;", "'")
    assert page.status_code == 400 and words in text and "Showing this week instead" in text
    assert demo_client.get("/admin/region").status_code == 200  # no week given: this week, no error
    desk = demo_client.get(f"/desk/clients/{m.client_of('advisor1').id}/offers", query_string={
        "type": "1", "week": bad, "windows": "mon 09:00-17:00"})
    assert desk.status_code == 400 and words.split(":")[0] in desk.get_data(as_text=True).replace("&#39;", "'")


def test_the_team_view_says_when_its_day_link_is_not_a_day_of_the_week(demo_client, demo_auth):
    """?day= on the team view, like the region's ?week=: a bad one showed the first day as if it were asked."""
    from caseload.localtime import this_week_start
    from tests.web import desk_support as d

    plan = d.publish_week()
    demo_auth.login("leader")
    monday = this_week_start(m.team("north").timezone)
    for bad in ("2026-13-01", "2030-01-01", "tuesday"):
        page = demo_client.get(f"/rota/plans/{plan.id}", query_string={"day": bad})
        text = page.get_data(as_text=True).replace("&#39;", "'")
        assert page.status_code == 200 and f"Day: '{bad}' is not a day of this week's plan" in text
    fine = demo_client.get(f"/rota/plans/{plan.id}", query_string={"day": monday.isoformat()}).get_data(as_text=True)
    assert "is not a day of this week's plan" not in fine
