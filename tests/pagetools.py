"""Page helpers shared by the browser tests: open a guarded page, wait for frames,
compare pictures. (Chromium itself, the server and the request guard live in
``browser``; this is only what tests do with a page.)"""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from browser import is_local, watch

VIEWPORT = {"width": 1280, "height": 1100}
TIMEOUT_MS = 10_000  # any single wait

# JavaScript every test snippet may use: the page's (first) Bokeh document and its
# models by name. Test files add their own helpers after it.
BOKEH_JS = r"""
const doc = () => Bokeh.documents[0]
const model = (name) => {
  const m = doc().get_model_by_name(name)
  if (!m) throw new Error(`no Bokeh model named ${name}`)
  return m
}
"""

# The view of a named model of the page's (first) document, found by walking the views
# down from its roots. For test files that need views, after BOKEH_JS.
VIEW_JS = r"""
const viewOf = (name) => {
  const stack = doc().roots().map((r) => Bokeh.index.get_by_id(r.id)).filter(Boolean)
  while (stack.length > 0) {
    const v = stack.pop()
    if (v.model.name === name) return v
    for (const c of v.child_views ?? []) stack.push(c)
  }
  throw new Error(`no view for the Bokeh model named ${name}`)
}
"""

# The data source of the one visible renderer of a layer: the renderers named
# <prefix>:0, <prefix>:1, ... of which a widget shows one (lossdocs.widgets.landscape.one_visible).
# After BOKEH_JS.
LAYER_JS = r"""
const shown = (prefix) => {
  const on = [...doc().all_models].filter((m) => m.type === "GlyphRenderer" && m.visible &&
    typeof m.name === "string" && m.name.startsWith(prefix + ":"))
  if (on.length !== 1) throw new Error(`${on.length} visible renderers in the layer ${prefix}`)
  return on[0].data_source
}
"""

# Every value of every Select and up to 12 of every Slider of the page's first document, in
# turn: which data sources ({source: [lengths seen]}) changed length (none should, in a
# widget whose sources keep fixed lengths: see lossdocs.widgets.code.padded). After BOKEH_JS.
LENGTHS_JS = r"""
const lengthChanges = async (skip) => {
  const settle = () => new Promise((r) => {  // a task after the change's microtasks (BokehJS's updates)
    const c = new MessageChannel()
    c.port1.onmessage = () => r()
    c.port2.postMessage(0)
  })
  const models = [...doc().all_models]
  const sources = models.filter((m) => m.type === "ColumnDataSource" && !skip.includes(m.name))
  const seen = Object.fromEntries(sources.map((s) => [s.name, new Set([s.get_length()])]))
  let moves = 0
  for (const c of models.filter((m) => m.type === "Select" || m.type === "Slider")) {
    const values = c.type === "Select" ? c.options.map((o) => (Array.isArray(o) ? o[0] : o))
      : Array.from({length: Math.round((c.end - c.start) / c.step) + 1}, (_, i) => c.start + i * c.step).slice(0, 12)
    const before = c.value
    for (const v of [...values, before]) {
      c.value = v
      await settle()
      moves++
      for (const s of sources) seen[s.name].add(s.get_length())
    }
  }
  const changed = Object.fromEntries(Object.entries(seen).filter(([, l]) => l.size > 1).map(([k, l]) => [k, [...l]]))
  return {changed, moves, sources: sources.length}
}
"""


def hydrate(page) -> None:
    """Make every widget of the page live now, as scrolling to each would (the site
    hydrates a widget only when it nears the viewport, is touched or is linked to)."""
    page.evaluate("() => window.lossdocs ? window.lossdocs.hydrateAll().then(() => true) : true")


def open_page(browser, url: str, viewport: dict | None = None, live: bool = True, **context_options):
    """A new context and page with the request guard on, at ``url``: (context, page, log).
    With ``live``, every widget is hydrated (JavaScript on)."""
    context = browser.new_context(viewport=viewport or VIEWPORT, **context_options)
    page = context.new_page()
    log = watch(page)
    page.goto(url)
    page.wait_for_load_state("networkidle")  # the search worker's index too
    if live and context_options.get("java_script_enabled", True):
        hydrate(page)
    return context, page, log


def next_frames(page, n: int = 2) -> None:
    """Let the page render ``n`` animation frames (Bokeh paints on the next frame)."""
    page.evaluate(
        "(n) => new Promise((done) => { const step = (k) => k === 0 ? done() :"
        " requestAnimationFrame(() => step(k - 1)); step(n) })", n)


