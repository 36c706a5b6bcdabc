"""Tests for lossdocs.classification: agreement with ``torch.nn.functional.cross_entropy``
(values and autograd gradients, float64), central finite differences, the binary case,
the reference texts' worked examples, edge cases and input validation.

Every call into the module runs with numpy floating-point errors raising and warnings
turned into errors (see ``strict``), so a kernel that emits a warning fails.
"""

import inspect
import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numtools import call, finite_difference, strict

from lossdocs import classification as cls
from lossdocs import losses

N, C = 4, 5
RTOL = 1e-10
ATOL = 1e-13  # for entries that cancel to ~0 (e.g. a gradient p - 1 with p ~ 1)


def ce(*args, **kwargs):
    with strict():
        return cls.cross_entropy(*args, **kwargs)


def ce_grad(*args, **kwargs):
    with strict():
        return cls.cross_entropy_grad(*args, **kwargs)


def torch_ce(logits, target, weight=None, label_smoothing=0.0, reduction="mean"):
    """(loss, d loss.sum() / d logits) from torch in float64; integer targets are indices."""
    z = torch.tensor(np.asarray(logits, dtype=np.float64), requires_grad=True)
    target = np.asarray(target)
    t = torch.tensor(target, dtype=torch.int64 if target.dtype.kind in "iu" else torch.float64)
    w = None if weight is None else torch.tensor(np.asarray(weight, dtype=np.float64))
    out = F.cross_entropy(z, t, weight=w, label_smoothing=label_smoothing, reduction=reduction)
    out.sum().backward()
    return out.detach().numpy(), z.grad.numpy()


