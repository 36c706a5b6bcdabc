"""Two clean builds of the same tree are byte-identical (sitemap dates aside).

The build caches built widgets, rendered KaTeX and the executed notebook under
``.cache/`` beside ``mkdocs.yml``. A clean build must not depend on that cache, and
the developer's cache must not be destroyed to prove it: the project is copied
(``mkdocs.yml``, ``docs``, ``lossdocs``) and built there
twice, with that copy's ``.cache`` removed before each build.
"""

from __future__ import annotations

import difflib
import gzip
import re
import shutil
from pathlib import Path

import pytest
from conftest import project_copy, run_mkdocs

pytestmark = pytest.mark.build

LASTMOD = re.compile(rb"<lastmod>[^<]*</lastmod>")


def clean_build(project: Path, out: Path) -> None:
    shutil.rmtree(project / ".cache", ignore_errors=True)
    proc = run_mkdocs("build", "--strict", "--site-dir", str(out), cwd=project)
    assert proc.returncode == 0, f"mkdocs build --strict failed in {project}:\n{proc.stdout}\n{proc.stderr}"
    assert (project / ".cache").is_dir(), "the build wrote no .cache: is this still the caching build?"


def comparable(path: Path) -> bytes:
    """The file's bytes; for the sitemap, without its <lastmod> dates (the build day)."""
    data = path.read_bytes()
    if path.name == "sitemap.xml.gz":
        data = gzip.decompress(data)
    if path.name in ("sitemap.xml", "sitemap.xml.gz"):
        data = LASTMOD.sub(b"<lastmod/>", data)
    return data


def first_difference(a: bytes, b: bytes, name: str, shown: int = 4, width: int = 70) -> str:
    """Where two versions of a file part: the first few differing lines (cut to a window
    around their first differing character), or a byte offset for binary files."""
    try:
        la, lb = a.decode("utf-8").splitlines(), b.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        return f"  binary, {len(a)} vs {len(b)} bytes, first difference at byte {at}"
    out, count = [], 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, la, lb, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        count += 1
        if count > shown:
            continue
        old, new = "\n".join(la[i1:i2]), "\n".join(lb[j1:j2])
        at = next((k for k, (x, y) in enumerate(zip(old, new)) if x != y), min(len(old), len(new)))
        lo = max(0, at - width // 2)
        out.append(f"  line {i1 + 1} ({op}): build1 {old[lo:lo + width]!r}")
        out.append(f"  {' ' * len(str(i1 + 1))}       {' ' * len(op)}   build2 {new[lo:lo + width]!r}")
    if count > shown:
        out.append(f"  ... {count - shown} more differing places")
    return f"  {len(a)} vs {len(b)} bytes, {count} differing places\n" + "\n".join(out)


def test_two_clean_builds_are_identical(tmp_path):
    project = project_copy(tmp_path / "project")
    first, second = tmp_path / "site1", tmp_path / "site2"
    clean_build(project, first)
    clean_build(project, second)

    files1 = {p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file()}
    files2 = {p.relative_to(second).as_posix() for p in second.rglob("*") if p.is_file()}
    assert files1 == files2, (
        f"only in the first build: {sorted(files1 - files2)}; only in the second: {sorted(files2 - files1)}")
    assert "index.html" in files1

    differing = sorted(n for n in files1 if comparable(first / n) != comparable(second / n))
    report = "\n".join(f"{n}:\n{first_difference(comparable(first / n), comparable(second / n), n)}"
                       for n in differing)
    assert differing == [], f"{len(differing)} files differ between two clean builds:\n{report}"
