"""The loss-landscape widget without a browser: its atlas, encodings and builders.

What these prove:

* the atlas holds a grid for every preset x loss choice, whose colours decode to the
  engine's landscape within half an 8-bit step (in log10 L), whose minimum and contour
  levels are the engine's, and whose contours stay in the window and within half a
  cell of contourpy's;
* the loss tables, interpolated exactly as ``landscape.js`` does (``interpolate``, its
  Python mirror, over the float32 nodes and tables, then the mean over the
  targets), reproduce the engine's loss: this is the precision of the number the
  page prints;
* ``build()`` offers every preset, loss and parameter value, and opens on the
  engine's loss at the start; ``fallback()`` is an accessible static figure;
* the serialised widget stays a reasonable page weight;
* no contour label's box touches the start dot or the minimum star on the map, for
  every grid, at the map's fixed pixels per unit of w and b;
* the clicked point is shareable state (a tagged source, wired to the callback), the
  state-link checker accepts a (w, b) in the preset's window and rejects any other,
  and the lesson's "click at (w, b)" links name the state their sentence describes,
  whose quoted losses are the engine's.

Cases are parametrised over ``landscape.PRESETS`` and ``landscape.LOSS_CHOICES``.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from urllib.parse import parse_qsl

import contourpy
import numpy as np
import pytest
from bokeh.models import ColumnDataSource, CustomJS, GlyphRenderer, Select
from test_faq import check_state_link, segment_of, state_links

from lossdocs import landscape, losses
from lossdocs.site import embed, figures
from lossdocs.widgets import landscape as widget

LESSON = Path(__file__).resolve().parents[1] / "docs" / "lessons" / "loss-landscape.md"

ATLAS = widget.landscape_atlas()
CASES = [
    pytest.param(pname, name, params, id=f"{pname}-{landscape.choice_label(name, params)}")
    for pname in landscape.PRESETS for name, params in landscape.LOSS_CHOICES
]
REL = 1e-5  # the readout's promised precision: far better than its 4 significant digits


def key(pname, name, params):
    return f"{pname}|{widget.choice_key(name, params)}"


def engine_grid(pname, name, params):
    preset = landscape.PRESETS[pname]
    w, b = landscape.axes(preset, widget.GRID)
    return w, b, landscape.loss_grid(name, preset.x, preset.y, w, b, **params)


def page_loss(preset, choice_key, w, b):
    """Mirror of landscape.js lossAt(): forward pass, table lookup, mean over targets."""
    nodes, table, kinks = ATLAS["nodes"], ATLAS["tables"][choice_key], ATLAS["kinks"][choice_key]
    residuals = np.tanh(w * preset.x + b) - preset.y
    return float(np.mean([widget.interpolate(nodes, table, kinks, r) for r in residuals]))


# ------------------------------------------------------------------ the atlas


def test_atlas_holds_every_preset_and_choice():
    want = {key(p, n, q) for p in landscape.PRESETS for n, q in landscape.LOSS_CHOICES}
    assert set(ATLAS["grids"]) == want
    assert list(ATLAS["presets"]) == list(landscape.PRESETS)
    assert [(c["name"], c["params"]) for c in ATLAS["choices"]] == landscape.LOSS_CHOICES
    assert set(ATLAS["tables"]) == {c["key"] for c in ATLAS["choices"]}
    assert ATLAS["grid_size"] == widget.GRID


@pytest.mark.parametrize("pname, name, params", CASES)
def test_grid_matches_the_engine(pname, name, params):
    """Shape and type, colour range, minimum and contour levels are the engine's."""
    g = ATLAS["grids"][key(pname, name, params)]
    preset = landscape.PRESETS[pname]
    _, _, true = engine_grid(pname, name, params)
    assert g["codes"].shape == (widget.GRID, widget.GRID) and g["codes"].dtype == np.uint8
    assert 0 < g["low"] < g["high"]
    assert np.log10(g["high"]) == pytest.approx(np.log10(true.max()), abs=1e-12)
    floor = max(np.log10(true.min()), np.log10(true.max()) - widget.FLOOR_DECADES)
    assert np.log10(g["low"]) == pytest.approx(floor, abs=1e-12)

    wm, bm, lm = g["min"]
    (w0, w1), (b0, b1) = preset.w_range, preset.b_range
    assert w0 <= wm <= w1 and b0 <= bm <= b1
    assert g["min"] == pytest.approx(list(landscape.minimum(name, preset, **params)), rel=1e-12, abs=1e-15)
    assert g["levels"] == landscape.contour_levels(true)


