"""Static figures of lesson three's widgets (margin explorer, softmax cross-entropy,
class-imbalance lab): the engine-drawn SVG of each opening state and a sentence for
readers without JavaScript. ``lossdocs.site.figures.FIGURES`` lists them."""

from __future__ import annotations

import numpy as np

from lossdocs.site import svg
from lossdocs.widgets import imbalance as iw
from lossdocs.widgets import margin as mw
from lossdocs.widgets import softmax as sw


def margin_explorer() -> tuple[str, str]:
    """The five curves against the logit for label 1, with the confident zones marked."""
    curves = mw.curves_for(mw.DEFAULT_LABEL)
    dashes = {"solid": False}
    chart = svg.Chart(
        title="Classification losses against the logit z, label y = 1; confidently wrong left of "
              "z = −2, confidently right beyond z = 2",
        xlabel="logit z", ylabel="loss", xlim=(float(mw.Z[0]), float(mw.Z[-1])), ylim=mw.Y_LOSS,
        series=[svg.Series(mw.Z, curves[name][0], label, color, dashed=dashes.get(dash, True),
                           width=3 if name in ("bce", "focal") else 2.5)
                for name, label, color, dash in mw.CURVES],
        # The confident zones' edges, named in the title rather than the (full) key.
        vlines=[(-mw.CONFIDENT, mw.WRONG_COLOR, ""), (mw.CONFIDENT, mw.RIGHT_COLOR, "")],
        width=760, height=340,
    )
    bce_far = float(curves["bce"][0][-1])
    text = (
        "The margin explorer opens with the label y = 1 and the logit z on the horizontal axis. "
        f"Binary cross-entropy falls from {float(curves['bce'][0][0]):.1f} at z = −8 towards zero but is still "
        f"{bce_far:.1e} at z = 8; the hinge reaches exactly zero at z = 1; focal loss (γ = 2, α = 0.25) lies "
        "far below cross-entropy on the right-hand side; squared error on σ(z) stays below 1 everywhere. "
        "Left of z = −2 the model is confidently wrong, right of z = 2 confidently right. With JavaScript "
        "on you can change the label, γ and α, switch the axis to p = σ(z), and read the gradients."
    )
    return svg.render(chart, text), text


def softmax_ce() -> tuple[str, str]:
    """Bars of the opening preset's probabilities and gradients."""
    preset = sw.PRESETS[sw.DEFAULT_PRESET][1]
    shown = sw.state(sw.preset_logits(preset), sw.DEFAULT_TRUE, 0.0)
    xs = np.arange(3, dtype=float)

    def bars(values, color, true_color=None):
        return [svg.Series(np.array([x, x]), np.array([0.0, v]), "", true_color if (true_color and i == 0) else color,
                           width=46) for i, (x, v) in enumerate(zip(xs, values))]

    probs = svg.Chart(
        title="Probabilities: cat, dog, bird", xlabel="class (0 cat, 1 dog, 2 bird)", ylabel="p",
        xlim=(-0.6, 2.6), ylim=(0.0, 1.0), width=420, height=300,
        series=bars(shown["p"], sw.PROB_COLOR, sw.TRUE_COLOR),
    )
    grads = svg.Chart(
        title="Gradient p − one-hot", xlabel="class (0 cat, 1 dog, 2 bird)", ylabel="∂loss/∂z",
        xlim=(-0.6, 2.6), ylim=(-1.0, 1.0), width=420, height=300,
        series=bars(shown["grad"], sw.GRAD_COLOR),
    )
    text = (
        f"The softmax widget opens on probabilities {', '.join(f'{p:g}' for p in preset)} for cat, dog and "
        f"bird with cat the true class: the cross-entropy is {shown['loss_index']:.3f} from the class index "
        f"and {shown['loss_onehot']:.3f} from the one-hot vector, and the gradients on the three logits are "
        f"{', '.join(f'{g:+.1f}' for g in shown['grad'])}. With JavaScript on you can move each logit, pick "
        "the true class, add label smoothing and switch to the second preset."
    )
    return svg.pair(svg.render(probs, text), svg.render(grads, text)), text


def imbalance_lab() -> tuple[str, str]:
    """The data, plain BCE's fitted curve and its decision point."""
    atlas = iw.imbalance_atlas()
    fit = atlas["fits"][iw.fit_key("bce_logits", {"pos_weight": 1.0})]
    x, y = np.asarray(atlas["x"]), np.asarray(atlas["y"])
    grid = np.asarray(atlas["grid"], dtype=float)
    jitter = np.asarray(atlas["jitter"])
    chart = svg.Chart(
        title="380 negatives, 20 positives, and the plain-BCE fit", xlabel="feature x",
        ylabel="label / predicted p", xlim=(float(grid[0]), float(grid[-1])), ylim=(-0.12, 1.12), height=320,
        series=[svg.Series(x[y == 0], (y + jitter)[y == 0], "negatives", iw.NEG_COLOR, points=True, width=2.5),
                svg.Series(x[y == 1], (y + jitter)[y == 1], "positives", iw.POS_COLOR, points=True, width=3),
                svg.Series(grid, np.asarray(fit["curve"], float), "fitted p", iw.FIT_COLOR, width=3)],
        vlines=[(fit["threshold"], iw.CUT_COLOR, "p = 0.5")],
    )
    text = (
        f"The class-imbalance lab opens on plain binary cross-entropy fitted to {atlas['n'] - atlas['n_pos']} "
        f"negatives and {atlas['n_pos']} positives: the probability crosses 0.5 at x = {fit['threshold']:.2f}, "
        f"accuracy is {100 * fit['accuracy']:.1f}%, and {fit['true_positive']} of the {atlas['n_pos']} "
        f"positives are found (recall {100 * fit['recall']:.0f}%). With JavaScript on you can weight the "
        "positives or switch to focal loss and watch the decision point, recall and precision move."
    )
    return svg.render(chart, text), text
