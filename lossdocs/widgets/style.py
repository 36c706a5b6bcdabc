"""Shared look of the widgets: stylesheets that make Bokeh's controls and toolbars
follow the page's light or dark palette (Material's CSS variables reach into each
widget's shadow root)."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from bokeh.core.property.dataspec import NumberSpec
from bokeh.core.property.vectorization import Field
from bokeh.models import (
    ColumnDataSource,
    CustomJS,
    GlyphRenderer,
    InlineStyleSheet,
    Legend,
    Pane,
    Plot,
    PrintfTickFormatter,
    Toggle,
    dom,
)

from lossdocs.widgets.code import js

HERE = Path(__file__).parent

# Bokeh draws the lines between toolbar buttons in a fixed light grey; use the page's.
TOOLBAR_CSS = (
    ":host { --divider-color: var(--md-default-fg-color--lightest, #d7d7d8); }\n"
    ".bk-divider { background-color: var(--md-default-fg-color--lighter, #d3d3d3); }"
)


def controls() -> InlineStyleSheet:
    """The stylesheet of every select, slider and readout (``theme.css``)."""
    return InlineStyleSheet(css=(HERE / "theme.css").read_text(encoding="utf-8"))


def readout(html: str, name: str, height: int, stylesheets: list) -> tuple[dom.HTML, Pane]:
    """A readout the widget rewrites on every change, and the box that shows it.

    Returns ``(node, box)``: the callbacks get ``node`` and set ``node.html``; the
    layout gets ``box``, a Pane carrying ``stylesheets``, at least ``height`` px high
    (the height of the longest text on a wide screen, so that no change moves what
    follows; on a phone the text wraps and the box grows to hold it), with the 5 px
    margin of Bokeh's widgets.

    Why not a Bokeh ``Div``: a new ``Div.text`` re-renders the Div (its shadow root
    emptied, nine stylesheets installed again) and lays it out again, and inside a row
    or column BokehJS then lays out the whole widget too, re-measuring every axis's
    tick labels. That is 5-10 ms of a 10 ms repaint, which put a control's
    input-to-paint at twice the widget's bare repaint. A ``dom.HTML`` node in a Pane
    only replaces its own children: the Pane is laid out by the browser, not by Bokeh,
    and its stylesheets stay installed."""
    if not isinstance(height, int) or height <= 0:
        raise ValueError(f"readout {name!r}: height must be a positive number of px (got {height!r})")
    node = dom.HTML(html=html, name=name)
    box = Pane(elements=[node], name=f"{name}_box", stylesheets=list(stylesheets),
               styles={"display": "block", "min-height": f"{height}px", "margin": "5px"})
    return node, box


def toolbar(plot) -> None:
    """Give ``plot``'s toolbar the page's divider colour."""
    plot.toolbar.stylesheets = [InlineStyleSheet(css=TOOLBAR_CSS)]


# Bokeh's buttons are white whatever the palette: give the play button the page's colours.
BUTTON_CSS = (
    ".bk-btn { background-color: var(--md-default-bg-color, white); color: var(--md-default-fg-color, black);"
    " border-color: var(--md-default-fg-color--lighter, #cccccc); }\n"
    ".bk-btn:hover, .bk-btn.bk-active { background-color: var(--md-default-fg-color--lightest, #eeeeee); }\n"
    ".bk-btn:focus-visible { outline: 3px solid var(--md-accent-fg-color, #ff6e42); outline-offset: 2px; }"
)
PLAY_LABEL = "▶ Play"
PAUSE_LABEL = "❚❚ Pause"


def steady_ticks(axis, fmt: str) -> None:
    """Tick labels of one width however a control moves ``axis``'s range: the printf
    format ``fmt`` pads every label to the same number of characters ("%6.0e": " 1e-13",
    "  1e-4"), in a monospace font, so each takes the same space.

    Why: BokehJS lays the whole widget out again (every plot, every axis re-measured) when
    a side panel's size changes, and a range change that makes a tick label wider or
    narrower does that. It cost a preset or loss switch of the descent widget 30-35 ms
    of layout on the bench's desktop profile, and a phone's CPU is several times slower.
    Monospace labels are wider: check the plot still fits a 390 px phone (test_phone)."""
    if "%" not in fmt:
        raise ValueError(f"steady_ticks: fmt must be a printf format such as '%6.0e', got {fmt!r}")
    axis.formatter = PrintfTickFormatter(format=fmt)
    axis.major_label_text_font = "monospace"


def steady_digits(extent: float) -> str:
    """A printf tick format whose widest label, on an axis reaching up to ``extent`` either
    side of 0, is three digits and a point (and a minus sign below 0): "1.00", "-2.50",
    "10.0", "-20.0".

    Why: BokehJS lays the whole widget out again when an axis's labels get wider or
    narrower, and a control that moves a range from 0.5 to 10 did that on each switch.
    Digits have one width in the plots' fonts, so labels of one make-up keep the axis's
    width; unlike ``steady_ticks``, no monospace font widens the plot on a phone. Give the
    axis the format of each range the reader can reach (an index for the callback)."""
    if not 0 < extent < 100:
        raise ValueError(f"steady_digits: extent must be in (0, 100), got {extent!r}")
    return "%.2f" if extent < 10 else "%.1f"


def play_toggle(scrubber, interval: int, name: str = "play_toggle") -> Toggle:
    """A play/pause button that moves ``scrubber`` one notch every ``interval`` ms (``play.js``)."""
    play = Toggle(label=PLAY_LABEL, active=False, width=96, name=name,
                  stylesheets=[controls(), InlineStyleSheet(css=BUTTON_CSS)])
    play.js_on_change("active", CustomJS(
        args=dict(play=play, sl_step=scrubber, labels=[PLAY_LABEL, PAUSE_LABEL], interval=interval),
        code=js("play.js")))
    return play


def tidy(*plots) -> None:
    """The look every lesson plot shares: no outline, a plain 12 px title, and no
    default drag or scroll tool (a finger on a plot scrolls the page)."""
    for plot in plots:
        plot.outline_line_color = None
        plot.title.text_font_style = "normal"
        plot.title.text_font_size = "12px"
        plot.toolbar.active_drag = None
        plot.toolbar.active_scroll = None


def legend(plot, location: str = "top_left", orientation: str = "vertical", below: bool = False) -> None:
    """A quiet legend: transparent, borderless, 11 px labels; with ``below``, in a panel
    under the plot instead of over its frame."""
    if below:
        plot.add_layout(plot.legend[0], "below")
    plot.legend.location = location
    plot.legend.orientation = orientation
    plot.legend.background_fill_alpha = 0
    plot.legend.border_line_alpha = 0
    plot.legend.label_text_font_size = "11px"


def still_legends(root):
    """Point every legend of ``root`` at still copies of its renderers; returns ``root``.

    BokehJS (3.9, 3.10) draws a legend as DOM and watches everything its items refer
    to, down to the renderers' data sources: every change of a source rebuilds every
    entry of that legend (new canvases and labels, a style recalculation and a layout
    pass), up to ten times per slider step, before the plot can repaint. That work is
    what made a control's input-to-paint twice the widget's bare repaint.

    Each legend renderer gets a copy that shares its glyph (so a style change a callback
    makes still reaches the key, though it rebuilds the legend: the outlier lab widens
    its chosen line with a second renderer instead) but has a source of
    its own that no callback touches: the first rows the legend reads (one; up to an
    item's ``index``; or up to the first row of each value of a ``legend_field``), with
    the glyph's coordinates set to NaN. The copy is invisible and draws nothing; the
    legend draws its key from it exactly as before. The legend's click policy must be
    "none" (an invisible copy would otherwise read as hidden)."""
    for plot in root.select({"type": Plot}):
        for legend in legends_of(plot):
            if legend.click_policy != "none":
                raise ValueError(f"legend of {plot.name!r}: click_policy must be 'none' (got {legend.click_policy!r})")
            copies: dict[str, GlyphRenderer] = {}
            for item in legend.items:
                item.renderers = [copies.get(r.id) or copies.setdefault(r.id, _still_copy(plot, r, legend))
                                  for r in item.renderers]
    return root


def legends_of(plot) -> list[Legend]:
    """The legends placed on ``plot`` itself (``plot.select`` would also find those of
    plots that its callbacks refer to)."""
    places = (plot.renderers, plot.center, plot.above, plot.below, plot.left, plot.right)
    return [m for place in places for m in place if isinstance(m, Legend)]


def with_still_legends(build):
    """``build`` with ``still_legends`` applied to what it returns (same name and docstring)."""
    @functools.wraps(build)
    def wrapped():
        return still_legends(build())
    return wrapped


def _still_copy(plot, renderer: GlyphRenderer, legend: Legend) -> GlyphRenderer:
    data = renderer.data_source.data
    rows = 1
    for item in legend.items:
        if renderer not in item.renderers:
            continue
        if isinstance(item.label, Field):
            seen: dict = {}
            for i, v in enumerate(data[item.label.field]):
                seen.setdefault(v, i)
            rows = max(rows, max(seen.values()) + 1)
        if item.index is not None:
            rows = max(rows, item.index + 1)
    copy = {k: list(v[:rows]) for k, v in data.items()}
    glyph = renderer.glyph
    for name in glyph._args:
        spec = glyph.lookup(name).property
        if isinstance(spec, NumberSpec) and isinstance(getattr(glyph, name), str):
            copy[getattr(glyph, name)] = np.full(rows, np.nan)
    # Named after the renderer it stands for, never after a Bokeh id: ids count up across
    # the whole process, so a name made from one would change with the order widgets
    # are built in (and with the worker that builds them).
    still = GlyphRenderer(data_source=ColumnDataSource(copy), glyph=glyph, visible=False,
                          name=f"legend_key_{renderer.name}" if renderer.name else "legend_key")
    plot.renderers.append(still)
    return still


def signed(v: float, digits: int) -> str:
    """+1.250 or −1.250 as the widgets' JavaScript prints it: (v < 0 ? "" : "+") +
    v.toFixed(digits) with a minus sign (−0 prints as +0, as in JavaScript)."""
    v = float(v) + 0.0
    return ("" if v < 0 else "+") + f"{v:.{digits}f}".replace("-", "−")
