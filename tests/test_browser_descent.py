"""Browser tests of the lesson *Walking downhill*: the descent widget in headless Chromium,
on a desktop and on a 390 x 844 touch phone.

What these prove:

* the page loads clean and the widget draws the opening path, which equals the atlas
  decoded in Python (``descent.decoded``), loss curve and all;
* every Select and Slider redraws the path, its walked part, the current step, the loss
  curve and the compare path from the atlas state the controls name;
* a widget-state link opens that state; a path that leaves the map is marked;
* a click (desktop) or a finger tap (phone) next to a start picks that start;
* Play advances the step scrubber and moves the marker, Pause stops it, and play stops by
  itself at the last step; on the phone the button works by touch, the map keeps its
  300 px frame with equal units and no plot frame is narrower than 200 px.
"""

from __future__ import annotations

import numpy as np
import pagetools
import pytest
from pagetools import assert_clean, next_frames, open_page, scroll_into_view

from lossdocs.widgets import descent as widget
from lossdocs.widgets import landscape as lw

pytestmark = pytest.mark.browser

PAGE = "lessons/walking-downhill.html"
ATLAS = widget.descent_atlas()
T = widget.STEPS + 1  # the fixed length of a path or loss curve source (padded)
PHONE = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2)
SLOT = ".lossdocs-widget[data-widget=descent]"

JS = pagetools.BOKEH_JS + pagetools.VIEW_JS + pagetools.LENGTHS_JS + pagetools.LAYER_JS + r"""
const drawn = () => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0 || !Bokeh.index) return false
  if (!doc().roots().every((r) => Bokeh.index.get_by_id(r.id)?.has_finished())) return false
  return ["descent_map", "loss_plot", "descent_fit"]
    .every((n) => viewOf(n).canvas_view.el.getBoundingClientRect().width > 0)
}
const toPage = (name, x, y) => {
  const v = viewOf(name), box = v.canvas_view.el.getBoundingClientRect()
  return [box.left + v.frame.x_scale.compute(x), box.top + v.frame.y_scale.compute(y)]
}
const data = (name) => Object.fromEntries(Object.entries(model(name).data).map(([k, v]) => [k, Array.from(v)]))
const state = () => ({
  path: data("descent_path"), walked: data("descent_walked"), now: data("descent_now"),
  loss: data("loss_curve"), loss_now: data("loss_now"), cmp: data("compare_path"), cmp_loss: data("compare_loss_curve"),
  off: data("descent_off_map"), fit: data("fit_curve"), step: model("step").value,
  map_title: model("descent_map").title.text, loss_title: model("loss_plot").title.text,
})
const layers = () => {
  const img = shown("descent_image").data, star = shown("descent_minimum").data
  const mapper = model("descent_colour_bar").color_mapper
  return {image: Array.from(img.image[0]), corner: [img.x[0], img.y[0], img.dw[0], img.dh[0]],
          contours: Array.from(shown("descent_contours").data.x, (v) => Number.isNaN(v) ? null : v),
          low: mapper.low, high: mapper.high, minimum: [star.x[0], star.y[0]],
          starts: Array.from(shown("descent_starts").data.x), targets: Array.from(shown("descent_targets").data.y)}
}
const values = () => Object.fromEntries([...doc().all_models].filter((m) => m.type === "Select" || m.type === "Slider")
  .map((m) => [m.name, m.value]))
"""


js, wait_js = pagetools.bind_js(JS)


def expected(values: dict, optimizer: str | None = None):
    """(w, b, L) of the atlas path the controls name (Python's decoding)."""
    return widget.decoded(ATLAS, preset=values["preset_select"], loss=values["loss_select"],
                          optimizer=optimizer or values["optimizer_select"], batch=values["batch_select"],
                          lr=int(values["lr_index"]), start=widget.START_KEYS.index(values["start_select"]))


