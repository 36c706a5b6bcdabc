"""The site-wide quality gate: every page of the built site in headless Chromium.

The pages are the ones MkDocs itself lists (its config, files and plugins, read at
collection time), so a new page is covered without touching this file; one test
checks that this list is exactly the set of pages in the built site.

For every page, with every non-local request aborted (``browser.watch``):

1. served from 127.0.0.1 it settles (widgets drawn) with zero console errors, page
   errors, blocked or failed requests, and every request went to 127.0.0.1 (9);
2. every widget control, found by walking ``Bokeh.documents`` (``CONTROLS`` in ``JS_LIB``
   holds one entry per control type), changes the pixels of its widget's plots when set
   through its model, and a Select or Slider does it without BokehJS laying the widget
   out again; a ``param_<loss>_<param>`` control is tried with ``<loss>`` chosen in a
   Select that offers it;
   (each page is checked once more after controls, tour, palette and keys: no problem,
   no request leaving the site)
3. opened from disk (``file://``) it settles just as cleanly;
4. the site's own navigation (tab and sidebar links, clicked) leads from the home
   page to it and back, and the page arrived at draws its widgets cleanly;
5. Material's palette toggle flips the scheme; on widget pages an empty spot of
   each plot shows the page background and the axis labels follow the scheme;
6. Tab alone reaches every widget control, each shows a focus ring, and its keys
   (arrows) change the control's value;
7. axe-core, with the rules Lighthouse adds, finds no violation (light; and dark once);
8. with JavaScript off, the text, the build-time KaTeX and the widgets' static
   fallback figures are all there.

Each test opens its own browser context on the one session browser. Waits are for
conditions, bounded by timeouts that fail the test with what did not happen.
"""

from __future__ import annotations

import functools
import io
import json
import re
import time
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
from browser import watch
from conftest import ROOT
from pagetools import VIEWPORT, hydrate

pytestmark = pytest.mark.browser

TIMEOUT_MS = 10_000  # any single wait; a healthy page needs well under a second
CHANGE_TIMEOUT_S = 5.0  # for a picture or a value to change after an action
MAX_TABS = 400  # Tab presses before giving up on reaching a control
HOME = "index.html"


# ----------------------------------------------------------- the pages


def _pages_from_mkdocs() -> tuple[list[str], str | None]:
    """Pages MkDocs will build (site paths), as its own config and plugins say;
    (pages, None), or ([], why) if the config cannot be read right now."""
    try:
        from mkdocs.config import load_config
        from mkdocs.structure.files import get_files

        cfg = load_config(config_file=str(ROOT / "mkdocs.yml"))
        cfg.plugins.on_startup(command="build", dirty=False)
        cfg = cfg.plugins.on_config(cfg)
        files = cfg.plugins.on_files(get_files(cfg), config=cfg)
        pages = sorted(f.dest_uri for f in files.documentation_pages())
    except Exception as err:  # reported by test_every_built_page_is_covered
        return [], f"{type(err).__name__}: {err}"
    return [p for p in pages if p != "404.html" and not p.startswith("search/")], None


PAGES, PAGES_ERROR = _pages_from_mkdocs()


def built_pages(site_dir: Path) -> list[str]:
    """Every page of the built site: its HTML files but the 404 page and search's."""
    return sorted(
        p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html")
        if p.relative_to(site_dir).as_posix() != "404.html" and p.relative_to(site_dir).parts[0] != "search"
    )


