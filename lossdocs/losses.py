"""Numeric engine of lossdocs: loss functions, their gradients and their metadata.

Each loss is one frozen :class:`Loss` object bundling teaching metadata (label,
LaTeX for the value and its derivative, summary, plot ranges, robustness), its
tunable :class:`Param` objects (allowed range + the grid the widgets precompute),
and two private kernels ``_value(p, t, **params)`` and ``_grad(p, t, **params)``.

The public :meth:`Loss.value` and :meth:`Loss.grad` share ONE validation path
(:meth:`Loss._prepare`): convert to float64, reject NaN/inf, broadcast, check the
parameters, check the loss's own input ranges (bce; the labels of the logit and margin
losses). The kernels therefore only
ever see clean, broadcast float64 arrays and validated float parameters.

All losses are elementwise with reduction ``'none'`` and follow PyTorch's
conventions (``mse_loss``, ``l1_loss``, ``huber_loss``, ``binary_cross_entropy``,
``binary_cross_entropy_with_logits``, ``soft_margin_loss``; ``focal`` is torchvision's
``sigmoid_focal_loss`` and ``hinge`` is ``relu(margin - y s)``); ``log_cosh`` has no
torch counterpart, nor has ``barron``, J. T. Barron's general robust loss (CVPR 2019),
whose shape ``alpha`` in [-inf, 2] spans L2, Charbonnier, Cauchy, Geman-McClure and
Welsch. The logit and margin losses take a raw score (``Loss.output``) and stay finite
and exact for scores in the thousands, where torch's ``soft_margin_loss`` overflows.
Kernels are written so that no branch of an
``np.where`` is evaluated on inputs where it would overflow or hit ``log(0)``.
Results too large for float64 saturate to ``inf`` silently (overflow and underflow
are the only floating-point events that are silenced); no numpy warning is emitted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["Param", "Loss", "REGISTRY", "KINDS", "OUTPUTS", "get", "names", "finite_array",
           "sigmoid", "softplus"]

KINDS = ("regression", "classification")
# What the prediction a loss takes stands for, and the symbol its formulas use for it:
# a value on the target's own scale, a probability in [0, 1], a logit z (the raw score
# a sigmoid would turn into a probability), or a margin score s (labels -1 and +1).
OUTPUTS = {"value": r"\hat{y}", "probability": r"\hat{y}", "logit": "z", "score": "s"}


def _fmt(x: float) -> str:
    """Compact number text for messages: 0, 1, 0.25, inf."""
    return f"{x:g}"


@dataclass(frozen=True)
class Param:
    """A tunable scalar parameter of a loss (e.g. Huber's delta)."""

    name: str
    label: str
    default: float
    low: float
    high: float
    low_inclusive: bool
    high_inclusive: bool
    choices: tuple[float, ...]  # uniform grid precomputed by the widgets

    def describe(self) -> str:
        """Allowed range in interval notation, e.g. ``"(0, inf)"``."""
        left = "[" if self.low_inclusive else "("
        right = "]" if self.high_inclusive else ")"
        return f"{left}{_fmt(self.low)}, {_fmt(self.high)}{right}"

    def check(self, value, loss: str | None = None) -> float:
        """``float(value)``, or ValueError naming the parameter (and ``loss``) and range."""
        prefix = f"{loss}: " if loss else ""
        problem = f"{prefix}parameter '{self.name}' must be in {self.describe()}"
        try:
            if np.ndim(value) != 0:
                raise TypeError("not a scalar")
            v = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{problem}, got {value!r}") from None
        above = v >= self.low if self.low_inclusive else v > self.low
        below = v <= self.high if self.high_inclusive else v < self.high
        if not (above and below):  # NaN fails both comparisons
            raise ValueError(f"{problem}, got {v!r}")
        return v


def finite_array(x, what: str, owner: str) -> np.ndarray:
    """float64 array from array-like ``x``; ValueError naming ``owner`` and ``what`` unless
    every element is a finite real number. Shared by the engine's modules."""
    try:
        if np.iscomplexobj(x):
            raise TypeError("complex")
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: '{what}' must be real numbers, got {x!r}") from None
    if not np.isfinite(a).all():
        raise ValueError(f"{owner}: '{what}' must be finite, got NaN or inf")
    return a


@dataclass(frozen=True)
class Loss:
    """One loss function: metadata plus validated elementwise value and gradient."""

    name: str
    label: str
    kind: str
    latex: str
    grad_latex: str
    params: tuple[Param, ...]
    domain: tuple[float, float]
    targets: tuple[float, float, float]
    robust: bool
    summary: str
    # Teaching text for the comparison table (our own words; one sentence each).
    short: str            # abbreviation shown in tight spaces: "MSE"
    concept: str
    pros: str
    cons: str
    best_use: str
    # Kernels: called with validated, broadcast float64 arrays and float params.
    _value: Callable[..., np.ndarray] = field(repr=False, compare=False)
    _grad: Callable[..., np.ndarray] = field(repr=False, compare=False)
    # Closed interval both inputs must lie in (None = any finite value).
    _input_range: tuple[float, float] | None = field(default=None, repr=False)
    # Closed interval the target alone must lie in (None = any finite value).
    _target_range: tuple[float, float] | None = field(default=None, repr=False)
    # The only target values allowed (hinge: the classes -1 and +1), or None.
    labels: tuple[float, ...] | None = None
    # What ``pred`` stands for: a key of OUTPUTS.
    output: str = "value"

    @property
    def symbol(self) -> str:
        """LaTeX symbol of the prediction in this loss's formulas: \\hat{y}, z or s."""
        return OUTPUTS[self.output]

    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.params}

    def value(self, pred, target, **params) -> np.ndarray:
        """Elementwise loss (reduction 'none'), float64, broadcast shape."""
        return self._run(self._value, pred, target, params)

    def grad(self, pred, target, **params) -> np.ndarray:
        """Elementwise d value / d pred, same shape as :meth:`value`."""
        return self._run(self._grad, pred, target, params)

    def _run(self, kernel, pred, target, params) -> np.ndarray:
        p, t, kw = self._prepare(pred, target, params)
        with np.errstate(over="ignore", under="ignore"):  # saturate to inf / 0
            out = kernel(p, t, **kw)
        return np.asarray(out, dtype=np.float64)  # 0-d array, not numpy scalar

    def _prepare(self, pred, target, params):
        """The single validation path shared by value() and grad()."""
        p, t = finite_array(pred, "pred", self.name), finite_array(target, "target", self.name)
        try:
            p, t = np.broadcast_arrays(p, t)
        except ValueError:
            raise ValueError(
                f"{self.name}: 'pred' of shape {p.shape} and 'target' of shape "
                f"{t.shape} do not broadcast together"
            ) from None
        known = {q.name: q for q in self.params}
        unknown = sorted(set(params) - set(known))
        if unknown:
            takes = f"takes: {', '.join(known)}" if known else "takes no parameters"
            raise ValueError(f"{self.name}: unknown parameter '{unknown[0]}'; {self.name} {takes}")
        kw = {n: q.check(params.get(n, q.default), self.name) for n, q in known.items()}
        if self._input_range is not None:
            lo, hi = self._input_range
            for what, a in (("pred", p), ("target", t)):
                bad = (a < lo) | (a > hi)
                if bad.any():
                    raise ValueError(
                        f"{self.name}: '{what}' must be in [{_fmt(lo)}, {_fmt(hi)}], "
                        f"got {float(a[bad].flat[0])!r}"
                    )
        if self._target_range is not None:
            lo, hi = self._target_range
            bad = (t < lo) | (t > hi)
            if bad.any():
                raise ValueError(
                    f"{self.name}: 'target' must be in [{_fmt(lo)}, {_fmt(hi)}] (a label or a "
                    f"soft label), got {float(t[bad].flat[0])!r}"
                )
        if self.labels is not None:
            bad = ~np.isin(t, self.labels)
            if bad.any():
                allowed = " or ".join(f"{v:+g}" for v in self.labels)
                raise ValueError(
                    f"{self.name}: 'target' must be {allowed} (the two classes), "
                    f"got {float(t[bad].flat[0])!r}"
                )
        return p, t, kw


