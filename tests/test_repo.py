"""The repository's promises to a newcomer: README commands and CI agree."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", text)


def test_readme_opens_with_exactly_two_commands():
    text = (ROOT / "README.md").read_text()
    head = text.split("## ", 1)[0]
    blocks = re.findall(r"```bash\n(.+?)\n```", head, re.S)
    assert len(blocks) == 2 and all("\n" not in b for b in blocks)
    # Each command has a label of its own just above it.
    labels = re.findall(r"\n([^\n`]+):\n\n```bash", head)
    assert [label.split()[0] for label in labels] == ["Build", "Run"], labels
    setup, test = blocks
    assert "mkdocs build" in setup and "pytest" in test
    for command in blocks:  # pip alone: no Node.js, no npm
        assert "npm" not in command and "node" not in command.split()


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci/run").read_text()
    test_command = readme_commands()[1]
    assert test_command in ci.splitlines()
    assert "apt-get install -y chromium" in ci
    assert "export CI=true" in ci


def test_the_code_passes_its_linter():
    """ruff, configured in pyproject.toml (a test extra), finds nothing in the package, the
    tests or the scripts: style drift fails here rather than piling up unseen."""
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise", "--no-cache",
                           "lossdocs", "tests", "scripts"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
