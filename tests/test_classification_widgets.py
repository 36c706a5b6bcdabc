"""Lesson three's widgets without a browser: each holds every state its controls can
reach, and every number in it is the engine's (to float32), with a builder whose
docstring says what the reader learns and a static figure of its opening state."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest
from bokeh.models import Select, Slider

from lossdocs import classification as cls
from lossdocs import losses, widgets
from lossdocs.site import figures, tables
from lossdocs.widgets import imbalance, margin, softmax

NEW = {"margin-explorer": margin, "softmax-ce": softmax, "imbalance-lab": imbalance}
F32 = dict(rtol=2e-7, atol=1e-30)


@pytest.mark.parametrize("name", NEW)
def test_registered_with_heights_a_figure_and_a_lesson(name):
    widget = widgets.get(name)
    wide, narrow = widget.heights
    assert 300 < wide < narrow < 1400
    svg, text = figures.figure(name)
    assert svg.removeprefix('<span class="lossdocs-fallback__pair">').startswith("<svg") and len(text.split()) > 30
    doc = NEW[name].__doc__
    assert "What the reader learns" in doc
    assert NEW[name].build.__doc__


def controls(layout) -> dict:
    return {m.name: m for m in layout.select({"type": (Select, Slider)}) if m.name}


def slider_values(s: Slider) -> np.ndarray:
    return s.start + s.step * np.arange(round((s.end - s.start) / s.step) + 1)


# ------------------------------------------------------------------ margin explorer

MARGIN_ATLAS = margin.margin_atlas()


def test_margin_controls_step_through_the_precomputed_grid():
    c = controls(margin.build())
    assert set(c) == {"label_select", "axis_select", "gamma_slider", "alpha_slider"}
    np.testing.assert_allclose(slider_values(c["gamma_slider"]), margin.GAMMAS)
    np.testing.assert_allclose(slider_values(c["alpha_slider"]), margin.ALPHAS)
    assert [o[0] for o in c["label_select"].options] == ["1", "0"]
    assert [o[0] for o in c["axis_select"].options] == ["z", "p"]


def test_margin_atlas_holds_every_state_and_equals_the_engine():
    z = MARGIN_ATLAS["x"]["z"].astype(np.float64)
    np.testing.assert_array_equal(z, margin.Z)
    np.testing.assert_allclose(MARGIN_ATLAS["x"]["p"], losses.sigmoid(z), **F32)
    keys = {f"{y}|{g}|{a}" for y in (0, 1) for g in range(len(margin.GAMMAS)) for a in range(len(margin.ALPHAS))}
    assert set(MARGIN_ATLAS["focal"]) == keys
    focal, bce = losses.get("focal"), losses.get("bce_logits")
    for y in (0, 1):
        for gi, ai in itertools.product(range(len(margin.GAMMAS)), range(len(margin.ALPHAS))):
            v, g = MARGIN_ATLAS["focal"][f"{y}|{gi}|{ai}"]
            kw = dict(gamma=margin.GAMMAS[gi], alpha=margin.ALPHAS[ai])
            np.testing.assert_allclose(v, focal.value(z, y, **kw).astype(np.float32), **F32)
            np.testing.assert_allclose(g, focal.grad(z, y, **kw).astype(np.float32), **F32)
        pm = 2 * y - 1
        expected = {"bce": (bce.value(z, y), bce.grad(z, y)),
                    "hinge": (losses.get("hinge").value(z, pm), losses.get("hinge").grad(z, pm)),
                    "soft": (losses.get("soft_margin").value(z, pm), losses.get("soft_margin").grad(z, pm))}
        p = losses.sigmoid(z)
        expected["se"] = ((p - y) ** 2, 2 * (p - y) * p * (1 - p))
        for name, (v, g) in expected.items():
            got_v, got_g = MARGIN_ATLAS["curves"][f"{y}|{name}"]
            np.testing.assert_allclose(got_v, np.float32(v), **F32)
            np.testing.assert_allclose(got_g, np.float32(g), rtol=1e-6, atol=1e-12)


def test_margin_lessons_hold():
    """What the reader must see: focal flattens the easy side as gamma grows; hinge is 0
    beyond the margin where BCE never is; squared error on a sigmoid loses its gradient
    where the model is confidently wrong."""
    z = margin.Z
    easy = z > margin.CONFIDENT
    flat = [MARGIN_ATLAS["focal"][f"1|{gi}|0"][0][easy].max() for gi in range(len(margin.GAMMAS))]
    assert all(b < a for a, b in zip(flat, flat[1:]))
    hinge, bce = MARGIN_ATLAS["curves"]["1|hinge"][0], MARGIN_ATLAS["curves"]["1|bce"][0]
    assert (hinge[z >= 1] == 0).all() and (hinge[z < 1] > 0).all() and (bce > 0).all()
    wrong = z < -margin.CONFIDENT
    se_g, bce_g = MARGIN_ATLAS["curves"]["1|se"][1], MARGIN_ATLAS["curves"]["1|bce"][1]
    assert np.abs(se_g[wrong]).max() < 0.21 < 0.88 < np.abs(bce_g[wrong]).min()
    assert abs(se_g[z == -6][0]) < 0.005 < 0.99 < abs(bce_g[z == -6][0])


def test_margin_opening_state_is_label_one_on_the_z_axis():
    layout = margin.build()
    src = layout.select_one({"name": "margin_curves"})
    np.testing.assert_array_equal(src.data["x"], MARGIN_ATLAS["x"]["z"])
    gi, ai = margin.GAMMAS.index(2.0), margin.ALPHAS.index(0.25)
    np.testing.assert_array_equal(src.data["focal"], MARGIN_ATLAS["focal"][f"1|{gi}|{ai}"][0])
    np.testing.assert_array_equal(src.data["hinge_g"], MARGIN_ATLAS["curves"]["1|hinge"][1])
    zones = layout.select_one({"name": "margin_zones"}).data
    assert zones["right"][0] == -margin.CONFIDENT and zones["left"][1] == margin.CONFIDENT


@pytest.mark.parametrize("label,axis", list(itertools.product((0, 1), ("z", "p"))))
def test_margin_zones_follow_label_and_axis(label, axis):
    zone = MARGIN_ATLAS["zones"][f"{label}|{axis}"]
    edge = margin.CONFIDENT if axis == "z" else float(losses.sigmoid(margin.CONFIDENT))
    low_edge = -margin.CONFIDENT if axis == "z" else float(losses.sigmoid(-margin.CONFIDENT))
    wrong, right = zone["wrong"], zone["right"]
    if label == 1:
        assert wrong["right"] == pytest.approx(low_edge) and right["left"] == pytest.approx(edge)
    else:
        assert wrong["left"] == pytest.approx(edge) and right["right"] == pytest.approx(low_edge)


# ------------------------------------------------------------------ softmax

SOFTMAX_ATLAS = softmax.softmax_atlas()
SLIDER_GRID = np.arange(-softmax.LOGIT_MAX, softmax.LOGIT_MAX + 1e-9, softmax.LOGIT_STEP)


def test_softmax_controls_and_grid():
    c = controls(softmax.build())
    assert set(c) == {"preset_select", "true_select", "smoothing_slider", "logit_cat_slider",
                      "logit_dog_slider", "logit_bird_slider"}
    for name in ("cat", "dog", "bird"):
        np.testing.assert_allclose(slider_values(c[f"logit_{name}_slider"]), SLIDER_GRID)
    np.testing.assert_allclose(slider_values(c["smoothing_slider"]), softmax.SMOOTHING)
    assert softmax.SMOOTHING[-1] == pytest.approx(0.3)
    assert [o[0] for o in c["preset_select"].options] == ["a", "b", "sliders"]
    n = len(softmax.DIFFS)
    assert n == 33 and SOFTMAX_ATLAS["p"].shape == (n * n,)
    assert all(t.shape == (n * n,) for k in ("loss", "grad_true", "grad_other") for t in SOFTMAX_ATLAS[k])
    # Every difference of two slider values is a node of the tables.
    diffs = {round(a - b, 9) for a in SLIDER_GRID for b in SLIDER_GRID}
    assert diffs == {round(d, 9) for d in softmax.DIFFS}


def test_softmax_every_slider_state_is_the_engines():
    rng = np.random.default_rng(3)
    states = [rng.choice(SLIDER_GRID, 3) for _ in range(150)] + [np.array([4.0, -4.0, -4.0]),
                                                                 np.array([-4.0, 4.0, 0.0])]
    for z in states:
        for true in range(3):
            for e, eps in enumerate(softmax.SMOOTHING):
                got = softmax.grid_state(SOFTMAX_ATLAS, list(z), true, e)
                want = softmax.state(z, true, eps)
                np.testing.assert_allclose(got["p"], want["p"].astype(np.float32), rtol=2e-7, atol=1e-12)
                np.testing.assert_allclose(got["loss_index"], np.float32(want["loss_index"]), rtol=2e-7)
                np.testing.assert_allclose(got["loss_onehot"], np.float32(want["loss_onehot"]), rtol=2e-7)
                np.testing.assert_allclose(got["grad"], want["grad"].astype(np.float32), rtol=2e-6, atol=1e-7)


def test_softmax_presets_are_the_reference_cases():
    a = SOFTMAX_ATLAS["presets"]["a"]["states"]["0|0"]
    b = SOFTMAX_ATLAS["presets"]["b"]["states"]["0|0"]
    np.testing.assert_allclose(a["p"], [0.7, 0.2, 0.1], rtol=1e-14)
    np.testing.assert_allclose(b["p"], [0.1, 0.6, 0.3], rtol=1e-14)
    assert round(a["loss_index"], 3) == 0.357 and round(b["loss_index"], 3) == 2.303
    assert a["loss_index"] == pytest.approx(a["loss_onehot"], rel=1e-15)
    np.testing.assert_allclose(a["grad"], [-0.3, 0.2, 0.1], atol=1e-15)
    np.testing.assert_allclose(b["grad"], [-0.9, 0.6, 0.3], atol=1e-15)
    for key, preset in SOFTMAX_ATLAS["presets"].items():
        assert set(preset["states"]) == {f"{t}|{e}" for t in range(3) for e in range(len(softmax.SMOOTHING))}
        assert all(v in SLIDER_GRID for v in preset["sliders"])
        for t, e in itertools.product(range(3), range(len(softmax.SMOOTHING))):
            want = softmax.state(preset["logits"], t, softmax.SMOOTHING[e])
            assert preset["states"][f"{t}|{e}"]["loss_index"] == want["loss_index"]
            assert preset["states"][f"{t}|{e}"]["loss_onehot"] == pytest.approx(
                float(cls.cross_entropy(np.array(preset["logits"]), np.eye(3)[t],
                                        label_smoothing=softmax.SMOOTHING[e])), rel=1e-15)


def test_softmax_opening_state_shows_the_first_preset():
    layout = softmax.build()
    probs = layout.select_one({"name": "softmax_probs"}).data
    np.testing.assert_allclose(probs["p"], [0.7, 0.2, 0.1])
    assert "0.3567" in layout.select_one({"name": "softmax_readout"}).html


# ------------------------------------------------------------------ imbalance lab

IMB_ATLAS = imbalance.imbalance_atlas()


def test_imbalance_controls_step_through_every_fit():
    c = controls(imbalance.build())
    assert set(c) == {"loss_select", "param_bce_logits_pos_weight", "param_focal_gamma", "param_focal_alpha"}
    np.testing.assert_allclose(slider_values(c["param_bce_logits_pos_weight"]), imbalance.POS_WEIGHTS)
    np.testing.assert_allclose(slider_values(c["param_focal_gamma"]), imbalance.GAMMAS)
    np.testing.assert_allclose(slider_values(c["param_focal_alpha"]), imbalance.ALPHAS)
    keys = {imbalance.fit_key(loss, p) for loss, p in imbalance.all_settings()}
    assert keys == set(IMB_ATLAS["fits"]) and len(keys) == 20 + 11 * 3


@pytest.mark.parametrize("loss,params", imbalance.all_settings(), ids=str)
def test_every_fit_is_a_true_minimum_and_the_engines(loss, params):
    fit = IMB_ATLAS["fits"][imbalance.fit_key(loss, params)]
    assert fit["grad_norm"] < 1e-8
    x, y = np.asarray(IMB_ATLAS["x"]), np.asarray(IMB_ATLAS["y"])
    ref = cls.fit_logistic(x, y, loss, **params)
    assert (fit["w"], fit["b"]) == (ref.w, ref.b)
    # The gradient of the mean loss at the shipped (w, b), recomputed here, vanishes.
    fn = losses.get(loss)
    g = fn.grad(fit["w"] * x + fit["b"], y, **params)
    assert np.hypot((g * x).mean(), g.mean()) < 1e-8
    np.testing.assert_allclose(fit["curve"], losses.sigmoid(fit["w"] * IMB_ATLAS["grid"].astype(float) + fit["b"]),
                               rtol=2e-7, atol=1e-30)
    assert {k: fit[k] for k in ("accuracy", "recall", "precision")} == {
        k: cls.scores(ref, x, y)[k] for k in ("accuracy", "recall", "precision")}


def test_imbalance_opening_readout_is_plain_bce():
    layout = imbalance.build()
    text = layout.select_one({"name": "imbalance_readout"}).html
    assert "Plain BCE" in text and "97.8%" in text and "60.0%" in text and "(12 of 20)" in text


# ------------------------------------------------------------------ stability table

def test_stability_table_shows_every_engine_number():
    html = tables.render("logit-stability")
    table = cls.stability_table()
    for block in ("log_sigmoid", "bce0"):
        rows = re.findall(rf'<tr data-block="{block}" data-z="([^"]+)">(.*?)</tr>', html, re.S)
        assert [float(z) for z, _ in rows] == [r["z"] for r in table]
        for (_, cells), r in zip(rows, table):
            shown = re.findall(r"<td>(.*?)</td>", cells)
            assert shown == [tables.stability_number(r[block][w]) for w, _ in tables.WAYS]
    assert tables.stability_number(-np.inf) == "−inf" and tables.stability_number(3.72e-44) == "3.72 × 10<sup>−44</sup>"
    assert tables.stability_number(15.942384719848633) == "15.9423847"


def test_no_maths_in_the_new_javascript():
    here = Path(margin.__file__).parent
    for name in ("margin.js", "margin_readout.js", "softmax.js", "imbalance.js"):
        code = re.sub(r"//.*", "", (here / name).read_text())
        assert not re.search(r"Math\.(log|exp|pow|sqrt|tanh)|\*\*", code), name
        assert not re.search(r"\b(var|let)\s+\w+\s*=\s*function", code)
