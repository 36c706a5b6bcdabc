"""Browser tests: the built site in a real (headless) Chromium.

What these prove, page by page:

* the lesson page loads from 127.0.0.1 and from ``file://`` with no console error,
  page error, blocked or failed request, and fetches nothing from the network;
* the loss explorer is really drawn (Bokeh views finished, canvases sized, the
  curves' colours on the canvas);
* every control (found by walking the Bokeh document, not from a list) changes
  both the data the plots draw and the pixels of the plot, and what is drawn
  agrees with the numeric engine (``lossdocs.losses``), not just "something moved";
* real keyboard, mouse and ``<select>`` input reaches the widget;
* the hover readout prints the engine's numbers for the prediction under the pointer;
* Material's dark palette re-colours the axes and shows through the transparent canvas;
* the home page loads no BokehJS, and without JavaScript the lesson shows the
  static fallback figure and the server-rendered KaTeX.

Each test opens its own browser context. Nothing here sleeps: every wait is for a
condition (``page.wait_for_function`` or a screenshot that has changed), bounded
by a timeout that fails the test.
"""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pagetools
import pytest
from browser import is_local
from pagetools import image, next_frames, open_page, scroll_into_view, shot, wait_for_new_picture

from lossdocs import losses
from lossdocs.widgets.explorer import OVERLAY_COLOR, PRIMARY_COLOR

pytestmark = pytest.mark.browser

LESSON = "lessons/loss-functions.html"
HOME = "index.html"
TIMEOUT_MS = 10_000  # any single wait; a healthy page needs well under a second

# JavaScript helpers, prepended to every snippet evaluated in the page.
JS_HELPERS = pagetools.BOKEH_JS + pagetools.VIEW_JS + r"""
const modelsOfType = (type) => [...doc().all_models].filter((m) => m.type === type)
const rootViews = () => doc().roots().map((r) => Bokeh.index.get_by_id(r.id))
// querySelectorAll that also looks inside (open) shadow roots, as Bokeh renders there.
const deepAll = (root, sel) => {
  const out = [...root.querySelectorAll(sel)]
  for (const el of root.querySelectorAll("*")) {
    if (el.shadowRoot) out.push(...deepAll(el.shadowRoot, sel))
  }
  return out
}
const optionValues = (select) => select.options.map((o) => (Array.isArray(o) ? o[0] : o))
const fingerprint = (arr) => `${arr.length}:` + Array.from(arr, (v) => (Number.isNaN(v) ? "nan" : v)).join(",")
// Everything the data sources hold, as one comparable string.
const dataState = () => JSON.stringify({
  primary: ["x", "y", "g"].map((c) => fingerprint(model("primary_curve").data[c])),
  overlay: ["x", "y", "g"].map((c) => fingerprint(model("overlay_curve").data[c])),
  target: fingerprint(model("target_marker").data.x),
})
const widgetDrawn = () => {
  if (!window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0 || !Bokeh.index) return false
  const roots = doc().roots()
  if (roots.length === 0) return false
  for (const r of roots) {
    const v = Bokeh.index.get_by_id(r.id)
    if (!v || !v.has_finished()) return false
  }
  const widgets = document.querySelectorAll(".lossdocs-widget")
  if (widgets.length === 0) return false
  for (const w of widgets) {
    const canvases = deepAll(w, "canvas")
    if (canvases.length === 0) return false
    for (const c of canvases) {
      const box = c.getBoundingClientRect()
      if (box.width <= 0 || box.height <= 0 || c.width === 0 || c.height === 0) return false
    }
  }
  return true
}
"""


# ---------------------------------------------------------------- helpers


def js(page, body: str, arg=None):
    """Evaluate ``body`` (a function body that may ``return``) with JS_HELPERS in scope."""
    return pagetools.run_js(page, JS_HELPERS, body, arg)


def wait_js(page, body: str, arg=None, what: str = "condition", timeout: int = TIMEOUT_MS):
    """Wait until ``body`` returns a truthy value; fail the test saying ``what`` did not happen."""
    pagetools.wait_js(page, JS_HELPERS, body, arg, what, timeout)


def wait_for_widget(page) -> None:
    """Make the widget live (after a reload it may sit below the fold, where the site
    would wait for a scroll) and wait until every view and canvas is drawn."""
    pagetools.hydrate(page)
    wait_js(page, "return widgetDrawn()", what="the loss explorer to be drawn")


