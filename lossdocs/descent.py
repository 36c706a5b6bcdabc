"""Gradient descent on one tanh neuron: the paths the descent widget draws.

Data flow: ``losses`` -> **descent** (beside ``landscape``) -> widget builders.

The model is the neuron of :mod:`lossdocs.landscape`, ``ŷ = tanh(w x + b)``, trained
on the mean of a registry regression loss over the points ``(x, y)``. The gradient is
exact (chain rule: ``dL/dŷ · (1 - ŷ²) · (x, 1)``, averaged over the points used).

* :func:`trajectory` runs one descent and returns a :class:`Trajectory`.
* :func:`trajectories` runs a grid of learning rates x start points in one numpy pass
  (full batch, or the same seeded mini-batches for every path), for the widget's
  precomputed paths.

**Optimisers** follow ``torch.optim`` step for step, with its defaults
(:data:`OPTIMIZERS`); ``**hyper`` may override them (an optimiser takes only its own):

* ``sgd``: ``p -= lr g``  (``SGD(lr)``)
* ``momentum``: ``buf = g`` on the first step, then ``buf = μ buf + g``; ``p -= lr buf``
  (``SGD(lr, momentum=μ)``, no dampening)
* ``nesterov``: as ``momentum`` but ``p -= lr (g + μ buf)``  (``nesterov=True``, μ > 0)
* ``rmsprop``: ``v = α v + (1 - α) g²`` from ``v = 0``; ``p -= lr g / (√v + ε)``
* ``adam``: ``m += (1 - β1)(g - m)``, ``v = β2 v + (1 - β2) g²`` from zero; at step ``t``
  (from 1) ``p -= lr / (1 - β1^t) · m / (√v / √(1 - β2^t) + ε)``

**Schedules** give the learning rate of step ``k = 0 ... steps - 1`` (:data:`SCHEDULES`):

* ``constant``: ``lr``
* ``step``: ``lr · 0.5 ** (k // s)`` with ``s = max(1, steps // 3)`` -- halved every
  third of the run (``StepLR(step_size=s, gamma=0.5)`` stepped once per step)
* ``cosine``: ``lr · (1 + cos(π k / steps)) / 2`` -- ``CosineAnnealingLR(T_max=steps,
  eta_min=0)`` in closed form (torch updates it recursively; equal up to rounding)

**Mini-batches** (``batch_size``): each step draws ``batch_size`` distinct points with
``numpy.random.default_rng(seed).choice(n, batch_size, replace=False)``; the gradient
is the mean over the drawn points, while ``Trajectory.loss`` is always over all points.

**Divergence** never raises: with a learning rate far too large the path is what the
update rules make of it. Because ``tanh`` saturates the gradient stays bounded, so in
practice only absurd rates overflow; once a parameter is ``inf`` or ``nan`` the rest
of the path and its loss are ``inf``/``nan``, as they would be in torch.

**Agreement with torch** is to rounding: numpy's and torch's ``tanh`` and sums may differ
in the last bit. Where the dynamics amplify rounding -- MAE's sign bounce at a large lr,
or RMSprop sitting at a smooth minimum while ``√v`` decays towards the gradient's
rounding noise -- two correct implementations drift apart after enough steps.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

import numpy as np

from lossdocs import losses

__all__ = ["OPTIMIZERS", "SCHEDULES", "Trajectory", "trajectory", "trajectories"]

OPTIMIZERS: dict[str, dict] = {  # name -> PyTorch's default hyperparameters
    "sgd": {},
    "momentum": {"momentum": 0.9},
    "nesterov": {"momentum": 0.9},
    "rmsprop": {"alpha": 0.99, "eps": 1e-8},
    "adam": {"betas": (0.9, 0.999), "eps": 1e-8},
}
SCHEDULES = ("constant", "step", "cosine")

_OWNER = "descent"
_UNIT = dict(low=0.0, high=1.0, low_inclusive=True, high_inclusive=False, choices=())
_HYPER = {  # allowed range of each hyperparameter, checked by losses.Param
    "momentum": losses.Param("momentum", "momentum", 0.9, **_UNIT),
    "alpha": losses.Param("alpha", "smoothing", 0.99, **_UNIT),
    "betas": losses.Param("betas", "betas", 0.9, **_UNIT),
    "eps": losses.Param("eps", "epsilon", 1e-8, 0.0, math.inf, False, False, ()),
}
_LR = losses.Param("lr", "learning rate", 0.1, 0.0, math.inf, False, False, ())


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A descent path. Arrays are read-only; :func:`trajectories` adds leading
    ``(L, S)`` axes (learning rates, starts) to ``path`` and ``loss``, and ``(L,)`` to ``lr``."""

    path: np.ndarray  # (steps + 1, 2): (w, b) before any step and after each step
    loss: np.ndarray  # (steps + 1,): mean loss over ALL points at each point of the path
    lr: np.ndarray  # (steps,): learning rate used at each step
    batches: np.ndarray | None  # (steps, batch_size) point indices drawn, None = full batch

    def __post_init__(self):
        for a in (self.path, self.loss, self.lr, self.batches):
            if a is not None:
                a.setflags(write=False)