def assert_shows_the_map(page, v: dict) -> None:
    """The visible image, contours, colour bar, minimum star, starts and targets are the
    atlas's for the selected target set and loss."""
    got, key = js(page, "return layers()"), f"{v['preset_select']}|{v['loss_select']}"
    g, p = ATLAS["grids"][key], ATLAS["presets"][v["preset_select"]]
    n = ATLAS["grid_size"]
    np.testing.assert_array_equal(np.reshape(got["image"], (n, n)), lw.decode_grid(ATLAS["codes"][g["index"]]), key)
    (w0, w1), (b0, b1) = p["w_range"], p["b_range"]
    assert got["corner"] == pytest.approx([w0, b0, w1 - w0, b1 - b0], rel=1e-12), key
    np.testing.assert_array_equal([np.nan if c is None else c for c in got["contours"]],
                                  np.asarray(g["contours"]["x"], np.float64), key)
    assert (got["low"], got["high"]) == pytest.approx((g["low"], g["high"]), rel=1e-12), key
    assert got["minimum"] == pytest.approx(g["min"][:2], rel=1e-12), key
    assert got["starts"] == [s[0] for s in p["starts"]] and got["targets"] == p["y"], key


def assert_shows_the_atlas(page) -> None:
    s, v = js(page, "return state()"), js(page, "return values()")
    assert_shows_the_map(page, v)
    w, b, loss = expected(v)
    step = int(v["step"])
    np.testing.assert_array_equal(s["path"]["x"], w)
    np.testing.assert_array_equal(s["path"]["y"], b)
    np.testing.assert_array_equal(pagetools.unpadded(s["walked"]["x"], step + 1, T), w[:step + 1])
    assert s["now"] == {"x": [w[step]], "y": [b[step]]}
    np.testing.assert_array_equal(s["loss"]["y"], loss)
    assert s["loss_now"] == {"x": [step], "y": [loss[step]]}
    assert s["loss_title"].startswith(f"Step {step}: L ≈ {widget.show_loss(loss[step])}")
    if v["compare_select"] == "none":
        assert pagetools.blank(s["cmp"]["x"]) and pagetools.blank(s["cmp_loss"]["y"])
        assert len(s["cmp"]["x"]) == T and len(s["cmp_loss"]["y"]) == T
    else:
        cw, cb, closs = expected(v, v["compare_select"])
        np.testing.assert_array_equal(s["cmp"]["x"], cw)
        np.testing.assert_array_equal(s["cmp"]["y"], cb)
        np.testing.assert_array_equal(s["cmp_loss"]["y"], closs)
    (w0, w1), (b0, b1) = widget.WINDOWS[v["preset_select"]]
    off = (w[step] < w0) | (w[step] > w1) | (b[step] < b0) | (b[step] > b1)
    if off:
        assert "off the map" in s["map_title"] and pagetools.blank(s["fit"]["y"])
        assert len(s["off"]["x"]) == 2 and not pagetools.blank(s["off"]["x"][:1])  # one or two marks, padded
    else:
        assert s["map_title"] == f"Step {step}: w = {w[step]:.3f}, b = {b[step]:.3f}"
        cx = np.asarray(s["fit"]["x"])
        np.testing.assert_allclose(s["fit"]["y"], np.tanh(w[step] * cx + b[step]), atol=1e-12)


def set_value(page, name: str, value) -> None:
    before = js(page, "return JSON.stringify(state())")
    js(page, "model(arg[0]).value = arg[1]", [name, value])
    wait_js(page, "return JSON.stringify(state()) !== arg", before, what=f"the widget to redraw after {name}={value}")


@pytest.fixture
def desktop(browser, server):
    context, page, log = open_page(browser, server.url + PAGE)
    wait_js(page, "return drawn()", what="the descent widget to be drawn")
    scroll_into_view(page.locator(SLOT))
    yield page, log
    context.close()


def test_the_opening_path_is_the_atlas(desktop):
    page, log = desktop
    v = js(page, "return values()")
    assert v == {"preset_select": "two_points", "loss_select": "mse", "optimizer_select": "sgd",
                 "compare_select": "none", "start_select": "dot", "batch_select": "full", "lr_index": 5, "step": 150}
    assert_shows_the_atlas(page)
    assert pagetools.colours(pagetools.shot(page.locator(SLOT))) > 100
    assert_clean(log)


def test_every_control_redraws_from_the_atlas(desktop):
    page, log = desktop
    for name, value in [("compare_select", "momentum"), ("optimizer_select", "adam"), ("lr_index", 3),
                        ("step", 40), ("start_select", "plateau"), ("loss_select", "mae"),
                        ("batch_select", "one"), ("preset_select", "sloped_line"), ("lr_index", 9),
                        ("step", 150), ("compare_select", "none")]:
        set_value(page, name, value)
        assert js(page, "return values()")[name] == value
        assert_shows_the_atlas(page)
    labels = js(page, "return model('start_select').options.map((o) => o[1])")
    assert labels == [name for _, name, _ in widget.STARTS["sloped_line"]]  # the same for every preset
    assert_clean(log)


