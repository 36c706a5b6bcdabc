"""2D loss landscapes of one tanh neuron: every grid the landscape widget draws.

Data flow: ``losses`` -> **landscape** (and ``curves``) -> widget builders -> embedding -> hook.

The model is a single neuron ``ŷ = tanh(w x + b)`` with two parameters, so the mean
loss over a small data set ``(x, y)`` is a surface over the ``(w, b)`` plane that can
be drawn as a heat map with contours. Only regression losses apply: the neuron's
outputs lie in (-1, 1) and are not probabilities.

* :func:`loss_grid` evaluates the surface on a grid, vectorised with numpy over a
  ``(b, w, point)`` block. **Orientation:** rows are ``b``, columns are ``w``, so
  ``grid[i, j]`` belongs to ``(w[j], b[i])`` -- the layout of an image with ``w``
  along the horizontal axis and ``b`` along the vertical one. Rows are processed in
  chunks so that no temporary exceeds about 8 MB (peak about 50 MB).
* :data:`PRESETS` are the teaching data sets, each with the ``(w, b)`` window that
  shows its basin and a default start point for descent.
* :func:`minimum` finds the lowest point of a preset's window: a ``GRID_SIZE`` grid
  search, then 8 successive 41 x 41 grids zoomed around the best point so far, each
  box spanning 4 old spacings either side (5x finer per round, spacing ~1e-7 on the
  preset windows; exact to 1e-6 and better for smooth losses). The boxes are clipped
  to the window, so a minimum on (or beyond) the window's edge comes back as the
  best point *inside* the window, on its boundary.
* :func:`contour_levels` picks "nice" log-spaced contour levels for a grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lossdocs import losses

__all__ = [
    "GRID_SIZE", "LOSS_CHOICES", "PRESETS", "Preset", "axes", "choice_label",
    "contour_levels", "exact_solution", "loss_at", "loss_grid", "minimum",
]

GRID_SIZE = 201  # default cells per axis of a landscape grid
_CHUNK = 1_000_000  # float64 elements per (b, w, point) block: 8 MB per temporary
_ZOOM_N, _ZOOM_ROUNDS, _ZOOM_HALF = 41, 8, 4  # refinement: box = best ± 4 old spacings

LOSS_CHOICES: list[tuple[str, dict]] = [
    ("mse", {}), ("mae", {}), ("huber", {"delta": 0.1}), ("huber", {"delta": 0.3}),
    ("huber", {"delta": 1.0}), ("log_cosh", {}),
]


def _vector(a, what: str) -> np.ndarray:
    """A non-empty, finite, 1-D float64 array; ValueError naming ``what`` otherwise."""
    v = losses.finite_array(a, what, "landscape")
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"landscape: '{what}' must be a non-empty 1-D array, got shape {v.shape}")
    return v


def _regression_loss(name: str) -> losses.Loss:
    loss = losses.get(name)
    if loss.kind != "regression":
        raise ValueError(
            f"{name!r} is a {loss.kind} loss; only regression losses apply to the tanh "
            f"neuron, whose outputs lie in (-1, 1) and are not probabilities"
        )
    return loss


def _data(x, y) -> tuple[np.ndarray, np.ndarray]:
    x, y = _vector(x, "x"), _vector(y, "y")
    if x.size != y.size:
        raise ValueError(f"'x' and 'y' must have the same length, got {x.size} and {y.size}")
    return x, y


def loss_grid(loss_name: str, x, y, w, b, **params) -> np.ndarray:
    """Mean loss of ``tanh(w x + b)`` against ``y``: shape ``(len(b), len(w))``, rows = b."""
    loss = _regression_loss(loss_name)
    x, y = _data(x, y)
    w, b = _vector(w, "w"), _vector(b, "b")
    out = np.empty((b.size, w.size))
    rows = max(1, _CHUNK // (w.size * x.size))
    for start in range(0, b.size, rows):  # chunks of rows, never single cells
        bb = b[start:start + rows, None, None]
        with np.errstate(over="ignore"):  # w x beyond float64 saturates: tanh(±inf) = ±1
            pred = np.tanh(w[None, :, None] * x + bb)  # (rows, len(w), len(x))
        out[start:start + rows] = loss.value(pred, y, **params).mean(axis=-1)
    return out


def loss_at(loss_name: str, x, y, w, b, **params) -> float:
    """Mean loss at the single point ``(w, b)`` (scalars)."""
    for what, v in (("w", w), ("b", b)):
        if np.ndim(v) != 0:
            raise ValueError(f"'{what}' must be a scalar, got shape {np.shape(v)}")
    return float(loss_grid(loss_name, x, y, [w], [b], **params)[0, 0])


@dataclass(frozen=True, eq=False)
class Preset:
    """A teaching data set with the (w, b) window that shows its landscape."""

    name: str
    label: str
    description: str
    x: np.ndarray
    y: np.ndarray
    w_range: tuple[float, float]
    b_range: tuple[float, float]
    start: tuple[float, float]

    def __post_init__(self):
        x, y = (a.copy() for a in _data(self.x, self.y))  # never freeze the caller's array
        for a in (x, y):
            a.setflags(write=False)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        for what in ("w_range", "b_range", "start"):
            v = tuple(float(t) for t in getattr(self, what))
            object.__setattr__(self, what, v)
        (w0, w1), (b0, b1), (ws, bs) = self.w_range, self.b_range, self.start
        if not (w0 < w1 and b0 < b1 and w0 < ws < w1 and b0 < bs < b1):
            raise ValueError(f"preset {self.name!r}: empty window or start outside it")


def _tanh_data(x, w, b):
    x = np.asarray(x, dtype=np.float64)
    return x, np.tanh(w * x + b)


def _outliers():
    x, y = _tanh_data(np.linspace(-2.0, 2.0, 15), 1.2, -0.2)
    return np.r_[x, -1.5, -1.0], np.r_[y, 1.5, 1.5]  # the outliers come last


_X_BUMP = np.linspace(-1.0, 1.0, 11)
_X_LINE = np.linspace(0.0, 1.0, 9)

PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("two_points", "Two points only",  # w* = 1.5 falls between grid nodes: no cell is exactly 0
           "Two points fix both parameters exactly, so the landscape dips to a true zero at one spot.",
           *_tanh_data([-1.0, 1.0], 1.5, 0.3), (-1.6, 4.4), (-2.5, 2.5), (-0.5, 1.5)),
    Preset("sloped_line", "Sloped line through origin",
           "Points on one side of the origin let a steeper slope trade off against a lower "
           "offset, carving a long, shallow diagonal valley.",
           _X_LINE, 0.6 * _X_LINE, (-1.5, 3.5), (-1.25, 1.25), (3.0, 0.5)),
    Preset("outliers", "Clean curve with two outliers",
           "Two wild points drag the squared-error minimum away from the clean fit, "
           "while absolute error stays put and Huber lands in between.",
           *_outliers(), (-1.5, 3.0), (-1.5, 1.5), (-1.0, 1.0)),
    Preset("unreachable", "A target it cannot fit",
           "A bump rises and falls but a tanh neuron can only rise or fall, so even the "
           "best fit leaves a floor of loss above zero.",
           _X_BUMP, 0.9 - 1.6 * (_X_BUMP - 0.3) ** 2, (-3.0, 6.0), (-2.0, 3.5), (-1.5, -1.0)),
)}


def exact_solution(preset: Preset) -> tuple[float, float]:
    """The (w, b) that passes exactly through a two-point preset: atanh(y) = w x + b."""
    x, y = preset.x, preset.y
    if x.size != 2 or x[0] == x[1] or (np.abs(y) >= 1).any():
        raise ValueError(f"preset {preset.name!r}: needs two points with distinct x and |y| < 1")
    z = np.arctanh(y)
    w = (z[1] - z[0]) / (x[1] - x[0])
    return float(w), float(z[0] - w * x[0])


def axes(preset: Preset, n: int = GRID_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """``(w, b)``: ``n`` evenly spaced values over each side of the preset's window."""
    if int(n) != n or n < 2:
        raise ValueError(f"'n' must be an integer >= 2, got {n!r}")
    return np.linspace(*preset.w_range, int(n)), np.linspace(*preset.b_range, int(n))