def make_case(kind, shape, seed=0):
    """Random logits of ``shape`` and a target: class indices or soft probabilities."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=2.0, size=shape)
    if kind == "index":
        target = rng.integers(0, shape[-1], size=shape[:-1])
    else:
        target = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    return logits, target


WEIGHTS = {None: None, "some": np.array([0.5, 2.0, 1.0, 0.25, 3.0])}
CASES = list(itertools.product(
    ["index", "prob"], list(WEIGHTS), [0.0, 0.1, 0.3], list(cls.REDUCTIONS), [(N, C), (C,)],
))
CASE_IDS = [f"{k}-w{w}-ls{e}-{r}-{'x'.join(map(str, s))}" for k, w, e, r, s in CASES]


# ---------------------------------------------------------- softmax, log-softmax


@pytest.mark.parametrize("shape", [(C,), (N, C), (2, 3, C), (1,)])
def test_softmax_and_log_softmax_match_torch(shape):
    z = np.random.default_rng(1).normal(scale=3.0, size=shape)
    with strict():
        p, lp = cls.softmax(z), cls.log_softmax(z)
    zt = torch.tensor(z)
    np.testing.assert_allclose(p, torch.softmax(zt, -1).numpy(), rtol=RTOL)
    np.testing.assert_allclose(lp, torch.log_softmax(zt, -1).numpy(), rtol=RTOL)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-14)
    with strict():
        np.testing.assert_allclose(cls.softmax(z + 123.0), p, rtol=1e-12)  # shift invariance


@pytest.mark.parametrize("z, expected_log", [
    ([1000.0, 0.0, -1000.0], [0.0, -1000.0, -2000.0]),
    ([-1e4, 1e4], [-2e4, 0.0]),
    ([[1000.0, 1000.0], [-1000.0, -1000.0]], [[-math.log(2)] * 2] * 2),
])
def test_softmax_is_finite_and_exact_for_huge_logits(z, expected_log):
    with strict():
        p, lp = cls.softmax(z), cls.log_softmax(z)
    assert np.isfinite(p).all() and np.isfinite(lp).all()
    np.testing.assert_array_equal(lp, expected_log)
    np.testing.assert_array_equal(p, np.exp(expected_log))
    zt = torch.tensor(z, dtype=torch.float64)
    np.testing.assert_array_equal(lp, torch.log_softmax(zt, -1).numpy())
    np.testing.assert_array_equal(p, torch.softmax(zt, -1).numpy())


# --------------------------------------------------------- agreement with torch


@pytest.mark.parametrize("kind, weight, eps, reduction, shape", CASES, ids=CASE_IDS)
def test_value_and_grad_match_torch(kind, weight, eps, reduction, shape):
    logits, target = make_case(kind, shape)
    w = WEIGHTS[weight]
    expected, expected_grad = torch_ce(logits, target, w, eps, reduction)
    got = ce(logits, target, w, label_smoothing=eps, reduction=reduction)
    assert got.shape == expected.shape == ((shape[0],) if reduction == "none" and len(shape) == 2 else ())
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)
    grad = ce_grad(logits, target, w, label_smoothing=eps, reduction=reduction)
    assert grad.shape == logits.shape
    np.testing.assert_allclose(grad, expected_grad, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("kind, weight, eps, reduction, shape", CASES, ids=CASE_IDS)
def test_grad_matches_finite_differences(kind, weight, eps, reduction, shape):
    logits, target = make_case(kind, shape, seed=2)
    w = WEIGHTS[weight]

    def total(z):  # reduction 'none': the gradient is that of the sum of per-sample losses
        return float(np.sum(ce(z, target, w, label_smoothing=eps, reduction=reduction)))

    numeric = finite_difference(total, logits, h=1e-5)
    np.testing.assert_allclose(ce_grad(logits, target, w, eps, reduction), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("eps", [0.0, 0.5, 1.0])
def test_label_smoothing_bounds_are_allowed(eps):
    for kind in ("index", "prob"):
        logits, target = make_case(kind, (N, C), seed=3)
        w = WEIGHTS["some"]
        expected, expected_grad = torch_ce(logits, target, w, eps)
        np.testing.assert_allclose(ce(logits, target, w, eps), expected, rtol=RTOL)
        np.testing.assert_allclose(ce_grad(logits, target, w, eps), expected_grad, rtol=RTOL, atol=ATOL)


def test_index_smoothing_weights_each_class_by_its_own_weight():
    """torch: loss_i = (1-ε) w_{y_i} (-lp_{y_i}) + (ε/C) sum_c w_c (-lp_c); 'mean' / sum_i w_{y_i}."""
    logits, target = make_case("index", (N, C), seed=4)
    w, eps = WEIGHTS["some"], 0.3
    lp = torch.log_softmax(torch.tensor(logits), -1).numpy()
    rows = np.arange(N)
    per = (1 - eps) * w[target] * -lp[rows, target] + eps / C * (w * -lp).sum(axis=1)
    np.testing.assert_allclose(ce(logits, target, w, eps, "none"), per, rtol=RTOL)
    np.testing.assert_allclose(ce(logits, target, w, eps, "mean"), per.sum() / w[target].sum(), rtol=RTOL)
    # The probability-target form smooths the target first; with a one-hot target the
    # smoothing term is the same, but 'mean' divides by N instead of the weight sum.
    one_hot = np.eye(C)[target]
    np.testing.assert_allclose(ce(logits, one_hot, w, eps, "none"), per, rtol=RTOL)
    np.testing.assert_allclose(ce(logits, one_hot, w, eps, "mean"), per.sum() / N, rtol=RTOL)
    np.testing.assert_allclose(ce(logits, one_hot, w, eps, "mean"), torch_ce(logits, one_hot, w, eps)[0], rtol=RTOL)


def test_weighted_mean_divides_by_the_chosen_classes_weights():
    # Two samples, two classes, class weights [1, 3].
    logits = np.log([[0.7, 0.3], [0.4, 0.6]])
    target = np.array([0, 1])  # losses -log 0.7 (weight 1) and -log 0.6 (weight 3)
    weight = [1.0, 3.0]
    weighted = [-math.log(0.7), -3 * math.log(0.6)]
    np.testing.assert_allclose(ce(logits, target, weight, reduction="none"), weighted, rtol=1e-14)
    mean = ce(logits, target, weight)
    np.testing.assert_allclose(mean, sum(weighted) / 4, rtol=1e-14)  # 0.4723, not ...
    assert abs(mean - sum(weighted) / 2) > 0.4  # ... 0.9446, dividing by N
    np.testing.assert_allclose(mean, torch_ce(logits, target, weight)[0], rtol=RTOL)
    assert round(float(mean), 4) == 0.4723


# ------------------------------------------------------------------ binary case


@pytest.mark.parametrize("label", [0, 1])
def test_two_classes_are_binary_cross_entropy_with_logits(label):
    z = np.concatenate([np.linspace(-40, 40, 81), [-1000.0, 1000.0, -1e4, 1e4]])
    logits = np.stack([np.zeros_like(z), z], axis=1)
    target = np.full(z.shape, label)
    zt = torch.tensor(z, requires_grad=True)
    bce = F.binary_cross_entropy_with_logits(zt, torch.full_like(zt, label), reduction="none")
    bce.sum().backward()
    got = ce(logits, target, reduction="none")
    softplus = np.logaddexp(0.0, -z if label else z)
    np.testing.assert_allclose(got, softplus, rtol=1e-14)
    # torch's own BCE loses the last bits of losses below ~1e-14 (it returns 0 for 4e-18)
    np.testing.assert_allclose(got, bce.detach().numpy(), rtol=RTOL, atol=1e-14)
    grad = ce_grad(logits, target, reduction="none")
    np.testing.assert_allclose(grad[:, 1], zt.grad.numpy(), rtol=RTOL, atol=ATOL)
    # d/dz = sigmoid(z) - label, to full relative precision even where it is ~1e-17
    if label:
        sigmoid_minus_label = -np.exp(-np.logaddexp(0.0, z))  # sigmoid(z) - 1 = -sigmoid(-z)
    else:
        sigmoid_minus_label = np.exp(-np.logaddexp(0.0, -z))  # sigmoid(z)
    np.testing.assert_allclose(grad[:, 1], sigmoid_minus_label, rtol=1e-14)
    np.testing.assert_allclose(grad[:, 0], -grad[:, 1], rtol=1e-14, atol=ATOL)


def test_two_class_probabilities_are_soft_binary_cross_entropy():
    rng = np.random.default_rng(5)
    z, y = rng.normal(scale=4.0, size=9), rng.uniform(size=9)
    logits = np.stack([np.zeros_like(z), z], axis=1)
    probs = np.stack([1 - y, y], axis=1)
    zt = torch.tensor(z, requires_grad=True)
    bce = F.binary_cross_entropy_with_logits(zt, torch.tensor(y))  # mean over N
    bce.backward()
    np.testing.assert_allclose(ce(logits, probs), bce.item(), rtol=RTOL)
    np.testing.assert_allclose(ce_grad(logits, probs)[:, 1], zt.grad.numpy(), rtol=RTOL, atol=ATOL)


# ---------------------------------------------------- worked examples and edges


@pytest.mark.parametrize("probs, expected, rounded", [
    ([0.7, 0.2, 0.1], -math.log(0.7), 0.357),  # cat/dog/bird, cat true, confident and right
    ([0.1, 0.6, 0.3], -math.log(0.1), 2.303),  # cat true, but dog favoured
])
def test_cat_dog_bird_examples(probs, expected, rounded):
    logits = np.log(probs)
    for target in (0, [1.0, 0.0, 0.0]):  # class index "cat", or one-hot probabilities
        loss = ce(logits, target)
        np.testing.assert_allclose(loss, expected, rtol=1e-14)
        assert round(float(loss), 3) == rounded
        # The gradient is softmax - one-hot: predicted minus true probabilities.
        np.testing.assert_allclose(ce_grad(logits, target), np.subtract(probs, [1, 0, 0]), rtol=1e-14, atol=1e-15)
    assert math.isclose(-math.log(0.7), 0.35667494393873245)
    both = ce(np.log([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3]]), [0, 0])
    np.testing.assert_allclose(both, (-math.log(0.7) - math.log(0.1)) / 2, rtol=1e-14)


@pytest.mark.parametrize("kind", ["index", "prob"])
@pytest.mark.parametrize("eps", [0.0, 0.1])
@pytest.mark.parametrize("reduction", cls.REDUCTIONS)
def test_logits_in_the_thousands_are_finite_and_match_torch(kind, eps, reduction):
    logits = np.array([[1000.0, 0.0, -1000.0], [-1e4, 1e4, 0.0], [3000.0, 3000.0, -3000.0]])
    target = np.array([2, 0, 1]) if kind == "index" else np.array([[0, 0, 1], [1, 0, 0], [0.25, 0.75, 0]])
    w = [1.0, 2.0, 0.5]
    got, grad = ce(logits, target, w, eps, reduction), ce_grad(logits, target, w, eps, reduction)
    assert np.isfinite(got).all() and np.isfinite(grad).all()
    expected, expected_grad = torch_ce(logits, target, w, eps, reduction)
    np.testing.assert_allclose(got, expected, rtol=RTOL)
    np.testing.assert_allclose(grad, expected_grad, rtol=RTOL, atol=ATOL)
    if kind == "index" and eps == 0 and reduction == "none":
        np.testing.assert_array_equal(got, [0.5 * 2000.0, 1.0 * 2e4, 2.0 * math.log(2)])


@pytest.mark.parametrize("kind", ["index", "prob"])
@pytest.mark.parametrize("eps", [0.0, 0.3])
@pytest.mark.parametrize("reduction", cls.REDUCTIONS)
def test_class_weight_zero(kind, eps, reduction):
    logits, target = make_case(kind, (6, 3), seed=6)
    if kind == "index":
        target = np.array([0, 1, 2, 0, 2, 0])
    w = [0.0, 1.0, 2.5]
    expected, expected_grad = torch_ce(logits, target, w, eps, reduction)
    np.testing.assert_allclose(ce(logits, target, w, eps, reduction), expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(ce_grad(logits, target, w, eps, reduction), expected_grad, rtol=RTOL, atol=ATOL)
    if kind == "index" and eps == 0:  # samples of the zero-weight class contribute nothing
        assert not ce(logits, target, w, eps, "none")[target == 0].any()
        assert not ce_grad(logits, target, w, eps, reduction)[target == 0].any()


def test_zero_weight_sum_with_mean_raises_instead_of_nan():
    logits, _ = make_case("index", (2, 3))
    with pytest.raises(ValueError) as info:
        ce(logits, [0, 0], weight=[0.0, 1.0, 1.0])
    assert str(info.value) == (
        "cross_entropy: 'weight' of the target classes sums to 0, so reduction 'mean' is undefined "
        "(torch returns NaN); give a target class a positive weight, or use 'sum' or 'none'")
    with pytest.raises(ValueError, match="'weight'"):
        ce_grad(logits, [0, 0], weight=[0.0, 1.0, 1.0], label_smoothing=0.2)
    assert ce(logits, [0, 0], weight=[0.0, 1.0, 1.0], reduction="sum") == 0.0  # torch: 0


def test_target_forms():
    logits, idx = make_case("index", (N, C), seed=7)
    expected = ce(logits, idx, label_smoothing=0.1, reduction="none")
    # integer-valued floats are indices; integer one-hot rows of the logits' shape are probabilities
    np.testing.assert_array_equal(ce(logits, idx.astype(float), label_smoothing=0.1, reduction="none"), expected)
    np.testing.assert_allclose(ce(logits, np.eye(C, dtype=int)[idx], label_smoothing=0.1, reduction="none"),
                               expected, rtol=1e-14)
    assert isinstance(ce(logits, idx), np.ndarray) and isinstance(ce(logits[0], idx[0], reduction="none"), np.ndarray)


# ------------------------------------------------------------------- bad input

GOOD = dict(logits=np.zeros((2, 3)), target=[0, 2])
BAD = [
    (dict(label_smoothing=-0.1), r"'label_smoothing' must be in \[0, 1\]"),
    (dict(label_smoothing=1.5), r"'label_smoothing' must be in \[0, 1\]"),
    (dict(label_smoothing=float("nan")), "'label_smoothing'"),
    (dict(label_smoothing=[0.1]), "'label_smoothing'"),
    (dict(weight=[1.0, 1.0]), r"'weight' must hold one value per class, shape \(3,\)"),
    (dict(weight=[[1.0, 1.0, 1.0]]), "'weight' must hold one value per class"),
    (dict(weight=[1.0, -1.0, 1.0]), "'weight' must be non-negative"),
    (dict(weight=[0.5, 0.0, -2.0]), r"'weight' must be non-negative, got -2.0$"),  # the negative one
    (dict(weight=[1.0, np.inf, 1.0]), "'weight' must be finite"),
    (dict(weight=[1.0, np.nan, 1.0]), "'weight' must be finite"),
    (dict(target=[0, 3]), r"'target' must be integers in \[0, 3\), got 3"),
    (dict(target=[-1, 0]), r"'target' must be integers in \[0, 3\), got -1"),
    (dict(target=[0, 1.5]), r"'target' must be integers in \[0, 3\), got 1.5"),
    (dict(target=[0, np.nan]), "'target' must be finite"),
    (dict(target=[0, 1, 2]), r"'target' must be class indices of shape \(2,\) or class probabilities"),
    (dict(target=np.zeros((2, 4))), "'target' must be class indices"),
    (dict(target=0), "'target' must be class indices"),
    (dict(logits=np.zeros(3), target=[0]), "'target' must be a scalar class index or class probabilities"),
    (dict(logits=[[0.0, np.nan, 0.0], [0, 0, 0]]), "'logits' must be finite"),
    (dict(logits=[[0.0, np.inf, 0.0], [0, 0, 0]]), "'logits' must be finite"),
    (dict(logits=np.zeros((2, 3, 1))), r"'logits' must be 1-D \(C,\) or 2-D \(N, C\)"),
    (dict(logits=0.0, target=0), r"'logits' must be 1-D \(C,\) or 2-D \(N, C\)"),
    (dict(logits=np.zeros((2, 0)), target=[0, 0]), "'logits' must be 1-D"),
    (dict(logits="abc"), "'logits' must be real numbers"),
    (dict(reduction="avg"), r"'reduction' must be one of 'none', 'mean', 'sum', got 'avg'"),
    (dict(reduction=None), "'reduction' must be one of"),
]


@pytest.mark.parametrize("fn", ["cross_entropy", "cross_entropy_grad"])
@pytest.mark.parametrize("change, match", BAD, ids=[f"{i}-{'-'.join(c)}" for i, (c, _) in enumerate(BAD)])
def test_bad_input_raises_value_error_naming_the_parameter(fn, change, match):
    kwargs = {**GOOD, **change}
    with pytest.raises(ValueError, match=f"^{fn}: .*{match}"):
        getattr(cls, fn)(**kwargs)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("logits, match", [
    (0.0, "'logits' must have at least one class"),
    (np.zeros((2, 0)), "'logits' must have at least one class"),
    ([1.0, np.nan], "'logits' must be finite"),
    ([1.0, -np.inf], "'logits' must be finite"),
])
def test_softmax_bad_input(fn, logits, match):
    with pytest.raises(ValueError, match=f"^{fn}: {match}"):
        getattr(cls, fn)(logits)


# ------------------------------------------------- logistic fits and stability

from lossdocs.classification import (  # noqa: E402
    FIT_LOSSES,
    STABILITY_Z,
    fit_logistic,
    imbalanced_data,
    scores,
    stability_table,
)

X_IMB, Y_IMB = imbalanced_data()
FITS = [("bce_logits", {}), ("bce_logits", {"pos_weight": 19.0}), ("bce_logits", {"pos_weight": 0.5}),
        ("focal", {}), ("focal", {"gamma": 0.0, "alpha": 0.5}), ("focal", {"gamma": 5.0, "alpha": 0.75}),
        ("focal", {"gamma": 0.5, "alpha": 0.5})]


def torch_focal(z, t, gamma, alpha):
    p = torch.sigmoid(z)
    ce = F.binary_cross_entropy_with_logits(z, t, reduction="none")
    p_t = p * t + (1 - p) * (1 - t)
    return (alpha * t + (1 - alpha) * (1 - t)) * ce * (1 - p_t) ** gamma


def torch_newton(x, y, loss, params):
    """The minimum by torch: float64 autograd gradient and Hessian, damped Newton."""
    xt, yt = torch.tensor(x), torch.tensor(y)

    def mean_loss(theta):
        z = theta[0] * xt + theta[1]
        if loss == "bce_logits":
            pw = torch.tensor(params.get("pos_weight", 1.0), dtype=torch.float64)
            return F.binary_cross_entropy_with_logits(z, yt, pos_weight=pw)
        return torch_focal(z, yt, params.get("gamma", 2.0), params.get("alpha", 0.25)).mean()

    theta = torch.zeros(2, dtype=torch.float64)
    for _ in range(100):
        g = torch.autograd.functional.jacobian(mean_loss, theta)
        if g.norm() < 1e-13:
            break
        h = torch.autograd.functional.hessian(mean_loss, theta)
        step = -torch.linalg.solve(h + 1e-12 * torch.eye(2, dtype=torch.float64), g)
        t = 1.0
        while mean_loss(theta + t * step) > mean_loss(theta) and t > 1e-10:
            t /= 2
        theta = theta + t * step
    return theta.numpy(), float(g.norm())


def test_imbalanced_data_is_seeded_one_in_twenty():
    x, y = imbalanced_data()
    assert x.shape == y.shape == (400,) and y.sum() == 20
    assert (np.diff(x) >= 0).all()
    x2, y2 = imbalanced_data()
    np.testing.assert_array_equal(x, x2)


@pytest.mark.parametrize("loss, params", FITS, ids=lambda v: str(v))
def test_fit_logistic_is_a_true_minimum_and_torchs(loss, params):
    fit = fit_logistic(X_IMB, Y_IMB, loss, **params)
    assert fit.grad_norm < 1e-8
    (w, b), torch_norm = torch_newton(X_IMB, Y_IMB, loss, params)
    assert torch_norm < 1e-8
    np.testing.assert_allclose([fit.w, fit.b], [w, b], rtol=1e-6, atol=1e-9)
    # The gradient at the fit, by torch autograd, is (numerically) zero, and the value matches.
    theta = torch.tensor([fit.w, fit.b], dtype=torch.float64, requires_grad=True)
    z = theta[0] * torch.tensor(X_IMB) + theta[1]
    if loss == "bce_logits":
        pw = torch.tensor(params.get("pos_weight", 1.0), dtype=torch.float64)
        value = F.binary_cross_entropy_with_logits(z, torch.tensor(Y_IMB), pos_weight=pw)
    else:
        value = torch_focal(z, torch.tensor(Y_IMB), params.get("gamma", 2.0), params.get("alpha", 0.25)).mean()
    value.backward()
    assert float(theta.grad.norm()) < 1e-8
    assert fit.value == pytest.approx(float(value.detach()), rel=1e-12)
    assert fit.threshold == pytest.approx(-fit.b / fit.w)


def test_focal_with_gamma_zero_and_alpha_half_fits_where_bce_does():
    a = fit_logistic(X_IMB, Y_IMB, "bce_logits")
    b = fit_logistic(X_IMB, Y_IMB, "focal", gamma=0.0, alpha=0.5)
    np.testing.assert_allclose([a.w, a.b], [b.w, b.b], rtol=1e-9)


def test_pos_weight_trades_precision_for_recall():
    plain = scores(fit_logistic(X_IMB, Y_IMB, "bce_logits"), X_IMB, Y_IMB)
    heavy = scores(fit_logistic(X_IMB, Y_IMB, "bce_logits", pos_weight=19.0), X_IMB, Y_IMB)
    assert heavy["recall"] > plain["recall"] and heavy["precision"] < plain["precision"]
    assert heavy["accuracy"] < plain["accuracy"]


def test_scores_count_by_hand():
    fit = fit_logistic(X_IMB, Y_IMB, "bce_logits")
    s = scores(fit, X_IMB, Y_IMB)
    called = X_IMB >= fit.threshold  # w > 0
    assert fit.w > 0 and s["called_positive"] == called.sum()
    assert s["true_positive"] == (called & (Y_IMB == 1)).sum()
    assert s["accuracy"] == ((called == (Y_IMB == 1)).mean())
    assert s["recall"] == s["true_positive"] / 20 and s["precision"] == s["true_positive"] / called.sum()
    nobody = scores(type(fit)("bce_logits", {}, 1.0, -100.0, 0.0, 0.0, 0), X_IMB, Y_IMB)
    assert nobody["precision"] is None and nobody["recall"] == 0


@pytest.mark.parametrize("bad, match", [
    (dict(loss="mse"), "'loss' must be one of bce_logits, focal"),
    (dict(loss="focal", gamma=-1.0), "parameter 'gamma'"),
    (dict(loss="bce_logits", pos_weight=0.0), "parameter 'pos_weight'"),
])
def test_fit_logistic_bad_arguments(bad, match):
    with pytest.raises(ValueError, match=match):
        fit_logistic(X_IMB, Y_IMB, **bad)


def test_fit_logistic_refuses_separable_data_and_bad_shapes():
    with pytest.raises(ValueError, match="separable"):
        fit_logistic([-2.0, -1.0, 1.0, 2.0], [0.0, 0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="no minimum found in 1 Newton steps"):
        fit_logistic(X_IMB, Y_IMB, max_iter=1)
    with pytest.raises(ValueError, match="'x' and 'y' must be 1-D"):
        fit_logistic([1.0, 2.0, 3.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="'target' must be in"):
        fit_logistic([1.0, 2.0, 3.0], [0.0, 1.0, 2.0])


def test_stability_table_against_torch_float32():
    rows = stability_table()
    assert [r["z"] for r in rows] == list(STABILITY_Z) == [-800, -100, -40, -20, -10, 10, 20, 40, 100, 800]
    z32 = torch.tensor(STABILITY_Z, dtype=torch.float32)
    naive = 1 / (1 + torch.exp(-z32))
    np.testing.assert_array_equal([r["log_sigmoid"]["naive"] for r in rows], torch.log(naive).numpy())
    np.testing.assert_array_equal([r["bce0"]["naive"] for r in rows], (-torch.log(1 - naive)).numpy() + 0.0)
    # torch's own binary_cross_entropy on the float32 probability of an exact sigmoid.
    p32 = torch.sigmoid(torch.tensor(STABILITY_Z, dtype=torch.float64)).float()
    bce1 = F.binary_cross_entropy(p32, torch.ones(10), reduction="none").numpy()
    bce0 = F.binary_cross_entropy(p32, torch.zeros(10), reduction="none").numpy()
    np.testing.assert_allclose([-r["log_sigmoid"]["torch_clamp"] for r in rows], bce1, rtol=1e-6)
    np.testing.assert_allclose([r["bce0"]["torch_clamp"] for r in rows], bce0, rtol=1e-6)
    # The stable column is exact: log sigma(z) = -softplus(-z) = F.logsigmoid in float64.
    z64 = torch.tensor(STABILITY_Z, dtype=torch.float64)
    np.testing.assert_allclose([r["log_sigmoid"]["stable"] for r in rows], F.logsigmoid(z64).numpy(), rtol=1e-15)
    np.testing.assert_allclose([r["bce0"]["stable"] for r in rows], F.softplus(z64, threshold=50).numpy(),
                               rtol=1e-15)
    # Keras's clip: log p >= log(1e-7) and the label-0 loss <= -log(2^-23) in float32.
    keras = np.clip(p32.numpy(), np.float32(1e-7), np.float32(1) - np.float32(1e-7))
    np.testing.assert_array_equal([r["log_sigmoid"]["keras_clip"] for r in rows], np.log(keras))
    assert min(r["log_sigmoid"]["keras_clip"] for r in rows) == pytest.approx(-16.118, abs=1e-3)
    assert max(r["bce0"]["keras_clip"] for r in rows) == pytest.approx(23 * np.log(2), rel=1e-6)
    # What goes wrong: naive gives infinities; the clamp caps at 100.
    assert rows[0]["log_sigmoid"]["naive"] == -np.inf and rows[-1]["bce0"]["naive"] == np.inf
    assert rows[-1]["bce0"]["torch_clamp"] == 100.0 and rows[-1]["bce0"]["stable"] == 800.0


def test_scores_call_a_point_on_the_boundary_positive():
    """The decision is p >= 0.5, i.e. w x + b >= 0: a point exactly on the boundary is called
    positive. Counted by hand for w = 1, b = 0."""
    fit = cls.LogisticFit("bce_logits", {}, 1.0, 0.0, 0.0, 0.0, 0)
    s = scores(fit, [-1.0, 0.0, 2.0, 3.0], [0.0, 1.0, 0.0, 1.0])
    assert s == {"accuracy": 0.75, "recall": 1.0, "precision": 2 / 3, "called_positive": 3, "true_positive": 2}


def test_bce_curvature_is_exact_in_the_tails():
    """Newton's curvature for BCE with logits is the exact ((1 - y) + pos_weight y) σ(z) σ(-z),
    not a finite difference: torch's autograd second derivative in float64 where it is
    accurate, and the closed form e^-|z| / (1 + e^-|z|)^2 by hand where σ(z) rounds to 1
    (a difference of the gradient would give 0 there)."""
    fn = losses.get("bce_logits")
    z = np.array([-5.0, -0.5, 0.0, 0.7, 3.0])
    y = np.array([0.0, 1.0, 0.3, 1.0, 0.6])
    zt = torch.tensor(z, requires_grad=True)
    total = F.binary_cross_entropy_with_logits(zt, torch.tensor(y), reduction="sum",
                                               pos_weight=torch.tensor(3.0, dtype=torch.float64))
    (g,) = torch.autograd.grad(total, zt, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), zt)
    np.testing.assert_allclose(cls._second_derivative(fn, z, y, {"pos_weight": 3.0}), h.numpy(), rtol=1e-13)
    tails = cls._second_derivative(fn, np.array([-40.0, 40.0]), np.array([1.0, 0.0]), {"pos_weight": 2.0})
    by_hand = math.exp(-40.0) / (1.0 + math.exp(-40.0)) ** 2
    np.testing.assert_allclose(tails, [2.0 * by_hand, by_hand], rtol=1e-14)


def test_stability_table_is_quiet_whatever_numpy_is_set_to_and_has_no_negative_zero_loss():
    """The table silences its own overflow, underflow and log(0), even for a caller that
    made every floating-point event an error; and a label-0 loss of 0 is +0, not -0."""
    plain = stability_table()
    with strict():
        assert stability_table() == plain
        stability_table([np.inf, -np.inf, 1e300, -1e300, 0.0, 5e-324])  # no error, no warning
    zeros = [(r["z"], way) for r in plain for way, v in r["bce0"].items() if v == 0]
    assert ("naive" in {w for _, w in zeros}) and (-800.0, "torch_clamp") in zeros
    for z, way in zeros:
        assert math.copysign(1.0, [r for r in plain if r["z"] == z][0]["bce0"][way]) == 1.0, (z, way)


@pytest.mark.parametrize("gamma, alpha", [(2.0, 0.25), (0.5, 0.5), (5.0, 0.75), (0.0, 0.5), (1.0, 0.9)])
def test_focal_curvature_is_accurate_far_from_the_boundary(gamma, alpha):
    """Focal's curvature is a central difference of its exact gradient with a step that grows
    with |z|, so rounding does not swamp it where the loss is flat: within 2% of torch's
    float64 autograd second derivative out to |z| = 25 (a fixed or shrinking step is off by
    20% or more there)."""
    z = np.repeat(np.linspace(-25.0, 25.0, 51), 3)
    y = np.tile([0.0, 1.0, 0.3], 51)
    zt = torch.tensor(z, requires_grad=True)
    (g,) = torch.autograd.grad(torch_focal(zt, torch.tensor(y), gamma, alpha).sum(), zt, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), zt)
    curvature = cls._second_derivative(losses.get("focal"), z, y, {"gamma": gamma, "alpha": alpha})
    np.testing.assert_allclose(curvature, h.numpy(), rtol=2e-2, atol=0)


def test_fit_logistic_names_a_bad_x_or_y_and_gives_up_when_its_budget_is_spent():
    """A non-finite feature or label is refused with a message naming the function and the
    argument; a fit not done when its budget of Newton steps (200 unless given) is spent ends
    in an error that says so."""
    with pytest.raises(ValueError, match=r"^fit_logistic: 'x' must be finite, got NaN or inf$"):
        fit_logistic([0.0, math.nan, 1.0], [0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"^fit_logistic: 'y' must be finite, got NaN or inf$"):
        fit_logistic([0.0, 0.5, 1.0], [0.0, math.inf, 1.0])
    with pytest.raises(ValueError, match=r"^fit_logistic: 'x' must be real numbers"):
        fit_logistic(["a", 0.5, 1.0], [0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"^fit_logistic: no minimum found in 2 Newton steps \(gradient norm"):
        fit_logistic(X_IMB, Y_IMB, max_iter=2)
    assert inspect.signature(fit_logistic).parameters["max_iter"].default == cls.FIT_MAX_ITER == 200


SEPARABLE = ("fit_logistic: the two classes are separable, so the loss has no minimum (it keeps falling "
             "as |w| grows); add overlapping or soft labels")


def test_fit_logistic_fits_two_soft_labels_exactly():
    """Two points with soft labels 0.3 and 0.7: the minimum puts p exactly on the labels, so
    b = logit 0.3 and w = logit 0.7 - logit 0.3, and the mean loss is the labels' entropy."""
    fit = fit_logistic([0.0, 1.0], [0.3, 0.7])
    assert fit.loss == "bce_logits" and fit.params == {"pos_weight": 1.0}
    assert fit.w == pytest.approx(2 * math.log(7 / 3), rel=1e-12)
    assert fit.b == pytest.approx(math.log(3 / 7), rel=1e-12)
    assert fit.value == pytest.approx(-(0.3 * math.log(0.3) + 0.7 * math.log(0.7)), rel=1e-12)
    focal = fit_logistic([0.0, 1.0], [0.3, 0.7], "focal", gamma=1.0)
    assert focal.loss == "focal" and focal.params == {"gamma": 1.0, "alpha": 0.25}
    with pytest.raises(ValueError, match=r"'x' and 'y' must be 1-D of one length >= 2, got \(1,\) and \(1,\)"):
        fit_logistic([0.0], [0.5])


