"""Tests for lossdocs.classification: agreement with ``torch.nn.functional.cross_entropy``
(values and autograd gradients, float64), central finite differences, the binary case,
the reference texts' worked examples, edge cases and input validation.

Every call into the module runs with numpy floating-point errors raising and warnings
turned into errors (see ``strict``), so a kernel that emits a warning fails.
"""

import itertools
import math
import warnings
from contextlib import contextmanager

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lossdocs import classification as cls

N, C = 4, 5
RTOL = 1e-10
ATOL = 1e-13  # for entries that cancel to ~0 (e.g. a gradient p - 1 with p ~ 1)


@contextmanager
def strict():
    """Any numpy floating-point event or warning inside becomes an exception."""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


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


def finite_difference(f, x, h=1e-5):
    """Central differences of scalar ``f`` at every entry of ``x``."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        g[i] = (f(up) - f(down)) / (2 * h)
    return g


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

    numeric = finite_difference(total, logits)
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
    with pytest.raises(ValueError, match="'weight'.*sums to 0.*'mean'"):
        ce(logits, [0, 0], weight=[0.0, 1.0, 1.0])
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