# --------------------------------------------------------------------- kernels


def _huber(p, t, delta):
    r = p - t
    a = np.abs(r)
    return np.where(a < delta, 0.5 * r * r, delta * (a - 0.5 * delta))


def _huber_grad(p, t, delta):
    r = p - t
    return np.where(np.abs(r) < delta, r, delta * np.sign(r))


def _log_cosh(p, t):
    a = np.abs(p - t)  # log cosh is even
    small = np.minimum(a, 1.0)  # each branch sees only inputs it is accurate for
    large = np.maximum(a, 1.0)
    # cosh r - 1 = 2 sinh^2(r/2) keeps full relative precision as r -> 0 ...
    near = np.log1p(2.0 * np.sinh(0.5 * small) ** 2)
    # ... and log cosh r = |r| + log(1 + e^{-2|r|}) - log 2 never overflows.
    far = large + np.log1p(np.exp(-2.0 * large)) - math.log(2.0)
    return np.where(a < 1.0, near, far)


# Barron's general robust loss. With x = |r| / c and b = |alpha - 2| = 2 - alpha (alpha <= 2):
#   rho = (b / alpha) ((1 + x^2 / b)^(alpha / 2) - 1) = h E(u),   drho/dr = sign(r) x e^(-h) / c,
# where L = log1p(x^2 / b), h = b L / 2, u = alpha L / 2 and E(u) = expm1(u) / u with E(0) = 1.
# Nothing is divided by alpha, so alpha = 0 (Cauchy, h = log1p(x^2 / 2)) is the same formula
# with E(0) = 1 exactly, and alpha near 0 or near 2 keeps full precision (expm1 and log1p:
# no (1 + tiny)^huge - 1). alpha = 2 (b = 0, L2) and alpha = -inf (Welsch) have their own
# branches. Up to x = _BARRON_FAR x^2 is formed; beyond it L comes from logarithms, so a
# residual of 1e300 never squares to inf on the way. A residual that is itself inf (pred -
# target beyond float64) gets the loss's limit there, which is what torch float64 gives.
_BARRON_FAR = 1e100