@pytest.mark.parametrize("x, y, w, b", [
    ([1.0, 1.0, 1.0], [0.0, 1.0, 1.0], None, math.log(2)),   # one x: only w + b is fixed
    ([0.0, 1.0, 2.0], [0.0, 1.0, 0.0], 0.0, -math.log(2)),   # a lone positive in the middle
    ([0.0, 1.0, 2.0], [1.0, 0.0, 1.0], 0.0, math.log(2)),    # a lone negative in the middle
])
def test_fit_logistic_fits_overlapping_classes_however_few(x, y, w, b):
    """Hard labels whose classes overlap have a minimum, however few points a class has and
    even when every x is the same (its Hessian is singular there, so Newton is damped):
    p is the positives' share where the classes mix. By symmetry w = 0 in the last two."""
    fit = fit_logistic(x, y)
    assert fit.grad_norm < 1e-8
    if w is None:
        assert fit.w + fit.b == pytest.approx(b, rel=1e-9)
    else:
        assert fit.w == pytest.approx(w, abs=1e-9) and fit.b == pytest.approx(b, rel=1e-9)


def test_fit_logistic_refuses_one_class_and_checks_parameters_first():
    """One class only is separable too (no minimum: b runs off); a bad parameter is named
    before the data are looked at."""
    for y in ([1.0, 1.0, 1.0], [0.0, 0.0, 0.0]):
        with pytest.raises(ValueError) as info:
            fit_logistic([0.0, 1.0, 2.0], y)
        assert str(info.value) == SEPARABLE
    with pytest.raises(ValueError) as info:
        fit_logistic([-2.0, -1.0, 1.0, 2.0], [0.0, 0.0, 1.0, 1.0])
    assert str(info.value) == SEPARABLE
    with pytest.raises(ValueError, match="parameter 'pos_weight'"):
        fit_logistic([-2.0, -1.0, 1.0, 2.0], [0.0, 0.0, 1.0, 1.0], pos_weight=0.0)


