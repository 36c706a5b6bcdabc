"""The triplet-loss widget: an anchor, a positive and a negative in a 2D embedding plane,
with the rings that sort negatives into easy, semi-hard and hard.

Data flow: metric (triplet, triplet_grad) -> **widget builders** -> embedding -> hook.

What the reader learns: the triplet loss max(0, d(a, p) − d(a, n) + m) only cares how
much farther the negative is than the positive. A negative beyond d(a, p) + m is easy:
the loss and every gradient are zero, so it teaches nothing. Inside that ring it is
semi-hard (farther than the positive, but not by the margin) or hard (closer than the
positive); there the arrows (each point's step, minus its gradient) pull the positive
in and push the negative out along the lines through the anchor. The anchor sits at
the origin and the positive on the +x axis (the loss only sees distances, so that
loses nothing). Every loss and arrow is the engine's (``lossdocs.metric``, torch's
``triplet_margin_loss`` with p = 2 and eps = 1e-6), computed at build time for every
slider position; a tap moves the negative to the nearest precomputed place.
"""

from __future__ import annotations

import functools

import numpy as np
from bokeh.events import Tap
from bokeh.layouts import column, row
from bokeh.models import Arrow, ColumnDataSource, CustomJS, InlineStyleSheet, Slider, Title, VeeHead
from bokeh.plotting import figure

from lossdocs import metric
from lossdocs.widgets import style
from lossdocs.widgets.code import js

POSITIVE = tuple(0.25 * k for k in range(2, 11))      # d(a, p): 0.5 ... 2.5
NEGATIVE = tuple(0.25 * k for k in range(1, 13))      # d(a, n): 0.25 ... 3
ANGLES = tuple(range(0, 360, 30))                     # the negative's direction, degrees
MARGINS = (0.5, 1.0, 1.5, 2.0)
DEFAULT = {"positive_distance": 1.0, "negative_distance": 1.5, "negative_angle": 60, "margin": 1.0}
ARROW_SCALE = 0.6                                     # arrow length per unit of gradient
REGIONS = ("easy", "semi-hard", "hard")
HARD_COLOR, SEMI_COLOR, EASY_COLOR = "#D55E00", "#E69F00", "#009E73"
ANCHOR_COLOR, POSITIVE_COLOR, NEGATIVE_COLOR = "#555555", "#0072B2", "#D55E00"
LIMIT = 3.4
WRAP = ":host { flex-wrap: wrap !important; row-gap: 6px; }"


def negative_place(dn: float, angle: float) -> tuple[float, float]:
    t = np.deg2rad(angle)
    return float(dn * np.cos(t)), float(dn * np.sin(t))


def settings() -> list[tuple]:
    """Every (d_ap, d_an, angle, margin) in the page's order."""
    return [(p, n, a, m) for p in POSITIVE for n in NEGATIVE for a in ANGLES for m in MARGINS]


@functools.cache
def triplet_atlas() -> dict:
    """For every setting: the loss, its region, and the three arrows' end points (float32)."""
    rows = settings()
    anchor = np.zeros((len(rows), 2))
    positive = np.array([[p, 0.0] for p, _, _, _ in rows])
    negative = np.array([negative_place(n, a) for _, n, a, _ in rows])
    margin = np.array([m for *_, m in rows])
    loss = np.empty(len(rows))
    grads = np.empty((len(rows), 3, 2))
    for m in MARGINS:  # one engine call per margin (the margin is a scalar argument)
        pick = margin == m
        loss[pick] = metric.triplet(anchor[pick], positive[pick], negative[pick], margin=m)
        ga, gp, gn = metric.triplet_grad(anchor[pick], positive[pick], negative[pick], margin=m)
        grads[pick] = np.stack([ga, gp, gn], axis=1)
    d_ap = metric.pairwise_distance(anchor, positive)
    d_an = metric.pairwise_distance(anchor, negative)
    region = np.where(d_an < d_ap, 2, np.where(d_an < d_ap + margin, 1, 0))
    starts = np.stack([anchor, positive, negative], axis=1)
    ends = starts - ARROW_SCALE * grads
    places = [negative_place(n, a) for n in NEGATIVE for a in ANGLES]
    return {
        "positive": list(POSITIVE), "negative": list(NEGATIVE), "angles": list(ANGLES), "margins": list(MARGINS),
        "loss": loss.astype(np.float32), "region": region.astype(np.uint8),
        "ends": ends.reshape(-1).astype(np.float32),
        "place_x": np.array([x for x, _ in places], dtype=np.float32),
        "place_y": np.array([y for _, y in places], dtype=np.float32),
        # the rings' radii for each (d_ap, margin): d_ap, d_ap + m, and the easy ring's outer
        # edge, the plot's half-width (so the plot's corners stay empty), or d_ap + m if larger
        "ring": np.array([[p, p + m, max(LIMIT, p + m)] for p in POSITIVE for m in MARGINS],
                         dtype=np.float32).reshape(-1),
        "d_ap": d_ap.astype(np.float32), "d_an": d_an.astype(np.float32),
    }


