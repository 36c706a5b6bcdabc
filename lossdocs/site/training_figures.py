"""Static figures of lesson five's widgets (training curves, ...): the engine-drawn SVG
of each opening state and a sentence for readers without JavaScript.
``lossdocs.site.figures.FIGURES`` lists them."""

from __future__ import annotations

import numpy as np

from lossdocs import training
from lossdocs.site import svg
from lossdocs.widgets import outlier as ow
from lossdocs.widgets import reduction as rw
from lossdocs.widgets import training as tw


def training_curves() -> tuple[str, str]:
    """Log-log loss curves of the opening run, and its final fit over the points."""
    d = tw.DEFAULT
    run = tw.runs()[tuple(d[k] for k in tw.KEYS)]
    data = training.data(d["n_train"], d["noise"])
    epochs = np.log10(run.epochs.astype(np.float64))
    best = run.best_epoch
    lo, hi = (float(np.log10(v)) for v in tw.LOSS_RANGE)
    curves = svg.Chart(
        title="Training and validation MSE against epoch (both log10)", xlabel="log10 epoch",
        ylabel="log10 MSE", xlim=(0.0, float(epochs[-1])), ylim=(lo, hi), width=420, height=320,
        series=[svg.Series(epochs, np.log10(run.train_loss), "training", tw.TRAIN_COLOR),
                svg.Series(epochs, np.log10(run.val_loss), "validation", tw.VAL_COLOR)],
        vlines=[(float(epochs[best]), tw.BEST_COLOR, "")],
    )
    fit = svg.Chart(
        title=f"The fitted curve after epoch {int(run.epochs[-1])}", xlabel="x", ylabel="y",
        xlim=(-1.05, 1.05), ylim=(-2.6, 2.6), width=420, height=320,
        series=[svg.Series(training.SNAP_X, training.target(training.SNAP_X), "sin(πx)", tw.TRUE_COLOR, dashed=True,
                           width=2),
                svg.Series(training.SNAP_X, run.snapshots[-1], "network", tw.TRAIN_COLOR, width=3),
                svg.Series(data.x, data.y, "training points", tw.TRAIN_COLOR, points=True, width=4)],
    )
    text = (
        f"The training-curves widget opens on a network with {d['hidden']} tanh units trained on "
        f"{d['n_train']} points with label noise σ = {d['noise']:g} and no weight decay. The training "
        f"loss falls to {run.train_loss[-1]:.3f} by epoch {int(run.epochs[-1])}, while the validation "
        f"loss is lowest, {run.val_loss[best]:.3f}, at epoch {int(run.epochs[best])} (the green line, "
        f"where early stopping would stop) and ends at {run.val_loss[-1]:.3f}: the network has learnt "
        "the noise. With JavaScript on you can change the capacity, the number of points, the noise "
        "and the weight decay, and scrub or play the epochs."
    )
    return svg.pair(svg.render(curves, text), svg.render(fit, text)), text


