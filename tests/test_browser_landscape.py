"""Browser tests of the loss-landscape lesson: the built site in headless Chromium.

What these prove:

* the page loads from 127.0.0.1 and from ``file://`` with no console error, page
  error, blocked or failed request, and the heatmap is really painted;
* every Select of the document (found by walking it) swaps in the atlas grid that its
  new value names: the image codes, colour bar, contours and minimum equal the
  atlas's, and the heatmap's pixels change; a new preset also moves the map's window
  and restarts the fit from the preset's start;
* a real click on the map moves the current (w, b) there and redraws the fit panel
  with tanh(w x + b); the readouts print the w, b under the pointer and the loss the
  page's lookup gives, which equals ``landscape.loss_at``;
* without JavaScript the static fallback (two SVGs, a PNG heatmap) is shown;
* a state link with ``w`` and ``b`` (opened, or clicked on the page while the widget is
  live) places the fit exactly as a tap there does, a tap writes ``w`` and ``b`` into
  the address, and a new preset takes them out again, on the desktop and on a phone;
* the contour labels' boxes are no larger than the size their placement assumes.

Each test opens its own browser context; every wait is for a condition, bounded by a
timeout that fails the test.
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import parse_qsl, unquote

import numpy as np
import pagetools
import pytest
from browser import is_local, watch
from pagetools import colours, image, next_frames, open_page, scroll_into_view, shot, wait_for_new_picture

from lossdocs import landscape
from lossdocs.widgets import landscape as widget

pytestmark = pytest.mark.browser

PAGE = "lessons/loss-landscape.html"
ATLAS = widget.landscape_atlas()  # what the page ships, rebuilt here to compare against
PAD = widget.pad_lengths(ATLAS)  # the fixed lengths of the sources a control refills
TIMEOUT_MS = 10_000
DOUBLE_TAP_MS = 300  # BokehJS UIGestures.doubletap_threshold

JS_HELPERS = pagetools.BOKEH_JS + pagetools.VIEW_JS + pagetools.LENGTHS_JS + pagetools.LAYER_JS + r"""
const drawn = () => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0 || !Bokeh.index) return false
  const roots = doc().roots()
  if (roots.length === 0 || !roots.every((r) => Bokeh.index.get_by_id(r.id)?.has_finished())) return false
  return ["heatmap", "fit_plot"].every((n) => {
    const c = viewOf(n).canvas_view.el.getBoundingClientRect()
    return c.width > 0 && c.height > 0
  })
}
const canvasBox = (name) => viewOf(name).canvas_view.el.getBoundingClientRect()
const toPage = (name, x, y) => {
  const v = viewOf(name), box = canvasBox(name)
  return [box.left + v.frame.x_scale.compute(x), box.top + v.frame.y_scale.compute(y)]
}
const toData = (name, px, py) => {
  const v = viewOf(name), box = canvasBox(name)
  return [v.frame.x_scale.invert(px - box.left), v.frame.y_scale.invert(py - box.top)]
}
const checksum = (a) => {
  let h = a.length
  for (const v of a) h = (Math.imul(h, 31) + (Number.isNaN(v) ? 7 : Math.round(v * 1e6))) >>> 0
  return h
}
const state = () => JSON.stringify({
  image: checksum(shown("heat_image").data.image[0]),
  current: [model("current").data.x[0], model("current").data.y[0]],
  fit: checksum(model("fit_curve").data.y), residuals: checksum(model("residuals").data.y1),
  contours: checksum(shown("contours").data.x),
  readout: model("landscape_readout").text, pointer: model("pointer_readout").text,
})
"""


# ---------------------------------------------------------------- helpers


def js(page, body: str, arg=None):
    return pagetools.run_js(page, JS_HELPERS, body, arg)


def wait_js(page, body: str, arg=None, what: str = "condition"):
    pagetools.wait_js(page, JS_HELPERS, body, arg, what, TIMEOUT_MS)


def wait_drawn(page) -> None:
    wait_js(page, "return drawn()", what="the landscape widget to be drawn")


def state(page) -> str:
    return js(page, "return state()")


def wait_state_change(page, before: str, what: str) -> None:
    wait_js(page, "return state() !== arg", before, what=f"the widget's data to change after {what}")


def element(page, name: str):
    el = page.evaluate_handle(f"(arg) => {{ {JS_HELPERS}\nreturn viewOf(arg).el\n}}", name).as_element()
    assert el is not None, f"model {name} has no DOM element"
    return el










def assert_clean(log) -> None:
    assert log.problems() == []
    assert [u for u in log.requests if not is_local(u)] == []


def set_value(page, name: str, value) -> None:
    js(page, "model(arg[0]).value = arg[1]", [name, value])


def selection(page) -> tuple[str, str, dict]:
    """(preset, loss choice key, choice) selected in the page's controls."""
    vals = js(page, "return Object.fromEntries([...doc().all_models].filter((m) => m.type === 'Select')"
                    ".map((m) => [m.name, m.value]))")
    loss = vals["loss_select"]
    for c in ATLAS["choices"]:
        if c["name"] == loss and all(vals[f"param_{loss}_{k}"] == f"{v:g}" for k, v in c["params"].items()):
            return vals["preset_select"], c["key"], c
    raise AssertionError(f"the controls {vals} select no loss choice of the atlas")


