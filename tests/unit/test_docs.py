"""The documents point at what exists: every link between them, and every doc the code names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.tools import ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def prose(path: Path) -> str:
    """The text outside code blocks and code spans (where brackets are not links)."""
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.M | re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def anchors(path: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", prose(path), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_anchors_follow_githubs_rule() -> None:
    faults = anchors(ROOT / "docs/operations.md")
    assert "faults-and-bad-input-how-each-is-handled" in faults


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_relative_link_names_a_file_and_heading_that_exist(document: Path) -> None:
    broken = []
    for target in LINK.findall(prose(document)):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        name, _, anchor = target.partition("#")
        path = (document.parent / name).resolve() if name else document
        if not path.exists() or (anchor and path.suffix == ".md" and anchor not in anchors(path)):
            broken.append(target)
    assert broken == []


def test_every_document_the_code_names_exists() -> None:
    named = {
        match
        for source in sorted(ROOT.joinpath("streams").rglob("*.py"))
        for match in re.findall(r"docs/[\w.-]+\.md", source.read_text())
    }
    assert named and sorted(n for n in named if not (ROOT / n).exists()) == []