HEADER_BOTTOM_JS = "() => document.querySelector('.md-header')?.getBoundingClientRect().bottom ?? 0"


def scroll_into_view(el, tries: int = 20) -> None:
    """Scroll ``el`` (a locator or an element handle) into view, clear of Material's
    sticky header, and wait until it stays put.

    Blocks away from the screen are skipped (content-visibility in lossdocs.css) and hold
    a placeholder height; once near the screen they are drawn at their real height, a frame
    after the scroll, and what lies below them moves. The browser's scroll anchoring keeps
    a reader's own scrolling steady, and the loader re-aims anchor jumps, but a script's
    scrollIntoView is neither: a pointer aimed just after it can miss by a few hundred px,
    or land on the header that now covers the element."""
    page = el.page if hasattr(el, "page") else el.owner_frame().page
    last, centred = None, False
    for _ in range(tries):
        el.scroll_into_view_if_needed()
        # A timeout, not the page's animation frames: with JavaScript off those never come.
        page.wait_for_timeout(50)
        box = el.bounding_box()
        if box is not None and not centred:
            header = page.evaluate(HEADER_BOTTOM_JS)
            if box["y"] < header and box["height"] <= page.viewport_size["height"] - header:
                el.evaluate("(e) => e.scrollIntoView({block: 'center'})")  # out from under the header
                last, centred = None, True
                continue
        if box is not None and box == last:
            return
        last = box
    raise AssertionError(f"the element kept moving after {tries} scrolls into view (last box {last})")


def shot(el) -> bytes:
    return el.screenshot(animations="disabled")


def wait_for_new_picture(page, el, before: bytes, what: str, timeout: float = 5.0) -> bytes:
    """Screenshots of ``el`` until one differs from ``before``; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        next_frames(page)
        after = shot(el)
        if after != before:
            return after
        if time.monotonic() > deadline:
            pytest.fail(f"the picture did not change within {timeout} s after {what}")


def image(png: bytes):
    from PIL import Image

    return Image.open(io.BytesIO(png)).convert("RGB")


def colours(png: bytes) -> int:
    """How many distinct colours a PNG has (a blank canvas has one or two)."""
    return len(np.unique(np.asarray(image(png)).reshape(-1, 3), axis=0))


def run_js(page, helpers: str, body: str, arg=None):
    """Evaluate ``body`` (a function body that may ``return``) with ``helpers`` in scope."""
    return page.evaluate(f"(arg) => {{ {helpers}\n{body}\n}}", arg)


def wait_js(page, helpers: str, body: str, arg=None, what: str = "condition", timeout: int = TIMEOUT_MS):
    """Wait until ``body`` returns a truthy value; fail the test saying ``what`` did not happen."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(f"(arg) => {{ {helpers}\n{body}\n}}", arg=arg, timeout=timeout)
    except PlaywrightTimeout:
        pytest.fail(f"timed out after {timeout} ms waiting for: {what}")


def bind_js(helpers: str):
    """``(js, wait_js)`` for a test file whose snippets use ``helpers`` (its own JavaScript,
    e.g. after ``BOKEH_JS``): ``js(page, body, arg=None)`` is ``run_js`` and
    ``wait_js(page, body, arg=None, what=..., timeout=TIMEOUT_MS)`` is ``wait_js``, both
    with ``helpers`` in scope."""

    def js(page, body: str, arg=None):
        return run_js(page, helpers, body, arg)

    def wait(page, body: str, arg=None, what: str = "condition", timeout: int = TIMEOUT_MS):
        wait_js(page, helpers, body, arg, what, timeout)

    return js, wait


def assert_clean(log) -> None:
    """The page logged no problems (``browser.watch``) and asked nothing of another host."""
    assert log.problems() == []
    assert [u for u in log.requests if not is_local(u)] == []


def unpadded(values, keep: int, length: int) -> list:
    """A source column the page keeps at a fixed ``length`` (lossdocs.widgets.code.padded):
    its first ``keep`` values, after checking that it has that length and that the rest is
    blank (NaN, or "" for text)."""
    values = list(values)
    assert len(values) == length, f"column of {len(values)} values, expected its fixed length {length}"
    for v in values[keep:]:
        assert v == "" or _nan(v), f"padding holds {v!r}"
    return values[:keep]


def blank(values) -> bool:
    """Every value NaN (a padded source showing nothing)."""
    return len(values) > 0 and all(_nan(v) for v in values)


def _nan(v) -> bool:
    """NaN as the page hands it back (a float NaN, or None where JSON had to carry it)."""
    return v is None or (isinstance(v, float) and np.isnan(v))
