"""The MkDocs build: strict, offline, deterministic, and loud about bad markers."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from conftest import ROOT, project_copy, run_mkdocs

pytestmark = pytest.mark.build

LESSON = "lessons/loss-functions.html"
# Namespace URIs name a vocabulary; they are never fetched.
NAMESPACES = ("http://www.w3.org/2000/svg", "http://www.w3.org/1998/Math/MathML",
              "http://www.w3.org/1999/xlink")


def test_lesson_embeds_the_explorer_with_bokeh_and_a_fallback(site_dir):
    html = (site_dir / LESSON).read_text()
    assert 'data-widget="loss-explorer"' in html
    # Prerendered: the figure first; the live widget's data in a file of its own, named by
    # its hash and holding the engine's widget; BokehJS only on demand.
    assert '<figure class="lossdocs-figure"><svg' in html
    src = re.search(r'<script type="application/json" class="lossdocs-item" data-src="([^"]+)"></script>', html)[1]
    data = (site_dir / "lessons" / src).resolve()
    text = data.read_text()
    assert data.parent == (site_dir / "assets" / "widgets").resolve()
    assert data.stem == hashlib.sha256(json.dumps(json.loads(json.loads(
        text[text.index("JSON.parse(") + 11:text.rindex(")")])), separators=(",", ":")).replace("</", "<\\/")
        .replace("<!--", "\\u003c!--").encode()).hexdigest()[:16]
    assert f'(window.lossdocsItems = window.lossdocsItems || {{}})["{data.stem}"]' in text
    assert 'primary_select' in text and 'primary_select' not in html, "the widget's data is still in the page"
    assert not re.search(r'<script src="[^"]*bokeh', html), "BokehJS must not load with the page"
    folder = re.search(r'data-bokeh="(\.\./assets/vendor/bokeh-[\d.]+/)"', html)[1]
    for name in ("bokeh.min.js", "bokeh-widgets.min.js"):
        assert (site_dir / "lessons" / folder / name).resolve().is_file()
    for src in re.findall(r'<script src="([^"]+)"', html):
        assert (site_dir / "lessons" / src).resolve().is_file(), src
    # No script file holds the first paint back: each waits for the page to be parsed.
    tags = re.findall(r'<script src="[^"]+"[^>]*>', html)
    assert len(tags) == 3 and all(re.search(r"\sdefer[\s>]", tag) for tag in tags), tags
    assert [re.search(r'src="[^"]*/([^/"]+)"', t)[1] for t in tags] == [
        "shim.js", re.search(r"bundle\.\w+\.min\.js", html)[0], "lossdocs.js"]


def test_pages_without_widgets_load_no_bokeh(site_dir):
    html = (site_dir / "index.html").read_text()
    assert "bokeh" not in html.lower()


def test_math_is_rendered_at_build_time(site_dir):
    html = (site_dir / LESSON).read_text()
    assert 'class="katex"' in html
    assert 'class="arithmatex"' not in html  # nothing left for a client-side renderer
    css = site_dir / "assets/vendor/katex/katex.min.css"
    fonts = re.findall(r"url\((fonts/[^)]+\.woff2)\)", css.read_text())
    assert fonts and all((css.parent / f).is_file() for f in fonts)


def test_no_file_references_an_outside_host(site_dir):
    """HTML, CSS and JS ask for nothing outside the site (reader hyperlinks excepted)."""
    offenders = []
    for path in site_dir.rglob("*"):
        if path.suffix not in (".html", ".css", ".js") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html":
            text = re.sub(r'<a\s[^>]*href="https?://[^"]*"', "<a", text)  # links a reader clicks
        for ns in NAMESPACES:
            text = text.replace(ns, "")
        if path.suffix == ".js" and "vendor/bokeh" in path.as_posix():
            continue  # BokehJS mentions URLs in strings it never requests on its own
        for url in re.findall(r"""(?:src|href)\s*=\s*["']?(https?://[^"' >]+)|url\(\s*["']?(https?://[^"')]+)""", text):
            offenders.append(f"{path.relative_to(site_dir)}: {url}")
    assert offenders == []


def test_search_works_without_a_server(site_dir):
    """The offline plugin inlines the index; the worker shim is ours, not a CDN's."""
    assert (site_dir / "search/search_index.js").is_file()
    html = (site_dir / "index.html").read_text()
    assert "unpkg" not in html
    assert (site_dir / "assets/vendor/iframe-worker/shim.js").is_file()


def test_unknown_widget_fails_the_build_naming_page_and_widget(tmp_path):
    project = project_copy(tmp_path / "project")
    (project / "docs/broken.md").write_text("# Broken\n\n<!-- widget: no-such-widget -->\n")
    out = tmp_path / "out"
    proc = run_mkdocs("build", "--strict", "--site-dir", str(out), cwd=project)
    assert proc.returncode != 0
    message = proc.stdout + proc.stderr
    assert "broken.md" in message and "no-such-widget" in message
    assert "loss-explorer" in message  # the known names are listed
    # Nothing half-written is left behind.
    assert not out.exists() or not any(out.iterdir())


def test_quick_build_skips_widgets_but_still_checks_markers(tmp_path):
    out = tmp_path / "quick"
    proc = run_mkdocs("build", "--strict", "--site-dir", str(out), env={"LOSSDOCS_QUICK": "1"})
    assert proc.returncode == 0, proc.stderr
    html = (out / LESSON).read_text()
    assert "lossdocs-widget--skipped" in html and "lossdocs-loss-explorer-0" not in html
    assert "bokeh.min.js" not in html

    project = project_copy(tmp_path / "project")
    (project / "docs/broken.md").write_text("<!-- widget: typo -->\n")
    proc = run_mkdocs("build", "--site-dir", str(tmp_path / "q2"), cwd=project,
                      env={"LOSSDOCS_QUICK": "1"})
    assert proc.returncode != 0 and "typo" in proc.stdout + proc.stderr


def embedded_widgets(project: Path) -> set[str]:
    """Names of the widgets the project's pages embed (their markers)."""
    return {m for page in (project / "docs").rglob("*.md")
            for m in re.findall(r"<!--\s*widget:\s*([\w-]+)\s*-->", page.read_text(encoding="utf-8"))}


def test_rebuild_reads_the_fingerprinted_widget_cache_and_is_byte_identical(tmp_path):
    """From an empty cache a build writes exactly ``.cache/widgets/<name>-<fingerprint>.json``
    for each embedded widget; a second build reads those files (a caption tampered with in
    the cache shows up on the page), rewrites none, and is otherwise byte-identical."""
    from lossdocs.site import embed

    project = project_copy(tmp_path / "project")
    cache = project / ".cache" / "widgets"
    assert not cache.exists()
    first, second = tmp_path / "first", tmp_path / "second"
    proc = run_mkdocs("build", "--strict", "--site-dir", str(first), cwd=project)
    assert proc.returncode == 0, proc.stderr
    fp = embed.fingerprint(project / "lossdocs")
    names = embedded_widgets(project)
    assert "loss-explorer" in names
    assert sorted(p.name for p in cache.iterdir()) == sorted(f"{n}-{fp}.json" for n in names)

    path = cache / f"loss-explorer-{fp}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["fallback_text"] in (first / LESSON).read_text(encoding="utf-8")
    tampered = "Tampered caption read from the widget cache."
    path.write_text(json.dumps(dict(data, fallback_text=tampered)), encoding="utf-8")
    stamps = {p: p.stat().st_mtime_ns for p in cache.iterdir()}

    proc = run_mkdocs("build", "--strict", "--site-dir", str(second), cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert {p: p.stat().st_mtime_ns for p in cache.iterdir()} == stamps  # read, not rebuilt
    assert tampered in (second / LESSON).read_text(encoding="utf-8")
    for page in first.rglob("*.html"):
        rel = page.relative_to(first)
        again = (second / rel).read_text(encoding="utf-8").replace(tampered, data["fallback_text"])
        assert again == page.read_text(encoding="utf-8"), rel


def test_a_build_failing_while_pages_render_leaves_no_site(tmp_path):
    """A template error on a late page (after assets and earlier pages are written) fails
    the build, and on_build_error removes the half-written output folder."""
    project = project_copy(tmp_path / "project")
    (project / "lossdocs/site/theme/main.html").write_text(
        '{% extends "base.html" %}\n'
        '{% block content %}{% if page.file.src_uri == "reference/faq.md" %}'
        "{{ no_such_function() }}{% endif %}{{ super() }}{% endblock %}\n")
    out = tmp_path / "out"
    proc = run_mkdocs("build", "--site-dir", str(out), cwd=project, env={"LOSSDOCS_QUICK": "1"})
    assert proc.returncode != 0
    assert "no_such_function" in proc.stdout + proc.stderr
    assert not out.exists() or not any(out.iterdir())


def test_build_writes_nothing_into_docs(tmp_path):
    """Generated files live outside docs/, so `mkdocs serve` never rebuilds in a loop."""
    def snapshot():
        return {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in (ROOT / "docs").rglob("*")}

    before = snapshot()
    proc = run_mkdocs("build", "--site-dir", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert snapshot() == before


def test_build_needs_no_node(tmp_path):
    """pip alone: with no ``node`` on PATH (and no cache), the site builds and its math is typeset."""
    project = project_copy(tmp_path / "project")
    path = str(Path(sys.executable).parent)
    assert shutil.which("node", path=path) is None and shutil.which("npm", path=path) is None
    out = tmp_path / "site"
    proc = run_mkdocs("build", "--strict", "--site-dir", str(out), cwd=project, env={"PATH": path})
    assert proc.returncode == 0, proc.stderr
    assert 'class="katex"' in (out / LESSON).read_text()
    assert "Kernel is running over TCP" not in proc.stderr
    assert "writing: " not in proc.stderr, "a log line reads as if the build wrote into docs/"
