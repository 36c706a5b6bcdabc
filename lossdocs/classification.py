"""Multiclass cross-entropy: softmax, log-softmax, the loss and its gradient.

Data flow: ``losses`` (shared input check) -> **classification** -> widget builders.

:func:`cross_entropy` follows ``torch.nn.functional.cross_entropy`` (float64, no
``ignore_index``). Logits have shape ``(N, C)`` (N samples, C classes) or ``(C,)``
(one sample). The target's *shape* says what it holds:

* ``logits.shape[:-1]`` -- class indices (sparse categorical CE): ``(N,)``, or a
  scalar for ``(C,)`` logits. Integer-valued floats such as ``2.0`` are accepted.
* ``logits.shape`` -- class probabilities per sample (categorical CE, one-hot or
  soft). Like torch, rows are used as given: they are not required to sum to 1.

Every case is one formula. With ``lp = log_softmax(logits)`` each sample's loss is
``-sum_c q_c lp_c`` for a per-class coefficient row ``q`` (ε = ``label_smoothing``,
``w`` = ``weight``, all ones when omitted):

* class index y:      ``q_c = (1 - ε) w_y [c = y] + (ε / C) w_c``
* probabilities t:    ``q_c = w_c ((1 - ε) t_c + ε / C)``

so with index targets the smoothing term is weighted by every class's own weight,
not by the true class's. Its gradient with respect to the logits is
``softmax(logits) * sum_c q_c - q``. Reduction ``'mean'`` divides the summed loss by
``sum_i w_{y_i}`` (index targets; N when ``weight`` is None) or by N (probability
targets) -- torch's normalisations, smoothing term included.

Two deliberate differences from torch: where its ``'mean'`` over index targets would
divide by a zero weight sum and return NaN, a ValueError is raised instead; and
log-softmax uses ``log1p``, so a confident right answer's tiny loss keeps full relative
precision (two classes give ``softplus`` exactly) where torch rounds it to 0.

Only overflow and underflow are silenced (results saturate to ``inf`` or ``0``);
no numpy warning is emitted for finite inputs of any size.

Lesson three's other numbers live here too: :func:`fit_logistic` (a one-feature
logistic model fitted to the exact minimum of BCE with logits or focal loss by
Newton's method), :func:`imbalanced_data` (the seeded one-in-twenty data set) and its
:func:`scores`, and :func:`stability_table` (log-sigmoid and BCE computed naively, stably,
with torch's clamp and with Keras's clip).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lossdocs import losses
from lossdocs.losses import Param, finite_array

__all__ = ["REDUCTIONS", "LABEL_SMOOTHING", "softmax", "log_softmax", "cross_entropy", "cross_entropy_grad",
           "LogisticFit", "fit_logistic", "imbalanced_data", "scores", "stability_table"]

REDUCTIONS = ("none", "mean", "sum")

LABEL_SMOOTHING = Param(  # [0, 1] as in torch; widgets step through 0, 0.05, ..., 0.5
    "label_smoothing", "Label smoothing ε", 0.0, 0.0, 1.0, True, True,
    choices=tuple(k / 20 for k in range(11)),
)

_QUIET = dict(over="ignore", under="ignore")  # saturate to inf / 0, as losses does


def _logits_last_axis(logits, owner: str) -> np.ndarray:
    z = finite_array(logits, "logits", owner)
    if z.ndim == 0 or z.shape[-1] == 0:
        raise ValueError(f"{owner}: 'logits' must have at least one class along the last axis, got shape {z.shape}")
    return z


def _log_softmax(z: np.ndarray) -> np.ndarray:
    top = z.argmax(axis=-1)[..., None]
    shifted = z - np.take_along_axis(z, top, axis=-1)  # largest entry 0: exp never overflows
    # log sum_c exp = log1p(sum of the other terms): the top class's log-probability keeps
    # full relative precision when it is near 0 (so two classes give softplus exactly).
    others = np.exp(shifted)
    np.put_along_axis(others, top, 0.0, axis=-1)
    return shifted - np.log1p(others.sum(axis=-1, keepdims=True))


def log_softmax(logits) -> np.ndarray:
    """``log(softmax(logits))`` along the last axis, computed without forming the softmax;
    finite and exact for logits in the thousands (``[1000, 0, -1000]`` gives
    ``[0, -1000, -2000]``)."""
    z = _logits_last_axis(logits, "log_softmax")
    with np.errstate(**_QUIET):
        return _log_softmax(z)


def softmax(logits) -> np.ndarray:
    """Probabilities ``exp(z_c) / sum_k exp(z_k)`` along the last axis, float64. Stable for
    any finite logits: the largest is shifted to 0 first, so tiny terms underflow to 0."""
    z = _logits_last_axis(logits, "softmax")
    with np.errstate(**_QUIET):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)


def _prepare(logits, target, weight, label_smoothing, reduction, owner):
    """Shared validation of :func:`cross_entropy` and :func:`cross_entropy_grad`.

    Returns ``(lp, q, denominator)``: log-probabilities, the coefficient rows ``q``
    (both of the logits' shape) and what ``'mean'`` divides the summed loss by."""
    z = finite_array(logits, "logits", owner)
    if z.ndim not in (1, 2) or z.size == 0:
        raise ValueError(
            f"{owner}: 'logits' must be 1-D (C,) or 2-D (N, C) with at least one class and sample, "
            f"got shape {z.shape}"
        )
    eps = LABEL_SMOOTHING.check(label_smoothing, owner)
    if not (isinstance(reduction, str) and reduction in REDUCTIONS):
        allowed = ", ".join(repr(r) for r in REDUCTIONS)
        raise ValueError(f"{owner}: 'reduction' must be one of {allowed}, got {reduction!r}")
    n_classes = z.shape[-1]
    w = np.ones(n_classes) if weight is None else finite_array(weight, "weight", owner)
    if w.shape != (n_classes,):
        raise ValueError(f"{owner}: 'weight' must hold one value per class, shape ({n_classes},), got shape {w.shape}")
    if (w < 0).any():
        raise ValueError(f"{owner}: 'weight' must be non-negative, got {float(w[w < 0][0])!r}")
    t = finite_array(target, "target", owner)

    if t.shape == z.shape:  # class probabilities
        q = w * (t * (1.0 - eps) + eps / n_classes)
        return _log_softmax(z), q, z.size / n_classes
    if t.shape != z.shape[:-1]:
        index = "a scalar class index" if z.ndim == 1 else f"class indices of shape {z.shape[:-1]}"
        raise ValueError(
            f"{owner}: 'target' must be {index} or class probabilities of the logits' shape {z.shape}, "
            f"got shape {t.shape}"
        )
    bad = (t != np.floor(t)) | (t < 0) | (t >= n_classes)
    if bad.any():
        raise ValueError(
            f"{owner}: class indices in 'target' must be integers in [0, {n_classes}), got {float(t[bad].flat[0])!r}"
        )
    y = t.astype(np.intp)
    w_true = w[y]
    one_hot = np.arange(n_classes) == y[..., None]
    q = (1.0 - eps) * w_true[..., None] * one_hot + (eps / n_classes) * w
    denominator = float(w_true.sum())
    if reduction == "mean" and denominator == 0:
        raise ValueError(
            f"{owner}: 'weight' of the target classes sums to 0, so reduction 'mean' is undefined "
            "(torch returns NaN); give a target class a positive weight, or use 'sum' or 'none'"
        )
    return _log_softmax(z), q, denominator


def cross_entropy(logits, target, weight=None, label_smoothing=0.0, reduction="mean") -> np.ndarray:
    """Cross-entropy of softmax(``logits``) against ``target``, as
    ``torch.nn.functional.cross_entropy`` computes it (see the module docstring).

    ``target``: class indices of shape ``logits.shape[:-1]``, or class probabilities of
    ``logits.shape``. ``weight``: one non-negative rescaling per class (length C).
    ``label_smoothing`` in [0, 1]. ``reduction``: ``'none'`` (one loss per sample,
    shape ``(N,)`` or ``()``), ``'sum'`` or ``'mean'``. Returns a float64 array.
    """
    with np.errstate(**_QUIET):
        lp, q, denominator = _prepare(logits, target, weight, label_smoothing, reduction, "cross_entropy")
        # A class with q = 0 contributes 0 even where lp saturated to -inf.
        per_sample = -np.multiply(q, lp, out=np.zeros_like(lp), where=q != 0).sum(axis=-1)
        if reduction == "none":
            return np.asarray(per_sample)  # 0-d array, not numpy scalar, for (C,) logits
        total = per_sample.sum()
        return np.asarray(total / denominator if reduction == "mean" else total)


def cross_entropy_grad(logits, target, weight=None, label_smoothing=0.0, reduction="mean") -> np.ndarray:
    """Gradient of :func:`cross_entropy` (same arguments) with respect to ``logits``;
    same shape as ``logits``.

    For ``reduction='none'`` it is the gradient of the SUM of the per-sample losses:
    sample i's loss depends only on row i, so row i is that sample's own gradient.
    """
    with np.errstate(**_QUIET):
        lp, q, denominator = _prepare(logits, target, weight, label_smoothing, reduction, "cross_entropy_grad")
        # p * sum(q) - q, arranged so that p - 1 is expm1(lp): exact where p is near 1.
        g = np.exp(lp) * (q.sum(axis=-1, keepdims=True) - q) + np.expm1(lp) * q
        return g / denominator if reduction == "mean" else g


# ------------------------------------------------------------- logistic fits


@dataclass(frozen=True)
class LogisticFit:
    """A logistic model p = sigmoid(w x + b) fitted to the minimum of a mean loss."""

    loss: str
    params: dict
    w: float
    b: float
    value: float          # the mean loss at (w, b)
    grad_norm: float      # |dL/d(w, b)| at (w, b), below FIT_TOLERANCE
    iterations: int

    @property
    def threshold(self) -> float:
        """The x where p = 0.5 (w x + b = 0); inf when w = 0."""
        return -self.b / self.w if self.w != 0 else math.inf


FIT_LOSSES = ("bce_logits", "focal")
FIT_TOLERANCE = 1e-8
FIT_MAX_ITER = 200  # Newton steps before fit_logistic gives up
# A Hessian with a Cholesky pivot (squared) below this share of its diagonal entry is
# treated as singular and damped: a rounding residue is ~1e-16 of it, a damped one ~1e-8.
# (Per entry, so features in the billions, whose diagonal spans 1e18, are not damped.)
PIVOT_FLOOR = 1e-12


def _positive_definite(m: np.ndarray) -> bool:
    """Positive definite, and not merely by rounding: a singular Hessian (every x the same)
    can factor with a last pivot of ~1e-8 from rounding alone, or fail to factor, depending
    on the LAPACK build; either way it counts as singular (and is damped)."""
    try:
        pivots = np.diag(np.linalg.cholesky(m)) ** 2
    except np.linalg.LinAlgError:
        return False
    return bool(np.all(pivots > PIVOT_FLOOR * np.diag(m)))


def _mean_loss(loss, x, y, w, b, params):
    return float(loss.value(w * x + b, y, **params).mean())


def _second_derivative(loss, z, y, params):
    """d^2 loss / dz^2 per sample: exact for BCE with logits, central differences of the
    exact gradient for focal (Newton only needs a good curvature; the gradient is exact)."""
    if loss.name == "bce_logits":
        return ((1.0 - y) + params["pos_weight"] * y) * losses.sigmoid(z) * losses.sigmoid(-z)
    h = 1e-5 * np.maximum(1.0, np.abs(z))
    return (loss.grad(z + h, y, **params) - loss.grad(z - h, y, **params)) / (2.0 * h)


def fit_logistic(x, y, loss: str = "bce_logits", max_iter: int = FIT_MAX_ITER, **params) -> LogisticFit:
    """Fit p = sigmoid(w x + b) to labels ``y`` (0/1 or soft) by minimising the mean of
    ``loss`` (``'bce_logits'`` with ``pos_weight``, or ``'focal'`` with ``gamma`` and
    ``alpha``) with Newton's method: exact gradient, per-sample curvature, a
    Levenberg damping whenever the Hessian is not positive definite, and a backtracking
    line search. Stops once the gradient's norm is below ``FIT_TOLERANCE``, or below the
    rounding error float64 leaves in it when that is larger (features in the billions: about
    eps times the mean of |x| (|dL/dz| + |w x| + |b|)); a ValueError if that is not reached (for
    example, separable data has no minimum)."""
    if loss not in FIT_LOSSES:
        raise ValueError(f"fit_logistic: 'loss' must be one of {', '.join(FIT_LOSSES)}, got {loss!r}")
    fn = losses.get(loss)
    xs = finite_array(x, "x", "fit_logistic")
    ys = finite_array(y, "y", "fit_logistic")
    if xs.ndim != 1 or xs.shape != ys.shape or xs.size < 2:
        raise ValueError(f"fit_logistic: 'x' and 'y' must be 1-D of one length >= 2, got {xs.shape} and {ys.shape}")
    params = {**fn.defaults(), **params}
    fn.value(0.0, ys, **params)  # validates params and labels, naming what is wrong
    pos, neg = xs[ys == 1], xs[ys == 0]
    # Hard labels whose classes do not overlap have no minimum, and nor do classes that only
    # meet at one x: the boundary can sit there while |w| grows, so every other point's loss
    # keeps falling. (If every x is the same, w and b only act together and there is one.)
    spread = xs.max() > xs.min()
    if pos.size + neg.size == xs.size and (pos.size == 0 or neg.size == 0 or (
            spread and (pos.min() >= neg.max() or neg.min() >= pos.max()))):
        raise ValueError("fit_logistic: the two classes are separable, so the loss has no minimum "
                         "(it keeps falling as |w| grows); add overlapping or soft labels")
    design = np.stack([xs, np.ones_like(xs)], axis=1)
    eps = np.finfo(float).eps
    theta = np.zeros(2)
    stalled = False
    for it in range(max_iter + 1):
        z = design @ theta
        r = fn.grad(z, ys, **params)
        g = design.T @ r / xs.size
        norm = float(np.hypot(*g))
        # The gradient's rounding: each z = w x + b carries an error of about eps (|w x| + |b|)
        # (far above eps |z| where the two cancel, as for x far from 0), which moves dL/dz
        # by up to its curvature (at most about 1) times that, and the products and the sum
        # add eps |x dL/dz|. For x in the billions this exceeds FIT_TOLERANCE, and no (w, b)
        # has a smaller computed gradient.
        rounding = np.abs(design).T @ (np.abs(r) + np.abs(design) @ np.abs(theta)) / xs.size
        tolerance = max(FIT_TOLERANCE, 8 * eps * float(np.hypot(*rounding)))
        # Go on well past the tolerance while Newton still gains (it is nearly free here);
        # stalled: the last step moved nothing (False before the first step). Steps of
        # rounding size can go on moving (w, b) without stalling (features near 1e6): once
        # the budget is spent, a gradient below the tolerance is the minimum all the same.
        if norm < FIT_TOLERANCE * 1e-4 or (norm < tolerance and (stalled or it == max_iter)):
            return LogisticFit(loss, params, float(theta[0]), float(theta[1]),
                               _mean_loss(fn, xs, ys, theta[0], theta[1], params), norm, it)
        curv = _second_derivative(fn, z, ys, params)
        hess = (design * curv[:, None]).T @ design / xs.size
        mu = 0.0
        while not _positive_definite(hess + mu * np.eye(2)):
            mu = max(2 * mu, 1e-8 * (1 + np.abs(hess).max()))
        step = -np.linalg.solve(hess + mu * np.eye(2), g)
        now = _mean_loss(fn, xs, ys, *theta, params)
        # Near the minimum a Newton step's gain can be below the loss's rounding, where the
        # sufficient-decrease test cannot see it and would refuse exact steps: allow a change
        # of a few rounding units.
        slack = 8 * np.finfo(float).eps * max(1.0, abs(now))
        t = 1.0
        while (_mean_loss(fn, xs, ys, *(theta + t * step), params) > now + 1e-4 * t * (g @ step) + slack
               and t > 1e-12):
            t *= 0.5
        new = theta + t * step
        stalled = bool(np.array_equal(new, theta)) or t <= 1e-12
        theta = new
    raise ValueError(f"fit_logistic: no minimum found in {max_iter} Newton steps (gradient norm {norm:.3g})")


IMBALANCE_SEED = 20260317


def imbalanced_data(n_neg: int = 380, n_pos: int = 20, seed: int = IMBALANCE_SEED):
    """One feature, two classes, one positive in twenty: negatives ~ N(0, 1), positives
    ~ N(2, 1), seeded. Returns (x, y) sorted by x, float64."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(0.0, 1.0, n_neg), rng.normal(2.0, 1.0, n_pos)])
    y = np.concatenate([np.zeros(n_neg), np.ones(n_pos)])
    order = np.argsort(x, kind="stable")
    return x[order], y[order]


def scores(fit: LogisticFit, x, y) -> dict:
    """Accuracy, and the positive (minority) class's recall and precision, of the
    decision p >= 0.5 (w x + b >= 0). Precision is None when nothing is called positive."""
    xs, ys = np.asarray(x, float), np.asarray(y, float)
    called = fit.w * xs + fit.b >= 0
    positive = ys == 1
    tp = int((called & positive).sum())
    return {
        "accuracy": float((called == positive).mean()),
        "recall": tp / int(positive.sum()),
        "precision": tp / int(called.sum()) if called.any() else None,
        "called_positive": int(called.sum()),
        "true_positive": tp,
    }


# --------------------------------------------------------- numerical stability

STABILITY_Z = (-800.0, -100.0, -40.0, -20.0, -10.0, 10.0, 20.0, 40.0, 100.0, 800.0)
TORCH_LOG_FLOOR = -100.0   # torch's binary_cross_entropy clamps each log at -100
KERAS_EPSILON = 1e-7       # Keras clips probabilities into [eps, 1 - eps]
STABILITY_WAYS = ("naive", "stable", "torch_clamp", "keras_clip")


def stability_table(zs=STABILITY_Z) -> list[dict]:
    """log sigma(z), and BCE with label 0 (= -log(1 - sigma(z)) = softplus(z)), four ways:

    * ``naive``: sigma = 1 / (1 + exp(-z)) in float32, then log (can give -inf, inf);
    * ``stable``: -softplus(-z) and softplus(z) in float64, from the logit;
    * ``torch_clamp``: through the probability (an exact sigmoid rounded to float32), each
      log clamped at -100 (torch's ``binary_cross_entropy``), so the loss never exceeds 100;
    * ``keras_clip``: through that float32 probability clipped into [1e-7, 1 - 1e-7]
      (Keras's epsilon), so log p >= log 1e-7 = -16.12; 1 - 1e-7 rounds in float32 to
      1 - 2^-23, so the label-0 loss stops at -log(2^-23) = 15.94.

    One dict per z: ``{"z", "log_sigmoid": {way: value}, "bce0": {way: value}}``.
    """
    f32 = np.float32
    rows = []
    with np.errstate(over="ignore", under="ignore", divide="ignore"):  # nothing here is invalid
        for z in zs:
            z32 = f32(z)
            naive = f32(1) / (f32(1) + np.exp(-z32))          # the textbook sigmoid, float32
            p32 = f32(losses.sigmoid(z))  # what a (stable) sigmoid layer outputs in float32
            clipped = np.clip(p32, f32(KERAS_EPSILON), f32(1) - f32(KERAS_EPSILON))
            rows.append({
                "z": float(z),
                "log_sigmoid": {
                    "naive": float(np.log(naive)),
                    "stable": float(-losses.softplus(-z)),
                    "torch_clamp": float(max(np.log(p32), f32(TORCH_LOG_FLOOR))),
                    "keras_clip": float(np.log(clipped)),
                },
                "bce0": {
                    "naive": float(-np.log(f32(1) - naive)) + 0.0,  # + 0.0: no -0
                    "stable": float(losses.softplus(z)),
                    # torch takes log1p(-p) for log(1 - p), in float32, then clamps it
                    "torch_clamp": float(-max(np.log1p(-p32), f32(TORCH_LOG_FLOOR))),  # p32 >= +0: never -0
                    "keras_clip": float(-np.log(f32(1) - clipped)),
                },
            })
    return rows