def models(page, type_name: str) -> list[dict]:
    """Name and id of every model of Bokeh type ``type_name`` in the page's document."""
    return js(page, "return modelsOfType(arg).map((m) => ({name: m.name, id: m.id}))", type_name)


def prop(page, name: str, attr: str):
    """``model(name)[attr]`` read in the page."""
    return js(page, "return model(arg[0])[arg[1]]", [name, attr])


def set_prop(page, name: str, attr: str, value) -> None:
    """Set ``model(name)[attr] = value`` in the page, as a reader's change would."""
    js(page, "model(arg[0])[arg[1]] = arg[2]", [name, attr, value])


def data_state(page) -> str:
    return js(page, "return dataState()")


def wait_for_data_change(page, before: str, what: str) -> None:
    wait_js(page, "return dataState() !== arg", before, what=f"the curve data to change after {what}")


def element(page, name: str):
    """ElementHandle of the DOM element (shadow host) that renders Bokeh model ``name``."""
    handle = page.evaluate_handle(f"(arg) => {{ {JS_HELPERS}\nreturn viewOf(arg).el\n}}", name)
    el = handle.as_element()
    assert el is not None, f"model {name} has no DOM element"
    return el










def hex_rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return tuple(int(color[i:i + 2], 16) for i in (0, 2, 4))


def pixels_near(png: bytes, color: str, tol: int = 12) -> int:
    """How many pixels of the PNG lie within ``tol`` of ``color`` on every channel."""
    a = np.asarray(image(png), dtype=int)
    return int((np.abs(a - np.array(hex_rgb(color))).max(axis=2) <= tol).sum())


def css_rgb(color: str) -> tuple[float, ...]:
    """(r, g, b[, a]) from a CSS ``rgb()``/``rgba()`` string or a ``#rrggbb`` colour."""
    if color.startswith("#"):
        return hex_rgb(color)
    m = re.fullmatch(r"rgba?\(([^)]*)\)", color.strip())
    assert m, f"not a CSS rgb colour: {color!r}"
    return tuple(float(v) for v in m[1].replace("/", ",").replace(" ", ",").split(",") if v)


def luminance(rgb) -> float:
    r, g, b = rgb[:3]
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255.0


def readout_text(page) -> str:
    """The readout's text as a reader sees it: tags dropped, entities decoded."""
    raw = prop(page, "readout", "html")
    lines = re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>", "\n", raw)).split("\n")
    return "\n".join(" ".join(html.unescape(line).split()) for line in lines)


def widget_state(page) -> dict:
    """The controls' values and the data sources' arrays, read from the page."""
    return js(page, """
      const params = {}
      for (const m of modelsOfType("Slider")) {
        if (m.name.startsWith("param_")) params[m.name] = m.value
      }
      const arr = (src, col) => Array.from(model(src).data[col])
      return {
        primary: model("primary_select").value, overlay: model("overlay_select").value,
        target: model("target_slider").value, params,
        x: arr("primary_curve", "x"), py: arr("primary_curve", "y"), pg: arr("primary_curve", "g"),
        ox: arr("overlay_curve", "x"), oy: arr("overlay_curve", "y"), og: arr("overlay_curve", "g"),
        marker: arr("target_marker", "x"),
        lines: [model("target_line_loss").location, model("target_line_grad").location],
      }
    """)


def engine_params(loss: losses.Loss, params: dict) -> dict:
    """Keyword parameters for ``loss`` from the page's ``param_<loss>_<param>`` slider values
    (a parameter with one choice has no slider: it is held at that choice)."""
    return {p.name: params[f"param_{loss.name}_{p.name}"] if len(p.choices) > 1 else p.choices[0]
            for p in loss.params}


def assert_curves_match_engine(page) -> None:
    """What the sources hold equals ``lossdocs.losses`` for the controls' current values."""
    s = widget_state(page)
    x = np.asarray(s["x"])
    assert s["marker"] == [s["target"]], "the target marker is not at the slider's value"
    assert s["lines"] == [s["target"], s["target"]], "the true-value lines are not at the slider's value"
    shown = [("primary", s["primary"], s["py"], s["pg"])]
    if s["overlay"] != "none":
        assert s["ox"] == s["x"], "overlay and primary are drawn over different predictions"
        shown.append(("overlay", s["overlay"], s["oy"], s["og"]))
    for role, name, ys, gs in shown:
        loss = losses.get(name)
        kw = engine_params(loss, s["params"])
        assert len(ys) == len(x) and len(gs) == len(x), (
            f"{role} curve ({name}) has {len(ys)} values for {len(x)} predictions")
        want_v = loss.value(x, s["target"], **kw)
        want_g = loss.grad(x, s["target"], **kw)
        where = f"{role} curve {name} at true value {s['target']} with {kw}"
        np.testing.assert_allclose(ys, want_v, rtol=1e-6, atol=1e-6, err_msg=f"values of {where}")
        np.testing.assert_allclose(gs, want_g, rtol=1e-6, atol=1e-6, err_msg=f"gradients of {where}")


