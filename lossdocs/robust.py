"""Robust line fits: the straight line y = w x + b that minimises a mean regression loss.

Data flow: ``losses`` -> **robust** -> the outlier lab widget.

:func:`fit_line` minimises ``mean(loss(w x + b, y))`` over (w, b) for ``mse``, ``mae``,
``huber``, ``log_cosh`` and ``barron`` (any alpha in [-inf, 2] and scale c), and
:func:`pulls` gives the "pull" of each point on a fitted line: d loss / d prediction at
that point, the force with which it drags the line towards itself (a negative pull lifts
the line, a positive one presses it down). At a minimum of the mean loss the pulls
balance: they sum to zero, and so do the pulls times x.

How each minimum is found, and how exact it is:

* ``mse``: the least-squares line in closed form (centred sums), then Newton steps if the
  gradient is not yet below tolerance; the same line as ``np.polyfit(x, y, 1)``. When x's
  values differ only in their last digits (or their spread squared underflows), the sums
  lose every digit: Newton then starts from the least-absolute-deviations line instead.
* ``mae``: an optimal least-absolute-deviations line passes through two data points, and
  the best line through point i has the weighted median of the slopes from i to the other
  points (weights |x_j - x_i|). Trying every i gives the exact minimum in O(n^2 log n),
  fine for a few hundred points. The loss has corners, so its "gradient" is the smallest
  subgradient: the two points on the line take pulls in [-1, 1] that balance the others,
  which :func:`pulls` reports and whose size is the fit's ``grad_norm``.
* ``huber``, ``log_cosh``, ``barron``: iteratively reweighted least squares (IRLS) from the
  ``mae`` line, then Newton's method with the exact curvature and a backtracking line
  search (an IRLS step wherever the Hessian is not positive definite), until the gradient
  norm is below ``GRAD_TOLERANCE`` (1e-10). IRLS is a majorise-minimise step for all of
  them (each loss's slope over the residual never grows with |r|), so it never raises the
  loss. Huber, log-cosh and Barron with alpha >= 1 are convex and the minimum is global.
  Barron with alpha < 1 is not convex: the fit is the local minimum that IRLS reaches
  from the ``mae`` line (``LineFit.global_minimum`` is False); with gross outliers this is
  the line through the inliers, which is what the robust start is for.

The smooth fits run on x standardised to (x - mean) / max deviation, so data far from
x = 0 (years, say) is as well conditioned as any, and on y measured from the starting line
(the residuals from it are formed once, then the fit finds the change of slope and
intercept): y far from 0 (prices near 1e12) or on a steep line (slope 1e9) fits as well as
y's own rounding allows, since every step's residuals are rounded relative to their own
size, not to |y|'s. Where float64 cannot resolve a gradient of 1e-10 at all (residuals, or
x, in the thousands to millions), the fit stops at rounding level instead -- 64 ulps of
the gradient's own terms -- and ``grad_norm`` says what was reached; a ValueError is raised
only if neither happens within ``MAX_STEPS`` steps. ``grad_norm`` is recomputed from x and
y, so for y near 1e12 it shows y's rounding (about eps |y| times the curvature), not the
fit's.

Inputs follow the engine's rules: float64, finite, and a ValueError naming the argument
(and what it allows) otherwise. Imports only numpy and ``lossdocs.losses``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from lossdocs import losses
from lossdocs.losses import finite_array

__all__ = ["LINE_LOSSES", "GRAD_TOLERANCE", "LineFit", "fit_line", "pulls", "objective", "curvature"]

LINE_LOSSES = ("mse", "mae", "huber", "log_cosh", "barron")
GRAD_TOLERANCE = 1e-10
MAX_STEPS = 2000
_EPS = np.finfo(np.float64).eps
_QUIET = dict(over="ignore", under="ignore")


@dataclass(frozen=True)
class LineFit:
    """A line y = w x + b at the minimum of the mean of ``loss`` over the data."""

    w: float
    b: float
    value: float          # mean loss at (w, b)
    grad_norm: float      # |d mean loss / d(w, b)| (mae: the smallest subgradient's)
    loss: str
    params: dict = field(hash=False)  # every parameter of the loss, defaults filled in
    iterations: int       # IRLS and Newton steps taken (0 for the mae enumeration)
    method: str           # how the minimum was found
    global_minimum: bool  # False only for barron with alpha < 1 (a local minimum)

    def predict(self, x) -> np.ndarray:
        """w x + b for array-like ``x``."""
        return self.w * finite_array(x, "x", "LineFit.predict") + self.b


# ----------------------------------------------------------------- validation


def _check(owner: str, loss, x, y, params: dict):
    """(Loss, x, y, params with defaults) or a ValueError naming what is wrong."""
    name = loss.name if isinstance(loss, losses.Loss) else loss
    if not isinstance(name, str) or name not in LINE_LOSSES:
        raise ValueError(f"{owner}: 'loss' must be one of {', '.join(LINE_LOSSES)}, got {loss!r}")
    fn = losses.get(name)
    xs, ys = finite_array(x, "x", owner), finite_array(y, "y", owner)
    if xs.ndim != 1 or ys.ndim != 1 or xs.shape != ys.shape:
        raise ValueError(f"{owner}: 'x' and 'y' must be 1-D arrays of one length, got shapes "
                         f"{xs.shape} and {ys.shape}")
    if xs.size < 2:
        raise ValueError(f"{owner}: 'x' and 'y' need at least 2 points, got {xs.size}")
    if xs.min() == xs.max():
        raise ValueError(f"{owner}: 'x' must hold at least two different values (all are "
                         f"{xs[0]:g}), or no line y = w x + b is determined")
    known = {p.name: p for p in fn.params}
    unknown = sorted(set(params) - set(known))
    if unknown:
        takes = f"takes: {', '.join(known)}" if known else "takes no parameters"
        raise ValueError(f"{owner}: unknown parameter '{unknown[0]}' for {name}; {name} {takes}")
    checked = {n: p.check(params.get(n, p.default), name) for n, p in known.items()}
    return fn, xs, ys, checked


# ------------------------------------------------------------ the objective


def curvature(loss: str, r, **params) -> np.ndarray:
    """Second derivative of ``loss`` with respect to the prediction at residuals ``r``
    (prediction - target): what Newton's method needs. Huber's jumps at |r| = delta (0
    from there on, as its gradient is flat in size); Barron's is
    (1 + y)^(alpha/2 - 2) (1 + (alpha - 1) y) / c^2 with y = (r/c)^2 / |alpha - 2|,
    negative far out when alpha < 1 (not convex)."""
    if loss not in LINE_LOSSES or loss == "mae":
        allowed = ", ".join(n for n in LINE_LOSSES if n != "mae")
        raise ValueError(f"curvature: 'loss' must be one of {allowed} (mae has none), got {loss!r}")
    fn = losses.get(loss)
    kw = {p.name: p.check(params.get(p.name, p.default), loss) for p in fn.params}
    unknown = sorted(set(params) - set(kw))
    if unknown:
        raise ValueError(f"curvature: unknown parameter '{unknown[0]}' for {loss}")
    return _curvature(loss, finite_array(r, "r", "curvature"), kw)


def _curvature(loss: str, r, kw: dict) -> np.ndarray:
    """:func:`curvature` on checked input (the fits call it in their inner loop)."""
    r = np.asarray(r, dtype=np.float64)
    with np.errstate(**_QUIET):
        if loss == "mse":
            return np.full(r.shape, 2.0)
        if loss == "huber":
            return (np.abs(r) < kw["delta"]).astype(np.float64)
        if loss == "log_cosh":  # sech^2 r = 4 e^(-2|r|) / (1 + e^(-2|r|))^2, no overflow
            e = np.exp(-2.0 * np.abs(r))
            return 4.0 * e / (1.0 + e) ** 2
        return _barron_curvature(r, kw["alpha"], kw["scale"])


def _times(part, factor):
    """part * factor with 0 * inf taken as 0 (a vanished curvature stays 0 for a tiny c)."""
    zero = part == 0.0
    return np.where(zero, 0.0, np.where(zero, 1.0, part) * factor)


def _barron_curvature(r, alpha, c):
    inv_c2 = np.exp(-2.0 * math.log(c))  # 1 / c^2, inf (not an error) for a tiny c
    if alpha == 2.0:
        return np.full(r.shape, inv_c2)
    a = np.abs(r)
    if alpha == -math.inf:  # e^(-x^2/2) (1 - x^2) / c^2
        x = np.minimum(a / c, 64.0)
        part = np.exp(-0.5 * x * x) * (1.0 - x * x)
        return _times(part, inv_c2)
    b = 2.0 - alpha
    pos = a > 0
    log_y = 2.0 * (np.log(np.where(pos, a, 1.0)) - math.log(c)) - math.log(b)
    log1p_y = losses.softplus(log_y)  # log(1 + y) without forming y
    k = -(0.5 * b + 1.0)  # alpha/2 - 2
    # (1 + y)^k (1 + (alpha - 1) y): both terms at most 1 in size (y (1 + y)^k <= 1).
    part = np.exp(k * log1p_y) + (alpha - 1.0) * np.exp(log_y + k * log1p_y)
    return np.where(pos, _times(part, inv_c2), inv_c2)


def _kernel(kernel, pred, ys, params) -> np.ndarray:
    """A loss's own kernel on input that ``_check`` has already validated: the inner loops
    of the fits skip the registry's per-call validation (most of their time otherwise)."""
    with np.errstate(**_QUIET):
        return np.asarray(kernel(pred, ys, **params), dtype=np.float64)


