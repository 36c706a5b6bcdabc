"""Static figures of lesson six's widgets (contrastive, triplet, boxes): the engine-drawn
SVG of each opening state and a sentence for readers without JavaScript.
``lossdocs.site.figures.FIGURES`` lists them."""

from __future__ import annotations

import numpy as np

from lossdocs.site import svg
from lossdocs.widgets import boxes as bw
from lossdocs.widgets import contrastive as cw
from lossdocs.widgets import triplet as tw


def contrastive() -> tuple[str, str]:
    """Both pairs' losses and slopes against the distance, at the opening margin."""
    atlas = cw.contrastive_atlas()
    m, dist = cw.DEFAULT["margin"], cw.DEFAULT["distance"]
    n = len(atlas["d"])
    k = cw.MARGINS.index(m)
    d = atlas["d"].astype(np.float64)
    first, second = cw.titles(atlas, m, dist)
    # The loss and its slope: the same two pairs, from atlas["similar"], atlas["dissimilar"] and their "_grad"s.
    loss, grad = (
        svg.Chart(
            title=title, xlabel="distance d", ylabel=ylabel, xlim=(0.0, 3.0), ylim=ylim, width=420, height=300,
            series=[svg.Series(d, atlas[f"similar{key}"].astype(np.float64), "similar pair", cw.SIMILAR_COLOR),
                    svg.Series(d, atlas[f"dissimilar{key}"][k * n:(k + 1) * n].astype(np.float64),
                               "dissimilar pair", cw.DISSIMILAR_COLOR, dashed=True)],
            vlines=[(m, cw.MARGIN_COLOR, "")],
        )
        for title, ylabel, ylim, key in ((first, "loss", (-0.1, 3.2), ""), (second, "slope", (-2.7, 3.2), "_grad"))
    )
    text = (f"The contrastive widget opens with margin m = {m:g}. A similar pair costs ½ d² at every distance; "
            f"a dissimilar pair costs ½ (m − d)² until d reaches the margin (the dotted line) and nothing "
            f"beyond it. {first}. With JavaScript on you can move the margin and the pair's distance.")
    return svg.pair(svg.render(loss, text), svg.render(grad, text)), text


def triplet() -> tuple[str, str]:
    """The plane with the three points, the two rings and the arrows of the opening state."""
    atlas = tw.triplet_atlas()
    d = tw.DEFAULT
    i = tw.index_of(d)
    angle = np.linspace(0.0, 2 * np.pi, 121)
    p, m = d["positive_distance"], d["margin"]
    nx, ny = tw.negative_place(d["negative_distance"], d["negative_angle"])
    starts = [(0.0, 0.0), (p, 0.0), (nx, ny)]
    ends = atlas["ends"][6 * i:6 * i + 6].astype(np.float64)
    series = [svg.Series(r * np.cos(angle), r * np.sin(angle), label, color, dashed=True, width=2)
              for r, label, color in ((p, "d(a, p)", tw.HARD_COLOR), (p + m, "d(a, p) + m", tw.EASY_COLOR))]
    series += [svg.Series(np.array([x0, ends[2 * k]]), np.array([y0, ends[2 * k + 1]]), "", "#444444", width=2)
               for k, (x0, y0) in enumerate(starts)]
    series += [svg.Series(np.array([x]), np.array([y]), label, color, points=True, width=7)
               for (x, y), label, color in zip(starts, ("anchor", "positive", "negative"),
                                               (tw.ANCHOR_COLOR, tw.POSITIVE_COLOR, tw.NEGATIVE_COLOR))]
    chart = svg.Chart(title="; ".join(tw.titles(atlas, i)), xlabel="embedding dimension 1",
                      ylabel="embedding dimension 2",
                      xlim=(-tw.LIMIT, tw.LIMIT), ylim=(-tw.LIMIT, tw.LIMIT), width=480, height=480, series=series)
    text = (f"The triplet widget opens with the anchor at the origin, the positive at distance {p:g} and the "
            f"negative at distance {d['negative_distance']:g} in a direction {d['negative_angle']}° from the "
            f"positive's, with margin "
            f"{m:g}. Inside the inner ring a negative is hard, between the rings semi-hard, outside them easy. "
            f"{'; '.join(tw.titles(atlas, i))}; the lines from each point show its step against the gradient. With "
            "JavaScript on you can move the points, change the margin, and tap to place the negative.")
    return svg.render(chart, text), text


def boxes() -> tuple[str, str]:
    """The target, the opening prediction and their enclosing box, and the three losses
    against the horizontal offset."""
    atlas = bw.boxes_atlas()
    d = bw.DEFAULT
    first, second = bw.titles(atlas, d["x_offset"], d["y_offset"], d["size"])

    def outline(b, label, color, dashed=False):
        x1, y1, x2, y2 = (float(v) for v in b)
        return svg.Series(np.array([x1, x2, x2, x1, x1]), np.array([y1, y1, y2, y2, y1]), label, color,
                          dashed=dashed, width=2.5)

    pred = bw.pred_box(d["x_offset"], d["y_offset"], d["size"])
    hull = (min(pred[0], bw.TARGET[0]), min(pred[1], bw.TARGET[1]), max(pred[2], bw.TARGET[2]),
            max(pred[3], bw.TARGET[3]))
    plane = svg.Chart(title=first, xlabel="x", ylabel="y", xlim=(-4.8, 6.8), ylim=(-3.8, 5.8), width=420,
                      height=360, series=[outline(hull, "enclosing box", "#888888", True),
                                          outline(bw.TARGET, "target", bw.TARGET_COLOR),
                                          outline(pred, "prediction", bw.PRED_COLOR)])
    start = bw.row_of(d["y_offset"], d["size"])
    dx = np.array(bw.DX)
    curves = svg.Chart(title="The three losses against the horizontal offset", xlabel="horizontal offset",
                       ylabel="loss", xlim=(dx[0], dx[-1]), ylim=(-0.05, 3.7), width=420, height=360,
                       series=[svg.Series(dx, atlas[k][start:start + dx.size].astype(np.float64), label, bw.COLORS[k],
                                          dashed=bw.DASHES[k] != "solid") for k, label in bw.NAMES],
                       vlines=[(d["x_offset"], "#888888", "")])
    text = (f"The box widget opens with a predicted square of side {d['size']:g} offset by {d['x_offset']:g} and "
            f"{d['y_offset']:g} from the centre of the 2 × 2 target: {first}. {second}. Against the horizontal "
            "offset, the IoU loss is flat at 1 once the boxes part while the GIoU loss keeps rising. With "
            "JavaScript on you can slide the prediction and change its size.")
    return svg.pair(svg.render(plane, text), svg.render(curves, text)), text