@pytest.mark.parametrize("pname, name, params", CASES)
def test_colour_codes_decode_to_the_engine_grid(pname, name, params):
    """Decoded codes, mapped back to L, are within half a quantisation step of the truth."""
    g = ATLAS["grids"][key(pname, name, params)]
    _, _, true = engine_grid(pname, name, params)
    lo, hi = np.log10(g["low"]), np.log10(g["high"])
    step = (hi - lo) / widget.LEVELS
    codes = widget.decode_grid(g["codes"]).astype(np.float64)
    decoded = 10 ** (lo + codes / widget.LEVELS * (hi - lo))
    err = np.abs(np.log10(decoded) - np.log10(np.maximum(true, g["low"])))
    assert err.max() <= 0.5 * step + 1e-9, f"worst cell off by {err.max() / step:.3f} steps"
    # Orientation (rows = b, columns = w): the extreme codes sit on the grid's extreme cells.
    assert codes.flat[np.argmin(true)] == 0 and codes.flat[np.argmax(true)] == widget.LEVELS


def test_decode_grid_inverts_the_row_differencing():
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 256, size=(7, 50)).astype(np.uint8)
    codes[0] = [0, 255] * 25  # the largest jumps both ways wrap around mod 256
    deltas = np.diff(codes.astype(np.int16), axis=1, prepend=0).astype(np.uint8)
    np.testing.assert_array_equal(widget.decode_grid(deltas), codes)

    g = 10 ** rng.uniform(-3, 1, size=(9, 12))
    deltas, lo, hi = widget.encode_grid(g)
    direct = np.rint(widget.LEVELS * (np.log10(g) - lo) / (hi - lo))
    np.testing.assert_array_equal(widget.decode_grid(deltas), direct)


# ------------------------------------------------------------------ contours


@pytest.mark.parametrize("pname, name, params", CASES)
def test_contours_lie_in_the_window_and_labels_name_levels(pname, name, params):
    g = ATLAS["grids"][key(pname, name, params)]
    preset = landscape.PRESETS[pname]
    c = g["contours"]
    x, y = np.asarray(c["x"], np.float64), np.asarray(c["y"], np.float64)
    assert x.shape == y.shape and np.array_equal(np.isnan(x), np.isnan(y))
    assert np.isfinite(x).any(), "no contour drawn"
    for v, (lo, hi) in ((x, preset.w_range), (y, preset.b_range)):
        slack = 1e-6 * (hi - lo)  # float32 storage of points on the window's edge
        v = v[np.isfinite(v)]
        assert lo - slack <= v.min() and v.max() <= hi + slack
    for v, (lo, hi) in ((c["lx"], preset.w_range), (c["ly"], preset.b_range)):
        assert all(lo <= t <= hi for t in v)
    names = [f"{v:g}" for v in g["levels"]]
    assert set(c["lt"]) <= set(names)
    assert c["lt"] == sorted(c["lt"], key=names.index), "labels not in ascending level order"
    assert len(c["lx"]) == len(c["ly"]) == len(c["lt"])


def _segment_distance(p, a, b):
    """Distance of each point of ``p`` (n, 2) to each segment a[k]-b[k]: (n, m)."""
    d = b - a
    t = np.clip(((p[:, None, :] - a) * d).sum(-1) / np.maximum((d * d).sum(-1), 1e-300), 0, 1)
    return np.hypot(*(p[:, None, :] - (a + t[..., None] * d)).transpose(2, 0, 1))