def _residuals(theta, xs, ys):
    return theta[0] * xs + theta[1] - ys


def _value(fn, theta, xs, ys, params) -> float:
    with np.errstate(**_QUIET):
        return float(_kernel(fn._value, theta[0] * xs + theta[1], ys, params).mean())


def _gradient(fn, theta, xs, ys, params) -> np.ndarray:
    g = _kernel(fn._grad, theta[0] * xs + theta[1], ys, params)
    return np.array([np.mean(g * xs), np.mean(g)])


def objective(loss, w, b, x, y, **params) -> tuple[float, np.ndarray]:
    """(mean loss, its gradient with respect to (w, b)) for the line y = w x + b; for
    ``mae`` the gradient takes sign(0) = 0 (see :func:`pulls` for the balancing one)."""
    fn, xs, ys, kw = _check("objective", loss, x, y, params)
    theta = np.array([float(w), float(b)])
    if not np.isfinite(theta).all():
        raise ValueError(f"objective: 'w' and 'b' must be finite, got {w!r} and {b!r}")
    return _value(fn, theta, xs, ys, kw), _gradient(fn, theta, xs, ys, kw)


# ------------------------------------------------------------------- fits


def _least_squares(xs, ys, weights=None):
    """(w, b) of the (weighted) least-squares line from centred sums, or None when the
    weights leave fewer than two different x values."""
    wt = np.ones_like(xs) if weights is None else weights
    total = wt.sum()
    if not total > 0:
        return None
    xm, ym = (wt * xs).sum() / total, (wt * ys).sum() / total
    dx = xs - xm
    sxx = (wt * dx * dx).sum()
    if not sxx > 1e-300 or not sxx > 1e-28 * total * (np.abs(xs).max() ** 2):
        return None
    w = (wt * dx * (ys - ym)).sum() / sxx
    return np.array([w, ym - w * xm])


