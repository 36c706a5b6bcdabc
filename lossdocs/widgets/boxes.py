"""The box-loss widget: a predicted box slid across a fixed target, with the IoU loss,
the GIoU loss and the L1 loss on its corners.

Data flow: boxes (iou_loss, giou_loss), losses (mae) -> **widget builders** -> embedding
-> hook.

What the reader learns: IoU only sees the overlap, so once the boxes separate the IoU
loss is stuck at 1 with a flat slope: a detector whose box misses gets no hint which
way to move. GIoU subtracts the share of the smallest enclosing box (drawn dashed) that
neither box covers, so its loss keeps rising as the boxes drift apart and its slope
still points home. The L1 loss on the four coordinates never flattens, but it grows
with the boxes' size rather than their overlap. The curve panel draws the three losses
against the horizontal offset for the current vertical offset and size. Every number is
the engine's (``lossdocs.boxes``, torchvision's formulas), computed at build time for
every slider position.
"""

from __future__ import annotations

import functools

import numpy as np
from bokeh.layouts import column, row
from bokeh.models import ColumnDataSource, CustomJS, InlineStyleSheet, Slider, Span, Title
from bokeh.plotting import figure

from lossdocs import boxes, losses
from lossdocs.widgets import style
from lossdocs.widgets.code import js

TARGET = (0.0, 0.0, 2.0, 2.0)
CENTRE = (1.0, 1.0)
DX = tuple(0.25 * k for k in range(-16, 17))      # −4 ... 4
DY = tuple(0.25 * k for k in range(-12, 13))      # −3 ... 3
SIZES = tuple(0.25 * k for k in range(2, 13))     # 0.5 ... 3
DEFAULT = {"x_offset": 1.0, "y_offset": 0.5, "size": 2.0}
NAMES = (("iou", "IoU loss"), ("giou", "GIoU loss"), ("l1", "L1 on corners"))
COLORS = {"iou": "#0072B2", "giou": "#D55E00", "l1": "#009E73"}
DASHES = {"iou": "solid", "giou": "dashed", "l1": "dotdash"}
TARGET_COLOR, PRED_COLOR = "#009E73", "#0072B2"
WRAP = ":host { flex-wrap: wrap !important; row-gap: 6px; }"


def pred_box(dx: float, dy: float, size: float) -> np.ndarray:
    """The predicted square: side ``size``, centre offset (dx, dy) from the target's."""
    cx, cy = CENTRE[0] + dx, CENTRE[1] + dy
    return np.array([cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2])


@functools.cache
def boxes_atlas() -> dict:
    """Every (size, dy, dx) state's three losses (float32, dx fastest), and each box's edges."""
    grid = np.array([pred_box(dx, dy, s) for s in SIZES for dy in DY for dx in DX])
    target = np.broadcast_to(np.array(TARGET), grid.shape)
    l1 = losses.get("mae").value(grid, target).mean(axis=1)
    edges = {f"{k}": [] for k in ("x1", "x2", "y1", "y2", "cx1", "cx2", "cy1", "cy2")}
    for s in SIZES:  # a box's x edges depend on (dx, size) only, its y edges on (dy, size)
        for dx in DX:
            b = pred_box(dx, 0.0, s)
            edges["x1"].append(b[0])
            edges["x2"].append(b[2])
            edges["cx1"].append(min(b[0], TARGET[0]))
            edges["cx2"].append(max(b[2], TARGET[2]))
        for dy in DY:
            b = pred_box(0.0, dy, s)
            edges["y1"].append(b[1])
            edges["y2"].append(b[3])
            edges["cy1"].append(min(b[1], TARGET[1]))
            edges["cy2"].append(max(b[3], TARGET[3]))
    return {"dx": list(DX), "dy": list(DY), "sizes": list(SIZES),
            "iou": boxes.iou_loss(grid, target).astype(np.float32),
            "giou": boxes.giou_loss(grid, target).astype(np.float32),
            "l1": l1.astype(np.float32),
            **{k: np.array(v, dtype=np.float32) for k, v in edges.items()}}


def row_of(dy: float, size: float) -> int:
    """The first state of the curve panel's row (all dx for this dy and size)."""
    return (SIZES.index(size) * len(DY) + DY.index(dy)) * len(DX)


