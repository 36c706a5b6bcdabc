"""Shared look of the widgets: stylesheets that make Bokeh's controls and toolbars
follow the page's light or dark palette (Material's CSS variables reach into each
widget's shadow root)."""

from __future__ import annotations

from pathlib import Path

from bokeh.models import CustomJS, Div, InlineStyleSheet, Pane, Toggle

HERE = Path(__file__).parent

# Bokeh draws the lines between toolbar buttons in a fixed light grey; use the page's.
TOOLBAR_CSS = (
    ":host { --divider-color: var(--md-default-fg-color--lightest, #d7d7d8); }\n"
    ".bk-divider { background-color: var(--md-default-fg-color--lighter, #d3d3d3); }"
)


def controls() -> InlineStyleSheet:
    """The stylesheet of every select, slider and readout (``theme.css``)."""
    return InlineStyleSheet(css=(HERE / "theme.css").read_text(encoding="utf-8"))


def readout_box(readout: Div) -> Pane:
    """``readout`` (a Div whose text the widget rewrites on every change), set apart
    from the widget's Bokeh layout. Inside the layout each new text makes BokehJS lay
    out the whole widget again: it re-measures every axis's tick labels and reads the
    page's style for each, about 5 ms per change on a desktop CPU, before the plots can
    repaint. In a Pane the Div is its own layout root and only it is measured. Give the
    Div a fixed height, so that its text never changes the widget's size."""
    if readout.height is None:
        raise ValueError(f"readout {readout.name!r}: give it a fixed height (got height=None)")
    return Pane(elements=[readout])


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


def play_toggle(scrubber, interval: int, name: str = "play_toggle") -> Toggle:
    """A play/pause button that moves ``scrubber`` one notch every ``interval`` ms (``play.js``)."""
    play = Toggle(label=PLAY_LABEL, active=False, width=96, name=name,
                  stylesheets=[controls(), InlineStyleSheet(css=BUTTON_CSS)])
    play.js_on_change("active", CustomJS(
        args=dict(play=play, sl_step=scrubber, labels=[PLAY_LABEL, PAUSE_LABEL], interval=interval),
        code=(HERE / "play.js").read_text(encoding="utf-8")))
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


def legend(plot, location: str = "top_left", orientation: str = "vertical") -> None:
    """A quiet legend: transparent, borderless, 11 px labels."""
    plot.legend.location = location
    plot.legend.orientation = orientation
    plot.legend.background_fill_alpha = 0
    plot.legend.border_line_alpha = 0
    plot.legend.label_text_font_size = "11px"


def signed(v: float, digits: int) -> str:
    """+1.250 or −1.250 as the widgets' JavaScript prints it: (v < 0 ? "" : "+") +
    v.toFixed(digits) with a minus sign (−0 prints as +0, as in JavaScript)."""
    v = float(v) + 0.0
    return ("" if v < 0 else "+") + f"{v:.{digits}f}".replace("-", "−")