def test_simplified_contours_stay_within_half_a_cell():
    """Spot check: each shipped path keeps contourpy's ends and every contourpy point lies
    within 0.5 cell of it (the thinning promises a quarter)."""
    pname, name, params = "outliers", "mse", {}
    w, b, grid = engine_grid(pname, name, params)
    g = ATLAS["grids"][key(pname, name, params)]
    gen = contourpy.contour_generator(x=np.arange(len(w)), y=np.arange(len(b)), z=np.log10(grid))
    originals = [ln for lev in g["levels"] for ln in gen.lines(np.log10(lev)) if len(ln) > 2]
    x = np.asarray(g["contours"]["x"], np.float64)
    y = np.asarray(g["contours"]["y"], np.float64)
    cells = np.c_[(x - w[0]) / (w[1] - w[0]), (y - b[0]) / (b[1] - b[0])]
    breaks = np.flatnonzero(np.isnan(x))
    pieces = [cells[i + 1:j] for i, j in zip(np.r_[-1, breaks[:-1]], breaks)]
    assert len(pieces) == len(originals) >= 6
    assert sum(map(len, pieces)) < 0.5 * sum(map(len, originals)), "paths were not thinned"
    for orig, thin in zip(originals, pieces):
        np.testing.assert_allclose(thin[[0, -1]], orig[[0, -1]], atol=1e-3)
        dist = _segment_distance(orig, thin[:-1], thin[1:]).min(axis=1)
        assert dist.max() <= 0.5, f"a contour point is {dist.max():.2f} cells off its path"


# ------------------------------------------------------------------ loss tables


def test_tables_are_the_engine_losses_at_the_nodes():
    nodes = ATLAS["nodes"]
    assert nodes.dtype == np.float32 and np.all(np.diff(nodes) > 0)
    np.testing.assert_array_equal(nodes, -nodes[::-1])
    assert nodes[0] < -3 and nodes[-1] > 3 and 0.0 in nodes
    for c in ATLAS["choices"]:
        want = losses.get(c["name"]).value(nodes.astype(np.float64), 0.0, **c["params"])
        np.testing.assert_allclose(ATLAS["tables"][c["key"]], want, rtol=1e-6, atol=1e-30,
                                   err_msg=c["key"])


def test_table_interpolation_reproduces_the_engine_loss():
    """interpolate() over the tables (what the page does) equals each loss to 1e-5 relative,
    also right at and beside every kink."""
    kinks = [v for _, p in landscape.LOSS_CHOICES for v in p.values()] + [0.0]
    near = np.concatenate([[k + d, -k + d] for k in kinks for d in (-1e-3, -1e-6, 0.0, 1e-6, 1e-3)])
    r = np.concatenate([np.random.default_rng(2).uniform(-3, 3, 3000), near])
    nodes = ATLAS["nodes"]
    worst = {}
    for c in ATLAS["choices"]:
        table, flags = ATLAS["tables"][c["key"]], ATLAS["kinks"][c["key"]]
        got = np.array([widget.interpolate(nodes, table, flags, x) for x in r])
        want = losses.get(c["name"]).value(r, 0.0, **c["params"])
        worst[c["key"]] = float((np.abs(got - want) / (np.abs(want) + 1e-12 / REL)).max())
    bad = {k: f"{v:.2e}" for k, v in worst.items() if v > REL}
    assert not bad, f"relative error above {REL}: {bad}"


def test_javascript_lookup_is_the_python_interpolate():
    """landscape.js's lookup(), run in V8 (mini-racer) over the same nodes, table and kink
    flags, gives interpolate()'s numbers: the stencil rule is the same on both sides."""
    from py_mini_racer import MiniRacer

    code = (Path(widget.__file__).parent / "landscape.js").read_text()
    lookup = re.search(r"^function lookup\(r\) \{.*?^\}$", code, re.S | re.M).group(0)
    nodes = ATLAS["nodes"]
    kinks = [v for _, p in landscape.LOSS_CHOICES for v in p.values()] + [0.0]
    r = np.concatenate([np.random.default_rng(5).uniform(-7, 7, 400), nodes[::7],
                        [k + d for k in kinks for d in (-1e-4, 0.0, 1e-4)], [-k for k in kinks]])
    ctx = MiniRacer()
    for c in ATLAS["choices"]:
        table, flags = ATLAS["tables"][c["key"]], ATLAS["kinks"][c["key"]]
        ctx.eval(f"var nodes = {json.dumps(nodes.tolist())}; var table = {json.dumps(table.tolist())}; "
                 f"var kinks = {json.dumps(np.asarray(flags).tolist())}; {lookup}")
        got = json.loads(ctx.eval(f"JSON.stringify({json.dumps(r.tolist())}.map(lookup))"))
        want = [widget.interpolate(nodes, table, flags, x) for x in r]
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300, err_msg=c["key"])


