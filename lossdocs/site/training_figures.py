"""Static figures of lesson five's widgets (training curves, ...): the engine-drawn SVG
of each opening state and a sentence for readers without JavaScript.
``lossdocs.site.figures.FIGURES`` lists them."""

from __future__ import annotations

import numpy as np

from lossdocs import training
from lossdocs.site import svg
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
    return (f'<span class="lossdocs-fallback__pair">{svg.render(curves, text)}{svg.render(fit, text)}</span>',
            text)