def test_fit_logistic_goes_past_the_tolerance_and_counts_its_steps():
    """A start whose gradient is already below the tolerance (1.4e-9) is not taken as the
    fit: Newton goes on while it gains, so a tiny effect is resolved (w = logit(0.5 + 2e-9)
    = 8e-9). The step count is exact: ``max_iter`` equal to it gives the same fit; one less
    ends with the budget spent below the tolerance (so that fit is returned, as the docstring
    says), and a budget that ends above the tolerance raises."""
    tiny = fit_logistic([0.0, 1.0], [0.5, 0.5 + 2e-9])
    assert tiny.iterations >= 1
    assert tiny.w == pytest.approx(math.log((0.5 + 2e-9) / (0.5 - 2e-9)), rel=1e-6)
    assert tiny.b == pytest.approx(0.0, abs=1e-15)
    fit = fit_logistic(X_IMB, Y_IMB)
    again = fit_logistic(X_IMB, Y_IMB, max_iter=fit.iterations)
    assert (again.w, again.b, again.iterations) == (fit.w, fit.b, fit.iterations)
    at_budget = fit_logistic(X_IMB, Y_IMB, max_iter=fit.iterations - 1)
    assert at_budget.iterations == fit.iterations - 1
    assert fit.grad_norm < at_budget.grad_norm < cls.FIT_TOLERANCE
    with pytest.raises(ValueError, match=rf"^fit_logistic: no minimum found in {fit.iterations - 2} Newton steps"):
        fit_logistic(X_IMB, Y_IMB, max_iter=fit.iterations - 2)