def test_javascript_grid_codes_is_the_python_decode_grid():
    """grid_codes.js's gridCodes() (shared by the landscape and descent callbacks), run in
    V8 on the atlas's stored codes, decodes each grid exactly as decode_grid() does, wrapping
    mod 256 included; and both callbacks are built with it in front."""
    from py_mini_racer import MiniRacer

    from lossdocs.widgets import descent as dw
    from lossdocs.widgets.code import js

    ctx = MiniRacer()
    ctx.eval((Path(widget.__file__).parent / "grid_codes.js").read_text())
    n = ATLAS["grid_size"]
    stored = np.stack([g["codes"] for g in ATLAS["grids"].values()])
    rng = np.random.default_rng(11)
    for codes in (stored, rng.integers(0, 256, (3, n, n)).astype(np.uint8)):  # random: every wrap
        ctx.eval(f"var codes = new Uint8Array({json.dumps(codes.ravel().tolist())})")
        for index in range(len(codes)):
            got = json.loads(ctx.eval(f"JSON.stringify(Array.from(gridCodes(codes, {index}, {n})))"))
            np.testing.assert_array_equal(np.reshape(got, (n, n)), widget.decode_grid(codes[index]))
    for built in (widget.build(), dw.build()):
        bodies = [cb.code for cb in built.select({"type": CustomJS}) if "gridCodes(" in cb.code]
        assert bodies and all(b.startswith(js("grid_codes.js")) for b in bodies)


def test_javascript_padded_is_the_python_padded():
    """pad.js's padded() (shared by the landscape and descent callbacks), run in V8 on an
    array, a typed array and text, gives code.padded()'s values; padded() refuses a length
    shorter than its values; both callbacks are built with pad.js before their body, and
    the pad lengths are the longest states'."""
    from py_mini_racer import MiniRacer

    from lossdocs.widgets import descent as dw
    from lossdocs.widgets.code import js, padded

    ctx = MiniRacer()
    ctx.eval((Path(widget.__file__).parent / "pad.js").read_text())
    for values, n, blank, js_values, js_blank in (([1.5, -2.0], 5, None, "[1.5, -2]", "null"),
                                                  ([0.25, 3.0, 7.0], 3, None, "new Float64Array([0.25, 3, 7])", "null"),
                                                  (["0.1", "1"], 4, "", '["0.1", "1"]', '""'),
                                                  ([], 2, None, "[]", "null")):
        got = json.loads(ctx.eval(f"JSON.stringify(padded({js_values}, {n}, {js_blank}))"))
        assert got == padded(values, n, blank) and len(got) == n
    assert padded([1.0], 3, np.nan)[0] == 1.0 and np.isnan(padded([1.0], 3, np.nan)[1:]).all()
    with pytest.raises(ValueError, match="n must be at least len"):
        padded([1, 2, 3], 2, 0)
    for built in (widget.build(), dw.build()):
        bodies = [cb.code for cb in built.select({"type": CustomJS}) if "padded(" in cb.code]
        assert bodies and all(js("pad.js") in b for b in bodies)
    pad = widget.pad_lengths(ATLAS)
    assert pad == {"targets": max(len(p["x"]) for p in ATLAS["presets"].values())}
    assert min(len(p["x"]) for p in ATLAS["presets"].values()) < pad["targets"]  # the padding is needed


def test_page_loss_reproduces_loss_at_for_every_preset_and_choice():
    """The mean of the interpolated losses over the targets (the readout's number) equals
    landscape.loss_at to 1e-5 relative at random (w, b) of every preset's window."""
    rng = np.random.default_rng(3)
    bad = {}
    for pname, preset in landscape.PRESETS.items():
        pts = np.c_[rng.uniform(*preset.w_range, 40), rng.uniform(*preset.b_range, 40)]
        for c in ATLAS["choices"]:
            errs = [abs(page_loss(preset, c["key"], w, b) - (want := landscape.loss_at(
                c["name"], preset.x, preset.y, w, b, **c["params"]))) / (want + 1e-12 / REL)
                for w, b in pts]
            if max(errs) > REL:
                bad[f"{pname}|{c['key']}"] = f"{max(errs):.2e}"
    assert not bad, f"relative error above {REL}: {bad}"


