"""Each role signs in through the real login form (CSRF on) and lands on its own home page."""
from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("username, path, heading", [
    ("admin", "/admin/", "Administration"),
    ("leader", "/rota/", "Team north"),  # a leader of one team lands on its week
    ("advisor1", "/me/", "My week"),
])
def test_each_role_signs_in_and_sees_its_home(page, live_server, username, path, heading):
    sign_in(page, username)
    assert page.url.startswith(live_server + path)
    assert heading in page.locator("h1").first.inner_text()
    assert page.locator(".topbar .user").inner_text().endswith(
        {"admin": "Administrator", "leader": "Team leader", "advisor1": "Advisor"}[username])
    page.click("text=Sign out")
    page.wait_for_url("**/login")
    page.goto(path)  # signed out: back to the login page
    assert "/login" in page.url


def test_a_wrong_password_keeps_you_out(page, live_server):
    sign_in(page, "leader", "not-the-password")
    assert "/login" in page.url
    assert "Wrong username or password" in page.locator(".flash").inner_text()