def titles(atlas: dict, dx: float, dy: float, size: float) -> tuple[str, str]:
    """The readout lines (boxes.js writes the same)."""
    i = row_of(dy, size) + DX.index(dx)
    iou, giou, l1 = (float(atlas[k][i]) for k in ("iou", "giou", "l1"))
    where = "the boxes overlap" if iou < 1 else "no overlap: IoU loss flat at 1, GIoU still slopes"
    return f"IoU loss {iou:.3f} · GIoU loss {giou:.3f} · L1 {l1:.3f}", where[0].upper() + where[1:]


def build():
    """Build the box-loss widget (see the module docstring)."""
    atlas = boxes_atlas()
    theme = style.controls()
    d = DEFAULT
    dx, dy, size = d["x_offset"], d["y_offset"], d["size"]
    s, ix, iy = SIZES.index(size), DX.index(dx), DY.index(dy)
    nx, ny = len(DX), len(DY)
    first, second = titles(atlas, dx, dy, size)

    def quad(x1, y1, x2, y2):
        return {"left": [float(x1)], "right": [float(x2)], "bottom": [float(y1)], "top": [float(y2)]}

    src_target = ColumnDataSource(quad(*TARGET), name="target_box")
    jx, jy = s * nx + ix, s * ny + iy
    src_pred = ColumnDataSource(quad(atlas["x1"][jx], atlas["y1"][jy], atlas["x2"][jx], atlas["y2"][jy]),
                                name="pred_box")
    src_hull = ColumnDataSource(quad(atlas["cx1"][jx], atlas["cy1"][jy], atlas["cx2"][jx], atlas["cy2"][jy]),
                                name="enclosing_box")
    plane = figure(height=320, sizing_mode="stretch_width", min_width=300, x_range=(-4.8, 6.8), y_range=(-3.8, 5.8),
                   match_aspect=True, aspect_scale=1, tools="", toolbar_location=None, name="boxes_plane",
                   title=first, x_axis_label="x", y_axis_label="y", background_fill_color=None,
                   border_fill_color=None)
    plane.quad(source=src_hull, fill_color=None, line_color="#888888", line_dash="dashed", line_width=1.5,
               legend_label="enclosing box")
    plane.quad(source=src_target, fill_color=TARGET_COLOR, fill_alpha=0.25, line_color=TARGET_COLOR, line_width=2,
               legend_label="target")
    plane.quad(source=src_pred, fill_color=PRED_COLOR, fill_alpha=0.25, line_color=PRED_COLOR, line_width=2,
               legend_label="prediction")
    where = Title(text=second, text_font_size="12px", text_font_style="normal", name="overlap_title")
    plane.add_layout(where, "above")
    style.legend(plane, "top_left", "horizontal")

    start = row_of(dy, size)
    src_curves = ColumnDataSource({"dx": list(DX), **{k: atlas[k][start:start + nx] for k, _ in NAMES}},
                                  name="loss_curves")
    curves = figure(height=250, sizing_mode="stretch_width", min_width=300, x_range=(DX[0], DX[-1]),
                    y_range=(-0.05, 3.7), tools="", toolbar_location=None, name="boxes_curves",
                    title="The three losses against the horizontal offset", x_axis_label="horizontal offset",
                    y_axis_label="loss", background_fill_color=None, border_fill_color=None)
    for key, label in NAMES:
        curves.line("dx", key, source=src_curves, color=COLORS[key], line_dash=DASHES[key], line_width=3,
                    legend_label=label)
    now = Span(location=dx, dimension="height", line_color="#888888", line_width=1, name="offset_span")
    curves.add_layout(now)
    style.legend(curves, "top_center", "horizontal")
    style.tidy(plane, curves)

    def slider(title_, key, values):
        return Slider(title=title_, start=values[0], end=values[-1], step=0.25, value=d[key], name=key,
                      stylesheets=[theme], sizing_mode="stretch_width", min_width=150)

    sl_x = slider("Horizontal offset", "x_offset", DX)
    sl_y = slider("Vertical offset", "y_offset", DY)
    sl_s = slider("Size (side)", "size", SIZES)
    cb = CustomJS(args=dict(atlas=atlas, sl_x=sl_x, sl_y=sl_y, sl_s=sl_s, src_pred=src_pred, src_hull=src_hull,
                            src_curves=src_curves, now=now, plane=plane, where=where),
                  code=js("boxes.js"))
    for control in (sl_x, sl_y, sl_s):
        control.js_on_change("value", cb)
    wrap = InlineStyleSheet(css=WRAP)
    return column(row(sl_x, sl_y, sl_s, sizing_mode="stretch_width", stylesheets=[wrap]),
                  row(plane, curves, sizing_mode="stretch_width", stylesheets=[wrap]),
                  sizing_mode="stretch_width", name="boxes")