# ------------------------------------------------------------------ build and fallback


@pytest.fixture(scope="module")
def built():
    return {m.name: m for m in widget.build().references() if m.name}


def test_build_offers_every_preset_loss_and_parameter(built):
    assert [k for k, _ in built["preset_select"].options] == list(landscape.PRESETS)
    assert built["preset_select"].value == widget.DEFAULT_PRESET
    names = list(dict.fromkeys(n for n, _ in landscape.LOSS_CHOICES))
    assert [k for k, _ in built["loss_select"].options] == names
    assert built["loss_select"].value == landscape.LOSS_CHOICES[widget.DEFAULT_CHOICE][0]
    params = sorted(p["delta"] for n, p in landscape.LOSS_CHOICES if n == "huber")
    sel = built["param_huber_delta"]
    assert isinstance(sel, Select) and sel.options == [f"{v:g}" for v in params]
    assert sel.value in sel.options and sel.disabled  # the opening loss is MSE
    for n in ("heatmap", "fit_plot", "landscape_readout", "pointer_readout", "colour_bar"):
        assert n in built, f"no model named {n}"
    for n in ("current", "fit_curve", "residuals"):
        assert isinstance(built[n], ColumnDataSource), n


SHOWN = list(ATLAS["grids"]).index(key(widget.DEFAULT_PRESET, *landscape.LOSS_CHOICES[widget.DEFAULT_CHOICE]))


@pytest.fixture(scope="module")
def renderers():
    return {r.name: r for r in widget.build().select({"type": GlyphRenderer}) if r.name}


def layer(renderers: dict, prefix: str) -> list:
    """The renderers named <prefix>:0, <prefix>:1, ... of a built widget, in order."""
    out = []
    while f"{prefix}:{len(out)}" in renderers:
        out.append(renderers[f"{prefix}:{len(out)}"])
    return out


@pytest.mark.parametrize("prefix", ["heat_image", "contours", "contour_labels", "marks", "targets"])
def test_each_layer_holds_one_renderer_per_state_and_shows_the_opening_one(renderers, prefix):
    """A switch flips ``visible`` (one_visible): every grid (or, for the targets, every
    preset) has its own renderer and source, named by its index in the page's order, and
    only the opening one is visible. Each draws its glyph alone."""
    drawn = layer(renderers, prefix)
    states = list(ATLAS["presets"]) if prefix == "targets" else list(ATLAS["grids"])
    opening = list(ATLAS["presets"]).index(widget.DEFAULT_PRESET) if prefix == "targets" else SHOWN
    assert len(drawn) == len(states), prefix
    assert [r.visible for r in drawn] == [i == opening for i in range(len(states))]
    for i, (r, state) in enumerate(zip(drawn, states)):
        assert r.selection_glyph is None and r.nonselection_glyph is None and r.muted_glyph is None
        data, where = r.data_source.data, f"{prefix}:{i} ({state})"
        assert r.data_source.name == f"{r.name}:data", where
        if prefix == "targets":
            assert data == {"x": ATLAS["presets"][state]["x"], "y": ATLAS["presets"][state]["y"]}, where
            continue
        g, p = ATLAS["grids"][state], ATLAS["presets"][state.split("|")[0]]
        if prefix == "heat_image":  # only the opening image is filled; the page fills the rest
            assert len(data["image"]) == (i == opening), where
            if i == opening:
                np.testing.assert_array_equal(data["image"][0], widget.decode_grid(g["codes"]))
                (w0, w1), (b0, b1) = p["w_range"], p["b_range"]
                assert [data[k][0] for k in ("x", "y", "dw", "dh")] == [w0, b0, w1 - w0, b1 - b0], where
        elif prefix == "contours":
            np.testing.assert_array_equal(data["x"], g["contours"]["x"])
            np.testing.assert_array_equal(data["y"], g["contours"]["y"])
        elif prefix == "contour_labels":
            np.testing.assert_allclose(data["x"], g["contours"]["lx"], rtol=0, atol=6e-5)  # to 1e-4
            np.testing.assert_allclose(data["y"], g["contours"]["ly"], rtol=0, atol=6e-5)
            assert data["text"] == g["contours"]["lt"], where
        else:
            assert (data["x"], data["y"]) == ([p["start"][0], g["min"][0]], [p["start"][1], g["min"][1]]), where
            assert data["marker"] == ["circle", "star"], where


