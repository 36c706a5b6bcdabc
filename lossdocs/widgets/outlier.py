"""The outlier lab: twelve points near a line and one outlier the reader moves, with the
lines that MSE, MAE, Huber, log-cosh and Barron's general loss fit to them, and each
point's pull on the chosen loss's line.

Data flow: robust (fit_line, pulls), losses -> **widget builders** -> embedding -> hook.

What the reader learns: a fitted line is where the points' pulls (dℓ/dŷ, one bar per
point) balance. Under MSE a point's pull grows with its residual, so one far outlier
pulls as hard as all the other points together and drags the line towards itself.
Under MAE every pull is capped at ±1, so the outlier counts no more than any other
point above the line; Huber caps the pull at ±δ (the δ slider moves between the two),
log-cosh at ±1 smoothly, and Barron's loss with α below 1 lets the pull fall back
towards zero for far points, until at α = −∞ (Welsch) the outlier is all but ignored.
Every line is an exact minimum computed at build time (``robust.fit_line``) for every
outlier height, place, δ and α the controls offer; the page only picks one.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from bokeh.layouts import column, row
from bokeh.models import (
    ColumnDataSource,
    CustomJS,
    CustomJSTickFormatter,
    InlineStyleSheet,
    PrintfTickFormatter,
    Select,
    Slider,
    Span,
)
from bokeh.plotting import figure

from lossdocs import robust
from lossdocs.widgets import style
from lossdocs.widgets.code import js

SLOPE, INTERCEPT = 0.5, 1.0
X = np.arange(12, dtype=np.float64)                      # the twelve inliers at x = 0 ... 11
PLACES = (("left", "at the left end", 0.5), ("middle", "in the middle", 5.5), ("right", "at the right end", 10.5))
HEIGHTS = tuple(float(h) for h in range(-10, 11))        # the outlier's offset from the true line
DELTAS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
ALPHAS = (2.0, 1.0, 0.0, -1.0, -2.0, -4.0, -math.inf)
SCALE = 1.0                                              # Barron's c
LOSSES = (("mse", "MSE"), ("mae", "MAE"), ("huber", "Huber"), ("log_cosh", "log-cosh"), ("barron", "Barron"))
COLORS = {"mse": "#0072B2", "mae": "#D55E00", "huber": "#009E73", "log_cosh": "#CC79A7", "barron": "#E69F00"}
DASHES = {"mse": "solid", "mae": "dashed", "huber": "solid", "log_cosh": "dotdash", "barron": "dotted"}
DEFAULT = {"place": "right", "height": 8.0, "loss": "mse", "delta": 1.0, "alpha": 0.0}
POINT_COLOR, OUTLIER_COLOR = "#808080", "#D55E00"  # grey that reads on light and dark pages
X_RANGE = (-0.6, 11.6)
Y_RANGE = (-10.0, 17.5)   # every outlier height at every place stays in view
WRAP = ":host { flex-wrap: wrap !important; row-gap: 6px; }"


def inliers() -> np.ndarray:
    """The twelve inliers' heights: the line 0.5 x + 1 plus a fixed seeded jitter (σ = 0.4)."""
    return SLOPE * X + INTERCEPT + np.random.default_rng(3).normal(0.0, 0.4, X.size)


def data(place: str, height: float) -> tuple[np.ndarray, np.ndarray]:
    """All thirteen points, the outlier last."""
    xo = dict((k, v) for k, _, v in PLACES)[place]
    return np.append(X, xo), np.append(inliers(), SLOPE * xo + INTERCEPT + height)


def variants() -> list[tuple[str, dict]]:
    """Every (loss, parameters) a reader can reach, in the page's order."""
    return ([("mse", {}), ("mae", {})] + [("huber", {"delta": d}) for d in DELTAS] + [("log_cosh", {})]
            + [("barron", {"alpha": a, "scale": SCALE}) for a in ALPHAS])


def variant_index(loss: str, delta: float, alpha: float) -> int:
    params = {"delta": delta} if loss == "huber" else {"alpha": alpha, "scale": SCALE} if loss == "barron" else {}
    return variants().index((loss, params))