def page_loss(preset, choice_key: str, w: float, b: float) -> float:
    """Mirror of landscape.js lossAt(): forward pass, table lookup, mean over targets."""
    nodes, table, kinks = ATLAS["nodes"], ATLAS["tables"][choice_key], ATLAS["kinks"][choice_key]
    residuals = np.tanh(w * preset.x + b) - preset.y
    return float(np.mean([widget.interpolate(nodes, table, kinks, r) for r in residuals]))


def is_4_digits_of(shown: str, value: float) -> bool:
    """``shown`` (toPrecision(4) text) is ``value`` rounded to 4 significant digits."""
    half_unit = 0.5 * 10 ** (math.floor(math.log10(abs(value))) - 3)
    return abs(float(shown) - value) <= half_unit * (1 + 1e-9)


READOUT = re.compile(r"w = (-?[\d.]+), b = (-?[\d.]+): (.+) L = ([-+\d.e]+) \((\w+)\)")
POINTER = re.compile(r"At w = (-?[\d.]+), b = (-?[\d.]+): ()L = ([-+\d.e]+)")  # the loss is the select's


def check_loss_text(page, text: str, pattern, w: float, b: float) -> re.Match:
    """The readout names (w, b) to 3 decimals, the selected loss, and the page's loss there
    to 4 significant digits, which agrees with landscape.loss_at (loosely; the exact claim
    is test_readouts_equal_loss_at_to_4_significant_digits)."""
    m = pattern.search(text)
    assert m, f"unexpected readout: {text!r}"
    pname, ckey, choice = selection(page)
    preset = landscape.PRESETS[pname]
    assert abs(float(m[1]) - w) <= 5e-4 + 1e-9 and abs(float(m[2]) - b) <= 5e-4 + 1e-9, (text, w, b)
    assert m[3] == "" or m[3] == choice["label"]
    assert is_4_digits_of(m[4], page_loss(preset, ckey, w, b)), (text, page_loss(preset, ckey, w, b))
    engine = landscape.loss_at(choice["name"], preset.x, preset.y, w, b, **choice["params"])
    assert float(m[4]) == pytest.approx(engine, rel=1e-3), (text, engine)
    return m