def test_build_opens_on_the_start_with_the_engine_loss(built, renderers):
    preset = landscape.PRESETS[widget.DEFAULT_PRESET]
    name, params = landscape.LOSS_CHOICES[widget.DEFAULT_CHOICE]
    ws, bs = preset.start
    assert built["current"].data == {"x": [ws], "y": [bs]}
    start_loss = landscape.loss_at(name, preset.x, preset.y, ws, bs, **params)
    text = built["landscape_readout"].text
    assert f"L = {start_loss:.4g}" in text and f"w = {ws:.3f}, b = {bs:.3f}" in text, text
    first = ATLAS["grids"][key(widget.DEFAULT_PRESET, name, params)]
    image = renderers[f"heat_image:{SHOWN}"].data_source.data["image"][0]
    np.testing.assert_array_equal(image, widget.decode_grid(first["codes"]))
    marks = renderers[f"marks:{SHOWN}"].data_source.data
    assert marks["x"][1] == first["min"][0] and marks["y"][1] == first["min"][1]


def test_fallback_is_an_accessible_static_figure():
    figure_svg, text = figures.figure("loss-landscape")
    preset = landscape.PRESETS[widget.DEFAULT_PRESET]
    name, params = landscape.LOSS_CHOICES[widget.DEFAULT_CHOICE]
    svgs = re.findall(r"<svg\b.*?</svg>", figure_svg, re.S)
    assert len(svgs) == 2
    for s in svgs:
        assert re.search(r"<title>[^<]+</title>", s) and re.search(r"<desc>[^<]+</desc>", s)
    uris = re.findall(r'href="data:image/png;base64,([^"]+)"', figure_svg)
    assert len(uris) == 1 and base64.b64decode(uris[0]).startswith(b"\x89PNG\r\n\x1a\n")
    ws, bs = preset.start
    wm, bm, _ = landscape.minimum(name, preset, **params)
    start_loss = landscape.loss_at(name, preset.x, preset.y, ws, bs, **params)
    assert "start" in text and f"w = {ws:g} and b = {bs:g}" in text and f"L = {start_loss:.3g}" in text
    assert "minimum" in text and f"w = {wm:.3f} and b = {bm:.3f}" in text


def test_serialised_widget_is_under_300_kb():
    size = len(json.dumps(embed.build_widget("loss-landscape")["item"]))
    assert size < 300_000, f"the landscape widget's json_item is {size / 1000:.0f} kB"


# ------------------------------------------------------------------ contour labels


def map_px_per_unit(pname: str) -> float:
    """Pixels per unit of w and of b on the page's map (the frame is MAP_WIDTH x MAP_HEIGHT
    pixels for every preset and screen, and map_view gives both axes the same units)."""
    (v0, v1), (u0, u1) = widget.map_view(ATLAS["presets"][pname])
    across, up = widget.MAP_WIDTH / (v1 - v0), widget.MAP_HEIGHT / (u1 - u0)
    assert across == pytest.approx(up, rel=1e-12)
    return across


@pytest.mark.parametrize("pname, name, params", CASES)
def test_contour_labels_keep_off_the_start_and_the_minimum(pname, name, params):
    """Around each marker, a label's centre stays at least the marker's radius plus the
    label's half-width away along w, or its radius plus half-height along b: the label's
    box and the marker's disc do not meet."""
    g = ATLAS["grids"][key(pname, name, params)]
    ppu = map_px_per_unit(pname)
    c = g["contours"]
    markers = {"start": ATLAS["presets"][pname]["start"], "minimum": g["min"][:2]}
    assert c["lt"], "no contour is labelled"
    for x, y, text in zip(c["lx"], c["ly"], c["lt"]):
        hw, hh = widget.label_half_size(text)
        for what, (mx, my) in markers.items():
            dx, dy = abs(x - mx), abs(y - my)
            assert dx >= (hw + widget.MARK_RADIUS) / ppu or dy >= (hh + widget.MARK_RADIUS) / ppu, (
                f"label {text} at ({x:.3f}, {y:.3f}) covers the {what} marker at ({mx:.3f}, {my:.3f}): "
                f"{dx * ppu:.1f} px across, {dy * ppu:.1f} px up")