def assert_clean(log) -> None:
    assert log.problems() == []
    assert [u for u in log.requests if not is_local(u)] == []


def loss_owning(slider_name: str) -> losses.Loss:
    """The loss whose parameter a ``param_<loss>_<param>`` slider sets."""
    for loss in losses.REGISTRY.values():
        for p in loss.params:
            if slider_name == f"param_{loss.name}_{p.name}":
                return loss
    raise AssertionError(f"slider {slider_name} names no parameter of a registered loss")


def new_value_js() -> str:
    """JS body: a different, valid value for control ``arg`` (a step, or another option)."""
    return """
      const m = model(arg)
      if (m.type === "Slider") {
        return m.value + m.step <= m.end ? m.value + m.step : m.value - m.step
      }
      return optionValues(m).find((v) => v !== m.value && v !== "none")
    """


@pytest.fixture
def lesson(browser, server):
    """The lesson page from the local server, widget drawn: (page, log)."""
    context, page, log = open_page(browser, server.url + LESSON)
    wait_for_widget(page)
    yield page, log
    context.close()


# ------------------------------------------------------------------ tests


def test_lesson_loads_clean_and_draws_the_widget(lesson):
    """Served from 127.0.0.1, the lesson draws the explorer with zero console errors,
    page errors, blocked or failed requests, every request local, and the loss plot's
    canvas really shows both curves (not a blank or axes-only canvas)."""
    page, log = lesson
    canvases = page.locator(".lossdocs-widget canvas")  # CSS locators pierce shadow roots
    assert canvases.count() >= 2
    for i in range(canvases.count()):
        box = canvases.nth(i).bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0
    assert {m["name"] for m in models(page, "Figure")} == {"loss_plot", "grad_plot"}

    png = shot(element(page, "loss_plot"))
    colours = np.unique(np.asarray(image(png)).reshape(-1, 3), axis=0)
    assert len(colours) > 10, "the loss plot looks blank"
    assert pixels_near(png, PRIMARY_COLOR) > 200, "no primary curve on the loss plot"
    assert pixels_near(png, OVERLAY_COLOR) > 100, "no overlay curve on the loss plot"
    assert_curves_match_engine(page)
    assert_clean(log)
    assert any("bokeh" in u for u in log.requests), "BokehJS was not loaded from the site"


def test_every_control_changes_data_and_picture(browser, server):
    """Every Slider and Select of the document (found by walking it) changes the data
    sources and the pixels of the loss plot, and the new curves equal the engine's.
    A parameter slider is moved while its loss is the primary one (only then is its
    effect on screen). The loss plot is compared, not the widget root: a slider
    repaints its own handle, which would make a widget-root comparison pass on its own."""
    context, page, log = open_page(browser, server.url + LESSON)
    try:
        wait_for_widget(page)
        controls = models(page, "Slider") + models(page, "Select")
        names = {c["name"] for c in controls}
        assert {"primary_select", "overlay_select", "target_slider", "param_huber_delta"} <= names
        for control in controls:
            name = control["name"]
            # Each control from the opening state. Not a reload: it would keep the state the
            # last control wrote into the address, which the widget then restores.
            page.goto(server.url + LESSON)
            wait_for_widget(page)
            if name.startswith("param_"):
                owner = loss_owning(name)
                set_prop(page, "primary_select", "value", owner.name)
                wait_js(page, "return !model(arg).disabled", name, what=f"{name} to be enabled")
            plot = element(page, "loss_plot")
            next_frames(page)
            before_data, before_png = data_state(page), shot(plot)
            value = js(page, new_value_js(), name)
            assert value is not None, f"no other value to give {name}"
            set_prop(page, name, "value", value)
            wait_for_data_change(page, before_data, f"setting {name} to {value!r}")
            wait_for_new_picture(page, plot, before_png, f"setting {name} to {value!r}")
            assert_curves_match_engine(page)
        page.wait_for_load_state("networkidle")
        assert_clean(log)
    finally:
        context.close()


