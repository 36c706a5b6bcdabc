"""Box overlap losses (lesson six): IoU, generalised IoU, their losses and gradients.

Data flow: ``losses`` (shared input check, :class:`~lossdocs.losses.Param`) -> **boxes**
-> widget builders.

A box is four numbers ``(x1, y1, x2, y2)`` in the last axis, its left, bottom, right
and top edges, with ``x1 <= x2`` and ``y1 <= y2``. ``pred`` and ``target`` are paired
box by box along their leading axes, which broadcast (one target against many
predictions, for example); every result has the broadcast leading shape.

The formulas are those of torchvision's ``generalized_box_iou_loss``, evaluated in the
same order, so the values agree with it to the last bit:

* intersection ``I``: the overlap's width times its height, and exactly 0 unless both
  are positive (boxes that only touch along an edge or at a corner do not overlap);
* union ``U = area(pred) + area(target) - I``;
* ``iou = I / (U + eps)``;
* ``C``: the area of the smallest box enclosing both, and
  ``giou = iou - (C - U) / (C + eps)``;
* :func:`iou_loss` is ``1 - iou`` and :func:`giou_loss` is ``1 - giou``, which is
  ``torchvision.ops.generalized_box_iou_loss(pred, target, reduction='none')``.

``eps`` (default 1e-7, torchvision's) must be > 0: it keeps every quotient finite. It
matters only when an area is near ``eps``: two identical boxes of area A have
``iou = A / (A + eps)``, a hair under 1 (a loss near ``eps / A``, not 0). When one box
lies inside the other, the outer one is the enclosing box (``C = U``), so GIoU equals IoU.

Zero-area boxes (``x1 == x2`` or ``y1 == y2``: a segment or a point) are allowed. Such
a box overlaps nothing (``I = 0``), so its IoU is 0 and its IoU loss 1. When both boxes
of a pair have zero area, ``U = 0`` as well and ``eps`` keeps ``0 / (0 + eps) = 0``;
their GIoU is then ``-C / (C + eps)`` (about -1) if the enclosing box has an area,
and 0 if it has none (both lie on one horizontal or vertical line).

Gradients (:func:`iou_loss_grad`, :func:`giou_loss_grad`) are with respect to
``pred``, in ``pred``'s shape: the gradient of the SUM of the losses, so a prediction
paired with several targets gets the sum of its gradients. They are computed by
backpropagation through the steps above, in the order torch's autograd takes them, and
make its choices at every kink: an edge level with the other box's edge sends half of
the gradient of ``max``/``min`` each way (torch's tie rule), and the intersection
passes no gradient unless the overlap has positive width and height. For disjoint
boxes ``I = 0`` and the IoU loss is flat: its gradient is exactly 0, however far apart
they are. GIoU's penalty ``(C - U) / (C + eps)``, the share of the enclosing box that
neither box covers, still shrinks as the prediction closes in, so its gradient moves
the prediction's centre towards the target's.

Bad input raises ValueError naming the argument: NaN or inf, a box with ``x2 < x1``
or ``y2 < y1``, a last axis that is not 4, leading axes that do not broadcast (both
shapes named), and an ``eps`` that is not a finite number > 0.
"""

from __future__ import annotations

import math

import numpy as np

from lossdocs.losses import Param, finite_array

__all__ = ["BOX_EPS", "iou", "giou", "iou_loss", "giou_loss", "iou_loss_grad", "giou_loss_grad"]

BOX_EPS = Param("eps", "Offset ε in the denominators", 1e-7, 0.0, math.inf, False, False, choices=(1e-7,))

_QUIET = dict(over="ignore", under="ignore")


def _boxes(x, what: str, owner: str) -> np.ndarray:
    b = finite_array(x, what, owner)
    if b.ndim == 0 or b.shape[-1] != 4:
        raise ValueError(f"{owner}: '{what}' must hold boxes (x1, y1, x2, y2) in a last axis of length 4, "
                         f"got shape {b.shape}")
    for lo, hi, axis in ((0, 2, "x"), (1, 3, "y")):
        bad = b[..., hi] < b[..., lo]
        if bad.any():
            i = np.argwhere(bad)[0]
            box = b[tuple(i)]
            raise ValueError(f"{owner}: a box in '{what}' has {axis}2 < {axis}1 "
                             f"({axis}1 = {float(box[lo])!r}, {axis}2 = {float(box[hi])!r}); each box must have "
                             f"x1 <= x2 and y1 <= y2")
    return b


def _prepare(pred, target, eps, owner):
    eps = BOX_EPS.check(eps, owner)
    p, t = _boxes(pred, "pred", owner), _boxes(target, "target", owner)
    try:
        pb, tb = np.broadcast_arrays(p, t)
    except ValueError:
        raise ValueError(f"{owner}: 'pred' of shape {p.shape} and 'target' of shape {t.shape} do not pair: "
                         f"their leading axes {p.shape[:-1]} and {t.shape[:-1]} do not broadcast") from None
    return p.shape, pb, tb, eps


def _parts(p, t, eps):
    """Every intermediate of torchvision's computation, in its order of operations."""
    x1, y1, x2, y2 = (p[..., k] for k in range(4))
    x1g, y1g, x2g, y2g = (t[..., k] for k in range(4))
    xk1, yk1 = np.maximum(x1, x1g), np.maximum(y1, y1g)
    xk2, yk2 = np.minimum(x2, x2g), np.minimum(y2, y2g)
    overlap = (yk2 > yk1) & (xk2 > xk1)
    inter = np.where(overlap, (xk2 - xk1) * (yk2 - yk1), 0.0)
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
    iou_ = inter / (union + eps)
    xc1, yc1 = np.minimum(x1, x1g), np.minimum(y1, y1g)
    xc2, yc2 = np.maximum(x2, x2g), np.maximum(y2, y2g)
    area_c = (xc2 - xc1) * (yc2 - yc1)
    return locals()


