"""The contrastive-loss widget: the cost of a pair of embeddings against their distance,
for a pair that should be close and a pair that should be apart.

Data flow: metric (contrastive, contrastive_grad) -> **widget builders** -> embedding -> hook.

What the reader learns: a similar pair pays ½ d² however far apart it is, so its slope
keeps pulling the two together; a dissimilar pair pays ½ (m − d)² only while it is
closer than the margin m, and nothing at all beyond it: once two different faces are
far enough apart, training stops pushing them. The margin slider moves that edge; the
distance slider reads both losses and their slopes at one pair. Every curve is the
engine's (``lossdocs.metric``), computed at build time for every margin offered.
"""

from __future__ import annotations

import numpy as np
from bokeh.layouts import column, row
from bokeh.models import ColumnDataSource, CustomJS, InlineStyleSheet, Slider, Span
from bokeh.plotting import figure

from lossdocs import metric
from lossdocs.widgets import style
from lossdocs.widgets.code import js

D = np.linspace(0.0, 3.0, 301)                     # distances, step 0.01
MARGINS = tuple(0.25 * k for k in range(1, 11))    # 0.25 ... 2.5
DISTANCE_STEP = 0.05
DEFAULT = {"margin": 1.0, "distance": 0.5}
SIMILAR_COLOR, DISSIMILAR_COLOR, MARGIN_COLOR = "#0072B2", "#D55E00", "#888888"
WRAP = ":host { flex-wrap: wrap !important; row-gap: 6px; }"


def contrastive_atlas() -> dict:
    """Similar-pair value and slope on D, and the dissimilar pair's for every margin (float32);
    the distance slider's step and its stride on D, which contrastive.js reads too."""
    ones, zeros = np.ones_like(D), np.zeros_like(D)
    return {
        "d": D.astype(np.float32),
        "similar": metric.contrastive(D, ones).astype(np.float32),
        "similar_grad": metric.contrastive_grad(D, ones).astype(np.float32),
        "dissimilar": np.concatenate([metric.contrastive(D, zeros, m) for m in MARGINS]).astype(np.float32),
        "dissimilar_grad": np.concatenate([metric.contrastive_grad(D, zeros, m) for m in MARGINS]).astype(np.float32),
        "margins": list(MARGINS), "distance_step": DISTANCE_STEP,
        "stride": int(round(DISTANCE_STEP / (D[1] - D[0]))),
    }


def titles(atlas: dict, margin: float, distance: float) -> tuple[str, str]:
    """The two readout lines (contrastive.js writes the same)."""
    n = len(atlas["d"])
    i = int(round(distance / atlas["distance_step"])) * atlas["stride"]
    j = MARGINS.index(margin) * n + i
    s, ds = float(atlas["similar"][i]), float(atlas["similar_grad"][i])
    u, du = float(atlas["dissimilar"][j]), float(atlas["dissimilar_grad"][j])
    far = " (past the margin)" if u == 0 else ""  # short enough for a phone's width
    return (f"d = {distance:.2f}: similar {s:.3f}, dissimilar {u:.3f}{far}",
            f"Slopes at d = {distance:.2f}: similar {style.signed(ds, 3)}, dissimilar {style.signed(du, 3)}")


def build():
    """Build the contrastive-loss widget (see the module docstring)."""
    atlas = contrastive_atlas()
    theme = style.controls()
    m, dist = DEFAULT["margin"], DEFAULT["distance"]
    n = len(atlas["d"])
    k = MARGINS.index(m)
    i = int(round(dist / atlas["distance_step"])) * atlas["stride"]
    src = ColumnDataSource({"d": atlas["d"], "similar": atlas["similar"], "similar_grad": atlas["similar_grad"],
                            "dissimilar": atlas["dissimilar"][k * n:(k + 1) * n],
                            "dissimilar_grad": atlas["dissimilar_grad"][k * n:(k + 1) * n]}, name="contrastive_curves")
    src_now = ColumnDataSource({"x": [dist, dist], "loss": [atlas["similar"][i], atlas["dissimilar"][k * n + i]],
                                "grad": [atlas["similar_grad"][i], atlas["dissimilar_grad"][k * n + i]],
                                "color": [SIMILAR_COLOR, DISSIMILAR_COLOR]}, name="pair_now")
    first, second = titles(atlas, m, dist)
    loss = figure(height=270, sizing_mode="stretch_width", min_width=300, x_range=(0, 3), y_range=(-0.1, 3.2),
                  tools="", toolbar_location=None, name="contrastive_plot", title=first,
                  x_axis_label="distance d between the two embeddings", y_axis_label="loss",
                  background_fill_color=None, border_fill_color=None)
    loss.line("d", "similar", source=src, color=SIMILAR_COLOR, line_width=3, legend_label="similar pair: ½ d²")
    loss.line("d", "dissimilar", source=src, color=DISSIMILAR_COLOR, line_width=3, line_dash="dashed",
              legend_label="dissimilar pair: ½ max(0, m − d)²")
    loss.scatter("x", "loss", source=src_now, size=10, color="color", line_color="black")
    grad = figure(height=230, sizing_mode="stretch_width", min_width=300, x_range=loss.x_range, y_range=(-2.7, 3.2),
                  tools="", toolbar_location=None, name="contrastive_grad_plot", title=second,
                  x_axis_label="distance d", y_axis_label="slope ∂loss/∂d",
                  background_fill_color=None, border_fill_color=None)
    grad.line("d", "similar_grad", source=src, color=SIMILAR_COLOR, line_width=3)
    grad.line("d", "dissimilar_grad", source=src, color=DISSIMILAR_COLOR, line_width=3, line_dash="dashed")
    grad.scatter("x", "grad", source=src_now, size=10, color="color", line_color="black")
    grad.add_layout(Span(location=0, dimension="width", line_color="#888888", line_width=1))
    spans = [Span(location=m, dimension="height", line_color=MARGIN_COLOR, line_dash="dotted", line_width=2,
                  name=f"margin_span_{k}") for k in range(2)]
    loss.add_layout(spans[0])
    grad.add_layout(spans[1])
    style.legend(loss, "top_left")
    style.tidy(loss, grad)

    sl_m = Slider(title="Margin m", start=MARGINS[0], end=MARGINS[-1], step=0.25, value=m, name="margin",
                  stylesheets=[theme], sizing_mode="stretch_width", min_width=200)
    sl_d = Slider(title="Distance of one pair", start=0.0, end=3.0, step=DISTANCE_STEP, value=dist, name="distance",
                  stylesheets=[theme], sizing_mode="stretch_width", min_width=200)
    cb = CustomJS(args=dict(atlas=atlas, sl_m=sl_m, sl_d=sl_d, src=src, src_now=src_now, spans=spans,
                            loss=loss, grad=grad), code=js("contrastive.js"))
    for control in (sl_m, sl_d):
        control.js_on_change("value", cb)
    wrap = InlineStyleSheet(css=WRAP)
    return column(row(sl_m, sl_d, sizing_mode="stretch_width", stylesheets=[wrap]), loss, grad,
                  sizing_mode="stretch_width", name="contrastive")