@functools.cache  # built once per build: the widget and its static figure share it
def outlier_atlas() -> dict:
    """For every place, height and loss variant: the fitted line's ends at X_RANGE and
    the thirteen pulls (float32, flat, indexed [place][height][variant])."""
    ends, pulls, values = [], [], []
    for place, _, _ in PLACES:
        for h in HEIGHTS:
            x, y = data(place, h)
            for loss, params in variants():
                fit = robust.fit_line(loss, x, y, **params)
                ends += [fit.w * X_RANGE[0] + fit.b, fit.w * X_RANGE[1] + fit.b]
                pulls += list(robust.pulls(fit, x, y))
                values.append(fit.value)
    spans = np.abs(np.array(pulls).reshape(len(PLACES) * len(HEIGHTS), len(variants()), -1)).max(axis=(0, 2))
    atlas = {"places": [k for k, _, _ in PLACES], "place_x": [v for _, _, v in PLACES], "heights": list(HEIGHTS),
            "n_variants": len(variants()), "n_points": X.size + 1,
            "ends": np.array(ends, dtype=np.float32), "pulls": np.array(pulls, dtype=np.float32),
            # the twelve inliers' pulls added up (the outlier's, with the sign flipped, at a minimum)
            "others": np.array(pulls).reshape(-1, X.size + 1)[:, :-1].sum(axis=1).astype(np.float32),
            "inliers": inliers().astype(np.float32),
            "outlier_y": np.array([[SLOPE * xo + INTERCEPT + h for h in HEIGHTS] for _, _, xo in PLACES],
                                  dtype=np.float32).ravel(),
            "losses": [k for k, _ in LOSSES], "deltas": list(DELTAS),
            "alphas": ["-inf" if a == -math.inf else a for a in ALPHAS],
            # the pull panel's half-height per variant: its largest pull anywhere, plus room
            "pull_span": [float(v) * 1.1 for v in spans]}
    # ... and its tick labels, of one width over every variant (style.steady_digits)
    atlas["pull_formats"] = [style.steady_digits(span) for span in atlas["pull_span"]]
    return atlas


def _slot(atlas: dict, place: str, height: float, variant: int) -> int:
    return ((atlas["places"].index(place) * len(HEIGHTS) + HEIGHTS.index(height)) * atlas["n_variants"] + variant)


def alpha_text(a: float) -> str:
    return "−∞" if a == -math.inf else f"{a:g}".replace("-", "−")


def loss_label(loss: str, delta: float, alpha: float) -> str:
    if loss == "huber":
        return f"Huber (δ = {delta:g})"
    if loss == "barron":
        return f"Barron (α = {alpha_text(alpha)}, c = {SCALE:g})"
    return dict(LOSSES)[loss]


def signed(v: float) -> str:
    """+1.25 or −1.25, as outlier.js prints it."""
    return style.signed(v, 2)


def pull_title(atlas: dict, place: str, height: float, loss: str, delta: float, alpha: float) -> str:
    """The pull panel's title (outlier.js writes the same)."""
    i = _slot(atlas, place, height, variant_index(loss, delta, alpha))
    n = atlas["n_points"]
    return (f"{loss_label(loss, delta, alpha)}: outlier's pull {signed(float(atlas['pulls'][i * n + n - 1]))}, "
            f"the other 12 together {signed(float(atlas['others'][i]))}")


