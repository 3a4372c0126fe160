"""The repository stands on its own: nothing in it points at the team's working design (DESIGN.md), which it does
not hold; the design a maintainer needs is in docs/ (docs/architecture.md, docs/protocol.md...)."""

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _tracked_text_files():
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    for name in listed.stdout.decode().split("\0"):
        path = REPO / name
        if name and path.is_file() and path.suffix not in {".png", ".svg", ".ico", ".woff2", ".gz"}:
            yield name, path.read_text(errors="replace")


def test_nothing_refers_to_a_design_file_the_repository_does_not_hold():
    assert not (REPO / "DESIGN.md").exists()
    referring = [name for name, text in _tracked_text_files()
                 if "DESIGN.md" in text and name != "tests/test_repository.py"]
    assert referring == [], f"these name DESIGN.md; point them at the docs/ page that holds it: {referring}"
