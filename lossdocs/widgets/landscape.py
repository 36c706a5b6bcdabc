"""The loss landscape: L(w, b) of one tanh neuron as a heatmap you can click.

Data flow: losses -> landscape (grids) -> **widget builders** -> embedding -> hook.

Every grid is computed by :mod:`lossdocs.landscape` at build time and shipped in a
compact form (:func:`landscape_atlas`):

* **Colours**: log10 L quantised to 8 bits between the grid's own minimum and
  maximum, stored as differences along each row (mostly 0 and ±1, which the
  page's gzip squeezes to a few KB). The browser adds them back up: decoding,
  not computing. The colour bar shows the real L for the grid on screen.
* **Contours**: paths from contourpy at log-spaced levels, thinned, float32.
* **The number in the readout** is not read off the colours. For the clicked or
  hovered (w, b) the page runs the model's forward pass, tanh(w x + b), for the
  few target points (the one computation a browser may do) and looks each
  residual's loss up in a table the engine computed over residuals (geometric
  spacing, with every kink on a node; :func:`interpolate` says how it reads
  between nodes), then averages. So the readout is the engine's loss at exactly
  that point, to float32 precision (a test checks 1e-5 relative).
* **The clicked point** is shareable: a tap writes it to the source ``clicked_point``
  (tagged ``STATE_TAG``), whose change places the fit, and the page's state code
  keeps it in the address as ``w`` and ``b``, so ``#loss-landscape?...&w=1&b=-0.16``
  opens with the fit there.
* **Contour labels** keep clear of the start dot and the minimum star
  (:func:`label_clears`, at the map's fixed pixels per unit, :func:`px_per_unit`).
"""

from __future__ import annotations

import contourpy
import numpy as np
from bokeh.events import MouseMove, Tap
from bokeh.layouts import column, row
from bokeh.models import (
    ColorBar,
    ColumnDataSource,
    CustomJS,
    GlyphRenderer,
    InlineStyleSheet,
    LinearColorMapper,
    LogColorMapper,
    LogTicker,
    PrintfTickFormatter,
    Select,
    TapTool,
)
from bokeh.palettes import viridis
from bokeh.plotting import figure

from lossdocs import landscape, losses
from lossdocs.widgets import style
from lossdocs.widgets.code import js, padded

GRID = 161                 # cells per axis shipped to the page
LEVELS = 127               # 7-bit colour codes: 128 colours; 8 bits cost ~30 KB more a page
PALETTE = viridis(LEVELS + 1)  # one colour per code
FLOOR_DECADES = 8.0        # colour scale spans at most this many decades below the max
NODES_MIN, NODES_MAX, NODES_RATIO = 1e-6, 6.0, 1.04
FIT_POINTS = 121           # samples of the fitted curve
DEFAULT_PRESET = "two_points"
DEFAULT_CHOICE = 0         # MSE
MARKER = "#ff4f9a"         # the current (w, b): magenta reads on viridis
START_COLOR = "#ffffff"
MIN_COLOR = "#ffd400"
TARGET_COLOR = "#444444"
FIT_COLOR = "#0072B2"
RESIDUAL_COLOR = "#D55E00"
# Marker and label sizes on the map, in screen pixels (the map's frame has a fixed size,
# so these are also fixed in data units for each preset: see :func:`map_view`).
MARK_SIZE = 16             # the start dot and the minimum star (diameter)
CURRENT_SIZE = 18          # the magenta x, which opens on the start dot
MARK_LINE = 1.5            # their black outline
MARK_RADIUS = CURRENT_SIZE / 2 + MARK_LINE  # what a label must keep clear of, around a marker
LABEL_FONT_PX = 11         # contour labels
# A ColumnDataSource with this tag holds part of a widget's shareable state: each of its
# columns is an address key with one number (docs/assets/lossdocs.js reads and writes them).
STATE_TAG = "lossdocs-state"


def short_label(name: str, params: dict) -> str:
    """A loss choice as the small plot titles name it: "MSE", "Huber δ=0.3"."""
    loss = losses.get(name)
    symbols = {p.name: p.label.split()[-1] for p in loss.params}
    return " ".join([loss.short] + [f"{symbols[k]}={v:g}" for k, v in params.items()])


def choice_key(name: str, params: dict) -> str:
    return name + "".join(f"|{k}={v:g}" for k, v in sorted(params.items()))


