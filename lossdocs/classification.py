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
"""

from __future__ import annotations

import numpy as np

from lossdocs.losses import Param, finite_array

__all__ = ["REDUCTIONS", "LABEL_SMOOTHING", "softmax", "log_softmax", "cross_entropy", "cross_entropy_grad"]

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
