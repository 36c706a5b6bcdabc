"""Phones first, prerendered then hydrated: every page on a 390 x 844 touch screen, and
what a widget slot does before, during and after BokehJS arrives.

* No page scrolls sideways; every plot frame is at least 200 px wide and inside the screen.
* A vertical finger swipe over a widget scrolls the page (no drag tool is active on touch).
* A tap on a plot shows the readout that hovering shows with a mouse; the hint says "tap".
* With BokehJS blocked, every slot shows its engine-drawn figure and the console stays clean.
* BokehJS does not run on a page left at the top while its widgets are below the fold.
* The live widget takes exactly the height its static figure reserved (no layout shift),
  on the phone and on the desktop.
* Dark mode: the landscape's colour-bar labels are light on the dark background.
* Plots stacked on a phone leave no blank band between them (BokehJS gives plots of
  one row frames of one height, so a panel only one of them has leaves a gap in the other).
* No plot title runs under its toolbar or past its canvas, in the opening state and as
  every select and slider is moved (a readout title grows with the state it reports).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from browser import watch
from pagetools import hydrate, image, next_frames, scroll_into_view
from test_gate import built_pages, static_counts

pytestmark = pytest.mark.browser

PHONE = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2)
DESKTOP = dict(viewport={"width": 1280, "height": 900})
SLOTS = ".lossdocs-widget[data-bokeh]"

# Every plot of the page: its frame's box on the page, from BokehJS's own views.
FRAMES_JS = r"""() => {
  const out = []
  for (const doc of Bokeh.documents) {
    for (const model of doc.all_models) {
      const view = Bokeh.index.find_one(model)
      if (view == null || view.frame == null || view.canvas_view == null) continue
      const canvas = view.canvas_view.el.getBoundingClientRect()
      const f = view.frame.bbox
      out.push({name: model.name, left: canvas.left + f.left, right: canvas.left + f.right,
                width: f.width, height: f.height})
    }
  }
  return out
}"""


def pages(site_dir):
    return built_pages(site_dir)


@pytest.fixture
def phone(browser):
    contexts = []

    def make(**extra):
        context = browser.new_context(**{**PHONE, **extra})
        contexts.append(context)
        page = context.new_page()
        return page, watch(page)

    yield make
    for c in contexts:
        c.close()


def swipe_up(page, x: float, y: float, distance: float = 300) -> None:
    """A finger drag from (x, y) upwards, as CDP touch events (Chromium ignores
    synthesized scroll gestures here)."""
    cdp = page.context.new_cdp_session(page)
    steps = 10
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for k in range(1, steps + 1):
        cdp.send("Input.dispatchTouchEvent",
                 {"type": "touchMove", "touchPoints": [{"x": x, "y": y - distance * k / steps}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_every_page_fits_a_phone_and_its_plots_fit_the_screen(phone, server, site_dir):
    problems = []
    for path in pages(site_dir):
        page, log = phone()
        page.goto(server.url + path)
        page.wait_for_load_state("networkidle")
        hydrate(page)
        next_frames(page, 3)
        # A mobile browser widens its layout viewport to fit content that overflows, so
        # innerWidth itself would grow: compare with the phone's real width.
        inner = PHONE["viewport"]["width"]
        width = page.evaluate("Math.max(document.documentElement.scrollWidth, window.innerWidth)")
        if width > inner:
            problems.append(f"{path}: lays out at {width} px on a {inner} px screen")
        # Skipped blocks (content-visibility, lossdocs.css) clip what overflows them, so the
        # page would not scroll sideways even if a block were too wide; a clipped block is
        # just as broken. Lift the containment and measure again.
        style = page.add_style_tag(content="* { content-visibility: visible !important }")
        next_frames(page, 2)
        width = page.evaluate("Math.max(document.documentElement.scrollWidth, window.innerWidth)")
        if width > inner:
            problems.append(f"{path}: a block is {width} px wide on a {inner} px screen (clipped by its containment)")
        style.evaluate("(el) => el.remove()")
        next_frames(page, 2)
        if static_counts(site_dir, path)["widgets"]:
            frames = page.evaluate(FRAMES_JS)
            if not frames:
                problems.append(f"{path}: no plot frame found")
            for f in frames:
                if f["width"] < 200 or f["left"] < 0 or f["right"] > inner + 0.5:
                    problems.append(f"{path}: plot {f['name']} frame {f} is not inside a {inner} px screen")
        problems += [f"{path}: {p}" for p in log.problems()]
        page.close()
    assert problems == []


def test_landscape_map_is_at_least_300_px_with_equal_units(phone, server):
    """For every preset: a unit of w is as long on screen as a unit of b, and the map
    shows the whole preset window."""
    from lossdocs import landscape

    page, log = phone()
    page.goto(server.url + "lessons/loss-landscape.html")
    hydrate(page)
    next_frames(page, 3)
    for name, preset in landscape.PRESETS.items():
        page.evaluate("(v) => { Bokeh.documents[0].get_model_by_name('preset_select').value = v }", name)
        next_frames(page, 3)
        heat = next(f for f in page.evaluate(FRAMES_JS) if f["name"] == "heatmap")
        x0, x1, y0, y1 = page.evaluate("""() => { const m = Bokeh.documents[0].get_model_by_name('heatmap')
          return [m.x_range.start, m.x_range.end, m.y_range.start, m.y_range.end] }""")
        assert heat["width"] >= 300, (name, heat)
        assert heat["width"] / (x1 - x0) == pytest.approx(heat["height"] / (y1 - y0), rel=0.01), name
        (w0, w1), (b0, b1) = preset.w_range, preset.b_range
        assert x0 <= w0 + 1e-9 and x1 >= w1 - 1e-9 and y0 <= b0 + 1e-9 and y1 >= b1 - 1e-9, (name, x0, x1, y0, y1)
    assert log.problems() == []


@pytest.mark.parametrize("path", ["lessons/loss-functions.html", "lessons/loss-landscape.html",
                                  "lessons/reading-the-loss-curve.html", "lessons/beyond.html"])
def test_a_swipe_over_a_plot_scrolls_the_page(phone, server, path):
    page, log = phone()
    page.goto(server.url + path)
    hydrate(page)
    canvas = page.locator(f"{SLOTS} .lossdocs-widget__root").first
    scroll_into_view(canvas)
    next_frames(page, 3)
    frame = page.evaluate(FRAMES_JS)[0]
    box = canvas.bounding_box()
    x = (frame["left"] + frame["right"]) / 2
    y = box["y"] + min(box["height"] - 20, 450)
    before = page.evaluate("window.scrollY")
    swipe_up(page, x, y)
    page.wait_for_timeout(600)
    after = page.evaluate("window.scrollY")
    assert after - before > 100, f"a 300 px swipe over the plot scrolled the page by {after - before} px"
    assert log.problems() == []


def tap_plot(page, name: str, fx: float = 0.3, fy: float = 0.5) -> None:
    """A finger tap at (fx, fy) of plot ``name``'s frame, scrolled to the middle of the
    screen first as a reader would (blocks above may change height as they come near the
    screen and the browser renders them, so the slot's position alone is not enough)."""
    page.evaluate("""(name) => {
      for (const doc of Bokeh.documents) for (const m of doc.all_models) {
        const v = Bokeh.index.find_one(m)
        if (v && v.frame && v.canvas_view && m.name === name) v.canvas_view.el.scrollIntoView({block: "center"})
      }
    }""", name)
    next_frames(page, 3)
    pos = page.evaluate("""([name, fx, fy]) => {
      for (const doc of Bokeh.documents) for (const m of doc.all_models) {
        const v = Bokeh.index.find_one(m)
        if (v && v.frame && v.canvas_view && m.name === name) {
          const c = v.canvas_view.el.getBoundingClientRect(), f = v.frame.bbox
          return [c.left + f.left + f.width * fx, c.top + f.top + f.height * fy]
        }
      }
      return null
    }""", [name, fx, fy])
    assert pos is not None, f"no plot {name}"
    assert 0 < pos[1] < page.viewport_size["height"], f"plot {name} is not on the screen: {pos}"
    page.touchscreen.tap(*pos)


def test_tap_shows_the_explorer_readout_and_the_hint_says_tap(phone, server):
    page, log = phone()
    page.goto(server.url + "lessons/loss-functions.html")
    hydrate(page)
    scroll_into_view(page.locator(SLOTS).first)
    next_frames(page, 3)
    readout = page.locator(SLOTS).first.locator("text=Tap a plot to read")
    assert readout.count() == 1 and readout.first.is_visible(), "the prompt does not say tap on a touch screen"
    tap_plot(page, "loss_plot")
    page.wait_for_function("""() => [...Bokeh.documents[0].all_models].find((m) => m.name === "readout")
      .html.includes("gradient")""", timeout=5000)
    assert log.problems() == []


def test_tap_shows_the_landscape_readout(phone, server):
    page, log = phone()
    page.goto(server.url + "lessons/loss-landscape.html")
    hydrate(page)
    scroll_into_view(page.locator(SLOTS).first)
    next_frames(page, 3)
    tap_plot(page, "heatmap", 0.6, 0.4)
    page.wait_for_function("""() => [...Bokeh.documents[0].all_models].find((m) => m.name === "pointer_readout")
      .text.startsWith("At w =")""", timeout=5000)
    title = page.evaluate("""() => [...Bokeh.documents[0].all_models].find((m) => m.name === "pointer_readout").text""")
    assert re.match(r"At w = -?[\d.]+, b = -?[\d.]+: L = [\d.e+-]+$", title), title
    assert log.problems() == []


def widget_page_paths(site_dir) -> list[str]:
    return [p for p in pages(site_dir) if static_counts(site_dir, p)["widgets"]]


def test_with_bokehjs_blocked_every_slot_shows_its_figure(phone, server, site_dir):
    checked = 0
    for path in widget_page_paths(site_dir):
        page, log = phone()
        blocked = []

        def block(route):
            blocked.append(route.request.url)
            route.abort()

        page.route(re.compile(r".*/bokeh[^/]*\.min\.js$"), block)
        page.goto(server.url + path)
        page.wait_for_load_state("networkidle")
        page.evaluate("() => window.lossdocs.hydrateAll()")
        slots = page.locator(SLOTS)
        for i in range(slots.count()):
            slot = slots.nth(i)
            scroll_into_view(slot)
            assert slot.get_attribute("data-state") == "static"
            figure = slot.locator(".lossdocs-figure svg").first
            assert figure.is_visible() and figure.bounding_box()["width"] > 250, f"{path}: slot {i} shows no figure"
            checked += 1
        assert blocked, f"{path}: BokehJS was never asked for"
        # The browser reports the refused file itself; nothing else may complain.
        noise = [m for m in log.console_errors if not m.startswith("Failed to load resource")]
        assert noise == [] and log.page_errors == [], (path, noise, log.page_errors)
        page.close()
    assert checked >= 3


def test_bokehjs_waits_for_the_widget_to_near_the_viewport(phone, server, site_dir):
    """Left at the top of a page whose widgets sit more than a screen below the fold,
    BokehJS is neither fetched nor run; scrolling there hydrates the widget."""
    found = 0
    for path in widget_page_paths(site_dir):
        page, log = phone()
        page.goto(server.url + path)
        page.wait_for_load_state("networkidle")
        top, screen = page.evaluate(f"""() => [document.querySelector('{SLOTS}').getBoundingClientRect().top,
                                              window.innerHeight]""")
        if top < 2.2 * screen:
            page.close()
            continue
        found += 1
        page.wait_for_timeout(1000)
        assert page.evaluate("typeof window.Bokeh") == "undefined", f"{path}: BokehJS ran at the top of the page"
        assert not [u for u in log.requests if "bokeh" in u], f"{path}: BokehJS fetched at the top of the page"
        assert page.locator(SLOTS).first.get_attribute("data-state") == "static"
        scroll_into_view(page.locator(SLOTS).first)
        page.wait_for_function(f"document.querySelector('{SLOTS}').dataset.state === 'live'", timeout=10_000)
        assert log.problems() == []
        page.close()
    assert found >= 1, "no widget page has its first widget below the fold on a phone: nothing was checked"


@pytest.mark.parametrize("profile", ["phone", "desktop"])
def test_the_live_widget_takes_the_height_its_figure_reserved(browser, server, site_dir, profile):
    context = browser.new_context(**(PHONE if profile == "phone" else DESKTOP))
    try:
        for path in widget_page_paths(site_dir):
            page = context.new_page()
            log = watch(page)
            page.goto(server.url + path)
            page.wait_for_load_state("networkidle")
            slots = page.locator(SLOTS)
            for i in range(slots.count()):
                slot = slots.nth(i)
                before = slot.bounding_box()["height"]
                scroll_into_view(slot)
                page.wait_for_function(f"document.querySelectorAll('{SLOTS}')[{i}].dataset.state === 'live'",
                                       timeout=10_000)
                next_frames(page, 3)
                content = page.evaluate(f"""document.querySelectorAll('{SLOTS}')[{i}]
                  .querySelector('.lossdocs-widget__root').firstElementChild.getBoundingClientRect().height""")
                after = slot.bounding_box()["height"]
                assert abs(after - before) <= 1, f"{path} slot {i}: reserved {before} px, live {after} px"
                padding = page.evaluate(f"""(() => {{ const s = document.querySelectorAll('{SLOTS}')[{i}]
                  const r = s.querySelector('.lossdocs-widget__root')
                  return s.getBoundingClientRect().height - r.getBoundingClientRect().height }})()""")
                assert abs(content + padding - before) <= 1.5, (
                    f"{path} slot {i}: the live widget is {content} px but {before - padding} px were reserved")
            assert log.problems() == []
            page.close()
    finally:
        context.close()


def test_dark_mode_colour_bar_labels_are_light(browser, server):
    context = browser.new_context(color_scheme="dark", **DESKTOP)
    try:
        page = context.new_page()
        log = watch(page)
        page.goto(server.url + "lessons/loss-landscape.html")
        page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
        hydrate(page)
        next_frames(page, 3)
        bar = page.evaluate("""() => {
          const m = [...Bokeh.documents[0].all_models].find((x) => x.name === "colour_bar")
          return [m.major_label_text_color, m.title_text_color]
        }""")
        for colour in bar:
            rgb = [float(v) for v in re.findall(r"[\d.]+", colour)[:3]]
            assert sum(rgb) / 3 > 150, f"colour-bar text {colour} is dark on the dark page"
        # And in pixels: the strip under the bar, where its tick labels are drawn, has light text.
        heat = page.locator(".lossdocs-widget__root").first
        png = heat.screenshot()
        px = np.asarray(image(png)).reshape(-1, 3)
        assert (px.min(axis=1) > 170).sum() > 200, "no light text pixels on the dark landscape"
        assert log.problems() == []
    finally:
        context.close()


@pytest.mark.parametrize("profile", ["phone", "desktop"])
def test_comparison_formula_column_is_wider_than_its_formulas_and_does_not_follow_them(browser, server, profile):
    """The comparison tables' formula column has a width of its own (16rem, 320 px),
    more than the widest formula, so the columns do not change with how the formulas
    are drawn while the page loads (a first visit's layout shift was 0.035)."""
    context = browser.new_context(**(PHONE if profile == "phone" else DESKTOP))
    try:
        page = context.new_page()
        page.goto(server.url + "reference/comparison.html")
        page.wait_for_load_state("networkidle")
        tables = page.evaluate("""() => [...document.querySelectorAll('.lossdocs-comparison')].map((t) => ({
          column: t.querySelector('thead th:nth-child(2)').getBoundingClientRect().width,
          cells: [...t.querySelectorAll('tbody td:nth-child(2)')].map((td) => td.getBoundingClientRect().width),
          widest: Math.max(...[...t.querySelectorAll('tbody td:nth-child(2) .katex')]
            .map((k) => k.getBoundingClientRect().width)),
          rem: parseFloat(getComputedStyle(document.documentElement).fontSize)}))""")
        assert len(tables) >= 2
        for t in tables:
            assert t["column"] == pytest.approx(16 * t["rem"], abs=0.5), t
            assert all(w == pytest.approx(t["column"], abs=0.5) for w in t["cells"]), t
            assert t["widest"] + 2 * 0.6 * 0.7 * t["rem"] < t["column"], t  # content box holds the widest formula
    finally:
        context.close()


# Every plot title on the page: its text box and its toolbar's buttons, on the page.
TITLES_JS = r"""() => {
  const out = []
  const union = (a, q) => a == null ? {left: q.left, right: q.right, top: q.top, bottom: q.bottom}
    : {left: Math.min(a.left, q.left), right: Math.max(a.right, q.right),
       top: Math.min(a.top, q.top), bottom: Math.max(a.bottom, q.bottom)}
  for (const doc of Bokeh.documents) {
    for (const m of doc.all_models) {
      const view = Bokeh.index.find_one(m)
      if (view == null || view.renderer_views == null || view.canvas_view == null) continue
      const canvas = view.canvas_view.el.getBoundingClientRect()
      let tools = null
      const tb = m.toolbar_location != null && m.toolbar != null ? Bokeh.index.find_one(m.toolbar) : null
      for (const el of tb == null ? [] : tb.shadow_el.querySelectorAll("*")) {
        const q = el.getBoundingClientRect()
        if (q.width > 0 && q.height > 0 && el.children.length === 0) tools = union(tools, q)
      }
      for (const t of [m.title, ...m.above]) {
        const tv = t == null || t.type !== "Title" || !t.text ? null : view.renderer_views.get(t)
        if (tv == null || tv._rect == null) continue
        const r = tv._rect
        const left = canvas.left + r.sx - r.anchor.x * r.width
        const top = canvas.top + r.sy - r.anchor.y * r.height
        out.push({plot: m.name, text: t.text, left, right: left + r.width, top, bottom: top + r.height,
                  canvas: {left: canvas.left, right: canvas.right}, tools})
      }
    }
  }
  return out
}"""

# Walk every control: each select to its next option and each slider to its end, one
# after another (so the states add up, as a reader's do), calling back after each.
STEPS_JS = r"""() => {
  const out = []
  for (const [d, doc] of Bokeh.documents.entries()) {
    for (const m of doc.all_models) {
      if (m.type === "Select" && !m.disabled && m.options.length > 1) out.push([d, m.id, "next"])
      if (m.type === "Slider" && !m.disabled) out.push([d, m.id, "end"], [d, m.id, "start"])
    }
  }
  return out
}"""
STEP_JS = r"""([d, id, how]) => {
  const m = Bokeh.documents[d].get_model_by_id(id)
  if (how === "next") {
    const values = m.options.map((o) => Array.isArray(o) ? o[0] : o)
    m.value = values[(values.indexOf(m.value) + 1) % values.length]
  } else {
    m.value = m[how]
  }
  return `${m.name} = ${m.value}`
}"""


def title_problems(titles: list[dict], where: str) -> list[str]:
    out = []
    for t in titles:
        if t["left"] < t["canvas"]["left"] - 0.5 or t["right"] > t["canvas"]["right"] + 0.5:
            out.append(f"{where}: {t['plot']} title {t['text']!r} runs past its canvas")
        tools = t["tools"]
        if tools and t["top"] < tools["bottom"] and t["bottom"] > tools["top"] \
                and t["left"] < tools["right"] and t["right"] > tools["left"]:
            text, buttons = f"{t['left']:.0f}-{t['right']:.0f}", f"{tools['left']:.0f}-{tools['right']:.0f}"
            out.append(f"{where}: {t['plot']} title {t['text']!r} runs under its toolbar "
                       f"(text {text} px, buttons {buttons} px)")
    return out


@pytest.mark.parametrize("profile", ["phone", "desktop"])
def test_plot_titles_stay_clear_of_the_toolbar_and_the_canvas_edge(phone, server, site_dir, profile):
    problems, seen = [], {}
    for path in pages(site_dir):
        if not static_counts(site_dir, path)["widgets"]:
            continue
        page, log = phone() if profile == "phone" else phone(**DESKTOP, is_mobile=False, has_touch=False)
        page.goto(server.url + path)
        hydrate(page)
        next_frames(page, 3)
        titles = page.evaluate(TITLES_JS)
        seen[path] = len(titles)
        problems += title_problems(titles, f"{path} (opening state)")
        for step in page.evaluate(STEPS_JS):
            what = page.evaluate(STEP_JS, step)
            next_frames(page, 3)
            problems += title_problems(page.evaluate(TITLES_JS), f"{path} after {what}")
        problems += [f"{path}: {p}" for p in log.problems()]
        page.close()
    assert seen.get("lessons/walking-downhill.html", 0) >= 3, seen  # the probe finds titles
    problems = list(dict.fromkeys(problems))
    assert problems == [], "\n".join(problems)


# Every plot: its canvas on the page, and the blank height left between what it draws
# (frame and side panels) and the canvas's bottom edge.
BANDS_JS = r"""() => {
  const out = []
  for (const [d, doc] of Bokeh.documents.entries()) {
    for (const m of doc.all_models) {
      const v = Bokeh.index.find_one(m)
      if (v == null || v.frame == null || v.canvas_view == null || v.renderer_views == null) continue
      let below = 0
      for (const r of m.below) below += v.renderer_views.get(r)?.layout?.bbox?.height ?? 0
      const canvas = v.canvas_view.el.getBoundingClientRect()
      out.push({doc: d, plot: m.name, top: canvas.top, bottom: canvas.bottom,
                blank: v.canvas_view.bbox.height - v.frame.bbox.bottom - below})
    }
  }
  return out
}"""


def test_stacked_plots_leave_no_blank_band_between_them(phone, server, site_dir):
    problems, plots = [], 0
    for path in pages(site_dir):
        if not static_counts(site_dir, path)["widgets"]:
            continue
        page, log = phone()
        page.goto(server.url + path)
        hydrate(page)
        next_frames(page, 3)
        found = page.evaluate(BANDS_JS)
        plots += len(found)
        for p in found:
            under = [q for q in found if q["doc"] == p["doc"] and 0 <= q["top"] - p["bottom"] <= 40]
            if under and p["blank"] > 20:
                problems.append(f"{path}: {p['plot']} leaves {p['blank']:.0f} px blank above {under[0]['plot']}")
        problems += [f"{path}: {p}" for p in log.problems()]
        page.close()
    assert plots >= 20, plots
    assert problems == [], "\n".join(problems)
