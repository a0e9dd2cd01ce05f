"""docs/problem-format.md is the repository's copy of the scheduling contract; it must stay word for word
the shared one (`../shared/docs/problem-format.md`, beside the repository), which outside checkers judge by."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COPY = ROOT / "docs" / "problem-format.md"
SHARED = ROOT.parent / "shared" / "docs" / "problem-format.md"


def test_the_repository_carries_the_contract_and_the_readme_cites_it():
    assert COPY.is_file() and "caseload-problem/1" in COPY.read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/problem-format.md)" in readme
    assert "../shared/docs" not in readme  # a path outside the clone is no use to a reader of the repository


@pytest.mark.skipif(not SHARED.is_file(), reason="no ../shared/docs beside this clone")
def test_the_copy_matches_the_shared_contract():
    assert COPY.read_text(encoding="utf-8") == SHARED.read_text(encoding="utf-8"), (
        f"{COPY.relative_to(ROOT)} differs from {SHARED}: copy the shared contract over it "
        "(cp ../shared/docs/problem-format.md docs/) and adapt the code to any change")
