"""Static figures: the engine-drawn SVG of each widget's opening state.

Data flow: engine -> widget builders -> **site**. Every widget slot shows its figure
at once (prerendered), before BokehJS hydrates the live widget in its place; it is
also what a reader without JavaScript sees. ``FIGURES`` has one entry per key of
``lossdocs.widgets.WIDGETS`` (a test checks it); each returns ``(svg_html, text)``.
"""

from __future__ import annotations

import numpy as np

from lossdocs import curves, descent, landscape
from lossdocs.site import beyond_figures, classification_figures, svg, training_figures
from lossdocs.widgets import descent as dw
from lossdocs.widgets import explorer as ex
from lossdocs.widgets import landscape as lw


def explorer(primary: str = ex.DEFAULT_PRIMARY, overlay: str = ex.DEFAULT_OVERLAY) -> tuple[str, str]:
    """Static picture of the opening state and a sentence describing it (no-JS readers)."""
    atlas = curves.explorer_atlas()
    state = ex.default_state(atlas, primary, overlay)
    kind = atlas["axes"][state["axis"]]["kind"]
    label = {n: atlas["losses"][n]["label"] for n in atlas["losses"]}
    names = list(state["curves"])
    x = atlas["axes"][state["axis"]]["x"]
    colors = [ex.PRIMARY_COLOR, ex.OVERLAY_COLOR]
    chart = svg.Chart(
        title=f"{' and '.join(label[n] for n in names)} against the prediction, true value {state['target']:g}",
        xlabel="prediction ŷ" if kind == "regression" else "predicted probability p",
        ylabel="loss", xlim=(float(x[0]), float(x[-1])), ylim=tuple(ex.VIEWS[kind]["y"]),
        series=[svg.Series(x, state["curves"][n][1], label[n], c, dashed=i > 0)
                for i, (n, c) in enumerate(zip(names, colors))],
        vlines=[(state["target"], ex.TARGET_COLOR, "true value")],
    )
    text = (
        f"The explorer opens with the true value at y = {state['target']:g}. "
        f"The {label[names[0]]} curve is a parabola with its lowest point, zero, at the true value; "
        f"the {label[names[1]]} curve is a V with the same lowest point. The two cross where the error "
        "is exactly 1: closer than that the squared error is the smaller penalty, further away it "
        "grows much faster than the absolute error. With JavaScript on, you can move the true value, "
        "switch losses, change Huber's delta and read the gradient underneath."
    )
    return svg.render(chart, desc=text), text

def landscape_widget(preset_name: str = lw.DEFAULT_PRESET) -> tuple[str, str]:
    """Static landscape and fit of the opening state, and a description (no-JS readers)."""
    preset = landscape.PRESETS[preset_name]
    name, params = landscape.LOSS_CHOICES[lw.DEFAULT_CHOICE]
    label = landscape.choice_label(name, params)
    w, b = landscape.axes(preset, 81)  # coarse: it is a picture, not the data
    grid = landscape.loss_grid(name, preset.x, preset.y, w, b, **params)
    codes = lw.decode_grid(lw.encode_grid(grid)[0])
    palette = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in lw.PALETTE], np.uint8)
    rgb = palette[codes][::-1]  # first PNG row is the top: the largest b
    levels = landscape.contour_levels(grid)
    cont = lw.contour_paths(grid, w, b, levels)
    wm, bm, lm = landscape.minimum(name, preset, **params)
    (ws, bs), (w0, w1), (b0, b1) = preset.start, preset.w_range, preset.b_range
    heat = svg.Chart(
        title=f"{label} landscape for “{preset.label}”", xlabel="w (weight)", ylabel="b (bias)",
        xlim=(w0, w1), ylim=(b0, b1), width=420, height=360, image=svg.png_data_uri(rgb),
        series=[svg.Series(cont["x"], cont["y"], "contours", "#ffffff", width=1.2),
                svg.Series(np.array([ws]), np.array([bs]), "start", lw.START_COLOR, points=True, width=6),
                svg.Series(np.array([wm]), np.array([bm]), "minimum", lw.MIN_COLOR, points=True, width=6)],
    )
    cx = np.linspace(preset.x.min(), preset.x.max(), lw.FIT_POINTS)
    yhat = np.tanh(ws * preset.x + bs)
    fit = svg.Chart(
        title=f"Fit at the start (w = {ws:g}, b = {bs:g})", xlabel="x (input)", ylabel="y",
        xlim=(float(cx[0]), float(cx[-1])),
        ylim=(min(-1.1, preset.y.min() - 0.2), max(1.1, preset.y.max() + 0.2)), width=420, height=360,
        series=[svg.Series(cx, np.tanh(ws * cx + bs), "tanh(w x + b)", lw.FIT_COLOR),
                svg.Series(preset.x, preset.y, "targets", lw.TARGET_COLOR, points=True, width=4)],
        segments=[(x, y, x, p, lw.RESIDUAL_COLOR) for x, y, p in zip(preset.x, preset.y, yhat)],
    )
    start_loss = landscape.loss_at(name, preset.x, preset.y, ws, bs, **params)
    text = (
        f"The landscape opens on “{preset.label}” with {label}. Dark colours are low loss; the "
        f"contour lines are drawn at L = {', '.join(f'{v:g}' for v in levels)}. The white dot is the "
        f"start, w = {ws:g} and b = {bs:g}, where L = {start_loss:.3g}; the yellow star is the minimum, "
        f"w = {wm:.3f} and b = {bm:.3f}, where L = {lm:.2g}. On the right, the fit at the start misses "
        "the targets, and the orange segments are its residuals. With JavaScript on, you can click "
        "anywhere on the map to move the fit there, and switch targets and losses."
    )
    return svg.pair(svg.render(heat, text), svg.render(fit, text)), text


