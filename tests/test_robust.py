"""Tests for lossdocs.robust: exact line fits under each regression loss, the pulls of the
points, and input validation.

Every fit is checked for optimality on its own terms (gradient norm below 1e-10 and a
positive definite Hessian for the smooth losses; a brute force over all lines through two
points, the subgradient condition and small perturbations for MAE) and against an outside
reference where one exists (np.polyfit and torch's least squares for MSE, torch's L-BFGS
on the torch formulas of tests/test_losses.py for the convex losses).
"""

from __future__ import annotations

import ast
import itertools
import math
import warnings

import numpy as np
import pytest
import torch
from conftest import ROOT
from numtools import strict
from test_losses import TORCH_REFERENCES

from lossdocs import losses, robust


def fit(loss, x, y, **params):
    with strict():
        return robust.fit_line(loss, x, y, **params)


def pulls(f, x, y):
    with strict():
        return robust.pulls(f, x, y)


# Thirteen points near y = 0.8 x + 2 with two gross outliers (one far above, one below).
X13 = np.arange(13.0)
Y13 = 0.8 * X13 + 2 + np.array([0.3, -0.2, 0.1, -0.4, 0.25, 0.0, -0.1, 0.35, -0.3, 0.15, 0.05, -0.25, 0.2])
Y13[9] += 14.0
Y13[3] -= 9.0
OUTLIERS = (3, 9)