def assert_shows_atlas_grid(page) -> None:
    """Image codes, colour bar, contours, labels and minimum are the atlas grid's that
    the controls select, and the targets its preset's."""
    pname, ckey, _ = selection(page)
    g = ATLAS["grids"][f"{pname}|{ckey}"]
    got = js(page, """
      const img = shown("heat_image").data.image[0]
      const mapper = model("colour_bar").color_mapper
      const marks = shown("marks").data
      return {image: Array.from(img), shape: Array.from(img.shape ?? []), low: mapper.low, high: mapper.high,
              cx: Array.from(shown("contours").data.x, (v) => Number.isNaN(v) ? null : v),
              lt: Array.from(shown("contour_labels").data.text),
              marks: [marks.x[1], marks.y[1]], targets: Array.from(shown("targets").data.y)}
    """)
    where = f"grid {pname}|{ckey}"
    assert got["shape"] == [widget.GRID, widget.GRID], where
    np.testing.assert_array_equal(np.reshape(got["image"], got["shape"]), widget.decode_grid(g["codes"]), where)
    assert (got["low"], got["high"]) == pytest.approx((g["low"], g["high"]), rel=1e-12), where
    c = g["contours"]
    cx = np.array([np.nan if v is None else v for v in got["cx"]])
    np.testing.assert_array_equal(cx, c["x"].astype(np.float64), where)
    assert got["lt"] == c["lt"], where
    assert got["marks"] == pytest.approx(g["min"][:2], rel=1e-12), where
    assert got["targets"] == ATLAS["presets"][pname]["y"], where


def assert_heatmap_fills_the_window(page) -> None:
    """The image lies exactly over the selected preset's (w, b) window: its corner at
    (w0, b0), its width along w and its height along b."""
    pname, _, _ = selection(page)
    (w0, w1), (b0, b1) = ATLAS["presets"][pname]["w_range"], ATLAS["presets"][pname]["b_range"]
    got = js(page, """const d = shown("heat_image").data
      return [d.x[0], d.y[0], d.dw[0], d.dh[0]]""")
    assert got == pytest.approx([w0, b0, w1 - w0, b1 - b0], rel=1e-12), (pname, got)


def darkest_at_minimum(page) -> None:
    """In pixels: with markers, contours and labels cleared, the map's darkest point (the
    lowest colour) is where the engine's minimum is, within two cells."""
    pname, ckey, _ = selection(page)
    g = ATLAS["grids"][f"{pname}|{ckey}"]
    js(page, """for (const src of [shown("marks"), model("current"), shown("contours"), shown("contour_labels")]) {
        src.data = Object.fromEntries(Object.keys(src.data).map((k) => [k, []])) }""")
    next_frames(page, 3)
    png = shot(element(page, "heatmap"))
    px = np.asarray(image(png)).astype(float)
    lum = px @ np.array([0.299, 0.587, 0.114])
    box = js(page, "const v = viewOf('heatmap'), c = canvasBox('heatmap'), e = v.el.getBoundingClientRect();"
                   "const f = v.frame.bbox;"
                   "return [c.left - e.left + f.left, c.top - e.top + f.top, f.width, f.height]")
    left, top, width, height = (int(round(v)) for v in box)
    frame = lum[top + 2:top + height - 2, left + 2:left + width - 2]
    i, j = np.unravel_index(np.argmin(frame), frame.shape)
    mx, my = js(page, "const c = canvasBox('heatmap'), e = viewOf('heatmap').el.getBoundingClientRect();"
                      "const p = toPage('heatmap', arg[0], arg[1]); return [p[0] - e.left, p[1] - e.top]",
                [g["min"][0], g["min"][1]])
    at_min = lum[int(round(my)) - 1:int(round(my)) + 2, int(round(mx)) - 1:int(round(mx)) + 2].min()
    # The lowest colour of the map (up to one step of the 8-bit colour code) is at the minimum.
    assert at_min <= frame.min() + 3, (
        f"{pname}|{ckey}: luminance {at_min:.1f} at the minimum {(mx, my)}, but {frame.min():.1f} "
        f"at {(left + 2 + j, top + 2 + i)}")


def test_heatmap_fills_the_preset_window_and_is_darkest_at_the_minimum(browser, server):
    context, page, log = open_page(browser, server.url + PAGE)
    try:
        wait_drawn(page)
        scroll_into_view(element(page, "heatmap"))
        for pname in ATLAS["presets"]:
            before = state(page)
            if selection(page)[0] != pname:
                set_value(page, "preset_select", pname)
                wait_state_change(page, before, f"choosing {pname}")
            next_frames(page, 3)
            assert_heatmap_fills_the_window(page)
            darkest_at_minimum(page)
        assert_clean(log)
    finally:
        context.close()


