"""Browser tests of lessons five and six's widgets in headless Chromium, on a desktop and
on a 390 x 844 touch phone: training curves, outlier lab, reduction explorer (lesson
five); contrastive, triplet, boxes (lesson six).

What these prove:

* each widget opens on the engine's numbers (its readouts are the ones Python writes for
  the opening state);
* every control, set as a reader would, redraws from the atlas: the readouts and the
  drawn data equal what Python computes for the new state;
* a widget-state link opens that state;
* the training curves' Play advances the epochs and Pause stops them, by touch too;
* a tap on the triplet plane moves the negative to the nearest precomputed place;
* on a phone every plot frame of these pages fits the 390 px screen.
"""

from __future__ import annotations

import numpy as np
import pagetools
import pytest
from browser import watch
from pagetools import assert_clean, next_frames, open_page, scroll_into_view

from lossdocs.widgets import boxes as bw
from lossdocs.widgets import contrastive as cw
from lossdocs.widgets import outlier as ow
from lossdocs.widgets import reduction as rw
from lossdocs.widgets import training as tw
from lossdocs.widgets import triplet as trw

pytestmark = pytest.mark.browser

FIVE = "lessons/reading-the-loss-curve.html"
SIX = "lessons/beyond.html"
PHONE = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2)

# Several widgets share a page, and some share control names (margin): find each
# widget's own Bokeh document by its root's name.
JS = r"""
const docOf = (root) => {
  const d = Bokeh.documents.find((d) => d.roots().some((r) => r.name === root))
  if (!d) throw new Error(`no Bokeh document with the root ${root}`)
  return d
}
const model = (root, name) => {
  const m = docOf(root).get_model_by_name(name)
  if (!m) throw new Error(`no Bokeh model named ${name} in ${root}`)
  return m
}
const live = (root) => {
  if (!window.Bokeh || !Bokeh.documents || !Bokeh.index) return false
  const d = Bokeh.documents.find((d) => d.roots().some((r) => r.name === root))
  return d != null && d.roots().every((r) => Bokeh.index.get_by_id(r.id)?.has_finished())
}
const data = (root, name) => Object.fromEntries(Object.entries(model(root, name).data)
  .map(([k, v]) => [k, Array.from(v)]))
const values = (root) => Object.fromEntries([...docOf(root).all_models]
  .filter((m) => m.type === "Select" || m.type === "Slider").map((m) => [m.name, m.value]))
const titles = (root, names) => names.map((n) => {
  const m = model(root, n)
  return m.title != null && m.title.text !== undefined ? m.title.text : m.text
})
"""


js, wait_js = pagetools.bind_js(JS)


# ------------------------------------------------------------ what Python expects


def training_expect(v: dict) -> dict:
    atlas = tw.training_atlas()
    setting = {k: tw.training.GRID[k][int(v[k])] for k in tw.KEYS}
    run = tw.index_of(atlas, setting)
    k = int(v["epoch"])
    K = len(atlas["epochs"])
    fits = tw.decode_fits(atlas["fits"].reshape(-1, K, len(atlas["fit_x"])))
    return {"titles": [*tw.loss_titles(atlas, run, k), tw.fit_title(atlas, k)],
            "data": {"loss_curves": {"train": atlas["train"][run * K:(run + 1) * K]},
                     "fit_curve": {"y": fits[run, k]},
                     "train_points": {"x": atlas["x"][:setting["n_train"]]}}}


def outlier_expect(v: dict) -> dict:
    atlas = ow.outlier_atlas()
    alpha = ow.ALPHAS[int(v["alpha_index"])]
    title = ow.pull_title(atlas, v["outlier_place"], float(v["outlier_height"]), v["pull_select"],
                          float(v["delta"]), alpha)
    i = ow._slot(atlas, v["outlier_place"], float(v["outlier_height"]),
                 ow.variant_index(v["pull_select"], float(v["delta"]), alpha))
    n = atlas["n_points"]
    j = ow._slot(atlas, v["outlier_place"], float(v["outlier_height"]), ow.variant_index("mse", 1.0, 0.0))
    return {"titles": [title], "data": {"pulls": {"pull": atlas["pulls"][i * n:(i + 1) * n]},
                                        "line_mse": {"y": atlas["ends"][2 * j:2 * j + 2]}},
            "visible": {f"emphasis_{loss}": loss == v["pull_select"] for loss, _ in ow.LOSSES}}


