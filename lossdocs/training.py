"""Training runs of a small network: the loss curves that lesson five reads.

Data flow: ``losses`` -> ... -> ``descent`` -> **training** -> widget builders.

**Model.** One input, ``hidden`` tanh units, one output:
``ŷ = W2 · tanh(W1 x + b1) + b2``. The initial weights follow ``torch.nn.Linear``'s
default (uniform in ``±1/√fan_in`` for weights and biases alike), drawn from
``numpy.random.default_rng([seed, hidden])``, so every run with the same width starts
from the same weights whatever the data.

**Data.** A smooth target, :func:`target` ``f(x) = sin(π x)`` on ``[-1, 1]``, plus
Gaussian label noise of standard deviation ``noise``. The inputs and the unit noise
draws come from ``numpy.random.default_rng(seed)``: :data:`POOL` training draws (a
training set of ``n_train`` points is the first ``n_train`` of them, so a larger set
adds points to a smaller one) and :data:`N_VAL` validation draws from the same
distribution. The noise level scales the same draws, so runs that differ only in
``noise`` see the same points, shifted further from the curve.

**Training.** Full batch (one step per epoch) on the mean squared error of the training
set, with Adam as ``torch.optim.Adam`` runs it: ``betas = (0.9, 0.999)``, ``eps = 1e-8``,
and ``weight_decay`` added to the gradient as an L2 penalty (``g + λ p``, torch's
coupled form, on every parameter, biases included). The learning rate is :data:`LR`
(torch's default 1e-3 would need twenty times the epochs to tell the same story).

**Records.** Losses and the fitted curve are kept after the epochs in :data:`RECORDED`
(log-spaced from 1 to :data:`EPOCHS`, the spacing the lesson's log axis wants): the
training and validation MSE (validation noise included, so its floor is ``noise²``)
and the network's output on :data:`SNAP_X`.

:func:`train_grid` trains every setting of :data:`GRID` in one numpy pass per width
(about 2.5 s on two cores); :func:`train_run` trains one setting through the same code.
Both agree with ``torch.optim.Adam`` to rounding while the run is stable. Once a wide
network nears a minimum, Adam's normalised step (``lr · m / √v`` with a tiny ``v``) makes
some runs chaotic: a rounding difference then grows about 1.3x per epoch, so two correct
implementations (or the same one with the sums in another order) part by up to a few
per cent late in the run. tests/test_training.py shows both.

**Reductions.** :func:`reduce` turns a batch of per-example losses into what a loss
module returns, as PyTorch's ``reduction`` argument does, and :func:`reduce_weights`
gives each example's factor in the gradient: ``'sum'`` adds (factor ``w_i``), ``'mean'``
divides by ``N``, or, with per-example weights (a class-weighted loss), by the sum of the
weights (factor ``w_i / Σ w``), and ``'none'`` keeps every weighted loss (its backward
pass, of their sum, has factor ``w_i``). :func:`regression_batch` and
:func:`classification_batch` are the seeded batches lesson five reduces.
"""

from __future__ import annotations

import itertools
import math
import operator
from dataclasses import dataclass

import numpy as np

__all__ = ["GRID", "EPOCHS", "LR", "BETAS", "EPS", "RECORDED", "SNAP_X", "POOL", "N_VAL",
           "Data", "Run", "target", "data", "init_weights", "forward", "recorded_epochs",
           "train_run", "train_grid", "REDUCTIONS", "reduce", "reduce_weights", "regression_batch",
           "classification_batch"]

GRID: dict[str, tuple] = {
    "hidden": (1, 3, 10, 30),
    "n_train": (10, 30, 100),
    "noise": (0.1, 0.3, 0.6),
    "weight_decay": (0.0, 1e-3, 1e-2),
}
EPOCHS = 2000
LR = 0.02
BETAS = (0.9, 0.999)
EPS = 1e-8
POOL = 100      # training draws; n_train takes the first n_train of them
N_VAL = 200     # validation draws
RECORD_POINTS = 48
SNAP_X = np.linspace(-1.0, 1.0, 49)


def recorded_epochs(epochs: int) -> np.ndarray:
    """The epochs kept: about ``RECORD_POINTS`` log-spaced from 1 to ``epochs`` (both in)."""
    return np.unique(np.round(np.geomspace(1, epochs, RECORD_POINTS)).astype(np.int64))


