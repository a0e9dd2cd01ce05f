"""Words are never broken letter by letter. `main { overflow-wrap:anywhere }` let every table cell and button
shrink to one letter a line ("S/e/t" on the rota's rows, "Publish/ed", "Tea/m"): a single word now stays on
one line, while long unbroken user text still wraps inside the page (break-word)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

# Each single word (a text node of letters only) shown in the page, with how many lines it takes.
BROKEN_WORDS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const parent = node.parentElement;
    if (!/^[A-Za-z]+$/.test(text) || parent.offsetParent === null || parent.closest('.sr-only')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    if (lines.size > 1) out.push(text + ' (' + lines.size + ' lines)');
  }
  return out;
}"""


@pytest.mark.parametrize("width", [1366, 390])
def test_single_words_stay_on_one_line_on_the_rota_page(page, live_server, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "leader")
    page.click("text=north")
    page.wait_for_selector("h1:has-text('Team north')")
    assert page.locator("button:has-text('Set')").count() >= 5
    assert page.evaluate(BROKEN_WORDS) == []


def test_long_unbroken_text_still_wraps_inside_the_page(page, live_server):
    page.set_viewport_size({"width": 390, "height": 900})
    sign_in(page, "leader")
    page.click("text=north")
    page.wait_for_selector("h1:has-text('Team north')")
    page.evaluate("() => { const p = document.createElement('p'); p.id = 'long'; p.textContent = 'x'.repeat(400);"
                  " document.querySelector('main').prepend(p); }")
    assert page.evaluate("() => document.getElementById('long').getBoundingClientRect().width") <= 390
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
