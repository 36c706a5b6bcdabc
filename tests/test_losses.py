"""Tests for lossdocs.losses: agreement with PyTorch, finite differences, edge cases,
mathematical properties, input validation and metadata.

Most tests are parametrised over ``losses.REGISTRY`` (and each loss's parameter
``choices``), so a newly registered loss is covered without writing a new test;
it only needs a torch reference in ``TORCH_REFERENCES``.

Every call into ``losses`` runs with numpy floating-point errors raising and all
warnings turned into errors (see ``strict``), so a kernel that emits a warning fails.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numtools import strict

from lossdocs import losses

LOG2 = math.log(2.0)
SHAPES = [((7,), (7,)), ((5, 1), (1, 4)), ((), (3,)), ((2, 3, 4), (4,))]


def value(name, pred, target, **params):
    with strict():
        return losses.get(name).value(pred, target, **params)


def grad(name, pred, target, **params):
    with strict():
        return losses.get(name).grad(pred, target, **params)


# ------------------------------------------------------------- torch references

# Each takes float64 tensors of equal shape and returns the elementwise loss.
TORCH_REFERENCES = {
    "mse": lambda p, t: F.mse_loss(p, t, reduction="none"),
    "mae": lambda p, t: F.l1_loss(p, t, reduction="none"),
    "huber": lambda p, t, delta: F.huber_loss(p, t, reduction="none", delta=delta),
    # torch has no log-cosh; logaddexp(r, -r) - log 2 = log cosh r, overflow-free.
    "log_cosh": lambda p, t: torch.logaddexp(p - t, t - p) - LOG2,
    "barron": lambda p, t, alpha, scale: barron_torch(p - t, alpha, scale),
    "bce": lambda p, t: F.binary_cross_entropy(p, t, reduction="none"),
    "bce_logits": lambda z, t, pos_weight: F.binary_cross_entropy_with_logits(
        z, t, pos_weight=torch.tensor(pos_weight, dtype=torch.float64), reduction="none"),
    "focal": lambda z, t, gamma, alpha: sigmoid_focal_loss(z, t, alpha=alpha, gamma=gamma),
    "hinge": lambda s, t, margin: F.relu(margin - t * s),
    "soft_margin": lambda s, t: F.soft_margin_loss(s, t, reduction="none"),
}


def sigmoid_focal_loss(inputs, targets, alpha, gamma):
    """torchvision.ops.sigmoid_focal_loss (reduction 'none'), step for step; torchvision
    itself is not a dependency."""
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    return loss


def barron_torch(r, alpha, scale):
    """Barron's loss as his reference code writes it (expm1 and log1p, so alpha near 0 or
    2 keeps its precision), with the exact limits at alpha = 2, 0 and -inf."""
    z = (r / scale) ** 2
    if alpha == 2:
        return 0.5 * z
    if alpha == 0:
        return torch.log1p(0.5 * z)
    if alpha == -math.inf:
        return -torch.expm1(-0.5 * z)
    b = abs(alpha - 2)
    return b / alpha * torch.expm1(0.5 * alpha * torch.log1p(z / b))


def torch_reference(name, pred, target, **params):
    """(value, d value / d pred) from torch float64 + autograd, on the broadcast shape."""
    params = {**losses.get(name).defaults(), **params}
    p, t = np.broadcast_arrays(np.asarray(pred, float), np.asarray(target, float))
    tp = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    tt = torch.tensor(t, dtype=torch.float64)
    out = TORCH_REFERENCES[name](tp, tt, **params)
    out.sum().backward()  # elementwise loss, so this gives the elementwise gradient
    return out.detach().numpy(), tp.grad.numpy()


# ------------------------------------------------------------------- test inputs


def sample(loss, rng, pred_shape, target_shape, margin=0.0):
    """Random valid inputs: pred over the plotted domain (shrunk by ``margin`` of its
    width on each side), target over the target slider's range."""
    lo, hi = loss.domain
    pad = margin * (hi - lo)
    pred = rng.uniform(lo + pad, hi - pad, size=pred_shape)
    if loss.labels is not None:  # hinge and soft margin: the classes -1 and +1 only
        target = rng.choice(loss.labels, size=target_shape)
    else:
        target = rng.uniform(loss.targets[0], loss.targets[1], size=target_shape)
    return pred, target


def param_settings(loss):
    """Every parameter choice the widgets precompute (one param varied at a time),
    plus extreme values that stress numerics."""
    settings = [{}]
    for p in loss.params:
        settings += [{p.name: c} for c in p.choices]
    settings += EXTREME_PARAMS.get(loss.name, [])
    return settings


EXTREME_PARAMS = {
    "huber": [{"delta": 1e-12}, {"delta": 1e12}],
    "barron": [{"alpha": a} for a in (-math.inf, -50.0, -8.0, -1e-12, 1e-12, 0.5, 1.5, 2 - 1e-12)]
              + [{"alpha": 0.0, "scale": 0.05}, {"alpha": -2.0, "scale": 20.0}, {"alpha": 1.0, "scale": 0.25}],
    "bce_logits": [{"pos_weight": 1e-6}, {"pos_weight": 50.0}],
    "focal": [{"gamma": 0.5, "alpha": 0.9}, {"gamma": 7.5}],
    "hinge": [{"margin": 1e-6}, {"margin": 25.0}],
}

CASES = [
    pytest.param(name, s, id=f"{name}-" + ",".join(f"{k}={v:g}" for k, v in s.items()))
    for name, loss in losses.REGISTRY.items()
    for s in param_settings(loss)
]


def near_kink(name, pred, target, params, margin):
    """Mask of points within ``margin`` of a point where the loss is not smooth."""
    r = np.abs(pred - target)
    if name == "mae":
        return r < margin
    if name == "huber":
        return np.abs(r - params.get("delta", 1.0)) < margin
    if name == "hinge":
        return np.abs(params.get("margin", 1.0) - target * pred) < margin
    return np.zeros(r.shape, bool)


# -------------------------------------------------------- agreement with torch


def test_every_loss_has_a_torch_reference():
    missing = set(losses.REGISTRY) - set(TORCH_REFERENCES)
    assert not missing, f"add a torch reference for {sorted(missing)}"
    assert set(TORCH_REFERENCES) == set(losses.REGISTRY), "stale torch reference"