def _expm1_ratio(u):
    """expm1(u) / u, with its limit 1 at u = 0."""
    safe = np.where(u != 0.0, u, 1.0)
    return np.where(u != 0.0, np.expm1(safe) / safe, 1.0)


def _barron_parts(r, alpha, scale):
    """(near, x, log_x, h, L) for finite alpha < 2 on the finite residuals ``r``: near marks
    x = |r|/c <= _BARRON_FAR, where x is formed; far ones use log x = log |r| - log c only."""
    b = 2.0 - alpha
    a = np.abs(r)
    near = a <= _BARRON_FAR * scale
    x = np.where(near, a, 0.0) / scale
    log_x = np.log(np.where(near, 1.0, a)) - math.log(scale)
    y = x * x / b  # at most 1e200 / 4.4e-16; a huge b only makes it small
    y_safe = np.where(y > 0.0, y, 1.0)
    ratio = np.where(y > 0.0, np.log1p(y_safe) / y_safe, 1.0)  # log1p(y) / y, 1 at y = 0
    L_far = softplus(2.0 * log_x - math.log(b))  # log(1 + e^(log y)) without forming y
    L = np.where(near, np.log1p(y), L_far)
    h = np.where(near, 0.5 * x * x * ratio, 0.5 * b * L_far)  # near: b L / 2 without 1/b
    return near, x, log_x, h, L


def _barron(p, t, alpha, scale):
    r = p - t  # +-inf only when the residual is beyond float64
    if alpha == 2.0:  # L2
        x = np.abs(r) / scale
        return 0.5 * x * x
    if alpha == -math.inf:  # Welsch
        x = np.abs(r) / scale
        return -np.expm1(-0.5 * x * x)
    b = 2.0 - alpha
    inf = np.isinf(r)
    near, x, log_x, h, L = _barron_parts(np.where(inf, 0.0, r), alpha, scale)
    rho_near = h * _expm1_ratio((alpha / b) * h)
    u = 0.5 * alpha * L
    if abs(alpha) < 1e-3:  # h E(u) is at most about L here: no overflow, no 1/alpha
        rho_far = h * _expm1_ratio(u)
    else:  # b / alpha is moderate; where e^u alone would overflow, fold b / alpha into it
        k = b / alpha
        big = u > 50.0  # e^-50 is below float64's resolution of 1
        rho_far = np.where(big, np.exp(np.where(big, u, 0.0) + math.log(abs(k))),
                            k * np.expm1(np.minimum(u, 50.0)))
    limit = math.inf if alpha >= 0.0 else b / -alpha  # rho at |r| = inf
    return np.where(inf, limit, np.where(near, rho_near, rho_far))


