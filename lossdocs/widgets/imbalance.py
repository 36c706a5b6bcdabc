"""The class-imbalance lab: one feature, one positive in twenty, and a logistic model
fitted to the exact minimum of the loss you pick.

Data flow: classification (imbalanced_data, fit_logistic, scores) -> **widget builders**
-> embedding -> hook.

What the reader learns: with 380 negatives and 20 positives, plain binary
cross-entropy is minimised by a model that is cautious about calling anything
positive: accuracy is high (it would be 95% by calling everything negative) while
the rare class's recall is poor. Weighting the positives (``pos_weight``) moves the
0.5 decision point towards the negatives: recall rises, precision falls, accuracy
drops, and the loss curve itself changes shape. Focal loss reshapes the weighting
differently: γ fades the many easy negatives, and α sets the balance between the
classes (torchvision's default α = 0.25 actually weights positives down). Every fit
is a true minimum (Newton's method, gradient norm below 1e-8) computed at build
time for every slider position; the page only picks the one asked for.
"""

from __future__ import annotations

import numpy as np
from bokeh.layouts import column, row
from bokeh.models import ColumnDataSource, CustomJS, InlineStyleSheet, LabelSet, Select, Slider, Span
from bokeh.plotting import figure

from lossdocs import classification as cls
from lossdocs import losses
from lossdocs.widgets import style
from lossdocs.widgets.code import js

POS_WEIGHTS = tuple(float(k) for k in range(1, 21))     # 1 (plain BCE) ... 20
GAMMAS = tuple(0.5 * k for k in range(11))               # 0 ... 5
ALPHAS = (0.25, 0.5, 0.75)
DEFAULT_LOSS, DEFAULT_POS_WEIGHT, DEFAULT_GAMMA, DEFAULT_ALPHA = "bce_logits", 1.0, 2.0, 0.25
CURVE_POINTS = 121
NEG_COLOR, POS_COLOR, FIT_COLOR, BASE_COLOR, CUT_COLOR = "#999999", "#D55E00", "#0072B2", "#888888", "#009E73"
LABEL_COLOR = "#8c8c8c"  # bar labels: readable on the light and the dark page alike
WRAP = ":host { flex-wrap: wrap !important; row-gap: 6px; }"


def fit_key(loss: str, params: dict) -> str:
    if loss == "bce_logits":
        return f"bce_logits|{POS_WEIGHTS.index(params['pos_weight'])}"
    return f"focal|{GAMMAS.index(params['gamma'])}|{ALPHAS.index(params['alpha'])}"


def all_settings() -> list[tuple[str, dict]]:
    """Every (loss, params) a reader can reach."""
    return ([("bce_logits", {"pos_weight": w}) for w in POS_WEIGHTS]
            + [("focal", {"gamma": g, "alpha": a}) for g in GAMMAS for a in ALPHAS])


def imbalance_atlas() -> dict:
    """The data (with a fixed jitter for drawing), the x grid, and for every setting its fit,
    scores and fitted probability curve (float32)."""
    x, y = cls.imbalanced_data()
    pad = 0.5
    # The grid as the page gets it (float32), so each curve is the engine's at those very x.
    grid = np.linspace(np.floor(x.min() - pad), np.ceil(x.max() + pad), CURVE_POINTS).astype(np.float32)
    grid = grid.astype(np.float64)
    jitter = np.random.default_rng(7).uniform(-0.045, 0.045, x.size)
    fits = {}
    for loss, params in all_settings():
        fit = cls.fit_logistic(x, y, loss, **params)
        s = cls.scores(fit, x, y)
        fits[fit_key(loss, params)] = {
            "w": fit.w, "b": fit.b, "threshold": fit.threshold, "value": fit.value,
            "grad_norm": fit.grad_norm, **s,
            "curve": np.asarray(losses.sigmoid(fit.w * grid + fit.b), dtype=np.float32),
        }
    return {"x": x.tolist(), "y": y.tolist(), "jitter": jitter.tolist(), "grid": grid.astype(np.float32),
            "fits": fits, "pos_weights": list(POS_WEIGHTS), "gammas": list(GAMMAS), "alphas": list(ALPHAS),
            "n_pos": int(y.sum()), "n": int(y.size)}


def pct(v) -> str:
    return "—" if v is None else f"{100 * v:.1f}%"


def readout_text(fit: dict, label: str) -> str:
    """The readout's text for one fit; imbalance.js writes the same."""
    precision = pct(fit["precision"])
    return (f"<b>{label}</b>: w = {fit['w']:.3f}, b = {fit['b']:.3f}, p = 0.5 at x = {fit['threshold']:.3f}; "
            f"mean loss {fit['value']:.4f}, gradient norm {fit['grad_norm']:.1e}<br>"
            f"Accuracy <b>{pct(fit['accuracy'])}</b> · positives found (recall) <b>{pct(fit['recall'])}</b> "
            f"({fit['true_positive']} of 20) · called positive that are (precision) <b>{precision}</b> "
            f"({fit['true_positive']} of {fit['called_positive']})")


def setting_label(loss: str, params: dict) -> str:
    if loss == "bce_logits":
        w = params["pos_weight"]
        return "Plain BCE" if w == 1 else f"BCE, pos_weight {w:g}"
    return f"Focal, γ {params['gamma']:g}, α {params['alpha']:g}"


def metric_bars(fit: dict) -> dict:
    names = ["accuracy", "recall", "precision"]
    values = [fit[k] if fit[k] is not None else 0.0 for k in names]
    return {"metric": ["accuracy", "recall (positives)", "precision (positives)"], "value": values,
            "text": [pct(fit[k]) for k in names]}


