"""Shared look of the widgets: stylesheets that make Bokeh's controls and toolbars
follow the page's light or dark palette (Material's CSS variables reach into each
widget's shadow root)."""

from __future__ import annotations

from pathlib import Path

from bokeh.models import InlineStyleSheet

HERE = Path(__file__).parent

# Bokeh draws the lines between toolbar buttons in a fixed light grey; use the page's.
TOOLBAR_CSS = (
    ":host { --divider-color: var(--md-default-fg-color--lightest, #d7d7d8); }\n"
    ".bk-divider { background-color: var(--md-default-fg-color--lighter, #d3d3d3); }"
)


def controls() -> InlineStyleSheet:
    """The stylesheet of every select, slider and readout (``theme.css``)."""
    return InlineStyleSheet(css=(HERE / "theme.css").read_text(encoding="utf-8"))


def toolbar(plot) -> None:
    """Give ``plot``'s toolbar the page's divider colour."""
    plot.toolbar.stylesheets = [InlineStyleSheet(css=TOOLBAR_CSS)]