def reduction_expect(v: dict) -> dict:
    atlas = rw.reduction_atlas()
    kind = v["batch_select"]
    wt = v["weights_select"] if kind == "classification" else "off"
    first, second = rw.titles(atlas, kind, v["reduction_select"], wt, int(v["batch_size"]))
    shown = atlas["shown"][f"{kind}|{wt}"][:int(v["batch_size"])]
    return {"titles": [first, second], "data": {"example_losses": {"loss": shown}}}


def contrastive_expect(v: dict) -> dict:
    atlas = cw.contrastive_atlas()
    return {"titles": list(cw.titles(atlas, float(v["margin"]), float(v["distance"]))), "data": {}}


def triplet_expect(v: dict) -> dict:
    atlas = trw.triplet_atlas()
    i = trw.index_of({"positive_distance": float(v["positive_distance"]),
                      "negative_distance": float(v["negative_distance"]),
                      "negative_angle": int(v["negative_angle"]), "margin": float(v["margin"])})
    ends = atlas["ends"][6 * i:6 * i + 6]
    return {"titles": list(trw.titles(atlas, i)), "data": {"arrows": {"x1": ends[0::2], "y1": ends[1::2]}}}


def boxes_expect(v: dict) -> dict:
    atlas = bw.boxes_atlas()
    dx, dy, s = float(v["x_offset"]), float(v["y_offset"]), float(v["size"])
    start = bw.row_of(dy, s)
    pred = bw.pred_box(dx, dy, s)
    return {"titles": list(bw.titles(atlas, dx, dy, s)),
            "data": {"pred_box": {"left": [pred[0]], "top": [pred[3]]},
                     "loss_curves": {"giou": atlas["giou"][start:start + len(bw.DX)]}}}


# (page, slot name, root model, title-bearing models, expectation, controls to set in turn)
WIDGETS = {
    "training-curves": (FIVE, "training_curves", ["loss_plot", "best_title", "fit_plot"], training_expect,
                        [("hidden", 1), ("epoch", 20), ("n_train", 2), ("noise", 0), ("weight_decay", 2),
                         ("epoch", 0)]),
    "outlier-lab": (FIVE, "outlier_lab", ["pull_plot"], outlier_expect,
                    [("outlier_height", -6), ("outlier_place", "left"), ("pull_select", "huber"), ("delta", 2.5),
                     ("pull_select", "barron"), ("alpha_index", 6), ("pull_select", "mae")]),
    "reduction-explorer": (FIVE, "reduction_explorer", ["bars_plot", "grad_title"], reduction_expect,
                           [("batch_size", 32), ("reduction_select", "sum"), ("weights_select", "off"),
                            ("reduction_select", "none"), ("batch_select", "regression"),
                            ("reduction_select", "mean"), ("batch_size", 3)]),
    "contrastive": (SIX, "contrastive", ["contrastive_plot", "contrastive_grad_plot"], contrastive_expect,
                    [("distance", 1.5), ("margin", 2.0), ("distance", 0.0), ("margin", 0.25)]),
    "triplet": (SIX, "triplet", ["triplet_plane", "distance_title"], triplet_expect,
                [("negative_angle", 180), ("negative_distance", 0.5), ("margin", 2.0), ("positive_distance", 2.5),
                 ("negative_distance", 3.0)]),
    "boxes": (SIX, "boxes", ["boxes_plane", "overlap_title"], boxes_expect,
              [("x_offset", 3.0), ("size", 1.0), ("y_offset", -2.0), ("x_offset", -0.5)]),
}


def assert_shows(page, widget: str) -> None:
    _, root, names, expect, _ = WIDGETS[widget]
    want = expect(js(page, "return values(arg)", root))
    assert js(page, "return titles(arg[0], arg[1])", [root, names]) == want["titles"]
    for source, columns in want["data"].items():
        got = js(page, "return data(arg[0], arg[1])", [root, source])
        for column, expected in columns.items():
            np.testing.assert_allclose(got[column], np.asarray(expected, dtype=np.float64), rtol=1e-6, atol=1e-6,
                                       err_msg=f"{widget}: {source}.{column}")
    for name, shown in want.get("visible", {}).items():
        assert js(page, "return model(arg[0], arg[1]).visible", [root, name]) is shown, f"{widget}: {name}.visible"


