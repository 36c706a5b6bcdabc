"""The static figures read back: what the SVG draws is the engine's data, the right way up.

A figure is checked by decoding what a reader sees, not by re-running the code that drew
it: the heat map's PNG is decompressed and its rows compared with the engine's grid, and
the polylines' pixel coordinates are mapped back to data coordinates through the chart's
own axis ticks (the tick labels and their positions) and compared with the engine's curves.
"""

from __future__ import annotations

import base64
import re
import struct
import zlib

import numpy as np
import pytest

from lossdocs import landscape, losses
from lossdocs.site import figures, svg
from lossdocs.widgets import explorer as ex
from lossdocs.widgets import landscape as lw

# ------------------------------------------------------------------ reading an SVG back


def attrs(tag: str) -> dict[str, str]:
    return dict(re.findall(r'([\w:-]+)="([^"]*)"', tag))


def tags(svg_text: str, name: str) -> list[dict[str, str]]:
    """The attributes of every ``<name ...>`` element, in document order."""
    return [attrs(t) for t in re.findall(rf"<{name} [^>]*>", svg_text)]


def texts(svg_text: str) -> list[tuple[dict[str, str], str]]:
    """(attributes, content) of every ``<text>`` element, in document order."""
    return [(attrs(t), body) for t, body in re.findall(r"(<text [^>]*>)([^<]*)</text>", svg_text)]


def axis_maps(svg_text: str):
    """(x pixel -> data, y pixel -> data) from the tick labels: x ticks are centred under
    the plot, y ticks right-aligned beside it (their baseline sits 4 px below the tick)."""
    xt, yt = [], []
    for a, label in texts(svg_text):
        try:
            value = float(label)
        except ValueError:
            continue  # an axis title or a legend entry
        if a.get("text-anchor") == "middle" and "transform" not in a:
            xt.append((float(a["x"]), value))
        elif a.get("text-anchor") == "end":
            yt.append((float(a["y"]) - 4, value))
    assert len(xt) >= 3 and len(yt) >= 3, "a chart has at least three ticks on each axis"
    fits = []
    for ticks in (xt, yt):
        px, val = np.array(ticks).T
        slope, icpt = np.polyfit(px, val, 1)
        np.testing.assert_allclose(slope * px + icpt, val, atol=abs(slope) * 0.2)  # ticks are linear
        fits.append((slope, icpt))
    return fits


def polyline(svg_text: str, color: str) -> np.ndarray:
    """Pixel points of every polyline stroked in ``color``, as an (n, 2) array."""
    pts = []
    for a in tags(svg_text, "polyline"):
        if a["stroke"].lower() == color.lower():
            pts += [tuple(map(float, p.split(","))) for p in a["points"].split()]
    assert pts, f"no polyline in {color}"
    return np.array(pts)


def png_rgb(data_uri: str) -> np.ndarray:
    """Decode an 8-bit RGB, non-interlaced PNG with filter 0 rows (H, W, 3)."""
    raw = base64.b64decode(data_uri.split(",", 1)[1])
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, size = 8, b"", None
    while pos < len(raw):
        (length,), tag = struct.unpack(">I", raw[pos:pos + 4]), raw[pos + 4:pos + 8]
        body, (crc,) = raw[pos + 8:pos + 8 + length], struct.unpack(">I", raw[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(tag + body), f"bad CRC in {tag}"  # as a strict decoder checks
        if tag == b"IHDR":
            w, h, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, colour, compression, filtering, interlace) == (8, 2, 0, 0, 0)  # the only valid methods are 0
            size = (h, w)
        elif tag == b"IDAT":
            idat += body
        pos += 12 + length
    h, w = size
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + 3 * w)
    assert (rows[:, 0] == 0).all(), "unfiltered rows expected"
    return rows[:, 1:].reshape(h, w, 3)


def test_png_round_trip_keeps_the_first_row_on_top():
    rgb = np.zeros((3, 2, 3), np.uint8)
    rgb[0] = 255  # top row white
    np.testing.assert_array_equal(png_rgb(svg.png_data_uri(rgb)), rgb)


