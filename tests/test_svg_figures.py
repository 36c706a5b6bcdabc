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


def axis_maps(svg_text: str):
    """(x pixel -> data, y pixel -> data) from the tick labels: x ticks are centred under
    the plot, y ticks right-aligned beside it (their baseline sits 4 px below the tick)."""
    xt, yt = [], []
    for tag, label in re.findall(r"(<text [^>]*>)([^<]*)</text>", svg_text):
        a = attrs(tag)
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
    for tag in re.findall(r"<polyline [^>]*>", svg_text):
        a = attrs(tag)
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
        body = raw[pos + 8:pos + 8 + length]
        if tag == b"IHDR":
            w, h, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, colour, interlace) == (8, 2, 0)
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
    marker = [attrs(t) for t in re.findall(r"<line [^>]*>", explorer_svg)
              if attrs(t).get("stroke", "").lower() == ex.TARGET_COLOR.lower() and "y2" in attrs(t)]
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