RECORDED = recorded_epochs(EPOCHS)


def target(x):
    """The true function the data scatter around: ``sin(π x)``."""
    return np.sin(np.pi * np.asarray(x, dtype=np.float64))


@dataclass(frozen=True, eq=False)
class Data:
    """A training set and a validation set (``x``, ``y`` and ``x_val``, ``y_val``)."""

    x: np.ndarray
    y: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray


@dataclass(frozen=True, eq=False)
class Run:
    """One training run: its setting, its loss curves and its fitted curves.

    ``epochs[k]`` is the number of Adam steps taken when ``train_loss[k]``,
    ``val_loss[k]`` and ``snapshots[k]`` (the output on :data:`SNAP_X`) were recorded.
    ``best_epoch`` is the index ``k`` of the smallest validation loss (the
    early-stopping point), and ``weights`` the final ``(W1, b1, W2, b2)``.
    """

    hidden: int
    n_train: int
    noise: float
    weight_decay: float
    seed: int
    epochs: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray
    snapshots: np.ndarray
    weights: tuple

    @property
    def best_epoch(self) -> int:
        return int(np.argmin(self.val_loss))


# ---------------------------------------------------------------- validation


def _integer(value, name: str, low: int, high: float = math.inf) -> int:
    allowed = f"an integer in [{low}, {high:g}]" if high != math.inf else f"an integer >= {low}"
    try:
        v = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be {allowed}, got {value!r}") from None
    if not low <= v <= high:
        raise ValueError(f"{name} must be {allowed}, got {v}")
    return v