def static_html(site_dir: Path, page: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup((site_dir / page).read_text(encoding="utf-8"), "html.parser")


@functools.cache
def static_counts(site_dir: Path, page: str) -> dict:
    """What the built file holds: widgets, KaTeX formulas, whether it loads BokehJS."""
    soup = static_html(site_dir, page)
    scripts = [s.get("src", "") for s in soup.find_all("script")]
    return {
        "widgets": len(soup.select(".lossdocs-widget")),
        "katex": len(soup.select(".katex")),
        "bokeh": any("bokeh" in s.lower() for s in scripts),
    }


def has_bokeh(site_dir: Path, page: str) -> bool:
    c = static_counts(site_dir, page)
    return c["widgets"] > 0 or c["bokeh"]


def has_controls(site_dir: Path, page: str) -> bool:
    """Whether the page holds a lesson widget (a marker's, with controls), as opposed to
    only a notebook figure (a plot with no controls)."""
    from lossdocs.widgets import WIDGETS

    names = [el.get("data-widget") for el in static_html(site_dir, page).select(".lossdocs-widget")]
    return any(name in WIDGETS for name in names)


def widget_pages(site_dir: Path) -> list[str]:
    return [p for p in built_pages(site_dir) if static_counts(site_dir, p)["widgets"] > 0]


# ------------------------------------------------------- in-page helpers

# Generic BokehJS helpers, prepended to every snippet evaluated in a page.
JS_LIB = r"""
// In page order: Bokeh lists documents in the order they were embedded, which depends on
// when each widget neared the screen, so a key ("1:<id>") must not lean on it.
const docs = () => {
  if (!(window.Bokeh && Bokeh.documents)) return []
  const el = (d) => Bokeh.index.find_one(d.roots()[0])?.el
  return [...Bokeh.documents].sort((a, b) => {
    const x = el(a), y = el(b)
    if (x == null || y == null || x === y) return 0
    return x.compareDocumentPosition(y) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1
  })
}
const viewOf = (m) => (window.Bokeh && Bokeh.index) ? Bokeh.index.find_one(m) : null
const deepAll = (root, sel) => {
  const out = [...root.querySelectorAll(sel)]
  for (const el of root.querySelectorAll("*")) if (el.shadowRoot) out.push(...deepAll(el.shadowRoot, sel))
  return out
}
const optionValues = (m) => {
  const flat = Array.isArray(m.options) ? m.options : [...Object.values(m.options ?? {})].flat()
  return flat.map((o) => (Array.isArray(o) ? o[0] : o))
}
const sameValue = (a, b) => JSON.stringify(a) === JSON.stringify(b)
// One entry per kind of control: how to read it, the next value to give it, how to set
// it, where its focusable element is (inside the view's shadow root), and which keys
// should change it (tried in order until one does).
const CONTROLS = {
  Select: {
    get: (m) => m.value,
    next: (m) => { const v = optionValues(m); return v[(v.indexOf(m.value) + 1) % v.length] },
    set: (m, v) => { m.value = v },
    focus: "select", keys: ["ArrowDown", "ArrowUp"],
  },
  Slider: {
    get: (m) => m.value,
    next: (m) => (m.value + m.step <= m.end ? m.value + m.step : m.value - m.step),
    set: (m, v) => { m.value = v },
    focus: ".noUi-handle", keys: ["ArrowRight", "ArrowLeft"],
  },
  RangeSlider: {
    get: (m) => [...m.value],
    next: (m) => { const [a, b] = m.value; return b + m.step <= m.end ? [a, b + m.step] : [a - m.step, b] },
    set: (m, v) => { m.value = v },
    focus: ".noUi-handle", keys: ["ArrowRight", "ArrowLeft"],
  },
  Toggle: {
    get: (m) => m.active, next: (m) => !m.active, set: (m, v) => { m.active = v },
    focus: "button, .bk-btn", keys: ["Space", "Enter"],
  },
  RadioButtonGroup: {
    get: (m) => m.active, next: (m) => ((m.active ?? -1) + 1) % m.labels.length, set: (m, v) => { m.active = v },
    focus: "button, .bk-btn", keys: ["Space", "Enter", "ArrowRight"],
  },
  CheckboxGroup: {
    get: (m) => [...m.active],
    next: (m) => (m.active.includes(0) ? m.active.filter((i) => i !== 0) : [...m.active, 0].sort()),
    set: (m, v) => { m.active = v },
    focus: "input", keys: ["Space"],
  },
}
const controlKey = (di, m) => `${di}:${m.id}`
const byKey = (key) => {
  const cut = key.indexOf(":")
  const m = docs()[Number(key.slice(0, cut))].get_model_by_id(key.slice(cut + 1))
  if (m == null) throw new Error(`no Bokeh model ${key}`)
  return m
}
// The Select (and option) that must be chosen for a control to matter: the one a tag
// "needs:<select>=<value>" names (the reduction explorer's class weights need the
// classification batch), or for a control named param_<loss>_<param> a Select of the
// same document offering <loss> (the longest such name).
const ownerOf = (m, d) => {
  const need = (m.tags ?? []).find((t) => typeof t === "string" && t.startsWith("needs:"))
  if (need) {
    const [name, value] = need.slice("needs:".length).split("=")
    const select = [...d.all_models].find((s) => s.type === "Select" && s.name === name)
    if (select == null) throw new Error(`${m.name}: tag ${need} names no Select of its document`)
    return {select, value}
  }
  if (!m.name || !m.name.startsWith("param_")) return null
  let best = null
  for (const s of d.all_models) {
    if (s.type !== "Select" || s === m) continue
    for (const v of optionValues(s)) {
      if (typeof v === "string" && m.name.startsWith(`param_${v}_`) && (best == null || v.length > best.value.length)) {
        best = {select: s, value: v}
      }
    }
  }
  return best
}
const controls = () => docs().flatMap((d, di) => [...d.all_models]
  .filter((m) => m.type in CONTROLS)
  .map((m) => {
    const o = ownerOf(m, d)
    return {key: controlKey(di, m), doc: di, type: m.type, name: m.name ?? m.id, value: CONTROLS[m.type].get(m),
            keys: CONTROLS[m.type].keys, disabled: !!m.disabled,
            owner: o && {key: controlKey(di, o.select), name: o.select.name, value: o.value}}
  }))
// How often BokehJS laid each document out again since countLayouts() first ran (its
// roots' compute_layout): a control's change should only repaint. It lays a whole widget
// out when a side panel changes size, e.g. a range change that widens the tick labels.
const countLayouts = () => {
  const counts = (window.__lossdocsLayouts = window.__lossdocsLayouts ?? {})
  docs().forEach((d, di) => d.roots().map(viewOf).filter(Boolean).forEach((v) => {
    if (v.__lossdocsCounted) return
    v.__lossdocsCounted = true
    const compute = v.compute_layout
    v.compute_layout = function (...args) { counts[di] = (counts[di] ?? 0) + 1; return compute.apply(this, args) }
  }))
}
const layouts = (di) => (window.__lossdocsLayouts ?? {})[di] ?? 0
const plotViews = (di) => [...docs()[di].all_models].map(viewOf).filter((v) => v && v.canvas_view && v.frame)
const widgetOf = (di) => {
  const root = docs()[di].roots().map(viewOf).find(Boolean)
  return root ? root.el.closest(".lossdocs-widget") : null
}
// The page has settled: each of the `arg` widget elements holds a finished Bokeh root
// with sized canvases, and every Bokeh root and plot of the page is drawn.
const settled = (nWidgets) => {
  const widgets = [...document.querySelectorAll(".lossdocs-widget")]
  if (widgets.length !== nWidgets) return false
  if (nWidgets === 0 && !window.Bokeh) return true
  if (!window.Bokeh || !Bokeh.index || !Bokeh.documents) return false
  if ((window.lossdocsQueue ?? []).length > 0) return false
  const roots = docs().flatMap((d) => d.roots().map(viewOf))
  if (roots.some((v) => !v || !v.has_finished())) return false
  for (const w of widgets) {
    if (!roots.some((v) => w.contains(v.el))) return false
    const canvases = deepAll(w, "canvas")
    if (canvases.length === 0) return false
    for (const c of canvases) {
      const box = c.getBoundingClientRect()
      if (box.width <= 0 || box.height <= 0 || c.width === 0 || c.height === 0) return false
    }
  }
  for (let di = 0; di < docs().length; di++) {
    for (const v of plotViews(di)) {
      const box = v.canvas_view.el.getBoundingClientRect()
      if (box.width <= 0 || box.height <= 0) return false
    }
  }
  return true
}
// The focused element, looking through shadow roots, and what it belongs to.
const deepActive = () => {
  let el = document.activeElement
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement
  return el
}
const describe = (el) => {
  if (!el) return "nothing"
  const cls = typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\s+/).join(".") : ""
  return `${el.tagName.toLowerCase()}${cls}`
}
const controlAt = (el) => {
  if (!el) return null
  const ds = docs()
  for (let di = 0; di < ds.length; di++) {
    for (const m of ds[di].all_models) {
      if (!(m.type in CONTROLS)) continue
      const v = viewOf(m)
      if (v && v.shadow_el && v.shadow_el.contains(el) && el.matches(CONTROLS[m.type].focus)) return controlKey(di, m)
    }
  }
  return null
}
const focusStyle = (el) => {
  const cs = getComputedStyle(el)
  return {outlineStyle: cs.outlineStyle, outlineWidth: parseFloat(cs.outlineWidth) || 0,
          outlineColor: cs.outlineColor, boxShadow: cs.boxShadow,
          focusVisible: el.matches(":focus-visible"), connected: el.isConnected}
}
const toRgb = (color) => {
  const probe = document.createElement("span")
  probe.style.color = "rgb(1, 2, 3)"
  probe.style.color = color
  document.body.appendChild(probe)
  const out = getComputedStyle(probe).color
  probe.remove()
  return out
}
"""


def js(page, body: str, arg=None):
    """Evaluate ``body`` (a function body that may ``return``) with JS_LIB in scope."""
    return page.evaluate(f"(arg) => {{ {JS_LIB}\n{body}\n}}", arg)


def wait_js(page, body: str, arg=None, what: str = "a condition", timeout: int = TIMEOUT_MS) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(f"(arg) => {{ {JS_LIB}\n{body}\n}}", arg=arg, timeout=timeout)
    except PlaywrightTimeout:
        pytest.fail(f"{page.url}: timed out after {timeout} ms waiting for {what}")


def next_frames(page, n: int = 2) -> None:
    page.evaluate("(n) => new Promise((done) => { const step = (k) => k === 0 ? done() :"
                  " requestAnimationFrame(() => step(k - 1)); step(n) })", n)


def image(png: bytes):
    from PIL import Image

    return Image.open(io.BytesIO(png)).convert("RGB")


def rgb_of(css: str) -> tuple[float, float, float]:
    m = re.fullmatch(r"rgba?\(([^)]*)\)", css.strip())
    assert m, f"not a CSS rgb colour: {css!r}"
    return tuple(float(v) for v in re.split(r"[\s,/]+", m[1].strip()) if v)[:3]


def luminance(rgb) -> float:
    r, g, b = rgb[:3]
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255.0


class Visit:
    """A fresh browser context with one guarded page; every request of the context
    (pages and workers) is recorded too."""

    def __init__(self, browser, **options):
        self.context = browser.new_context(viewport=VIEWPORT, color_scheme="light", **options)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context_requests: list[str] = []
        self.context.on("request", lambda r: self.context_requests.append(r.url))
        self.page = self.context.new_page()
        self.log = watch(self.page)

    def close(self) -> None:
        self.context.close()

    def problems(self) -> list[str]:
        return self.log.problems()

    def assert_clean(self, where: str, allowed=None) -> None:
        """No problem in the page log and, given ``allowed``, no request it refuses."""
        problems = self.problems()
        assert not problems, f"{where}: {len(problems)} problems\n  " + "\n  ".join(problems)
        if allowed is not None:
            outside = self.outside(allowed)
            assert not outside, f"{where}: requests that left the site\n  " + "\n  ".join(outside)

    def outside(self, allowed) -> list[str]:
        """Requests (of the page log and the whole context) not accepted by ``allowed``."""
        return sorted({u for u in self.log.requests + self.context_requests if not allowed(u)})


@pytest.fixture
def visit(browser):
    """Factory of :class:`Visit`; all are closed after the test."""
    opened = []

    def make(**options) -> Visit:
        v = Visit(browser, **options)
        opened.append(v)
        return v

    yield make
    for v in opened:
        v.close()


def served_only(server):
    """A predicate: the URL is the test server on 127.0.0.1 (or carries no request)."""
    port = urlparse(server.url).port

    def ok(url: str) -> bool:
        u = urlparse(url)
        if u.scheme in ("data", "blob", "about"):
            return True
        return u.scheme == "http" and u.hostname == "127.0.0.1" and u.port == port

    return ok


def file_only(url: str) -> bool:
    return urlparse(url).scheme in ("file", "data", "blob", "about")


def settle(page, n_widgets: int) -> None:
    """Hydrate every widget and wait until each is drawn. (Whoever checks the page log
    waits for the network to be quiet first: ``quiet``.)"""
    page.wait_for_load_state("load")
    hydrate(page)  # as if the reader had scrolled to every widget
    wait_js(page, "return settled(arg)", n_widgets,
            what=f"the page to settle with its {n_widgets} widget(s) drawn (Bokeh roots finished, canvases sized)")


def quiet(page) -> None:
    """Wait until no request has been under way for 500 ms (late ones: search index, favicon)."""
    page.wait_for_load_state("networkidle")


def open_settled(v: Visit, url: str, n_widgets: int):
    v.page.goto(url)
    settle(v.page, n_widgets)
    return v.page


def plot_handles(page, di: int) -> list:
    handle = page.evaluate_handle(f"(arg) => {{ {JS_LIB}\nreturn plotViews(arg).map((v) => v.el)\n}}", di)
    out = [p.as_element() for p in handle.get_properties().values()]
    assert all(out), "a plot view has no DOM element"
    return out


def shots(plots) -> list[bytes]:
    return [p.screenshot(animations="disabled") for p in plots]


def drawn_colours(page, plot, tries: int = 20) -> int:
    """How many colours ``plot`` shows, once drawn. A screenshot scrolls the plot into view,
    and a canvas that was far off the screen can be captured before its first paint there
    (the page's white): look again a few frames later, up to ``tries`` times. A plot that
    is really blank stays blank."""
    for _ in range(tries):
        n = len(np.unique(np.asarray(image(plot.screenshot(animations="disabled"))).reshape(-1, 3), axis=0))
        if n > 10:
            return n
        next_frames(page)
    return n


def stable_shots(page, plots, tries: int = 10) -> list[bytes]:
    """Screenshots of ``plots`` once two in a row agree (the picture has stopped changing)."""
    before = shots(plots)
    for _ in range(tries):
        next_frames(page)
        now = shots(plots)
        if now == before:
            return now
        before = now
    return before


def picture_changes(page, plots, before: list[bytes], timeout: float = CHANGE_TIMEOUT_S) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        next_frames(page)
        if shots(plots) != before:
            return True
        if time.monotonic() > deadline:
            return False


def value_changes(page, key: str, before, timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        now = js(page, "const m = byKey(arg); return CONTROLS[m.type].get(m)", key)
        if json.dumps(now) != json.dumps(before):
            return True
        if time.monotonic() > deadline:
            return False
        next_frames(page, 1)


def set_control(page, key: str, value) -> None:
    js(page, "const m = byKey(arg[0]); CONTROLS[m.type].set(m, arg[1])", [key, value])


def choose_owner(page, control: dict) -> None:
    """For a ``param_<loss>_<param>`` control, choose ``<loss>`` in the Select offering it."""
    owner = control["owner"]
    if owner is None:
        return
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    set_control(page, owner["key"], owner["value"])
    try:  # let the choice take effect (it may enable the control); not itself a check
        page.wait_for_function(f"(arg) => {{ {JS_LIB}\nreturn !byKey(arg).disabled\n}}", arg=control["key"],
                               timeout=2_000)
    except PlaywrightTimeout:
        pass  # still disabled: the test that follows says so if it matters


# ----------------------------------------------------------------- tests


def test_every_built_page_is_covered(site_dir):
    """The pages this module is parametrized over are exactly the built site's pages."""
    assert PAGES_ERROR is None, f"could not list the pages from mkdocs.yml: {PAGES_ERROR}"
    built = built_pages(site_dir)
    assert PAGES == built, (
        f"pages built but not gated: {sorted(set(built) - set(PAGES))}; "
        f"gated but not built: {sorted(set(PAGES) - set(built))}")


def test_browser_keeps_its_own_traffic_off_the_network(visit):
    """(9) The session's Chromium runs with background networking off and a resolver
    that resolves nothing but 127.0.0.1 (read from its own chrome://version)."""
    v = visit()
    v.page.unroute("**/*")
    v.page.goto("chrome://version")
    text = v.page.locator("#command_line").inner_text().replace('"', "").replace("'", "")
    for flag in ("--disable-background-networking", "--disable-component-update",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        assert flag in text, f"Chromium runs without {flag}: {text}"


@pytest.mark.parametrize("page_path", PAGES)
def test_served_page_is_clean(visit, server, site_dir, page_path):
    """(1, 9) From 127.0.0.1: settles with its widgets drawn, no problem, nothing but
    127.0.0.1 requested, and no plot is blank."""
    n = static_counts(site_dir, page_path)["widgets"]
    v = visit()
    page = open_settled(v, server.url + page_path, n)
    blank = []
    for di in range(js(page, "return docs().length")):
        for i, plot in enumerate(plot_handles(page, di)):
            n = drawn_colours(page, plot)
            if n <= 10:
                blank.append(f"document {di} plot {i}: {n} colours")
    quiet(page)
    v.assert_clean(f"{page_path} from the server", served_only(server))
    assert blank == [], f"{page_path}: plots look blank"


@pytest.mark.parametrize("page_path", PAGES)
def test_page_from_disk_is_clean(visit, site_dir, page_path):
    """(3, 9) Opened from disk (file://): settles with its widgets drawn, no problem,
    nothing requested but local files."""
    n = static_counts(site_dir, page_path)["widgets"]
    v = visit()
    page = open_settled(v, (site_dir / page_path).as_uri(), n)
    quiet(page)
    v.assert_clean(f"{page_path} from file://", file_only)


@pytest.mark.parametrize("page_path", PAGES)
def test_every_control_changes_the_picture(visit, server, site_dir, page_path):
    """(2) Every control of every Bokeh document, set to its next value through its
    model, changes the pixels of that document's plots (a ``param_<loss>_<param>``
    control with ``<loss>`` chosen first)."""
    if not has_bokeh(site_dir, page_path):
        pytest.skip("no widget on this page")
    n = static_counts(site_dir, page_path)["widgets"]
    v = visit()
    page = open_settled(v, server.url + page_path, n)
    found = js(page, "return controls()")
    if not found:
        assert not has_controls(site_dir, page_path), f"{page_path} has widgets but no control was found"
        pytest.skip("no control on this page (a figure without controls)")
    failures, relaid = [], []
    js(page, "countLayouts()")
    for c in found:
        choose_owner(page, c)
        plots = plot_handles(page, c["doc"])
        if not plots:
            failures.append(f"{c['type']} {c['name']}: its document has no plot to draw on")
            continue
        before_png = stable_shots(page, plots)
        old, new = js(page, "const m = byKey(arg); return [CONTROLS[m.type].get(m), CONTROLS[m.type].next(m)]",
                      c["key"])
        disabled = js(page, "return !!byKey(arg).disabled", c["key"])
        layouts_before = js(page, "return layouts(arg)", c["doc"])
        set_control(page, c["key"], new)
        if not picture_changes(page, plots, before_png):
            owner = f", with {c['owner']['name']}={c['owner']['value']!r}" if c["owner"] else ""
            failures.append(f"{c['type']} {c['name']}: set from {old!r} to {new!r}{owner}"
                            f"{' (disabled)' if disabled else ''}, no pixel of its plots changed "
                            f"within {CHANGE_TIMEOUT_S} s")
        n_layouts = js(page, "return layouts(arg)", c["doc"]) - layouts_before
        # Value controls only: a play toggle's new label ("Pause") lays the widget out once
        # per press, not per step, and the steps it plays are the scrubber's, checked here.
        if n_layouts > 0 and c["type"] in ("Select", "Slider"):
            relaid.append(f"{c['type']} {c['name']} ({old!r} -> {new!r}): {n_layouts}")
    assert failures == [], f"{page_path}: controls that change nothing drawn:\n" + "\n".join(failures)
    # A change that resizes a side panel (tick labels of a new width) lays the whole widget
    # out again: tens of ms on a desktop, more on a phone (style.steady_ticks).
    assert relaid == [], f"{page_path}: controls whose change laid their widget out again:\n" + "\n".join(relaid)
    quiet(page)
    v.assert_clean(f"{page_path} while operating the controls", served_only(server))


def _nav_links(page) -> list[dict]:
    return page.locator(NAV_LINKS).evaluate_all(
        """(links) => links.map((a) => ({href: a.href.split('#')[0],
             visible: a.getClientRects().length > 0 && getComputedStyle(a).visibility !== 'hidden'}))""")


NAV_LINKS = "nav.md-tabs a.md-tabs__link, nav.md-nav--primary a.md-nav__link"


def _tab_towards(page, target: str) -> int | None:
    """Index among NAV_LINKS of the tab whose section (in the sidebar's full tree) holds ``target``."""
    return page.evaluate(
        """([sel, target]) => {
             const all = [...document.querySelectorAll(sel)]
             const tabs = [...document.querySelectorAll("nav.md-tabs .md-tabs__item")]
             const top = document.querySelector("nav.md-nav--primary > ul.md-nav__list")
             if (!top) return null
             const items = [...top.children].filter((li) => li.matches("li.md-nav__item"))
             const holds = (li) => [...li.querySelectorAll("a")].some((a) => a.href.split("#")[0] === target)
             const k = items.findIndex(holds)
             if (k < 0 || k >= tabs.length) return null
             const a = tabs[k].querySelector("a")
             return a ? all.indexOf(a) : null
           }""", [NAV_LINKS, target])


def navigate_by_clicks(v: Visit, target: str, widgets_at, max_clicks: int = 4) -> list[str]:
    """Click visible header-tab and sidebar links until ``target`` is reached, each page
    arrived at settling with its ``widgets_at(url)`` widgets drawn; the hrefs clicked.

    The page is left without waiting for its late requests (search index, favicon):
    those cut off by leaving it (``net::ERR_ABORTED`` while the next page is committed)
    are not problems of the site. Every page's own loading is gated on its own elsewhere."""
    page, clicked = v.page, []
    for _ in range(max_clicks):
        if page.url.split("#")[0] == target:
            return clicked
        links = _nav_links(page)
        index = next((i for i, link in enumerate(links) if link["visible"] and link["href"] == target), None)
        if index is None:
            index = _tab_towards(page, target)
        assert index is not None and links[index]["visible"], (
            f"from {page.url}: no visible navigation link leads towards {target} "
            f"(visible: {sorted({link['href'] for link in links if link['visible']})})")
        href = links[index]["href"]
        clicked.append(href)
        failed_before = len(v.log.failed)
        with page.expect_navigation(wait_until="commit"):
            page.locator(NAV_LINKS).nth(index).click()
        v.log.failed[failed_before:] = [f for f in v.log.failed[failed_before:] if "ERR_ABORTED" not in f]
        assert page.url.split("#")[0] == href, f"clicking the link to {href} led to {page.url}"
        settle(page, widgets_at(href))
    assert page.url.split("#")[0] == target, f"{max_clicks} clicks did not lead to {target}: {clicked}"
    return clicked


def test_navigation_from_home_and_back(visit, server, site_dir):
    """(4) From the home page, the header tabs and the sidebar (clicked, never typed
    addresses) lead to every other page, whose widgets draw, and lead back home;
    no problem on the way. One tour: home -> page -> home -> next page -> ..."""
    assert HOME in PAGES, f"no {HOME} among the pages"

    def widgets_at(url: str) -> int:
        assert url.startswith(server.url), f"navigation left the site: {url}"
        return static_counts(site_dir, url[len(server.url):])["widgets"]

    v = visit()
    home = server.url + HOME
    page = open_settled(v, home, widgets_at(home))
    failures = []
    for page_path in [p for p in PAGES if p != HOME]:
        try:
            there = navigate_by_clicks(v, server.url + page_path, widgets_at)
            back = navigate_by_clicks(v, home, widgets_at)
        except (AssertionError, pytest.fail.Exception) as err:
            failures.append(f"{page_path}: {err}")
            open_settled(v, home, widgets_at(home))  # start the next leg afresh
            continue
        if not there or not back:
            failures.append(f"{page_path}: reached without a click (there {there}, back {back})")
        if v.problems():
            failures.append(f"{page_path}: home -> {there} -> {back}:\n    " + "\n    ".join(v.problems()))
            for found in (v.log.console_errors, v.log.page_errors, v.log.blocked, v.log.failed):
                found.clear()
    quiet(page)
    if v.problems():
        failures.append("at the end of the tour:\n    " + "\n    ".join(v.problems()))
    assert failures == [], "navigation:\n" + "\n".join(failures)
    v.assert_clean("the navigation tour", served_only(server))


PALETTE_TOGGLE = "form[data-md-component=palette] label.md-header__button"


def _scheme(page) -> str | None:
    return page.evaluate("document.body.getAttribute('data-md-color-scheme')")


def _toggle_palette(page) -> str:
    """Click the header's visible palette toggle; the new scheme once it has changed."""
    before = _scheme(page)
    toggles = page.locator(PALETTE_TOGGLE).filter(visible=True)
    assert toggles.count() == 1, f"{toggles.count()} visible palette toggles in the header"
    toggles.first.click()
    wait_js(page, "return document.body.getAttribute('data-md-color-scheme') !== arg", before,
            what=f"the colour scheme to change from {before!r} after clicking the palette toggle")
    return _scheme(page)


def _root_scheme(page) -> str:
    return page.evaluate("getComputedStyle(document.documentElement).colorScheme")


# Every write of the palette's switching mark and scheme on <body>, in order, from the start
# of each page load: "switching+" (set), "switching-" (removed), "scheme=<value>".
PALETTE_WRITES_JS = """(() => {
  window.__paletteWrites = []
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.target !== document.body) continue
      const name = r.attributeName.replace("data-md-color-", "")
      window.__paletteWrites.push(name === "switching"
        ? "switching" + (document.body.hasAttribute(r.attributeName) ? "+" : "-")
        : name + "=" + document.body.getAttribute(r.attributeName))
    }
  }).observe(document, {attributes: true, subtree: true,
                        attributeFilter: ["data-md-color-switching", "data-md-color-scheme"]})
})()"""


def _palette_writes(page) -> list[str]:
    return page.evaluate("window.__paletteWrites")


def test_the_palette_sets_the_root_colour_scheme_without_a_whole_page_restyle(browser, server):
    """Material's bundle appends a <meta name="color-scheme"> as it starts and then fills
    it in; in Chromium each step restyles the whole page (reason PlatformColorChange),
    twice inside the bundle's long task on a phone. Its palette also marks <body> as
    switching and unmarks it a frame later, two more whole-page restyles for a palette
    that is already applied. The page holds that meta out and sets the root's colour
    scheme (scroll bars, the canvas) itself, and makes the switching mark only when the
    palette really changes. Traced on a first visit (light): no script restyles the page
    for a colour scheme, no switching mark is written, the root's scheme is light. A
    reader's toggle is marked (set, scheme, removed); after a reload with dark chosen
    (kept by Material in local storage, applied by its inline script before the first
    paint) nothing switches and the root is dark."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(PALETTE_WRITES_JS)
    try:
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        log = watch(page)
        browser.start_tracing(page=page, categories=[
            "devtools.timeline", "disabled-by-default-devtools.timeline.invalidationTracking",
            "disabled-by-default-devtools.timeline.stack"])
        page.goto(server.url + "lessons/classification.html")
        page.wait_for_load_state("load")
        next_frames(page, 4)
        events = json.loads(browser.stop_tracing())["traceEvents"]
        reasons = [e["args"]["data"] for e in events if "InvalidationTracking" in e.get("name", "")
                   and isinstance(e.get("args", {}).get("data"), dict)]
        assert any(r.get("stackTrace") for r in reasons), "the trace recorded no script-made style invalidation at all"
        scripted = [r for r in reasons if r.get("reason") == "PlatformColorChange" and r.get("stackTrace")]
        where = [(r.get("nodeName"), r["stackTrace"][0].get("url", "").rsplit("/", 1)[-1]) for r in scripted]
        assert where == [], f"scripts restyled the whole page for a colour scheme change: {where}"
        switching = [r for r in reasons if r.get("changedAttribute") == "data-md-color-switching"]
        assert switching == [], f"the palette's switching mark was written as the page loaded: {switching[:1]}"
        assert not any(w.startswith("switching") for w in _palette_writes(page)), _palette_writes(page)
        assert page.evaluate("document.querySelectorAll('meta[name=color-scheme]').length") == 0
        assert _scheme(page) == "default" and _root_scheme(page) == "light"
        page.evaluate("window.__paletteWrites = []")
        assert _toggle_palette(page) == "slate"
        wait_js(page, "return window.__paletteWrites.includes('switching-')",
                what="the palette's switching mark to be set and removed")
        assert _palette_writes(page) == ["switching+", "scheme=slate", "switching-"], \
            f"a reader's toggle is not marked as a switch (transitions would run): {_palette_writes(page)}"
        assert _root_scheme(page) == "dark"
        page.reload()
        page.wait_for_load_state("load")
        next_frames(page, 4)
        assert _scheme(page) == "slate" and _root_scheme(page) == "dark"
        assert not any(w.startswith("switching") for w in _palette_writes(page)), _palette_writes(page)
        assert log.problems() == []
    finally:
        context.close()


REPAINT_PAGES = ("lessons/classification.html", "lessons/loss-landscape.html")

RENDERER_POSITIONS_JS = """
// Each renderer view of every plot: its position stylesheet's text and the box it
// should state. BokehJS writes left, top, width and height of the renderer's bbox; for a
// glyph renderer (an empty element under the canvas) the loader writes its frame's box,
// not the glyphs' data bounds. `data` is the glyphs' own bounds, to see data move.
const out = []
const edges = (b) => [b.left, b.top, b.width, b.height]
for (let di = 0; di < docs().length; di++) {
  for (const plot of plotViews(di)) {
    for (const r of plot.renderer_views.values()) {
      const box = r.bbox
      if (r.position == null || box == null || !box.is_valid || r.panel != null) continue
      const glyph = r.model.type === "GlyphRenderer"
      out.push({css: r.position.css, box: edges(glyph ? plot.frame.bbox : box), type: r.model.type,
                glyph, data: edges(box), doc: di, id: r.model.id})
    }
  }
}
return out
"""


def _recalcs(cdp) -> int:
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return int(metrics["RecalcStyleCount"])


@pytest.mark.parametrize("page_path", REPAINT_PAGES)
def test_a_bare_repaint_restyles_nothing_and_a_moved_renderer_still_moves(visit, server, site_dir, page_path):
    """BokehJS 3.x rewrites every renderer's position stylesheet on every paint, changed
    or not, then reads a CSS variable back: the browser restyles once per renderer per
    paint (about a dozen per repaint of a two-plot widget, most of a bare repaint's cost).
    The loader lets only changed text through. Here: ten repaints of every plot of the
    page (``request_paint``, as a zoom or a hover readout asks) cost at most a couple of
    style recalculations in all, counted by Chromium (``Performance.getMetrics``). And
    the stylesheets still follow their renderers: after the window narrows (every plot
    lays out again), each one states its renderer's new box."""
    n = static_counts(site_dir, page_path)["widgets"]
    v = visit()
    page = open_settled(v, server.url + page_path, n)
    cdp = v.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    n_plots = js(page, "return docs().reduce((k, d, di) => k + plotViews(di).length, 0)")
    assert n_plots >= 2, f"{page_path}: only {n_plots} plot views"
    next_frames(page, 3)
    before = _recalcs(cdp)
    for _ in range(10):
        js(page, "for (let di = 0; di < docs().length; di++) for (const p of plotViews(di)) p.request_paint()")
        next_frames(page, 2)
    spent = _recalcs(cdp) - before
    assert spent <= 3, f"{page_path}: 10 bare repaints of {n_plots} plots cost {spent} style recalculations"

    def stated(rec: dict) -> list[float] | None:
        """The box a stylesheet states in px (None for one placed otherwise: a legend's %)."""
        found = [re.search(rf"\b{k}:\s*(-?[\d.e+-]+)px", rec["css"]) for k in ("left", "top", "width", "height")]
        return [float(m[1]) for m in found] if all(found) else None

    first = js(page, RENDERER_POSITIONS_JS)
    in_px = [r for r in first if stated(r) is not None]
    assert len(in_px) >= 2 * n_plots, f"{page_path}: {len(in_px)} renderers placed in px by {n_plots} plots"
    page.set_viewport_size({"width": VIEWPORT["width"] - 180, "height": VIEWPORT["height"]})
    deadline = time.monotonic() + CHANGE_TIMEOUT_S
    while True:
        next_frames(page, 4)
        after = js(page, RENDERER_POSITIONS_JS)
        moved = [a for a, b in zip(after, first) if a["box"] != b["box"]]
        if moved or time.monotonic() > deadline:
            break
    assert moved, f"{page_path}: narrowing the window moved no renderer"
    assert len(after) == len(first), f"{page_path}: {len(first)} renderers before, {len(after)} after"
    wrong = [(r["box"], r["css"][:120]) for r, r0 in zip(after, first) if stated(r0) is not None
             and (stated(r) is None or not np.allclose(stated(r), r["box"], atol=1e-6))]
    assert wrong == [], f"{page_path}: position stylesheets that no longer state their renderer's box: {wrong[:3]}"
    assert v.problems() == []


DATA_CHANGE_PAGES = ("lessons/reading-the-loss-curve.html", "lessons/walking-downhill.html")


@pytest.mark.parametrize("page_path", DATA_CHANGE_PAGES)
def test_a_data_change_rewrites_no_glyph_box(visit, server, site_dir, page_path):
    """BokehJS sizes each glyph renderer's (empty) element to its glyphs' data bounds, so
    every control that changes data wrote new stylesheets and restyled the page (and laid
    it out) before the plots could paint. The loader states the frame's box instead. Here
    every control of the page is changed in turn: the glyphs' data bounds move, yet no
    glyph renderer's stylesheet text changes, and each states its frame's box."""
    n = static_counts(site_dir, page_path)["widgets"]
    v = visit()
    page = open_settled(v, server.url + page_path, n)
    first = js(page, RENDERER_POSITIONS_JS)
    glyphs = [r for r in first if r["glyph"]]
    assert len(glyphs) >= 4, f"{page_path}: {len(glyphs)} glyph renderers"
    for r in glyphs:
        found = [re.search(rf"\b{k}:\s*(-?[\d.e+-]+)px", r["css"]) for k in ("left", "top", "width", "height")]
        assert all(found), f"{page_path}: a glyph renderer placed otherwise: {r['css'][:120]}"
        assert np.allclose([float(m[1]) for m in found], r["box"], atol=1e-6), (r["css"][:120], r["box"])
    moved = 0
    for control in js(page, "return controls()"):
        if control["disabled"]:
            continue
        before = js(page, RENDERER_POSITIONS_JS)
        set_control(page, control["key"], js(page, "const m = byKey(arg); return CONTROLS[m.type].next(m)",
                                             control["key"]))
        next_frames(page, 4)
        after = js(page, RENDERER_POSITIONS_JS)
        # A renderer whose data was empty has no bounds and is listed only while it has some.
        pairs = [(a, b) for a in after for b in before if a["id"] == b["id"] and a["glyph"]]
        moved += sum(a["data"] != b["data"] for a, b in pairs)
        rewritten = [a["css"][:100] for a, b in pairs if a["css"] != b["css"]]
        assert rewritten == [], f"{page_path}: {control['name']} rewrote glyph boxes: {rewritten[:2]}"
    assert moved >= 3, f"{page_path}: the controls moved the data bounds of only {moved} glyph renderers"
    assert v.problems() == []


def test_a_first_visit_under_a_dark_system_theme_switches_with_the_mark(browser, server):
    """No palette stored and a dark system theme: the page arrives with Material's first
    (light) palette, and its bundle switches to the dark one as it starts. That is a real
    switch: the mark goes on before the scheme changes and comes off after (no colour
    transitions run), and the root's colour scheme follows to dark."""
    context = browser.new_context(viewport=VIEWPORT, color_scheme="dark")
    context.add_init_script(PALETTE_WRITES_JS)
    try:
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        log = watch(page)
        page.goto(server.url + "index.html")
        page.wait_for_load_state("load")
        wait_js(page, "return window.__paletteWrites.includes('switching-')",
                what="the start-up switch to the dark palette to be marked and unmarked")
        assert _palette_writes(page) == ["switching+", "scheme=slate", "switching-"], _palette_writes(page)
        assert _scheme(page) == "slate" and _root_scheme(page) == "dark"
        assert log.problems() == []
    finally:
        context.close()


def _axis_label_colours(page) -> list[dict]:
    return js(page, """
      return docs().flatMap((d) => [...d.all_models])
        .filter((m) => m.properties.axis_label_text_color != null && m.axis_label_text_color != null)
        .map((m) => ({name: m.name ?? m.type + ' ' + m.id, color: toRgb(String(m.axis_label_text_color))}))
    """)


def _empty_spots(page) -> list[dict]:
    """For each plot (one without an image glyph filling it): the four corners of its
    frame, 6 px in, as page pixels of a fresh viewport screenshot, and the body colour."""
    out = []
    n_docs = js(page, "return docs().length")
    for di in range(n_docs):
        n_plots = js(page, "return plotViews(arg).length", di)
        for pi in range(n_plots):
            where = js(page, """
              const v = plotViews(arg[0])[arg[1]]
              const name = v.model.name ?? v.model.id
              if (v.model.renderers.some((r) => r.glyph && /^Image/.test(r.glyph.type))) return {name, image: true}
              v.el.scrollIntoView({block: "center"})
              const box = v.canvas_view.el.getBoundingClientRect(), f = v.frame.bbox, k = 6
              const corners = [[f.left + k, f.top + k], [f.right - k, f.top + k],
                               [f.left + k, f.bottom - k], [f.right - k, f.bottom - k]]
              return {name, image: false, points: corners.map(([x, y]) => [box.left + x, box.top + y]),
                      body: getComputedStyle(document.body).backgroundColor}
            """, [di, pi])
            if where["image"]:
                continue
            next_frames(page)
            img = image(page.screenshot())
            where["pixels"] = [img.getpixel((round(x), round(y))) for x, y in where["points"]]
            out.append(where)
    return out


def _check_background(spots: list[dict], scheme: str) -> list[str]:
    bad = []
    for s in spots:
        body = rgb_of(s["body"])
        if not any(np.allclose(px, body, atol=3) for px in s["pixels"]):
            bad.append(f"{scheme}: plot {s['name']}: no empty corner shows the page background {s['body']}; "
                       f"corners are {s['pixels']}")
    return bad


@pytest.mark.parametrize("page_path", PAGES)
def test_light_dark_toggle(visit, server, site_dir, page_path):
    """(5) The palette toggle flips body[data-md-color-scheme] and back; on widget pages
    an empty spot of every plot is the page background (near white, then slate's dark
    grey), and the axis labels are dark on light and light on dark."""
    n = static_counts(site_dir, page_path)["widgets"]
    v = visit()
    page = open_settled(v, server.url + page_path, n)
    first = _scheme(page)
    assert first == "default", f"the page opens in scheme {first!r}, not Material's light 'default'"
    assert _root_scheme(page) == "light"
    bokeh = has_bokeh(site_dir, page_path)
    failures = []
    if bokeh:
        light_labels = _axis_label_colours(page)
        light_spots = _empty_spots(page)
        assert light_labels and light_spots, "a widget page with no axis label or no empty plot area to sample"
        failures += [f"light: axis label of {a['name']} is {a['color']}, not dark"
                     for a in light_labels if luminance(rgb_of(a["color"])) >= 0.4]
        failures += _check_background(light_spots, "light")
        if luminance(rgb_of(light_spots[0]["body"])) < 0.9:
            failures.append(f"light: the page background {light_spots[0]['body']} is not near white")
    assert _toggle_palette(page) == "slate"
    wait_js(page, "return getComputedStyle(document.documentElement).colorScheme === 'dark'",
            what="the root's colour scheme (scroll bars, canvas) to follow the palette to dark")
    if bokeh:
        wait_js(page, """return docs().flatMap((d) => [...d.all_models])
                           .filter((m) => m.properties.axis_label_text_color != null && m.axis_label_text_color != null)
                           .every((m, i) => toRgb(String(m.axis_label_text_color)) !== arg[i].color)""",
                light_labels, what="the axis labels to be recoloured for the dark scheme")
        dark_spots = _empty_spots(page)
        failures += [f"dark: axis label of {a['name']} is {a['color']}, not light"
                     for a in _axis_label_colours(page) if luminance(rgb_of(a["color"])) <= 0.6]
        failures += _check_background(dark_spots, "dark")
        if luminance(rgb_of(dark_spots[0]["body"])) > 0.2:
            failures.append(f"dark: the page background {dark_spots[0]['body']} is not slate's dark grey")
    assert _toggle_palette(page) == "default", "the second click does not return to the light scheme"
    wait_js(page, "return getComputedStyle(document.documentElement).colorScheme === 'light'",
            what="the root's colour scheme to follow the palette back to light")
    if bokeh:
        failures += [f"light again: axis label of {a['name']} is {a['color']}, not dark"
                     for a in _axis_label_colours(page) if luminance(rgb_of(a["color"])) >= 0.4]
    assert failures == [], f"{page_path}:\n" + "\n".join(failures)
    quiet(page)
    v.assert_clean(page_path, served_only(server))


def _tab_sweep(page, wanted: set[str], done: dict) -> list[str]:
    """Press Tab from the top of the page until every control in ``wanted`` has been
    reached and operated (results into ``done``); the focus path, for messages."""
    path = []
    js(page, "window.__gateFirst = null")
    for i in range(MAX_TABS):
        page.keyboard.press("Tab")
        info = js(page, """
          const el = deepActive()
          const wrapped = el != null && el === window.__gateFirst
          if (window.__gateFirst == null && el !== document.body) window.__gateFirst = el
          const key = controlAt(el)
          return {what: describe(el), key, wrapped, disabled: key ? !!byKey(key).disabled : null}
        """)
        path.append(info["what"])
        if info["wrapped"]:
            break
        key = info["key"]
        if key is None or key not in wanted or key in done or info["disabled"]:
            continue
        # Its look focused (as Tab left it), unfocused, and focused again.
        record = js(page, """
          const el = deepActive()
          const focused = focusStyle(el)
          el.blur()
          const unfocused = focusStyle(el)
          el.focus()
          return {focused, unfocused, refocused: deepActive() === el}
        """)
        assert record["refocused"], f"{info['what']} could not be focused again after measuring it unfocused"
        record["tabs"] = i + 1
        before = js(page, "const m = byKey(arg); return CONTROLS[m.type].get(m)", key)
        record["pressed"] = []
        for k in js(page, "return CONTROLS[byKey(arg).type].keys", key):
            page.keyboard.press(k)
            record["pressed"].append(k)
            if value_changes(page, key, before):
                record["changed"] = True
                break
        else:
            record["changed"] = False
        record["after"] = js(page, "const m = byKey(arg); return CONTROLS[m.type].get(m)", key)
        set_control(page, key, before)  # back where it was, so later controls meet the same state
        next_frames(page)
        done[key] = record
        if wanted <= done.keys():
            break
    return path


def _has_focus_ring(record: dict) -> bool:
    """An outline, or a box-shadow that only focus brings."""
    f, u = record["focused"], record["unfocused"]
    if f["outlineStyle"] != "none" and f["outlineWidth"] > 0:
        return True
    return f["boxShadow"] not in ("none", "") and f["boxShadow"] != u["boxShadow"]


@pytest.mark.parametrize("page_path", PAGES)
def test_keyboard_reaches_and_operates_every_control(visit, server, site_dir, page_path):
    """(6) Tab from the top reaches every control's own element (<select>, slider
    handle, ...), which shows a focus ring, and the control's keys change its value.
    A control disabled until its loss is chosen gets a second sweep with it chosen."""
    if not has_bokeh(site_dir, page_path):
        pytest.skip("no widget on this page")
    n = static_counts(site_dir, page_path)["widgets"]
    v = visit()
    url = server.url + page_path
    page = open_settled(v, url, n)
    found = {c["key"]: c for c in js(page, "return controls()")}
    if not found:
        assert not has_controls(site_dir, page_path), f"{page_path} has widgets but no control was found"
        pytest.skip("no control on this page (a figure without controls)")
    done: dict = {}
    paths = [_tab_sweep(page, set(found), done)]
    # Controls not reached or disabled in the opening state: once more with their loss chosen.
    owners = {}
    for key, c in found.items():
        if key not in done and c["owner"] is not None:
            owners.setdefault((c["owner"]["key"], c["owner"]["value"]), set()).add(key)
    for (owner_key, value), keys in owners.items():
        open_settled(v, url, n)
        choose_owner(page, found[next(iter(keys))])
        paths.append(_tab_sweep(page, keys, done))
    failures = []
    for key, c in found.items():
        label = f"{c['type']} {c['name']}"
        if key not in done:
            failures.append(f"{label}: never reached (enabled) by Tab; focus went through "
                            f"{' | '.join(dict.fromkeys(p for path in paths for p in path))}")
            continue
        r = done[key]
        if not r["changed"]:
            failures.append(f"{label}: pressing {r['pressed']} on it left its value at {r['after']!r}")
        if not r["focused"]["focusVisible"]:
            failures.append(f"{label}: does not match :focus-visible when reached by Tab")
        if not _has_focus_ring(r):
            failures.append(f"{label}: no visible focus indicator (focused style {r['focused']}, "
                            f"unfocused {r['unfocused']})")
    assert failures == [], f"{page_path}:\n" + "\n".join(failures)
    quiet(page)
    v.assert_clean(page_path, served_only(server))


# Lighthouse 13's accessibility audit runs axe-core on the WCAG 2 A and AA rules plus
# these (tagged "experimental" or "best-practice" in axe, so a default run skips some),
# and any violation among them lowers its score. They are judged here at every impact,
# so a page that passes scores 100 there; axe's other rules, at serious or critical.
# td-has-header caught the FAQ's table whose corner header was empty.
LIGHTHOUSE_EXTRA_RULES = (
    "accesskeys", "aria-allowed-role", "aria-conditional-attr", "aria-deprecated-role",
    "aria-dialog-name", "aria-prohibited-attr", "aria-treeitem-name", "aria-text",
    "autocomplete-valid", "empty-heading", "heading-order", "html-xml-lang-mismatch",
    "identical-links-same-purpose", "image-redundant-alt", "input-button-name",
    "label-content-name-mismatch", "landmark-one-main", "link-in-text-block", "meta-viewport",
    "presentation-role-conflict", "select-name", "skip-link", "svg-img-alt", "tabindex",
    "table-duplicate-name", "table-fake-caption", "target-size", "td-has-header")
LIGHTHOUSE_TAGS = ("wcag2a", "wcag2aa")


def _judged(violation: dict) -> bool:
    return (violation.get("impact") in ("serious", "critical") or violation["id"] in LIGHTHOUSE_EXTRA_RULES
            or any(tag in LIGHTHOUSE_TAGS for tag in violation.get("tags", ())))


# Every block the stylesheet lets the browser skip (content-visibility: auto).
SKIPPED_BLOCKS_JS = """() => [...document.querySelectorAll(
  ".md-content__inner > *, .jupyter-wrapper .jp-Cell, .lossdocs-widget > .lossdocs-figure")]
  .filter((el) => getComputedStyle(el).contentVisibility === "auto").length"""


def draw_everything(page) -> None:
    """Lift the skipping of blocks away from the screen, so that the whole page is drawn:
    axe-core judges colours from what is painted, and a skipped block's text reads as
    black on grey (or on the footer, when its placeholder is short)."""
    page.add_style_tag(content="* { content-visibility: visible !important }")
    assert page.evaluate(SKIPPED_BLOCKS_JS) == 0


def _axe_failures(page, only: tuple[str, ...] = ()) -> list[str]:
    """axe-core's violations that Lighthouse would count, on the whole page drawn; with
    ``only``, just those rules, on the page as it is."""
    from axe_playwright_python.sync_playwright import Axe

    if not only:
        draw_everything(page)
    next_frames(page)
    options = {"resultTypes": ["violations"],
               "rules": {rule: {"enabled": True} for rule in LIGHTHOUSE_EXTRA_RULES}}
    if only:
        options = {"resultTypes": ["violations"], "runOnly": {"type": "rule", "values": list(only)}}
    result = Axe().run(page, options=options)
    bad = [x for x in result.response["violations"] if _judged(x)]
    lines = []
    for x in bad:
        lines.append(f"[{x['impact']}] {x['id']}: {x['help']} ({len(x['nodes'])} nodes) {x['helpUrl']}")
        for node in x["nodes"][:5]:
            lines.append(f"    {node['target']}: {node.get('failureSummary', '').replace(chr(10), ' ')}")
            lines.append(f"      {node['html'][:200]}")
    return lines


@pytest.mark.parametrize("page_path", PAGES)
def test_accessibility(visit, server, site_dir, page_path):
    """(7) axe-core, with the rules Lighthouse adds: no violation of any impact (light scheme)."""
    v = visit()
    page = open_settled(v, server.url + page_path, static_counts(site_dir, page_path)["widgets"])
    failures = _axe_failures(page)
    assert failures == [], f"{page_path} (light): axe violations\n" + "\n".join(failures)


@pytest.mark.parametrize("page_path", PAGES)
def test_colour_contrast_as_loaded_on_a_phone(browser, server, page_path):
    """Lighthouse reads colour contrast from the page as it loaded, with the blocks below
    the screen still skipped. A skipped block's text keeps its place, and where a
    placeholder was shorter than its block the text of the last blocks lay over the
    footer: axe-core judged the glossary's link text against its near-black (contrast
    2.3). The loader no longer draws the skipped blocks after load, so this is what
    Lighthouse sees."""
    context = browser.new_context(**PHONE_LOAD)
    try:
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        log = watch(page)
        page.goto(server.url + page_path)
        page.wait_for_load_state("load")
        page.evaluate("document.fonts.ready.then(() => null)")
        failures = _axe_failures(page, only=("color-contrast",))
        assert failures == [], f"{page_path} as loaded on a phone: axe violations\n" + "\n".join(failures)
        assert log.problems() == []
    finally:
        context.close()


def test_blocks_below_the_screen_stay_skipped_until_the_reader_nears_them(browser, server):
    """The loader leaves the skipped blocks to the browser: after load they are still
    skipped (drawing them all, a block per idle moment, cost a phone seconds of long
    frames), and scrolling to the end draws the ones there."""
    context = browser.new_context(**PHONE_LOAD)
    try:
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto(server.url + "reference/faq.html")
        page.wait_for_load_state("load")
        page.wait_for_timeout(1500)  # idle time, in which the old loader drew blocks
        next_frames(page)
        drawn = """() => [...document.querySelectorAll(".md-content__inner > *")]
          .filter((el) => getComputedStyle(el).contentVisibility === "auto")
          .map((el) => el.firstElementChild === null
            || el.firstElementChild.checkVisibility({contentVisibilityAuto: true}))"""
        before = page.evaluate(drawn)
        assert len(before) > 20, "the FAQ should have many skippable blocks"
        assert not any(before[-5:]), "blocks at the end of the FAQ were drawn without the reader going there"
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        next_frames(page, 4)
        after = page.evaluate(drawn)
        assert any(after[-3:]), "scrolled to the end, the last skippable blocks are still not drawn"
    finally:
        context.close()


# Lighthouse's mobile screen, where Chromium's emulation flags the first half second's
# shifts as if the reader had given input. Lighthouse counts them, and so does this.
PHONE_LOAD = {"viewport": {"width": 412, "height": 823}, "device_scale_factor": 1.75,
              "is_mobile": True, "has_touch": True}
SHIFTS_JS = """
window.__shifts = []
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    window.__shifts.push({value: e.value, at: e.startTime, sources: e.sources.map((s) =>
      (s.node && s.node.outerHTML || "").slice(0, 80))})
  }
}).observe({type: "layout-shift", buffered: true})
"""
CLS_BUDGET = 0.02  # the platform issue's budget, as scripts/bench.py measures it


@pytest.mark.parametrize("page_path", PAGES)
def test_first_load_does_not_shift_on_a_phone(browser, server, page_path):
    """Left alone at the top, a page lays out its first screen once: the blocks the
    stylesheet lets the browser skip start below it, so none in view is drawn late and
    pushes the text down (it was up to 0.1 on the lessons, every entry counted, as
    Lighthouse does).

    The page is loaded once before the measured load, so that its fonts come from the
    cache: this measures the layout, not how late the network delivers KaTeX's fonts (on
    the comparison page a late font can re-wrap the first table's cells, 0.01-0.04; the
    README lists it)."""
    context = browser.new_context(**PHONE_LOAD)
    try:
        context.set_default_timeout(TIMEOUT_MS)
        warm = context.new_page()
        warm.goto(server.url + page_path)
        warm.wait_for_load_state("load")
        warm.evaluate("document.fonts.ready.then(() => null)")
        warm.close()
        page = context.new_page()
        log = watch(page)
        page.add_init_script(SHIFTS_JS)
        page.goto(server.url + page_path)
        page.wait_for_load_state("load")
        next_frames(page, 3)
        shifts = page.evaluate("window.__shifts")
        total = sum(s["value"] for s in shifts)
        assert total <= CLS_BUDGET, (
            f"{page_path}: layout shifts add up to {total:.4f} (budget {CLS_BUDGET})\n  "
            + "\n  ".join(f"{s['value']:.4f} at {s['at']:.0f} ms: {s['sources']}" for s in shifts))
        assert log.problems() == []
    finally:
        context.close()


def test_accessibility_dark(visit, server, site_dir):
    """(7) axe-core on the first widget page in the dark scheme."""
    pages = widget_pages(site_dir)
    assert pages, "no widget page in the site"
    v = visit()
    page = open_settled(v, server.url + pages[0], static_counts(site_dir, pages[0])["widgets"])
    assert _toggle_palette(page) == "slate"
    next_frames(page)
    failures = _axe_failures(page)
    assert failures == [], f"{pages[0]} (dark): axe violations\n" + "\n".join(failures)


@pytest.mark.parametrize("page_path", PAGES)
def test_without_javascript(visit, server, site_dir, page_path):
    """(8) JavaScript off: the article's text, every build-time KaTeX formula and, on
    widget pages, each widget's static fallback figure are shown."""
    counts = static_counts(site_dir, page_path)
    v = visit(java_script_enabled=False)
    page = v.page
    page.goto(server.url + page_path)
    quiet(page)
    text = page.locator("article").first.inner_text()
    assert len(text.strip()) > 200, f"{page_path}: only {len(text.strip())} characters of text without JavaScript"
    assert page.locator(".katex").count() == counts["katex"], "formulas lost without JavaScript"
    if counts["katex"]:
        assert page.locator(".katex").first.is_visible()
    figures = page.locator(".lossdocs-widget .lossdocs-figure svg")
    missing = [i for i in range(counts["widgets"])
               if not page.locator(".lossdocs-widget").nth(i).locator(".lossdocs-figure svg").first.is_visible()]
    assert missing == [], f"{page_path}: widgets {missing} show no fallback figure without JavaScript"
    assert figures.count() >= counts["widgets"]
    v.assert_clean(f"{page_path} without JavaScript", served_only(server))