def open_lesson(browser, server, path, fragment=""):
    context, page, log = open_page(browser, server.url + path + fragment)
    for widget, (p, root, *_rest) in WIDGETS.items():
        if p == path:
            wait_js(page, "return live(arg)", root, what=f"the {widget} widget to be drawn")
    return context, page, log


@pytest.fixture(scope="module")
def pages(browser, server):
    opened = {path: open_lesson(browser, server, path) for path in (FIVE, SIX)}
    yield {path: (page, log) for path, (_, page, log) in opened.items()}
    for context, _, _ in opened.values():
        context.close()


@pytest.mark.parametrize("widget", list(WIDGETS))
def test_opens_on_the_engines_numbers_and_every_control_redraws_from_the_atlas(pages, widget):
    path, root, _, _, steps = WIDGETS[widget]
    page, log = pages[path]
    scroll_into_view(page.locator(f".lossdocs-widget[data-widget={widget}]"))
    assert_shows(page, widget)
    for name, value in steps:
        before = js(page, "return JSON.stringify([values(arg[0]), titles(arg[0], arg[1])])", [root, WIDGETS[widget][2]])
        js(page, "model(arg[0], arg[1]).value = arg[2]", [root, name, value])
        wait_js(page, "return JSON.stringify([values(arg[0]), titles(arg[0], arg[1])]) !== arg[2]",
                [root, WIDGETS[widget][2], before], what=f"{widget} to redraw after {name}={value}")
        assert js(page, "return values(arg)", root)[name] == value
        assert_shows(page, widget)
    assert_clean(log)


def _every_range(widget: str) -> list[list[tuple[str, object]]]:
    """Settings that reach every range of the widget's moving axis, one list per switch."""
    if widget == "reduction-explorer":
        return [[("batch_select", b), ("weights_select", w)] for b, _ in rw.BATCHES for w, _ in rw.WEIGHTS]
    return ([[("pull_select", loss)] for loss, _ in ow.LOSSES]
            + [[("pull_select", "huber"), ("delta", d)] for d in ow.DELTAS]
            + [[("pull_select", "barron"), ("alpha_index", i)] for i in range(len(ow.ALPHAS))])


@pytest.mark.parametrize("widget,plot,formats", [
    ("reduction-explorer", "bars_plot", {"%.2f", "%.1f"}),
    ("outlier-lab", "pull_plot", {"%.2f", "%.1f"}),
])
def test_switches_that_move_an_axis_only_repaint(pages, widget, plot, formats):
    """The moving axis's tick labels keep one width over every range the reader can reach
    (``style.steady_digits``: "1.00", "10.0", "-20.0"), so a switch repaints without laying
    the widget out again: BokehJS re-measures every plot when an axis gets wider or
    narrower, and the reduction explorer's batch and weights switches ("0.5" to "10") and
    the outlier lab's loss switch ("-1" to "-20") did that."""
    path, root, *_ = WIDGETS[widget]
    page, log = pages[path]
    scroll_into_view(page.locator(f".lossdocs-widget[data-widget={widget}]"))
    js(page, """const root = Bokeh.index.get_by_id(docOf(arg).roots()[0].id); window.__layouts = 0
      const compute = root.compute_layout
      root.compute_layout = function (...a) { window.__layouts++; return compute.apply(this, a) }""", root)
    seen = set()
    for settings in _every_range(widget):
        for name, value in settings:
            if js(page, "return values(arg)", root)[name] != value:
                js(page, "model(arg[0], arg[1]).value = arg[2]", [root, name, value])
        next_frames(page, 3)
        seen.add(js(page, "return model(arg[0], arg[1]).left[0].formatter.format", [root, plot]))
    assert js(page, "return window.__layouts") == 0
    assert seen == formats
    assert_clean(log)


@pytest.mark.parametrize("widget,query", [
    ("training-curves", "hidden=0&n_train=2&noise=0&weight_decay=0&epoch=30"),
    ("outlier-lab", "outlier_place=middle&pull_select=huber&outlier_height=-4&delta=0.5&alpha_index=0"),
    ("reduction-explorer", "batch_select=regression&reduction_select=sum&weights_select=off&batch_size=8"),
    ("triplet", "positive_distance=2&negative_distance=1.25&negative_angle=120&margin=1.5"),
    ("boxes", "x_offset=-3&y_offset=0&size=1.5"),
    ("contrastive", "margin=0.5&distance=2"),
])
def test_a_state_link_opens_that_state(browser, server, widget, query):
    path, root, *_ = WIDGETS[widget]
    context, page, log = open_lesson(browser, server, path, f"#{widget}?{query}")
    try:
        wanted = dict(pair.split("=") for pair in query.split("&"))
        wait_js(page, "return Object.entries(arg[1]).every(([k, v]) => String(values(arg[0])[k]) === v)",
                [root, wanted], what=f"the linked {widget} state")
        assert_shows(page, widget)
        assert_clean(log)
    finally:
        context.close()


