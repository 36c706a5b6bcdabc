"""Widget builders: engine arrays -> Bokeh models, one module per widget.

Data flow: losses -> curves -> **widget builders** -> embedding -> hook.

``WIDGETS`` is the one dispatch table that page markers resolve against: a
marker ``<!-- widget: loss-explorer -->`` builds ``WIDGETS["loss-explorer"]``.
Each entry has ``build()`` (a Bokeh layout) and ``fallback()`` (an SVG string
and a text description of the opening state, for readers without JavaScript).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from lossdocs.widgets import explorer, landscape


@dataclass(frozen=True)
class Widget:
    name: str
    build: Callable[[], object]
    fallback: Callable[[], tuple[str, str]]


WIDGETS: dict[str, Widget] = {
    "loss-explorer": Widget("loss-explorer", explorer.build, explorer.fallback),
    "loss-landscape": Widget("loss-landscape", landscape.build, landscape.fallback),
}


def get(name: str) -> Widget:
    try:
        return WIDGETS[name]
    except KeyError:
        raise ValueError(
            f"unknown widget {name!r}; known widgets: {', '.join(sorted(WIDGETS))}"
        ) from None
