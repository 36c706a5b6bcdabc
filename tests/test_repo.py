"""The repository's promises to a newcomer: README commands and CI agree."""

from __future__ import annotations

import re

from conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", text)


def test_readme_opens_with_exactly_two_commands():
    text = (ROOT / "README.md").read_text()
    head = text.split("## ", 1)[0]
    blocks = re.findall(r"```bash\n(.+?)\n```", head, re.S)
    assert len(blocks) == 2 and all("\n" not in b for b in blocks)
    setup, test = blocks
    assert "mkdocs build" in setup and "pytest" in test
    assert "npm ci" in setup and "npm ci" in test  # KaTeX and the search shim


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci/run").read_text()
    test_command = readme_commands()[1]
    assert test_command in ci.splitlines()
    assert "apt-get install -y chromium" in ci