def build():
    """Build the class-imbalance lab (see the module docstring)."""
    atlas = imbalance_atlas()
    theme = style.controls()
    opening = atlas["fits"][fit_key(DEFAULT_LOSS, {"pos_weight": DEFAULT_POS_WEIGHT})]
    plain = atlas["fits"][fit_key("bce_logits", {"pos_weight": 1.0})]
    x, y = np.asarray(atlas["x"]), np.asarray(atlas["y"])
    jitter = np.asarray(atlas["jitter"])
    src_pts = ColumnDataSource({"x": x, "y": y + jitter,
                                "color": [POS_COLOR if v == 1 else NEG_COLOR for v in y]}, name="imbalance_points")
    src_fit = ColumnDataSource({"x": atlas["grid"], "p": opening["curve"], "base": plain["curve"]},
                               name="imbalance_fit")
    grid = atlas["grid"]
    fig = figure(height=300, sizing_mode="stretch_width", min_width=300, x_range=(float(grid[0]), float(grid[-1])),
                 y_range=(-0.12, 1.12), tools="", toolbar_location=None, name="imbalance_plot",
                 x_axis_label="feature x", y_axis_label="label / predicted p",
                 background_fill_color=None, border_fill_color=None)
    fig.outline_line_color = None
    fig.scatter("x", "y", source=src_pts, color="color", size=6, alpha=0.7, line_color=None)
    fig.line("x", "base", source=src_fit, color=BASE_COLOR, line_dash="dashed", line_width=2,
             legend_label="plain BCE")
    fig.line("x", "p", source=src_fit, color=FIT_COLOR, line_width=3, legend_label="fit for the chosen loss")
    fig.legend.location = "center_left"
    fig.legend.background_fill_alpha = 0
    fig.legend.border_line_alpha = 0
    fig.legend.label_text_font_size = "11px"
    fig.add_layout(Span(location=0.5, dimension="width", line_color="#888888", line_dash="dotted", line_width=1))
    cut = Span(location=opening["threshold"], dimension="height", line_color=CUT_COLOR, line_width=2,
               line_dash="dashed", name="decision_point")
    fig.add_layout(cut)

    src_bars = ColumnDataSource(metric_bars(opening), name="imbalance_scores")
    bars = figure(height=300, sizing_mode="stretch_width", min_width=260, y_range=src_bars.data["metric"][::-1],
                  x_range=(0, 1.2), tools="", toolbar_location=None, name="imbalance_scores_plot",
                  x_axis_label="share", background_fill_color=None, border_fill_color=None)
    bars.outline_line_color = None
    bars.ygrid.grid_line_color = None
    bars.hbar(y="metric", right="value", height=0.6, source=src_bars, color=FIT_COLOR)
    bars.add_layout(LabelSet(x="value", y="metric", text="text", source=src_bars, x_offset=4,
                             text_baseline="middle", text_font_size="11px", text_color=LABEL_COLOR,
                             name="score_labels"))
    for f in (fig, bars):
        f.toolbar.active_drag = None
        f.toolbar.active_scroll = None
        style.toolbar(f)

    sel_loss = Select(title="Loss", value=DEFAULT_LOSS, name="loss_select",
                      options=[("bce_logits", "Binary cross-entropy (pos_weight 1 = plain)"),
                               ("focal", "Focal loss")], stylesheets=[theme], sizing_mode="stretch_width",
                      min_width=200)
    sl_w = Slider(title="pos_weight (used by BCE)", start=POS_WEIGHTS[0], end=POS_WEIGHTS[-1], step=1,
                  value=DEFAULT_POS_WEIGHT, name="param_bce_logits_pos_weight", stylesheets=[theme],
                  sizing_mode="stretch_width", min_width=200)
    sl_g = Slider(title="Focal γ", start=GAMMAS[0], end=GAMMAS[-1], step=GAMMAS[1] - GAMMAS[0],
                  value=DEFAULT_GAMMA, name="param_focal_gamma", disabled=True, stylesheets=[theme],
                  sizing_mode="stretch_width", min_width=200)
    sl_a = Slider(title="Focal α (weight of positives)", start=ALPHAS[0], end=ALPHAS[-1],
                  step=ALPHAS[1] - ALPHAS[0], value=DEFAULT_ALPHA, name="param_focal_alpha", disabled=True,
                  stylesheets=[theme], sizing_mode="stretch_width", min_width=200)
    readout, readout_box = style.readout(
        readout_text(opening, setting_label(DEFAULT_LOSS, {"pos_weight": DEFAULT_POS_WEIGHT})),
        name="imbalance_readout", height=62, stylesheets=[theme])
    cb = CustomJS(args=dict(atlas={k: v for k, v in atlas.items() if k not in ("x", "y", "jitter")},
                            sel_loss=sel_loss, sl_w=sl_w, sl_g=sl_g, sl_a=sl_a, src_fit=src_fit,
                            src_bars=src_bars, cut=cut, readout=readout), code=js("imbalance.js"))
    for control in (sel_loss, sl_w, sl_g, sl_a):
        control.js_on_change("value", cb)

    wrap = InlineStyleSheet(css=WRAP)
    controls = row(column(sel_loss, sl_w, sizing_mode="stretch_width", min_width=300),
                   column(sl_g, sl_a, sizing_mode="stretch_width", min_width=300),
                   sizing_mode="stretch_width", stylesheets=[wrap])
    plots = row(fig, bars, sizing_mode="stretch_width", stylesheets=[wrap])
    return column(controls, plots, readout_box, sizing_mode="stretch_width", name="imbalance_lab")
