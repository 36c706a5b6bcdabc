"""Browser tests of lesson three, "How classifiers are scored", in headless Chromium on the
built site: on a desktop and on a 390 x 844 touch phone.

* the page loads with no console error, page error or outside request, and its three
  widgets go live and are drawn;
* each control swaps in exactly the engine's arrays (margin explorer), the engine's state
  (softmax: presets exact, sliders on the grid, the preset giving way to the sliders) or
  the engine's fit (imbalance lab), and the plots' pixels change;
* hovering (desktop) or tapping (phone) a margin plot prints the engine's numbers at that
  logit, and on the phone the prompt says "tap"; every plot frame fits the phone.
"""

from __future__ import annotations

import re

import numpy as np
import pagetools
import pytest
from pagetools import next_frames, open_page, scroll_into_view, shot, wait_for_new_picture

from lossdocs import classification as cls
from lossdocs import losses
from lossdocs.widgets import imbalance, margin, softmax

pytestmark = pytest.mark.browser

PAGE = "lessons/classification.html"
PHONE = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2)
MARGIN = margin.margin_atlas()
SOFTMAX = softmax.softmax_atlas()
IMBALANCE = imbalance.imbalance_atlas()

# Lesson three has three Bokeh documents: find a model by name in any of them.
JS = pagetools.BOKEH_JS + r"""
const anyModel = (name) => {
  for (const d of Bokeh.documents) {
    const m = d.get_model_by_name(name)
    if (m) return m
  }
  throw new Error(`no Bokeh model named ${name}`)
}
const viewOf = (name) => Bokeh.index.find_one(anyModel(name))
const arr = (a) => Array.from(a)
"""


def js(page, body, arg=None):
    return pagetools.run_js(page, JS, body, arg)


def wait_live(page):
    page.wait_for_function("""() => { const s = document.querySelectorAll('.lossdocs-widget[data-bokeh]')
      return s.length === 3 && [...s].every((x) => x.dataset.state === 'live') && window.Bokeh
        && Bokeh.documents.length === 3 }""", timeout=15_000)
    next_frames(page, 3)


def set_value(page, name, value):
    js(page, "anyModel(arg[0]).value = arg[1]", [name, value])
    next_frames(page)


def plot(page, name):
    return page.locator(".lossdocs-widget__root").filter(has=page.locator("canvas")).nth(
        {"margin": 0, "softmax": 1, "imbalance": 2}[name])


@pytest.fixture
def desktop(browser, server):
    context, page, log = open_page(browser, server.url + PAGE)
    wait_live(page)
    yield page, log
    context.close()


@pytest.fixture
def phone(browser, server):
    context, page, log = open_page(browser, server.url + PAGE, viewport=PHONE["viewport"],
                                   **{k: v for k, v in PHONE.items() if k != "viewport"})
    wait_live(page)
    yield page, log
    context.close()


def test_page_loads_cleanly_and_every_widget_is_drawn(desktop):
    page, log = desktop
    sizes = js(page, """return ["margin_loss_plot", "margin_grad_plot", "softmax_prob_plot", "softmax_grad_plot",
      "imbalance_plot", "imbalance_scores_plot"].map((n) => {
        const r = viewOf(n).canvas_view.el.getBoundingClientRect(); return [r.width, r.height] })""")
    assert all(w > 250 and h > 200 for w, h in sizes), sizes
    for i in range(3):
        assert pagetools.colours(shot(page.locator(".lossdocs-widget__root").nth(i))) > 20
    assert log.problems() == []