def test_binary_cross_entropy_switches_to_the_probability_axis(lesson):
    """Choosing binary cross-entropy puts the plots on the probability axis: x range
    about [0, 1], x-axis labels saying so, the true-value slider 0..1, MSE offered as
    an overlay, curves equal to the engine's, and no error on the way."""
    page, log = lesson
    set_prop(page, "primary_select", "value", "bce")
    wait_js(page, "const r = model('loss_plot').x_range; return r.start > -0.05 && r.end < 1.05",
            what="the x range to become the probability range")
    assert (prop(page, "target_slider", "start"), prop(page, "target_slider", "end")) == (0, 1)
    start, end = js(page, "const r = model('loss_plot').x_range; return [r.start, r.end]")
    x = js(page, "return Array.from(model('primary_curve').data.x)")
    assert 0 < x[0] < x[-1] < 1, "the curves are not drawn over probabilities"
    # About [0, 1]: every drawn probability in view, with at most a small margin.
    assert -0.05 <= start <= x[0] and x[-1] <= end <= 1.05, (start, end)
    assert "mse" in js(page, "return optionValues(model('overlay_select'))")
    labels = js(page, "return modelsOfType('Figure').map((f) => f.below[0].axis_label)")
    assert labels == ["predicted probability p"] * 2
    assert_curves_match_engine(page)
    assert_clean(log)


def test_a_new_primary_on_its_axis_leaves_the_overlay_list_alone(lesson):
    """The overlay list is one per axis: every loss on it, the primary too (rebuilding the
    <select> on each new primary forced a restyle of the page, 5 ms a change). A primary
    chosen as its own overlay draws the same curve dashed over it."""
    page, log = lesson
    options = js(page, "return JSON.stringify(optionValues(model('overlay_select')))")
    primary = prop(page, "primary_select", "value")
    assert primary in json.loads(options), "the overlay list leaves out the primary"
    other = js(page, "return optionValues(model('primary_select')).find((v) => v !== arg && "
               "v !== model('overlay_select').value && optionValues(model('overlay_select')).includes(v))",
               primary)
    before = data_state(page)
    set_prop(page, "primary_select", "value", other)
    wait_for_data_change(page, before, f"choosing {other} as the primary")
    assert js(page, "return JSON.stringify(optionValues(model('overlay_select')))") == options
    before = data_state(page)
    set_prop(page, "overlay_select", "value", other)
    wait_for_data_change(page, before, f"choosing {other} as the overlay too")
    assert_curves_match_engine(page)
    s = widget_state(page)
    assert s["oy"] == s["py"] and s["og"] == s["pg"]
    assert_clean(log)


def test_real_keyboard_mouse_and_select_input(lesson):
    """Real input reaches the widget: ArrowRight on the focused true-value handle and a
    mouse drag of it move the target marker (and the curves follow, as the engine
    says), and choosing "Huber" in the primary <select> redraws the primary curve."""
    page, log = lesson
    step = prop(page, "target_slider", "step")
    y0 = prop(page, "target_slider", "value")
    handle = element(page, "target_slider").query_selector(".noUi-handle")
    assert handle is not None, "the true-value slider has no noUiSlider handle"

    handle.focus()
    page.keyboard.press("ArrowRight")
    wait_js(page, "return model('target_marker').data.x[0] === arg", y0 + step,
            what="the target marker to move one step right after ArrowRight")
    assert_curves_match_engine(page)

    box = handle.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx - 150, cy, steps=8)
    page.mouse.up()
    wait_js(page, "return model('target_marker').data.x[0] < arg", y0,
            what="the target marker to move left after dragging the handle")
    assert_curves_match_engine(page)

    before = data_state(page)
    select = element(page, "primary_select").query_selector("select")
    assert select is not None, "the primary Select renders no <select>"
    select.select_option(label=losses.get("huber").label)
    wait_js(page, "return model('primary_select').value === 'huber'",
            what="the primary loss to become Huber")
    wait_for_data_change(page, before, "choosing Huber in the <select>")
    assert_curves_match_engine(page)
    assert_clean(log)


