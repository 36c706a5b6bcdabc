"""1D curves: every array the loss explorer draws, computed once by the engine.

Data flow: ``losses`` -> **curves** -> widget builders -> embedding -> hook.

The explorer lets a reader pick a primary loss, an overlay loss, a true value and
each loss parameter (Huber's delta) from a slider. Every combination is computed
here, at build time, so the browser only *selects* arrays; it never evaluates a
loss.

Two ideas keep that affordable:

* Losses are grouped by **axis**: the prediction range and true-value slider they
  are drawn on (regression losses share one, ``bce`` has the probability axis, and
  the losses of a raw score -- BCE on logits, focal, hinge, soft margin -- share a
  score axis z in [-8, 8]). Any loss whose own domain covers an axis can be overlaid
  on it, so MSE can be drawn on the probability axis next to cross-entropy, but not
  the other way; score losses are drawn on the score axis only.
* On the score axis the slider picks the **class**, 0 (negative) or 1 (positive),
  and each loss reads it in its own labels: y = 0 or 1 for BCE on logits and focal,
  y = -1 or +1 for hinge and soft margin (class 0 is y = -1).
* The grids use exact binary fractions, and when a loss's values on an axis are
  a function of the residual ``pred - target`` alone (checked numerically, not
  assumed), one long array over the residuals serves every slider position: the
  curve for a given true value is a window of it. Other losses get one array per
  true value.

The result is a plain dict (:func:`explorer_atlas`) whose leaves are float32 arrays,
ready to hand to Bokeh as CustomJS arguments.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from lossdocs import losses

# Grid steps are powers of two so that pred - target is exact in floating point.
REGRESSION_STEP = 1.0 / 32.0
PROBABILITY_STEP = 1.0 / 256.0
SCORE_STEP = 1.0 / 8.0  # 129 points on [-8, 8]: the logit curves are smooth, hinge's kinks on nodes
SCORE_OUTPUTS = ("logit", "score")

# How each kind of axis is labelled: the x axis, the readout's symbol, the slider's title.
AXIS_TEXT = {
    "value": ("prediction ŷ", "ŷ", "True value y"),
    "probability": ("predicted probability p", "p", "True label y"),
    "score": ("score z (logit)", "z", "True class (0 or 1; hinge reads −1 or +1)"),
}


@dataclass(frozen=True)
class Axis:
    """A prediction grid and the true values a slider steps through."""

    key: str
    domain: tuple[float, float]
    x: np.ndarray
    targets: np.ndarray
    kind: str
    output: str = "value"  # "value", "probability" or "score" (logits and margin scores)

    @property
    def step(self) -> float:
        return float(self.x[1] - self.x[0])


def _grid(lo: float, hi: float, step: float, open_ends: bool) -> np.ndarray:
    n = int(round((hi - lo) / step))
    x = lo + step * np.arange(n + 1)
    return x[1:-1] if open_ends else x


def axis_output(loss: losses.Loss) -> str:
    """Which kind of axis ``loss`` is drawn on: "value", "probability" or "score"."""
    return "score" if loss.output in SCORE_OUTPUTS else loss.output


def axis_for(loss: losses.Loss) -> Axis:
    """The axis a loss is drawn on when it is the primary loss."""
    lo, hi = loss.domain
    if axis_output(loss) == "score":
        x = _grid(lo, hi, SCORE_STEP, open_ends=False)
        return Axis(key=f"score:{lo:g}:{hi:g}", domain=(float(lo), float(hi)), x=x,
                    targets=np.array([0.0, 1.0]), kind=loss.kind, output="score")
    t0, t1, dt = loss.targets
    classification = loss.kind == "classification"
    step = PROBABILITY_STEP if classification else REGRESSION_STEP
    # A probability axis leaves out p = 0 and p = 1, where the loss is clamped.
    x = _grid(lo, hi, step, open_ends=classification)
    targets = t0 + dt * np.arange(int(round((t1 - t0) / dt)) + 1)
    key = f"{loss.kind}:{lo:g}:{hi:g}:{t0:g}:{t1:g}:{dt:g}"
    return Axis(key=key, domain=(float(lo), float(hi)), x=x, targets=targets, kind=loss.kind,
                output=loss.output)


def labels_on(loss: losses.Loss, axis: Axis) -> np.ndarray:
    """The target ``loss`` is evaluated at for each slider position of ``axis``: the axis's
    own values, except on a score axis, where class k is the loss's k-th label."""
    if axis.output == "score":
        t0, _, dt = loss.targets
        return t0 + dt * np.arange(len(axis.targets))
    return axis.targets


def drawable_on(loss: losses.Loss, axis: Axis) -> bool:
    """True when ``loss`` is defined on every prediction and target of ``axis``."""
    lo, hi = loss.domain
    t_lo, t_hi = loss.targets[0], loss.targets[1]
    if (axis_output(loss) == "score") != (axis.output == "score"):
        return False  # a raw score and a probability or value are different quantities
    if axis.output == "score":
        return lo <= axis.x[0] and axis.x[-1] <= hi
    if loss.kind == "classification":
        # A probability loss is defined on [0, 1] for both arguments.
        t_lo, t_hi = 0.0, 1.0
        if axis.kind == "regression":
            return False
    return (
        lo <= axis.x[0] and axis.x[-1] <= hi
        and t_lo <= axis.targets[0] and axis.targets[-1] <= t_hi
    )


def param_grid(loss: losses.Loss) -> list[tuple[int, ...]]:
    """Every combination of parameter indices (into each ``Param.choices``)."""
    return list(itertools.product(*(range(len(p.choices)) for p in loss.params)))


