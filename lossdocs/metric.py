"""Losses on distances and rankings (lesson six): triplet, contrastive, margin ranking.

Data flow: ``losses`` (shared input check, :class:`~lossdocs.losses.Param`) -> **metric**
-> widget builders.

Each loss comes with a gradient function of the same signature. All results are
float64 with reduction ``'none'`` (one loss per sample or element).

* :func:`triplet` is ``torch.nn.functional.triplet_margin_loss``: rows of ``anchor``,
  ``positive`` and ``negative`` (all of one shape, ``(N, D)`` or ``(D,)``) give
  ``max(0, margin + d(a, p) - d(a, n))``. Like torch's ``pairwise_distance``, the
  distance adds ``eps`` to every component of the difference before taking the
  p-norm: ``d(x, y) = ||x - y + eps||_p``, so it is not symmetric and is 0 only when
  ``y = x + eps``. With ``swap=True`` the negative's distance is
  ``min(d(a, n), d(p, n))``: the closer of the two to the negative counts.
  ``margin`` may be 0 here, where torch's Python wrapper insists on a positive margin
  (the ATen function behind it, ``torch.triplet_margin_loss``, takes 0 too).
* :func:`contrastive` has no torch counterpart: for a distance ``d >= 0`` between the
  two items of a pair, ``0.5 d^2`` when they are alike (``similar`` = 1) and
  ``0.5 max(0, margin - d)^2`` when they are not (``similar`` = 0).
* :func:`margin_ranking` is ``torch.nn.functional.margin_ranking_loss``:
  ``max(0, -y (x1 - x2) + margin)`` with ``y`` = +1 when ``x1`` should rank higher and
  -1 when ``x2`` should.

Gradients at the kinks follow torch's autograd, so that the two agree everywhere:

* a hinge that is exactly 0 passes its gradient on (torch's ``clamp_min`` counts the
  boundary as active); this differs from ``losses``' ``hinge``, which takes slope 0
  there like ``relu``;
* a distance of exactly 0 has gradient 0 (torch's norm backward masks it), and so does
  a component of the difference that is exactly 0 (also for ``p`` < 1, where the true
  slope would be infinite);
* with ``swap=True`` and ``d(a, n) = d(p, n)`` each distance takes half the gradient
  (the tie rule of torch's ``minimum``).

The gradient functions return the gradient of the SUM of the losses with respect to
each argument, in that argument's shape (what ``loss.sum().backward()`` leaves in
``.grad``). Where the arguments have one shape, each entry is simply the derivative of
its own element's loss. :func:`contrastive` is continuously differentiable, so it has
no kink to decide.

Bad input raises ValueError naming the argument: NaN or inf anywhere, a negative
``margin``, ``p`` <= 0 or not finite, a negative ``eps``, a ``swap`` that is not a
bool, a negative distance, ``similar`` other than 0 or 1, ``y`` other than -1 or +1,
and shapes that do not pair (both shapes named). Norms are computed scaled by the
largest component, so no intermediate power overflows or underflows.
"""

from __future__ import annotations

import math

import numpy as np

from lossdocs.losses import Param, finite_array

__all__ = ["TRIPLET_MARGIN", "CONTRASTIVE_MARGIN", "RANKING_MARGIN", "NORM_P", "PAIR_EPS",
           "pairwise_distance", "triplet", "triplet_grad", "contrastive", "contrastive_grad",
           "margin_ranking", "margin_ranking_grad"]

_MARGIN_CHOICES = tuple(0.25 * k for k in range(13))  # 0, 0.25, ..., 3 (exact in binary)

TRIPLET_MARGIN = Param("margin", "Margin m", 1.0, 0.0, math.inf, True, False, choices=_MARGIN_CHOICES)
CONTRASTIVE_MARGIN = Param("margin", "Margin m", 1.0, 0.0, math.inf, True, False, choices=_MARGIN_CHOICES)
RANKING_MARGIN = Param("margin", "Margin m", 0.0, 0.0, math.inf, True, False, choices=_MARGIN_CHOICES)
NORM_P = Param("p", "Norm order p", 2.0, 0.0, math.inf, False, False, choices=(1.0, 2.0, 3.0))
PAIR_EPS = Param("eps", "Offset ε added to the difference", 1e-6, 0.0, math.inf, True, False,
                 choices=(0.0, 1e-6))

_QUIET = dict(over="ignore", under="ignore")