def noisy_line(n, seed, outliers=0.15):
    """n points on a line with Gaussian noise and a share of gross outliers, x random."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-5, 5, n))
    y = -1.3 * x + 0.7 + rng.normal(0, 0.5, n)
    bad = rng.random(n) < outliers
    y[bad] += rng.choice([-1, 1], bad.sum()) * rng.uniform(5, 30, bad.sum())
    return x, y


SMOOTH = [
    ("mse", {}), ("huber", {}), ("huber", {"delta": 0.25}), ("huber", {"delta": 3.0}), ("log_cosh", {}),
    ("barron", {}), ("barron", {"alpha": 2.0}), ("barron", {"alpha": 1.5}), ("barron", {"alpha": 1.0, "scale": 0.2}),
    ("barron", {"alpha": 0.5}), ("barron", {"alpha": 0.0}), ("barron", {"alpha": -1e-12}),
    ("barron", {"alpha": -2.0}), ("barron", {"alpha": -2.0, "scale": 2.0}), ("barron", {"alpha": -8.0}),
    ("barron", {"alpha": -math.inf}), ("barron", {"alpha": -math.inf, "scale": 0.5}),
]
SMOOTH_IDS = [f"{n}-" + ",".join(f"{k}={v:g}" for k, v in p.items()) for n, p in SMOOTH]
DATASETS = {"thirteen": (X13, Y13), "n60": noisy_line(60, 1), "n300": noisy_line(300, 2)}


def hessian(name, f, x, y):
    k = robust.curvature(name, f.w * x + f.b - y, **f.params)
    return np.array([[np.mean(k * x * x), np.mean(k * x)], [np.mean(k * x), np.mean(k)]])


def mean_loss(name, w, b, x, y, **params):
    """The mean loss in plain numpy, independent of robust."""
    return float(losses.get(name).value(w * x + b, y, **params).mean())


# ------------------------------------------------------------------ smooth losses


@pytest.mark.parametrize("data", DATASETS)
@pytest.mark.parametrize("name, params", SMOOTH, ids=SMOOTH_IDS)
def test_smooth_fit_is_a_minimum(name, params, data):
    """Gradient norm below 1e-10 (recomputed here), positive definite Hessian, and no small
    step in any direction lowers the mean loss."""
    x, y = DATASETS[data]
    f = fit(name, x, y, **params)
    assert (f.loss, f.params) == (name, {**losses.get(name).defaults(), **params})
    g = losses.get(name).grad(f.w * x + f.b, y, **f.params)
    norm = math.hypot(np.mean(g * x), np.mean(g))
    assert norm < 1e-10 and f.grad_norm < 1e-10
    np.testing.assert_allclose(f.grad_norm, norm, rtol=1e-6, atol=1e-16)
    assert f.value == pytest.approx(mean_loss(name, f.w, f.b, x, y, **f.params), rel=1e-15)
    h = hessian(name, f, x, y)
    assert h[0, 0] > 0 and np.linalg.det(h) > 0
    for angle in np.linspace(0, 2 * np.pi, 16, endpoint=False):
        for size in (1e-2, 1e-4):
            dw, db = size * np.cos(angle), size * np.sin(angle)
            assert mean_loss(name, f.w + dw, f.b + db, x, y, **f.params) >= f.value * (1 - 1e-15)
    assert f.global_minimum == (name != "barron" or f.params["alpha"] >= 1)


@pytest.mark.parametrize("data", DATASETS)
def test_mse_is_the_least_squares_line(data):
    x, y = DATASETS[data]
    f = fit("mse", x, y)
    np.testing.assert_allclose([f.w, f.b], np.polyfit(x, y, 1), rtol=1e-12, atol=1e-13)
    design = torch.tensor(np.stack([x, np.ones_like(x)], axis=1))
    ref = torch.linalg.lstsq(design, torch.tensor(y)[:, None], driver="gelsd").solution.numpy().ravel()
    np.testing.assert_allclose([f.w, f.b], ref, rtol=1e-12, atol=1e-13)
    # Barron's loss at alpha = 2 is half the squared error in units of c: the same line.
    for scale in (1.0, 0.5):
        g = fit("barron", x, y, alpha=2.0, scale=scale)
        np.testing.assert_allclose([g.w, g.b], [f.w, f.b], rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("scale, offset", [(1e-3, 0.0), (1e-6, 0.0), (1.0, 1e10), (1e-3, 1e8)])
def test_mse_line_in_other_units_of_x(scale, offset):
    """x in thousandths or millionths, or counted from 1e8 or 1e10: still np.polyfit's line
    (on x measured from the offset, so the reference itself is well conditioned; with the
    offset, as many digits of w are lost as x's spread is below its size, about 8). The
    closed form must not take a small spread of x, or a large offset, for x values that are
    all equal."""
    x = X13 * scale + offset
    f = fit("mse", x, Y13)
    w, b = np.polyfit(X13 * scale, Y13, 1)
    assert f.w == pytest.approx(w, rel=1e-12 if offset == 0 else 1e-6)
    # w x + b at x = 1e10 cancels two numbers near 1e10: a few ulps of 1e10 (2e-6 each) remain.
    assert f.predict(x[[0, -1]]) == pytest.approx([b, w * X13[-1] * scale + b], rel=1e-6, abs=1e-4)


def torch_lbfgs(name, x, y, params):
    """Minimise the mean of the torch formula with L-BFGS (strong Wolfe), float64."""
    theta = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    xt, yt = torch.tensor(x), torch.tensor(y)
    opt = torch.optim.LBFGS([theta], lr=1, max_iter=2000, tolerance_grad=1e-14, tolerance_change=1e-20,
                            history_size=20, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        out = TORCH_REFERENCES[name](theta[0] * xt + theta[1], yt, **params).mean()
        out.backward()
        return out

    for _ in range(5):
        opt.step(closure)
    return theta.detach().numpy()


CONVEX = [(n, p) for n, p in SMOOTH if n != "barron" or p.get("alpha", 1.0) >= 1]


@pytest.mark.parametrize("data", ["thirteen", "n60"])
@pytest.mark.parametrize("name, params", CONVEX, ids=[i for (n, p), i in zip(SMOOTH, SMOOTH_IDS) if (n, p) in CONVEX])
def test_convex_fits_agree_with_torch_lbfgs(name, params, data):
    """The same minimum from a different optimiser started elsewhere (w = b = 0)."""
    x, y = DATASETS[data]
    f = fit(name, x, y, **params)
    full = {**losses.get(name).defaults(), **params}
    np.testing.assert_allclose([f.w, f.b], torch_lbfgs(name, x, y, full), rtol=1e-7, atol=1e-8)


def test_robust_losses_ignore_the_outliers_that_drag_mse():
    """Fitted to the thirteen points, MSE's line is pulled off by the two outliers; the
    robust ones stay near the line through the other eleven, Barron's bounded losses
    nearest of all."""
    clean = np.ones(13, bool)
    clean[list(OUTLIERS)] = False
    w0, b0 = np.polyfit(X13[clean], Y13[clean], 1)

    def miss(f):  # worst vertical gap to the clean line over the data's x range
        return max(abs((f.w - w0) * xi + f.b - b0) for xi in (X13[0], X13[-1]))

    mse = miss(fit("mse", X13, Y13))
    assert mse > 1.0
    for name, params in [("mae", {}), ("huber", {}), ("log_cosh", {}), ("barron", {})]:
        assert miss(fit(name, X13, Y13, **params)) < 0.3 * mse, name
    for alpha in (0.0, -2.0, -math.inf):
        assert miss(fit("barron", X13, Y13, alpha=alpha)) < 0.2, alpha


@pytest.mark.parametrize("name, params", [("mse", {}), ("huber", {}), ("log_cosh", {}), ("barron", {}),
                                          ("barron", {"alpha": 0.0}), ("barron", {"alpha": -2.0}),
                                          ("barron", {"alpha": -math.inf, "scale": 0.7}),
                                          ("barron", {"alpha": 1e-12}), ("barron", {"alpha": 2 - 1e-12})])
def test_curvature_is_the_derivative_of_the_gradient(name, params):
    r = np.array([-25.0, -3.1, -1.2, -0.4, 0.0, 0.3, 0.9, 1.7, 4.4, 60.0])
    if name == "huber":
        r = r[np.abs(np.abs(r) - 1.0) > 1e-3]
    h = 1e-5 * np.maximum(1.0, np.abs(r))
    loss = losses.get(name)
    fd = (loss.grad(r + h, 0.0, **params) - loss.grad(r - h, 0.0, **params)) / (2 * h)
    with strict():
        k = robust.curvature(name, r, **params)
    np.testing.assert_allclose(k, fd, rtol=1e-6, atol=1e-9)


def test_barron_curvature_is_negative_far_out_only_below_alpha_1():
    r = np.linspace(0, 8, 401)
    for alpha in (2.0, 1.5, 1.0):
        assert (robust.curvature("barron", r, alpha=alpha) > 0).all()
    for alpha in (0.5, 0.0, -2.0, -math.inf):
        k = robust.curvature("barron", r, alpha=alpha)
        assert k[0] > 0 and k[-1] < 0


def test_curvature_at_huge_residuals_is_finite():
    r = np.array([-1e300, -1e6, 1e6, 1e300])
    for name, params in [("log_cosh", {}), ("barron", {"alpha": 0.5}), ("barron", {"alpha": -math.inf}),
                         ("barron", {"alpha": 1.0, "scale": 1e-200}), ("huber", {})]:
        with strict():
            k = robust.curvature(name, r, **params)
        assert np.isfinite(k).all() and (np.abs(k) < 1e-8).all(), (name, params, k)  # ~ r^(alpha - 2)


def test_non_convex_barron_starts_from_the_mae_line_and_stays_in_its_valley():
    """Below alpha = 1 there can be several minima; the fit is the one reached from the
    MAE line, which on the thirteen points is the line through the inliers, not the one
    through the outliers' side that MSE would suggest."""
    mae = fit("mae", X13, Y13)
    for alpha in (0.5, 0.0, -2.0, -math.inf):
        f = fit("barron", X13, Y13, alpha=alpha, scale=0.5)
        assert not f.global_minimum
        assert abs(f.w - mae.w) < 0.05 and abs(f.b - mae.b) < 0.3
        assert "IRLS" in f.method


@pytest.mark.parametrize("data", ["thirteen", "n60"])
@pytest.mark.parametrize("name, params", [("huber", {}), ("huber", {"delta": 0.05}), ("log_cosh", {}),
                                          ("barron", {"alpha": 1.0, "scale": 0.05}),
                                          ("barron", {"alpha": 1.5, "scale": 0.02})])
def test_convex_fits_finish_with_newton_in_a_few_steps(name, params, data):
    """The convex fits take at most 20 IRLS steps, then Newton's method, which converges
    quadratically: a few more steps reach 1e-10. A scale or delta far below the residuals
    makes IRLS alone crawl (over 100 steps for Huber at delta 0.05, and for Barron at
    alpha 1.5 and c = 0.02 it stalls above 1e-10), so a Newton step that is never taken or
    never accepted shows here."""
    x, y = DATASETS[data]
    f = fit(name, x, y, **params)
    assert f.iterations <= 20 + 5 and f.grad_norm < 1e-10, (f.iterations, f.grad_norm)


@pytest.mark.parametrize("alpha", [2.0, 1.5, 1.0, 0.0])
def test_a_small_scale_on_data_close_to_a_line_still_reaches_1e_10(alpha):
    """27 points on an integer x grid with y rounded to 0.1, none more than 0.041 from the
    least-squares line, fitted with Barron's scale c = 0.01: near the minimum the mean loss
    stops changing at float64 precision before the gradient is below 1e-10, so the last
    Newton steps must be accepted on a shrinking gradient alone (a loss not above the
    current one to rounding). Without that the fit stalls at 1e-8 to 1e-7 and raises."""
    x = np.array([-3, 2, 2, 4, 3, 4, 4, 4, -5, -1, 3, -5, -4, 5, 5, 3, 3, -1, 2, 3, 5, -3, -1, -1, -3, 5, 4.0])
    y = np.array([4.3, -0.6, -0.6, -2.5, -1.6, -2.5, -2.5, -2.5, 6.2, 2.3, -1.6, 6.2, 5.2, -3.5, -3.5, -1.6,
                  -1.6, 2.3, -0.6, -1.6, -3.5, 4.3, 2.3, 2.3, 4.3, -3.5, -2.5])
    f = fit("barron", x, y, alpha=alpha, scale=0.01)
    g = losses.get("barron").grad(f.w * x + f.b, y, alpha=alpha, scale=0.01)
    assert f.grad_norm < 1e-10 and math.hypot(np.mean(g * x), np.mean(g)) < 1e-10
    assert f.iterations <= 40 and abs(f.w + 0.97) < 0.005


def irls_reference(x, y, w, b, alpha, scale):
    """Plain IRLS for Barron's loss from (w, b): np.polyfit with the weights loss'(r) / r
    (1 / c^2 at r = 0), until (w, b) stops moving. Returns (w, b) and the number of steps
    taken from points where the gradient norm was still above 1e-4."""
    grad = losses.get("barron").grad
    far = 0
    for _ in range(5000):
        r = w * x + b - y
        g = grad(r, 0.0, alpha=alpha, scale=scale)
        far += math.hypot(np.mean(g * x), np.mean(g)) > 1e-4
        weights = np.where(r == 0, scale ** -2.0, g / np.where(r == 0, 1.0, r))
        w_new, b_new = np.polyfit(x, y, 1, w=np.sqrt(weights))
        if abs(w_new - w) <= 1e-15 * abs(w) and abs(b_new - b) <= 1e-15 * (1 + abs(b)):
            break
        w, b = w_new, b_new
    return (w_new, b_new), far


# Integer points on x = -4 ... 4 (exactly representable after standardising x), three of
# them far off: the MAE line passes exactly through two points, whose residual is exactly 0.
GRID = (np.arange(-4.0, 5.0), np.array([-4.0, -3.0, -4.0, -3.0, -3.0, -2.0, 16.0, 1.0, 12.0]))


@pytest.mark.parametrize("data", [*DATASETS, "grid"])
@pytest.mark.parametrize("alpha, scale", [(0.5, 1.0), (0.0, 0.05), (-2.0, 0.05), (-math.inf, 0.05), (-2.0, 0.2),
                                          (-2.0, 5.0)])
def test_non_convex_barron_is_the_minimum_irls_reaches_from_the_mae_line(alpha, scale, data):
    """Below alpha = 1 the fit is the local minimum that IRLS reaches from the MAE line (the
    module docstring's promise), found here by a plain IRLS loop on np.polyfit. With a small
    scale most residuals lie where the curvature is negative, so Newton's method cannot start
    from the MAE line at all (its Hessian is indefinite), and where it can, it may run to a
    different valley (on n300 at alpha = -inf, a lower one). IRLS is invariant under the
    fit's standardisation of x, so the fit takes the same IRLS steps until its gradient is
    below 1e-6: ``iterations`` counts at least those the reference took above 1e-4. On the
    grid, a point exactly on the line must weigh 1 / c^2 (the limit of loss'(r) / r), or
    the first step already heads for another valley."""
    x, y = GRID if data == "grid" else DATASETS[data]
    mae = fit("mae", x, y)
    f = fit("barron", x, y, alpha=alpha, scale=scale)
    line, far = irls_reference(x, y, mae.w, mae.b, alpha, scale)
    np.testing.assert_allclose([f.w, f.b], line, rtol=1e-9, atol=1e-9)
    assert f.grad_norm < 1e-10 and not f.global_minimum
    assert far <= f.iterations <= 5000, (far, f.iterations)


@pytest.mark.parametrize("y", [[-5.0, -3.0, -2.0, -3.0, -2.0, 9.0, 10.0, 3.0, 2.0],
                               [7.0, 10.0, -10.0, 4.0, -1.0, -3.0, -5.0, -17.0, -11.0]])
@pytest.mark.parametrize("alpha", [-2.0, -math.inf])
def test_non_convex_irls_weighs_points_on_the_line_by_the_limit(alpha, y):
    """Integer points on x = -4 ... 4 whose MAE line (y = x, y = -2.5 x - 1) passes exactly
    through three or two of them (residual exactly 0 after the fit's standardisation of x,
    which is exact here), with others exactly 1, 2 or 0.5 units off, fitted with Barron's
    c = 0.5: the minimum a plain IRLS loop on np.polyfit reaches from the MAE line (as in
    test_non_convex_barron_is_the_minimum_irls_reaches_from_the_mae_line). Every point
    weighs loss'(r) / r, and a point on the line its limit 1 / c^2; an IRLS step that
    weighed the points on the line loss'(0) = 0, or put 1 / c^2 on the point 1 unit off,
    heads elsewhere, and the fit ends in another valley (w 0.86 to 0.88 instead of 1.04,
    or -2.0 instead of -2.54 to -2.59)."""
    x, y = np.arange(-4.0, 5.0), np.array(y)
    mae = fit("mae", x, y)
    f = fit("barron", x, y, alpha=alpha, scale=0.5)
    line, _ = irls_reference(x, y, mae.w, mae.b, alpha, 0.5)
    np.testing.assert_allclose([f.w, f.b], line, rtol=1e-9, atol=1e-9)
    assert f.grad_norm < 1e-10


MILLIONS = [(data, name, params) for data in ("thirteen", "n60")
            for name, params in [("huber", {"delta": 0.05}), ("huber", {}), ("log_cosh", {}),
                                 ("barron", {"alpha": 1.5, "scale": 0.3}), ("barron", {"alpha": -2.0, "scale": 0.01})]]


@pytest.mark.parametrize("data, name, params", MILLIONS)
def test_y_in_the_millions_stops_at_rounding_level(data, name, params):
    """y times 1e6: float64 cannot resolve a gradient of 1e-10 there, so the fit stops at
    rounding level -- 64 ulps of the gradient's terms, which are at most max|y| max|x| in
    size -- and returns instead of raising."""
    x, y = DATASETS[data]
    y = y * 1e6
    f = fit(name, x, y, **params)
    assert f.grad_norm <= 64 * np.finfo(float).eps * np.abs(y).max() * np.abs(x).max(), f.grad_norm
    # log-cosh on the thirteen points takes 39 steps (its outliers' curvature vanishes, so
    # each step gains about 2.7 times); the bound is for a fit that never ends, with room for
    # another numpy's sums
    assert f.iterations <= 60


Y_NOISY = 0.8 * X13 + np.random.default_rng(3).normal(0.0, 1.0, 13)  # no outliers, unlike Y13
OFFSETS = [1e3, -1e3, 1e6, -1e6, 1e9, -1e9, 1e12, -1e12]


@pytest.mark.parametrize("x0", [0.0, 2000.0])
@pytest.mark.parametrize("offset", OFFSETS)
@pytest.mark.parametrize("name, params", SMOOTH, ids=SMOOTH_IDS)
def test_an_offset_of_y_moves_the_line_by_that_offset(name, params, offset, x0):
    """y + offset (prices near 1e12, say) gives the line of y moved up by the offset, as
    exactly as y + offset itself is stored. That sum is rounded, by up to eps |offset| / 2
    per point: the only thing that may move the fit. At a minimum, perturbing y_i by d_i
    moves (w, b) by H^-1 A^T K d / n (K the curvatures); for least squares on x = 0..12 that
    is at most 0.12 eps |offset| in w and 0.79 eps |offset| in the line at x[0], and robust
    weights that discount the outliers of Y13 (or a point beyond Huber's delta) put that
    influence on fewer points, a factor of about 13/11. The line at x[0] is b + w x[0], so
    its own rounding adds eps (|offset| + |w x[0]|) at x[0] = 2000 (the years). Hence a
    unit of eps (|offset| + |w x[0]|) and bounds of 8 units for w and 16 for the line at
    x[0] (b itself at x[0] = 0): several times the worst case above, and far below what
    broke: the rounding floor took a gradient of eps |offset| times 256 for converged
    (b off by 360 units at 1e12), and at 1e6 Barron's line search, comparing loss values
    each rounded by eps 1e6, found no step and raised. MAE is left out: its minimum may be
    a whole segment (Y13's is), where any rounding may pick another line of it."""
    x = X13 + x0
    for y in (Y_NOISY, Y13):
        ref = fit(name, x, y, **params)
        f = fit(name, x, y + offset, **params)
        unit = np.finfo(float).eps * (abs(offset) + abs(ref.w * x[0]))
        assert abs(f.w - ref.w) <= 8 * unit, ((f.w - ref.w) / unit, f.iterations)
        at_x0, ref_at_x0 = f.b + f.w * x[0] - offset, ref.b + ref.w * x[0]
        assert abs(at_x0 - ref_at_x0) <= 16 * unit, ((at_x0 - ref_at_x0) / unit, f.iterations)


@pytest.mark.parametrize("slope", [1e6, 1e9, 1e12])
@pytest.mark.parametrize("name, params", SMOOTH, ids=SMOOTH_IDS)
def test_a_steep_line_added_to_y_moves_the_fit_by_that_line(name, params, slope):
    """y + slope x, for x = 0..12: the line of y, its slope raised by ``slope``. As for an
    offset, only the rounding of y + slope x (eps |y_i| / 2 at most, under eps Y / 2 with
    Y = 12 slope) may move the fit, so the same bounds hold in units of eps Y. The fit ran
    its residuals from y itself, rounded relative to |y|: it raised (Huber with delta 3,
    log-cosh and Barron at a slope of 1e6, among others) or stopped 2000 units away."""
    for y in (Y_NOISY, Y13):
        ref = fit(name, X13, y, **params)
        f = fit(name, X13, y + slope * X13, **params)
        unit = np.finfo(float).eps * 12 * slope
        assert abs(f.w - slope - ref.w) <= 8 * unit, ((f.w - slope - ref.w) / unit, f.iterations)
        assert abs(f.b - ref.b) <= 16 * unit, ((f.b - ref.b) / unit, f.iterations)


K50 = np.arange(50.0)  # 50 x values one ulp apart from 1 up: x = 1 + k 2^-52



@pytest.mark.parametrize("name", ["mse", "huber", "log_cosh", "barron"])
def test_x_near_the_float64_limit_fits_or_is_refused_by_name(name):
    """Two x values up to 1.2e308 still fit the line through their points (the smooth fits
    standardise x by its largest distance from the mean, which stays finite; a distance
    from minus the mean would overflow here and turn every gradient into NaN). Three whose
    sum overflows are refused with an error naming x (it said "no minimum found (gradient
    norm nan)")."""
    f = fit(name, [1e300, 1.2e308], [0.0, 1.0])
    assert f.w == pytest.approx(1 / 1.2e308, rel=1e-12)
    assert f.b == pytest.approx(-1e300 / 1.2e308, rel=1e-6)
    with pytest.raises(ValueError, match=r"^fit_line: 'x' is too large for float64 arithmetic"):
        fit(name, [1e300, 6e307, 1.2e308], [0.0, 1.0, 1.5])

@pytest.mark.parametrize("x, y, w", [
    ([1.0, 1.0 + 2 ** -52], [0.0, 1.0], 2.0 ** 52),                    # one ulp apart
    ([0.0, 1e-160], [0.0, 1.0], 1e160),                                 # the spread's square underflows
    ([1.0, 1.0 + 2 ** -52, 1.0 + 2 ** -51], [0.0, 1.0, 2.5], 1.25 * 2.0 ** 52),
    ([1e10, 1e10 + 2 ** -19], [0.0, 1.0], 2.0 ** 19),                  # one ulp apart at 1e10
    ([2.0 ** -40, 2.0 ** -40 * (1 + 2 ** -52)], [0.0, 1.0], 2.0 ** 92),  # one ulp apart at 1e-12
    (1.0 + K50 * 2 ** -52, K50 % 7, np.polyfit(K50, K50 % 7, 1)[0] * 2.0 ** 52),
])
def test_mse_fits_x_values_that_differ_only_in_their_last_digits(x, y, w):
    """x values that differ by an ulp, or by 1e-160, still determine a line, which the
    other losses fit; MSE's closed form gives up on them (its sums lose every digit), and
    the fit must then reach the least-squares line another way, not crash (it raised a
    TypeError, as the closed form's None went on into the optimiser). "Only their last
    digits" is relative to x's size and holds for any number of points: a test for it
    that mistook the size's scale (1e10 and 2^-19 apart, or 1e-12 and 2^-92 apart: the
    closed form's sums then keep none of x's spread) or the count (50 points within 49 ulps) would use the closed form
    here, and its method would say so. The slopes are exact: 1 / spread, or np.polyfit's
    on the integer offsets k, scaled by 2^52."""
    f = fit("mse", x, y)
    assert f.w == pytest.approx(w, rel=1e-12)
    assert f.method == "least squares by Newton from the least-absolute-deviations line"
    assert fit("mse", X13, Y13).method == "least squares in closed form, then Newton"


@pytest.mark.parametrize("name, params", [("mse", {}), ("mae", {}), ("huber", {}), ("log_cosh", {}),
                                          ("barron", {}), ("barron", {"alpha": -2.0})])
def test_data_far_from_x_0_fits_as_well_as_centred_data(name, params):
    """x = 2000 ... 2012 (years): the same line as for x = 0 ... 12, moved; the gradient is
    as small as float64 allows at that offset (b is about -1600, so one unit in its last
    place moves the slope in w by about 1e-13 times 2000)."""
    near = fit(name, X13, Y13, **params)
    far = fit(name, X13 + 2000.0, Y13, **params)
    assert far.value == pytest.approx(near.value, rel=1e-12)
    if name != "mae":  # here MAE's minimum is a whole segment of lines (w from 0.79375 to 0.81)
        assert far.w == pytest.approx(near.w, rel=1e-9)
        assert far.b - near.b == pytest.approx(-2000.0 * near.w, rel=1e-9)
    assert far.grad_norm < 1e-7


# ------------------------------------------------------------------------- MAE


def brute_force_mae(x, y):
    """min over every line through two points of the mean absolute residual."""
    best = math.inf
    for i, j in itertools.combinations(range(x.size), 2):
        if x[i] != x[j]:
            w = (y[j] - y[i]) / (x[j] - x[i])
            best = min(best, float(np.abs(w * x + (y[i] - w * x[i]) - y).mean()))
    return best


@pytest.mark.parametrize("data", ["thirteen", "n60"])
def test_mae_fit_is_the_best_line_through_two_points(data):
    x, y = DATASETS[data]
    f = fit("mae", x, y)
    assert f.value == pytest.approx(brute_force_mae(x, y), rel=1e-13, abs=1e-15)
    # It passes through (at least) two of the points.
    r = f.w * x + f.b - y
    assert (np.abs(r) < 1e-12 * (1 + np.abs(y).max())).sum() >= 2
    assert f.iterations == 0 and f.global_minimum


@pytest.mark.parametrize("data", DATASETS)
def test_mae_fit_satisfies_the_subgradient_condition(data):
    """Pulls: sign(r) off the line, in [-1, 1] on it, and balanced: they sum to zero and so do
    the pulls times x (0 is in the subdifferential of the mean absolute error)."""
    x, y = DATASETS[data]
    f = fit("mae", x, y)
    p = pulls(f, x, y)
    r = f.w * x + f.b - y
    on = np.abs(r) < 1e-12 * (1 + np.abs(y).max())
    np.testing.assert_array_equal(p[~on], np.sign(r[~on]))
    assert (np.abs(p) <= 1).all()
    scale = np.abs(x).sum()
    assert abs(p.sum()) < 1e-12 * x.size and abs((p * x).sum()) < 1e-12 * scale
    assert f.grad_norm < 1e-10


@pytest.mark.parametrize("data", DATASETS)
def test_no_small_perturbation_lowers_the_mae(data):
    x, y = DATASETS[data]
    f = fit("mae", x, y)
    for angle in np.linspace(0, 2 * np.pi, 72, endpoint=False):
        for size in (1e-1, 1e-3, 1e-6, 1e-9):
            w, b = f.w + size * np.cos(angle), f.b + size * np.sin(angle)
            assert mean_loss("mae", w, b, x, y) >= f.value * (1 - 1e-14)


def test_mae_fit_of_a_few_hundred_points_matches_brute_force():
    """n = 300: the full brute force over all 44,850 lines through two points, vectorised."""
    x, y = DATASETS["n300"]
    f = fit("mae", x, y)
    i, j = np.triu_indices(x.size, 1)
    keep = x[i] != x[j]
    i, j = i[keep], j[keep]
    w = (y[j] - y[i]) / (x[j] - x[i])
    b = y[i] - w * x[i]
    best = min(float(np.abs(w[k:k + 2000, None] * x + b[k:k + 2000, None] - y).mean(axis=1).min())
               for k in range(0, w.size, 2000))
    assert f.value == pytest.approx(best, rel=1e-13)


def varied_mae_data(seed):
    """Small data sets of five kinds: integer grids (ties, repeated x, x = 0, several points
    on one line), those with integer y far from a line, x far from 0 (1e3 to 1e6), y in
    the millions, and x in thousandths with y near 1e4."""
    rng = np.random.default_rng(seed)
    n, kind = int(rng.integers(2, 30)), seed % 5
    x = rng.integers(-5, 6, n).astype(float) if kind in (0, 1) else rng.uniform(-5, 5, n)
    if x.min() == x.max():
        x[0] += 1
    slope, intercept = rng.integers(-3, 4), rng.integers(-5, 5)
    y = slope * x + intercept + (rng.integers(-3, 4, n) if kind in (0, 3) else rng.normal(0, 1, n))
    if kind == 2:
        x = x + rng.choice([1e3, 1e5, -1e6])
    if kind == 3:
        y = y * 1e6
    if kind == 4:
        x, y = x * 1e-3, y + 1e4
    return x, y


def test_mae_pulls_balance_on_varied_data():
    """On 130 varied data sets the MAE line's pulls are sign(r) off the line, in [-1, 1] on
    it, and balance to rounding (sum and sum times x), and grad_norm is their mean's size.
    A bug shows as pulls of +-1 left on points the line passes through (a tolerance that
    misses them once x or y is large), pulls outside [-1, 1], or an imbalance of 1e-5 to 1
    (the two-point solve skipped, or points at x = 0 never adjusted)."""
    for seed in range(130):
        x, y = varied_mae_data(seed)
        f = fit("mae", x, y)
        p = pulls(f, x, y)
        r = f.w * x + f.b - y
        on = np.abs(r) <= 1e-9 * (np.abs(y).max() + abs(f.w) * np.abs(x).max() + abs(f.b))
        assert on.sum() >= 2 and (np.abs(p) <= 1).all(), seed
        np.testing.assert_array_equal(p[~on], np.sign(r[~on]), err_msg=f"seed {seed}")
        assert abs(p.sum()) < 1e-9 * x.size and abs((p * x).sum()) < 1e-9 * np.abs(x).sum(), seed
        assert f.grad_norm == pytest.approx(math.hypot(np.mean(p * x), np.mean(p)), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("data", DATASETS)
def test_mae_pulls_do_not_depend_on_the_units(data):
    """x in nanoseconds or in millions, y in thousandths or millions: the same points are on
    the line and every pull is the same (the balance equations just scale). A tolerance for
    "on the line" that is not in the units of w x, b and y would call points 0.1 off the
    line "on it" when x is tiny and w huge."""
    x, y = DATASETS[data]
    p0 = pulls(fit("mae", x, y), x, y)
    for sx, sy in [(1e-9, 1.0), (1e-6, 1e3), (1e6, 1.0), (1.0, 1e6), (1e-3, 1e4)]:
        p = pulls(fit("mae", x * sx, y * sy), x * sx, y * sy)
        np.testing.assert_allclose(p, p0, rtol=0, atol=1e-12, err_msg=f"x * {sx:g}, y * {sy:g}")


def test_a_point_on_the_mae_line_pulls_against_the_others_as_hard_as_allowed():
    """pulls() at points other than the fitted ones: two points below the line push it down
    (+1 each); a third point on the line, between them, balances them best with -1, the
    end of its range (unclipped it would need -2)."""
    f = fit("mae", X13, Y13)
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(pulls(f, x, f.predict(x) - np.array([0.5, 0.0, 0.5])), [1.0, -1.0, 1.0])


def test_mae_with_ties_and_repeated_x():
    """Repeated x values and an exactly collinear subset: still the exact minimum."""
    x = np.array([0.0, 0.0, 1.0, 1.0, 2.0, 3.0, 3.0, 4.0])
    y = np.array([1.0, 3.0, 2.0, 2.0, 3.0, 4.0, 9.0, 5.0])
    f = fit("mae", x, y)
    assert f.value == pytest.approx(brute_force_mae(x, y), rel=1e-14)
    p = pulls(f, x, y)
    assert (np.abs(p) <= 1).all() and abs(p.sum()) < 1e-12 and abs((p * x).sum()) < 1e-12
    # Points all on one line: MAE and every smooth loss recover it, every pull zero.
    xs = np.arange(6.0)
    for name in robust.LINE_LOSSES:
        g = fit(name, xs, 2 * xs - 1)
        assert g.w == pytest.approx(2, abs=1e-12) and g.b == pytest.approx(-1, abs=1e-12)
        np.testing.assert_allclose(pulls(g, xs, 2 * xs - 1), 0, atol=1e-12)


# ----------------------------------------------------------------------- pulls


def test_mse_pulls_are_twice_the_residuals_and_the_outlier_balances_the_rest():
    f = fit("mse", X13, Y13)
    p = pulls(f, X13, Y13)
    r = f.w * X13 + f.b - Y13
    np.testing.assert_allclose(p, 2 * r, rtol=1e-15)
    top = 9  # the outlier far above: the line passes below it, so it pulls up (negative)
    assert p[top] < 0 and np.abs(p).argmax() == top
    np.testing.assert_allclose(p[top], -np.delete(p, top).sum(), rtol=1e-12)
    assert abs((p * X13).sum()) < 1e-11


@pytest.mark.parametrize("name, params, bound", [("mae", {}, 1.0), ("huber", {}, 1.0), ("huber", {"delta": 0.3}, 0.3),
                                                 ("log_cosh", {}, 1.0), ("barron", {"alpha": 1.0, "scale": 2.0}, 0.5)])
def test_bounded_pulls(name, params, bound):
    """MAE's pulls lie in [-1, 1], Huber's in [-delta, delta], log-cosh's and Charbonnier's
    in (-1/c, 1/c): an outlier pulls no harder than a point at the boundary."""
    f = fit(name, X13, Y13, **params)
    p = pulls(f, X13, Y13)
    assert (np.abs(p) <= bound * (1 + 1e-15)).all()
    if name != "log_cosh" and name != "barron":
        np.testing.assert_allclose(np.abs(p[list(OUTLIERS)]), bound, rtol=1e-15)
    assert abs(p.sum()) < 1e-10 * X13.size and abs((p * X13).sum()) < 1e-10 * X13.sum()


def test_barron_outliers_pull_less_as_alpha_drops():
    """The outliers' share of the total pull shrinks with alpha; below 0 it nearly vanishes."""
    shares = []
    for alpha in (2.0, 1.0, 0.0, -2.0, -math.inf):
        f = fit("barron", X13, Y13, alpha=alpha)
        p = np.abs(pulls(f, X13, Y13))
        shares.append(p[list(OUTLIERS)].sum() / p.sum())
    assert all(a > b for a, b in zip(shares, shares[1:]))
    assert shares[-1] < 1e-9 and shares[0] > 0.5


def test_pulls_on_other_points_and_line_fit_predict():
    f = fit("huber", X13, Y13)
    x = np.array([0.5, 20.0])
    np.testing.assert_allclose(f.predict(x), f.w * x + f.b)
    p = pulls(f, x, f.predict(x) + np.array([0.2, -5.0]))  # points below, then far above, the line
    np.testing.assert_allclose(p, [-0.2, 1.0], rtol=1e-12)


# ----------------------------------------------------------------- validation


@pytest.mark.parametrize("loss", ["bce", "focal", "poisson", None, 3])
def test_unknown_loss_lists_the_allowed_ones(loss):
    with pytest.raises(ValueError, match=r"fit_line: 'loss' must be one of mse, mae, huber, log_cosh, barron"):
        robust.fit_line(loss, X13, Y13)


def test_a_registry_loss_object_is_accepted():
    assert robust.fit_line(losses.get("huber"), X13, Y13) == robust.fit_line("huber", X13, Y13)


@pytest.mark.parametrize("x, y, match", [
    (np.arange(4.0), np.arange(5.0), r"'x' and 'y' must be 1-D arrays of one length, got shapes \(4,\) and \(5,\)"),
    (np.ones((3, 2)), np.ones((3, 2)), r"'x' and 'y' must be 1-D"),
    (np.array(1.0), np.array(2.0), r"'x' and 'y' must be 1-D"),
    (np.array([1.0]), np.array([2.0]), r"'x' and 'y' need at least 2 points, got 1"),
    (np.array([]), np.array([]), r"'x' and 'y' need at least 2 points, got 0"),
    (np.full(5, 2.0), np.arange(5.0), r"'x' must hold at least two different values \(all are 2\)"),
    (np.array([0.0, np.nan, 2.0]), np.arange(3.0), r"'x' must be finite"),
    (np.arange(3.0), np.array([0.0, np.inf, 2.0]), r"'y' must be finite"),
    (np.arange(3.0), ["a", "b", "c"], r"'y' must be real numbers"),
])
@pytest.mark.parametrize("loss", ["mse", "mae", "barron"])
def test_bad_data(x, y, match, loss):
    with pytest.raises(ValueError, match=r"fit_line: " + match):
        robust.fit_line(loss, x, y)


@pytest.mark.parametrize("loss", ["mae", "huber", "log_cosh", "barron"])
@pytest.mark.parametrize("x, y", [
    (np.arange(3.0), np.array([1e308, -1e308, 1e308])),           # slopes of -2e308: beyond float64
    (np.arange(400.0), np.where(np.arange(400) % 2 == 0, 1e306, -1e306)),  # every mean |residual| overflows
])
def test_data_beyond_float64_is_refused_by_name(loss, x, y):
    """Finite data whose lines overflow: every line through two points has an infinite
    slope or an infinite mean absolute residual, so no line is best. The fits that start
    from that line must say so and name x and y (they crashed with a TypeError on None),
    under warnings as errors too; data a hundred times smaller still fits."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^fit_line: 'x' and 'y' are too large for float64 arithmetic: "
                                             r"the residuals of every line through two points overflow "
                                             r"\(max \|x\| = \d+, max \|y\| = 1e\+30[68]\); rescale them$"):
            robust.fit_line(loss, x, y)
    assert math.isfinite(robust.fit_line("mae", x, y / 100).value)


@pytest.mark.parametrize("x, y, line", [
    ([0.0, 5e-324, 0.0], [0.0, 1.0, 1.0], (0.0, 1.0)),                  # through the first point: slope 1/5e-324
    ([1e308, 5e307, 1e308], [0.0, -1e308, -1e308], (0.0, -1e308)),   # through the first point: intercept -2e308
])
def test_a_line_beyond_float64_through_one_point_leaves_the_others(x, y, line):
    """The least-absolute-deviations line through the first point has an infinite slope or
    intercept: that point gives no candidate, and the search goes on to the next points
    (it does not stop), with no warning (inf * 0 is never formed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = robust.fit_line("mae", x, y)
    assert (fit.w, fit.b) == line
    assert fit.value == pytest.approx(abs(y[0] - line[1]) / 3, rel=1e-15)


@pytest.mark.parametrize("loss, params, match", [
    ("huber", {"delta": -1.0}, r"huber: parameter 'delta' must be in \(0, inf\), got -1\.0"),
    ("huber", {"delta": 0.0}, r"huber: parameter 'delta' must be in \(0, inf\)"),
    ("barron", {"alpha": 3.0}, r"barron: parameter 'alpha' must be in \[-inf, 2\], got 3\.0"),
    ("barron", {"alpha": float("nan")}, r"barron: parameter 'alpha' must be in \[-inf, 2\]"),
    ("barron", {"scale": 0.0}, r"barron: parameter 'scale' must be in \(0, inf\)"),
    ("barron", {"gamma": 1.0}, r"fit_line: unknown parameter 'gamma' for barron; barron takes: alpha, scale"),
    ("mse", {"delta": 1.0}, r"fit_line: unknown parameter 'delta' for mse; mse takes no parameters"),
])
def test_bad_loss_parameters(loss, params, match):
    with pytest.raises(ValueError, match=match):
        robust.fit_line(loss, X13, Y13, **params)


def test_bad_arguments_of_pulls_objective_and_curvature():
    f = robust.fit_line("mse", X13, Y13)
    with pytest.raises(ValueError, match=r"pulls: 'fit' must be a LineFit"):
        robust.pulls((f.w, f.b), X13, Y13)
    with pytest.raises(ValueError, match=r"got tuple$"):  # the type it was given, named
        robust.pulls((f.w, f.b), X13, Y13)
    with pytest.raises(ValueError, match=r"pulls: 'x' and 'y' must be 1-D arrays of one length"):
        robust.pulls(f, X13, Y13[:5])
    with pytest.raises(ValueError, match=r"objective: 'w' and 'b' must be finite"):
        robust.objective("mse", math.nan, 0.0, X13, Y13)
    value, grad = robust.objective("mse", f.w, f.b, X13, Y13)
    assert value == f.value and np.hypot(*grad) < 1e-10
    with pytest.raises(ValueError, match=r"curvature: 'loss' must be one of mse, huber, log_cosh, barron"):
        robust.curvature("mae", 1.0)
    with pytest.raises(ValueError, match=r"curvature: 'r' must be finite"):
        robust.curvature("mse", [0.0, math.inf])
    with pytest.raises(ValueError, match=r"barron: parameter 'scale'"):
        robust.curvature("barron", 1.0, scale=-1.0)


@pytest.mark.parametrize("name, params, method, global_minimum", [
    ("mae", {}, "exact: best line through two points (weighted median slopes)", True),
    ("mse", {}, "least squares in closed form, then Newton", True),
    ("huber", {"delta": 0.5}, "IRLS from the least-absolute-deviations line, then Newton", True),
    ("barron", {"alpha": 1.0}, "IRLS from the least-absolute-deviations line, then Newton", True),
    ("barron", {"alpha": 0.999}, "IRLS from the least-absolute-deviations line, then Newton", False),
])
def test_each_fit_says_how_its_minimum_was_found(name, params, method, global_minimum):
    """LineFit.method names the route taken, word for word as the module docstring and the
    lesson's table describe it; global_minimum is False exactly for Barron below alpha 1.
    MSE starts at its closed-form line, so Newton has nothing left to do; MAE takes none."""
    f = robust.fit_line(name, X13, Y13, **params)
    assert f.method == method and f.global_minimum is global_minimum
    if name == "mae":
        assert f.iterations == 0



@pytest.mark.parametrize("data", [*DATASETS, "years", "picometres"])
def test_the_closed_form_mse_line_needs_no_newton_step(data):
    """_least_squares gives MSE's minimum to rounding, so the fit takes no step at all, on
    centred data and on the years 2000-2012 alike (a wrong start would cost a Newton step,
    which would still land on the line: only the count shows it). x in units of 1e-12 is
    as well spread as x itself: a test for "x's values differ only in their last digits"
    that was not relative to x's size would refuse the closed form there."""
    x, y = {**DATASETS, "years": (np.arange(2000.0, 2013.0), Y13), "picometres": (X13 * 1e-12, Y13)}[data]
    f = robust.fit_line("mse", x, y)
    assert f.iterations == 0 and f.grad_norm < 1e-9 * (1 + np.abs(x).max())


@pytest.mark.parametrize("scale", [1e3, 1e6, 1e9])
@pytest.mark.parametrize("data", [*DATASETS, "years", "picometres"])
def test_the_closed_form_mse_line_needs_no_newton_step_for_y_in_the_millions(data, scale):
    """y times 1e3 to 1e9: the least-squares residuals z are as large, the gradient of 1e-10
    is out of reach, and the closed-form line is already at rounding level, so no step is
    taken. The rounding floor must count the size of z itself (each residual w u + b - z is
    rounded relative to |w u| + |b| + |z|): the loop starts at the closed-form line, which
    is (w, b) = (0, 0) on z, where that size is |z| alone. With |z| subtracted instead, the
    floor's terms for MSE, |loss'| + curvature times size = 2|z| - 2|z|, are 0 there, and
    the fit spun through all MAX_STEPS steps (or took 2 to 6)."""
    x, y = {**DATASETS, "years": (np.arange(2000.0, 2013.0), Y13), "picometres": (X13 * 1e-12, Y13)}[data]
    f = robust.fit_line("mse", x, y * scale)
    assert f.iterations == 0 and f.method == "least squares in closed form, then Newton"


def test_line_fit_is_frozen_and_inputs_are_not_modified():
    x, y = X13.copy(), Y13.copy()
    f = robust.fit_line("barron", x, y, alpha=-2.0)
    np.testing.assert_array_equal(x, X13)
    np.testing.assert_array_equal(y, Y13)
    with pytest.raises(AttributeError):
        f.w = 0.0  # type: ignore[misc]
    assert isinstance(f.w, float) and isinstance(f.b, float) and isinstance(f.iterations, int)


def test_robust_imports_only_numpy_and_the_losses():
    tree = ast.parse((ROOT / "lossdocs" / "robust.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported |= ({f"lossdocs.{a.name}" for a in node.names} if node.module == "lossdocs"
                         else {node.module})
    imported = {m for m in imported if not m.startswith("mutmut")}  # mutation testing's own trampoline
    assert imported <= {"__future__", "math", "dataclasses", "numpy", "lossdocs.losses"}, imported


def test_objective_curvature_and_predict_name_themselves_and_their_arguments():
    with pytest.raises(ValueError, match=r"^objective: 'x' and 'y' must be 1-D arrays of one length"):
        robust.objective("mse", 1.0, 0.0, X13, Y13[:4])
    with pytest.raises(ValueError, match=r"^objective: unknown parameter 'delta' for mse"):
        robust.objective("mse", 1.0, 0.0, X13, Y13, delta=1.0)
    value, grad = robust.objective("huber", 0.3, -0.2, X13, Y13, delta=0.5)
    fn = losses.get("huber")
    r = 0.3 * X13 - 0.2
    assert value == pytest.approx(float(fn.value(r, Y13, delta=0.5).mean()), rel=1e-15)
    g = fn.grad(r, Y13, delta=0.5)
    np.testing.assert_allclose(grad, [np.mean(g * X13), np.mean(g)], rtol=1e-15)
    with pytest.raises(ValueError, match=r"^curvature: unknown parameter 'delta' for log_cosh"):
        robust.curvature("log_cosh", 1.0, delta=1.0)
    # Huber's curvature jumps at |r| = delta: 1 inside, 0 from there on (the docstring's words).
    np.testing.assert_array_equal(robust.curvature("huber", [0.5, -1.0, 1.0, 2.0], delta=1.0), [1.0, 0.0, 0.0, 0.0])
    assert robust.curvature("barron", 0.0, alpha=2.0, scale=2.0) == pytest.approx(0.25)
    f = robust.fit_line("mse", X13, Y13)
    with pytest.raises(ValueError, match=r"^LineFit\.predict: 'x' must be finite, got NaN or inf$"):
        f.predict([0.0, math.nan])
    np.testing.assert_allclose(f.predict(2.0), f.w * 2.0 + f.b)


@pytest.mark.parametrize("data", ["thirteen", "years", "in the billions"])
def test_a_fit_out_of_steps_returns_only_a_minimum_in_x(monkeypatch, data):
    """With no step allowed (MAX_STEPS = 0) the loop never runs, so the check after it
    decides alone: MSE's closed-form start is a minimum in x and is returned, whether its
    gradient is below GRAD_TOLERANCE (centred x: 8e-15), or above it but at the rounding
    level of x (the years 2000-2012: 3e-10; y in the billions: 1e-3). Huber's start, the
    least-absolute-deviations line, is not, and the error names the loss, the steps taken
    and the gradient reached."""
    x, y = {"thirteen": (X13, Y13), "years": (np.arange(2000.0, 2013.0), Y13),
            "in the billions": (X13, Y13 * 1e9 + 1e12)}[data]
    monkeypatch.setattr(robust, "MAX_STEPS", 0)
    f = robust.fit_line("mse", x, y)
    ref = np.polyfit(x, y, 1)
    assert f.iterations == 0 and f.method == "least squares in closed form, then Newton"
    np.testing.assert_allclose([f.w, f.b], ref, rtol=1e-9)
    norm = f.grad_norm
    assert (norm < robust.GRAD_TOLERANCE) is (data == "thirteen"), norm
    no_minimum = r"^fit_line: no minimum of huber found in 0 steps \(gradient norm \d+\.?\d*\)$"
    with pytest.raises(ValueError, match=no_minimum):
        robust.fit_line("huber", x, y, delta=0.5)


def test_a_fit_that_runs_out_of_steps_says_how_many_it_took(monkeypatch):
    """Three steps take log-cosh's fit from the LAD line to a gradient of 4e-5, not to a
    minimum: the fit raises, naming the three steps, where five steps reach 3e-13."""
    monkeypatch.setattr(robust, "MAX_STEPS", 3)
    three_steps = r"^fit_line: no minimum of log_cosh found in 3 steps \(gradient norm 4\.3e-05\)$"
    with pytest.raises(ValueError, match=three_steps):
        robust.fit_line("log_cosh", X13, Y13)
    monkeypatch.setattr(robust, "MAX_STEPS", 5)
    f = robust.fit_line("log_cosh", X13, Y13)
    assert f.iterations == 5 and f.grad_norm < robust.GRAD_TOLERANCE
    # Barron at alpha 1 after five steps: not yet converged by the loop's own test in u
    # (the gradient times 1 + s + |m|), but below GRAD_TOLERANCE in x, which is a minimum.
    f = robust.fit_line("barron", X13, Y13, alpha=1.0)
    assert f.iterations == 5 and f.grad_norm < robust.GRAD_TOLERANCE


@pytest.mark.parametrize("alpha", [-2.0, 0.5])
def test_barron_below_alpha_1_steps_by_irls_only(monkeypatch, alpha):
    """Below alpha 1 the loss is not convex, and Newton's step can climb towards a saddle or
    leave the basin; IRLS lowers the loss at every step. So fit_line gives such a fit
    ``irls_first = MAX_STEPS``: no Newton step is tried while IRLS makes progress, up to
    the last step allowed (here 4 or 6, with the budget cut to that)."""
    calls = []
    newton = robust._newton_step
    monkeypatch.setattr(robust, "_newton_step", lambda *a: calls.append(1) or newton(*a))
    for budget in (4, 6):
        monkeypatch.setattr(robust, "MAX_STEPS", budget)
        with pytest.raises(ValueError, match=rf"found in {budget} steps"):
            robust.fit_line("barron", *DATASETS["n300"], alpha=alpha)
    assert calls == []
    monkeypatch.setattr(robust, "MAX_STEPS", 2000)
    f = robust.fit_line("barron", *DATASETS["n300"], alpha=alpha)
    assert f.grad_norm < robust.GRAD_TOLERANCE and not f.global_minimum