def toggle(page):
    return js(page, "return [...docOf('training_curves').all_models].find((m) => m.type === 'Toggle').active")


def test_play_walks_the_epochs_and_pause_stops_them(pages):
    page, log = pages[FIVE]
    slot = page.locator(".lossdocs-widget[data-widget=training-curves]")
    scroll_into_view(slot)
    js(page, "model('training_curves', 'epoch').value = 0")
    slot.locator("button").filter(has_text="Play").click()
    wait_js(page, "return model('training_curves', 'epoch').value >= 5", what="play to advance the epochs")
    slot.locator("button").filter(has_text="Pause").click()
    next_frames(page, 2)
    stopped = js(page, "return model('training_curves', 'epoch').value")
    page.wait_for_timeout(500)
    assert js(page, "return model('training_curves', 'epoch').value") == stopped and toggle(page) is False
    assert_shows(page, "training-curves")
    assert_clean(log)


def test_a_tap_on_the_triplet_plane_moves_the_negative_to_the_nearest_place(pages):
    page, log = pages[SIX]
    scroll_into_view(page.locator(".lossdocs-widget[data-widget=triplet]"))
    next_frames(page, 2)
    target = (-1.9, -1.2)   # nearest place: distance 2.25 at 210 degrees
    x, y = page.evaluate("""([x, y]) => {
      const d = Bokeh.documents.find((d) => d.roots().some((r) => r.name === 'triplet'))
      const stack = d.roots().map((r) => Bokeh.index.get_by_id(r.id))
      while (stack.length) { const v = stack.pop(); if (v.model.name === 'triplet_plane') {
        const box = v.canvas_view.el.getBoundingClientRect()
        return [box.left + v.frame.x_scale.compute(x), box.top + v.frame.y_scale.compute(y)] }
        for (const c of v.child_views ?? []) stack.push(c) }
    }""", list(target))
    page.mouse.click(x, y)
    wait_js(page, "return values('triplet').negative_angle === 210 && values('triplet').negative_distance === 2.25",
            what="the tap to move the negative")
    assert_shows(page, "triplet")
    assert_clean(log)


FRAMES_JS = r"""() => {
  const out = []
  for (const d of Bokeh.documents) for (const model of d.all_models) {
    const view = Bokeh.index.find_one(model)
    if (view == null || view.frame == null || view.canvas_view == null) continue
    const c = view.canvas_view.el.getBoundingClientRect(), f = view.frame.bbox
    out.push({name: model.name, left: c.left + f.left, right: c.left + f.right, width: f.width})
  }
  return out
}"""


@pytest.mark.parametrize("path", [FIVE, SIX])
def test_on_a_phone_every_plot_fits_and_touch_plays(browser, server, path):
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        log = watch(page)
        page.goto(server.url + path)
        page.wait_for_load_state("networkidle")
        pagetools.hydrate(page)
        for widget, (p, root, *_rest) in WIDGETS.items():
            if p == path:
                wait_js(page, "return live(arg)", root, what=f"the {widget} widget to be drawn")
        frames = page.evaluate(FRAMES_JS)
        assert len(frames) >= 4
        for f in frames:
            assert f["width"] >= 200 and f["left"] >= 0 and f["right"] <= 390.5, f
        if path == FIVE:
            button = page.locator(".lossdocs-widget[data-widget=training-curves] button").filter(has_text="Play")
            scroll_into_view(button)
            js(page, "model('training_curves', 'epoch').value = 0")
            box = button.bounding_box()
            page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            wait_js(page, "return model('training_curves', 'epoch').value >= 3", what="play to run on a tap")
            box = page.locator(".lossdocs-widget[data-widget=training-curves] button").filter(
                has_text="Pause").bounding_box()
            page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            wait_js(page, "return !%s" % "[...docOf('training_curves').all_models].find((m) => m.type === 'Toggle')"
                          ".active", what="pause on a tap")
        assert_clean(log)
    finally:
        context.close()