def _barron_grad(p, t, alpha, scale):
    r = p - t
    sign = np.sign(r)
    if alpha == 2.0:
        return sign * (np.abs(r) / scale) / scale
    if alpha == -math.inf:
        x = np.minimum(np.abs(r) / scale, 64.0)  # e^(-64^2 / 2) is 0 in float64
        # 1/c goes into the exponent: e^(-x^2/2) alone underflows past x ~ 38, x e^(-x^2/2) / c need not
        return sign * x * np.exp(-0.5 * x * x - math.log(scale))
    inf = np.isinf(r)
    near, x, log_x, h, _ = _barron_parts(np.where(inf, 0.0, r), alpha, scale)
    g_near = x * np.exp(-h - math.log(scale))  # e^-h / c as one exp: e^-h may underflow alone
    g_far = np.exp(log_x - h - math.log(scale))
    # Slope at |r| = inf: 0 for alpha < 1, sqrt(b) / c = 1 / c for alpha = 1, inf beyond.
    limit = 0.0 if alpha < 1.0 else (1.0 / scale if alpha == 1.0 else math.inf)
    return sign * np.where(inf, limit, np.where(near, g_near, g_far))


_BCE_LOG_FLOOR = -100.0  # torch clamps each log term at -100
_BCE_EPS = 1e-12  # torch's EPSILON in the backward (torch holds it as float32, ~1e-12)


def _bce(p, y):
    # Feed log only values where it is finite; substitute the floor elsewhere.
    log_p = np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), _BCE_LOG_FLOOR)
    log_1mp = np.where(p < 1, np.log1p(-np.where(p < 1, p, 0.0)), _BCE_LOG_FLOOR)
    log_p = np.maximum(log_p, _BCE_LOG_FLOOR)
    log_1mp = np.maximum(log_1mp, _BCE_LOG_FLOOR)
    return -(y * log_p + (1.0 - y) * log_1mp)


def _bce_grad(p, y):
    return (p - y) / np.maximum(p * (1.0 - p), _BCE_EPS)