def test_fit_logistic_stops_when_newton_stalls_and_not_before():
    """Newton goes on well past the tolerance while it gains (the lesson's fits end with a
    gradient below 1e-12), and stops once a step no longer moves (w, b) or its budget is
    spent: with features in the billions rounding keeps the gradient above 1e-12 (and may
    keep it above 1e-8), and the fit is then the unscaled one with w divided by 1e9."""
    for loss in FIT_LOSSES:
        assert fit_logistic(X_IMB, Y_IMB, loss).grad_norm < 1e-12
    plain = fit_logistic(X_IMB, Y_IMB)
    scaled = fit_logistic(X_IMB * 1e9, Y_IMB)
    assert scaled.grad_norm > 1e-12
    assert scaled.w * 1e9 == pytest.approx(plain.w, rel=1e-12) and scaled.b == pytest.approx(plain.b, rel=1e-12)



def test_a_budget_that_ends_above_the_tolerance_raises_even_one_step_short():
    """With pos_weight 19 the fit takes 7 Newton steps, the last from a gradient of 3e-7
    to 6e-13: a budget of 6 ends above the tolerance and raises; it must not take the
    seventh step anyway."""
    fit = fit_logistic(X_IMB, Y_IMB, pos_weight=19.0)
    assert fit.iterations == 7 and fit.grad_norm < 1e-12
    with pytest.raises(ValueError, match=r"^fit_logistic: no minimum found in 6 Newton steps"):
        fit_logistic(X_IMB, Y_IMB, max_iter=6, pos_weight=19.0)