# ------------------------------------------------------------------ validation


def _loss(name, loss_params) -> tuple[losses.Loss, dict]:
    loss = losses.get(name)  # unknown names: the registry's own error
    if loss.kind != "regression":
        raise ValueError(
            f"loss: {name!r} is a {loss.kind} loss; only regression losses "
            f"({', '.join(losses.names('regression'))}) apply to the tanh neuron"
        )
    params = dict(loss_params or {})
    loss.value(0.0, 0.0, **params)  # unknown or out-of-range parameters: the loss's own error
    return loss, params


def _data(x, y) -> tuple[np.ndarray, np.ndarray]:
    x, y = (losses.finite_array(a, what, _OWNER) for a, what in ((x, "x"), (y, "y")))
    if x.ndim != 1 or x.size == 0 or x.shape != y.shape:
        raise ValueError(f"{_OWNER}: 'x' and 'y' must be non-empty 1-D arrays of equal length, "
                         f"got shapes {x.shape} and {y.shape}")
    return x, y


def _integer(value, what: str, low: int, high: float = math.inf) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError
        v = operator.index(value)
    except TypeError:
        raise ValueError(f"{_OWNER}: '{what}' must be an integer, got {value!r}") from None
    if not low <= v <= high:
        raise ValueError(f"{_OWNER}: '{what}' must be in [{low}, {high:g}], got {v}")
    return v


def _hyper(optimizer, hyper) -> dict:
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"{_OWNER}: unknown optimizer {optimizer!r}; known optimizers: "
                         f"{', '.join(OPTIMIZERS)}")
    defaults = OPTIMIZERS[optimizer]
    unknown = sorted(set(hyper) - set(defaults))
    if unknown:
        takes = f"takes: {', '.join(defaults)}" if defaults else "takes no hyperparameters"
        raise ValueError(f"{_OWNER}: unknown hyperparameter '{unknown[0]}'; {optimizer} {takes}")
    out = {**defaults, **hyper}
    for name, value in out.items():
        if name == "betas":
            if np.shape(value) != (2,):
                raise ValueError(f"{optimizer}: parameter 'betas' must be a pair, got {value!r}")
            out[name] = tuple(_HYPER[name].check(v, optimizer) for v in value)
        else:
            out[name] = _HYPER[name].check(value, optimizer)
    if optimizer == "nesterov" and out["momentum"] == 0:
        raise ValueError("nesterov: parameter 'momentum' must be > 0 for Nesterov momentum")
    return out