def encode_grid(grid: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(row-differenced colour codes 0..LEVELS, lo, hi) for log10 of ``grid``."""
    top = np.log10(grid.max())
    floor = max(float(grid[grid > 0].min()) if np.any(grid > 0) else 0.0, 10 ** (top - FLOOR_DECADES))
    lg = np.log10(np.maximum(grid, floor))
    lo, hi = float(lg.min()), float(lg.max())
    codes = np.rint(LEVELS * (lg - lo) / max(hi - lo, 1e-12)).astype(np.int16)
    deltas = np.diff(codes, axis=1, prepend=0).astype(np.uint8)  # mod 256
    return deltas, lo, hi


def decode_grid(deltas: np.ndarray) -> np.ndarray:
    """Python mirror of the browser's decoding (cumulative sum along rows, mod 256)."""
    return np.cumsum(deltas.astype(np.int64), axis=1).astype(np.uint8)


def simplify(line: np.ndarray, tol: float) -> np.ndarray:
    """Ramer–Douglas–Peucker: drop points closer than ``tol`` to the simplified path."""
    keep = np.zeros(len(line), bool)
    keep[[0, -1]] = True
    stack = [(0, len(line) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, d = line[i], line[j] - line[i]
        seg = line[i + 1:j] - a
        norm = np.hypot(*d)
        dist = np.abs(seg[:, 0] * d[1] - seg[:, 1] * d[0]) / norm if norm > 0 else np.hypot(seg[:, 0], seg[:, 1])
        k = int(np.argmax(dist))
        if dist[k] > tol:
            keep[i + 1 + k] = True
            stack += [(i, i + 1 + k), (i + 1 + k, j)]
    return line[keep]


def label_half_size(text: str) -> tuple[float, float]:
    """Half the width and height, in pixels, of a contour label's box on the map: a
    generous bound for Bokeh's default font at ``LABEL_FONT_PX`` (Helvetica's digits are
    0.56 em wide and its line box 1.2 em tall; this takes 0.6 em a character and 1.4 em)."""
    return 0.3 * LABEL_FONT_PX * len(text), 0.7 * LABEL_FONT_PX


def label_clears(x: float, y: float, text: str, markers, px_per_unit: float) -> bool:
    """True if a label ``text`` centred at (x, y) keeps out of every marker: each marker
    is a disc of ``MARK_RADIUS`` pixels, so the label's centre must be more than its
    half-width plus that radius away along w, or its half-height plus it along b."""
    hw, hh = label_half_size(text)
    return all(abs(x - mx) * px_per_unit >= hw + MARK_RADIUS or abs(y - my) * px_per_unit >= hh + MARK_RADIUS
               for mx, my in markers)


def contour_paths(grid: np.ndarray, w: np.ndarray, b: np.ndarray, levels: list[float],
                  markers=(), px_per_unit: float | None = None) -> dict:
    """Contour lines as NaN-separated float32 x/y, and one label position per level.

    Lines are simplified to within a quarter of a grid cell (in cell units, so
    w and b count alike), which is below what the eye can see on the heatmap.
    ``markers``, (w, b) points drawn over the map at ``px_per_unit`` pixels per unit of
    w and of b, are kept clear of labels: a label goes elsewhere on its own line.
    """
    if markers and (px_per_unit is None or not px_per_unit > 0):
        raise ValueError(f"px_per_unit must be > 0 when markers are given, got {px_per_unit}")
    gen = contourpy.contour_generator(x=np.arange(len(w)), y=np.arange(len(b)),
                                      z=np.log10(np.maximum(grid, 1e-300)))
    to_wb = np.array([w[1] - w[0], b[1] - b[0]]), np.array([w[0], b[0]])
    xs, ys, lx, ly, lt = [], [], [], [], []
    placed = [np.array([0.0, 0.0]) + np.unravel_index(np.argmin(grid), grid.shape)[::-1]]  # the minimum
    margin = 0.06 * len(w)
    for level in levels:
        lines = [ln for ln in gen.lines(np.log10(level)) if len(ln) > 2]
        if not lines:
            continue
        for ln in lines:
            thin = simplify(ln, 0.25) * to_wb[0] + to_wb[1]
            xs.extend(thin[:, 0].tolist() + [np.nan])
            ys.extend(thin[:, 1].tolist() + [np.nan])
        # Label each level where it is farthest from the other labels and the
        # minimum, away from the edges, so labels do not pile up in the basin;
        # a ring too small to hold a label is left unlabelled, and so is a line
        # with no place clear of the markers.
        pts = np.vstack(lines)
        if np.ptp(pts, axis=0).max() < 8:
            continue
        inside = np.all((pts > margin) & (pts < len(w) - 1 - margin), axis=1)
        pts = pts[inside] if inside.any() else pts
        text = f"{level:g}"
        if markers:
            at = pts * to_wb[0] + to_wb[1]
            clear = np.array([label_clears(x, y, text, markers, px_per_unit) for x, y in at])
            if not clear.any():
                continue
            pts = pts[clear]
        gaps = np.min([np.hypot(*(pts - p).T) for p in placed], axis=0)
        best = pts[int(np.argmax(gaps))]
        placed.append(best)
        lx.append(float(best[0] * to_wb[0][0] + to_wb[1][0]))
        ly.append(float(best[1] * to_wb[0][1] + to_wb[1][1]))
        lt.append(text)
    return {"x": np.asarray(xs, np.float32), "y": np.asarray(ys, np.float32),
            "lx": lx, "ly": ly, "lt": lt}


def residual_nodes(kinks: list[float] = ()) -> np.ndarray:
    """Residuals at which loss tables are stored: 0, ± a geometric ladder, and ± every
    parameter value offered (Huber's kinks sit at ±delta), so no table has a kink
    inside a cell."""
    n = int(np.ceil(np.log(NODES_MAX / NODES_MIN) / np.log(NODES_RATIO))) + 1
    up = np.concatenate([NODES_MIN * NODES_RATIO ** np.arange(n), np.abs(kinks)])
    up = np.unique(up)
    return np.concatenate([-up[::-1], [0.0], up])


def kink_flags(name: str, params: dict, nodes: np.ndarray) -> np.ndarray:
    """1 where the loss's slope or curvature jumps at a node (MAE at 0, Huber at ±delta),
    found from the engine's gradient on either side of each node."""
    loss = losses.get(name)
    eps = 1e-7 * np.maximum(1.0, np.abs(nodes))
    g_mid, g_up, g_down = (loss.grad(nodes + d, 0.0, **params) for d in (0.0, eps, -eps))
    right, left = (g_up - g_mid) / eps, (g_mid - g_down) / eps
    slope_jump = np.abs(g_up - g_down) > 1e-3 * (1 + np.abs(g_mid))
    curvature_jump = np.abs(right - left) > 1e-3 * (1 + np.abs(right) + np.abs(left))
    return (slope_jump | curvature_jump).astype(np.uint8)


def interpolate(nodes: np.ndarray, table: np.ndarray, kinks: np.ndarray, r: float) -> float:
    """Python mirror of the page's lookup: a quadratic through three neighbouring nodes,
    the left stencil (nodes lo-1, lo, lo+1 around r in [x_lo, x_lo+1]) unless its middle
    node is a kink or it would leave the table; then the right one. The losses are
    quadratic or smoother between kinks, so this is exact up to float32 rounding for
    MSE, MAE and Huber and within 1e-5 relative for log-cosh (choosing the stencil that
    bends less, ENO, made no measurable difference: 5.8e-6 either way)."""
    x, f = np.asarray(nodes, np.float64), np.asarray(table, np.float64)
    if r <= x[0]:
        return float(f[0])
    if r >= x[-1]:
        return float(f[-1])
    lo = int(np.searchsorted(x, r, side="right")) - 1
    s = lo if lo == 0 or kinks[lo] else lo - 1
    x0, x1, x2 = x[s:s + 3]
    f0, f1, f2 = f[s:s + 3]
    return float(f0 * (r - x1) * (r - x2) / ((x0 - x1) * (x0 - x2))
                 + f1 * (r - x0) * (r - x2) / ((x1 - x0) * (x1 - x2))
                 + f2 * (r - x0) * (r - x1) / ((x2 - x0) * (x2 - x1)))


def loss_table(name: str, params: dict, nodes: np.ndarray) -> np.ndarray:
    """Loss over residuals (target 0), after checking the loss depends on them alone."""
    loss = losses.get(name)
    table = loss.value(nodes, 0.0, **params)
    probe = np.linspace(-1.5, 1.5, 7)
    if not np.allclose(loss.value(probe + 0.75, 0.75, **params), loss.value(probe, 0.0, **params)):
        raise ValueError(f"landscape readout needs a loss of pred - target alone; {name} is not")
    return table


def landscape_atlas() -> dict:
    """Every grid, contour set, minimum and loss table the landscape widget can show."""
    kinks = sorted({v for _, p in landscape.LOSS_CHOICES for v in p.values()})
    nodes = residual_nodes(kinks)
    choices = [{"key": choice_key(n, p), "name": n, "params": p, "label": short_label(n, p)}
               for n, p in landscape.LOSS_CHOICES]
    presets, grids = {}, {}
    for pname, preset in landscape.PRESETS.items():
        w, b = landscape.axes(preset, GRID)
        pad = 0.15 * (preset.x.max() - preset.x.min())
        presets[pname] = {
            "label": preset.label, "description": preset.description,
            "x": preset.x.tolist(), "y": preset.y.tolist(),
            "w_range": list(preset.w_range), "b_range": list(preset.b_range),
            "start": list(preset.start),
            "curve_x": np.linspace(preset.x.min() - pad, preset.x.max() + pad, FIT_POINTS).tolist(),
        }
        for c in choices:
            grid = landscape.loss_grid(c["name"], preset.x, preset.y, w, b, **c["params"])
            deltas, lo, hi = encode_grid(grid)
            levels = landscape.contour_levels(grid)
            wm, bm, lm = landscape.minimum(c["name"], preset, **c["params"])
            grids[f"{pname}|{c['key']}"] = {
                "codes": deltas, "low": 10 ** lo, "high": 10 ** hi, "levels": levels,
                "min": [float(wm), float(bm), float(lm)],
                # Labels keep off the start dot (where the x opens too) and the star.
                "contours": contour_paths(grid, w, b, levels, markers=[preset.start, (wm, bm)],
                                          px_per_unit=px_per_unit(presets[pname])),
            }
    tables = {c["key"]: loss_table(c["name"], c["params"], nodes).astype(np.float32) for c in choices}
    kinks = {c["key"]: kink_flags(c["name"], c["params"], nodes) for c in choices}
    return {"presets": presets, "choices": choices, "grids": grids, "nodes": nodes.astype(np.float32),
            "tables": tables, "kinks": kinks, "grid_size": GRID}


def browser_payload(atlas: dict) -> dict:
    """The atlas as the page gets it: all colour codes in one (grids, n, n) array, which
    gzips ~5% smaller than separate ones, each grid naming its slice by index. Contours
    are not in it: they travel in their own layers' sources (:func:`grid_layers`)."""
    keys = list(atlas["grids"])
    grids = {k: {**{f: v for f, v in g.items() if f not in ("codes", "contours")}, "index": i}
             for i, (k, g) in enumerate(atlas["grids"].items())}
    return {**atlas, "grids": grids, "codes": np.stack([atlas["grids"][k]["codes"] for k in keys]),
            "preset_keys": list(atlas["presets"]), "pad": pad_lengths(atlas)}


def pad_lengths(atlas: dict) -> dict:
    """The length each refilled source keeps (code.padded): its longest state's. Only the
    residuals are refilled with a varying number of points now (one per target)."""
    return {"targets": max(len(p["x"]) for p in atlas["presets"].values())}


def one_visible(plot, draw, sources: list[dict], shown: int, name: str) -> list:
    """One renderer on ``plot`` per data dict in ``sources``, all sharing the glyph that
    ``draw(source=, visible=, name=)`` (a glyph method of ``plot`` with its style bound)
    makes for the first; only ``shown`` is visible. Renderer ``i`` is named ``<name>:<i>``
    and its source ``<name>:<i>:data``.

    This is how a widget shows one of several precomputed states: a switch flips
    ``visible`` instead of sending new data through BokehJS (each refilled source costs
    about 1.5 ms, an image's colour mapping about 4 ms more). Each renderer draws its
    glyph alone (no selection or muted variants), so BokehJS keeps one glyph view for it,
    and the shared glyph model keeps the page's JSON small."""
    out = []
    for i, data in enumerate(sources):
        label, source = f"{name}:{i}", ColumnDataSource(data, name=f"{name}:{i}:data")
        if out:
            renderer = GlyphRenderer(glyph=out[0].glyph, data_source=source, visible=i == shown, name=label)
            plot.renderers.append(renderer)
        else:
            renderer = draw(source=source, visible=i == shown, name=label)
        renderer.selection_glyph = renderer.nonselection_glyph = renderer.muted_glyph = None
        out.append(renderer)
    return out


def grid_layers(heat, grids: list[tuple[dict, np.ndarray, dict]], shown: int, names: dict[str, str],
                line: dict) -> dict:
    """The map ``heat``'s image, contour lines and (if ``names`` has "labels") contour
    labels, one renderer per grid each (:func:`one_visible`); only grid ``shown`` visible.
    ``grids`` holds, in the order of the page's grid indices, (preset, row-differenced
    colour codes, contours) per grid; ``names`` maps each layer ("images", "contours",
    "labels") to its name prefix; ``line`` styles the contour lines. Returns the renderer
    lists by those layer names, as the page's callbacks take them. An image's source stays
    empty until its grid is first shown, when the page decodes its codes once
    (layers.js's fillImage); the shown grid's is filled here."""
    def image(i, preset, codes):
        (w0, w1), (b0, b1) = preset["w_range"], preset["b_range"]
        if i != shown:
            return {"image": [], "x": [], "y": [], "dw": [], "dh": []}
        return {"image": [decode_grid(codes)], "x": [w0], "y": [b0], "dw": [w1 - w0], "dh": [b1 - b0]}

    draws = {
        "images": (lambda **kw: heat.image("image", x="x", y="y", dw="dw", dh="dh", **kw,
                                           color_mapper=LinearColorMapper(palette=PALETTE, low=0, high=LEVELS)),
                   [image(i, p, codes) for i, (p, codes, _) in enumerate(grids)]),
        "contours": (lambda **kw: heat.line("x", "y", **kw, **line),
                     [{"x": c["x"], "y": c["y"]} for _, _, c in grids]),
        "labels": (lambda **kw: heat.text("x", "y", "text", **kw, text_color="white",
                                          text_font_size=f"{LABEL_FONT_PX}px", text_align="center",
                                          text_baseline="middle", background_fill_color="#222222",
                                          background_fill_alpha=0.85),
                   # Label centres to 1e-4 of a unit (under 0.01 px on the map): shorter JSON.
                   [{"x": np.round(c["lx"], 4).tolist(), "y": np.round(c["ly"], 4).tolist(), "text": c["lt"]}
                    for _, _, c in grids]),
    }
    return {kind: one_visible(heat, *draws[kind], shown, prefix) for kind, prefix in names.items()}


def readout_text(preset_name: str, choice: dict, w: float, b: float) -> str:
    """The fit panel's title for the opening state; landscape.js writes the same line."""
    preset = landscape.PRESETS[preset_name]
    value = landscape.loss_at(choice["name"], preset.x, preset.y, w, b, **choice["params"])
    return f"w = {w:.3f}, b = {b:.3f}: {choice['label']} L = {value:.4g} (start)"


# The readouts are plot titles, drawn on the canvas: a title keeps its size when
# its text changes, whereas changing a Div's text makes Bokeh lay the whole
# widget out again (about 12 ms a time here).
POINTER_PROMPT = "Tap or point to read L; tap to move the fit"
# The map's frame is the same size for every preset (it must fit a 390 px phone, and a
# frame that changes size makes Bokeh lay the whole widget out again on a preset
# switch). A unit of w is kept as long as a unit of b by widening the preset's window
# along one axis (:func:`map_view`); the heatmap covers the window itself.
MAP_WIDTH = 300
MAP_HEIGHT = 250
PANEL_HEIGHT = 400  # the fit panel: about as tall as the map with its colour bar


def map_view(preset: dict, width: int = MAP_WIDTH,
             height: int = MAP_HEIGHT) -> tuple[tuple[float, float], tuple[float, float]]:
    """The map's (w, b) ranges for a preset: its window, widened about its centre along
    w or b until both axes have the same units per pixel on a ``width`` x ``height`` frame."""
    (w0, w1), (b0, b1) = preset["w_range"], preset["b_range"]
    unit = max((w1 - w0) / width, (b1 - b0) / height)  # data units per pixel
    wc, bc = (w0 + w1) / 2, (b0 + b1) / 2
    hw, hb = unit * width / 2, unit * height / 2
    return (wc - hw, wc + hw), (bc - hb, bc + hb)


def px_per_unit(preset: dict) -> float:
    """Screen pixels per unit of w (and of b) on the map of ``preset`` (:func:`map_view`)."""
    (w0, w1), _ = map_view(preset)
    return MAP_WIDTH / (w1 - w0)


# Controls and panels in a row wrap onto new lines when the row runs out of width,
# so a phone gets them stacked (Bokeh sets no flex-wrap of its own).
WRAP = ":host { flex-wrap: wrap !important; row-gap: 6px; }"



def _loss_controls(choices: list[dict], theme) -> tuple[Select, dict[str, Select]]:
    """One select for the loss, and one per loss parameter over the values offered."""
    names = list(dict.fromkeys(c["name"] for c in choices))
    sel_loss = Select(title="Loss", value=choices[DEFAULT_CHOICE]["name"], name="loss_select",
                      options=[(n, losses.get(n).label) for n in names], stylesheets=[theme],
                      sizing_mode="stretch_width")
    param_selects = {}
    for n in names:
        loss = losses.get(n)
        for p in loss.params:
            values = sorted({c["params"][p.name] for c in choices if c["name"] == n})
            param_selects[f"{n}.{p.name}"] = Select(
                title=f"{p.label} (used by {loss.label})", value=f"{values[len(values) // 2]:g}",
                options=[f"{v:g}" for v in values], name=f"param_{n}_{p.name}",
                disabled=n != sel_loss.value, stylesheets=[theme], sizing_mode="stretch_width")
    return sel_loss, param_selects


def build(preset_name: str = DEFAULT_PRESET):
    """Build the landscape explorer.

    What the reader learns: shrink a network to one tanh neuron and its loss
    becomes a surface over two numbers, w and b, that can be seen whole. Dark
    basins are good fits; clicking anywhere shows the fit those parameters make,
    residuals and all, so a place on the map and a curve through the data become
    the same thing. Switching the loss reshapes the surface (MSE's smooth bowl,
    MAE's creases, Huber in between) and, with outliers, moves the minimum;
    a target the neuron cannot fit shows a floor that never reaches zero; the
    sloped line shows a long flat valley where descent would crawl.
    """
    atlas = landscape_atlas()
    preset = atlas["presets"][preset_name]
    choice = atlas["choices"][DEFAULT_CHOICE]
    entry = atlas["grids"][f"{preset_name}|{choice['key']}"]
    theme = style.controls()

    view_w, view_b = map_view(preset)
    heat = figure(frame_width=MAP_WIDTH, frame_height=MAP_HEIGHT, width_policy="min", height_policy="min",
                  x_range=view_w, y_range=view_b,
                  title=POINTER_PROMPT,
                  tools="pan,wheel_zoom,reset", toolbar_location="above", name="heatmap",
                  x_axis_label="w (weight)", y_axis_label="b (bias)", min_border_right=12,
                  background_fill_color=None, border_fill_color=None, match_aspect=False)
    heat.toolbar.logo = None
    # One image, contour, label and marks layer per grid, only the shown one visible.
    shown = list(atlas["grids"]).index(f"{preset_name}|{choice['key']}")
    layers = grid_layers(
        heat, [(atlas["presets"][key.split("|")[0]], g["codes"], g["contours"]) for key, g in atlas["grids"].items()],
        shown, {"images": "heat_image", "contours": "contours", "labels": "contour_labels"},
        {"color": "white", "alpha": 0.65, "line_width": 1.2})
    bar_mapper = LogColorMapper(palette=PALETTE, low=entry["low"], high=entry["high"])
    heat.add_layout(ColorBar(color_mapper=bar_mapper, ticker=LogTicker(), title="L(w, b)",
                             orientation="horizontal", height=12, padding=4, title_standoff=4,
                             background_fill_color=None, name="colour_bar"), "below")
    # The start dot and the minimum star of each grid.
    layers["marks"] = one_visible(
        heat, lambda **kw: heat.scatter("x", "y", **kw, marker="marker", fill_color="color", size=MARK_SIZE,
                                  line_color="black", line_width=MARK_LINE),
        [{"x": [atlas["presets"][key.split("|")[0]]["start"][0], g["min"][0]],
          "y": [atlas["presets"][key.split("|")[0]]["start"][1], g["min"][1]],
          "marker": ["circle", "star"], "color": [START_COLOR, MIN_COLOR]} for key, g in atlas["grids"].items()],
        shown, "marks")
    src_now = ColumnDataSource({"x": [preset["start"][0]], "y": [preset["start"][1]]}, name="current")
    # The clicked (w, b): part of the shareable state, so a link can place the fit.
    src_point = ColumnDataSource({"w": [], "b": []}, name="clicked_point", tags=[STATE_TAG])
    heat.scatter("x", "y", source=src_now, marker="x", size=CURRENT_SIZE, line_width=3, color=MARKER)

    # Fit panel: the curve of the current (w, b), the targets, the residuals.
    xs, ys = np.asarray(preset["x"]), np.asarray(preset["y"])
    cx = np.asarray(preset["curve_x"])
    ws, bs = preset["start"]
    fit = figure(height=PANEL_HEIGHT, sizing_mode="stretch_width", min_width=330, tools="pan,wheel_zoom,reset",
                 toolbar_location="above", name="fit_plot",
                 title=readout_text(preset_name, choice, ws, bs),
                 x_axis_label="x (input)", y_axis_label="y",
                 y_range=(min(-1.1, ys.min() - 0.2), max(1.1, ys.max() + 0.2)),
                 x_range=(cx[0], cx[-1]), background_fill_color=None, border_fill_color=None)
    fit.toolbar.logo = None
    for f in (heat, fit):  # a finger on a plot scrolls the page: pan and zoom are picked in the toolbar
        f.toolbar.active_drag = None
        f.toolbar.active_scroll = None
        style.toolbar(f)
    src_fit = ColumnDataSource({"x": cx, "y": np.tanh(ws * cx + bs)}, name="fit_curve")
    n = pad_lengths(atlas)["targets"]
    src_res = ColumnDataSource({"x0": padded(xs, n, np.nan), "y0": padded(ys, n, np.nan), "x1": padded(xs, n, np.nan),
                                "y1": padded(np.tanh(ws * xs + bs), n, np.nan)}, name="residuals")
    fit.segment("x0", "y0", "x1", "y1", source=src_res, color=RESIDUAL_COLOR, line_width=2)
    fit.line("x", "y", source=src_fit, color=FIT_COLOR, line_width=3)
    targets = one_visible(fit, lambda **kw: fit.scatter("x", "y", **kw, size=9, color=TARGET_COLOR, line_color="white"),
                          [{"x": p["x"], "y": p["y"]} for p in atlas["presets"].values()],
                          list(atlas["presets"]).index(preset_name), "targets")  # one per preset
    for f, title in ((heat, "pointer_readout"), (fit, "landscape_readout")):
        # One decimal on every vertical axis: labels keep their width when the
        # preset changes the ranges, so the plots need no new layout (a frame).
        f.yaxis.formatter = PrintfTickFormatter(format="%.1f")
        f.axis.minor_tick_line_color = None  # less to draw on every change
        f.outline_line_color = None
        f.title.name = title
        f.title.text_font_style = "normal"
        f.title.text_font_size = "12px"

    sel_preset = Select(title="Target points", value=preset_name, name="preset_select",
                        options=[(k, p["label"]) for k, p in atlas["presets"].items()],
                        stylesheets=[theme], sizing_mode="stretch_width")
    sel_loss, param_selects = _loss_controls(atlas["choices"], theme)
    cb = CustomJS(args=dict(
        atlas=browser_payload(atlas), sel_preset=sel_preset, sel_loss=sel_loss, params=param_selects,
        **layers, bar_mapper=bar_mapper, targets=targets,
        src_now=src_now, src_fit=src_fit, src_res=src_res, heat=heat, fit=fit,
        readout=fit.title, pointer=heat.title, prompt=POINTER_PROMPT, point=src_point,
        map_views={k: map_view(p) for k, p in atlas["presets"].items()}),
        code=js("grid_codes.js", "layers.js", "pad.js", "landscape.js"))
    for widget in (sel_preset, sel_loss, *param_selects.values()):
        widget.js_on_change("value", cb)
    # Taps only select the image (which draws the same either way), so the
    # markers never fade as "unselected"; the callback does the rest.
    heat.add_tools(TapTool(renderers=layers["images"]))
    heat.js_on_event(Tap, cb)
    src_point.js_on_change("data", cb)
    heat.js_on_event(MouseMove, cb)

    wrap = InlineStyleSheet(css=WRAP)
    for control in (sel_preset, sel_loss, *param_selects.values()):
        control.min_width = 160
    controls = row(sel_preset, sel_loss, *param_selects.values(), sizing_mode="stretch_width", stylesheets=[wrap])
    return column(controls, row(heat, fit, sizing_mode="stretch_width", stylesheets=[wrap]),
                  sizing_mode="stretch_width", name="landscape")