def _nonnegative(value, name: str) -> float:
    try:
        if np.ndim(value) != 0:
            raise TypeError
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}") from None
    if not (math.isfinite(v) and v >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return v


def _setting(hidden, n_train, noise, weight_decay, seed) -> tuple[int, int, float, float, int]:
    return (_integer(hidden, "hidden", 1, 4096), _integer(n_train, "n_train", 2, POOL),
            _nonnegative(noise, "noise"), _nonnegative(weight_decay, "weight_decay"),
            _integer(seed, "seed", 0))


# ---------------------------------------------------------------- data and model


def _draws(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, POOL)
    z = rng.standard_normal(POOL)
    x_val = rng.uniform(-1.0, 1.0, N_VAL)
    z_val = rng.standard_normal(N_VAL)
    return x, z, x_val, z_val


def data(n_train: int, noise: float, seed: int = 0) -> Data:
    """The training and validation sets of a run (see the module docstring)."""
    _, n_train, noise, _, seed = _setting(1, n_train, noise, 0.0, seed)
    x, z, x_val, z_val = _draws(seed)
    return Data(x[:n_train], target(x[:n_train]) + noise * z[:n_train], x_val, target(x_val) + noise * z_val)


def init_weights(hidden: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``(W1, b1, W2, b2)`` as ``torch.nn.Linear`` would draw them (uniform ``±1/√fan_in``)."""
    hidden, seed = _integer(hidden, "hidden", 1, 4096), _integer(seed, "seed", 0)
    rng = np.random.default_rng([seed, hidden])
    k = 1.0 / math.sqrt(hidden)
    return (rng.uniform(-1.0, 1.0, hidden), rng.uniform(-1.0, 1.0, hidden),
            rng.uniform(-k, k, hidden), float(rng.uniform(-k, k)))


def forward(weights, x) -> np.ndarray:
    """The network's output at ``x`` for ``weights = (W1, b1, W2, b2)``."""
    w1, b1, w2, b2 = (np.asarray(w, dtype=np.float64) for w in weights)
    x = np.asarray(x, dtype=np.float64)
    return np.tanh(x[..., None] * w1 + b1) @ w2 + b2


# ---------------------------------------------------------------- training


def _train_width(hidden: int, settings: list[tuple[int, float, float]], epochs: int, seed: int) -> list[Run]:
    """Train every ``(n_train, noise, weight_decay)`` of one width at once (R runs).

    Arrays are (R, points, units). Runs with fewer points give the missing ones zero
    weight in the mean, which leaves their arithmetic that of a run on its own points.
    """
    R = len(settings)
    x, z, x_val, z_val = _draws(seed)
    n_max = max(n for n, _, _ in settings)
    x, z = x[:n_max], z[:n_max]
    n = np.array([s[0] for s in settings])
    noise = np.array([s[1] for s in settings])
    wd = np.array([s[2] for s in settings])
    used = np.arange(n_max)[None, :] < n[:, None]
    y = np.where(used, target(x)[None, :] + noise[:, None] * z[None, :], 0.0)
    y_val = target(x_val)[None, :] + noise[:, None] * z_val[None, :]

    w1_0, b1_0, w2_0, b2_0 = init_weights(hidden, seed)
    params = [np.tile(w1_0, (R, 1)), np.tile(b1_0, (R, 1)), np.tile(w2_0, (R, 1)), np.full(R, b2_0)]
    decay = [wd[:, None], wd[:, None], wd[:, None], wd]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    record = recorded_epochs(epochs)
    keep = np.zeros(epochs + 1, dtype=bool)
    keep[record] = True
    train_loss = np.empty((R, record.size))
    val_loss = np.empty((R, record.size))
    snaps = np.empty((R, record.size, SNAP_X.size))
    xs = x[None, :, None]
    beta1, beta2 = BETAS
    k = 0

    def outputs(w1, b1, w2, b2, at):
        return np.einsum("rnh,rh->rn", np.tanh(w1[:, None, :] * at[None, :, None] + b1[:, None, :]), w2) + b2[:, None]

    for t in range(1, epochs + 1):
        w1, b1, w2, b2 = params
        a = np.tanh(w1[:, None, :] * xs + b1[:, None, :])                       # (R, n, H)
        err = np.where(used, np.einsum("rnh,rh->rn", a, w2) + b2[:, None] - y, 0.0)
        g_out = 2.0 * err / n[:, None]                                          # d mean / d ŷ
        g_pre = g_out[:, :, None] * (1.0 - a * a)                               # (R, n, H), without W2
        grads = (np.einsum("rnh,n->rh", g_pre, x) * w2, g_pre.sum(axis=1) * w2,
                 np.einsum("rn,rnh->rh", g_out, a), g_out.sum(axis=1))
        lr_t = LR / (1.0 - beta1 ** t)
        root = math.sqrt(1.0 - beta2 ** t)
        for p, g, mi, vi, lam in zip(params, grads, m, v, decay):
            g = g + lam * p
            mi += (1.0 - beta1) * (g - mi)
            vi *= beta2
            vi += (1.0 - beta2) * g * g
            p -= lr_t * mi / (np.sqrt(vi) / root + EPS)
        if keep[t]:
            w1, b1, w2, b2 = params
            fit = outputs(w1, b1, w2, b2, x)
            train_loss[:, k] = np.where(used, (fit - y) ** 2, 0.0).sum(axis=1) / n
            val_loss[:, k] = ((outputs(w1, b1, w2, b2, x_val) - y_val) ** 2).mean(axis=1)
            snaps[:, k] = outputs(w1, b1, w2, b2, SNAP_X)
            k += 1
    return [Run(hidden, s[0], s[1], s[2], seed, record, train_loss[i], val_loss[i], snaps[i],
                tuple(p[i].copy() for p in params[:3]) + (float(params[3][i]),))
            for i, s in enumerate(settings)]


def train_run(hidden, n_train, noise, weight_decay, epochs=None, seed=0) -> Run:
    """Train one network (see the module docstring) and return its :class:`Run`."""
    hidden, n_train, noise, weight_decay, seed = _setting(hidden, n_train, noise, weight_decay, seed)
    epochs = EPOCHS if epochs is None else _integer(epochs, "epochs", 1, 1_000_000)
    return _train_width(hidden, [(n_train, noise, weight_decay)], epochs, seed)[0]


def train_grid(grid: dict | None = None, epochs=None, seed=0) -> dict[tuple, Run]:
    """Every setting of ``grid`` (default :data:`GRID`), keyed ``(hidden, n_train, noise,
    weight_decay)``, trained in one batched pass per width."""
    grid = GRID if grid is None else grid
    if not isinstance(grid, dict) or set(grid) != set(GRID):
        raise ValueError(f"grid must be a dict with the keys {', '.join(GRID)}, got {grid!r}")
    epochs = EPOCHS if epochs is None else _integer(epochs, "epochs", 1, 1_000_000)
    seed = _integer(seed, "seed", 0)
    for key, values in grid.items():
        if not isinstance(values, (tuple, list)) or not values:
            raise ValueError(f"grid[{key!r}] must be a non-empty tuple of values, got {values!r}")
    runs: dict[tuple, Run] = {}
    for hidden in grid["hidden"]:
        settings = [_setting(hidden, n, s, wd, seed)[1:4]
                    for n, s, wd in itertools.product(grid["n_train"], grid["noise"], grid["weight_decay"])]
        for run in _train_width(_setting(hidden, 2, 0, 0, seed)[0], settings, epochs, seed):
            runs[(hidden, run.n_train, run.noise, run.weight_decay)] = run
    return runs


# ---------------------------------------------------------------- reductions

REDUCTIONS = ("mean", "sum", "none")


def _batch_weights(per_example, weights) -> tuple[np.ndarray, np.ndarray | None]:
    values = np.asarray(per_example, dtype=np.float64)
    if values.ndim != 1 or values.size == 0 or not np.isfinite(values).all():
        raise ValueError(f"per_example must be a non-empty 1-D array of finite losses, got shape {values.shape}")
    if weights is None:
        return values, None
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != values.shape:
        raise ValueError(f"weights must have the shape of per_example {values.shape}, got {w.shape}")
    if not (np.isfinite(w).all() and (w >= 0).all()) or w.sum() == 0:
        raise ValueError("weights must be finite, >= 0 and not all zero")
    return values, w


def _reduction(reduction) -> str:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {', '.join(map(repr, REDUCTIONS))}, got {reduction!r}")
    return reduction


def reduce(per_example, reduction="mean", weights=None):
    """A batch's per-example losses reduced as PyTorch does: ``'none'`` (each times its
    weight), ``'sum'``, or ``'mean'`` (by N, or by the sum of the weights when given)."""
    reduction = _reduction(reduction)
    values, w = _batch_weights(per_example, weights)
    weighted = values if w is None else w * values
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return float(weighted.sum())
    return float(weighted.sum() / (values.size if w is None else w.sum()))


def reduce_weights(n_or_weights, reduction="mean") -> np.ndarray:
    """Each example's factor in the gradient of the reduced loss: d reduce / d ℓ_i.

    Pass the batch size ``N`` (no weights) or the per-example weights. For ``'none'``
    it is the factor in the backward pass of the sum of the outputs (``w_i``, or 1).
    """
    reduction = _reduction(reduction)
    if np.ndim(n_or_weights) == 0:
        n = _integer(n_or_weights, "n_or_weights", 1)
        w, total = np.ones(n), float(n)
    else:
        w = _batch_weights(np.zeros(np.shape(n_or_weights)), n_or_weights)[1]
        total = float(w.sum())
    return w / total if reduction == "mean" else w


def regression_batch(n: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` seeded (prediction, target) pairs: targets from the noisy sine of the training
    data, predictions off by a seeded error of standard deviation 0.5."""
    n, seed = _integer(n, "n", 1, 10_000), _integer(seed, "seed", 0)
    rng = np.random.default_rng([seed, 5])
    x = rng.uniform(-1.0, 1.0, n)
    y = target(x) + 0.3 * rng.standard_normal(n)
    return y + 0.5 * rng.standard_normal(n), y


def classification_batch(n: int = 32, seed: int = 0, classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """``n`` seeded (logits, label) rows over ``classes`` classes, imbalanced: about 70% of
    the labels are class 0. The logits lean towards the true class."""
    n, seed = _integer(n, "n", 1, 10_000), _integer(seed, "seed", 0)
    classes = _integer(classes, "classes", 2, 100)
    rng = np.random.default_rng([seed, 6])
    rest = np.full(classes - 1, 0.3 / (classes - 1))
    labels = rng.choice(classes, size=n, p=np.concatenate([[0.7], rest]))
    logits = rng.standard_normal((n, classes))
    logits[np.arange(n), labels] += 1.0
    return logits, labels