def test_margin_controls_swap_in_the_engines_arrays(desktop):
    page, log = desktop
    root = page.locator(".lossdocs-widget__root").nth(0)
    scroll_into_view(root)
    before = shot(root)
    set_value(page, "gamma_slider", 5)
    before = wait_for_new_picture(page, root, before, "gamma = 5")
    data = js(page, "const d = anyModel('margin_curves').data; return [arr(d.focal), arr(d.x)]")
    np.testing.assert_array_equal(data[0], MARGIN["focal"]["1|10|0"][0])
    focal = losses.get("focal").value(margin.Z, 1.0, gamma=5.0, alpha=0.25)
    np.testing.assert_allclose(data[0], focal, rtol=2e-7, atol=1e-30)
    set_value(page, "label_select", "0")
    before = wait_for_new_picture(page, root, before, "label 0")
    bce = js(page, "return arr(anyModel('margin_curves').data.bce)")
    np.testing.assert_array_equal(bce, MARGIN["curves"]["0|bce"][0])
    set_value(page, "alpha_slider", 0.75)
    before = wait_for_new_picture(page, root, before, "alpha = 0.75")
    set_value(page, "axis_select", "p")
    wait_for_new_picture(page, root, before, "the p axis")
    x, xr = js(page, "return [arr(anyModel('margin_curves').data.x), [anyModel('margin_loss_plot').x_range.start, "
                     "anyModel('margin_loss_plot').x_range.end]]")
    np.testing.assert_array_equal(x, MARGIN["x"]["p"])
    assert xr == [-0.02, 1.02]
    zones = js(page, "const d = anyModel('margin_zones').data; return [arr(d.left), arr(d.right)]")
    assert zones[0][0] == pytest.approx(float(losses.sigmoid(2.0)))  # label 0: wrong when p is high
    assert log.problems() == []


def test_margin_hover_reads_the_engines_numbers(desktop):
    page, log = desktop
    scroll_into_view(page.locator(".lossdocs-widget__root").nth(0))
    next_frames(page)
    box = js(page, """const v = viewOf('margin_loss_plot'); const c = v.canvas_view.el.getBoundingClientRect()
      return [c.left + v.frame.bbox.left, c.top + v.frame.bbox.top, v.frame.bbox.width, v.frame.bbox.height,
              v.model.x_range.start, v.model.x_range.end]""")
    left, top, width, height, x0, x1 = box
    z_target = -3.0
    page.mouse.move(left + (z_target - x0) / (x1 - x0) * width, top + height / 2)
    pagetools.wait_js(page, JS, "return anyModel('margin_readout').html.includes('<table')", what="the readout")
    text = js(page, "return anyModel('margin_readout').html")
    z_read = float(re.search(r"z = (-?[\d.]+)", text).group(1))
    assert abs(z_read - z_target) <= 2 * margin.STEP and z_read in margin.Z
    numbers = [float(v) for v in re.findall(r'class="num">(-?[\d.e+-]+)<', text)]
    expected = []
    for name, *_ in margin.CURVES:
        v, g = margin.curves_for(1)[name]
        k = int(np.argmin(np.abs(margin.Z - z_read)))
        expected += [v[k], g[k]]
    np.testing.assert_allclose(numbers, expected, rtol=5e-4, atol=1e-4)
    assert log.problems() == []


def test_softmax_presets_sliders_and_true_class(desktop):
    page, log = desktop
    root = page.locator(".lossdocs-widget__root").nth(1)
    scroll_into_view(root)
    assert "0.3567" in js(page, "return anyModel('softmax_readout').html")
    before = shot(root)
    set_value(page, "preset_select", "b")
    before = wait_for_new_picture(page, root, before, "preset b")
    assert js(page, "return anyModel('softmax_readout').html").count("2.3026") == 2
    p = js(page, "return arr(anyModel('softmax_probs').data.p)")
    np.testing.assert_allclose(p, [0.1, 0.6, 0.3], rtol=1e-12)
    sliders = js(page, "return ['cat', 'dog', 'bird'].map((c) => anyModel(`logit_${c}_slider`).value)")
    assert sliders == SOFTMAX["presets"]["b"]["sliders"]
    # Taking over a logit: the preset gives way and the grid state is the engine's.
    set_value(page, "logit_bird_slider", -3.5)
    before = wait_for_new_picture(page, root, before, "a logit slider")
    assert js(page, "return anyModel('preset_select').value") == "sliders"
    set_value(page, "true_select", "dog")
    set_value(page, "smoothing_slider", 0.2)
    before = wait_for_new_picture(page, root, before, "dog and smoothing")
    z = np.array(js(page, "return ['cat', 'dog', 'bird'].map((c) => anyModel(`logit_${c}_slider`).value)"))
    want = softmax.state(z, 1, 0.2)
    got_p = js(page, "return arr(anyModel('softmax_probs').data.p)")
    got_g = js(page, "return arr(anyModel('softmax_grads').data.g)")
    np.testing.assert_allclose(got_p, want["p"], rtol=1e-6)
    np.testing.assert_allclose(got_g, want["grad"], rtol=1e-5, atol=1e-7)
    text = js(page, "return anyModel('softmax_readout').html")
    assert text.count(f"{want['loss_index']:.4f}") == 2 and "true class dog" in text
    assert log.problems() == []