def click_at(page, w: float, b: float) -> dict:
    """Click the heatmap where (w, b) is drawn; return the new current marker and readout."""
    # Bokeh reads a tap within 300 ms of the last one, anywhere, as a double tap: wait it out.
    page.evaluate("() => window.__lastUp ?? document.addEventListener('pointerup', (e) => {"
                  " window.__lastUp = e.timeStamp }, true)")
    wait_js(page, "return performance.now() - (window.__lastUp ?? -Infinity) > arg", DOUBLE_TAP_MS + 50,
            what="Bokeh's double-tap window to pass")
    marker = "JSON.stringify([model('current').data.x[0], model('current').data.y[0]])"
    before = js(page, f"return {marker}")
    px, py = js(page, "return toPage('heatmap', arg[0], arg[1])", [w, b])
    page.mouse.click(px, py)
    wait_js(page, f"return {marker} !== arg", before, what=f"the marker to move after a click at w={w}, b={b}")
    return js(page, "return {w: model('current').data.x[0], b: model('current').data.y[0],"
                    " text: model('landscape_readout').text}")


@pytest.fixture
def lesson(browser, server):
    """The landscape page from the local server, widget drawn: (page, log)."""
    context, page, log = open_page(browser, server.url + PAGE)
    wait_drawn(page)
    scroll_into_view(element(page, "heatmap"))
    yield page, log
    context.close()


# ------------------------------------------------------------------ tests


def test_page_loads_clean_and_draws_the_heatmap(lesson):
    page, log = lesson
    canvases = page.locator(".lossdocs-widget canvas")
    assert canvases.count() >= 2
    for i in range(canvases.count()):
        box = canvases.nth(i).bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0
    assert colours(shot(element(page, "heatmap"))) > 100, "the heatmap looks blank"
    assert_shows_atlas_grid(page)
    assert_clean(log)
    assert any("bokeh" in u for u in log.requests), "BokehJS was not loaded from the site"


def test_every_select_swaps_the_grid(browser, server):
    """Each Select (walked from the document) shows the atlas grid its value names and
    repaints the heatmap; a parameter select is changed while its loss is selected."""
    context, page, log = open_page(browser, server.url + PAGE)
    try:
        wait_drawn(page)
        names = js(page, "return [...doc().all_models].filter((m) => m.type === 'Select').map((m) => m.name)")
        assert {"preset_select", "loss_select", "param_huber_delta"} <= set(names)
        for name in names:
            page.goto(server.url + PAGE)  # not a reload: the address holds the last state
            wait_drawn(page)
            heat = element(page, "heatmap")
            scroll_into_view(heat)
            next_frames(page)
            if name.startswith("param_"):
                loss = next(n for n, _ in landscape.LOSS_CHOICES if name.startswith(f"param_{n}_"))
                before, png = state(page), shot(heat)
                set_value(page, "loss_select", loss)
                wait_js(page, "return !model(arg).disabled", name, what=f"{name} to be enabled")
                wait_state_change(page, before, f"choosing {loss}")
                wait_for_new_picture(page, heat, png, f"choosing {loss}")
            before, png = state(page), shot(heat)
            old_current = js(page, "return [model('current').data.x[0], model('current').data.y[0]]")
            value = js(page, "const m = model(arg); return m.options.map((o) => Array.isArray(o) ? o[0] : o)"
                             ".find((v) => v !== m.value)", name)
            assert value is not None, f"{name} offers no other value"
            set_value(page, name, value)
            wait_js(page, "return JSON.parse(state()).image !== JSON.parse(arg).image", before,
                    what=f"the heat image to change after setting {name} to {value}")
            wait_for_new_picture(page, heat, png, f"setting {name} to {value}")
            assert_shows_atlas_grid(page)
            ranges = js(page, "const f = model('heatmap'), c = model('current').data; return"
                              " [f.x_range.start, f.x_range.end, f.y_range.start, f.y_range.end, c.x[0], c.y[0]]")
            readout = js(page, "return model('landscape_readout').text")
            if name == "preset_select":
                preset = landscape.PRESETS[value]
                view_w, view_b = widget.map_view(ATLAS["presets"][value])
                assert ranges[:4] == pytest.approx([*view_w, *view_b]), "map window not moved"
                assert ranges[0] <= preset.w_range[0] and ranges[1] >= preset.w_range[1], "window cut"
                assert ranges[2] <= preset.b_range[0] and ranges[3] >= preset.b_range[1], "window cut"
                assert ranges[4:] == pytest.approx(list(preset.start)), "marker not reset to the start"
                assert readout.endswith("(start)"), readout
            else:
                assert ranges[4:] == old_current, "a loss change moved the marker"
            check_loss_text(page, readout, READOUT, *ranges[4:])
        assert_clean(log)
    finally:
        context.close()


