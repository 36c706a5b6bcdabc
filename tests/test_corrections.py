"""Corrections to the course's own claims, each checked against the engine.

Every number a corrected passage quotes is recomputed here (``lossdocs.losses``,
``lossdocs.curves``, ``lossdocs.landscape``, and torch for the framework conventions) and
found in its own sentence or table cell with the FAQ tests' helpers (``test_faq.whole``:
"−2" is not in "−25").
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from test_faq import _number_in

from lossdocs import losses

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

mae, huber, log_cosh, bce = (losses.get(n) for n in ("mae", "huber", "log_cosh", "bce"))


def text_of(page: str) -> str:
    """A page by its path under docs/, e.g. ``lessons/loss-functions.md``."""
    return (DOCS / page).read_text(encoding="utf-8")


def sentence(page: str, where: str) -> str:
    """The one sentence of ``page`` that contains ``where``."""
    prose = re.sub(r"\s*\n\s*", " ", text_of(page))
    hits = [s for s in re.split(r"(?<=[.?!])\s+(?=[A-Z$*(\[])", prose) if where in s]
    assert len(hits) == 1, f"{page}: {where!r} is in {len(hits)} sentences"
    return hits[0]


def quoted(page: str, where: str, literal: str, value: float) -> str:
    return _number_in(sentence(page, where), literal, value)


# ------------------------------------------------------- the comparison table's text


def second_derivative(loss, r, h=1e-4, **params):
    """d²ℓ/dr² at ``r`` as the difference of the engine's own gradient."""
    return (loss.grad(r + h, 0.0, **params) - loss.grad(r - h, 0.0, **params)) / (2 * h)


def test_log_cosh_curvature_is_sech_squared_and_fades_far_out():
    r = np.linspace(-8.0, 8.0, 161)
    np.testing.assert_allclose(second_derivative(log_cosh, r), 1 / np.cosh(r) ** 2, rtol=1e-6, atol=1e-12)
    assert float(second_derivative(log_cosh, 10.0)) < 1e-8  # a Newton step g / g'' would be huge
    assert "sech² r fades to zero" in log_cosh.cons and "Newton" in log_cosh.cons
    assert "Infinitely differentiable" in log_cosh.pros
    for field in (log_cosh.concept, log_cosh.pros, log_cosh.cons, log_cosh.best_use):
        assert "wice differentiable" not in field and "second-order" not in field


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
def test_huber_curvature_jumps_at_delta_and_log_cosh_does_not(delta):
    inside = second_derivative(huber, delta - 1e-3, delta=delta)
    outside = second_derivative(huber, delta + 1e-3, delta=delta)
    assert float(inside) == pytest.approx(1.0) and float(outside) == pytest.approx(0.0, abs=1e-9)
    step = abs(float(second_derivative(log_cosh, delta + 1e-3) - second_derivative(log_cosh, delta - 1e-3)))
    assert step < 1e-2


def test_bce_concept_names_the_hard_label_case_and_the_soft_floor():
    assert bce.concept.startswith("For a 0/1 label")
    assert "entropy" in bce.concept
    for y in (0.25, 0.5, 0.75):  # a soft label's best loss is its entropy, above zero
        entropy = -(y * math.log(y) + (1 - y) * math.log(1 - y))
        assert float(bce.value(y, y)) == pytest.approx(entropy) and entropy > 0.5
    for y in (0.0, 1.0):  # a hard label: -log of the true class's probability, floor 0
        p = np.linspace(0.05, 0.95, 19)
        np.testing.assert_allclose(bce.value(p, y), -np.log(np.where(y == 1, p, 1 - p)))


# ------------------------------------------------------- lesson one

LESSON_ONE = "lessons/loss-functions.md"


def test_same_per_example_minimum_but_different_best_compromise():
    targets = np.array([0.0, 0.0, 0.0, 10.0])
    c = np.linspace(-1.0, 11.0, 12001)[:, None]  # step 0.001
    for name in ("mse", "mae", "huber", "log_cosh"):  # per example: lowest at y_hat = y
        assert float(losses.get(name).value(3.0, 3.0)) == 0.0
    best_mse = c[np.argmin(losses.get("mse").value(c, targets).mean(axis=1)), 0]
    best_mae = c[np.argmin(mae.value(c, targets).mean(axis=1)), 0]
    assert best_mse == pytest.approx(targets.mean()) and best_mae == pytest.approx(np.median(targets))
    s = quoted(LESSON_ONE, "MSE is lowest at their mean", "2.5", best_mse)
    _number_in(s, "0", best_mae)
    assert "median, 0" in s
    assert "same minimum" not in text_of(LESSON_ONE)


def test_no_corners_on_huber_only_on_its_gradient():
    for page in ("lessons/loss-functions.md", "lessons/loss-landscape.md", "reference/faq.md",
                 "reference/selection-guide.md"):
        assert "corners sanded" not in text_of(page), page
    # Huber's value and slope are continuous at ±δ; its slope's slope is not.
    for delta in (0.5, 1.0):
        lo, hi = delta - 1e-7, delta + 1e-7
        assert float(huber.value(hi, 0.0, delta=delta) - huber.value(lo, 0.0, delta=delta)) < 1e-6
        assert float(huber.grad(hi, 0.0, delta=delta) - huber.grad(lo, 0.0, delta=delta)) < 1e-6
    assert "gradient that bends instead of breaking" in text_of(LESSON_ONE)


