"""The built site as a whole: links, page metadata, the 404 page, abbreviations, navigation.

Static checks parse every built HTML page with BeautifulSoup (``html.parser``); one
browser check serves the site the way a static host does, with ``404.html`` as the
answer for a missing address, and looks at that page from a nested path.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

# Schemes a reader's browser handles itself; nothing in the site to resolve.
EXTERNAL_SCHEMES = {"http", "https", "mailto", "data", "javascript", "tel", "blob"}
LINK_ATTRS = ("href", "src", "xlink:href")
NAV_PAGES = [
    "index.html",
    "lessons/loss-functions.html",
    "lessons/loss-landscape.html",
    "lessons/classification.html",
    "lessons/walking-downhill.html",
    "lessons/reading-the-loss-curve.html",
    "lessons/beyond.html",
    "reference/comparison.html",
    "reference/selection-guide.html",
    "reference/faq.html",
    "reference/glossary.html",
    "reference/further-reading.html",
    "notebooks/engine.html",
]


@functools.cache
def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def ids_of(path: Path) -> set[str]:
    soup = _soup(path)
    return {t["id"] for t in soup.find_all(id=True)} | {t["name"] for t in soup.find_all("a", attrs={"name": True})}


def internal_links(site: Path, page: Path):
    """Yield (raw link, target file, fragment) for every link into the site on ``page``."""
    for tag in _soup(page).find_all(True):
        for attr in LINK_ATTRS:
            raw = tag.get(attr)
            if not isinstance(raw, str) or not raw.strip():
                continue
            parts = urlsplit(raw.strip())
            if parts.scheme in EXTERNAL_SCHEMES or parts.netloc:
                continue
            assert not parts.scheme, f"{page.relative_to(site)}: unexpected scheme in {raw!r}"
            path = unquote(parts.path)
            if not path:
                target = page
            elif path.startswith("/"):
                target = site / path.lstrip("/")
            else:
                target = page.parent / PurePosixPath(path)
            yield raw, target, unquote(parts.fragment)


def test_every_internal_link_resolves_to_a_file_and_an_anchor(site_dir):
    problems = []
    checked = 0
    for page in pages(site_dir):
        where = page.relative_to(site_dir)
        for raw, target, fragment in internal_links(site_dir, page):
            checked += 1
            target = target.resolve()
            if site_dir.resolve() not in target.parents and target != site_dir.resolve():
                problems.append(f"{where}: {raw!r} leaves the site")
                continue
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{where}: {raw!r} -> missing file {target.relative_to(site_dir.resolve())}")
                continue
            # "#<widget>?<control>=<value>" sets a widget's state; it is not an element id.
            if fragment and "?" not in fragment and target.suffix == ".html":
                if fragment not in ids_of(target):
                    problems.append(f"{where}: {raw!r} -> no id {fragment!r} in "
                                    f"{target.relative_to(site_dir.resolve())}")
    assert checked > 100  # the crawl really ran
    assert problems == []


def test_widget_state_links_point_at_a_page_with_that_widget(site_dir):
    """A link "page.html#<widget>?..." must land on a page that embeds <widget>."""
    problems = []
    for page in pages(site_dir):
        for raw, target, fragment in internal_links(site_dir, page):
            if "?" not in fragment:
                continue
            widget = fragment.split("?", 1)[0]
            html = target.resolve().read_text(encoding="utf-8") if target.is_file() else ""
            if f'data-widget="{widget}"' not in html:
                problems.append(f"{page.relative_to(site_dir)}: {raw!r}")
    assert problems == []


def test_every_page_has_a_title_and_a_meta_description(site_dir):
    problems = []
    for page in pages(site_dir):
        head = _soup(page).head
        where = page.relative_to(site_dir)
        title = head.find("title") if head else None
        if title is None or not title.get_text(strip=True):
            problems.append(f"{where}: no <title>")
        for selector in ('meta[name="description"]', 'meta[property="og:title"]',
                         'meta[property="og:description"]'):
            tags = head.select(selector) if head else []
            if len(tags) != 1 or not tags[0].get("content", "").strip():
                problems.append(f"{where}: {selector} missing, repeated or empty")
    assert problems == []


def test_pages_have_their_own_titles_and_the_home_page_a_descriptive_one(site_dir):
    titles = {p: _soup(site_dir / p).head.find("title").get_text(strip=True) for p in NAV_PAGES}
    assert len(set(titles.values())) == len(titles), titles
    assert titles["index.html"] != "lossdocs" and titles["index.html"].endswith(" - lossdocs")


def test_no_page_names_an_outside_host_as_its_canonical_address(site_dir):
    for page in pages(site_dir):
        for link in _soup(page).head.find_all("link", href=True):
            assert not urlsplit(link["href"]).netloc, f"{page.relative_to(site_dir)}: {link}"


def test_404_page_exists_links_home_and_works_from_any_depth(site_dir):
    page = site_dir / "404.html"
    assert page.is_file()
    soup = _soup(page)
    assert "not found" in soup.head.find("title").get_text().lower()
    article = soup.select_one("article")
    home = [a for a in article.find_all("a", href=True) if a["href"] in ("/", "/index.html")]
    assert home, "the 404 page should link to the home page"
    # A server answers any missing address with this page, so relative links would
    # resolve against the wrong folder: every internal link must be root-relative.
    for raw, target, _ in internal_links(site_dir, page):
        assert raw.startswith(("/", "#")), raw
        assert target.is_file() or raw.startswith("#"), raw
    lessons = {a["href"] for a in article.find_all("a", href=True)}
    assert "/lessons/loss-functions.html" in lessons


def test_abbreviations_are_explained_site_wide(site_dir):
    lesson = _soup(site_dir / "lessons/loss-functions.html")
    assert lesson.find("abbr", attrs={"title": "Mean squared error"}, string="MSE")
    # The home page defines no abbreviations of its own: these come from the
    # site-wide list, appended to every page.
    home = _soup(site_dir / "index.html")
    assert home.find("abbr", attrs={"title": "Mean squared error"}, string="MSE")
    # The list itself is a snippet, not a page.
    assert not (site_dir / "includes").exists()
    # Formulas are untouched: no <abbr> inside typeset math.
    landscape = _soup(site_dir / "lessons/loss-landscape.html")
    assert not landscape.select(".katex abbr")


def test_navigation_has_tabs_for_every_section(site_dir):
    soup = _soup(site_dir / "index.html")
    tabs = soup.select("nav.md-tabs .md-tabs__item")
    labels = [t.get_text(" ", strip=True) for t in tabs]
    assert labels == ["Home", "Lessons", "Reference", "Notebook"]


def test_home_page_maps_every_page_of_the_site(site_dir):
    home = site_dir / "index.html"
    article = _soup(home).select_one("article")
    targets = {
        (home.parent / PurePosixPath(urlsplit(a["href"]).path)).resolve().relative_to(site_dir.resolve()).as_posix()
        for a in article.find_all("a", href=True)
        if not urlsplit(a["href"]).scheme and urlsplit(a["href"]).path
    }
    assert set(NAV_PAGES) - {"index.html"} <= targets


def test_footer_has_a_copyright_and_no_generator_notice(site_dir):
    soup = _soup(site_dir / "index.html")
    assert "lossdocs" in soup.select_one(".md-copyright").get_text()
    assert "Made with" not in soup.select_one("footer").get_text()


class _NotFoundHandler(http.server.SimpleHTTPRequestHandler):
    """A static host: files as they are, 404.html (status 404) for anything missing."""

    def log_message(self, *args):
        pass

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.mark.browser
def test_404_page_is_styled_when_served_for_a_nested_missing_path(site_dir, browser):
    from browser import watch

    handler = functools.partial(_NotFoundHandler, directory=str(site_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    page = browser.new_page()
    statuses = {}
    page.on("response", lambda r: statuses.__setitem__(r.url, r.status))
    try:
        log = watch(page)
        response = page.goto(base + "does/not/exist.html")
        assert response.status == 404
        page.wait_for_load_state("load")
        # Material's stylesheet loaded: the header has its colour.
        background = page.eval_on_selector(".md-header", "e => getComputedStyle(e).backgroundColor")
        assert background not in ("rgba(0, 0, 0, 0)", "transparent")
        assert page.locator("h1").inner_text() == "Page not found"
        # Only the missing page itself was a 404; every asset it asked for was found.
        missing = base + "does/not/exist.html"
        assert log.blocked == [] and log.page_errors == []
        assert [f for f in log.failed if not f.startswith(missing + " ")] == []
        assets = {u: s for u, s in statuses.items() if u.endswith((".css", ".js"))}
        assert len(assets) >= 3, "the 404 page should load the site's stylesheets and scripts"
        assert all(s == 200 for s in assets.values()), assets
        page.click("text=home page")
        page.wait_for_load_state("load")
        assert page.url == base + "index.html"
    finally:
        page.close()
        httpd.shutdown()
        httpd.server_close()