def test_no_control_changes_a_sources_length(lesson):
    """The residuals keep one length over every preset (padded), and every layer's sources
    keep theirs (a switch flips which is visible): BokehJS re-indexes a source whose length
    changes and updates its glyphs twice, which doubled the cost of a preset switch. The
    clicked point (no glyph) may be empty or not, and a grid's image source is filled once,
    the first time its grid is shown (from no row to one), and never changes length again."""
    page, log = lesson
    images = [f"heat_image:{i}:data" for i in range(len(ATLAS["grids"]))]
    got = js(page, "return lengthChanges(arg)", ["clicked_point", *images])
    layered = 3 * len(ATLAS["grids"]) + len(ATLAS["presets"])  # contours, labels, marks; targets
    assert got["changed"] == {} and got["moves"] >= 12 and got["sources"] >= layered + 3, got
    assert js(page, "return model('residuals').get_length()") == PAD["targets"]
    rows = js(page, "return arg.map((n) => model(n).get_length())", images)
    assert set(rows) == {0, 1}, rows  # filled once when first shown; the grids not shown yet are empty
    again = js(page, "return lengthChanges(['clicked_point'])")  # the same grids again: each image filled already
    assert again["changed"] == {}, again
    assert_clean(log)


def test_click_moves_the_marker_and_redraws_the_fit(lesson):
    page, log = lesson
    preset = landscape.PRESETS[widget.DEFAULT_PRESET]
    (w0, w1), (b0, b1) = preset.w_range, preset.b_range
    fit = element(page, "fit_plot")
    for w, b in [(0.4, -1.2), (3.1, 1.3)]:
        next_frames(page)
        png = shot(fit)
        now = click_at(page, w, b)
        assert abs(now["w"] - w) <= 0.02 * (w1 - w0) and abs(now["b"] - b) <= 0.02 * (b1 - b0), (now, w, b)
        data = js(page, "return {cx: Array.from(model('fit_curve').data.x), cy: Array.from(model('fit_curve').data.y),"
                        " x: Array.from(model('residuals').data.x1), y1: Array.from(model('residuals').data.y1)}")
        np.testing.assert_allclose(data["cy"], np.tanh(now["w"] * np.asarray(data["cx"]) + now["b"]), atol=1e-12)
        y1 = pagetools.unpadded(data["y1"], len(preset.x), PAD["targets"])
        np.testing.assert_allclose(y1, np.tanh(now["w"] * preset.x + now["b"]), atol=1e-12)
        wait_for_new_picture(page, fit, png, f"clicking at w={w}, b={b}")
        m = check_loss_text(page, now["text"], READOUT, now["w"], now["b"])
        assert m[5] == "clicked"
    assert_clean(log)


def _hover(page, px: float, py: float) -> tuple[float, float, str]:
    """Move the real mouse to (px, py) on the map; (w, b) under it, as Bokeh computes
    them from the pointer event, and the pointer readout."""
    before = js(page, "return model('pointer_readout').text")
    page.mouse.move(px, py)
    wait_js(page, "return model('pointer_readout').text !== arg", before, what="the pointer readout to change")
    w, b = js(page, "return toData('heatmap', window.__pointer[0], window.__pointer[1])")
    return w, b, js(page, "return model('pointer_readout').text")