@pytest.mark.parametrize("scale", [1.0, 1e9])
def test_a_fit_cut_short_is_either_refused_or_the_minimum(scale):
    """Every budget short of the full fit's steps, at x in units and in the billions: the
    fit either raises or is the minimum (w and b to 1e-6: a gradient below 1e-8 is within
    about 2e-7 of it, the Hessian here being about 0.05). The rounding floor that
    raises the tolerance for features in the billions is the gradient's real rounding
    (eps times its terms, averaged over the points); one that was not averaged (160,000
    times too large here) returned the fit one step before that floor."""
    full = fit_logistic(X_IMB * scale, Y_IMB)
    for k in range(1, full.iterations):
        try:
            f = fit_logistic(X_IMB * scale, Y_IMB, max_iter=k)
        except ValueError:
            continue
        assert f.w == pytest.approx(full.w, rel=1e-6) and f.b == pytest.approx(full.b, rel=1e-6), k
        # at most the rounding floor: 1e-8, or about 2e-5 for x in the billions (the step
        # before the floor ends at 0.02 there, and must raise)
        assert f.grad_norm < 1e-3 * scale / 1e9 + 1e-8, (k, f.grad_norm)

@pytest.mark.parametrize("loss", FIT_LOSSES)
@pytest.mark.parametrize("scale", [1e-9, 1e-3, 1e6, 1e9, 1e12, 1e14])
@pytest.mark.parametrize("shift", [0.0, -1e4, 1e4])
def test_fit_logistic_fits_features_of_any_size(loss, scale, shift):
    """x times 1e-9 to 1e14, also moved by 1e4 of its spread: the same boundary and the same
    w in the data's units. In the billions the computed gradient cannot get below 1e-8 (its
    rounding is eps |x| (|dL/dz| + |w x| + |b|): up to 1e3 here), so the fit stops at that
    floor; it used to spend its 200 steps and raise "no minimum found" (with numpy 2.4's
    sums, already at x times 1e9). Moving x by 1e4 spreads costs some digits (the condition
    number of the design grows as 1e8), none at all otherwise."""
    plain = fit_logistic(X_IMB, Y_IMB, loss)
    f = fit_logistic((X_IMB + shift) * scale, Y_IMB, loss)
    rel = 1e-11 if shift == 0 else 1e-7
    assert f.w * scale == pytest.approx(plain.w, rel=rel)
    assert f.threshold / scale - shift == pytest.approx(plain.threshold, abs=rel * 10)


