"""Static SVG line charts: the no-JavaScript fallback for widgets, and small figures.

Plain SVG text from numpy arrays, so it needs no plotting library and renders
anywhere, including inside ``<noscript>``. Colours use ``currentColor`` for the
frame and text, so the figure follows the page's light or dark scheme.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from dataclasses import dataclass, field
from html import escape

import numpy as np


@dataclass
class Series:
    x: np.ndarray
    y: np.ndarray
    label: str
    color: str
    dashed: bool = False
    points: bool = False    # markers instead of a line
    width: float = 2.5


@dataclass
class Chart:
    title: str
    xlabel: str
    ylabel: str
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    series: list[Series] = field(default_factory=list)
    vlines: list[tuple[float, str, str]] = field(default_factory=list)  # (x, color, label)
    segments: list[tuple[float, float, float, float, str]] = field(default_factory=list)
    image: str | None = None  # a data: URI stretched over the plot area, under everything
    width: int = 640
    height: int = 300


def png_data_uri(rgb: np.ndarray) -> str:
    """A ``data:image/png`` URI for an (H, W, 3) uint8 array, first row at the top."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[i].astype(np.uint8).tobytes() for i in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _runs(x: np.ndarray, y: np.ndarray):
    """Pieces of a polyline between NaN breaks."""
    ok = np.isfinite(x) & np.isfinite(y)
    start = None
    for i, good in enumerate(np.append(ok, False)):
        if good and start is None:
            start = i
        elif not good and start is not None:
            if i - start > 1:
                yield x[start:i], y[start:i]
            start = None


def _ticks(lo: float, hi: float, count: int = 6) -> np.ndarray:
    raw = (hi - lo) / count
    mag = 10 ** np.floor(np.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    return np.arange(np.ceil(lo / step) * step, hi + step * 1e-9, step)


def _fmt(v: float) -> str:
    return f"{v:g}" if abs(v) > 1e-12 else "0"


def _legend(chart: Chart, width: int) -> list[tuple[int, int, tuple]]:
    """(row, x, (label, colour, dashed, points)) of each legend key: left to right from
    x = 56, onto a new row when the next key would pass the right edge."""
    items = [(s.label, s.color, s.dashed, s.points) for s in chart.series if s.label]
    items += [(lab, c, True, False) for _, c, lab in chart.vlines if lab]
    out, row, lx = [], 0, 56
    for item in items:
        size = 30 + 7 * len(item[0])
        if lx > 56 and lx + size - 8 > width:
            row, lx = row + 1, 56
        out.append((row, lx, item))
        lx += size
    return out


def render(chart: Chart, desc: str = "") -> str:
    """The chart as an ``<svg>`` string with a <title> and <desc> for screen readers."""
    w, h = chart.width, chart.height
    keys = _legend(chart, w)
    rows = 1 + max((row for row, _, _ in keys), default=0)
    left, right, top, bottom = 56, 12, 12 + 16 * rows, 44
    pw, ph = w - left - right, h - top - bottom
    (x0, x1), (y0, y1) = chart.xlim, chart.ylim

    def sx(x):
        return left + (np.asarray(x, float) - x0) / (x1 - x0) * pw

    def sy(y):
        return top + (y1 - np.asarray(y, float)) / (y1 - y0) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" '
        f'class="lossdocs-svg" font-family="sans-serif" font-size="12">',
        f"<title>{escape(chart.title)}</title>",
        f"<desc>{escape(desc or chart.title)}</desc>",
        '<g stroke="currentColor" stroke-opacity="0.15">',
    ]
    for t in _ticks(x0, x1):
        out.append(f'<line x1="{sx(t):.1f}" x2="{sx(t):.1f}" y1="{top}" y2="{top + ph}"/>')
    for t in _ticks(y0, y1):
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{sy(t):.1f}" y2="{sy(t):.1f}"/>')
    out.append("</g>")
    out.append('<g fill="currentColor" fill-opacity="0.8">')
    for t in _ticks(x0, x1):
        out.append(f'<text x="{sx(t):.1f}" y="{top + ph + 16}" text-anchor="middle">{_fmt(t)}</text>')
    for t in _ticks(y0, y1):
        out.append(f'<text x="{left - 6}" y="{sy(t) + 4:.1f}" text-anchor="end">{_fmt(t)}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{h - 6}" text-anchor="middle">{escape(chart.xlabel)}</text>')
    out.append(f'<text transform="translate(14 {top + ph / 2}) rotate(-90)" text-anchor="middle">'
               f"{escape(chart.ylabel)}</text>")
    out.append("</g>")
    # A clip id derived from the content keeps builds byte-identical.
    clip = "clip-" + hashlib.sha1(f"{chart.title}|{chart.xlabel}|{desc}".encode()).hexdigest()[:10]
    out.append(f'<clipPath id="{clip}"><rect x="{left}" y="{top}" width="{pw}" height="{ph}"/></clipPath>')
    out.append(f'<g clip-path="url(#{clip})" fill="none">')
    if chart.image:
        out.append(f'<image href="{chart.image}" x="{left}" y="{top}" width="{pw}" height="{ph}" '
                   'preserveAspectRatio="none"/>')
    for xa, ya, xb, yb, color in chart.segments:
        out.append(f'<line x1="{sx(xa):.1f}" y1="{sy(ya):.1f}" x2="{sx(xb):.1f}" y2="{sy(yb):.1f}" '
                   f'stroke="{color}" stroke-width="2"/>')
    for x, color, _ in chart.vlines:
        out.append(f'<line x1="{sx(x):.1f}" x2="{sx(x):.1f}" y1="{top}" y2="{top + ph}" '
                   f'stroke="{color}" stroke-width="2" stroke-dasharray="3 3"/>')
    for s in chart.series:
        # Clamp far outside the view so the path stays short and finite.
        ys = np.clip(np.asarray(s.y, float), y0 - (y1 - y0), y1 + (y1 - y0))
        if s.points:
            for a, b in zip(sx(s.x), sy(ys)):
                out.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="{s.width}" fill="{s.color}" '
                           'stroke="white" stroke-width="1"/>')
            continue
        dash = ' stroke-dasharray="8 5"' if s.dashed else ""
        for xr, yr in _runs(np.asarray(s.x, float), ys):
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(sx(xr), sy(yr)))
            out.append(f'<polyline points="{pts}" stroke="{s.color}" stroke-width="{s.width}"{dash}/>')
    out.append("</g>")
    # Legend along the top, wrapped onto more rows when it would run off the right edge.
    out.append('<g font-size="12">')
    for row, lx, (label, color, dashed, points) in keys:
        y = 14 + 16 * row
        if points:
            out.append(f'<circle cx="{lx + 9}" cy="{y}" r="4" fill="{color}"/>')
        else:
            dash = ' stroke-dasharray="4 3"' if dashed else ""
            out.append(f'<line x1="{lx}" x2="{lx + 18}" y1="{y}" y2="{y}" stroke="{color}" stroke-width="3"{dash}/>')
        out.append(f'<text x="{lx + 22}" y="{y + 4}" fill="currentColor">{escape(label)}</text>')
    out.append("</g></svg>")
    return "\n".join(out)


def pair(a: str, b: str) -> str:
    """Two rendered ``<svg>`` strings side by side: the markup of a widget figure with two
    charts (``.lossdocs-fallback__pair`` in the site CSS lays them out, and stacks them on
    narrow screens)."""
    return f'<span class="lossdocs-fallback__pair">{a}{b}</span>'