def test_labels_avoid_the_markers_by_moving_along_their_line():
    """A label that would sit on a marker is placed elsewhere on its own contour: on the
    outlier map under log-cosh the 0.2 label, once on the star, keeps its level and stays
    on its line."""
    pname, name, params = "outliers", "log_cosh", {}
    w, b, grid = engine_grid(pname, name, params)
    g = ATLAS["grids"][key(pname, name, params)]
    plain = widget.contour_paths(grid, w, b, g["levels"])
    ppu = map_px_per_unit(pname)
    star = g["min"][:2]
    k = plain["lt"].index("0.2")
    assert not widget.label_clears(plain["lx"][k], plain["ly"][k], "0.2", [star], ppu)
    moved = g["contours"]
    j = moved["lt"].index("0.2")
    assert widget.label_clears(moved["lx"][j], moved["ly"][j], "0.2", [star], ppu)
    on_line = landscape.loss_grid(name, landscape.PRESETS[pname].x, landscape.PRESETS[pname].y,
                                  [moved["lx"][j]], [moved["ly"][j]], **params)[0, 0]
    assert on_line == pytest.approx(0.2, rel=0.05)


def test_label_and_marker_sizes_are_the_ones_drawn():
    """The sizes the label placement assumes are the glyphs' own."""
    heat = next(m for m in widget.build().references() if getattr(m, "name", None) == "heatmap")
    glyphs = [r.glyph for r in heat.renderers]
    text = next(gl for gl in glyphs if type(gl).__name__ == "Text")
    assert text.text_font_size == f"{widget.LABEL_FONT_PX}px"
    sizes = sorted({gl.size for gl in glyphs if type(gl).__name__ == "Scatter"})  # marks share one glyph
    assert sizes == [widget.MARK_SIZE, widget.CURRENT_SIZE]
    assert widget.MARK_RADIUS >= max(sizes) / 2 + widget.MARK_LINE
    hw, hh = widget.label_half_size("0.001")
    assert hw >= 0.56 * widget.LABEL_FONT_PX * 5 / 2 and hh >= 1.2 * widget.LABEL_FONT_PX / 2


def test_contour_paths_needs_the_scale_to_keep_labels_off_markers():
    w, b, grid = engine_grid("two_points", "mse", {})
    for bad in (None, 0.0, -3.0, float("nan")):
        with pytest.raises(ValueError, match="px_per_unit must be > 0"):
            widget.contour_paths(grid, w, b, [0.1, 1.0], markers=[(0.0, 0.0)], px_per_unit=bad)


# ------------------------------------------------------------------ the clicked point


def test_the_clicked_point_is_shareable_state(built):
    src = built["clicked_point"]
    assert isinstance(src, ColumnDataSource) and widget.STATE_TAG in src.tags
    assert src.data == {"w": [], "b": []}  # no click yet: the fit is at the start
    callbacks = src.js_property_callbacks["change:data"]
    tap = built["heatmap"].js_event_callbacks["tap"]
    assert callbacks == tap and len(tap) == 1, "a link and a tap must run the same callback"
    assert tap[0].args["point"] is src


LANDSCAPE_LINK = "../lessons/loss-landscape.md#loss-landscape?"


@pytest.mark.parametrize("query", [
    "preset_select=sloped_line&loss_select=mse&w=1.0&b=-0.16",
    "preset_select=sloped_line&w=3.5&b=-1.25",  # the window's corner
    "w=-1.6&b=2.5",  # the opening preset's window
    "w=0.1&b=0.2&preset_select=outliers&loss_select=huber&param_huber_delta=0.1",
])
def test_state_link_checker_accepts_a_point_in_the_window(query):
    check_state_link(LANDSCAPE_LINK + query)