def _lad_line(xs, ys):
    """The exact least-absolute-deviations line: for each point i, the best line through it
    has the weighted median slope; the best of those n lines is a global minimum."""
    n = xs.size
    best, best_value = None, math.inf
    for i in range(n):
        dx, dy = xs - xs[i], ys - ys[i]
        use = dx != 0
        slopes, weights = dy[use] / dx[use], np.abs(dx[use])
        order = np.argsort(slopes, kind="stable")
        slopes, weights = slopes[order], weights[order]
        cum = np.cumsum(weights)
        w = slopes[np.searchsorted(cum, 0.5 * cum[-1])]  # first slope holding half the weight
        if not math.isfinite(w):  # a slope beyond float64 (checked first: inf * 0 would be NaN)
            continue
        theta = np.array([w, ys[i] - w * xs[i]])
        if not math.isfinite(theta[1]):  # an intercept beyond float64: no candidate either
            continue
        value = float(np.abs(_residuals(theta, xs, ys)).mean())
        if value < best_value:
            best, best_value = theta, value
    if best is None:  # every candidate's mean |residual| overflowed (or its slope did)
        raise ValueError(f"fit_line: 'x' and 'y' are too large for float64 arithmetic: the residuals of "
                         f"every line through two points overflow (max |x| = {np.abs(xs).max():g}, "
                         f"max |y| = {np.abs(ys).max():g}); rescale them")
    return best