# Every slider handle on the page, with what the site should have written on it.
HANDLES_JS = """modelsOfType("Slider").flatMap((m) => [...viewOf(m.name).shadow_el.querySelectorAll(".noUi-handle")]
  .map((h) => ({slider: m.name, label: h.getAttribute("aria-label"), title: m.title, tab: h.tabIndex,
                disabled: m.disabled})))"""


def assert_handles_named(page, when: str) -> None:
    handles = js(page, f"return {HANDLES_JS}")
    assert handles, f"{when}: no slider handle found"
    for h in handles:
        assert h["label"] == h["title"], f"{when}: {h['slider']}'s handle is named {h['label']!r}, not its title"
        assert h["tab"] == (-1 if h["disabled"] else 0), f"{when}: {h['slider']}'s handle has tabIndex {h['tab']}"


def test_slider_handles_keep_their_names_after_a_re_render(lesson):
    """The site names each slider handle after its slider and takes a disabled one out
    of the Tab order; it does so again after a change of title or of disabled, and for a
    handle that replaced the old one (as a re-render would: here an unnamed copy)."""
    page, log = lesson
    assert_handles_named(page, "at load")
    sliders = [m["name"] for m in models(page, "Slider")]
    js(page, """for (const name of arg) {
      for (const h of viewOf(name).shadow_el.querySelectorAll(".noUi-handle")) {
        const copy = h.cloneNode(true)
        copy.removeAttribute("aria-label")
        h.replaceWith(copy)
      }
      model(name).title += " (again)"
    }""", sliders)
    wait_js(page, f"return {HANDLES_JS}.every((h) => h.label === h.title)",
            what="every handle, replaced, to carry its slider's new title")
    for name in sliders:
        set_prop(page, name, "disabled", not prop(page, name, "disabled"))
    wait_js(page, f"return {HANDLES_JS}.every((h) => h.tab === (h.disabled ? -1 : 0))",
            what="every handle's tabIndex to follow its slider's disabled")
    assert_handles_named(page, "after a replacement and a change of title and of disabled")
    assert_clean(log)


def test_hover_readout_reports_the_engine_values(lesson):
    """Moving the mouse over the loss plot fills the readout with the prediction under
    the pointer and the MSE and MAE values and gradients there, equal to the engine's
    to 3 decimals (default state: MSE with MAE overlaid, true value 0)."""
    page, log = lesson
    opening = [prop(page, n, "value") for n in ("primary_select", "overlay_select", "target_slider")]
    assert opening == ["mse", "mae", 0], f"not the documented opening state: {opening}"
    assert not re.search(r"loss -?\d", readout_text(page)), "the readout shows values before any hover"
    target_yhat = 1.3
    plot = element(page, "loss_plot")
    scroll_into_view(plot)
    point = js(page, """
      const v = viewOf("loss_plot")
      const box = v.canvas_view.el.getBoundingClientRect()
      return [box.left + v.frame.x_scale.compute(arg), box.top + v.frame.y_scale.compute(4)]
    """, target_yhat)
    page.mouse.move(point[0] - 40, point[1])
    page.mouse.move(*point, steps=4)
    wait_js(page, "return /loss -?\\d/.test(model('readout').html)",
            what="the readout to show values after a pointer move")
    text = readout_text(page)

    m = re.search(r"ŷ = (-?[\d.]+)", text)
    assert m, f"no prediction in the readout: {text!r}"
    yhat = float(m[1])
    assert abs(yhat - target_yhat) <= 1 / 32, f"readout at ŷ={yhat}, pointer at {target_yhat}"
    assert re.search(r"· y = 0\.0000 ·", text), text
    for name in ("mse", "mae"):
        loss = losses.get(name)
        m = re.search(re.escape(loss.label) + r": loss (-?[\d.]+), gradient (-?[\d.]+)", text)
        assert m, f"no {loss.label} line in the readout: {text!r}"
        assert float(m[1]) == pytest.approx(float(loss.value(yhat, 0.0)), abs=5e-4)
        assert float(m[2]) == pytest.approx(float(loss.grad(yhat, 0.0)), abs=5e-4)
    assert float(re.search(r"Mean squared error: loss (-?[\d.]+)", text)[1]) == pytest.approx(
        yhat ** 2, abs=5e-4)
    assert_clean(log)


