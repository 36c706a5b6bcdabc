"""Descent on the landscape: gradient descent walking over the tanh neuron's loss map.

Data flow: losses -> landscape, descent -> **widget builders** -> embedding -> hook.

What the reader learns: training is a walk on the loss landscape, one step at a time,
and the optimiser decides the gait. Too small a learning rate crawls, a good one
settles, too large a one overshoots the basin or flies off the map; momentum carries
the path past the bottom like a heavy ball; RMSprop and Adam take steps of about the
learning rate whatever the slope, which gets them off tanh's flat plateau quickly but
keeps MAE bouncing; one random point per step makes the path wander. The loss-versus-step
plot (log scale) shows each gait's signature curve, and the fit shows what the
network has learnt at the step on screen.

Every path is computed by :mod:`lossdocs.descent` at build time, in one vectorised pass
(:func:`lossdocs.descent.trajectories`) per target set, loss, optimiser and batch mode,
over all learning rates and starts; the page only picks and decodes:

* **Paths** are quantised to the map: ``UNITS`` codes per window width, the same unit
  on both axes (so the map keeps a unit of w as long as a unit of b), clipped to
  ``MARGIN`` codes beyond the window (a path that leaves the map is drawn to its edge
  and marked), and stored as differences along the steps (int16; the page adds them
  back up).
* **Losses** (over all points, at every step) are stored as log10 L in steps of
  1/``LOSS_SCALE`` decade from ``LOSS_FLOOR`` up, also as differences; the page turns a
  code into a value through a lookup table (``loss_table``), never by a power.
* **The map** is the landscape widget's encoding (8-bit row-differenced colour codes,
  contours, palette) of the loss over this widget's window for each target set.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from bokeh.events import Tap
from bokeh.layouts import column, row
from bokeh.models import (
    ColorBar,
    ColumnDataSource,
    CustomJS,
    CustomJSTickFormatter,
    InlineStyleSheet,
    LogColorMapper,
    LogTicker,
    PrintfTickFormatter,
    Select,
    Slider,
    Span,
    TapTool,
)
from bokeh.plotting import figure

from lossdocs import descent, landscape
from lossdocs.widgets import landscape as lw
from lossdocs.widgets import style
from lossdocs.widgets.code import js, padded

PRESETS = ("two_points", "sloped_line")
# The map's window per target set: the landscape's for two points; wider in b for the
# sloped line, so that it reaches tanh's flat plateau (where every point is saturated).
WINDOWS = {
    "two_points": ((-1.6, 4.4), (-2.5, 2.5)),
    "sloped_line": ((-1.5, 4.5), (-3.0, 3.0)),
}
# Precomputed starts (key, label, (w, b)): the landscape's white dot, a point on the
# plateau where the gradient all but vanishes, and the origin.
STARTS = {
    "two_points": (("dot", "White dot", (-0.5, 1.5)), ("plateau", "Flat plateau", (-1.3, -2.4)),
                   ("origin", "Origin", (0.0, 0.0))),
    "sloped_line": (("dot", "White dot", (3.0, 0.5)), ("plateau", "Flat plateau", (-1.4, -2.8)),
                    ("origin", "Origin", (0.0, 0.0))),
}
START_KEYS = ("dot", "plateau", "origin")
LOSSES = (("mse", "mse", {}), ("mae", "mae", {}), ("huber", "huber", {"delta": 0.3}))  # (key, loss, params)
OPTIMIZERS = tuple(descent.OPTIMIZERS)
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "Momentum (0.9)", "nesterov": "Nesterov (0.9)",
                    "rmsprop": "RMSprop", "adam": "Adam"}
LRS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0)  # 1-2-5: a log scale
BATCHES = (("full", "All points (full batch)", None), ("one", "One random point per step", 1))
SEED = 0
STEPS = 150
UNITS = 300        # path codes per window width (the map frame is 300 px wide)
MARGIN = 4         # codes beyond the window where a path that leaves it is clipped
LOSS_SCALE = 32    # loss codes per decade
LOSS_FLOOR = 1e-12  # losses below are drawn at the floor
DIMS = ("preset", "loss", "optimizer", "batch", "lr", "start")

DEFAULT = {"preset": "two_points", "loss": "mse", "optimizer": "sgd", "compare": "none",
           "lr": LRS.index(0.5), "start": "dot", "batch": "full", "step": STEPS}

PATH_COLOR = "#ff4f9a"      # on the map: magenta reads on viridis
COMPARE_MAP_COLOR = "#7fe5ff"
LINE_COLOR = "#d81b60"      # the same path's loss and fit on white or slate
COMPARE_COLOR = "#0077bb"
OFF_COLOR = "#ff2a2a"
MAP_WIDTH = lw.MAP_WIDTH
MAP_HEIGHT = 300  # the tallest window's height at MAP_WIDTH with equal units
PANEL_HEIGHT = 210
LOSS_TICK_FORMAT = "%6.0e"  # the loss axis: one label width for every range (see build)
WRAP = lw.WRAP
GRID = lw.GRID


def window_preset(name: str) -> landscape.Preset:
    """The landscape preset with this widget's window."""
    (w_range, b_range) = WINDOWS[name]
    return dataclasses.replace(landscape.PRESETS[name], w_range=w_range, b_range=b_range)