def _mae_pulls(theta, xs, ys) -> np.ndarray:
    """sign(r) for points off the line; for points on it (|r| at rounding level) the pulls
    in [-1, 1] that best balance the rest (a box-constrained least-squares problem in two
    equations: sum of pulls and sum of pulls times x both zero)."""
    r = _residuals(theta, xs, ys)
    tol = 64 * _EPS * (np.abs(ys).max() + abs(theta[0]) * np.abs(xs).max() + abs(theta[1]))
    on = np.abs(r) <= tol
    p = np.where(on, 0.0, np.sign(r))
    idx = np.flatnonzero(on)
    if idx.size == 0:
        return p
    target = -np.array([np.sum(p * xs), np.sum(p)])  # what the on-line points must supply
    A = np.stack([xs[idx], np.ones(idx.size)])  # 2 x m
    t = np.zeros(idx.size)
    if idx.size == 2 and xs[idx[0]] != xs[idx[1]]:
        t = np.clip(np.linalg.solve(A, target), -1.0, 1.0)
    # Projected coordinate descent on |A t - target|^2 over the box (exact for two points
    # inside the box already; refines the clipped or degenerate cases).
    col2 = (A * A).sum(axis=0)
    for _ in range(5000):
        moved = 0.0
        for j in range(idx.size):
            if col2[j] == 0:
                continue
            resid = target - A @ t
            new = float(np.clip(t[j] + A[:, j] @ resid / col2[j], -1.0, 1.0))
            moved = max(moved, abs(new - t[j]))
            t[j] = new
        if moved <= 1e-16:
            break
    p[idx] = t
    return p


def _irls_step(fn, theta, us, ys, params, curv0):
    """The IRLS (majorise-minimise) update: weighted least squares with weights
    loss'(r) / r (the curvature at 0 where r = 0)."""
    r = _residuals(theta, us, ys)
    g = _kernel(fn._grad, theta[0] * us + theta[1], ys, params)
    safe = np.where(r != 0, r, 1.0)
    weights = np.where(r != 0, g / safe, curv0)
    return _least_squares(us, ys, np.maximum(weights, 0.0))


def _hessian(name, theta, us, ys, params):
    k = _curvature(name, _residuals(theta, us, ys), params)
    return np.array([[np.mean(k * us * us), np.mean(k * us)], [np.mean(k * us), np.mean(k)]])


def _rounding_floor(fn, theta, xs, ys, params) -> float:
    """How small the computed gradient can get at (w, b) = theta: eps times the size of its
    terms, each loss'(r) x plus the slope change from rounding r = w x + b - y itself."""
    pred = theta[0] * xs + theta[1]
    g = np.abs(_kernel(fn._grad, pred, ys, params))
    k = np.abs(_curvature(fn.name, pred - ys, params)) if fn.name != "mae" else 0.0
    size = np.abs(theta[0] * xs) + abs(theta[1]) + np.abs(ys)
    return 64 * _EPS * float(np.mean((g + k * size) * (1.0 + np.abs(xs))))


def _converged(fn, theta, us, ys, params, norm, factor) -> bool:
    return norm * factor < GRAD_TOLERANCE or norm <= _rounding_floor(fn, theta, us, ys, params)