def index_of(setting: dict) -> int:
    i = POSITIVE.index(setting["positive_distance"])
    i = i * len(NEGATIVE) + NEGATIVE.index(setting["negative_distance"])
    i = i * len(ANGLES) + ANGLES.index(setting["negative_angle"])
    return i * len(MARGINS) + MARGINS.index(setting["margin"])


def titles(atlas: dict, i: int) -> tuple[str, str]:
    """The two readout lines (triplet.js writes the same)."""
    return (f"A {REGIONS[atlas['region'][i]]} negative: loss {atlas['loss'][i]:.3f}",
            f"d(a, p) = {atlas['d_ap'][i]:.3f}, d(a, n) = {atlas['d_an'][i]:.3f}")


def build():
    """Build the triplet widget (see the module docstring)."""
    atlas = triplet_atlas()
    theme = style.controls()
    d = DEFAULT
    i = index_of(d)
    ring = atlas["ring"][3 * (POSITIVE.index(d["positive_distance"]) * len(MARGINS) + MARGINS.index(d["margin"])):][:3]
    src_ring = ColumnDataSource({"x": [0.0] * 3, "y": [0.0] * 3, "inner": [0.0, float(ring[0]), float(ring[1])],
                                 "outer": [float(ring[0]), float(ring[1]), float(ring[2])],
                                 "color": [HARD_COLOR, SEMI_COLOR, EASY_COLOR],
                                 "label": ["hard", "semi-hard", "easy"]}, name="regions")
    nx, ny = negative_place(d["negative_distance"], d["negative_angle"])
    src_pts = ColumnDataSource({"x": [0.0, d["positive_distance"], nx], "y": [0.0, 0.0, ny],
                                "color": [ANCHOR_COLOR, POSITIVE_COLOR, NEGATIVE_COLOR],
                                "label": ["anchor", "positive", "negative"]}, name="points")
    ends = atlas["ends"][6 * i:6 * i + 6]
    src_arrows = ColumnDataSource({"x0": src_pts.data["x"], "y0": src_pts.data["y"],
                                   "x1": ends[0::2], "y1": ends[1::2]}, name="arrows")
    plane = figure(height=380, sizing_mode="stretch_width", min_width=300, x_range=(-LIMIT, LIMIT),
                   y_range=(-LIMIT, LIMIT), match_aspect=True, aspect_scale=1, tools="", toolbar_location=None,
                   name="triplet_plane", title=titles(atlas, i)[0], x_axis_label="embedding dimension 1",
                   y_axis_label="embedding dimension 2", background_fill_color=None, border_fill_color=None)
    plane.annulus(x="x", y="y", inner_radius="inner", outer_radius="outer", source=src_ring, fill_color="color",
                  fill_alpha=0.15, line_color="color", line_alpha=0.5, legend_field="label")
    plane.add_layout(Arrow(end=VeeHead(size=9, fill_color="#444444", line_color="#444444"), source=src_arrows,
                           x_start="x0", y_start="y0", x_end="x1", y_end="y1", line_width=2,
                           line_color="#444444", name="gradient_arrows"))
    plane.scatter("x", "y", source=src_pts, size=13, color="color", line_color="black")
    distances = Title(text=titles(atlas, i)[1], text_font_size="12px", text_font_style="normal",
                      name="distance_title")
    plane.add_layout(distances, "above")
    style.legend(plane, "bottom_left", "horizontal")
    style.tidy(plane)

    def slider(title_, key, values, fmt=None):
        return Slider(title=title_, start=values[0], end=values[-1], step=values[1] - values[0], value=d[key],
                      name=key, stylesheets=[theme], sizing_mode="stretch_width", min_width=150)

    sl_p = slider("Positive's distance d(a, p)", "positive_distance", POSITIVE)
    sl_n = slider("Negative's distance d(a, n)", "negative_distance", NEGATIVE)
    sl_a = slider("Negative's direction (degrees)", "negative_angle", ANGLES)
    sl_m = slider("Margin m", "margin", MARGINS)
    cb = CustomJS(args=dict(atlas=atlas, sl_p=sl_p, sl_n=sl_n, sl_a=sl_a, sl_m=sl_m, src_ring=src_ring,
                            src_pts=src_pts, src_arrows=src_arrows, plane=plane, distances=distances,
                            regions=list(REGIONS)),
                  code=js("triplet.js"))
    for control in (sl_p, sl_n, sl_a, sl_m):
        control.js_on_change("value", cb)
    plane.js_on_event(Tap, CustomJS(args=dict(atlas=atlas, sl_n=sl_n, sl_a=sl_a), code=js("triplet_tap.js")))

    wrap = InlineStyleSheet(css=WRAP)
    controls = column(row(sl_p, sl_m, sizing_mode="stretch_width", stylesheets=[wrap]),
                      row(sl_n, sl_a, sizing_mode="stretch_width", stylesheets=[wrap]), sizing_mode="stretch_width")
    return column(controls, plane, sizing_mode="stretch_width", name="triplet")
