"""Widget builders: engine arrays -> Bokeh models, one module per widget.

Data flow: engine (losses, curves, landscape, ...) -> **widget builders** -> site.

``WIDGETS`` is the one dispatch table that page markers resolve against: a
marker ``<!-- widget: loss-explorer -->`` builds ``WIDGETS["loss-explorer"]``.
Each entry has ``build()`` (a Bokeh layout). The static figure of its opening
state is drawn by ``lossdocs.site.figures`` (the site layer owns the SVG).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from lossdocs.widgets import (
    boxes,
    contrastive,
    descent,
    explorer,
    imbalance,
    landscape,
    margin,
    outlier,
    reduction,
    softmax,
    style,
    training,
    triplet,
)


@dataclass(frozen=True)
class Widget:
    name: str
    build: Callable[[], object]
    # The live widget's height in px on wide and on narrow (< 700 px) screens, which
    # the page reserves for it so that the swap from static figure shifts nothing.
    # Measured in Chromium; tests/test_phone.py checks them.
    heights: tuple[int, int]
    # Takes seconds to build (a training grid, hundreds of fits, a grid of paths): a
    # clean build starts it before the others, so the longest builds run from the start.
    heavy: bool = False

    def __post_init__(self):
        # Every widget's legends read still copies of their renderers, so that a
        # data change does not rebuild them (see style.still_legends).
        object.__setattr__(self, "build", style.with_still_legends(self.build))


WIDGETS: dict[str, Widget] = {
    "loss-explorer": Widget("loss-explorer", explorer.build, (877, 1039)),
    "loss-landscape": Widget("loss-landscape", landscape.build, (477, 923), heavy=True),
    "descent": Widget("descent", descent.build, (615, 1163), heavy=True),
    "margin-explorer": Widget("margin-explorer", margin.build, (783, 875)),
    "softmax-ce": Widget("softmax-ce", softmax.build, (510, 915)),
    "imbalance-lab": Widget("imbalance-lab", imbalance.build, (495, 901)),
    "training-curves": Widget("training-curves", training.build, (413, 764), heavy=True),
    "outlier-lab": Widget("outlier-lab", outlier.build, (635, 680), heavy=True),
    "contrastive": Widget("contrastive", contrastive.build, (566, 611)),
    "triplet": Widget("triplet", triplet.build, (493, 485)),
    "boxes": Widget("boxes", boxes.build, (386, 687)),
    "reduction-explorer": Widget("reduction-explorer", reduction.build, (337, 659)),
}


def get(name: str) -> Widget:
    try:
        return WIDGETS[name]
    except KeyError:
        raise ValueError(
            f"unknown widget {name!r}; known widgets: {', '.join(sorted(WIDGETS))}"
        ) from None