def _newton_step(fn, theta, us, ys, params, value, grad, slack):
    """theta plus a Newton step cut back until the loss drops enough (Armijo), or, within
    rounding of the minimum (no larger than ``slack``), until the gradient shrinks; None when
    the Hessian is not positive definite or no step qualifies."""
    hess = _hessian(fn.name, theta, us, ys, params)
    det = hess[0, 0] * hess[1, 1] - hess[0, 1] ** 2
    if not (hess[0, 0] > 0 and det > 1e-14 * (hess[0, 0] * hess[1, 1])):
        return None
    d = -np.linalg.solve(hess, grad)
    norm = np.hypot(*grad)
    t = 1.0
    while t > 1e-12:
        trial = theta + t * d
        v = _value(fn, trial, us, ys, params)
        if v <= value + 1e-4 * t * (grad @ d):
            return trial
        if v <= value + slack and np.hypot(*_gradient(fn, trial, us, ys, params)) < norm:
            return trial
        t *= 0.5
    return None


def _minimise(fn, theta, xs, ys, params, irls_first: int, least_squares_start: bool = False):
    """Minimise over (w, b) from ``theta``: IRLS for up to ``irls_first`` steps (or until the
    gradient is below 1e-6), then Newton with a backtracking line search (IRLS wherever the
    Hessian is not positive definite). Works on x standardised to u = (x - m) / s, so data
    far from x = 0 (years, say) is as well conditioned as any; returns (w, b) for x. With
    ``least_squares_start``, ``theta`` is the closed-form least-squares line, recomputed on u
    (moving it there would round b + w m, a step's worth of error at the years 2000-2012)."""
    m = float(xs.mean())
    if not math.isfinite(m):  # x's sum overflows (values near 1e308): every gradient would be NaN
        raise ValueError("fit_line: 'x' is too large for float64 arithmetic (its sum overflows): rescale it")
    s = float(np.abs(xs - m).max())
    us = (xs - m) / s
    factor = 1.0 + s + abs(m)  # |gradient in x| <= factor |gradient in u|
    # The loop fits the change (dw, db) from the starting line y = v u + c to the points'
    # residuals z = (y - c) - v u from it, formed once. Residuals formed afresh at every step
    # from y itself, w' u + b' - y, are rounded relative to |y|: y = 1e12 + O(1) noise, or a
    # line of slope 1e9, put eps |y| of noise into every residual, into the loss values the
    # line search compares and into the rounding floor, so fits stopped far from the minimum
    # or raised. z is rounded once, about as much as y itself is (y - c is exact for y near c,
    # Sterbenz), and residuals dw u + db - z are then rounded relative to their own size.
    start = _least_squares(us, ys) if least_squares_start else None
    v, c = start if start is not None else (theta[0] * s, theta[1] + theta[0] * m)  # w' = w s, b' = b + w m
    zs = (ys - c) - v * us
    theta = np.zeros(2)
    curv0 = float(_curvature(fn.name, 0.0, params))
    value = _value(fn, theta, us, zs, params)
    grad = _gradient(fn, theta, us, zs, params)
    steps = 0
    converged = False
    while steps < MAX_STEPS:
        norm = float(np.hypot(*grad))
        converged = _converged(fn, theta, us, zs, params, norm, factor)
        if converged:
            break
        steps += 1
        slack = 64 * _EPS * abs(value)  # changes of the mean loss below this are rounding
        newton_first = steps > irls_first or norm < 1e-6
        candidate = _newton_step(fn, theta, us, zs, params, value, grad, slack) if newton_first else None
        if candidate is None:
            trial = _irls_step(fn, theta, us, zs, params, curv0)
            if trial is not None and _value(fn, trial, us, zs, params) <= value + slack:
                candidate = trial
        if candidate is None and not newton_first:  # IRLS has stalled at rounding level
            candidate = _newton_step(fn, theta, us, zs, params, value, grad, slack)
        if candidate is None or np.array_equal(candidate, theta):
            break
        theta = candidate
        value = _value(fn, theta, us, zs, params)
        grad = _gradient(fn, theta, us, zs, params)
    w = (v + theta[0]) / s
    theta = np.array([w, c + (theta[1] - w * m)])  # back to x and y
    value = _value(fn, theta, xs, ys, params)
    norm = float(np.hypot(*_gradient(fn, theta, xs, ys, params)))
    # Converged in u is converged: the gradient in x is the one in u mapped by (s, m), and
    # below 1e-10 in u it can be 1e-8 in x where the sums are in the millions (the rounding
    # floor in u is then the honest measure; recomputed in x it misses the mapping's own
    # rounding). A loop that stopped for any other reason must show its minimum in x.
    if converged or norm < GRAD_TOLERANCE or norm <= _rounding_floor(fn, theta, xs, ys, params):
        return theta, value, norm, steps
    raise ValueError(f"fit_line: no minimum of {fn.name} found in {steps} steps "
                     f"(gradient norm {norm:.3g})")


