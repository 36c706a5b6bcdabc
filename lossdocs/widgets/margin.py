"""The margin explorer: every binary classification loss against the raw score z.

Data flow: losses -> **widget builders** -> embedding -> hook.

What the reader learns: a classifier's loss is a function of its logit z (the score
before the sigmoid), and the losses differ most where the model is confidently right
or confidently wrong. Binary cross-entropy on logits falls towards zero on the right
side but never reaches it; the hinge reaches exactly zero once the score clears the
margin, so easy examples stop counting at all; focal loss flattens the easy side more
and more as γ grows (α scales the positives against the negatives); the soft margin
is cross-entropy again, written for labels −1 and +1. Squared error on σ(z), the
cautionary curve, stays bounded by 1 and its gradient (in the panel underneath) dies
away exactly where the model is confidently wrong, so a badly wrong example barely
pushes at all. The toggle redraws everything against p = σ(z), where the same curves
look like the loss explorer's probability axis.

Every curve is computed here by the engine for every control setting (float32); the
page only picks arrays and reads them at the grid point under the pointer or finger.
"""

from __future__ import annotations

import numpy as np
from bokeh.events import MouseMove, Tap
from bokeh.layouts import column, row
from bokeh.models import (
    ColumnDataSource,
    CrosshairTool,
    CustomJS,
    InlineStyleSheet,
    Legend,
    LegendItem,
    PanTool,
    ResetTool,
    Select,
    Slider,
    Span,
    WheelZoomTool,
)
from bokeh.plotting import figure

from lossdocs import losses
from lossdocs.widgets import style
from lossdocs.widgets.code import js

STEP = 1.0 / 8.0
Z = np.arange(-8.0, 8.0 + STEP / 2, STEP)          # 129 logits, every hinge kink on a node
GAMMAS = tuple(0.5 * k for k in range(11))         # 0, 0.5, ..., 5
ALPHAS = (0.25, 0.5, 0.75)
DEFAULT_GAMMA, DEFAULT_ALPHA, DEFAULT_LABEL, DEFAULT_AXIS = 2.0, 0.25, 1, "z"
CONFIDENT = 2.0    # |z| beyond this is "confident": p below 0.12 or above 0.88
HINGE_MARGIN = 1.0

# name, label, colour, dash
CURVES = (
    ("bce", "BCE on logits", "#0072B2", "solid"),
    ("focal", "Focal loss", "#D55E00", "solid"),
    ("hinge", "Hinge (margin 1)", "#009E73", "solid"),
    ("soft", "Soft margin", "#CC79A7", "dashed"),
    ("se", "Squared error on σ(z)", "#E69F00", "dotdash"),
)
WRONG_COLOR, RIGHT_COLOR = "#D55E00", "#009E73"
READOUT_PROMPT = (
    '<em class="hint-pointer">Move the pointer over a plot to read every loss and gradient at that score.</em>'
    '<em class="hint-touch">Tap a plot to read every loss and gradient at that score.</em>'
)
WRAP = ":host { flex-wrap: wrap !important; row-gap: 6px; }"
VIEW = {"z": (-8.3, 8.3), "p": (-0.02, 1.02)}
Y_LOSS, Y_GRAD = (-0.2, 5.0), (-1.15, 1.15)


def squared_error_on_sigmoid(z, y) -> tuple[np.ndarray, np.ndarray]:
    """(sigma(z) - y)^2 and its derivative in z: MSE's gradient times sigma'(z)."""
    mse = losses.get("mse")
    p = losses.sigmoid(z)
    return mse.value(p, y), mse.grad(p, y) * losses.sigmoid(z) * losses.sigmoid(-z)


def curves_for(label: int, gamma: float = DEFAULT_GAMMA, alpha: float = DEFAULT_ALPHA, z=Z) -> dict:
    """Every curve for label ``label`` (0 or 1): {name: (loss, d loss / dz)} over ``z``."""
    pm = 2.0 * label - 1.0  # hinge and soft margin read the class as -1 or +1
    out = {
        "bce": (losses.get("bce_logits").value(z, label), losses.get("bce_logits").grad(z, label)),
        "focal": (losses.get("focal").value(z, label, gamma=gamma, alpha=alpha),
                  losses.get("focal").grad(z, label, gamma=gamma, alpha=alpha)),
        "hinge": (losses.get("hinge").value(z, pm, margin=HINGE_MARGIN),
                  losses.get("hinge").grad(z, pm, margin=HINGE_MARGIN)),
        "soft": (losses.get("soft_margin").value(z, pm), losses.get("soft_margin").grad(z, pm)),
        "se": squared_error_on_sigmoid(z, float(label)),
    }
    return out


