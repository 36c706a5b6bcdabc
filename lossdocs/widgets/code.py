"""The widgets' CustomJS bodies: ``.js`` files beside their builders, read by name."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def js(*names: str) -> str:
    """The named ``.js`` files of this folder, joined in order: a helper shared by two
    bodies (``grid_codes.js``) goes before the body that calls it."""
    return "\n".join((HERE / name).read_text(encoding="utf-8") for name in names)


def padded(values, n: int, blank) -> list:
    """``values`` lengthened to ``n`` with ``blank``: the Python mirror of ``pad.js``.

    BokehJS re-indexes a data source whose length changes and then updates each of its
    glyphs a second time (about 1 ms a glyph). So a source that a control refills with a
    different number of points (contours, labels, targets, a path walked so far) is sized
    once for its longest state, and the blank tail (NaN, or "" for text) draws nothing."""
    values = list(values)
    if len(values) > n:
        raise ValueError(f"n must be at least len(values) = {len(values)}, got {n}")
    return values + [blank] * (n - len(values))