def _params(loss: losses.Loss, idx: tuple[int, ...]) -> dict[str, float]:
    return {p.name: p.choices[i] for p, i in zip(loss.params, idx)}


def _residual_windows(loss, axis, params):
    """One array over residuals if the loss depends on pred - target only, else None.

    Returns (values, grads, starts) where the curve for target ``k`` is
    ``values[starts[k] : starts[k] + len(axis.x)]``.
    """
    if axis.output == "score":
        return None  # labels, not a shifting true value: nothing to share
    h = axis.step
    n = len(axis.x)
    offsets = np.rint((axis.targets - axis.targets[0]) / h).astype(int)
    if not np.allclose(axis.targets[0] + offsets * h, axis.targets, rtol=0, atol=1e-12):
        return None
    span = int(offsets[-1])
    # Residuals from x[0] - t_max up to x[-1] - t_min, on the same step.
    r = (axis.x[0] - axis.targets[-1]) + h * np.arange(n + span)
    starts = span - offsets
    # Only valid if the loss accepts these residuals as predictions for a
    # target of 0 and really is residual-only: compare against direct
    # evaluation at every target, bit for bit.
    try:
        v = loss.value(r, 0.0, **params)
        g = loss.grad(r, 0.0, **params)
    except ValueError:
        return None
    for k, t in enumerate(axis.targets):
        window = slice(starts[k], starts[k] + n)
        if not (np.array_equal(v[window], loss.value(axis.x, t, **params))
                and np.array_equal(g[window], loss.grad(axis.x, t, **params))):
            return None
    return v, g, starts


def explorer_atlas(registry: dict[str, losses.Loss] | None = None) -> dict:
    """Everything the loss explorer can show, as a JSON-ready dict of float32 arrays.

    Layout::

        axes[axis_key]   = {domain, x, targets, default_target (an index), kind, output,
                            xlabel, symbol, target_title, labels: {loss: [its target per slider position]},
                            losses: [names drawable there]}
        losses[name]     = {label, kind, axis, params: [names], param_choices: [[...]]}
        curves[key]      = [value_array_index, grad_array_index, start]
        arrays           = [float32 arrays]

    with ``key = f"{axis_key}|{loss}|{i,j,...}|{target_index}"``: the curve is
    ``arrays[value_index][start : start + len(axis.x)]``.
    """
    registry = losses.REGISTRY if registry is None else registry
    axes: dict[str, Axis] = {}
    for loss in registry.values():
        ax = axis_for(loss)
        axes.setdefault(ax.key, ax)

    arrays: list[np.ndarray] = []
    curves: dict[str, list[int]] = {}
    seen: dict[bytes, int] = {}

    def store(a: np.ndarray) -> int:
        """Index of ``a`` (as float32) in ``arrays``; identical arrays are stored once
        (BCE on logits for label 0 is the same for every positive weight)."""
        a = np.asarray(a, dtype=np.float32)
        key = a.tobytes()
        if key not in seen:
            arrays.append(a)
            seen[key] = len(arrays) - 1
        return seen[key]

    axes_out = {}
    for ax in axes.values():
        names = [n for n, loss in registry.items() if drawable_on(loss, ax)]
        xlabel, symbol, target_title = AXIS_TEXT[ax.output]
        axes_out[ax.key] = {
            "domain": list(ax.domain),
            "x": ax.x.astype(np.float32),
            "targets": [float(t) for t in ax.targets],
            # Where the true-value slider starts: 0 on a regression axis, the
            # positive label 1 on a probability axis.
            "default_target": int(np.argmin(np.abs(ax.targets - (1.0 if ax.kind == "classification" else 0.0)))),
            "kind": ax.kind,
            "output": ax.output,
            "xlabel": xlabel,
            "symbol": symbol,
            "target_title": target_title,
            "losses": names,
            # Each loss's own target at each slider position (class k on a score axis).
            "labels": {n: [float(t) for t in labels_on(registry[n], ax)] for n in names},
        }
        for name in names:
            loss = registry[name]
            for idx in param_grid(loss):
                params = _params(loss, idx)
                pkey = ",".join(map(str, idx))
                windows = _residual_windows(loss, ax, params)
                if windows is not None:
                    v, g, starts = windows
                    vi, gi = store(v), store(g)
                    for k, s in enumerate(starts):
                        curves[f"{ax.key}|{name}|{pkey}|{k}"] = [vi, gi, int(s)]
                else:
                    for k, t in enumerate(labels_on(loss, ax)):
                        vi = store(loss.value(ax.x, t, **params))
                        gi = store(loss.grad(ax.x, t, **params))
                        curves[f"{ax.key}|{name}|{pkey}|{k}"] = [vi, gi, 0]

    losses_out = {
        name: {
            "label": loss.label,
            "kind": loss.kind,
            "axis": axis_for(loss).key,
            "params": [p.name for p in loss.params],
        }
        for name, loss in registry.items()
    }
    return {"axes": axes_out, "losses": losses_out, "curves": curves, "arrays": arrays}


def curve(atlas: dict, axis_key: str, name: str, idx: tuple[int, ...], k: int):
    """Python mirror of the browser's lookup: (x, value, grad) for one state."""
    ax = atlas["axes"][axis_key]
    vi, gi, start = atlas["curves"][f"{axis_key}|{name}|{','.join(map(str, idx))}|{k}"]
    n = len(ax["x"])
    return ax["x"], atlas["arrays"][vi][start:start + n], atlas["arrays"][gi][start:start + n]