# ------------------------------------------------------------------ the landscape


@pytest.fixture(scope="module")
def heatmap():
    html, _ = figures.landscape_widget()
    first = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    image = attrs(re.search(r"<image [^>]*>", first).group(0))
    return first, image, png_rgb(image["href"])


def test_landscape_figure_top_row_is_the_largest_b(heatmap):
    """The PNG's first row is b = b_max; each row's colours are the engine's loss at that b."""
    _, _, rgb = heatmap
    preset = landscape.PRESETS[lw.DEFAULT_PRESET]
    name, params = landscape.LOSS_CHOICES[lw.DEFAULT_CHOICE]
    h, wpx, _ = rgb.shape
    w, b = landscape.axes(preset, wpx)
    assert h == len(b)
    grid = landscape.loss_grid(name, preset.x, preset.y, w, b, **params)  # rows: b ascending
    codes = lw.decode_grid(lw.encode_grid(grid)[0])
    palette = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in lw.PALETTE], np.uint8)
    np.testing.assert_array_equal(rgb[0], palette[codes[-1]])  # top: b = b_max
    np.testing.assert_array_equal(rgb[-1], palette[codes[0]])  # bottom: b = b_min
    assert not np.array_equal(codes[0], codes[-1])  # the test can tell the two apart


def test_landscape_figure_is_darkest_at_the_engines_minimum(heatmap):
    """Independently of the palette's codes: the darkest pixel lies where the engine's
    minimum is, mapped through the image's placement and the chart's axes."""
    svg_text, image, rgb = heatmap
    (sx, cx), (sy, cy) = axis_maps(svg_text)
    preset = landscape.PRESETS[lw.DEFAULT_PRESET]
    name, params = landscape.LOSS_CHOICES[lw.DEFAULT_CHOICE]
    wm, bm, _ = landscape.minimum(name, preset, **params)
    x0, y0, width, height = (float(image[k]) for k in ("x", "y", "width", "height"))
    h, wpx, _ = rgb.shape
    # The image spans the axes' window: its corners are the window's corners.
    np.testing.assert_allclose([sx * x0 + cx, sx * (x0 + width) + cx], preset.w_range, atol=abs(sx))
    np.testing.assert_allclose([sy * y0 + cy, sy * (y0 + height) + cy], preset.b_range[::-1], atol=abs(sy))
    brightness = rgb.astype(int).sum(axis=2)
    i, j = np.unravel_index(np.argmin(brightness), brightness.shape)
    col = (wm - preset.w_range[0]) / np.ptp(preset.w_range) * (wpx - 1)
    row = (preset.b_range[1] - bm) / np.ptp(preset.b_range) * (h - 1)  # row 0 is the top
    assert abs(j - col) <= 1.5 and abs(i - row) <= 1.5, ((i, j), (row, col))


# ------------------------------------------------------------------ the explorer


@pytest.fixture(scope="module")
def explorer_svg():
    return figures.explorer()[0]


def test_explorer_figure_draws_the_engines_losses(explorer_svg):
    """Each curve, mapped back through the axes, is its loss at the true value (within a
    pixel where it is on the chart); the true value is where the dashed marker stands."""
    (sx, cx), (sy, cy) = axis_maps(explorer_svg)
    marker = [a for a in tags(explorer_svg, "line")
              if a.get("stroke", "").lower() == ex.TARGET_COLOR.lower() and "y2" in a]
    target = sx * float(marker[0]["x1"]) + cx
    assert target == pytest.approx(round(target * 4) / 4, abs=abs(sx))  # on the slider's grid
    ylo, yhi = sorted(sy * np.array(re.findall(r'<rect x="[^"]*" y="([^"]*)" width="[^"]*" height="([^"]*)"',
                                                 explorer_svg)[0], float).cumsum() + cy)
    for name, color in ((ex.DEFAULT_PRIMARY, ex.PRIMARY_COLOR), (ex.DEFAULT_OVERLAY, ex.OVERLAY_COLOR)):
        px = polyline(explorer_svg, color)
        x, y = sx * px[:, 0] + cx, sy * px[:, 1] + cy
        want = losses.get(name).value(x, round(target * 4) / 4)
        seen = (want >= ylo) & (want <= yhi)
        assert seen.sum() > 20, name
        assert np.abs((y - want)[seen] / sy).max() <= 1.0, name  # within a pixel
        assert x.min() <= -5.9 and x.max() >= 5.9  # the whole axis is drawn