def _tie(a, b):
    """d max(a, b) / da under torch's rule: 1 if a > b, 1/2 if a == b, 0 if a < b
    (and so d min(a, b) / da is ``_tie(b, a)``)."""
    return np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0))


def _loss_grad(p, t, eps, g_iou, g_penalty):
    """d/d pred of ``g_iou * iou + g_penalty * (C - U) / (C + eps)`` (shaped like the
    broadcast ``p``), by backpropagation through torchvision's steps in torch's order:
    the adjoint of each intermediate (U, I, C) first, then the box coordinates."""
    v = _parts(p, t, eps)
    x1, y1, x2, y2 = v["x1"], v["y1"], v["x2"], v["y2"]
    x1g, y1g, x2g, y2g = v["x1g"], v["y1g"], v["x2g"], v["y2g"]
    inter, union, area_c = v["inter"], v["union"], v["area_c"]
    ue, ce = union + eps, area_c + eps
    # iou = I / (U + eps); penalty = (C - U) / (C + eps).
    g_u = g_iou * -((inter / ue) / ue) - g_penalty / ce
    g_c = g_penalty / ce + g_penalty * -(((area_c - union) / ce) / ce)
    g_i = g_iou / ue - g_u  # U = area + area_g - I
    g_i = np.where(v["overlap"], g_i, 0.0)  # I is a constant 0 unless the boxes overlap
    iw, ih = v["xk2"] - v["xk1"], v["yk2"] - v["yk1"]
    cw, ch = v["xc2"] - v["xc1"], v["yc2"] - v["yc1"]
    w, h = x2 - x1, y2 - y1
    # Each coordinate's three paths: the pred's area, the intersection, the enclosing box.
    return np.stack([
        -g_u * h - g_i * ih * _tie(x1, x1g) - g_c * ch * _tie(x1g, x1),
        -g_u * w - g_i * iw * _tie(y1, y1g) - g_c * cw * _tie(y1g, y1),
        g_u * h + g_i * ih * _tie(x2g, x2) + g_c * ch * _tie(x2, x2g),
        g_u * w + g_i * iw * _tie(y2g, y2) + g_c * cw * _tie(y2, y2g),
    ], axis=-1)


def iou(pred, target, eps=1e-7) -> np.ndarray:
    """Intersection over union ``I / (U + eps)`` of each pair of boxes, in [0, 1);
    shape: the broadcast leading axes."""
    _, p, t, eps = _prepare(pred, target, eps, "iou")
    with np.errstate(**_QUIET):
        return np.asarray(_parts(p, t, eps)["iou_"])


def giou(pred, target, eps=1e-7) -> np.ndarray:
    """Generalised IoU ``iou - (C - U) / (C + eps)`` of each pair of boxes, in (-1, 1);
    ``C`` is the area of the smallest box enclosing both."""
    _, p, t, eps = _prepare(pred, target, eps, "giou")
    with np.errstate(**_QUIET):
        v = _parts(p, t, eps)
        return np.asarray(v["iou_"] - (v["area_c"] - v["union"]) / (v["area_c"] + eps))


def iou_loss(pred, target, eps=1e-7) -> np.ndarray:
    """``1 - iou(pred, target)`` per pair, in (0, 1]: 1 for boxes that do not overlap."""
    _, p, t, eps = _prepare(pred, target, eps, "iou_loss")
    with np.errstate(**_QUIET):
        return np.asarray(1.0 - _parts(p, t, eps)["iou_"])


def giou_loss(pred, target, eps=1e-7) -> np.ndarray:
    """``1 - giou(pred, target)`` per pair, in (0, 2), as torchvision's
    ``generalized_box_iou_loss(pred, target, reduction='none', eps=eps)``."""
    _, p, t, eps = _prepare(pred, target, eps, "giou_loss")
    with np.errstate(**_QUIET):
        v = _parts(p, t, eps)
        return np.asarray(1.0 - (v["iou_"] - (v["area_c"] - v["union"]) / (v["area_c"] + eps)))


def _sum_to(g: np.ndarray, shape: tuple) -> np.ndarray:
    """The gradient of a ``pred`` that was broadcast: summed over its copies."""
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    g = g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)
    return np.asarray(g + 0.0)  # + 0.0: no -0


def iou_loss_grad(pred, target, eps=1e-7) -> np.ndarray:
    """d/d pred of the summed :func:`iou_loss`, in ``pred``'s shape; exactly 0 for a pair
    that does not overlap (touching included)."""
    shape, p, t, eps = _prepare(pred, target, eps, "iou_loss_grad")
    with np.errstate(**_QUIET):
        return _sum_to(_loss_grad(p, t, eps, -1.0, 0.0), shape)


def giou_loss_grad(pred, target, eps=1e-7) -> np.ndarray:
    """d/d pred of the summed :func:`giou_loss`, in ``pred``'s shape; nonzero for disjoint
    boxes, where it moves the prediction towards the target."""
    shape, p, t, eps = _prepare(pred, target, eps, "giou_loss_grad")
    with np.errstate(**_QUIET):
        return _sum_to(_loss_grad(p, t, eps, -1.0, 1.0), shape)