def _sum_to(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``g`` (of a broadcast shape) down to ``shape``: the gradient of an argument
    that was broadcast is the sum over the copies it was broadcast into."""
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    return np.asarray(g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True))


def _broadcast(owner: str, named: dict[str, np.ndarray]) -> list[np.ndarray]:
    try:
        return list(np.broadcast_arrays(*named.values()))
    except ValueError:
        shapes = " and ".join(f"'{k}' of shape {v.shape}" for k, v in named.items())
        raise ValueError(f"{owner}: {shapes} do not broadcast together") from None


# ------------------------------------------------------------------ distances


def _norm_parts(x: np.ndarray, p: float) -> tuple[np.ndarray, np.ndarray]:
    """``(||x||_p, d||x||_p / dx)`` along the last axis, torch's conventions at 0."""
    ax = np.abs(x)
    if p == 1.0:
        return ax.sum(axis=-1), np.sign(x)
    top = ax.max(axis=-1, keepdims=True)  # callers guarantee D >= 1
    safe = np.where(top > 0, top, 1.0)
    r = ax / safe  # in [0, 1]: the powers below never overflow
    d = top[..., 0] * (r**p).sum(axis=-1) ** (1.0 / p)
    # d||x||/dx_i = sign(x_i) (|x_i| / ||x||)^(p - 1); 0 where x_i = 0 or ||x|| = 0.
    nd = np.where(d > 0, d, 1.0)[..., None]
    nonzero = ax > 0  # (so d > 0 too)
    ratio = np.where(nonzero, ax, 1.0) / nd
    g = np.where(nonzero, np.sign(x) * ratio ** (p - 1.0), 0.0)
    return d, g


def pairwise_distance(x1, x2, p=2.0, eps=1e-6) -> np.ndarray:
    """``||x1 - x2 + eps||_p`` along the last axis, as ``torch.nn.functional.pairwise_distance``;
    ``x1`` and ``x2`` of one shape, ``(N, D)`` or ``(D,)``."""
    owner = "pairwise_distance"
    p, eps = NORM_P.check(p, owner), PAIR_EPS.check(eps, owner)
    a, b = _same_rows(owner, {"x1": x1, "x2": x2})
    with np.errstate(**_QUIET):
        return np.asarray(_norm_parts(a - b + eps, p)[0])


def _same_rows(owner: str, arrays: dict) -> list[np.ndarray]:
    """Finite float64 arrays, all of one shape ``(N, D)`` or ``(D,)`` with D >= 1."""
    out = {k: finite_array(v, k, owner) for k, v in arrays.items()}
    shapes = {a.shape for a in out.values()}
    if len(shapes) > 1:
        listed = ", ".join(f"'{k}' of shape {v.shape}" for k, v in out.items())
        raise ValueError(f"{owner}: {listed} do not pair: they must have one shape, (N, D) or (D,)")
    name, first = next(iter(out.items()))
    if first.ndim not in (1, 2) or first.shape[-1] == 0:
        raise ValueError(f"{owner}: '{name}' and the others must be (D,) or (N, D) with D >= 1, "
                         f"got shape {first.shape}")
    return list(out.values())


# -------------------------------------------------------------------- triplet


def _triplet_prepare(anchor, positive, negative, margin, p, eps, swap, owner):
    margin = TRIPLET_MARGIN.check(margin, owner)
    p = NORM_P.check(p, owner)
    eps = PAIR_EPS.check(eps, owner)
    if not isinstance(swap, (bool, np.bool_)):
        raise ValueError(f"{owner}: 'swap' must be True or False, got {swap!r}")
    a, pos, neg = _same_rows(owner, {"anchor": anchor, "positive": positive, "negative": negative})
    return a, pos, neg, margin, p, eps, bool(swap)


def _triplet_parts(a, pos, neg, margin, p, eps, swap):
    """The hinge's argument and every distance with its gradient (w.r.t. its first input)."""
    d_ap, g_ap = _norm_parts(a - pos + eps, p)
    d_an, g_an = _norm_parts(a - neg + eps, p)
    if swap:
        d_pn, g_pn = _norm_parts(pos - neg + eps, p)
        d_neg = np.minimum(d_an, d_pn)
    else:
        d_pn = g_pn = None
        d_neg = d_an
    z = margin + d_ap - d_neg  # torch's order of operations
    return z, d_ap, g_ap, d_an, g_an, d_pn, g_pn


def triplet(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False) -> np.ndarray:
    """Triplet margin loss per row, ``max(0, margin + d(a, p) - d(a, n))``, as
    ``torch.nn.functional.triplet_margin_loss(..., reduction='none')`` (see the module
    docstring for the distance and ``swap``). Shape ``(N,)`` for ``(N, D)`` inputs, ``()``
    for ``(D,)``. ``margin`` >= 0, ``p`` > 0 (finite), ``eps`` >= 0."""
    args = _triplet_prepare(anchor, positive, negative, margin, p, eps, swap, "triplet")
    with np.errstate(**_QUIET):
        z = _triplet_parts(*args)[0]
        return np.asarray(np.maximum(z, 0.0))


def triplet_grad(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False):
    """Gradients of :func:`triplet` (same arguments) with respect to ``anchor``,
    ``positive`` and ``negative``: a tuple of three arrays of the inputs' shape. Row i
    holds the derivatives of row i's loss. A hinge exactly at 0 counts as active."""
    a, pos, neg, margin, p, eps, swap = _triplet_prepare(
        anchor, positive, negative, margin, p, eps, swap, "triplet_grad")
    with np.errstate(**_QUIET):
        z, _, g_ap, d_an, g_an, d_pn, g_pn = _triplet_parts(a, pos, neg, margin, p, eps, swap)
        active = np.where(z >= 0, 1.0, 0.0)[..., None]  # clamp_min passes its boundary
        if swap:
            # L = d(a, p) - [w d(a, n) + (1 - w) d(p, n)], d(x, y) = ||x - y + eps||, where
            # the smaller distance takes w = 1 or 0, and a tie w = 1/2 (torch's minimum).
            w = np.where(d_an < d_pn, 1.0, np.where(d_an == d_pn, 0.5, 0.0))[..., None]
            ga = active * (g_ap - w * g_an)
            gp = active * (-g_ap - (1.0 - w) * g_pn)
            gn = active * (w * g_an + (1.0 - w) * g_pn)
        else:  # L = d(a, p) - d(a, n)
            ga = active * (g_ap - g_an)
            gp = active * -g_ap
            gn = active * g_an
        return ga + 0.0, gp + 0.0, gn + 0.0  # + 0.0: no -0


# ---------------------------------------------------------------- contrastive


def _contrastive_prepare(d, similar, margin, owner):
    margin = CONTRASTIVE_MARGIN.check(margin, owner)
    dist = finite_array(d, "d", owner)
    sim = finite_array(similar, "similar", owner)
    if (dist < 0).any():
        raise ValueError(f"{owner}: 'd' must be a distance >= 0, got {float(dist[dist < 0].flat[0])!r}")
    bad = (sim != 0) & (sim != 1)
    if bad.any():
        raise ValueError(f"{owner}: 'similar' must be 1 (a similar pair) or 0 (a dissimilar one), "
                         f"got {float(sim[bad].flat[0])!r}")
    dd, ss = _broadcast(owner, {"d": dist, "similar": sim})
    return dist.shape, dd, ss, margin


def contrastive(d, similar, margin=1.0) -> np.ndarray:
    """Contrastive loss per pair: ``0.5 d^2`` where ``similar`` is 1, ``0.5 max(0, margin - d)^2``
    where it is 0. ``d`` >= 0 and ``similar`` broadcast together; ``margin`` >= 0."""
    _, dd, ss, margin = _contrastive_prepare(d, similar, margin, "contrastive")
    with np.errstate(**_QUIET):
        gap = np.maximum(margin - dd, 0.0)
        return np.asarray(np.where(ss == 1, 0.5 * dd * dd, 0.5 * gap * gap))


def contrastive_grad(d, similar, margin=1.0) -> np.ndarray:
    """d/dd of the summed :func:`contrastive` loss, in ``d``'s shape: ``d`` for a similar
    pair, ``-max(0, margin - d)`` for a dissimilar one (0 at and beyond the margin)."""
    shape, dd, ss, margin = _contrastive_prepare(d, similar, margin, "contrastive_grad")
    with np.errstate(**_QUIET):
        g = np.where(ss == 1, dd, -np.maximum(margin - dd, 0.0)) + 0.0
        return _sum_to(g, shape)


# ------------------------------------------------------------ margin ranking


def _ranking_prepare(x1, x2, y, margin, owner):
    margin = RANKING_MARGIN.check(margin, owner)
    a, b, t = finite_array(x1, "x1", owner), finite_array(x2, "x2", owner), finite_array(y, "y", owner)
    bad = (t != 1) & (t != -1)
    if bad.any():
        raise ValueError(f"{owner}: 'y' must be +1 (x1 should rank higher) or -1 (x2 should), "
                         f"got {float(t[bad].flat[0])!r}")
    aa, bb, tt = _broadcast(owner, {"x1": a, "x2": b, "y": t})
    return a.shape, b.shape, aa, bb, tt, margin


def margin_ranking(x1, x2, y, margin=0.0) -> np.ndarray:
    """Margin ranking loss ``max(0, -y (x1 - x2) + margin)`` per element, as
    ``torch.nn.functional.margin_ranking_loss(..., reduction='none')``; ``y`` is +1 or -1,
    ``x1``, ``x2`` and ``y`` broadcast together, ``margin`` >= 0."""
    _, _, a, b, t, margin = _ranking_prepare(x1, x2, y, margin, "margin_ranking")
    with np.errstate(**_QUIET):
        return np.asarray(np.maximum(-t * (a - b) + margin, 0.0))


def margin_ranking_grad(x1, x2, y, margin=0.0):
    """``(d/dx1, d/dx2)`` of the summed :func:`margin_ranking` loss, each in its argument's
    shape: ``(-y, y)`` where the hinge is active (also where it is exactly 0, as torch),
    ``(0, 0)`` elsewhere."""
    s1, s2, a, b, t, margin = _ranking_prepare(x1, x2, y, margin, "margin_ranking_grad")
    with np.errstate(**_QUIET):
        active = -t * (a - b) + margin >= 0
        g1 = np.where(active, -t, 0.0)
        return _sum_to(g1, s1), _sum_to(-g1 + 0.0, s2)  # + 0.0: no -0