def map_view(name: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """The map's (w, b) ranges for a target set: its window, widened to equal units of w
    and b on the map's one frame size (a frame that changed size with the target set would
    lay the whole widget out again on every switch)."""
    (w_range, b_range) = WINDOWS[name]
    return lw.map_view({"w_range": w_range, "b_range": b_range}, MAP_WIDTH, MAP_HEIGHT)


def unit(name: str) -> float:
    (w0, w1), _ = WINDOWS[name]
    return (w1 - w0) / UNITS


def code_limits(name: str) -> tuple[int, int]:
    """The largest code inside the window along w and along b."""
    (w0, w1), (b0, b1) = WINDOWS[name]
    return UNITS, int(round((b1 - b0) / unit(name)))


def loss_label(key: str) -> str:
    _, name, params = next(c for c in LOSSES if c[0] == key)
    return landscape.choice_label(name, params)


def runs(preset: str, loss_key: str, optimizer: str, batch: str) -> descent.Trajectory:
    """Every path of one (target set, loss, optimiser, batch mode): one vectorised pass
    over all learning rates x starts."""
    p = landscape.PRESETS[preset]
    _, name, params = next(c for c in LOSSES if c[0] == loss_key)
    batch_size = next(b[2] for b in BATCHES if b[0] == batch)
    starts = np.array([s[2] for s in STARTS[preset]], dtype=np.float64)
    return descent.trajectories(name, p.x, p.y, starts, optimizer, np.array(LRS), STEPS, loss_params=params,
                                batch_size=batch_size, seed=SEED)


def path_codes(preset: str, path: np.ndarray) -> np.ndarray:
    """Codes (..., 2, steps + 1) of paths (..., steps + 1, 2): the unit grid from the
    window's corner, clipped to MARGIN codes beyond the window (NaN or inf as beyond)."""
    (w0, _), (b0, _) = WINDOWS[preset]
    u = unit(preset)
    q = np.stack([(path[..., 0] - w0) / u, (path[..., 1] - b0) / u], axis=-2)
    top = np.array(code_limits(preset), dtype=np.float64)[:, None] + MARGIN
    q = np.where(np.isnan(q), top, q)
    return np.rint(np.clip(q, -MARGIN, top)).astype(np.int16)


def loss_codes(loss: np.ndarray) -> np.ndarray:
    """log10 L in 1/LOSS_SCALE decades, from the floor (NaN as the top of the table)."""
    lg = np.log10(np.maximum(np.nan_to_num(loss, nan=1e6, posinf=1e6), LOSS_FLOOR))
    return np.rint(lg * LOSS_SCALE).astype(np.int16)


def deltas(codes: np.ndarray) -> np.ndarray:
    """Differences along the last axis, the first against 0 (int16: codes stay small)."""
    return np.diff(codes, axis=-1, prepend=0).astype(np.int16)


def pack(d: np.ndarray) -> np.ndarray:
    """int16 differences as two byte planes (low bytes, then high bytes) of their zigzag
    codes (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...): small differences of either sign leave
    the high plane almost all zeros, which gzip squeezes far better than interleaved int16."""
    v = d.astype(np.int32).ravel()
    z = ((v << 1) ^ (v >> 15)) & 0xFFFF
    return np.stack([z & 0xFF, z >> 8]).astype(np.uint8)


def unpack(packed: np.ndarray, shape) -> np.ndarray:
    """Python mirror of the page's ``delta()``: the int16 differences back from ``pack``."""
    z = packed[0].astype(np.int64) | (packed[1].astype(np.int64) << 8)
    return ((z >> 1) ^ -(z & 1)).reshape(shape)


def undelta(d: np.ndarray) -> np.ndarray:
    """Python mirror of the page's decoding: cumulative sums along the last axis."""
    return np.cumsum(d.astype(np.int64), axis=-1)


def descent_atlas() -> dict:
    """Every map, path and loss curve the widget can show (see the module docstring)."""
    presets, grids, codes = {}, {}, []
    paths = np.empty((len(PRESETS), len(LOSSES), len(OPTIMIZERS), len(BATCHES), len(LRS), len(START_KEYS),
                      2, STEPS + 1), np.int16)
    curves = np.empty(paths.shape[:-2] + (STEPS + 1,), np.int16)
    ranges = {}
    for i, pname in enumerate(PRESETS):
        p = window_preset(pname)
        assert tuple(s[0] for s in STARTS[pname]) == START_KEYS
        pad = 0.15 * (p.x.max() - p.x.min())
        presets[pname] = {
            "label": p.label, "x": p.x.tolist(), "y": p.y.tolist(),
            "w_range": list(p.w_range), "b_range": list(p.b_range), "unit": unit(pname),
            "limits": list(code_limits(pname)), "view": [list(r) for r in map_view(pname)],
            "starts": [list(s[2]) for s in STARTS[pname]],
            "curve_x": np.linspace(p.x.min() - pad, p.x.max() + pad, lw.FIT_POINTS).tolist(),
        }
        w, b = landscape.axes(p, GRID)
        for j, (key, name, params) in enumerate(LOSSES):
            grid = landscape.loss_grid(name, p.x, p.y, w, b, **params)
            d, lo, hi = lw.encode_grid(grid)
            levels = landscape.contour_levels(grid)
            wm, bm, lm = landscape.minimum(name, p, **params)
            grids[f"{pname}|{key}"] = {"index": len(codes), "low": 10 ** lo, "high": 10 ** hi,
                                       "min": [wm, bm, lm], "contours": lw.contour_paths(grid, w, b, levels)}
            codes.append(d)
            for k, opt in enumerate(OPTIMIZERS):
                for m, (batch, _, _) in enumerate(BATCHES):
                    t = runs(pname, key, opt, batch)
                    paths[i, j, k, m] = path_codes(pname, t.path)
                    curves[i, j, k, m] = loss_codes(t.loss)
            top = int(curves[i, j].max()) + LOSS_SCALE // 4
            bottom = int(curves[i, j].min()) - LOSS_SCALE // 4
            ranges[f"{pname}|{key}"] = [10.0 ** (bottom / LOSS_SCALE), 10.0 ** (top / LOSS_SCALE)]
    kmin, kmax = int(curves.min()), int(curves.max())
    return {
        "preset_keys": list(PRESETS), "loss_keys": [c[0] for c in LOSSES],
        "presets": presets, "grids": grids, "codes": np.stack(codes), "grid_size": GRID,
        "losses": [{"key": k, "label": loss_label(k)} for k, _, _ in LOSSES],
        "optimizers": list(OPTIMIZERS), "lrs": list(LRS),
        "batches": [b[0] for b in BATCHES], "start_keys": list(START_KEYS), "steps": STEPS,
        "dims": list(DIMS), "shape": list(paths.shape[:-2]),
        "paths": pack(deltas(paths)), "curves": pack(deltas(curves)), "loss_ranges": ranges,
        "loss_min": kmin, "loss_table": 10.0 ** (np.arange(kmin, kmax + 1) / LOSS_SCALE),
        "paths_shape": list(paths.shape), "curves_shape": list(curves.shape),
        "loss_floor": LOSS_FLOOR,
    }


def decoded(atlas: dict, **where) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Python mirror of the page: (w, b, L) along the stored path named by ``where``
    (preset, loss, optimizer, batch keys; lr and start as indices), codes clipped."""
    idx = []
    for dim in DIMS:
        v = where[dim]
        options = {"preset": PRESETS, "loss": [c[0] for c in LOSSES], "optimizer": OPTIMIZERS,
                   "batch": [b[0] for b in BATCHES]}.get(dim)
        idx.append(options.index(v) if options is not None else v)
    shape = tuple(atlas["shape"])
    q = undelta(unpack(atlas["paths"], shape + (2, STEPS + 1))[tuple(idx)])
    p = atlas["presets"][where["preset"]]
    w = p["w_range"][0] + q[0] * p["unit"]
    b = p["b_range"][0] + q[1] * p["unit"]
    lcodes = undelta(unpack(atlas["curves"], shape + (STEPS + 1,))[tuple(idx)])
    return w, b, atlas["loss_table"][lcodes - atlas["loss_min"]]


def build():
    """Build the descent widget.

    What the reader learns: see the module docstring. In short: pick a learning rate,
    an optimiser and a start, then scrub or play the steps and watch the path on the
    map, the loss falling (or not) step by step, and the fit the weights make.
    """
    atlas = descent_atlas()
    pname = DEFAULT["preset"]
    preset = atlas["presets"][pname]
    grid = atlas["grids"][f"{pname}|{DEFAULT['loss']}"]
    theme = style.controls()
    where = dict(preset=pname, loss=DEFAULT["loss"], optimizer=DEFAULT["optimizer"], batch=DEFAULT["batch"],
                 lr=DEFAULT["lr"], start=START_KEYS.index(DEFAULT["start"]))
    pw, pb, pl = decoded(atlas, **where)
    step = DEFAULT["step"]

    view_w, view_b = map_view(pname)
    heat = figure(frame_width=MAP_WIDTH, frame_height=MAP_HEIGHT, width_policy="min", height_policy="min",
                  x_range=view_w, y_range=view_b, title=map_text(pw, pb, step),
                  tools="pan,wheel_zoom,reset", toolbar_location="above", name="descent_map",
                  x_axis_label="w (weight)", y_axis_label="b (bias)", min_border_right=12,
                  background_fill_color=None, border_fill_color=None, match_aspect=False)
    # One image and contour layer per grid, only the shown one visible (lw.grid_layers).
    keys = sorted(atlas["grids"], key=lambda k: atlas["grids"][k]["index"])
    layers = lw.grid_layers(
        heat, [(atlas["presets"][k.split("|")[0]], atlas["codes"][atlas["grids"][k]["index"]],
                atlas["grids"][k]["contours"]) for k in keys],
        grid["index"], {"images": "descent_image", "contours": "descent_contours"},
        {"color": "white", "alpha": 0.5, "line_width": 1})
    bar_mapper = LogColorMapper(palette=lw.PALETTE, low=grid["low"], high=grid["high"])
    heat.add_layout(ColorBar(color_mapper=bar_mapper, ticker=LogTicker(), title="L(w, b)",
                             orientation="horizontal", height=12, padding=4, title_standoff=4,
                             background_fill_color=None, name="descent_colour_bar"), "below")
    T = STEPS + 1
    # The minimum star of each grid, and the starts of each preset: one layer each, only
    # the shown one visible (lw.one_visible).
    layers["minima"] = lw.one_visible(
        heat, lambda **kw: heat.scatter("x", "y", **kw, marker="star", size=15, fill_color=lw.MIN_COLOR,
                                        line_color="black", line_width=1.2),
        [{"x": [atlas["grids"][k]["min"][0]], "y": [atlas["grids"][k]["min"][1]]} for k in keys],
        grid["index"], "descent_minimum")
    preset_index = list(PRESETS).index(pname)
    layers["starts"] = lw.one_visible(
        heat, lambda **kw: heat.scatter("x", "y", **kw, size=11, fill_color=lw.START_COLOR, line_color="black",
                                        line_width=1.2),
        [{"x": [s[0] for s in p["starts"]], "y": [s[1] for s in p["starts"]]} for p in atlas["presets"].values()],
        preset_index, "descent_starts")
    # The path: all of it faint, the part walked so far solid, the current step marked.
    src_path = ColumnDataSource({"x": pw, "y": pb}, name="descent_path")
    src_walked = ColumnDataSource({"x": padded(pw[:step + 1], T, np.nan), "y": padded(pb[:step + 1], T, np.nan)},
                                  name="descent_walked")
    nothing = padded([], T, np.nan)  # no comparison path yet
    src_cmp = ColumnDataSource({"x": nothing, "y": nothing}, name="compare_path")
    src_cmp_walked = ColumnDataSource({"x": nothing, "y": nothing}, name="compare_walked")
    heat.line("x", "y", source=src_path, color=PATH_COLOR, alpha=0.35, line_width=1.5)
    heat.line("x", "y", source=src_cmp, color=COMPARE_MAP_COLOR, alpha=0.35, line_width=1.5, line_dash="dashed")
    heat.line("x", "y", source=src_walked, color=PATH_COLOR, line_width=2.5)
    heat.scatter("x", "y", source=src_walked, size=3.5, color=PATH_COLOR)
    heat.line("x", "y", source=src_cmp_walked, color=COMPARE_MAP_COLOR, line_width=2.5, line_dash="dashed")
    src_now = ColumnDataSource({"x": [pw[step]], "y": [pb[step]]}, name="descent_now")
    src_cmp_now = ColumnDataSource({"x": [np.nan], "y": [np.nan]}, name="compare_now")
    heat.scatter("x", "y", source=src_cmp_now, size=12, fill_color=COMPARE_MAP_COLOR, line_color="black",
                 line_width=1.5, marker="square")
    heat.scatter("x", "y", source=src_now, size=13, fill_color=PATH_COLOR, line_color="black", line_width=1.5)
    src_off = ColumnDataSource({"x": [np.nan, np.nan], "y": [np.nan, np.nan]}, name="descent_off_map")
    heat.scatter("x", "y", source=src_off, marker="triangle", size=12, fill_color=OFF_COLOR,
                 line_color="white", line_width=1)

    # Loss against step, log scale, the current step marked.
    lo, hi = atlas["loss_ranges"][f"{pname}|{DEFAULT['loss']}"]
    loss_plot = figure(height=PANEL_HEIGHT, sizing_mode="stretch_width", min_width=300, y_axis_type="log",
                       x_range=(0, STEPS), y_range=(lo, hi), tools="pan,wheel_zoom,reset",
                       toolbar_location="above", name="loss_plot", title=loss_text(pl, None, step),
                       x_axis_label="step", y_axis_label="L", background_fill_color=None,
                       border_fill_color=None)
    steps = np.arange(STEPS + 1)
    src_loss = ColumnDataSource({"x": steps, "y": pl}, name="loss_curve")
    src_loss_cmp = ColumnDataSource({"x": steps, "y": nothing}, name="compare_loss_curve")
    src_loss_now = ColumnDataSource({"x": [step], "y": [pl[step]]}, name="loss_now")
    loss_plot.line("x", "y", source=src_loss, color=LINE_COLOR, line_width=2)
    loss_plot.line("x", "y", source=src_loss_cmp, color=COMPARE_COLOR, line_width=2, line_dash="dashed")
    span = Span(location=step, dimension="height", line_color="#888888", line_width=1, name="step_span")
    loss_plot.add_layout(span)
    loss_plot.scatter("x", "y", source=src_loss_now, size=9, fill_color=LINE_COLOR, line_color="black")

    # The fit of the current step over the targets.
    cx = np.asarray(preset["curve_x"])
    fit = figure(height=PANEL_HEIGHT, sizing_mode="stretch_width", min_width=300, tools="pan,wheel_zoom,reset",
                 toolbar_location="above", name="descent_fit", title=fit_text(pw[step], pb[step], step),
                 x_axis_label="x (input)", y_axis_label="y", x_range=(cx[0], cx[-1]), y_range=(-1.25, 1.25),
                 background_fill_color=None, border_fill_color=None)
    src_fit = ColumnDataSource({"x": cx, "y": np.tanh(pw[step] * cx + pb[step])}, name="fit_curve")
    src_fit_cmp = ColumnDataSource({"x": cx, "y": padded([], len(cx), np.nan)}, name="compare_fit_curve")
    fit.line("x", "y", source=src_fit, color=LINE_COLOR, line_width=2.5)
    fit.line("x", "y", source=src_fit_cmp, color=COMPARE_COLOR, line_width=2, line_dash="dashed")
    layers["targets"] = lw.one_visible(
        fit, lambda **kw: fit.scatter("x", "y", **kw, size=8, color=lw.TARGET_COLOR, line_color="white"),
        [{"x": p["x"], "y": p["y"]} for p in atlas["presets"].values()], preset_index, "descent_targets")

    for f in (heat, loss_plot, fit):  # a finger on a plot scrolls the page
        f.toolbar.logo = None
        f.toolbar.active_drag = None
        f.toolbar.active_scroll = None
        style.toolbar(f)
        f.axis.minor_tick_line_color = None
        f.outline_line_color = None
        f.title.text_font_style = "normal"
        f.title.text_font_size = "12px"
    heat.yaxis.formatter = PrintfTickFormatter(format="%.1f")
    fit.yaxis.formatter = PrintfTickFormatter(format="%.1f")
    style.steady_ticks(loss_plot.yaxis[0], LOSS_TICK_FORMAT)  # a preset or loss switch only repaints

    def select(title, name, value, options):
        return Select(title=title, name=name, value=value, options=options, stylesheets=[theme],
                      sizing_mode="stretch_width", min_width=160)

    sel_preset = select("Target points", "preset_select", pname,
                        [(k, atlas["presets"][k]["label"]) for k in PRESETS])
    sel_loss = select("Loss", "loss_select", DEFAULT["loss"], [(k, loss_label(k)) for k, _, _ in LOSSES])
    sel_opt = select("Optimiser", "optimizer_select", DEFAULT["optimizer"],
                     [(k, OPTIMIZER_LABELS[k]) for k in OPTIMIZERS])
    sel_cmp = select("Compare with", "compare_select", DEFAULT["compare"],
                     [("none", "Nothing")] + [(k, OPTIMIZER_LABELS[k]) for k in OPTIMIZERS])
    # The starts' names, the same for every preset (where each lies shows on the map, and
    # in its title at step 0), so a preset switch leaves this select alone.
    sel_start = select("Start", "start_select", DEFAULT["start"], [(k, name) for k, name, _ in STARTS[pname]])
    sel_batch = select("Gradient from", "batch_select", DEFAULT["batch"], [(k, label) for k, label, _ in BATCHES])
    # The slider runs over the index of LRS (a log scale); it shows the rate itself.
    sl_lr = Slider(title="Learning rate η", start=0, end=len(LRS) - 1, step=1, value=DEFAULT["lr"],
                   format=CustomJSTickFormatter(args=dict(lrs=list(LRS)), code="return String(lrs[tick])"),
                   name="lr_index", stylesheets=[theme], sizing_mode="stretch_width", min_width=200)
    sl_step = Slider(title="Step", start=0, end=STEPS, step=1, value=step, name="step", stylesheets=[theme],
                     sizing_mode="stretch_width", min_width=200)

    # The contours travel in their layers' sources, not twice.
    payload = {**atlas, "grids": {k: {f: v for f, v in g.items() if f != "contours"}
                                  for k, g in atlas["grids"].items()}}
    args = dict(
        atlas=payload, sel_preset=sel_preset, sel_loss=sel_loss, sel_opt=sel_opt, sel_cmp=sel_cmp,
        sel_start=sel_start, sel_batch=sel_batch, sl_lr=sl_lr, sl_step=sl_step, **layers,
        bar_mapper=bar_mapper, src_path=src_path,
        src_walked=src_walked, src_cmp=src_cmp, src_cmp_walked=src_cmp_walked, src_now=src_now,
        src_cmp_now=src_cmp_now, src_off=src_off, src_loss=src_loss, src_loss_cmp=src_loss_cmp,
        src_loss_now=src_loss_now, span=span, src_fit=src_fit, src_fit_cmp=src_fit_cmp,
        heat=heat, loss_plot=loss_plot, fit=fit,
    )
    cb = CustomJS(args=args, code=js("grid_codes.js", "layers.js", "pad.js", "descent.js"))
    for control in (sel_preset, sel_loss, sel_opt, sel_cmp, sel_start, sel_batch, sl_lr, sl_step):
        control.js_on_change("value", cb)
    heat.add_tools(TapTool(renderers=layers["images"]))
    heat.js_on_event(Tap, cb)
    play = style.play_toggle(sl_step, TICK_MS)

    wrap = InlineStyleSheet(css=WRAP)
    controls = column(
        row(sel_preset, sel_loss, sel_opt, sel_cmp, sizing_mode="stretch_width", stylesheets=[wrap]),
        row(sl_lr, sel_start, sel_batch, sizing_mode="stretch_width", stylesheets=[wrap]),
        row(play, sl_step, sizing_mode="stretch_width", stylesheets=[wrap]),
        sizing_mode="stretch_width")
    panels = row(heat, column(loss_plot, fit, sizing_mode="stretch_width", min_width=300),
                 sizing_mode="stretch_width", stylesheets=[wrap])
    return column(controls, panels, sizing_mode="stretch_width", name="descent")


TICK_MS = 60  # one step per tick while playing: 150 steps in 9 s


# The readouts are plot titles (a title keeps its size when its text changes, so
# scrubbing needs no new layout); descent.js writes the same lines.
def _num(v: float, digits: int = 3) -> str:
    return f"{v:.{digits}f}"


def map_text(w: np.ndarray, b: np.ndarray, step: int) -> str:
    return f"Step {step}: w = {_num(w[step])}, b = {_num(b[step])}"


def show_loss(v: float) -> str:
    """A loss to 2 significant digits as descent.js prints it: toPrecision(2) from 0.01
    up, toExponential(1) below (e.g. "0.52", "3.1e-5")."""
    if v >= 0.01:
        mantissa, exponent = f"{v:.1e}".split("e")
        e = int(exponent)
        return f"{mantissa}e+{e}" if e >= 2 else f"{v:.{max(0, 1 - e)}f}"
    mantissa, exponent = f"{v:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def loss_text(loss: np.ndarray, other: np.ndarray | None, step: int) -> str:
    text = f"Step {step}: L ≈ {show_loss(float(loss[step]))}"
    return text if other is None else f"{text} (dashed: {show_loss(float(other[step]))})"


def fit_text(w: float, b: float, step: int) -> str:
    return f"Fit at step {step}: tanh({_num(w, 2)} x + {_num(b, 2)})".replace("+ -", "− ")