def test_no_control_changes_a_sources_length(desktop):
    """Paths and loss curves keep T points and off-map marks two, whatever the controls
    (padded), and the map's layers keep theirs (a switch flips which is visible): BokehJS
    re-indexes a source whose length changes and updates its glyphs twice. A grid's image
    source is filled once, the first time its grid is shown (from no row to one), and
    never changes length again."""
    page, log = desktop
    images = [f"descent_image:{i}:data" for i in range(len(ATLAS["grids"]))]
    got = js(page, "return lengthChanges(arg)", images)
    assert got["changed"] == {} and got["moves"] > 30 and got["sources"] >= 15, got
    lengths = js(page, "return Object.fromEntries(['descent_walked', 'compare_path', 'compare_loss_curve', "
                       "'descent_off_map'].map((n) => [n, model(n).get_length()]))")
    assert lengths == {"descent_walked": T, "compare_path": T, "compare_loss_curve": T, "descent_off_map": 2}
    rows = js(page, "return arg.map((n) => model(n).get_length())", images)
    assert set(rows) == {0, 1}, rows  # filled once when first shown; the grids not shown yet are empty
    again = js(page, "return lengthChanges([])")  # the same grids again: each image filled already
    assert again["changed"] == {}, again
    assert_clean(log)


def test_switching_targets_or_loss_does_not_lay_the_widget_out_again(desktop):
    """The loss axis's tick labels keep one width over every target set and loss, so a
    switch only repaints: BokehJS lays the whole widget out again when a side panel's size
    changes (a 30-35 ms layout a switch; with its default log labels, 10^-13 to 10^0, it did)."""
    page, log = desktop
    js(page, """const root = viewOf("descent"); window.__layouts = 0
      const compute = root.compute_layout
      root.compute_layout = function (...a) { window.__layouts++; return compute.apply(this, a) }""")
    for preset in widget.PRESETS:
        for loss, _, _ in widget.LOSSES:
            if js(page, "return values()")["preset_select"] != preset:
                set_value(page, "preset_select", preset)
            if js(page, "return values()")["loss_select"] != loss:
                set_value(page, "loss_select", loss)
            next_frames(page, 3)
    assert js(page, "return window.__layouts") == 0
    labels = js(page, """const v = viewOf("loss_plot")
      return [...v.renderer_views.values()].filter((r) => r.model.type === "LogAxis")
        .map((a) => a.model.formatter.format)""")
    assert labels == [widget.LOSS_TICK_FORMAT]
    assert_clean(log)


def test_a_state_link_opens_that_state_and_a_path_off_the_map_is_marked(browser, server):
    url = (server.url + PAGE + "#descent?preset_select=sloped_line&loss_select=mse&optimizer_select=sgd"
           "&compare_select=none&start_select=dot&batch_select=full&lr_index=10&step=150")
    context, page, log = open_page(browser, url)
    try:
        wait_js(page, "return drawn() && values().lr_index === 10", what="the linked state")
        assert js(page, "return values()")["preset_select"] == "sloped_line"
        assert_shows_the_atlas(page)
        s = js(page, "return state()")
        assert "off the map" in s["map_title"] and not pagetools.blank(s["off"]["x"][1:])  # where it left, and now
        (w0, w1), (b0, b1) = widget.WINDOWS["sloped_line"]
        for x, y in zip(s["off"]["x"], s["off"]["y"]):
            assert w0 <= x <= w1 and b0 <= y <= b1 and (x in (w0, w1) or y in (b0, b1))  # on the edge
        assert_clean(log)
    finally:
        context.close()


def wait_out_double_tap(page) -> None:
    page.evaluate("() => window.__lastUp ?? document.addEventListener('pointerup', (e) => {"
                  " window.__lastUp = e.timeStamp }, true)")
    wait_js(page, "return performance.now() - (window.__lastUp ?? -Infinity) > 350", what="the double-tap window")