def fit_line(loss, x, y, **loss_params) -> LineFit:
    """The line y = w x + b minimising the mean of ``loss`` over the points (x, y).

    ``loss`` is one of ``LINE_LOSSES`` (a name, or the registry's Loss); ``loss_params``
    are that loss's parameters (defaults otherwise). ``x`` and ``y`` are 1-D, of one length
    >= 2, finite (and not so large that every line through two points overflows float64),
    and ``x`` holds at least two different values. See the module docstring
    for how each minimum is found; Barron's loss with alpha < 1 gives a local minimum.
    The gradient norm reached is below ``GRAD_TOLERANCE``, or, for data whose sums are so
    large that float64 cannot resolve 1e-10 (residuals or x in the millions), at rounding
    level; y's offset from 0, or a steep slope, costs no more than y's own rounding.
    """
    fn, xs, ys, params = _check("fit_line", loss, x, y, loss_params)
    with np.errstate(**_QUIET):
        if fn.name == "mae":
            theta = _lad_line(xs, ys)
            p = _mae_pulls(theta, xs, ys)
            norm = float(np.hypot(np.mean(p * xs), np.mean(p)))
            return LineFit(float(theta[0]), float(theta[1]), _value(fn, theta, xs, ys, params), norm,
                           fn.name, params, 0, "exact: best line through two points (weighted median slopes)",
                           True)
        if fn.name == "mse":
            start = _least_squares(xs, ys)
            closed_form = start is not None
            method = "least squares in closed form, then Newton"
            if not closed_form:  # x's spread at rounding level of x (1 and 1 + 2**-52), or underflowing
                start = _lad_line(xs, ys)
                method = "least squares by Newton from the least-absolute-deviations line"
            theta, value, norm, steps = _minimise(fn, start, xs, ys, params, irls_first=0,
                                                  least_squares_start=closed_form)
        else:
            convex = fn.name != "barron" or params["alpha"] >= 1.0
            start = _lad_line(xs, ys)
            theta, value, norm, steps = _minimise(fn, start, xs, ys, params,
                                                  irls_first=20 if convex else MAX_STEPS)
            method = "IRLS from the least-absolute-deviations line, then Newton"
    global_minimum = fn.name != "barron" or params["alpha"] >= 1.0
    return LineFit(float(theta[0]), float(theta[1]), value, norm, fn.name, params, steps, method,
                   global_minimum)


def pulls(fit: LineFit, x, y) -> np.ndarray:
    """d loss / d prediction for each point (x_i, y_i) on the fitted line: the pull each
    point exerts (positive when the line passes above it). For ``mae`` the points on the
    line get the pulls in [-1, 1] that balance the others, so at the fitted minimum the
    pulls always sum to zero and so do the pulls times x."""
    if not isinstance(fit, LineFit):
        raise ValueError(f"pulls: 'fit' must be a LineFit from fit_line, got {type(fit).__name__}")
    fn, xs, ys, params = _check("pulls", fit.loss, x, y, fit.params)
    theta = np.array([fit.w, fit.b])
    with np.errstate(**_QUIET):
        if fn.name == "mae":
            return _mae_pulls(theta, xs, ys)
        return fn.grad(theta[0] * xs + theta[1], ys, **params)