def _track_pointer(page) -> None:
    page.evaluate("document.addEventListener('pointermove', (e) => { window.__pointer = [e.clientX, e.clientY] },"
                  " true)")


def test_hover_writes_the_pointer_readout(lesson):
    page, log = lesson
    _track_pointer(page)
    current = state(page)
    for w, b in [(1.0, 0.0), (-1.0, 2.0)]:
        px, py = js(page, "return toPage('heatmap', arg[0], arg[1])", [w, b])
        page.mouse.move(px - 30, py)
        got_w, got_b, text = _hover(page, px, py)
        assert abs(got_w - w) < 0.05 and abs(got_b - b) < 0.05, (got_w, got_b, w, b)
        check_loss_text(page, text, POINTER, got_w, got_b)
    now = state(page)
    assert {**json.loads(now), "pointer": ""} == {**json.loads(current), "pointer": ""}, \
        "hovering changed more than the pointer readout"
    assert_clean(log)


def test_readouts_equal_loss_at_to_4_significant_digits(lesson):
    """Across a 6 x 5 lattice of the opening map, the pointer readout prints
    landscape.loss_at rounded to 4 significant digits."""
    page, _ = lesson
    _track_pointer(page)
    preset = landscape.PRESETS[widget.DEFAULT_PRESET]
    (w0, w1), (b0, b1) = preset.w_range, preset.b_range
    wrong = []
    for w in np.linspace(w0, w1, 8)[1:-1]:
        for b in np.linspace(b0, b1, 7)[1:-1]:
            px, py = js(page, "return toPage('heatmap', arg[0], arg[1])", [w, b])
            got_w, got_b, text = _hover(page, round(px), round(py))
            m = check_loss_text(page, text, POINTER, got_w, got_b)
            engine = landscape.loss_at("mse", preset.x, preset.y, got_w, got_b)
            if not is_4_digits_of(m[4], engine):
                wrong.append(f"w={got_w:.4f} b={got_b:.4f}: shows {m[4]}, loss_at {engine:.6g}")
    assert not wrong, f"{len(wrong)} of 30 readouts miss loss_at's 4th digit: " + "; ".join(wrong[:5])


def test_page_from_file_url(browser, site_dir):
    context, page, log = open_page(browser, (site_dir / PAGE).as_uri())
    try:
        wait_drawn(page)
        scroll_into_view(element(page, "heatmap"))
        assert colours(shot(element(page, "heatmap"))) > 100
        now = click_at(page, 2.0, -0.5)
        assert abs(now["w"] - 2.0) < 0.15 and abs(now["b"] + 0.5) < 0.15, now
        check_loss_text(page, now["text"], READOUT, now["w"], now["b"])
        assert_clean(log)
    finally:
        context.close()


def test_without_javascript_the_fallback_is_shown(browser, server):
    context, page, log = open_page(browser, server.url + PAGE, java_script_enabled=False)
    try:
        svgs = page.locator(".lossdocs-widget .lossdocs-figure svg")
        assert svgs.count() == 2
        for i in range(2):
            assert svgs.nth(i).is_visible()
            box = svgs.nth(i).bounding_box()
            assert box["width"] > 150 and box["height"] > 100
        href = svgs.nth(0).locator("image").get_attribute("href")
        assert href.startswith("data:image/png;base64,")
        assert colours(svgs.nth(0).screenshot()) > 50, "the PNG heatmap is not painted"
        caption = page.locator(".lossdocs-figure figcaption").inner_text()
        assert "start" in caption and "minimum" in caption
        assert page.locator(".lossdocs-widget canvas").count() == 0
        assert_clean(log)
    finally:
        context.close()


# ------------------------------------------------------------- the clicked point in links


def link(preset: str, loss: str, w, b) -> str:
    return f"#loss-landscape?preset_select={preset}&loss_select={loss}&w={w!r}&b={b!r}"


def address(page) -> dict[str, str]:
    """The widget state the page's address holds now (empty if it names none)."""
    fragment = unquote(page.evaluate("location.hash")[1:])
    if not fragment.startswith("loss-landscape?"):
        return {}
    return dict(parse_qsl(fragment.split("?", 1)[1], strict_parsing=True))