def zones(label: int, axis: str) -> dict:
    """Where the model is confidently wrong and confidently right, on the axis shown."""
    lo, hi = (-CONFIDENT, CONFIDENT) if axis == "z" else (float(losses.sigmoid(-CONFIDENT)),
                                                           float(losses.sigmoid(CONFIDENT)))
    # The zones span the data (z in [-8, 8], p in [0, 1]), not the view's margins, so the
    # frame's corners show the page's own background.
    left, right = (float(Z[0]), float(Z[-1])) if axis == "z" else (0.0, 1.0)
    below, above = {"left": left, "right": lo}, {"left": hi, "right": right}
    return {"wrong": below, "right": above} if label == 1 else {"wrong": above, "right": below}


def margin_atlas() -> dict:
    """Every array the widget can show: x for both axes, and per label the fixed curves and
    the focal curve for every (gamma, alpha), as float32."""
    f32 = lambda a: np.asarray(a, dtype=np.float32)  # noqa: E731
    atlas = {"x": {"z": f32(Z), "p": f32(losses.sigmoid(Z))}, "curves": {}, "focal": {},
             "gammas": list(GAMMAS), "alphas": list(ALPHAS),
             "zones": {f"{label}|{axis}": zones(label, axis) for label in (0, 1) for axis in ("z", "p")}}
    for label in (0, 1):
        fixed = curves_for(label)
        for name in ("bce", "hinge", "soft", "se"):
            atlas["curves"][f"{label}|{name}"] = [f32(fixed[name][0]), f32(fixed[name][1])]
        for gi, g in enumerate(GAMMAS):
            for ai, a in enumerate(ALPHAS):
                v, d = curves_for(label, g, a)["focal"]
                atlas["focal"][f"{label}|{gi}|{ai}"] = [f32(v), f32(d)]
    return atlas


def opening_data(atlas: dict) -> dict:
    """The data source's columns in the opening state (label 1, z axis, default focal)."""
    gi, ai = GAMMAS.index(DEFAULT_GAMMA), ALPHAS.index(DEFAULT_ALPHA)
    data = {"x": atlas["x"][DEFAULT_AXIS], "zv": atlas["x"]["z"], "pv": atlas["x"]["p"]}
    for name, *_ in CURVES:
        v, g = (atlas["focal"][f"{DEFAULT_LABEL}|{gi}|{ai}"] if name == "focal"
                else atlas["curves"][f"{DEFAULT_LABEL}|{name}"])
        data[name], data[name + "_g"] = v, g
    return data


def _figure(height, y_range, y_label, name, x_range=None):
    fig = figure(height=height, sizing_mode="stretch_width", x_range=x_range or VIEW[DEFAULT_AXIS],
                 y_range=y_range, tools=[PanTool(), WheelZoomTool(), ResetTool(),
                                         CrosshairTool(dimensions="height", line_color="#888888")],
                 toolbar_location="right", name=name, x_axis_label="logit z",
                 y_axis_label=y_label, background_fill_color=None, border_fill_color=None)
    fig.outline_line_color = None
    fig.toolbar.logo = None
    fig.toolbar.active_drag = None   # a finger on a plot scrolls the page
    fig.toolbar.active_scroll = None
    style.toolbar(fig)
    return fig


