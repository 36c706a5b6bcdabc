"""Shared fixtures: one strict build of the site per test session, and Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_mkdocs(*args: str, env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run ``mkdocs`` from this interpreter's environment; returns the finished process."""
    # A quick-build switch left on in the caller's shell must not leak in.
    full_env = {k: v for k, v in os.environ.items() if k != "LOSSDOCS_QUICK"}
    full_env.update(NO_MKDOCS_2_WARNING="1", **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", *args],
        cwd=cwd, env=full_env, capture_output=True, text=True, check=False,
    )


def project_copy(dest: Path) -> Path:
    """A throwaway copy of the project (``mkdocs.yml``, ``docs``, ``lossdocs``; no caches)
    to build variants of."""
    dest.mkdir()
    for name in ("mkdocs.yml", "docs", "lossdocs"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", ".cache"))
        else:
            shutil.copy2(src, dest / name)
    return dest


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    """The site built once with ``mkdocs build --strict`` into a temporary folder."""
    out = tmp_path_factory.mktemp("site")
    proc = run_mkdocs("build", "--strict", "--site-dir", str(out))
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    return out


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """A Chromium to drive. Missing: a skip that says how to get one; under CI, a failure."""
    from browser import HOW_TO_GET_ONE, find_chromium

    path = find_chromium()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {HOW_TO_GET_ONE}")
        pytest.skip(HOW_TO_GET_ONE)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    """One headless Chromium for the session (background networking off)."""
    from browser import launch
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p, chromium_path)
        yield b
        b.close()


@pytest.fixture(scope="session")
def server(site_dir):
    """The built site served on 127.0.0.1."""
    from browser import SiteServer

    with SiteServer(site_dir) as s:
        yield s