def js_fixed(v: float, digits: int = 4) -> str:
    """JavaScript's ``toFixed``: the exact binary value rounded, ties away from zero."""
    from decimal import ROUND_HALF_UP, Decimal

    return str(Decimal(float(v)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def test_experiment_seven_quotes_what_the_readout_shows():
    from lossdocs import curves

    axis = curves.axis_for(bce)
    assert axis.step == 1 / 256 == curves.PROBABILITY_STEP
    # The readout snaps the pointer to the nearest sampled p, as explorer_readout.js does.
    i = int(round((0.03 - axis.x[0]) / axis.step))
    p = float(axis.x[i])
    assert p == 1 / 32 and js_fixed(p) == "0.0313"
    s = sentence(LESSON_ONE, "snaps to the nearest sampled point")
    assert "$p = 1/32$" in s and "0.0313" in s and "1/256" in s
    atlas = curves.explorer_atlas()
    k = list(axis.targets).index(1.0)
    shown = {}
    for name in ("bce", "mse"):
        x, v, g = curves.curve(atlas, axis.key, name, (), k)
        assert float(x[i]) == p
        shown[name] = (js_fixed(v[i]), js_fixed(g[i]).replace("-", "−"))
    assert shown == {"bce": ("3.4657", "−32.0000"), "mse": ("0.9385", "−1.9375")}
    s = sentence(LESSON_ONE, "There cross-entropy reads")
    for literal in (*shown["bce"], *shown["mse"]):
        _number_in(s, literal, float(literal.replace("−", "-")))
    assert float(bce.grad(p, 1.0)) == -1 / p == -32.0
    assert -1 / 0.03 == pytest.approx(-33.33, abs=0.01)  # what p = 0.03 itself would give

# ------------------------------------------------------- the landscape lesson


def test_dark_band_leaves_through_the_top_edge_not_the_corner():
    from lossdocs import landscape
    from lossdocs.widgets import landscape as landscape_widget

    pre = landscape.PRESETS["two_points"]  # "Find the bottom": Two points only, MSE
    (w0, w1), (b0, b1) = pre.w_range, pre.b_range
    # The map the reader sees shows exactly this window: its edges and corner are the window's.
    view = landscape_widget.map_view({"w_range": pre.w_range, "b_range": pre.b_range})
    np.testing.assert_allclose(view, (pre.w_range, pre.b_range), atol=1e-12)
    w = np.linspace(w0, w1, 6001)  # step 0.001
    top = landscape.loss_grid("mse", pre.x, pre.y, w, [b1])[0]
    i = int(np.argmin(top))
    right = landscape.loss_grid("mse", pre.x, pre.y, [w1], np.linspace(b0, b1, 5001))[:, 0]
    corner = landscape.loss_at("mse", pre.x, pre.y, w1, b1)
    assert right.argmin() == right.size - 1  # along the right edge the lowest point is the corner
    assert corner > 6 * top[i]  # the band's crossing of the top edge is far lower
    page = "lessons/loss-landscape.md"
    s = quoted(page, "It leaves the map through the top edge", "3.7", w[i])
    _number_in(s, "0.0014", top[i])
    _number_in(s, "0.009", corner)
    assert "top right corner" not in text_of(page).replace("misses the top right corner", "")
    # At the crossing the curve goes through the left target and flattens above the right one.
    pred = np.tanh(w[i] * pre.x + b1)
    assert abs(pred[0] - pre.y[0]) < 1e-3 and pred[1] > 0.999 and round(float(pre.y[1]), 2) == 0.95


# ------------------------------------------------------- the FAQ: MAE's bounce


def bounce(optimizer: str, steps: int, cosine: bool = False, lr: float = 0.1, start: float = 1.05):
    """The one-parameter model of the FAQ, prediction ``c`` against a target of 0 under MAE:
    torch's own optimiser (PyTorch defaults) fed the engine's MAE gradient. Returns ``c``
    before any step and after each step."""
    c = torch.tensor([start], dtype=torch.float64)
    opt = {"sgd": torch.optim.SGD, "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam}[optimizer]([c], lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps) if cosine else None
    path = [start]
    for _ in range(steps):
        c.grad = torch.as_tensor(mae.grad(c.numpy(), 0.0))
        opt.step()
        if schedule:
            schedule.step()
        path.append(float(c[0]))
    return np.array(path)


def test_faq_adaptive_optimisers_do_not_settle_mae():
    from test_faq import quoted as faq_quoted
    from test_faq import segment

    rms = bounce("rmsprop", 1050)[1000:]
    moves = np.abs(np.diff(rms))
    faq_quoted("faq.md", "still lands almost on the target", "0.1", np.abs(rms).max())
    assert moves.mean() == pytest.approx(0.1, rel=1e-3)  # every step about η long
    near, far = np.sort(np.abs(rms))[: len(rms) // 2], np.sort(np.abs(rms))[len(rms) // 2:]
    assert near.max() < 1e-6 and far.min() > 0.099  # on the target, then 0.1 off it, in turn
    adam = bounce("adam", 2000)
    s = faq_quoted("faq.md", "keeps swinging between about", "-0.023", adam[100:].min())
    _number_in(s, "0.028", adam[100:].max())
    assert adam[1950:].max() - adam[1950:].min() > 0.05  # still bouncing at the end
    s = segment("faq.md", "with a cosine schedule over the same")
    assert "10^{-6}" in s
    for optimizer in ("sgd", "rmsprop", "adam"):
        assert abs(bounce(optimizer, 2000, cosine=True)[-1]) < 1e-6
    # Plain SGD at a fixed step bounces by exactly 0.05 (the FAQ's first example).
    np.testing.assert_allclose(np.abs(bounce("sgd", 40)[10:]), 0.05, atol=1e-9)
    link = "walking-downhill.md#descent?preset_select=two_points&loss_select=mae&optimizer_select=rmsprop"
    assert link in text_of("reference/faq.md")


# ------------------------------------------------------- the selection guide

GUIDE = "reference/selection-guide.md"


def test_log_cosh_is_not_sold_for_newton_steps():
    text = re.sub(r"\s+", " ", text_of(GUIDE))
    assert "second derivatives" not in text
    r = 5.0
    curvature = float(second_derivative(log_cosh, r))
    assert curvature == pytest.approx(1 / math.cosh(r) ** 2, rel=1e-6)
    s = quoted(GUIDE, "at an error of 5 it is only", "0.00018", curvature)
    newton = float(log_cosh.grad(r, 0.0)) / curvature  # how far a Newton step moves the prediction
    _number_in(s, "5.5", newton / 1e3)
    assert r"5.5 \times 10^3" in s
    # Huber's curvature drops from 1 to 0 at ±δ (test_huber_curvature_jumps_...).
    assert "Huber's curvature drops from 1 to 0" in text



def test_pytorch_cross_entropy_takes_logits():
    ce = torch.nn.CrossEntropyLoss()
    probs_as_scores = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    value = float(ce(probs_as_scores, torch.tensor([0])))
    assert value == pytest.approx(math.log(1 + math.exp(-1)))
    quoted(GUIDE, "even a perfect two-class answer", "0.313", value)
    # Given logits it is -log softmax, the engine's BCE on the sigmoid for two classes.
    z = torch.tensor([[2.0, 0.0]], dtype=torch.float64)
    p = 1 / (1 + math.exp(-2.0))
    assert float(ce(z, torch.tensor([0]))) == pytest.approx(float(bce.value(p, 1.0)))
    # BCELoss on a probability clamps each log at -100, like the engine.
    zero, one = torch.tensor([0.0], dtype=torch.float64), torch.tensor([1.0], dtype=torch.float64)
    assert float(torch.nn.BCELoss()(zero, one)) == 100.0 == float(bce.value(0.0, 1.0))


def test_keras_clip_caps_cross_entropy_near_16():
    eps = 1e-7  # Keras's backend epsilon: probabilities are clipped to [eps, 1 - eps]
    for dtype in (torch.float32, torch.float64):
        p = torch.clamp(torch.tensor([0.0], dtype=dtype), eps, 1 - eps)
        cap = float(-torch.log(p))
        assert cap == pytest.approx(-math.log(eps), rel=1e-6)
        s = quoted(GUIDE, "costs at most about", "16.1", cap)
    assert r"-\ln 10^{-7}" in s and "100" in s
    assert -math.log(eps) == pytest.approx(16.118, abs=5e-4)


@pytest.mark.parametrize("beta", [0.1, 0.5, 1.0, 2.0])
def test_smooth_l1_is_huber_divided_by_beta(beta):
    r = torch.linspace(-4.0, 4.0, 801, dtype=torch.float64)
    zero = torch.zeros_like(r)
    smooth = torch.nn.SmoothL1Loss(beta=beta, reduction="none")(r, zero)
    hub = torch.nn.HuberLoss(delta=beta, reduction="none")(r, zero)
    torch.testing.assert_close(smooth, hub / beta)
    # The engine's Huber is torch's.
    np.testing.assert_allclose(huber.value(r.numpy(), 0.0, delta=beta), hub.numpy(), rtol=1e-12)
    # Far out Smooth L1 pushes with 1, Huber with delta.
    rg = torch.tensor([3.0 + beta], dtype=torch.float64, requires_grad=True)
    torch.nn.SmoothL1Loss(beta=beta)(rg, torch.zeros(1, dtype=torch.float64)).backward()
    assert float(rg.grad) == pytest.approx(1.0)
    assert float(huber.grad(3.0 + beta, 0.0, delta=beta)) == pytest.approx(beta)
    if beta == 0.1:
        ratio = float(smooth[700] / hub[700])
        s = quoted(GUIDE, "Smooth L1's loss and gradients are", "10", ratio)
        assert "10 times Huber's" in s
        assert "`HuberLoss(delta=β)` divided by $\\beta$" in text_of(GUIDE)