def build():
    """Build the margin explorer (see the module docstring for what the reader learns)."""
    atlas = margin_atlas()
    theme = style.controls()
    src = ColumnDataSource(opening_data(atlas), name="margin_curves")
    fig_l = _figure(300, Y_LOSS, "loss", "margin_loss_plot")
    fig_g = _figure(210, Y_GRAD, "gradient ∂loss/∂z", "margin_grad_plot", x_range=fig_l.x_range)
    z0 = zones(DEFAULT_LABEL, DEFAULT_AXIS)
    src_zone = ColumnDataSource({"left": [z0["wrong"]["left"], z0["right"]["left"]],
                                 "right": [z0["wrong"]["right"], z0["right"]["right"]],
                                 "color": [WRONG_COLOR, RIGHT_COLOR]}, name="margin_zones")
    zone_renderers = []
    for fig in (fig_l, fig_g):
        # Shaded zones as glyphs (not annotations), so the key can name them.
        zone_renderers.append(fig.quad(left="left", right="right", bottom=-100, top=100, source=src_zone,
                                       fill_color="color", fill_alpha=0.12, line_alpha=0))
        fig.add_layout(Span(location=0, dimension="width", line_color="#888888", line_width=1))
    items = []
    for name, label, color, dash in CURVES:
        width = 3 if name in ("bce", "focal") else 2.5
        r = fig_l.line("x", name, source=src, color=color, line_width=width, line_dash=dash)
        fig_g.line("x", name + "_g", source=src, color=color, line_width=width, line_dash=dash)
        items.append(LegendItem(label=label, renderers=[r]))
    legend = Legend(items=items, location="top_center", label_text_font_size="11px", background_fill_alpha=0,
                    border_line_alpha=0, glyph_width=22, spacing=0, padding=4, margin=4)
    fig_l.add_layout(legend)
    fig_g.add_layout(Legend(items=[LegendItem(label="confidently wrong", renderers=[zone_renderers[1]], index=0),
                                   LegendItem(label="confidently right", renderers=[zone_renderers[1]], index=1)],
                            orientation="horizontal", label_text_font_size="11px",
                            background_fill_alpha=0, border_line_alpha=0, padding=2, margin=2), "below")

    sel_label = Select(title="True label y", value=str(DEFAULT_LABEL), name="label_select",
                       options=[("1", "1: positive (hinge reads +1)"), ("0", "0: negative (hinge reads −1)")],
                       stylesheets=[theme], sizing_mode="stretch_width", min_width=200)
    sel_axis = Select(title="Horizontal axis", value=DEFAULT_AXIS, name="axis_select",
                      options=[("z", "logit z"), ("p", "probability p = σ(z)")],
                      stylesheets=[theme], sizing_mode="stretch_width", min_width=200)
    sl_gamma = Slider(title="Focal γ", start=GAMMAS[0], end=GAMMAS[-1], step=GAMMAS[1] - GAMMAS[0],
                      value=DEFAULT_GAMMA, name="gamma_slider", stylesheets=[theme],
                      sizing_mode="stretch_width", min_width=200)
    sl_alpha = Slider(title="Focal α (weight of positives)", start=ALPHAS[0], end=ALPHAS[-1],
                      step=ALPHAS[1] - ALPHAS[0], value=DEFAULT_ALPHA, name="alpha_slider",
                      stylesheets=[theme], sizing_mode="stretch_width", min_width=200)
    readout, readout_box = style.readout(READOUT_PROMPT, name="margin_readout", height=128,
                                         stylesheets=[theme, InlineStyleSheet(css=READOUT_CSS)])

    labels = {name: label for name, label, *_ in CURVES}
    colors = {name: color for name, _, color, _ in CURVES}
    update = CustomJS(args=dict(atlas=atlas, src=src, sel_label=sel_label, sel_axis=sel_axis, sl_gamma=sl_gamma,
                                sl_alpha=sl_alpha, src_zone=src_zone, fig_l=fig_l,
                                xaxes=[fig_l.xaxis[0], fig_g.xaxis[0]], views=VIEW, readout=readout,
                                prompt=READOUT_PROMPT),
                      code=js("margin.js"))
    for control in (sel_label, sel_axis, sl_gamma, sl_alpha):
        control.js_on_change("value", update)
    hover = CustomJS(args=dict(src=src, sel_axis=sel_axis, sel_label=sel_label, readout=readout,
                               names=[c[0] for c in CURVES], labels=labels, colors=colors),
                     code=js("margin_readout.js"))
    for fig in (fig_l, fig_g):  # a tap reads the values as hovering does
        fig.js_on_event(MouseMove, hover)
        fig.js_on_event(Tap, hover)

    wrap = InlineStyleSheet(css=WRAP)
    controls = row(column(sel_label, sel_axis, sizing_mode="stretch_width", min_width=300),
                   column(sl_gamma, sl_alpha, sizing_mode="stretch_width", min_width=300),
                   sizing_mode="stretch_width", stylesheets=[wrap])
    return column(controls, fig_l, fig_g, readout_box, sizing_mode="stretch_width", name="margin_explorer")


READOUT_CSS = """
table { border-collapse: collapse; font-size: 13px; line-height: 1.25; }
td, th { padding: 0 0.8em 0 0; text-align: left; font-weight: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
"""