def test_a_click_next_to_a_start_picks_it(desktop):
    page, log = desktop
    for key, (w, b) in [("plateau", (-1.3, -2.4)), ("origin", (0.0, 0.0))]:
        wait_out_double_tap(page)
        x, y = js(page, "return toPage('descent_map', arg[0], arg[1])", [w + 0.1, b + 0.08])
        page.mouse.click(x, y)
        wait_js(page, "return values().start_select === arg", key, what=f"the start to become {key}")
        assert_shows_the_atlas(page)
        assert js(page, "return state().path")["x"][0] == pytest.approx(w, abs=widget.unit("two_points"))
    # Far from every start, a click changes nothing.
    wait_out_double_tap(page)
    before = js(page, "return values()")
    x, y = js(page, "return toPage('descent_map', 3.5, 2.0)")
    page.mouse.click(x, y)
    next_frames(page, 3)
    assert js(page, "return values()") == before
    assert_clean(log)


def press_play(page) -> None:
    page.locator(f"{SLOT} button").filter(has_text="Play").click()


def test_play_advances_the_scrubber_and_pause_stops_it(desktop):
    page, log = desktop
    press_play(page)  # at the last step, play starts again from step 0
    wait_js(page, "return model('step').value >= 1 && model('step').value < 150", what="play to restart")
    first = js(page, "return state().now")
    wait_js(page, "return model('step').value >= 12", what="the scrubber to advance")
    assert js(page, "return state().now") != first, "the marker did not move"
    page.locator(f"{SLOT} button").filter(has_text="Pause").click()
    next_frames(page, 2)
    assert_shows_the_atlas(page)  # read while still: playing moves the step between reads
    stopped = js(page, "return model('step').value")
    page.wait_for_timeout(600)
    assert js(page, "return model('step').value") == stopped, "pause did not stop the scrubber"
    assert js(page, "return [...doc().all_models].find((m) => m.type === 'Toggle').active") is False
    # Near the end, play runs to the last step and stops by itself.
    set_value(page, "step", 145)
    press_play(page)
    wait_js(page, "return model('step').value === 150 && ![...doc().all_models].find((m) => m.type === 'Toggle')"
                  ".active", what="play to stop at the last step")
    assert page.locator(f"{SLOT} button").filter(has_text="Play").count() == 1
    assert_shows_the_atlas(page)
    assert_clean(log)


FRAMES_JS = r"""() => {
  const out = []
  for (const model of Bokeh.documents[0].all_models) {
    const view = Bokeh.index.find_one(model)
    if (view == null || view.frame == null || view.canvas_view == null) continue
    const c = view.canvas_view.el.getBoundingClientRect(), f = view.frame.bbox
    out.push({name: model.name, left: c.left + f.left, right: c.left + f.right, width: f.width, height: f.height,
              top: c.top + f.top})
  }
  return out
}"""


def test_on_a_phone_the_map_fits_and_touch_plays_and_picks(browser, server):
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        from browser import watch

        log = watch(page)
        page.goto(server.url + PAGE)
        page.wait_for_load_state("networkidle")
        pagetools.hydrate(page)
        wait_js(page, "return drawn()", what="the descent widget to be drawn")
        scroll_into_view(page.locator(SLOT))
        next_frames(page, 3)
        frames = {f["name"]: f for f in page.evaluate(FRAMES_JS)}
        heat = frames["descent_map"]
        (w0, w1), (b0, b1) = widget.map_view("two_points")  # the window, widened to equal units
        assert heat["width"] >= 300
        assert heat["width"] / (w1 - w0) == pytest.approx(heat["height"] / (b1 - b0), rel=0.01)
        for f in frames.values():
            assert f["width"] >= 200 and f["left"] >= 0 and f["right"] <= 390.5, f
        # A finger on Play starts it; a finger on Pause stops it.
        button = page.locator(f"{SLOT} button").filter(has_text="Play")
        scroll_into_view(button)
        box = button.bounding_box()
        page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        wait_js(page, "return model('step').value >= 5 && model('step').value < 150", what="play to run on a tap")
        box = page.locator(f"{SLOT} button").filter(has_text="Pause").bounding_box()
        page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        wait_js(page, "return ![...doc().all_models].find((m) => m.type === 'Toggle').active", what="pause on a tap")
        # A tap next to the plateau start picks it.
        scroll_into_view(page.locator(SLOT).locator(".lossdocs-widget__root"))
        wait_out_double_tap(page)
        x, y = js(page, "return toPage('descent_map', -1.2, -2.3)")
        page.touchscreen.tap(x, y)
        wait_js(page, "return values().start_select === 'plateau'", what="a tap to pick the plateau start")
        assert_shows_the_atlas(page)
        assert_clean(log)
    finally:
        context.close()