@pytest.mark.parametrize("query, message", [
    ("preset_select=sloped_line&w=3.6&b=0", "outside"),
    ("preset_select=sloped_line&w=1&b=-1.3", "outside"),
    ("preset_select=two_points&w=4.5&b=0", "outside"),
    ("w=-1.7&b=0", "outside"),
    ("preset_select=sloped_line&w=1", "without"),
    ("preset_select=sloped_line&b=1", "without"),
    ("preset_select=sloped_line&w=nan&b=0", "finite"),
    ("preset_select=sloped_line&w=inf&b=0", "finite"),
])
def test_state_link_checker_rejects_a_point_it_cannot_show(query, message):
    with pytest.raises(AssertionError, match=message):
        check_state_link(LANDSCAPE_LINK + query)


def test_state_link_checker_rejects_a_point_that_is_not_a_number():
    with pytest.raises(ValueError):
        check_state_link(LANDSCAPE_LINK + "w=one&b=0")


# ------------------------------------------------------------------ the lesson's links

LESSON_TEXT = LESSON.read_text(encoding="utf-8")


def link_targets(markdown: str) -> list[tuple[str, str]]:
    """(link text, target) of every link of ``markdown`` to a state of the page's own landscape."""
    return re.findall(r"\[([^\]]*)\]\((#loss-landscape\?[^)\s]+)\)", markdown)


POINT_LINKS = [(text, target) for text, target in link_targets(LESSON_TEXT) if "&w=" in target]


def _numbers(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", text.replace("−", "-"))]


def _link_state(target: str) -> dict[str, str]:
    return dict(parse_qsl(target.split("?", 1)[1], strict_parsing=True))


def test_every_state_link_of_the_lesson_is_valid():
    links = state_links(LESSON_TEXT)
    assert len(POINT_LINKS) >= 6
    for link in links:
        check_state_link(link, base=LESSON.parent, page=LESSON)


def test_point_links_name_the_point_their_text_shows():
    for text, target in POINT_LINKS:
        st = _link_state(target)
        got = [float(st["w"]), float(st["b"])]
        if text == "Click it":  # the star of the unreachable target, quoted just before
            w, b, _ = landscape.minimum("mse", landscape.PRESETS["unreachable"])
            assert got == [round(w, 2), round(b, 2)], target
        else:
            assert _numbers(text) == got, (text, target)


def _loss(target: str) -> float:
    st = _link_state(target)
    preset = landscape.PRESETS[st["preset_select"]]
    return landscape.loss_at(st["loss_select"], preset.x, preset.y, float(st["w"]), float(st["b"]))


def _sentence(where: str) -> str:
    return segment_of(LESSON_TEXT, where, "loss-landscape.md")


def test_point_links_of_experiment_one_show_what_the_text_says():
    s = _sentence("Then click near the left edge")
    (target,) = [t for _, t in link_targets(s)]
    assert _link_state(target)["preset_select"] == "two_points" and _link_state(target)["loss_select"] == "mse"
    assert "Choose *Two points only* with *Mean squared error*" in LESSON_TEXT
    assert "L$ climbs to about 1.7" in s and round(_loss(target), 1) == 1.7


def test_point_links_of_the_long_valley_show_what_the_text_says():
    along = [t for _, t in link_targets(_sentence("both on the floor"))]
    across = [t for _, t in link_targets(_sentence("about as far from the star across the valley"))]
    assert len(along) == 2 and len(across) == 2
    for target in along + across:  # experiment 3: the sloped line under MSE
        assert _link_state(target)["preset_select"] == "sloped_line"
        assert _link_state(target)["loss_select"] == "mse"
    assert "the loss stays under 0.01" in _sentence("both on the floor")
    assert all(_loss(t) < 0.01 for t in along)
    assert "roughly ten times higher" in _sentence("about as far from the star across the valley")
    floor = np.mean([_loss(t) for t in along])
    for t in across:
        assert 8 < _loss(t) / floor < 15, (t, _loss(t) / floor)
    assert 9 < np.mean([_loss(t) for t in across]) / floor < 13


def test_point_link_to_the_unreachable_floor_shows_what_the_text_says():
    s = _sentence("Click it")
    (target,) = [t for _, t in link_targets(s)]
    assert _link_state(target)["preset_select"] == "unreachable" and _link_state(target)["loss_select"] == "mse"
    floor = _sentence("for MSE, $L \\approx 0.173$")
    w, b, lm = landscape.minimum("mse", landscape.PRESETS["unreachable"])
    assert "0.173" in floor and round(lm, 3) == 0.173
    assert round(_loss(target), 3) == 0.173