# ------------------------------------------------------------------ the renderer itself
# svg.render's layout: a 56 px left margin for the y tick labels, 12 px on the right,
# 44 px below for the x tick labels and title, and 12 px above plus 16 px per legend row.
LEFT, RIGHT, BOTTOM = 56, 12, 44


def plot_box(chart: svg.Chart, rows: int = 1) -> tuple[float, float, float, float]:
    top = 12 + 16 * rows
    return LEFT, top, chart.width - LEFT - RIGHT, chart.height - top - BOTTOM


def to_px(chart: svg.Chart, x, y, rows: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Where data (x, y) is drawn: the window's corners are the plot box's corners."""
    left, top, pw, ph = plot_box(chart, rows)
    (x0, x1), (y0, y1) = chart.xlim, chart.ylim
    return (left + (np.asarray(x, float) - x0) / (x1 - x0) * pw,
            top + (y1 - np.asarray(y, float)) / (y1 - y0) * ph)


def small_chart(**kw) -> svg.Chart:
    # A window that starts off zero on both axes, so that x1 - x0 and x1 + x0 differ.
    base = dict(title="T", xlabel="x", ylabel="y", xlim=(-1.0, 3.0), ylim=(-0.5, 2.0), width=400, height=240)
    return svg.Chart(**{**base, **kw})


@pytest.mark.parametrize("lo, hi, want", [
    (0, 6, [0, 1, 2, 3, 4, 5, 6]),
    (0, 13, [0, 2.5, 5, 7.5, 10, 12.5]),   # 13/6 = 2.17: 2.5 is the first nice step above
    (0, 0.3, [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]),  # the top tick survives rounding
    (0.05, 0.95, [0.2, 0.4, 0.6, 0.8]),
    (-6, 6, [-6, -4, -2, 0, 2, 4, 6]),
    (1, 101, [20, 40, 60, 80, 100]),      # 16.7 -> 20
    (0, 70, [0, 20, 40, 60]),             # 11.7 -> 20: no 25 between 20 and 50
    (0, 42, [0, 10, 20, 30, 40]),         # 7 -> 10, the next decade
])
def test_ticks_are_the_smallest_nice_step_that_gives_at_most_six_gaps(lo, hi, want):
    np.testing.assert_allclose(svg._ticks(lo, hi), want, atol=1e-12)


def test_tick_labels_read_as_numbers_and_zero_as_zero():
    assert [svg._fmt(v) for v in (0.0, 5.6e-17, -3e-13, 1e-12, 2e-12, 2.5, -0.25, 1e-6, 12000.0)] == [
        "0", "0", "0", "0", "2e-12", "2.5", "-0.25", "1e-06", "12000"]


def test_runs_split_at_every_non_finite_point_and_drop_lone_points():
    x = np.arange(10.0)
    y = np.array([0, 1, np.nan, 3, np.inf, 5, 6, 7, -np.inf, 9.0])
    runs = [(list(a), list(b)) for a, b in svg._runs(x, y)]
    assert runs == [([0, 1], [0, 1]), ([5, 6, 7], [5, 6, 7])]  # 3 and 9 stand alone
    x2 = np.array([0, 1, np.nan, 3, 4.0])
    assert [list(a) for a, _ in svg._runs(x2, np.zeros(5))] == [[0, 1], [3, 4]]  # x breaks too, last run kept
    assert list(svg._runs(np.arange(3.0), np.full(3, np.nan))) == []


def test_png_is_a_valid_file_with_every_pixel_in_place():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    uri = svg.png_data_uri(rgb)
    assert uri.startswith("data:image/png;base64,")
    raw = base64.b64decode(uri.split(",", 1)[1])
    assert raw.endswith(b"IEND" + struct.pack(">I", zlib.crc32(b"IEND")))
    np.testing.assert_array_equal(png_rgb(uri), rgb)  # png_rgb checks every chunk's CRC


def test_series_lines_and_points_are_drawn_where_their_data_is():
    x = np.array([-1.0, 0.0, 1.5, 3.0])
    chart = small_chart(series=[  # markers between two lines: the lines after them are drawn too
        svg.Series(x, np.array([0.0, 2.0, 1.0, 0.5]), "line", "#111111"),
        svg.Series(x[:2], np.array([0.5, 1.5]), "dots", "#333333", points=True, width=3.0),
        svg.Series(x, np.array([1.0, 1.0, 1.0, 1.0]), "dash", "#222222", dashed=True, width=1.5),
    ])
    out = svg.render(chart)
    lines = {a["stroke"]: a for a in tags(out, "polyline")}
    assert set(lines) == {"#111111", "#222222"}  # markers are not a line
    px, py = to_px(chart, x, [0.0, 2.0, 1.0, 0.5])
    np.testing.assert_allclose(polyline(out, "#111111"), np.c_[px, py], atol=0.051)
    assert lines["#111111"]["stroke-width"] == "2.5" and "stroke-dasharray" not in lines["#111111"]
    assert lines["#222222"]["stroke-width"] == "1.5" and lines["#222222"]["stroke-dasharray"] == "8 5"
    dots = [a for a in tags(out, "circle") if a["fill"] == "#333333" and a.get("stroke") == "white"]
    cx, cy = to_px(chart, x[:2], [0.5, 1.5])
    np.testing.assert_allclose([[float(d["cx"]), float(d["cy"])] for d in dots], np.c_[cx, cy], atol=0.051)
    assert {d["r"] for d in dots} == {"3.0"} and {d["stroke-width"] for d in dots} == {"1"}


def test_far_values_are_clamped_one_window_beyond_the_view():
    chart = small_chart(series=[svg.Series(np.array([0.0, 1.0, 2.0]), np.array([-1e300, 1.0, 1e300]), "", "#123456")])
    got = polyline(svg.render(chart), "#123456")
    _, want = to_px(chart, [0, 1, 2], [-3.0, 1.0, 4.5])  # ylim (-0.5, 2): one height below and above
    np.testing.assert_allclose(got[:, 1], want, atol=0.051)


def test_marks_grid_labels_and_image_sit_on_the_plot_box():
    chart = small_chart(vlines=[(0.5, "#aa0000", "target"), (2.0, "#00aa00", "")],
                        segments=[(-1.0, -0.5, 3.0, 2.0, "#0000aa")], image="data:image/png;base64,AA==")
    out = svg.render(chart, desc="what it shows")
    left, top, pw, ph = plot_box(chart)
    assert f'viewBox="0 0 {chart.width} {chart.height}"' in out
    rect = tags(out, "rect")[0]
    assert [float(rect[k]) for k in ("x", "y", "width", "height")] == [left, top, pw, ph]
    image = tags(out, "image")[0]
    assert [float(image[k]) for k in ("x", "y", "width", "height")] == [left, top, pw, ph]
    assert image["preserveAspectRatio"] == "none" and out.index("<image") < out.index('stroke="#0000aa"')
    seg = next(a for a in tags(out, "line") if a.get("stroke") == "#0000aa")
    assert [float(seg[k]) for k in ("x1", "y1", "x2", "y2")] == [left, top + ph, left + pw, top]
    assert seg["stroke-width"] == "2"
    for colour, xv in (("#aa0000", 0.5), ("#00aa00", 2.0)):
        v = next(a for a in tags(out, "line") if a.get("stroke") == colour and a.get("stroke-dasharray") == "3 3")
        assert float(v["x1"]) == float(v["x2"]) == pytest.approx(float(to_px(chart, xv, 0)[0]), abs=0.051)
        assert (float(v["y1"]), float(v["y2"])) == (top, top + ph) and v["stroke-width"] == "2"
    # Grid lines span the box at every tick; tick labels sit below it and left of it.
    grid = tags(out.split('stroke-opacity="0.15">')[1].split("</g>")[0], "line")
    xt, yt = svg._ticks(*chart.xlim), svg._ticks(*chart.ylim)
    assert len(grid) == len(xt) + len(yt)
    for g, t in zip(grid, xt):
        assert float(g["x1"]) == float(g["x2"]) == pytest.approx(float(to_px(chart, t, 0)[0]), abs=0.051)
        assert (float(g["y1"]), float(g["y2"])) == (top, top + ph)
    for g, t in zip(grid[len(xt):], yt):
        assert float(g["y1"]) == float(g["y2"]) == pytest.approx(float(to_px(chart, 0, t)[1]), abs=0.051)
        assert (float(g["x1"]), float(g["x2"])) == (left, left + pw)
    labels = texts(out)
    xl = [(a, b) for a, b in labels if a.get("text-anchor") == "middle" and "transform" not in a][:len(xt)]
    assert [b for _, b in xl] == [svg._fmt(t) for t in xt]
    assert all(float(a["y"]) == top + ph + 16 for a, _ in xl)
    yl = [(a, b) for a, b in labels if a.get("text-anchor") == "end"]
    assert [b for _, b in yl] == [svg._fmt(t) for t in yt]
    for (a, _), t in zip(yl, yt):
        assert float(a["x"]) == left - 6 and float(a["y"]) == pytest.approx(float(to_px(chart, 0, t)[1]) + 4, abs=0.051)
    xtitle = next(a for a, b in labels if b == "x")
    assert (float(xtitle["x"]), float(xtitle["y"])) == (left + pw / 2, chart.height - 6)
    ytitle = next(a for a, b in labels if b == "y")
    assert ytitle["transform"] == f"translate(14 {top + ph / 2}) rotate(-90)"
    assert "<title>T</title>" in out and "<desc>what it shows</desc>" in out


def test_title_desc_and_labels_are_escaped_and_desc_defaults_to_the_title():
    chart = small_chart(title="a < b & c", xlabel="<x>", ylabel='"y"',
                        series=[svg.Series(np.array([0.0, 1.0]), np.array([0.0, 1.0]), "p & q", "#111111")])
    out = svg.render(chart)
    assert "<title>a &lt; b &amp; c</title>" in out and "<desc>a &lt; b &amp; c</desc>" in out
    assert ">&lt;x&gt;</text>" in out and ">&quot;y&quot;</text>" in out and ">p &amp; q</text>" in out


def test_clip_ids_are_stable_and_differ_between_charts():
    def clip(out):
        cid = re.search(r'<clipPath id="([^"]+)">', out).group(1)
        assert f'clip-path="url(#{cid})"' in out
        return cid

    a, b = small_chart(), small_chart(title="other")
    assert clip(svg.render(a)) == clip(svg.render(small_chart()))   # byte-identical rebuilds
    assert len({clip(svg.render(a)), clip(svg.render(b)), clip(svg.render(small_chart(xlabel="u"))),
                clip(svg.render(a, desc="d"))}) == 4  # two figures on one page never share a clip


def test_legend_keys_wrap_onto_rows_that_push_the_plot_down():
    def series(label, **kw):
        return svg.Series(np.array([0.0, 1.0]), np.array([0.0, 1.0]), label, "#101010", **kw)

    one = small_chart(series=[series("aa"), series(""), series("bbbb", dashed=True)],
                      vlines=[(0.0, "#202020", "v")])
    keys = svg._legend(one, one.width)
    assert [(row, x, item[0]) for row, x, item in keys] == [(0, 56, "aa"), (0, 56 + 44, "bbbb"),
                                                              (0, 56 + 44 + 58, "v")]
    assert [item[2:] for _, _, item in keys] == [(False, False), (True, False), (True, False)]  # a vline's: dashed
    legend = svg.render(one).split('<g font-size="12">')[1]
    assert len(tags(legend, "circle")) == 0 and [k.get("stroke-dasharray") for k in tags(legend, "line")] == [
        None, "4 3", "4 3"]
    # A key wraps when its end, less 8 px of slack, would pass the right edge, but never
    # leaves a row empty: a first key wider than the chart stays on the first row.
    two = small_chart(series=[series("a" * 12), series("b" * 12)])
    assert [row for row, _, _ in svg._legend(two, 170 + 114 - 8)] == [0, 0]
    assert [row for row, _, _ in svg._legend(two, 170 + 114 - 9)] == [0, 1]
    assert [row for row, _, _ in svg._legend(two, 100)] == [0, 1]
    # Keys 30 + 7 per character wide: at 400 px the fifth 12-letter key (5 x 114 px) wraps.
    many = small_chart(series=[series(f"{k}" * 12) for k in range(6)])
    rows = [(row, x) for row, x, _ in svg._legend(many, many.width)]
    assert rows == [(0, 56), (0, 170), (0, 284), (1, 56), (1, 170), (1, 284)]
    assert [(row, x) for row, x, _ in svg._legend(many, 56 + 114 + 8)] == [(k, 56) for k in range(6)]
    out = svg.render(many)
    left, top, pw, ph = plot_box(many, rows=2)
    rect = tags(out, "rect")[0]
    assert [float(rect[k]) for k in ("x", "y", "width", "height")] == [left, top, pw, ph]
    legend = out.split('<g font-size="12">')[1]
    keys_drawn = tags(legend, "line")
    assert [(float(k["x1"]), float(k["x2"]), float(k["y1"])) for k in keys_drawn] == [
        (x, x + 18, 14 + 16 * row) for row, x in rows]
    assert {k["stroke-width"] for k in keys_drawn} == {"3"}
    assert [(float(a["x"]), float(a["y"])) for a, _ in texts(legend)] == [
        (x + 22, 14 + 16 * row + 4) for row, x in rows]
    marks = small_chart(series=[series("m", points=True), series("d", dashed=True)])
    legend = svg.render(marks).split('<g font-size="12">')[1]
    dot = tags(legend, "circle")[0]
    assert (float(dot["cx"]), float(dot["cy"]), dot["r"]) == (56 + 9, 14, "4")
    assert tags(legend, "line")[0]["stroke-dasharray"] == "4 3"


def test_pair_puts_two_figures_in_one_wrapper():
    assert svg.pair("<svg>a</svg>", "<svg>b</svg>") == (
        '<span class="lossdocs-fallback__pair"><svg>a</svg><svg>b</svg></span>')


def test_the_markup_is_well_formed_svg_with_text_only_where_text_belongs():
    """Parsed as XML (a browser's SVG parser is as strict inside an <img> or a data: URI):
    every element is a lower-case SVG element, and no stray text lies between them."""
    import xml.etree.ElementTree as ET

    chart = small_chart(
        series=[svg.Series(np.array([0.0, 1.0]), np.array([0.0, 1.0]), "line", "#111111"),
                svg.Series(np.array([0.0, 1.0]), np.array([1.0, 0.0]), "dashed", "#222222", dashed=True),
                svg.Series(np.array([0.0, 1.0]), np.array([1.0, 1.0]), "dots", "#333333", points=True)],
        vlines=[(0.5, "#444444", "v")], segments=[(0, 0, 1, 1, "#555555")], image="data:image/png;base64,AA==")
    root = ET.fromstring(svg.render(chart, desc="d"))
    ns = "{http://www.w3.org/2000/svg}"
    names = set()
    for el in root.iter():
        assert el.tag.startswith(ns), el.tag
        names.add(el.tag[len(ns):])
        if el.tag[len(ns):] not in ("text", "title", "desc"):
            assert not (el.text or "").strip(), (el.tag, el.text)
        assert not (el.tail or "").strip(), (el.tag, el.tail)
    assert names == {"svg", "title", "desc", "g", "line", "text", "clipPath", "rect", "image", "polyline", "circle"}
    groups = [g for g in root.iter(ns + "g")]
    assert [g.get("stroke") or g.get("fill") for g in groups[:2]] == ["currentColor", "currentColor"]