def minimum(loss_name: str, preset: Preset, **params) -> tuple[float, float, float]:
    """``(w, b, L)`` of the lowest loss inside the preset's window (see module docstring)."""
    w, b = axes(preset)
    (wlo, whi), (blo, bhi) = preset.w_range, preset.b_range
    best = (0.0, 0.0, np.inf)
    for _ in range(_ZOOM_ROUNDS + 1):
        g = loss_grid(loss_name, preset.x, preset.y, w, b, **params)
        i, j = np.unravel_index(np.argmin(g), g.shape)
        if g[i, j] <= best[2]:  # a box clipped by the window may miss the old best point
            best = float(w[j]), float(b[i]), float(g[i, j])
        hw, hb = _ZOOM_HALF * (w[1] - w[0]), _ZOOM_HALF * (b[1] - b[0])
        w = np.linspace(max(wlo, best[0] - hw), min(whi, best[0] + hw), _ZOOM_N)
        b = np.linspace(max(blo, best[1] - hb), min(bhi, best[1] + hb), _ZOOM_N)
    return best


_MANTISSAS = (  # nice mantissas per decade, sparse to dense; the last serves narrow ranges
    (1.0,), (1.0, 3.0), (1.0, 2.0, 5.0), (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0),
)


def contour_levels(grid, count: int = 6) -> list[float]:
    """At most ``count`` ascending nice levels strictly inside the range of the grid's
    positive, finite values, log-spaced: the nice family giving the most levels that fit,
    sparsest first (1 per 10, 5, 3 or 2 decades; 1 per decade; 1-3; 1-2-5; and for ranges
    of about a decade 1-1.2-1.5-2-2.5-3-4-5-6-8). If that yields fewer than
    ``min(count, 4)``, every 2nd or 3rd level of a family may be used instead; if nothing fits
    (a range of very many decades), the lowest ``count`` levels, around the basin."""
    if int(count) != count or count < 1:
        raise ValueError(f"'count' must be an integer >= 1, got {count!r}")
    g = np.asarray(grid, dtype=np.float64)
    g = g[np.isfinite(g) & (g > 0)]
    if g.size == 0:
        return []
    lo, hi = float(g.min()), float(g.max())
    decades = range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1)

    def inside(pairs):  # float(f"...") gives exactly the decimal, e.g. 0.3 not 0.30000000000000004
        return [v for v in (float(f"{m:g}e{k}") for k, m in pairs) if lo < v < hi]

    families = [inside((k, 1.0) for k in decades if k % step == 0) for step in (10, 5, 3, 2)]
    families += [inside((k, m) for k in decades for m in ms) for ms in _MANTISSAS]
    best: list[float] = []
    for stride in (1, 2, 3):
        fitting = [f[::stride] for f in families if len(f[::stride]) <= count]
        best = max([best, *fitting], key=len)  # ties keep the earlier, sparser family
        if len(best) >= min(count, 4):
            break
    return best or families[0][:int(count)]


def choice_label(name: str, params: dict) -> str:
    """Display name of a loss choice from the registry labels, e.g. "Huber (δ = 0.3)"."""
    loss = _regression_loss(name)
    unknown = sorted(set(params) - {p.name for p in loss.params})
    if unknown:
        raise ValueError(f"{name}: unknown parameter '{unknown[0]}'")
    parts = [
        f"{p.label.removeprefix(loss.label).strip() or p.name} = "
        f"{p.check(params.get(p.name, p.default), name):g}"
        for p in loss.params
    ]
    return f"{loss.label} ({', '.join(parts)})" if parts else loss.label