def _lrs(lrs, schedule: str, steps: int) -> np.ndarray:
    """``(L, steps)`` learning rate of each step for base rates ``lrs`` (L,)."""
    if schedule not in SCHEDULES:
        raise ValueError(f"{_OWNER}: unknown schedule {schedule!r}; known schedules: "
                         f"{', '.join(SCHEDULES)}")
    base = np.array([_LR.check(v, _OWNER) for v in lrs])[:, None]
    k = np.arange(steps)
    if schedule == "step":
        return base * 0.5 ** (k // max(1, steps // 3))
    if schedule == "cosine":
        return base * (1.0 + np.cos(np.pi * k / steps)) / 2.0
    return np.repeat(base, steps, axis=1)


# -------------------------------------------------------------------- the descent


def _elementwise(kernel, pred, y, params) -> np.ndarray:
    """``kernel(pred, y)``, with NaN where ``pred`` is not finite (a diverged path)."""
    ok = np.isfinite(pred)
    if ok.all():
        return kernel(pred, y, **params)
    return np.where(ok, kernel(np.where(ok, pred, 0.0), y, **params), np.nan)


def _descend(loss, params, x, y, start, lr, optimizer, hyper, batches) -> tuple[np.ndarray, np.ndarray]:
    """Paths ``(..., steps + 1, 2)`` and losses ``(..., steps + 1)`` from ``start`` (..., 2)
    with learning rates ``lr`` (..., steps), broadcast together."""
    steps = lr.shape[-1]
    p = np.broadcast_to(start, np.broadcast_shapes(start.shape, lr.shape[:-1] + (2,))).copy()
    path = np.empty(p.shape[:-1] + (steps + 1, 2))
    value = np.empty(p.shape[:-1] + (steps + 1,))
    zero = np.zeros_like(p)
    buf, m, v = zero, zero, zero
    mu, eps = hyper.get("momentum", 0.0), hyper.get("eps", 0.0)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged path saturates to inf/nan
        for k in range(steps + 1):
            pred = np.tanh(p[..., :1] * x + p[..., 1:])  # (..., n)
            path[..., k, :] = p
            value[..., k] = _elementwise(loss.value, pred, y, params).mean(axis=-1)
            if k == steps:
                break
            xb, yb = (x, y) if batches is None else (x[batches[k]], y[batches[k]])
            pb = pred if batches is None else pred[..., batches[k]]
            d = _elementwise(loss.grad, pb, yb, params) * (1.0 - pb * pb)  # dL/d(wx + b)
            g = np.stack([(d * xb).mean(axis=-1), d.mean(axis=-1)], axis=-1)
            step_lr = lr[..., k, None]
            if optimizer in ("momentum", "nesterov"):
                buf = g if k == 0 else mu * buf + g
                p = p - step_lr * (g + mu * buf if optimizer == "nesterov" else buf)
            elif optimizer == "rmsprop":
                v = hyper["alpha"] * v + (1.0 - hyper["alpha"]) * g * g
                p = p - step_lr * (g / (np.sqrt(v) + eps))
            elif optimizer == "adam":
                (b1, b2), t = hyper["betas"], k + 1
                m = m + (g - m) * (1.0 - b1)
                v = b2 * v + (1.0 - b2) * g * g
                denom = np.sqrt(v) / math.sqrt(1.0 - b2 ** t) + eps
                p = p - step_lr / (1.0 - b1 ** t) * (m / denom)
            else:
                p = p - step_lr * g
    return path, value


def _batches(n: int, batch_size, seed, steps: int) -> np.ndarray | None:
    """``(steps, batch_size)`` point indices drawn for each step, or None for full batch."""
    _integer(seed, "seed", 0)
    if batch_size is None:
        return None
    batch_size = _integer(batch_size, "batch_size", 1, n)
    rng = np.random.default_rng(seed)
    return np.stack([rng.choice(n, batch_size, replace=False) for _ in range(steps)])


def trajectory(loss, x, y, start, optimizer="sgd", lr=0.1, steps=100, loss_params=None,
               batch_size=None, seed=0, schedule="constant", **hyper) -> Trajectory:
    """Descend the mean ``loss`` of ``tanh(w x + b)`` against ``y`` from ``start = (w, b)``
    for ``steps`` steps of ``optimizer`` (see the module docstring for the rules).
    ``seed`` (a non-negative integer) only matters with ``batch_size``."""
    the_loss, params = _loss(loss, loss_params)
    x, y = _data(x, y)
    start = losses.finite_array(start, "start", _OWNER)
    if start.shape != (2,):
        raise ValueError(f"{_OWNER}: 'start' must be one point (w, b), got shape {start.shape}")
    hyper = _hyper(optimizer, hyper)
    steps = _integer(steps, "steps", 1)
    if np.ndim(lr) != 0:
        raise ValueError(f"{_OWNER}: 'lr' must be a scalar, got shape {np.shape(lr)}")
    lrs = _lrs([lr], schedule, steps)[0]
    batches = _batches(x.size, batch_size, seed, steps)
    path, value = _descend(the_loss, params, x, y, start, lrs, optimizer, hyper, batches)
    return Trajectory(path, value, lrs, batches)


def trajectories(loss, x, y, starts, optimizer, lrs, steps, loss_params=None,
                 schedule="constant", batch_size=None, seed=0, **hyper) -> Trajectory:
    """:func:`trajectory` for every learning rate in ``lrs`` (L,) and start in ``starts``
    (S, 2) at once: ``path`` (L, S, steps + 1, 2), ``loss`` (L, S, steps + 1), ``lr``
    (L, steps); ``[i, j]`` equals ``trajectory(..., starts[j], lr=lrs[i], ...)``. With
    ``batch_size``, every path uses the same seeded draws (``batches``), as ``trajectory``
    with that ``seed`` would."""
    the_loss, params = _loss(loss, loss_params)
    x, y = _data(x, y)
    starts = losses.finite_array(starts, "starts", _OWNER)
    if starts.ndim != 2 or starts.shape[1] != 2 or starts.shape[0] == 0:
        raise ValueError(f"{_OWNER}: 'starts' must have shape (S, 2), got {starts.shape}")
    hyper = _hyper(optimizer, hyper)
    steps = _integer(steps, "steps", 1)
    if np.ndim(lrs) != 1 or np.size(lrs) == 0:
        raise ValueError(f"{_OWNER}: 'lrs' must be a non-empty 1-D array, got shape {np.shape(lrs)}")
    lr = _lrs(lrs, schedule, steps)
    batches = _batches(x.size, batch_size, seed, steps)
    path, value = _descend(the_loss, params, x, y, starts, lr[:, None, :], optimizer, hyper, batches)
    return Trajectory(path, value, lr, batches)