def test_imbalanced_data_draws_what_the_lesson_says():
    """Negatives ~ N(0, 1) and positives ~ N(2, 1) (means within 0.1 and spreads within
    0.1 over 3,000 draws each; a shift of 1 or a doubled spread is far outside), and the
    lesson's seeded set itself: its first and last x and where its first positives sit."""
    x, y = imbalanced_data(3000, 3000, seed=1)
    assert abs(x[y == 0].mean()) < 0.1 and abs(x[y == 0].std() - 1) < 0.1
    assert abs(x[y == 1].mean() - 2) < 0.1 and abs(x[y == 1].std() - 1) < 0.1
    x, y = imbalanced_data()
    np.testing.assert_allclose(x[[0, 1, -1]], [-3.1678408009277472, -2.9648534941552627, 3.6349427136640466],
                               rtol=1e-15)
    assert np.flatnonzero(y)[:5].tolist() == [300, 307, 347, 359, 362]


def test_logits_at_the_float_limit_give_zero_loss_for_the_right_class():
    """Finite logits 2e308 apart: log-softmax of the losing class is -inf, but a class with
    coefficient 0 takes no part in the sum (0 * -inf would be NaN), so the right class costs
    exactly 0 (index or one-hot target) with a zero gradient, and the wrong one costs inf."""
    z = np.array([[1e308, -1e308], [-1e308, 1e308]])
    np.testing.assert_array_equal(ce(z, [0, 1], reduction="none"), [0.0, 0.0])
    np.testing.assert_array_equal(ce(z, np.eye(2), reduction="none"), [0.0, 0.0])
    np.testing.assert_array_equal(ce_grad(z, [0, 1], reduction="none"), np.zeros((2, 2)))
    np.testing.assert_array_equal(ce(z, [1, 0], reduction="none"), [np.inf, np.inf])


@pytest.mark.parametrize("logits, target, message", [
    (np.zeros((2, 3, 1)), [0, 0], "'logits' must be 1-D (C,) or 2-D (N, C) with at least one class and sample, "
                                  "got shape (2, 3, 1)"),
    (np.zeros((2, 3)), [0, 1, 2], "'target' must be class indices of shape (2,) or class probabilities of the "
                                  "logits' shape (2, 3), got shape (3,)"),
    (np.zeros(3), [0], "'target' must be a scalar class index or class probabilities of the logits' shape (3,), "
                       "got shape (1,)"),
])
def test_shape_errors_say_what_is_allowed_and_what_came(logits, target, message):
    """The shape messages whole: what the argument may be and the shape it had."""
    for fn in ("cross_entropy", "cross_entropy_grad"):
        with pytest.raises(ValueError) as info:
            getattr(cls, fn)(logits, target)
        assert str(info.value) == f"{fn}: {message}"