def softplus(x):
    """log(1 + e^x), exact and finite for any finite x (never forms e^|x|)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(under="ignore"):  # e^-|x| underflows to 0 past |x| ~ 745; it never overflows
        return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def sigmoid(x):
    """1 / (1 + e^-x) with full relative precision on both tails."""
    x = np.asarray(x, dtype=np.float64)
    # e^-|x| is in (0, 1]: it never overflows, and underflows to 0 past |x| ~ 745,
    # where 1 / (1 + e) is then exactly 1 and e / (1 + e) exactly 0, as they should be.
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# Losses on a logit z, label y in [0, 1]. log sigma(z) = -softplus(-z) and
# log(1 - sigma(z)) = -softplus(z), so nothing is ever rounded to log(0).


def _bce_logits(z, y, pos_weight):
    return pos_weight * y * softplus(-z) + (1.0 - y) * softplus(z)


def _bce_logits_grad(z, y, pos_weight):
    return (1.0 - y) * sigmoid(z) - pos_weight * y * sigmoid(-z)


def _focal_parts(z, y, alpha):
    s, s_neg = sigmoid(z), sigmoid(-z)
    q = y * s_neg + (1.0 - y) * s  # 1 - p_t, exact on both tails (no 1 - p)
    alpha_t = alpha * y + (1.0 - alpha) * (1.0 - y)
    ce = y * softplus(-z) + (1.0 - y) * softplus(z)
    return s, s_neg, q, alpha_t, ce


def _focal(z, y, gamma, alpha):
    _, _, q, alpha_t, ce = _focal_parts(z, y, alpha)
    return alpha_t * ce * q**gamma


def _focal_grad(z, y, gamma, alpha):
    s, s_neg, q, alpha_t, ce = _focal_parts(z, y, alpha)
    # d(1 - p_t)/dz = (1 - 2y) s s_neg, and s s_neg / q <= 1, so write
    # d q^gamma / dz = gamma q^gamma (s s_neg / q) (1 - 2y): no q^(gamma - 1) to blow up.
    ratio = np.where(q > 0, s * s_neg / np.where(q > 0, q, 1.0), np.maximum(s, s_neg))
    # sigma(z) - y written as (1 - y) s - y s_neg, exact when s rounds to 1.
    return alpha_t * q**gamma * (((1.0 - y) * s - y * s_neg) + gamma * (1.0 - 2.0 * y) * ce * ratio)


def _hinge(s, y, margin):
    return np.maximum(margin - y * s, 0.0)


def _hinge_grad(s, y, margin):
    # Like torch's relu: slope 0 at the kink, where margin - y s is exactly 0.
    return np.where(margin - y * s > 0, -y, 0.0)


# -------------------------------------------------------------------- registry

_R = r"(\hat{y} - y)"  # residual as it appears in the formulas
_ABS_R = r"\lvert \hat{y} - y \rvert"
_REGRESSION = dict(kind="regression", domain=(-6.0, 6.0), targets=(-3.0, 3.0, 0.25))

_DELTA = Param(  # (0, inf), widgets step through 0.25 ... 3.0 (exact in binary)
    "delta", "Huber δ", 1.0, 0.0, math.inf, False, False,
    choices=tuple(0.25 * k for k in range(1, 13)),
)

# Barron's shape alpha: [-inf, 2]. Every alpha up to 2 grows at most like the square, from
# L2 (alpha = 2) through Charbonnier (1), Cauchy (0) and Geman-McClure (-2) down to Welsch
# (-inf, allowed: a Param range may include it). Beyond 2 the family grows faster than the
# square and punishes outliers harder than MSE, the opposite of its purpose, so it stops at
# 2 (Barron's adaptive version keeps alpha in [0, 2] as well).
# Widget grid: the explorer precomputes a curve on two axes for every (alpha, scale) pair,
# about 12 KB gzipped each, so the grid is the shortest uniform one through 2, 1, 0 and -2;
# -2 already shows the bounded, Welsch-like plateau. Scale: two choices, the fewest a
# slider can have.
_BARRON_ALPHA = Param(
    "alpha", "Barron α", 1.0, -math.inf, 2.0, True, True,
    choices=(-2.0, -1.0, 0.0, 1.0, 2.0),
)
# (0, inf): c is where the quadratic bowl bends, in the target's units. The widgets keep it
# at 1 (one choice, so no slider): rho(r, alpha, c) = rho(r / c, alpha, 1) only stretches
# the curve, and each extra choice would cost the explorer ~12 KB gzip per alpha.
_BARRON_SCALE = Param(
    "scale", "Barron scale c", 1.0, 0.0, math.inf, False, False, choices=(1.0,),
)

_LOSSES = (
    Loss(
        name="mse", label="Mean squared error", latex=_R + "^2", grad_latex="2" + _R,
        params=(), robust=False, **_REGRESSION,
        summary="Squares each miss, so large errors dominate and pull the fit hardest.",
        short="MSE",
        concept="The average squared distance between prediction and truth.",
        pros="Smooth everywhere, with a slope that shrinks as the prediction closes in, "
             "so steps get gentler near the answer; its minimiser is the mean.",
        cons="One wild target can dominate: an error ten times larger costs a hundred "
             "times more, and the loss is in squared units.",
        best_use="Regression on clean data where large mistakes really are much worse, "
                 "such as predicting temperatures or sensor readings.",
        _value=lambda p, t: (p - t) ** 2,
        _grad=lambda p, t: 2.0 * (p - t),
    ),
    Loss(
        name="mae", label="Mean absolute error", latex=_ABS_R,
        grad_latex=r"\operatorname{sign}" + _R, params=(), robust=True, **_REGRESSION,
        summary="Charges each miss by its size, so every error pulls with the same force.",
        short="MAE",
        concept="The average absolute distance between prediction and truth.",
        pros="Resistant to outliers, since a far point pulls no harder than a near one; "
             "reads in the target's own units; its minimiser is the median.",
        cons="The slope is ±1 right up to the answer, so a fixed step size keeps "
             "overshooting, and it has a kink at zero error.",
        best_use="Regression with noisy targets or occasional gross errors, such as "
                 "delivery times or prices scraped from the web.",
        _value=lambda p, t: np.abs(p - t),
        _grad=lambda p, t: np.sign(p - t),
    ),
    Loss(
        name="huber", label="Huber", params=(_DELTA,), robust=True, **_REGRESSION,
        latex=(r"\begin{cases} \tfrac{1}{2}" + _R + r"^2 & " + _ABS_R + r" < \delta \\ "
               r"\delta \left(" + _ABS_R + r" - \tfrac{1}{2}\delta\right) & "
               r"\text{otherwise} \end{cases}"),
        grad_latex=(r"\begin{cases} " + _R + r" & " + _ABS_R + r" < \delta \\ "
                    r"\delta \operatorname{sign}" + _R + r" & \text{otherwise} \end{cases}"),
        summary="Quadratic for misses smaller than delta and linear beyond, "
                "so small errors are refined gently while outliers cannot dominate.",
        short="Huber",
        concept="Squared error for small misses, absolute error for large ones, "
                "joined smoothly at δ.",
        pros="Fine control near the answer and robustness far from it, with a slope "
             "that never exceeds δ in size.",
        cons="δ is one more setting to choose, and it is measured in the target's units, "
             "so it must follow the data's scale.",
        best_use="Regression where most data are clean but some points are wild, such "
                 "as robust curve fitting or bounding-box regression in detectors.",
        _value=_huber,
        _grad=_huber_grad,
    ),
    Loss(
        name="log_cosh", label="Log-cosh", latex=r"\log\cosh" + _R,
        grad_latex=r"\tanh" + _R, params=(), robust=True, **_REGRESSION,
        summary="A smooth blend that behaves like half the squared error near zero "
                "and like the absolute error far away.",
        short="log-cosh",
        concept="The logarithm of the hyperbolic cosine of the error: a Huber-like "
                "curve whose bend is gradual, so even its curvature never jumps.",
        pros="Infinitely differentiable (Huber's curvature jumps at ±δ), robust like "
             "MAE for large errors, with no threshold to tune.",
        cons="The switch from quadratic to linear happens around an error of 1 whatever "
             "the units, so the data's scale matters; its curvature sech² r fades to zero "
             "far out, so Newton-type steps overshoot on outliers.",
        best_use="Regression needing a gradient free of kinks and some outlier "
                 "tolerance, on targets scaled so that ordinary errors are near 1.",
        _value=_log_cosh,
        _grad=lambda p, t: np.tanh(p - t),
    ),
    Loss(
        name="barron", label="Barron's general loss", short="Barron",
        params=(_BARRON_ALPHA, _BARRON_SCALE), robust=True, **_REGRESSION,
        latex=(r"\frac{\lvert \alpha - 2 \rvert}{\alpha}\left[\left(\frac{" + _R
               + r"^2 / c^2}{\lvert \alpha - 2 \rvert} + 1\right)^{\alpha / 2} - 1\right]"),
        grad_latex=(r"\frac{" + _R + r"}{c^2}\left(\frac{" + _R
                    + r"^2 / c^2}{\lvert \alpha - 2 \rvert} + 1\right)^{\alpha / 2 - 1}"),
        summary="One dial, α, slides a single formula from squared error through "
                "pseudo-Huber and Cauchy down to losses that stop growing, so far misses "
                "eventually count for almost nothing.",
        concept="A two-setting family: c fixes the width of the quadratic bottom and α "
                "fixes how fast the penalty grows beyond it, with α = 2, 1, 0, −2 and −∞ "
                "giving known named losses.",
        pros="Covers many classic robust losses with one implementation, lets α be tuned or "
             "even learned, and for α below 0 a single outlier's pull fades towards zero.",
        cons="Below α = 1 the loss is not convex, so a fit can stop in a poor local "
             "minimum and needs a sensible start, and the special values of α need "
             "separate formulas.",
        best_use="Fitting lines, camera poses or depth maps to data with many gross "
                 "outliers, starting from a robust fit and lowering α to trust the "
                 "inliers more.",
        _value=_barron,
        _grad=_barron_grad,
    ),
    Loss(
        name="bce", label="Binary cross-entropy", kind="classification",
        latex=r"-\left[y \log \hat{y} + (1 - y) \log(1 - \hat{y})\right]",
        grad_latex=r"\frac{\hat{y} - y}{\hat{y}\,(1 - \hat{y})}",
        params=(), domain=(0.0, 1.0), targets=(0.0, 1.0, 0.25), robust=False,
        summary="Scores a predicted probability by how surprised it is by the label, "
                "punishing confident mistakes ever more steeply as they near certainty.",
        short="BCE",
        concept="For a 0/1 label, the negative log of the probability the model gave to "
                "the true class; a soft label mixes both logs, so its floor is the "
                "label's entropy, above zero.",
        pros="Grows without bound for confident mistakes and, after a sigmoid, gives the "
             "simple gradient p − y, so wrong answers are corrected fast.",
        cons="Needs probabilities strictly inside (0, 1): log 0 is infinite, so "
             "libraries clamp it, and imbalanced classes need weights.",
        best_use="Yes/no classification and multi-label tagging, such as spam "
                 "detection or flagging defects.",
        _value=_bce,
        _grad=_bce_grad,
        _input_range=(0.0, 1.0),
        output="probability",
    ),
)

_POS_WEIGHT = Param(  # (0, inf); widgets step through 0.5 ... 4
    "pos_weight", "Positive weight", 1.0, 0.0, math.inf, False, False,
    choices=tuple(0.5 * k for k in range(1, 9)),
)
_GAMMA = Param(  # [0, inf); gamma = 0 is plain (alpha-weighted) cross-entropy
    "gamma", "Focal γ", 2.0, 0.0, math.inf, True, False, choices=tuple(float(k) for k in range(6)),
)
_ALPHA = Param(  # [0, 1]: the weight of the positive class (torchvision's 0.25 by default)
    "alpha", "Focal α", 0.25, 0.0, 1.0, True, True, choices=(0.0, 0.25, 0.5, 0.75, 1.0),
)
_MARGIN = Param(  # (0, inf)
    "margin", "Hinge margin", 1.0, 0.0, math.inf, False, False, choices=(0.5, 1.0, 1.5, 2.0),
)
_LOGIT = dict(kind="classification", domain=(-8.0, 8.0), robust=False)

_LOSSES = _LOSSES + (
    Loss(
        name="bce_logits", label="Binary cross-entropy on logits", short="BCE (logits)",
        latex=r"-\left[w_+\, y \log \sigma(z) + (1 - y) \log\bigl(1 - \sigma(z)\bigr)\right]",
        grad_latex=r"(1 - y)\,\sigma(z) - w_+\, y\,\sigma(-z)",
        params=(_POS_WEIGHT,), targets=(0.0, 1.0, 1.0), output="logit", **_LOGIT,
        summary="Cross-entropy taken straight from the raw score, so no probability is ever "
                "rounded to 0 or 1 before its logarithm.",
        concept="Binary cross-entropy of the sigmoid of a logit, fused into one numerically "
                "safe formula with an optional extra weight on positives.",
        pros="Exact for scores in the thousands, gradient simply σ(z) − y, and the positive "
             "weight rebalances rare positives without resampling.",
        cons="Still never reaches zero, so already-correct examples keep pulling a little, "
             "and a large positive weight trades precision for recall.",
        best_use="The default for yes/no and multi-label outputs in PyTorch or Keras, "
                 "handing over logits rather than probabilities.",
        _value=_bce_logits, _grad=_bce_logits_grad, _target_range=(0.0, 1.0),
    ),
    Loss(
        name="focal", label="Focal loss", short="focal",
        latex=(r"\alpha_t\,(1 - p_t)^{\gamma}\,\mathrm{CE}(z, y), \quad p = \sigma(z),\ "
               r"p_t = p y + (1 - p)(1 - y)"),
        grad_latex=(r"\alpha_t (1 - p_t)^{\gamma}\Bigl[\sigma(z) - y + \gamma\,(1 - 2y)\,"
                    r"\mathrm{CE}\,\tfrac{\sigma(z)\sigma(-z)}{1 - p_t}\Bigr]"),
        params=(_GAMMA, _ALPHA), targets=(0.0, 1.0, 1.0), output="logit", **_LOGIT,
        summary="Cross-entropy scaled down by how easy each example already is, so a flood "
                "of well-classified examples cannot drown out the hard ones.",
        concept="Cross-entropy multiplied by (1 − p_t) to the power γ, which fades the "
                "loss of examples the model already gets right.",
        pros="Easy examples add almost nothing once γ is around 2, so thousands of "
             "background boxes stop dominating; γ = 0 gives back weighted cross-entropy.",
        cons="Two settings to tune, probabilities come out less calibrated, and "
             "mislabelled hard examples get extra attention too.",
        best_use="Dense object detection and other tasks with a flood of easy negatives, "
                 "as in RetinaNet.",
        _value=_focal, _grad=_focal_grad, _target_range=(0.0, 1.0),
    ),
    Loss(
        name="hinge", label="Hinge", short="hinge",
        latex=r"\max(0,\; m - y\, s)", grad_latex=r"-y \;\text{if}\; y\, s < m,\ \text{else}\ 0",
        params=(_MARGIN,), targets=(-1.0, 1.0, 2.0), output="score", labels=(-1.0, 1.0), **_LOGIT,
        summary="Zero once the score is on the right side by at least the margin, and a "
                "straight ramp otherwise, as in support vector machines.",
        concept="A linear penalty on the shortfall of the signed score y·s below the "
                "margin, with labels −1 and +1.",
        pros="Exactly zero for examples beyond the margin, so the fit is decided by the "
             "few points near the boundary; cheap and sparse.",
        cons="Its scores are not probabilities, it has a corner at the margin, and it "
             "ignores how confident a correct answer is.",
        best_use="Linear classifiers and support vector machines when only the decision, "
                 "not a calibrated probability, is wanted.",
        _value=_hinge, _grad=_hinge_grad,
    ),
    Loss(
        name="soft_margin", label="Soft margin", short="soft margin",
        latex=r"\log\left(1 + e^{-y\, s}\right)", grad_latex=r"-y\, \sigma(-y\, s)",
        params=(), targets=(-1.0, 1.0, 2.0), output="score", labels=(-1.0, 1.0), **_LOGIT,
        summary="A smooth hinge: logistic loss written for labels −1 and +1, fading "
                "towards zero instead of reaching it.",
        concept="The logistic loss of the signed score y·s, which is binary cross-entropy "
                "on logits with the labels recoded as −1 and +1.",
        pros="Smooth everywhere with no margin to choose, and its score still reads as a "
             "log-odds, unlike the hinge's.",
        cons="Correct examples keep a small pull forever, and PyTorch's own version "
             "overflows for scores beyond about 700 on the wrong side.",
        best_use="Margin-style classifiers that need a smooth gradient, or code written "
                 "for labels −1 and +1.",
        _value=lambda s, y: softplus(-y * s), _grad=lambda s, y: -y * sigmoid(-y * s),
    ),
)

REGISTRY: dict[str, Loss] = {loss.name: loss for loss in _LOSSES}


def get(name: str) -> Loss:
    """The loss registered under ``name``; ValueError listing known names otherwise."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown loss {name!r}; known losses: {', '.join(REGISTRY)}"
        ) from None


def names(kind: str | None = None) -> list[str]:
    """Registered loss names in order, optionally only those of one ``kind``."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; known kinds: {', '.join(KINDS)}")
    return [n for n, loss in REGISTRY.items() if kind is None or loss.kind == kind]