def wait_address(page, test, what: str) -> dict[str, str]:
    """Wait (bounded) until ``test(address)`` holds; the page writes it 300 ms after a change."""
    for _ in range(TIMEOUT_MS // 50):
        now = address(page)
        if test(now):
            return now
        page.wait_for_timeout(50)
    raise AssertionError(f"the address never showed {what}: {now}")


def wait_current(page, w: float, b: float) -> None:
    wait_js(page, "return drawn() && model('current').data.x[0] === arg[0] && model('current').data.y[0] === arg[1]",
            [w, b], what=f"the fit to be placed at w={w}, b={b}")


def assert_fit_at(page, w: float, b: float) -> None:
    """The marker, clicked point, fit curve, residuals and both readouts show (w, b)."""
    pname, _, _ = selection(page)
    preset = landscape.PRESETS[pname]
    got = js(page, """return {point: [Array.from(model('clicked_point').data.w),
                           Array.from(model('clicked_point').data.b)],
      cx: Array.from(model('fit_curve').data.x), cy: Array.from(model('fit_curve').data.y),
      y1: Array.from(model('residuals').data.y1),
      readout: model('landscape_readout').text, pointer: model('pointer_readout').text}""")
    assert got["point"] == [[w], [b]]
    np.testing.assert_allclose(got["cy"], np.tanh(w * np.asarray(got["cx"]) + b), atol=1e-12)
    y1 = pagetools.unpadded(got["y1"], len(preset.x), PAD["targets"])
    np.testing.assert_allclose(y1, np.tanh(w * preset.x + b), atol=1e-12)
    assert check_loss_text(page, got["readout"], READOUT, w, b)[5] == "clicked"
    check_loss_text(page, got["pointer"], POINTER, w, b)


def near_3_decimals(shown: str, value: float) -> bool:
    """``shown`` is ``value`` to at most 3 decimals, as the page writes it."""
    decimals = len(shown.split(".")[1]) if "." in shown else 0
    return decimals <= 3 and abs(float(shown) - value) <= 5e-4 + 1e-12


def test_a_state_link_places_the_fit_and_the_address_follows(browser, server):
    context, page, log = open_page(browser, server.url + PAGE + link("sloped_line", "mse", 1.0, -0.16))
    try:
        wait_current(page, 1.0, -0.16)
        assert selection(page)[:2] == ("sloped_line", "mse")
        assert_shows_atlas_grid(page)
        assert_fit_at(page, 1.0, -0.16)
        box = element(page, "heatmap").bounding_box()
        assert 0 <= box["y"] < page.viewport_size["height"], "the linked widget is not on screen"
        now = address(page)  # the link itself, until something changes
        assert (now["preset_select"], now["loss_select"], float(now["w"]), float(now["b"])) == (
            "sloped_line", "mse", 1.0, -0.16)

        # A new loss keeps the point, in the fit and in the address.
        set_value(page, "loss_select", "mae")
        now = wait_address(page, lambda a: a.get("loss_select") == "mae", "the new loss")
        assert (now["w"], now["b"]) == ("1", "-0.16")
        readout = js(page, "return model('landscape_readout').text")
        assert check_loss_text(page, readout, READOUT, 1.0, -0.16)[5] == "kept"

        # A new preset starts again from its start: no clicked point is left to share.
        set_value(page, "preset_select", "outliers")
        now = wait_address(page, lambda a: a.get("preset_select") == "outliers", "the new preset")
        assert "w" not in now and "b" not in now, now
        assert js(page, "return model('clicked_point').data.w.length") == 0
        assert js(page, "return model('landscape_readout').text").endswith("(start)")
        assert_clean(log)
    finally:
        context.close()


def test_a_tap_writes_the_point_and_its_link_draws_what_the_tap_drew(browser, server, lesson):
    page, log = lesson
    _track_pointer(page)
    now = click_at(page, 2.0, -0.5)
    tapped = state(page)
    shared = wait_address(page, lambda a: "w" in a and "b" in a, "w and b after a tap")
    assert shared["preset_select"] == widget.DEFAULT_PRESET
    for k in ("w", "b"):
        assert near_3_decimals(shared[k], now[k]), (shared, now)
    assert_clean(log)

    # The exact point, from a link in a fresh page: every model the tap changed is the same.
    address = server.url + PAGE + link(widget.DEFAULT_PRESET, "mse", now["w"], now["b"])
    context, other, log2 = open_page(browser, address)
    try:
        wait_current(other, now["w"], now["b"])
        assert json.loads(state(other)) == json.loads(tapped)
        assert_clean(log2)
    finally:
        context.close()

    # The address the tap wrote, opened as it stands: the fit at the rounded point.
    context, other, log3 = open_page(browser, server.url + PAGE + page.evaluate("location.hash"))
    try:
        w, b = float(shared["w"]), float(shared["b"])
        wait_current(other, w, b)
        assert_fit_at(other, w, b)
        assert_clean(log3)
    finally:
        context.close()


def test_a_link_on_the_page_places_the_fit_on_the_live_widget(lesson):
    """The lesson's own "click at (w, b)" links move the widget that is already live."""
    page, log = lesson
    for w, b in [(0.35, 0.14), (1.0, -0.16)]:
        href = f"#loss-landscape?preset_select=sloped_line&loss_select=mse&w={w}&b={b}"
        anchor = page.locator(f'a[href="{href}"]')
        assert anchor.count() == 1, f"the lesson has no link {href}"
        anchor.click()
        wait_current(page, w, b)
        assert selection(page)[:2] == ("sloped_line", "mse")
        assert_fit_at(page, w, b)
        box = element(page, "heatmap").bounding_box()
        assert 0 <= box["y"] < page.viewport_size["height"], "the widget was not brought on screen"
    assert_clean(log)


def test_on_a_phone_a_link_places_the_fit_and_a_tap_is_shared(browser, server):
    from test_phone import PHONE

    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        log = watch(page)
        page.goto(server.url + PAGE + link("sloped_line", "mse", 1.0, -0.16))
        page.wait_for_load_state("networkidle")
        wait_current(page, 1.0, -0.16)
        assert_fit_at(page, 1.0, -0.16)
        scroll_into_view(element(page, "heatmap"))
        next_frames(page, 3)
        px, py = js(page, "return toPage('heatmap', arg[0], arg[1])", [2.0, 0.5])
        page.touchscreen.tap(px, py)
        wait_js(page, "return model('current').data.x[0] !== 1", what="the marker to move after a finger tap")
        w, b = js(page, "return [model('current').data.x[0], model('current').data.y[0]]")
        assert abs(w - 2.0) < 0.1 and abs(b - 0.5) < 0.1, (w, b)
        shared = wait_address(page, lambda a: "w" in a and float(a["w"]) != 1.0, "the tapped w and b")
        assert near_3_decimals(shared["w"], w) and near_3_decimals(shared["b"], b), (shared, w, b)
        assert log.problems() == []
    finally:
        context.close()


def test_contour_label_boxes_are_within_the_size_their_placement_assumes(lesson):
    """Each label text, measured in the font the map draws it with, is no wider or taller
    than widget.label_half_size says (which keeps labels off the markers)."""
    page, _ = lesson
    texts = sorted({t for g in ATLAS["grids"].values() for t in g["contours"]["lt"]})
    sizes = js(page, """const glyph = [...doc().all_models].find((m) => m.type === 'Text')
      const ctx = document.createElement('canvas').getContext('2d')
      const part = (p) => p.value ?? p
      ctx.font = `${part(glyph.text_font_style)} ${part(glyph.text_font_size)} ${part(glyph.text_font)}`
      return [ctx.font, arg.map((t) => { const m = ctx.measureText(t)
        return [t, m.width, m.fontBoundingBoxAscent + m.fontBoundingBoxDescent] })]""", texts)
    font, measured = sizes
    assert f"{widget.LABEL_FONT_PX}px" in font, font
    for text, width, height in measured:
        hw, hh = widget.label_half_size(text)
        assert width <= 2 * hw and height <= 2 * hh, (text, width, height, hw, hh)