def test_imbalance_lab_shows_the_engines_fits(desktop):
    page, log = desktop
    root = page.locator(".lossdocs-widget__root").nth(2)
    scroll_into_view(root)
    before = shot(root)
    set_value(page, "param_bce_logits_pos_weight", 19)
    before = wait_for_new_picture(page, root, before, "pos_weight 19")
    x, y = cls.imbalanced_data()
    ref = cls.fit_logistic(x, y, "bce_logits", pos_weight=19.0)
    s = cls.scores(ref, x, y)
    cut = js(page, "return anyModel('decision_point').location")
    assert cut == pytest.approx(ref.threshold, rel=1e-12)
    text = js(page, "return anyModel('imbalance_readout').html")
    assert f"{100 * s['recall']:.1f}%" in text and f"{100 * s['precision']:.1f}%" in text
    set_value(page, "loss_select", "focal")
    wait_for_new_picture(page, root, before, "focal loss")
    disabled = js(page, "return ['param_bce_logits_pos_weight', 'param_focal_gamma'].map((n) => anyModel(n).disabled)")
    assert disabled == [True, False]
    p = js(page, "return arr(anyModel('imbalance_fit').data.p)")
    key = imbalance.fit_key("focal", {"gamma": 2.0, "alpha": 0.25})
    np.testing.assert_array_equal(p, IMBALANCE["fits"][key]["curve"])
    assert log.problems() == []


def test_phone_tap_reads_the_margin_plot_and_frames_fit(phone):
    page, log = phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    frames = js(page, """const out = []
      for (const d of Bokeh.documents) for (const m of d.all_models) {
        const v = Bokeh.index.find_one(m); if (v == null || v.frame == null || v.canvas_view == null) continue
        const c = v.canvas_view.el.getBoundingClientRect(); out.push([m.name, c.left + v.frame.bbox.left,
          c.left + v.frame.bbox.right, v.frame.bbox.width]) }
      return out""")
    assert len(frames) == 6
    for name, left, right, width in frames:
        assert width >= 200 and left >= 0 and right <= 390.5, (name, left, right, width)
    root = page.locator(".lossdocs-widget__root").nth(0)
    scroll_into_view(root)
    hint = js(page, """const v = viewOf('margin_readout_box'); const el = v.shadow_el.querySelector('.hint-touch')
      return el ? getComputedStyle(el).display : null""")
    assert hint not in (None, "none")
    box = js(page, """const v = viewOf('margin_grad_plot'); const c = v.canvas_view.el.getBoundingClientRect()
      return [c.left + v.frame.bbox.left + v.frame.bbox.width * 0.7, c.top + v.frame.bbox.top + 20]""")
    page.touchscreen.tap(*box)
    pagetools.wait_js(page, JS, "return anyModel('margin_readout').html.includes('<table')", what="a tap readout")
    text = js(page, "return anyModel('margin_readout').html")
    assert re.search(r"z = -?[\d.]+, p = σ\(z\) = [\d.]+", text)
    assert log.problems() == []