@pytest.mark.parametrize("name, params", CASES)
@pytest.mark.parametrize("pred_shape, target_shape", SHAPES)
def test_matches_torch(name, params, pred_shape, target_shape):
    rng = np.random.default_rng(1234)
    pred, target = sample(losses.get(name), rng, pred_shape, target_shape)
    ref_v, ref_g = torch_reference(name, pred, target, **params)
    v, g = value(name, pred, target, **params), grad(name, pred, target, **params)
    assert v.shape == g.shape == np.broadcast_shapes(pred_shape, target_shape)
    assert v.dtype == g.dtype == np.float64
    np.testing.assert_allclose(v, ref_v, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(g, ref_g, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name, params", CASES)
def test_grad_matches_central_differences(name, params):
    rng = np.random.default_rng(99)
    pred, target = sample(losses.get(name), rng, 200, 200, margin=0.05)
    h = 1e-6
    keep = ~near_kink(name, pred, target, params, margin=1e-4)
    pred, target = pred[keep], target[keep]
    assert pred.size > 150
    up, down = value(name, pred + h, target, **params), value(name, pred - h, target, **params)
    fd = (up - down) / (2 * h)
    np.testing.assert_allclose(grad(name, pred, target, **params), fd, rtol=1e-5, atol=1e-6)


def test_inputs_are_not_modified_and_scalars_give_0d_arrays():
    pred = np.array([0.2, 0.7])
    for name in losses.names():
        target = np.array([-1.0, 1.0]) if losses.get(name).labels else np.array([0.0, 1.0])
        before = pred.copy(), target.copy()
        for fn in (value, grad):
            out = fn(name, pred, target)
            assert out.shape == (2,)
            scalar = fn(name, 0.25, 1)  # python scalars, ints accepted
            assert isinstance(scalar, np.ndarray) and scalar.shape == ()
        np.testing.assert_array_equal(pred, before[0])
        np.testing.assert_array_equal(target, before[1])


# ---------------------------------------------------------------------- edges


@pytest.mark.parametrize("r", [1e4, -1e4])
def test_log_cosh_large_residual_does_not_overflow(r):
    v, g = value("log_cosh", r, 0.0), grad("log_cosh", r, 0.0)
    np.testing.assert_allclose(v, abs(r) - LOG2, rtol=1e-14)
    assert g == np.sign(r)
    ref_v, ref_g = torch_reference("log_cosh", r, 0.0)
    np.testing.assert_allclose(v, ref_v, rtol=1e-12)
    np.testing.assert_allclose(g, ref_g, rtol=1e-12)


@pytest.mark.parametrize("r", [1e-8, -1e-8])
def test_log_cosh_tiny_residual_keeps_relative_precision(r):
    v, g = value("log_cosh", r, 0.0), grad("log_cosh", r, 0.0)
    # log cosh r = r^2/2 - r^4/12 + ...; the r^4 term is far below float64 resolution.
    np.testing.assert_allclose(v, r * r / 2, rtol=1e-12)
    np.testing.assert_allclose(g, r, rtol=1e-12)
    # torch's logaddexp form (and its autograd) only has absolute precision ~1e-16
    # here (value ~1.1e-16 instead of 5e-17), so it is compared absolutely.
    ref_v, ref_g = torch_reference("log_cosh", r, 0.0)
    np.testing.assert_allclose(v, ref_v, rtol=0, atol=2e-16)
    np.testing.assert_allclose(g, ref_g, rtol=0, atol=2e-16)


def test_log_cosh_matches_naive_formula_and_is_continuous_at_branch_switch():
    # The naive log(cosh r) is fine away from 0 but has only absolute precision
    # ~1e-16 near 0, hence the atol.
    r = np.concatenate([np.linspace(-5, 5, 1001), [1 - 1e-15, 1.0, 1 + 1e-15, -1.0]])
    v = value("log_cosh", r, 0.0)
    np.testing.assert_allclose(v, np.log(np.cosh(r)), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(grad("log_cosh", r, 0.0), np.tanh(r), rtol=1e-15)


@pytest.mark.parametrize("p", [0.0, 1.0])
@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_bce_at_certain_predictions_is_finite_and_clamped_like_torch(p, y):
    v, g = value("bce", p, y), grad("bce", p, y)  # strict(): no log(0) warnings
    assert np.isfinite(v) and np.isfinite(g)
    ref_v, ref_g = torch_reference("bce", p, y)
    np.testing.assert_allclose(v, ref_v, rtol=1e-12, atol=1e-12)
    # torch's EPSILON=1e-12 is a float32 constant (9.99999996e-13) even in float64,
    # so its clamped gradient differs from ours (exactly 1e-12) by ~4e-9 relative.
    np.testing.assert_allclose(g, ref_g, rtol=1e-8, atol=1e-12)
    if abs(p - y) == 1.0:  # confidently wrong: log clamped at -100, torch's EPSILON
        assert v == 100.0
        assert g == (1e12 if p == 1.0 else -1e12)
    if p == y:
        assert v == 0.0 and g == 0.0


def test_huber_tiny_delta_is_scaled_absolute_error():
    r = np.array([-5.0, -0.3, 1e-6, 0.7, 4.0])
    v = value("huber", r, 0.0, delta=1e-12)
    np.testing.assert_allclose(v, 1e-12 * (np.abs(r) - 0.5e-12), rtol=1e-15)
    np.testing.assert_allclose(v, 1e-12 * np.abs(r), rtol=1e-6)  # gap is delta / (2|r|)
    np.testing.assert_allclose(grad("huber", r, 0.0, delta=1e-12), 1e-12 * np.sign(r), rtol=0)


def test_huber_huge_delta_is_half_squared_error():
    r = np.array([-5.0, -0.3, 1e-6, 0.7, 4.0])
    assert np.array_equal(value("huber", r, 0.0, delta=1e12), 0.5 * r**2)
    assert np.array_equal(grad("huber", r, 0.0, delta=1e12), r)


# Barron's loss is bounded for alpha < 0 and torch's formula squares a residual of 1e300
# to inf, so it has tests of its own against 50-digit arithmetic (below).
REGRESSION_SETTINGS = [c for c in CASES if losses.get(c.values[0]).kind == "regression"
                       and c.values[0] != "barron"]


@pytest.mark.parametrize("name, params", REGRESSION_SETTINGS)
def test_extreme_finite_inputs_saturate_to_inf_like_torch(name, params):
    """A residual beyond float64 (|pred - target| > max) is an infinite loss, exactly as
    torch float64 gives it, never 0 or NaN; the gradient keeps the residual's sign."""
    big = np.finfo(float).max
    pred = np.array([big, -big, 1e300, -1e300, 1e200, 1e-300, 0.0, 1e154])
    target = np.array([-big, big, -1e300, 1e300, -1e200, 0.0, 1e-300, 0.0])
    v, g = value(name, pred, target, **params), grad(name, pred, target, **params)  # no warnings
    ref_v, ref_g = torch_reference(name, pred, target, **params)
    np.testing.assert_array_equal(v[:2], [np.inf, np.inf])  # the residual itself overflows
    np.testing.assert_allclose(v, ref_v, rtol=1e-12, atol=0)  # inf where torch is inf
    np.testing.assert_allclose(g, ref_g, rtol=1e-12, atol=1e-15)  # torch's log-cosh: ~1e-16 absolute
    r_sign = np.sign(pred.astype(np.longdouble) - target.astype(np.longdouble))
    np.testing.assert_array_equal(np.sign(g), r_sign)
    assert (v[:5] > 0).all() and np.isfinite(v[2:]).any()


# --------------------------------------------------------------- Barron's loss

BARRON_ALPHAS = [2.0, 2 - 1e-12, 1.5, 1 + 1e-9, 1.0, 0.5, 1e-12, 0.0, -1e-12, -1.0, -2.0, -8.0,
                 -1e300, -math.inf]


def barron_exact(r, alpha, scale=1.0):
    """(value, d value / d r) of Barron's loss in 60-digit arithmetic (mpmath), taking the
    limits at alpha = 2, 0 and -inf from their closed forms."""
    import mpmath

    mpmath.mp.dps = 60
    r, c = mpmath.mpf(r), mpmath.mpf(scale)
    x2 = (r / c) ** 2
    if alpha == 2:
        return float(x2 / 2), float(r / c**2)
    if alpha == 0:
        return float(mpmath.log1p(x2 / 2)), float(r / c**2 / (1 + x2 / 2))
    if alpha == -math.inf:
        return float(-mpmath.expm1(-x2 / 2)), float(r / c**2 * mpmath.exp(-x2 / 2))
    a = mpmath.mpf(alpha)
    b = abs(a - 2)
    log_base = mpmath.log1p(x2 / b)  # (1 + x^2/b)^p as exp(p log1p(.)): alpha = -1e300 needs it
    return float(b / a * mpmath.expm1(a / 2 * log_base)), float(r / c**2 * mpmath.exp((a / 2 - 1) * log_base))


def barron_closed_forms(x):
    """The named losses Barron's family passes through, on x = r / c (scale 1), with
    their derivatives (as plainly written, so only absolutely accurate near x = 0)."""
    return {
        2.0: (0.5 * x**2, x),  # L2
        1.0: (np.sqrt(x**2 + 1) - 1, x / np.sqrt(x**2 + 1)),  # Charbonnier / pseudo-Huber
        0.0: (np.log(0.5 * x**2 + 1), x / (0.5 * x**2 + 1)),  # Cauchy / Lorentzian
        -2.0: (2 * x**2 / (x**2 + 4), 16 * x / (x**2 + 4) ** 2),  # Geman-McClure
        -math.inf: (1 - np.exp(-0.5 * x**2), x * np.exp(-0.5 * x**2)),  # Welsch
    }


@pytest.mark.parametrize("alpha", [2.0, 1.0, 0.0, -2.0, -math.inf])
@pytest.mark.parametrize("scale", [1.0, 0.5, 3.0])
def test_barron_special_alphas_are_the_named_losses(alpha, scale):
    r = np.linspace(-9, 9, 145)
    x = r / scale
    v_ref, dx_ref = barron_closed_forms(x)[alpha]
    np.testing.assert_allclose(value("barron", r, 0.0, alpha=alpha, scale=scale), v_ref, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(grad("barron", r, 0.0, alpha=alpha, scale=scale), dx_ref / scale,
                               rtol=1e-14, atol=1e-16)


def test_barron_at_alpha_2_is_half_of_mse_and_huber_with_a_huge_delta():
    r = np.linspace(-6, 6, 97)
    np.testing.assert_array_equal(value("barron", r, 0.0, alpha=2.0), 0.5 * value("mse", r, 0.0))
    np.testing.assert_array_equal(value("barron", r, 0.0, alpha=2.0), value("huber", r, 0.0, delta=1e12))
    np.testing.assert_array_equal(grad("barron", r, 0.0, alpha=2.0), grad("huber", r, 0.0, delta=1e12))
    # With scale c it is half the squared error in units of c.
    np.testing.assert_allclose(value("barron", r, 0.0, alpha=2.0, scale=2.0), r**2 / 8, rtol=1e-15)


@pytest.mark.parametrize("alpha", BARRON_ALPHAS)
@pytest.mark.parametrize("scale", [1.0, 0.3, 1e-6, 1e6, 1e-200])
def test_barron_matches_60_digit_arithmetic(alpha, scale):
    """Tiny to huge residuals (in units of c), every special alpha and its neighbours:
    full relative precision for the value and the slope. x = 1e-13 makes x^2 / |alpha - 2|
    underflow to 0 at alpha = -1e300 (the value is still x^2 / 2); a scale of 1e-200 makes
    1 / c and (|r| / c)^2 overflow if they are ever formed for a far residual."""
    x = np.array([1e-13, 1e-9, 1e-4, 0.3, 1.0, 2.5, 40.0, 1e6, 1e20, 1e150, 1e200])
    r = np.concatenate([-x, x]) * scale
    v, g = value("barron", r, 0.0, alpha=alpha, scale=scale), grad("barron", r, 0.0, alpha=alpha, scale=scale)
    exact = np.array([barron_exact(ri, alpha, scale) for ri in r])
    np.testing.assert_allclose(v, exact[:, 0], rtol=2e-13, atol=1e-300)
    assert_slope_close(g, exact[:, 1])


def assert_slope_close(g, exact):
    """Within 2e-13 relatively, or, for a slope as small as e^-500, within |log slope| ulps:
    far out the slope is e to a sum of logarithms near a thousand, each rounded, so a
    relative error of a few |log slope| ulps is float64's best there."""
    g, exact = np.asarray(g), np.asarray(exact)
    with np.errstate(divide="ignore"):
        size = np.where(exact != 0, np.abs(np.log(np.abs(np.where(exact != 0, exact, 1.0)))), 0.0)
    tol = np.maximum(2e-13, 1e-15 * size) * np.abs(exact) + 1e-300
    with np.errstate(invalid="ignore"):  # inf - inf: equal infinities are caught by g == exact
        bad = ~((g == exact) | (np.abs(g - exact) <= tol))
    assert not bad.any(), f"slopes off at {np.flatnonzero(bad)}: {g[bad]} against {exact[bad]}"


@pytest.mark.parametrize("alpha", [0.1, 0.2, 0.3])
def test_barron_far_residuals_either_side_of_the_overflow_guard(alpha):
    """Beyond |r| / c = 1e100 the value is (b / alpha) expm1(u), u = alpha/2 log(1 + x^2 / b),
    with e^u folded into one exp once u passes 50. For these alphas u runs through 50 to 51
    for x near 1e219 and 1e109 (alpha 0.1 and 0.2; at 0.3 it does so at 1e73, before the far
    branch): exact on both sides."""
    r = np.logspace(100, 300, 201)
    v, g = value("barron", r, 0.0, alpha=alpha), grad("barron", r, 0.0, alpha=alpha)
    exact = np.array([barron_exact(ri, alpha) for ri in r])
    np.testing.assert_allclose(v, exact[:, 0], rtol=2e-13)
    assert_slope_close(g, exact[:, 1])


@pytest.mark.parametrize("alpha", BARRON_ALPHAS)
def test_barron_huge_residuals_are_finite_or_saturate_without_nan(alpha):
    """|r| = 1e6 and 1e300 (and the largest float): no warning, no NaN, finite wherever
    the true value is below float64's maximum, exact where finite."""
    big = np.finfo(float).max
    r = np.array([1e6, -1e6, 1e300, -1e300, big, -big])
    v, g = value("barron", r, 0.0, alpha=alpha), grad("barron", r, 0.0, alpha=alpha)  # strict: no warnings
    assert not np.isnan(v).any() and not np.isnan(g).any()
    exact = np.array([barron_exact(ri, alpha) for ri in r])
    np.testing.assert_allclose(v, exact[:, 0], rtol=2e-13, atol=1e-300)  # inf only where exact is
    np.testing.assert_allclose(g, exact[:, 1], rtol=2e-13, atol=1e-300)
    assert (v > 0).all() and ((np.sign(g) == np.sign(r)) | (g == 0)).all()
    if alpha <= 1:  # grows at most linearly: finite even at the largest float
        assert np.isfinite(v).all() and np.isfinite(g).all()


@pytest.mark.parametrize("alpha", BARRON_ALPHAS)
@pytest.mark.parametrize("scale", [1.0, 4.0])
def test_barron_residual_beyond_float64_takes_the_limit_like_torch(alpha, scale):
    """pred - target = +-inf in float64: the value is the loss's limit there (inf, or the
    plateau |alpha - 2| / |alpha| when alpha < 0, whatever c), as torch float64 computes it;
    the slope is its limit too (0 for alpha < 1, 1/c at alpha = 1, inf beyond)."""
    big = np.finfo(float).max
    pred, target = np.array([big, -big]), np.array([-big, big])
    v = value("barron", pred, target, alpha=alpha, scale=scale)
    g = grad("barron", pred, target, alpha=alpha, scale=scale)
    plateau = math.inf if alpha >= 0 else (1.0 if alpha == -math.inf else (2 - alpha) / -alpha)
    np.testing.assert_allclose(v, [plateau, plateau], rtol=1e-15)
    slope = 0.0 if alpha < 1 else (1.0 / scale if alpha == 1 else math.inf)
    np.testing.assert_array_equal(g, [slope, -slope])
    ref_v, _ = torch_reference("barron", pred, target, alpha=alpha, scale=scale)
    np.testing.assert_allclose(v, ref_v, rtol=1e-12)


@pytest.mark.parametrize("alpha, special", [(1e-12, 0.0), (-1e-12, 0.0), (2 - 1e-12, 2.0), (1 + 1e-12, 1.0),
                                            (1 - 1e-12, 1.0), (-2 + 1e-12, -2.0), (-1e300, -math.inf)])
def test_barron_is_continuous_in_alpha_at_the_special_values(alpha, special):
    r = np.concatenate([np.linspace(-9, 9, 73), [1e-8, 1e3, 1e6]])
    v_near, v_at = value("barron", r, 0.0, alpha=alpha), value("barron", r, 0.0, alpha=special)
    g_near, g_at = grad("barron", r, 0.0, alpha=alpha), grad("barron", r, 0.0, alpha=special)
    # A change of 1e-12 in alpha moves the value by about 1e-12 log(1 + x^2) relatively.
    np.testing.assert_allclose(v_near, v_at, rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(g_near, g_at, rtol=1e-10, atol=1e-300)


def test_barron_matches_the_plain_formula_for_ordinary_alphas():
    """The formula exactly as the paper prints it, in torch float64 with autograd, at
    ordinary alphas and scales (where plain powers lose nothing)."""
    r = torch.linspace(-9, 9, 181, dtype=torch.float64, requires_grad=True)
    for alpha in (1.7, 1.25, 0.5, -0.5, -3.0, -7.5):
        for scale in (0.5, 1.0, 2.5):
            b = abs(alpha - 2)
            rho = b / alpha * (((r / scale) ** 2 / b + 1) ** (alpha / 2) - 1)
            (slope,) = torch.autograd.grad(rho.sum(), r)
            x = r.detach().numpy()
            np.testing.assert_allclose(value("barron", x, 0.0, alpha=alpha, scale=scale), rho.detach().numpy(),
                                       rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(grad("barron", x, 0.0, alpha=alpha, scale=scale), slope.numpy(),
                                       rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("alpha", [2.0, 1.0, 0.5, 0.0, -1e-12, -2.0, -8.0, -math.inf])
def test_barron_grad_matches_fourth_order_differences(alpha):
    """A second finite-difference check, fourth order, at residuals of many sizes."""
    r = np.array([-30.0, -4.0, -1.3, -0.2, 0.05, 0.7, 2.2, 9.0, 75.0])
    h = 1e-3 * np.maximum(1.0, np.abs(r))
    f = lambda q: value("barron", q, 0.0, alpha=alpha)  # noqa: E731
    fd = (-f(r + 2 * h) + 8 * f(r + h) - 8 * f(r - h) + f(r - 2 * h)) / (12 * h)
    np.testing.assert_allclose(grad("barron", r, 0.0, alpha=alpha), fd, rtol=1e-8, atol=1e-12)


def test_barron_shape_properties():
    """Even in r, zero only at r = 0, growing with |r|; lower alpha never costs more;
    bounded by |alpha - 2| / |alpha| when alpha < 0; the slope's size stays below 1/c for
    alpha <= 1 (a far point cannot pull harder than a near one)."""
    r = np.linspace(0, 50, 2001)
    previous = None
    for alpha in (2.0, 1.5, 1.0, 0.5, 0.0, -1.0, -2.0, -8.0, -math.inf):
        v = value("barron", r, 0.0, alpha=alpha)
        np.testing.assert_array_equal(v, value("barron", -r, 0.0, alpha=alpha))
        np.testing.assert_array_equal(grad("barron", -r, 0.0, alpha=alpha), -grad("barron", r, 0.0, alpha=alpha))
        assert v[0] == 0 and (np.diff(v) >= 0).all()
        assert (np.diff(v[r <= 8]) > 0).all()  # Welsch's plateau rounds to 1 beyond about 8.5
        if previous is not None:
            assert (v[1:] <= previous[1:]).all() and (v[1:161] < previous[1:161]).all()
        previous = v
        if alpha < 0:
            assert v.max() <= (1.0 if alpha == -math.inf else (2 - alpha) / -alpha)
        if alpha <= 1:
            for scale in (0.5, 2.0):
                assert (np.abs(grad("barron", r, 0.0, alpha=alpha, scale=scale)) < 1 / scale).all()
    # Scale: rho(r; alpha, c) = rho(r / c; alpha, 1), and the slope picks up 1 / c.
    for alpha in (1.0, 0.0, -2.0):
        np.testing.assert_allclose(value("barron", r, 0.0, alpha=alpha, scale=2.5),
                                   value("barron", r / 2.5, 0.0, alpha=alpha), rtol=1e-14)
        np.testing.assert_allclose(grad("barron", r, 0.0, alpha=alpha, scale=2.5),
                                   grad("barron", r / 2.5, 0.0, alpha=alpha) / 2.5, rtol=1e-14)


@pytest.mark.parametrize("param, bad, allows", [
    ("alpha", 2.5, r"\[-inf, 2\]"), ("alpha", 2 + 1e-12, r"\[-inf, 2\]"), ("alpha", math.inf, r"\[-inf, 2\]"),
    ("alpha", float("nan"), r"\[-inf, 2\]"), ("alpha", "low", r"\[-inf, 2\]"), ("alpha", [1.0], r"\[-inf, 2\]"),
    ("scale", 0.0, r"\(0, inf\)"), ("scale", -1.0, r"\(0, inf\)"), ("scale", math.inf, r"\(0, inf\)"),
    ("scale", float("nan"), r"\(0, inf\)"),
])
@pytest.mark.parametrize("method", ["value", "grad"])
def test_bad_barron_parameters(param, bad, allows, method):
    with pytest.raises(ValueError, match=rf"barron: parameter '{param}' must be in {allows}"):
        getattr(losses.get("barron"), method)(0.5, 1.0, **{param: bad})


def test_barron_parameter_metadata():
    alpha, scale = losses.get("barron").params
    assert (alpha.name, alpha.default, alpha.low, alpha.high) == ("alpha", 1.0, -math.inf, 2.0)
    assert alpha.low_inclusive and alpha.high_inclusive and alpha.describe() == "[-inf, 2]"
    assert {2.0, 1.0, 0.0, -2.0} <= set(alpha.choices) and alpha.choices[-1] == 2.0
    assert alpha.check(-math.inf) == -math.inf
    assert (scale.name, scale.default, scale.describe()) == ("scale", 1.0, "(0, inf)")
    assert losses.get("barron").defaults() == {"alpha": 1.0, "scale": 1.0}


LOGIT_CASES = [c for c in CASES if losses.get(c.values[0]).output in ("logit", "score")]


def exact_logit_loss(name, z, y, **params):
    """(value, derivative) of a logit or margin loss in 50-digit arithmetic (mpmath)."""
    import mpmath

    mpmath.mp.dps = 50
    params = {**losses.get(name).defaults(), **params}
    y = mpmath.mpf(y)

    def f(zz):
        sp = lambda x: mpmath.log1p(mpmath.exp(x))  # noqa: E731
        if name == "bce_logits":
            return params["pos_weight"] * y * sp(-zz) + (1 - y) * sp(zz)
        if name == "soft_margin":
            return sp(-y * zz)
        if name == "hinge":
            return max(params["margin"] - y * zz, 0)
        p = 1 / (1 + mpmath.exp(-zz))
        ce = y * sp(-zz) + (1 - y) * sp(zz)
        q = y * (1 - p) + (1 - y) * p
        a, g = params["alpha"], params["gamma"]
        return (a * y + (1 - a) * (1 - y)) * ce * q**g

    zm = mpmath.mpf(z)
    return float(f(zm)), float(mpmath.diff(f, zm))


@pytest.mark.parametrize("name, params", LOGIT_CASES)
def test_logit_losses_are_exact_at_scores_in_the_thousands(name, params):
    """At |z| = 1000 (and 40, where 1 - sigma(z) is below float64's resolution of 1) the
    value and gradient are finite, equal 50-digit arithmetic, and equal torch's wherever
    torch's are finite: its soft-margin loss overflows (log1p(exp(1000)) = inf, gradient
    NaN), and its focal gradient for gamma < 1 is NaN where 1 - p_t rounds to 0."""
    loss = losses.get(name)
    z = np.array([-1000.0, -40.0, 40.0, 1000.0])
    for y in (loss.labels or (0.0, 1.0, 0.3)):
        v, g = value(name, z, y, **params), grad(name, z, y, **params)
        assert np.isfinite(v).all() and np.isfinite(g).all()
        exact = np.array([exact_logit_loss(name, zi, y, **params) for zi in z])
        np.testing.assert_allclose(v, exact[:, 0], rtol=1e-13, atol=1e-300)
        np.testing.assert_allclose(g, exact[:, 1], rtol=1e-12, atol=1e-300)
        ref_v, ref_g = torch_reference(name, z, y, **params)
        if name == "soft_margin":  # torch overflows on the wrong side of a hard label
            assert (~np.isfinite(ref_v)).sum() == 1
        if name == "focal" and 0 < params.get("gamma", 2.0) < 1 and y != 0.3:
            assert np.isnan(ref_g).any()  # 0 ** (gamma - 1) times 0
        ok_v, ok_g = np.isfinite(ref_v), np.isfinite(ref_g)
        # torch's BCE with logits rounds: it cancels to 0 where the true loss is ~4e-18
        # (z = -40, y = 0) and forms (pos_weight - 1) y + 1 (~1e-10 off for pos_weight 1e-6).
        # So 1e-9 relative and 1e-15 absolute against torch; exactness is checked above.
        np.testing.assert_allclose(v[ok_v], ref_v[ok_v], rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(g[ok_g], ref_g[ok_g], rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("z", [-1000.0, -40.0, -3.0, 0.0, 3.0, 40.0, 1000.0])
@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_bce_with_logits_has_full_relative_precision(z, y):
    import mpmath

    mpmath.mp.dps = 50
    zm, ym = mpmath.mpf(z), mpmath.mpf(y)
    exact = ym * mpmath.log1p(mpmath.exp(-zm)) + (1 - ym) * mpmath.log1p(mpmath.exp(zm))
    slope = (1 - ym) / (1 + mpmath.exp(-zm)) - ym / (1 + mpmath.exp(zm))
    assert float(value("bce_logits", z, y)) == pytest.approx(float(exact), rel=1e-14, abs=0)
    assert float(grad("bce_logits", z, y)) == pytest.approx(float(slope), rel=1e-14, abs=0)
    pm = 2 * y - 1
    if pm in (-1.0, 1.0):
        assert float(value("soft_margin", z, pm)) == pytest.approx(float(exact), rel=1e-14, abs=0)


def test_focal_with_gamma_zero_and_alpha_half_is_half_of_bce_with_logits():
    rng = np.random.default_rng(5)
    z, y = rng.uniform(-8, 8, 300), rng.uniform(0, 1, 300)
    np.testing.assert_allclose(value("focal", z, y, gamma=0.0, alpha=0.5), 0.5 * value("bce_logits", z, y),
                               rtol=1e-14)
    np.testing.assert_allclose(grad("focal", z, y, gamma=0.0, alpha=0.5), 0.5 * grad("bce_logits", z, y),
                               rtol=1e-14)


def test_focal_fades_easy_examples_as_gamma_grows():
    easy = np.array([2.0, 4.0, 6.0])  # confidently right for label 1
    ratios = [value("focal", easy, 1.0, gamma=g, alpha=1.0) / value("bce_logits", easy, 1.0)
              for g in (0.0, 1.0, 2.0, 5.0)]
    for a, b in zip(ratios, ratios[1:]):
        assert (b < a).all()
    # A hard example (wrong side) keeps most of its loss.
    assert value("focal", -3.0, 1.0, gamma=2.0, alpha=1.0) > 0.9 * value("bce_logits", -3.0, 1.0)


@pytest.mark.parametrize("name, reference, ends", [
    ("sigmoid", torch.sigmoid, (0.0, 1.0)),
    ("softplus", F.softplus, (0.0, 1000.0)),  # torch's returns z itself past z = 20
])
def test_logistic_helpers_are_float64_and_quiet_on_both_tails_even_when_numpy_raises(name, reference, ends):
    """Past |z| ~ 745 e^-|z| underflows to 0: sigmoid is then exactly 0 or 1 and softplus
    exactly 0 or z, and no warning or error escapes, even under np.errstate(all="raise")
    in the caller. Any input is computed in float64 (a float32 array too), and both agree
    with torch."""
    fn = getattr(losses, name)
    z = np.array([-1000.0, -800.0, -745.5, -40.0, -1e-3, 0.0, 1e-3, 40.0, 745.5, 800.0, 1000.0])
    with np.errstate(all="raise"):
        v = fn(z)
    assert v.dtype == np.float64
    np.testing.assert_allclose(v, reference(torch.tensor(z, dtype=torch.float64)).numpy(), rtol=1e-15, atol=0)
    assert (v[0], v[-1]) == ends
    z32 = np.array([-3.3, 0.1, 7.7], dtype=np.float32)
    v32 = fn(z32)
    assert v32.dtype == np.float64
    np.testing.assert_array_equal(v32, fn(z32.astype(np.float64)))


def test_bce_logits_is_bce_of_the_sigmoid_and_pos_weight_scales_positives():
    z = np.linspace(-6, 6, 49)
    p = losses.sigmoid(z)
    for y in (0.0, 0.25, 1.0):
        np.testing.assert_allclose(value("bce_logits", z, y), value("bce", p, y), rtol=1e-12)
        np.testing.assert_allclose(grad("bce_logits", z, y), p - y, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(value("bce_logits", z, 1.0, pos_weight=3.0), 3 * value("bce_logits", z, 1.0))
    np.testing.assert_array_equal(value("bce_logits", z, 0.0, pos_weight=3.0), value("bce_logits", z, 0.0))


def test_hinge_is_exactly_zero_beyond_the_margin_and_flat_at_the_kink():
    s = np.array([-2.0, 0.0, 0.5, 1.0, 1.5, 8.0])
    np.testing.assert_array_equal(value("hinge", s, 1.0), [3.0, 1.0, 0.5, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(grad("hinge", s, 1.0), [-1.0, -1.0, -1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(value("hinge", -s, -1.0), value("hinge", s, 1.0))  # mirror
    assert float(value("hinge", 1.5, 1.0, margin=2.0)) == 0.5
    # BCE on the same score never reaches zero.
    assert (value("bce_logits", s, 1.0) > 0).all()
    ref_v, ref_g = torch_reference("hinge", s, 1.0)
    np.testing.assert_array_equal(grad("hinge", s, 1.0), ref_g)


def test_soft_margin_is_bce_on_logits_with_labels_recoded():
    z = np.linspace(-8, 8, 65)
    for y01, ypm in ((0.0, -1.0), (1.0, 1.0)):
        np.testing.assert_allclose(value("soft_margin", z, ypm), value("bce_logits", z, y01), rtol=1e-14)
        np.testing.assert_allclose(grad("soft_margin", z, ypm), grad("bce_logits", z, y01), rtol=1e-14)


# ----------------------------------------------------------------- properties


@pytest.mark.parametrize("name, params", CASES)
def test_non_negative(name, params):
    pred, target = sample(losses.get(name), np.random.default_rng(7), 500, 500)
    assert (value(name, pred, target, **params) >= 0).all()


REGRESSION_CASES = [c for c in CASES if losses.get(c.values[0]).kind == "regression"]


@pytest.mark.parametrize("name, params", REGRESSION_CASES)
def test_regression_zero_at_target(name, params):
    t = np.linspace(-3, 3, 25)
    assert np.array_equal(value(name, t, t, **params), np.zeros_like(t))
    assert np.array_equal(grad(name, t, t, **params), np.zeros_like(t))


def test_huber_limits():
    r = np.linspace(-6, 6, 121)
    r = r[r != 0]
    # Large delta: relative gap to 0.5 r^2 shrinks, and vanishes once delta > |r|.
    def worst_gap(delta, limit):
        return np.max(np.abs(value("huber", r, 0, delta=delta) / limit - 1))

    gaps = [worst_gap(d, 0.5 * r**2) for d in (0.5, 2, 4, 6.5)]
    assert gaps[0] > gaps[1] > gaps[2] > gaps[3] == 0
    # Small delta: relative gap to delta * |r| is delta / (2|r|), shrinking with delta.
    gaps = [worst_gap(d, d * np.abs(r)) for d in (1e-2, 1e-4, 1e-8)]
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 1e-6


def test_mse_and_mae_cross_at_unit_residual():
    assert value("mse", [1.0, -1.0], 0) == pytest.approx(value("mae", [1.0, -1.0], 0))
    inside = np.array([-0.9, -0.5, 0.1, 0.99])
    outside = np.array([-5.0, -1.01, 1.5, 6.0])
    assert (value("mse", inside, 0) < value("mae", inside, 0)).all()
    assert (value("mse", outside, 0) > value("mae", outside, 0)).all()


def test_mae_gradient_has_unit_magnitude_off_zero():
    r = np.array([-6.0, -1e-300, 1e-12, 0.5, 6.0])
    assert np.array_equal(np.abs(grad("mae", r, 0.0)), np.ones_like(r))
    assert grad("mae", 1.5, 1.5) == 0.0


def test_bce_grows_as_confident_wrong_prediction_approaches_zero():
    p = 10.0 ** -np.arange(1, 41)  # 1e-1 ... 1e-40; log stays above the -100 clamp
    v = value("bce", p, 1.0)
    assert (np.diff(v) > 0).all()
    assert value("bce", 1e-9, 1.0) > 20
    np.testing.assert_allclose(v, -np.log(p), rtol=1e-12)
    # Below p = e^-100 torch clamps log p at -100, so the loss saturates at 100.
    tiny = np.array([1e-43, 1e-44, 1e-50, 1e-300, 5e-324, 0.0])
    v = value("bce", tiny, 1.0)
    assert (np.diff(v) >= 0).all() and (v[2:] == 100.0).all()
    np.testing.assert_allclose(v, torch_reference("bce", tiny, 1.0)[0], rtol=1e-12)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("delta", [0.0, -1.0, float("nan"), float("inf"), "wide"])
@pytest.mark.parametrize("method", ["value", "grad"])
def test_bad_delta(delta, method):
    with pytest.raises(ValueError, match=r"huber: parameter 'delta' must be in \(0, inf\)"):
        getattr(losses.get("huber"), method)(1.0, 0.0, delta=delta)


def test_param_check_and_describe():
    (delta,) = losses.get("huber").params
    assert delta.describe() == "(0, inf)"
    assert delta.check(2) == 2.0 and type(delta.check(2)) is float
    with pytest.raises(ValueError, match=r"parameter 'delta' must be in \(0, inf\), got -1\.0"):
        delta.check(-1)
    closed = losses.Param("a", "a", 0.5, 0.0, 1.0, True, True, (0.0, 0.5, 1.0))
    assert closed.describe() == "[0, 1]" and closed.check(0) == 0.0 and closed.check(1) == 1.0
    for bad in (-1e-9, 1.5, float("nan")):
        with pytest.raises(ValueError, match=r"'a' must be in \[0, 1\]"):
            closed.check(bad)


@pytest.mark.parametrize("name", losses.names())
def test_unknown_param_is_named_and_known_params_listed(name):
    loss = losses.get(name)
    with pytest.raises(ValueError, match="'zeta'") as err:
        loss.value(0.5, 1.0, zeta=1.0)
    for p in loss.params:
        assert p.name in str(err.value)


@pytest.mark.parametrize("pred, target, what", [(-0.1, 0.5, "pred"), (1.1, 0.5, "pred"),
                                                (0.5, 1.5, "target"), (0.5, -0.2, "target")])
@pytest.mark.parametrize("method", ["value", "grad"])
def test_bce_out_of_range(pred, target, what, method):
    with pytest.raises(ValueError, match=rf"'{what}' must be in \[0, 1\]"):
        getattr(losses.get("bce"), method)([0.5, pred], target)


@pytest.mark.parametrize("name, param, bad, allows", [
    ("hinge", "margin", 0.0, r"\(0, inf\)"), ("hinge", "margin", -1.0, r"\(0, inf\)"),
    ("focal", "gamma", -0.5, r"\[0, inf\)"), ("focal", "alpha", 1.5, r"\[0, 1\]"),
    ("focal", "alpha", -0.1, r"\[0, 1\]"), ("bce_logits", "pos_weight", 0.0, r"\(0, inf\)"),
    ("bce_logits", "pos_weight", -2.0, r"\(0, inf\)"), ("focal", "gamma", float("nan"), r"\[0, inf\)"),
])
@pytest.mark.parametrize("method", ["value", "grad"])
def test_bad_logit_loss_parameters(name, param, bad, allows, method):
    with pytest.raises(ValueError, match=rf"{name}: parameter '{param}' must be in {allows}"):
        getattr(losses.get(name), method)(0.5, 1.0, **{param: bad})


@pytest.mark.parametrize("name, target, allows", [
    ("hinge", 0.0, r"-1 or \+1"), ("hinge", 0.5, r"-1 or \+1"), ("hinge", 2.0, r"-1 or \+1"),
    ("soft_margin", 0.0, r"-1 or \+1"), ("bce_logits", 1.5, r"in \[0, 1\]"),
    ("bce_logits", -0.25, r"in \[0, 1\]"), ("focal", 2.0, r"in \[0, 1\]"), ("focal", -1.0, r"in \[0, 1\]"),
])
@pytest.mark.parametrize("method", ["value", "grad"])
def test_bad_targets_of_the_logit_losses(name, target, allows, method):
    with pytest.raises(ValueError, match=rf"{name}: 'target' must be {allows}.*got {target!r}"):
        getattr(losses.get(name), method)([0.5, 3.0], [1.0, target])


def test_logit_losses_take_any_finite_score():
    for name in ("bce_logits", "focal", "hinge", "soft_margin"):
        y = 1.0
        assert np.isfinite(value(name, [-1e6, 1e6], y)).all()


@pytest.mark.parametrize("name", losses.names())
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
@pytest.mark.parametrize("where", ["pred", "target"])
@pytest.mark.parametrize("method", ["value", "grad"])
def test_non_finite_inputs(name, bad, where, method):
    good = np.array([0.5, 0.25])
    args = {"pred": good, "target": good}
    args[where] = np.array([0.5, bad])
    with pytest.raises(ValueError, match=f"'{where}' must be finite"):
        getattr(losses.get(name), method)(args["pred"], args["target"])


@pytest.mark.parametrize("name", losses.names())
def test_non_broadcastable_shapes(name):
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        losses.get(name).grad(np.full(3, 0.5), np.full(2, 0.5))


@pytest.mark.parametrize("junk", ["abc", [0.1, "x"], 1 + 2j])
def test_non_numeric_input(junk):
    with pytest.raises(ValueError, match="'pred'"):
        losses.get("mse").value(junk, 0.0)


def test_unknown_loss_lists_known_names():
    with pytest.raises(ValueError, match="'poisson'") as err:
        losses.get("poisson")
    for name in ("mse", "mae", "huber", "log_cosh", "barron", "bce", "bce_logits", "focal", "hinge",
                 "soft_margin"):
        assert name in str(err.value)


def test_refusals_word_for_word():
    """Each refusal names the loss (when there is one), the argument and what it allows,
    exactly; a complex numpy array is refused, not cut to its real part."""
    mse, huber, barron = losses.get("mse"), losses.get("huber"), losses.get("barron")
    cases = [
        (lambda: mse.value(np.array([1 + 1j]), 0.0), "mse: 'pred' must be real numbers, got array([1.+1.j])"),
        (lambda: mse.grad(0.0, np.array([2j])), "mse: 'target' must be real numbers, got array([0.+2.j])"),
        (lambda: mse.value([np.nan], 0.0), "mse: 'pred' must be finite, got NaN or inf"),
        (lambda: mse.value(0.0, [np.inf]), "mse: 'target' must be finite, got NaN or inf"),
        (lambda: mse.value(0.0, 0.0, delta=1.0), "mse: unknown parameter 'delta'; mse takes no parameters"),
        (lambda: huber.value(0.0, 0.0, alpha=1.0), "huber: unknown parameter 'alpha'; huber takes: delta"),
        (lambda: barron.value(0.0, 0.0, delta=1.0), "barron: unknown parameter 'delta'; barron takes: alpha, scale"),
        (lambda: huber.params[0].check(-1), "parameter 'delta' must be in (0, inf), got -1.0"),
        (lambda: huber.params[0].check([1.0]), "parameter 'delta' must be in (0, inf), got [1.0]"),
        (lambda: huber.params[0].check(-1, ""), "parameter 'delta' must be in (0, inf), got -1.0"),
        (lambda: losses.get("poisson"),
         "unknown loss 'poisson'; known losses: mse, mae, huber, log_cosh, barron, bce, bce_logits, focal, hinge, "
         "soft_margin"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError) as err:
            call()
        assert str(err.value) == message


# ------------------------------------------------------------------- metadata


def test_registry_order_and_names():
    assert list(losses.REGISTRY) == ["mse", "mae", "huber", "log_cosh", "barron", "bce",
                                     "bce_logits", "focal", "hinge", "soft_margin"]
    assert losses.names() == list(losses.REGISTRY)
    assert losses.names("regression") == ["mse", "mae", "huber", "log_cosh", "barron"]
    assert losses.names("classification") == ["bce", "bce_logits", "focal", "hinge", "soft_margin"]
    with pytest.raises(ValueError, match="unknown kind 'ranking'; known kinds: regression, classification$"):
        losses.names("ranking")
    assert [n for n, loss in losses.REGISTRY.items() if loss.robust] == ["mae", "huber", "log_cosh", "barron"]


def test_huber_delta_metadata():
    (delta,) = losses.get("huber").params
    assert (delta.name, delta.default, delta.low, delta.high) == ("delta", 1.0, 0.0, math.inf)
    assert not delta.low_inclusive and not delta.high_inclusive
    assert delta.choices == tuple(0.25 * k for k in range(1, 13))
    assert losses.get("huber").defaults() == {"delta": 1.0}


METADATA = {  # name: (label, short, kind, domain, target slider (start, end, step), defaults)
    "mse": ("Mean squared error", "MSE", "regression", (-6.0, 6.0), (-3.0, 3.0, 0.25), {}),
    "mae": ("Mean absolute error", "MAE", "regression", (-6.0, 6.0), (-3.0, 3.0, 0.25), {}),
    "huber": ("Huber", "Huber", "regression", (-6.0, 6.0), (-3.0, 3.0, 0.25), {"delta": 1.0}),
    "log_cosh": ("Log-cosh", "log-cosh", "regression", (-6.0, 6.0), (-3.0, 3.0, 0.25), {}),
    "barron": ("Barron's general loss", "Barron", "regression", (-6.0, 6.0), (-3.0, 3.0, 0.25),
               {"alpha": 1.0, "scale": 1.0}),
    "bce": ("Binary cross-entropy", "BCE", "classification", (0.0, 1.0), (0.0, 1.0, 0.25), {}),
    "bce_logits": ("Binary cross-entropy on logits", "BCE (logits)", "classification", (-8.0, 8.0),
                   (0.0, 1.0, 1.0), {"pos_weight": 1.0}),
    "focal": ("Focal loss", "focal", "classification", (-8.0, 8.0), (0.0, 1.0, 1.0),
              {"gamma": 2.0, "alpha": 0.25}),
    "hinge": ("Hinge", "hinge", "classification", (-8.0, 8.0), (-1.0, 1.0, 2.0), {"margin": 1.0}),
    "soft_margin": ("Soft margin", "soft margin", "classification", (-8.0, 8.0), (-1.0, 1.0, 2.0), {}),
}
OUTPUT = {"mse": "value", "mae": "value", "huber": "value", "log_cosh": "value", "barron": "value",
          "bce": "probability",
          "bce_logits": "logit", "focal": "logit", "hinge": "score", "soft_margin": "score"}
LABELS = {"hinge": (-1.0, 1.0), "soft_margin": (-1.0, 1.0)}


def test_metadata_is_what_the_pages_and_widgets_expect():
    assert set(METADATA) == set(losses.REGISTRY)
    for name, (label, short, kind, domain, targets, defaults) in METADATA.items():
        loss = losses.get(name)
        assert (loss.name, loss.label, loss.short, loss.kind) == (name, label, short, kind)
        assert (loss.domain, loss.targets, loss.defaults()) == (domain, targets, defaults)
        assert loss.output == OUTPUT[name] and loss.labels == LABELS.get(name)
        # Every target the slider offers lies inside the plotted domain.
        assert domain[0] <= targets[0] < targets[1] <= domain[1]


@pytest.mark.parametrize("name", losses.names())
def test_formulas_and_parameter_grids_are_usable(name):
    """The formulas are about the prediction; every parameter's grid (what the widgets
    precompute) is uniform, allowed by the parameter's own range, and holds its default."""
    loss = losses.get(name)
    assert loss.symbol in loss.latex and loss.symbol in loss.grad_latex
    assert loss.symbol == {"value": r"\hat{y}", "probability": r"\hat{y}", "logit": "z", "score": "s"}[loss.output]
    for p in loss.params:
        assert p.check(p.default) == p.default  # default inside the allowed range
        assert p.default in p.choices
        for c in p.choices:
            assert p.check(c) == c
        if len(p.choices) == 1:
            continue  # a parameter the widgets hold fixed (Barron's scale): no slider
        steps = np.diff(p.choices)
        assert (steps > 0).all()
        np.testing.assert_allclose(steps, steps[0], rtol=1e-9)