def reduction_explorer() -> tuple[str, str]:
    """The opening batch's weighted losses as bars, and the reduced loss against the
    batch size for 'mean' and 'sum' (log10 on a linear axis)."""
    atlas = rw.reduction_atlas()
    d = rw.DEFAULT
    kind, wt, size = d["batch"], d["weights"], d["size"]
    shown = atlas["shown"][f"{kind}|{wt}"][:size].astype(np.float64)
    labels = atlas[f"{kind}_label"][:size]
    first, second = rw.titles(atlas, kind, d["reduction"], wt, size)
    bars = svg.Chart(
        title=first, xlabel="example in the batch", ylabel="its loss (× weight)", xlim=(0.4, rw.N + 0.6),
        ylim=(0.0, rw.top(atlas, kind, wt)), width=420, height=300,
        series=[svg.Series(np.array([i + 1.0, i + 1.0]), np.array([0.0, v]), "", rw.CLASS_COLORS[c], width=9)
                for i, (v, c) in enumerate(zip(shown, labels))],
    )
    sizes = np.arange(1, rw.N + 1, dtype=np.float64)
    series = {r: np.log10([rw.at(atlas, "value", kind, r, wt, int(s)) for s in sizes]) for r in ("mean", "sum")}
    lines = svg.Chart(
        title="The reduced loss against the batch size (log10)", xlabel="batch size", ylabel="log10 loss",
        xlim=(0.5, rw.N + 0.5), ylim=(-1.0, 2.0), width=420, height=300,
        series=[svg.Series(sizes, series["mean"], "'mean'", rw.MEAN_COLOR),
                svg.Series(sizes, series["sum"], "'sum'", rw.SUM_COLOR)],
    )
    full_sum = rw.at(atlas, "value", kind, "sum", wt, rw.N)
    text = (
        f"The reduction explorer opens on a batch of {size} three-class examples with class weights on. "
        f"{first}; {second}. Against the batch size, 'sum' climbs to {full_sum:.1f} at {rw.N} examples "
        "while 'mean' stays level. With JavaScript on you can switch to a regression batch, to 'sum' "
        "or 'none', turn the weights off, and change the batch size."
    )
    return svg.pair(svg.render(bars, text), svg.render(lines, text)), text


def outlier_lab() -> tuple[str, str]:
    """The opening data with every loss's fitted line, and the chosen loss's pulls."""
    atlas = ow.outlier_atlas()
    d = ow.DEFAULT
    x, y = ow.data(d["place"], d["height"])
    n = atlas["n_points"]
    series = []
    for loss, label in ow.LOSSES:
        i = ow._slot(atlas, d["place"], d["height"], ow.variant_index(loss, d["delta"], d["alpha"]))
        series.append(svg.Series(np.array(ow.X_RANGE), atlas["ends"][2 * i:2 * i + 2].astype(np.float64), label,
                                 ow.COLORS[loss], dashed=ow.DASHES[loss] != "solid",
                                 width=4 if loss == d["loss"] else 2))
    series += [svg.Series(x[:-1], y[:-1], "points", ow.POINT_COLOR, points=True, width=4),
               svg.Series(x[-1:], y[-1:], "outlier", ow.OUTLIER_COLOR, points=True, width=7)]
    lines = svg.Chart(title="Lines fitted by each loss to the 13 points", xlabel="x", ylabel="y",
                      xlim=ow.X_RANGE, ylim=ow.Y_RANGE, width=420, height=300, series=series)
    i = ow._slot(atlas, d["place"], d["height"], ow.variant_index(d["loss"], d["delta"], d["alpha"]))
    p = atlas["pulls"][i * n:(i + 1) * n].astype(np.float64)
    span = atlas["pull_span"][ow.variant_index(d["loss"], d["delta"], d["alpha"])]
    title = ow.pull_title(atlas, d["place"], d["height"], d["loss"], d["delta"], d["alpha"])
    bars = svg.Chart(title=title, xlabel="x of the point", ylabel="pull ∂ℓ/∂ŷ", xlim=ow.X_RANGE, ylim=(-span, span),
                     width=420, height=300,
                     series=[svg.Series(np.array([xi, xi]), np.array([0.0, pi]), "",
                                        ow.OUTLIER_COLOR if k == n - 1 else ow.POINT_COLOR, width=9)
                             for k, (xi, pi) in enumerate(zip(x, p))])
    text = (
        f"The outlier lab opens with twelve points near the line y = 0.5 x + 1 and one outlier "
        f"{d['height']:g} above it {dict((k, t) for k, t, _ in ow.PLACES)[d['place']]}. {title}: "
        "under MSE the one far point pulls as hard as "
        "all the others together, so the MSE line tilts towards it, while the MAE, Huber, log-cosh and "
        "Barron lines stay with the twelve. With JavaScript on you can move the outlier, and show the "
        "pulls of each loss, with Huber's δ and Barron's α."
    )
    return svg.pair(svg.render(lines, text), svg.render(bars, text)), text