def build():
    """Build the outlier lab (see the module docstring)."""
    atlas = outlier_atlas()
    theme = style.controls()
    d = DEFAULT
    place, height = d["place"], d["height"]
    n = atlas["n_points"]
    x_all, y_all = data(place, height)

    src_pts = ColumnDataSource({"x": X, "y": atlas["inliers"]}, name="inlier_points")
    src_out = ColumnDataSource({"x": [x_all[-1]], "y": [y_all[-1]]}, name="outlier_point")
    lines = {}
    for loss, _ in LOSSES:
        i = _slot(atlas, place, height, variant_index(loss, d["delta"], d["alpha"]))
        lines[loss] = ColumnDataSource({"x": list(X_RANGE), "y": atlas["ends"][2 * i:2 * i + 2]}, name=f"line_{loss}")
    fig = figure(height=290, sizing_mode="stretch_width", min_width=300, x_range=X_RANGE, y_range=Y_RANGE,
                 tools="", toolbar_location=None, name="outlier_plot",
                 title="Lines fitted by each loss to the 13 points", x_axis_label="x", y_axis_label="y",
                 background_fill_color=None, border_fill_color=None)
    look = {loss: dict(source=lines[loss], color=COLORS[loss], line_dash=DASHES[loss]) for loss, _ in LOSSES}
    for loss, label in LOSSES:
        fig.line("x", "y", line_width=2, legend_label=label, **look[loss])
    # The chosen loss's line is drawn once more, 4 px wide and after every listed line (so
    # on top of them), by a renderer of its own that the legend does not list; outlier.js
    # only shows or hides these. Widening a listed line instead made BokehJS 3.9 render
    # the legend's items again on every choice (their colours read through
    # getComputedStyle, the page laid out again): about 8 ms of a 35 ms change, against an
    # 18 ms bare repaint of the same widget.
    emphasis = {loss: fig.line("x", "y", line_width=4, visible=loss == d["loss"], name=f"emphasis_{loss}",
                               **look[loss])
                for loss, _ in LOSSES}
    fig.scatter("x", "y", source=src_pts, size=7, color=POINT_COLOR)
    fig.scatter("x", "y", source=src_out, size=12, marker="diamond", color=OUTLIER_COLOR, line_color="black")
    style.legend(fig, "top_left", "horizontal", below=True)  # outside the frame: an outlier may sit anywhere inside

    i = _slot(atlas, place, height, variant_index(d["loss"], d["delta"], d["alpha"]))
    src_pull = ColumnDataSource({"x": x_all, "pull": atlas["pulls"][i * n:(i + 1) * n],
                                 "color": [POINT_COLOR] * (n - 1) + [OUTLIER_COLOR]}, name="pulls")
    variant = variant_index(d["loss"], d["delta"], d["alpha"])
    span = atlas["pull_span"][variant]
    bars = figure(height=210, sizing_mode="stretch_width", min_width=300, x_range=fig.x_range, y_range=(-span, span),
                  tools="", toolbar_location=None, name="pull_plot",
                  title=pull_title(atlas, place, height, d["loss"], d["delta"], d["alpha"]),
                  x_axis_label="x of the point", y_axis_label="pull ∂ℓ/∂ŷ", background_fill_color=None,
                  border_fill_color=None)
    bars.yaxis.formatter = PrintfTickFormatter(
        format=atlas["pull_formats"][variant])
    bars.vbar(x="x", top="pull", width=0.6, source=src_pull, color="color")
    bars.add_layout(Span(location=0, dimension="width", line_color="#888888", line_width=1))
    style.tidy(fig, bars)

    sl_h = Slider(title="Outlier height above the line", start=HEIGHTS[0], end=HEIGHTS[-1], step=1.0, value=height,
                  name="outlier_height", stylesheets=[theme], sizing_mode="stretch_width", min_width=200)
    sel_place = Select(title="Outlier", name="outlier_place", value=place, options=[(k, t) for k, t, _ in PLACES],
                       stylesheets=[theme], sizing_mode="stretch_width", min_width=150)
    sel_loss = Select(title="Pulls for", name="pull_select", value=d["loss"], options=list(LOSSES),
                      stylesheets=[theme], sizing_mode="stretch_width", min_width=150)
    sl_delta = Slider(title="Huber δ", start=DELTAS[0], end=DELTAS[-1], step=DELTAS[1] - DELTAS[0],
                      value=d["delta"], name="delta", stylesheets=[theme], sizing_mode="stretch_width", min_width=150,
                      disabled=d["loss"] != "huber",
                      tags=["needs:pull_select=huber"])  # enabled while Huber's pulls are shown
    sl_alpha = Slider(title="Barron α", start=0, end=len(ALPHAS) - 1, step=1, value=ALPHAS.index(d["alpha"]),
                      format=CustomJSTickFormatter(args=dict(labels=[alpha_text(a) for a in ALPHAS]),
                                                   code="return labels[tick]"),
                      name="alpha_index", stylesheets=[theme], sizing_mode="stretch_width", min_width=150,
                      disabled=d["loss"] != "barron", tags=["needs:pull_select=barron"])
    cb = CustomJS(args=dict(atlas=atlas, sl_h=sl_h, sel_place=sel_place, sel_loss=sel_loss, sl_delta=sl_delta,
                            sl_alpha=sl_alpha, src_out=src_out, lines=lines, emphasis=emphasis,
                            src_pull=src_pull, bars=bars, pull_range=bars.y_range,
                            pull_format=bars.yaxis[0].formatter, labels=dict(LOSSES),
                            alpha_labels=[alpha_text(a) for a in ALPHAS], scale=f"{SCALE:g}"),
                  code=js("outlier.js"))
    for control in (sl_h, sel_place, sel_loss, sl_delta, sl_alpha):
        control.js_on_change("value", cb)

    wrap = InlineStyleSheet(css=WRAP)
    controls = column(row(sel_place, sl_h, sizing_mode="stretch_width", stylesheets=[wrap]),
                      row(sel_loss, sl_delta, sl_alpha, sizing_mode="stretch_width", stylesheets=[wrap]),
                      sizing_mode="stretch_width")
    return column(controls, fig, bars, sizing_mode="stretch_width", name="outlier_lab")