def descent_widget() -> tuple[str, str]:
    """Static map with the opening state's descent path, its loss against the step
    (log10 on a linear axis), and a description (no-JS readers)."""
    d = dw.DEFAULT
    preset = dw.window_preset(d["preset"])
    _, name, params = next(c for c in dw.LOSSES if c[0] == d["loss"])
    label = landscape.choice_label(name, params)
    start = dict((k, wb) for k, _, wb in dw.STARTS[d["preset"]])[d["start"]]
    lr = dw.LRS[d["lr"]]
    traj = descent.trajectory(name, preset.x, preset.y, start, d["optimizer"], lr=lr, steps=dw.STEPS,
                              loss_params=params)
    w, b = landscape.axes(preset, 81)  # coarse: it is a picture, not the data
    grid = landscape.loss_grid(name, preset.x, preset.y, w, b, **params)
    codes = lw.decode_grid(lw.encode_grid(grid)[0])
    palette = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in lw.PALETTE], np.uint8)
    wm, bm, _ = landscape.minimum(name, preset, **params)
    (w0, w1), (b0, b1) = preset.w_range, preset.b_range
    optimizer = dw.OPTIMIZER_LABELS[d["optimizer"]]
    heat = svg.Chart(
        title=f"{optimizer}, η = {lr:g}, on the {label} landscape of “{preset.label}”",
        xlabel="w (weight)", ylabel="b (bias)", xlim=(w0, w1), ylim=(b0, b1), width=420, height=360,
        image=svg.png_data_uri(palette[codes][::-1]),
        series=[svg.Series(traj.path[:, 0], traj.path[:, 1], "path", dw.PATH_COLOR, width=2.5),
                svg.Series(np.array([start[0]]), np.array([start[1]]), "start", lw.START_COLOR, points=True,
                           width=6),
                svg.Series(np.array([wm]), np.array([bm]), "minimum", lw.MIN_COLOR, points=True, width=6)],
    )
    steps = np.arange(dw.STEPS + 1, dtype=np.float64)
    lg = np.log10(np.maximum(traj.loss, dw.LOSS_FLOOR))
    chart = svg.Chart(
        title="Loss against step (log10 L)", xlabel="step", ylabel="log10 L", xlim=(0.0, float(dw.STEPS)),
        ylim=(float(np.floor(lg.min())), float(np.ceil(lg.max()))), width=420, height=360,
        series=[svg.Series(steps, lg, "log10 L", dw.LINE_COLOR)],
    )
    final = traj.path[-1]
    text = (
        f"The descent widget opens on “{preset.label}” with {label}: {optimizer} with learning rate "
        f"{lr:g}, full batch, from w = {start[0]:g}, b = {start[1]:g}, where L = {traj.loss[0]:.3g}. "
        f"After {dw.STEPS} steps the path ends at w = {final[0]:.3f}, b = {final[1]:.3f}, next to the "
        f"minimum (the yellow star), with L = {traj.loss[-1]:.2g}; the loss falls steadily on a log "
        "scale. With JavaScript on, you can change the learning rate, optimiser, start, loss and "
        "target points, compare two optimisers, and scrub or play the steps."
    )
    return svg.pair(svg.render(heat, text), svg.render(chart, text)), text


FIGURES = {
    "loss-explorer": explorer,
    "loss-landscape": landscape_widget,
    "descent": descent_widget,
    "margin-explorer": classification_figures.margin_explorer,
    "softmax-ce": classification_figures.softmax_ce,
    "imbalance-lab": classification_figures.imbalance_lab,
    "training-curves": training_figures.training_curves,
    "reduction-explorer": training_figures.reduction_explorer,
    "outlier-lab": training_figures.outlier_lab,
    "contrastive": beyond_figures.contrastive,
    "triplet": beyond_figures.triplet,
    "boxes": beyond_figures.boxes,
}


def figure(name: str) -> tuple[str, str]:
    """The static figure (SVG markup) and its description for widget ``name``."""
    try:
        make = FIGURES[name]
    except KeyError:
        raise ValueError(f"unknown widget {name!r}; figures exist for: {', '.join(sorted(FIGURES))}") from None
    return make()