def test_fit_logistic_takes_exact_steps_whose_gain_is_below_rounding():
    """On these eleven ordinary points, Newton's last steps gain less than the loss's
    rounding, so a strict sufficient-decrease test refused them and the fit gave up at a
    gradient of 1e-8 after 200 steps. It now ends at torch's minimum."""
    x = [-41.1, -15.9, -15.0, -5.1, -4.5, 6.3, 24.9, 27.6, 34.2, 35.1, 41.7]
    y = [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0]
    fit = fit_logistic(x, y)
    assert fit.grad_norm < 1e-12 and fit.iterations < 20
    (w, b), torch_norm = torch_newton(np.array(x), np.array(y), "bce_logits", {})
    assert torch_norm < 1e-8
    np.testing.assert_allclose([fit.w, fit.b], [w, b], rtol=1e-9)


@pytest.mark.parametrize("x, y", [([0.0, 1.0, 1.0, 2.0], [0.0, 0.0, 1.0, 1.0]),
                                  ([0.0, 1.0, 1.0, 1.0, 2.0], [1.0, 1.0, 0.0, 0.0, 0.0])])
def test_fit_logistic_refuses_classes_that_only_meet_at_one_x(x, y):
    """Classes that touch at one x have no minimum either: the boundary sits there while
    |w| grows, and every other point's loss keeps falling (it used to return w near 27)."""
    with pytest.raises(ValueError) as info:
        fit_logistic(x, y)
    assert str(info.value) == SEPARABLE


@pytest.mark.parametrize("scale", [1.0, 1e-10, 1e-26, 1e-200, 1e100])
def test_positive_definite_does_not_depend_on_the_hessians_units(scale):
    """The Newton damping test is relative: a well-conditioned Hessian counts as positive
    definite at any scale (a loss in other units, a tiny dataset weight), and a
    rank-one one never does, whatever rounding leaves in its last pivot."""
    well = np.array([[2.0, 0.5], [0.5, 1.0]])
    assert cls._positive_definite(scale * well)
    for eps in (0.0, 1e-14):  # singular, and singular up to rounding
        assert not cls._positive_definite(scale * np.array([[1.0, 1.0], [1.0, 1.0 + eps]]))
    assert cls._positive_definite(scale * np.array([[1.0, 1.0], [1.0, 1.0 + 1e-9]]))  # ill-conditioned, but real


@pytest.mark.parametrize("x", [1.0, 10.0, -250.0, 1e-3])
@pytest.mark.parametrize("loss, params, logit", [
    ("bce_logits", {}, math.log(3 / 2)),                    # p = 3/5, the positives' share
    ("bce_logits", {"pos_weight": 5.0}, math.log(15 / 2)),  # p = 15/17: each positive counts 5 times
    ("focal", {"gamma": 2.0}, None),
])
def test_fit_logistic_damps_a_singular_hessian_and_still_needs_few_steps(x, loss, params, logit):
    """Every x the same: w and b only act through w x + b, so the Hessian is singular at
    every step and Newton must be damped, by a Levenberg term near 1e-8 of its size, small
    enough that each step is still Newton's: a handful of steps reach a zero gradient, quietly
    (numpy warnings raise here). A damping far too large crawls (over a hundred steps), and
    one that stops growing loops for ever once the Hessian's entries exceed 1 (x = 10)."""
    fit = call(fit_logistic, [x] * 5, [0.0, 1.0, 1.0, 0.0, 1.0], loss, **params)
    assert fit.grad_norm < 1e-12 and fit.iterations <= 8
    if logit is not None:
        assert fit.w * x + fit.b == pytest.approx(logit, rel=1e-9)
    # Every step is along (x, 1), the Hessian's only direction, so of all the minima it ends
    # at the one nearest the start.
    assert fit.w == pytest.approx(x * fit.b, rel=1e-6, abs=1e-12)


def test_fit_logistic_does_not_depend_on_where_x_starts():
    """Moving every x by 1e4 moves the boundary by exactly 1e4 and leaves w alone. Near
    x = 1e4 the loss is flat to rounding along the last steps, so this needs the line search
    to halve a step that would raise the loss and to stop once none moves: with the search
    skipped, or t stuck, growing or not halving, the fit wanders off to no minimum or to NaN,
    or never returns. (Under numpy warnings raising, as the other new fits here.)"""
    plain = call(fit_logistic, X_IMB, Y_IMB)
    moved = call(fit_logistic, X_IMB + 1e4, Y_IMB)
    # (20 steps or fewer with numpy 2.3's sums, 74 with 2.4's: rounding-size steps crawl
    # until one moves nothing; a search that never ends spends the budget of 200)
    assert moved.grad_norm < 1e-8 and moved.iterations <= 100
    assert moved.w == pytest.approx(plain.w, rel=1e-10)
    assert moved.threshold - 1e4 == pytest.approx(plain.threshold, abs=1e-9)
    for loss in FIT_LOSSES:  # and the lesson's fits raise no numpy warning either
        assert call(fit_logistic, X_IMB, Y_IMB, loss).grad_norm < 1e-12


@pytest.mark.parametrize("scale, shift", [(1e6, 0.0), (1.0, 1e4)], ids=["x in millions", "x near 1e4"])
def test_fit_logistic_returns_a_minimum_whose_gradient_is_below_tolerance(scale, shift):
    """Features near 1e6, or offset by 1e4, with focal loss: Newton reaches a gradient far
    below FIT_TOLERANCE, then rounding-size steps keep moving (w, b) without ever moving
    nothing, so the stop on a stalled step never comes. The fit must still be returned as
    the docstring promises (it raised "no minimum found" with a gradient of 3e-12), and it
    is the same boundary as on the unscaled data."""
    f = fit_logistic(X_IMB * scale + shift, Y_IMB, "focal")
    assert f.grad_norm < cls.FIT_TOLERANCE
    ref = fit_logistic(X_IMB, Y_IMB, "focal")
    assert f.threshold == pytest.approx(ref.threshold * scale + shift, rel=1e-6)