def test_lesson_from_file_url(browser, site_dir):
    """Opened straight from disk (file://), the lesson loads with no problems, draws
    the explorer, and a control still changes the picture."""
    url = (site_dir / LESSON).as_uri()
    context, page, log = open_page(browser, url)
    try:
        wait_for_widget(page)
        plot = element(page, "loss_plot")
        next_frames(page)
        before_data, before_png = data_state(page), shot(plot)
        set_prop(page, "target_slider", "value", js(page, new_value_js(), "target_slider"))
        wait_for_data_change(page, before_data, "moving the true value")
        wait_for_new_picture(page, plot, before_png, "moving the true value")
        assert_curves_match_engine(page)
        assert_clean(log)
    finally:
        context.close()


def test_dark_palette_recolours_axes_and_shows_through_canvas(lesson):
    """Switching Material to its dark ("slate") scheme turns every axis label light,
    and the plot area's pixels equal the page background in both schemes (the canvas
    is transparent, so the page colour shows through)."""
    page, log = lesson
    assert len(models(page, "LinearAxis")) >= 4
    wait_js(page, "return modelsOfType('LinearAxis')"
                  ".every((a) => String(a.axis_label_text_color).startsWith('rgb'))",
            what="the site loader to colour the axes from Material's palette")

    def label_colours() -> list[str]:
        return js(page, "return modelsOfType('LinearAxis').map((a) => a.axis_label_text_color)")

    def background() -> dict:
        """Pixels of an empty spot of the plot area and of the page beside the widget,
        from one viewport screenshot, and the body's computed background colour."""
        scroll_into_view(element(page, "loss_plot"))
        next_frames(page)
        where = js(page, """
          const v = viewOf("loss_plot")
          const box = v.canvas_view.el.getBoundingClientRect()
          // (-5, 7) in data units: inside the frame, clear of curves, grid lines and legend.
          const plot = [box.left + v.frame.x_scale.compute(-5), box.top + v.frame.y_scale.compute(7)]
          const w = document.querySelector(".lossdocs-widget").getBoundingClientRect()
          return {plot, beside: [w.left + 4, box.top + box.height / 2],
                  body: getComputedStyle(document.body).backgroundColor}
        """)
        img = image(page.screenshot())
        px = lambda p: img.getpixel((round(p[0]), round(p[1])))  # noqa: E731
        return {"plot": px(where["plot"]), "page": px(where["beside"]),
                "body": where["body"], "body_rgb": css_rgb(where["body"])[:3]}

    def assert_shows_through(bg: dict) -> None:
        assert np.allclose(bg["plot"], bg["page"], atol=2), bg
        assert np.allclose(bg["plot"], bg["body_rgb"], atol=2), bg

    light = label_colours()
    assert all(luminance(css_rgb(c)) < 0.4 for c in light), light
    light_bg = background()
    assert luminance(light_bg["body_rgb"]) > 0.7, light_bg
    assert_shows_through(light_bg)

    page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
    wait_js(page, "return modelsOfType('LinearAxis')"
                  ".every((a, i) => a.axis_label_text_color !== arg[i])",
            light, what="the axis label colours to change with the dark scheme")
    wait_js(page, "return getComputedStyle(document.body).backgroundColor !== arg",
            light_bg["body"], what="the page background to change with the dark scheme")
    dark = label_colours()
    assert all(luminance(css_rgb(c)) > 0.6 for c in dark), dark
    dark_bg = background()
    assert luminance(dark_bg["body_rgb"]) < 0.3, dark_bg
    assert_shows_through(dark_bg)
    assert_clean(log)


def test_home_page_loads_clean_without_bokeh(browser, server):
    """The home page has no widget: it loads with no problems and requests no BokehJS."""
    context, page, log = open_page(browser, server.url + HOME)
    try:
        assert page.locator(".md-content").is_visible()
        assert_clean(log)
        assert [u for u in log.requests if "bokeh" in u.lower()] == []
        assert page.evaluate("typeof window.Bokeh") == "undefined"
    finally:
        context.close()


def test_lesson_without_javascript_shows_the_fallback(browser, server):
    """With JavaScript off the lesson shows the <noscript> figure (its SVG visible,
    with its description) and the KaTeX math rendered at build time; no widget is drawn."""
    context, page, log = open_page(browser, server.url + LESSON, java_script_enabled=False)
    try:
        svg = page.locator(".lossdocs-widget .lossdocs-figure svg")
        assert svg.count() == 1
        assert svg.is_visible()
        box = svg.bounding_box()
        assert box["width"] > 200 and box["height"] > 100
        # A reader scrolls to it; until then the browser may skip rendering it (lossdocs.css),
        # and text that is not rendered has no innerText.
        scroll_into_view(svg)
        caption = page.locator(".lossdocs-figure figcaption")
        for _ in range(20):  # (no wait_for_function: the page runs no script)
            if caption.inner_text():
                break
            page.wait_for_timeout(100)
        assert "true value" in caption.inner_text()
        katex = page.locator(".katex")
        assert katex.count() >= 2
        assert katex.first.is_visible()
        assert page.locator(".lossdocs-widget canvas").count() == 0
        assert_clean(log)
    finally:
        context.close()


# ---------------------------------------------------------------- anchors land on their target

ANCHORS = [("lessons/beyond.html", "key-takeaways"), ("lessons/classification.html", "label-smoothing"),
           ("reference/faq.html", "ce-wants-logits")]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

# Until the target has stayed put for half a second (at most 5 s): its top and the
# scroll-margin-top Material gives headings (the header's height).
SETTLED_TOP_JS = """async (id) => {
  const el = document.getElementById(id)
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()))
  let last = null, since = performance.now()
  const start = performance.now()
  while (performance.now() - start < 5000) {
    await frame()
    const top = el.getBoundingClientRect().top
    if (last === null || Math.abs(top - last) > 0.5) { last = top; since = performance.now() }
    else if (performance.now() - since > 500) break
  }
  return [el.getBoundingClientRect().top, parseFloat(getComputedStyle(el).scrollMarginTop) || 0,
          document.documentElement.scrollHeight - innerHeight - scrollY]
}"""


@pytest.mark.parametrize("profile", ["desktop", "phone"])
@pytest.mark.parametrize("path,anchor", ANCHORS)
def test_an_anchor_lands_on_its_target(browser, server, path, anchor, profile):
    """Blocks away from the screen are skipped and stand in at an estimated height
    (lossdocs.css), so a jump to an anchor first lands where the estimates put it. The
    loader jumps again until the target stays put: opened with the anchor, or followed
    from a link on the page, the heading ends at the top of the screen, under the header."""
    options = PHONE if profile == "phone" else {}
    context, page, log = open_page(browser, f"{server.url}{path}#{anchor}", live=False, **options)
    try:
        top, margin, below = page.evaluate(SETTLED_TOP_JS, anchor)
        assert below > 0, f"{path}#{anchor} is too near the page's end to test"
        assert abs(top - margin) <= 2, f"opened at #{anchor}: its top is at {top:.0f} px, not {margin:.0f} px"
        page.evaluate("() => { location.hash = ''; scrollTo(0, 0) }")  # (the same hash again would not jump)
        next_frames(page, 3)
        page.evaluate("(id) => { location.hash = '#' + id }", anchor)  # as a link on the page does
        top, margin, _ = page.evaluate(SETTLED_TOP_JS, anchor)
        assert abs(top - margin) <= 2, f"link to #{anchor}: its top is at {top:.0f} px, not {margin:.0f} px"
        assert log.problems() == []
    finally:
        context.close()


# Jump to the anchor, and two frames later (while the loader still watches the target)
# scroll back to the top as a scrollbar drag or a script would; then wait 20 frames.
SCROLL_AWAY_JS = """async (id) => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()))
  location.hash = ''
  scrollTo(0, 0)
  for (let i = 0; i < 3; i++) await frame()
  const jumped = new Promise((r) => addEventListener('hashchange', r, { once: true }))
  location.hash = '#' + id
  await jumped
  await frame()
  await frame()
  const landed = scrollY
  scrollTo(0, 0)
  for (let i = 0; i < 20; i++) await frame()
  return [landed, scrollY]
}"""


@pytest.mark.parametrize("path,anchor", ANCHORS[:1])
def test_a_scroll_during_the_landing_is_not_undone(browser, server, path, anchor):
    """The loader jumps to an anchor again while the target moves, but a move that the
    page's scroll offset accounts for is someone else's scroll: it stops watching. (It used
    to jump back, so a click made just after following a link could land elsewhere.)"""
    context, page, log = open_page(browser, f"{server.url}{path}", live=False)
    try:
        landed, after = page.evaluate(SCROLL_AWAY_JS, anchor)
        assert landed > 200, f"the jump to #{anchor} did not scroll (scrollY {landed})"
        assert after == 0, f"the scroll back to the top was undone: scrollY {after}"
        assert log.problems() == []
    finally:
        context.close()
