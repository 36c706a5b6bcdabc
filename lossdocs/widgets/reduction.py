"""The reduction explorer: how a batch of per-example losses becomes the one number
that ``backward()`` differentiates, and what that does to the gradient.

Data flow: training (batches, reduce, reduce_weights), losses, classification
(cross_entropy) -> **widget builders** -> embedding -> hook.

What the reader learns: with ``reduction='sum'`` the loss (and the gradient) grows with
the batch, so a learning rate tuned for 8 examples is four times too large for 32;
``'mean'`` stays put whatever the batch size. ``'none'`` returns one loss per example,
which is not yet a number to step on. With class weights, PyTorch's weighted ``'mean'``
divides by the sum of the weights of the examples in the batch, not by N: the widget
shows both divisions and the difference. Every number is the engine's, computed at
build time for every batch size; the page only picks one.
"""

from __future__ import annotations

import functools

import numpy as np
from bokeh.layouts import column, row
from bokeh.models import ColumnDataSource, CustomJS, InlineStyleSheet, PrintfTickFormatter, Select, Slider, Span, Title
from bokeh.plotting import figure

from lossdocs import classification, losses, training
from lossdocs.widgets import style
from lossdocs.widgets.code import js

N = 32
CLASS_WEIGHTS = (1.0, 4.0, 4.0)   # the rare classes 1 and 2 count four times
BATCHES = (("regression", "Regression (MSE)"), ("classification", "3 classes (cross-entropy)"))
REDUCTIONS = (("mean", "mean"), ("sum", "sum"), ("none", "none"))
WEIGHTS = (("off", "off"), ("on", "on: " + ", ".join(f"{w:g}" for w in CLASS_WEIGHTS)))
DEFAULT = {"batch": "classification", "reduction": "mean", "weights": "on", "size": 16}
CLASS_COLORS = ("#0072B2", "#D55E00", "#009E73")
MEAN_COLOR, SUM_COLOR, NOW_COLOR = "#0072B2", "#D55E00", "#888888"
WRAP = ":host { flex-wrap: wrap !important; row-gap: 6px; }"


@functools.cache  # one batch of each kind, shared by every setting of the atlas
def batch(kind: str) -> dict:
    """Per-example losses, their weights (1 unless class-weighted) and the per-example
    gradient of each loss with respect to the model's output, for one batch kind.
    Cached, so its arrays are read-only."""
    if kind == "regression":
        pred, y = training.regression_batch(N)
        mse = losses.get("mse")
        per = mse.value(pred, y)
        out = {"per": per, "grad": mse.grad(pred, y)[:, None], "label": np.zeros(N, dtype=int),
               "weighted": False}
    else:
        logits, labels = training.classification_batch(N)
        per = classification.cross_entropy(logits, labels, reduction="none")
        # d ℓ_i / d logits_i (one row per example): the 'none' gradient without weights
        grad = classification.cross_entropy_grad(logits, labels, reduction="none")
        out = {"per": per, "grad": grad, "label": labels, "weighted": True, "logits": logits}
    for value in out.values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return out


def state(kind: str, reduction: str, weights: str, size: int) -> dict:
    """The engine's numbers for one setting: the reduced loss (None for 'none'), the
    divisor of a mean, the gradient over the batch (reduce_weights' factors times each
    example's gradient; tests check it against the engine's weighted cross_entropy_grad)
    and its norm, and each example's shown loss."""
    b = batch(kind)
    n = size
    per = b["per"][:n]
    w = np.asarray(CLASS_WEIGHTS)[b["label"][:n]] if (b["weighted"] and weights == "on") else None
    shown = training.reduce(per, "none", w)
    factors = training.reduce_weights(n if w is None else w, reduction)
    grad = factors[:, None] * b["grad"][:n]
    value = None if reduction == "none" else training.reduce(per, reduction, w)
    return {"value": value, "divisor": float(n if w is None else w.sum()) if reduction == "mean" else None,
            "sum": float(shown.sum()), "grad": grad, "grad_norm": float(np.linalg.norm(grad)), "shown": shown,
            "mean_by_n": float(shown.sum() / n)}


@functools.cache  # built once per build: the widget and its static figure share it
def reduction_atlas() -> dict:
    """Every setting's numbers, as flat float arrays indexed (kind, reduction, weights, size-1)."""
    out = {"kinds": [k for k, _ in BATCHES], "reductions": [r for r, _ in REDUCTIONS],
           "weights": [w for w, _ in WEIGHTS], "n": N, "class_weights": list(CLASS_WEIGHTS)}
    values, divisors, sums, grads, by_n = [], [], [], [], []
    shown = {}
    for kind in out["kinds"]:
        b = batch(kind)
        out[f"{kind}_label"] = b["label"].astype(np.int32)
        for red in out["reductions"]:
            for wt in out["weights"]:
                full = state(kind, red, wt, N)
                shown[f"{kind}|{wt}"] = full["shown"].astype(np.float32)
                for size in range(1, N + 1):
                    s = state(kind, red, wt, size)
                    values.append(np.nan if s["value"] is None else s["value"])
                    divisors.append(np.nan if s["divisor"] is None else s["divisor"])
                    sums.append(s["sum"])
                    grads.append(s["grad_norm"])
                    by_n.append(s["mean_by_n"])
    out.update(value=np.array(values), divisor=np.array(divisors), total=np.array(sums),
               grad_norm=np.array(grads), mean_by_n=np.array(by_n), shown=shown,
               tops={k: float(v.max()) * 1.15 for k, v in shown.items()})
    # The bar chart's tick labels: three digits and a point at the widest, whatever the top.
    out["formats"] = {k: style.steady_digits(top) for k, top in out["tops"].items()}
    return out


def at(atlas: dict, key: str, kind: str, reduction: str, weights: str, size: int) -> float:
    i = ((atlas["kinds"].index(kind) * 3 + atlas["reductions"].index(reduction)) * 2
         + atlas["weights"].index(weights)) * N + size - 1
    return float(atlas[key][i])


def class_name(kind: str, label: int) -> str:
    return f"class {label}" if kind == "classification" else "example"


def top(atlas: dict, kind: str, weights: str) -> float:
    """The bar chart's height for a batch kind: its largest shown loss, plus room."""
    return atlas["tops"][f"{kind}|{weights}"]


def titles(atlas: dict, kind: str, reduction: str, weights: str, size: int) -> tuple[str, str]:
    """The two readout lines (reduction.js writes the same)."""
    weighted = kind == "classification" and weights == "on"
    total = at(atlas, "total", kind, reduction, weights, size)
    g = f"gradient norm {at(atlas, 'grad_norm', kind, reduction, weights, size):.3f}"
    v = at(atlas, "value", kind, reduction, weights, size)
    if reduction == "none":
        return f"'none': {size} losses, not one number", f"They sum to {total:.3f} · {g} (of that sum)"
    if reduction == "sum":
        return f"'sum' of {size} losses = {total:.3f}", g[0].upper() + g[1:]
    if weighted:
        d = at(atlas, "divisor", kind, reduction, weights, size)
        by_n = at(atlas, "mean_by_n", kind, reduction, weights, size)
        return f"Weighted 'mean' = {total:.3f} / Σw {d:g} = {v:.3f}", f"÷ N = {size} would give {by_n:.3f} · {g}"
    return f"'mean' = {total:.3f} / {size} = {v:.3f}", g[0].upper() + g[1:]


def build():
    """Build the reduction explorer (see the module docstring)."""
    atlas = reduction_atlas()
    theme = style.controls()
    d = DEFAULT
    kind, red, wt, size = d["batch"], d["reduction"], d["weights"], d["size"]
    labels = atlas[f"{kind}_label"]
    shown = atlas["shown"][f"{kind}|{wt}"]
    src_bars = ColumnDataSource({"i": np.arange(1, size + 1), "loss": shown[:size],
                                 "color": [CLASS_COLORS[c] for c in labels[:size]],
                                 "cls": [class_name(kind, c) for c in labels[:size]]}, name="example_losses")
    first, second = titles(atlas, kind, red, wt, size)
    bars = figure(height=260, sizing_mode="stretch_width", min_width=300, x_range=(0.4, N + 0.6),
                  y_range=(0, top(atlas, kind, wt)), tools="",
                  toolbar_location=None, name="bars_plot", title=first, x_axis_label="example in the batch",
                  y_axis_label="its loss (× weight)", background_fill_color=None, border_fill_color=None)
    bars.yaxis.formatter = PrintfTickFormatter(format=atlas["formats"][f"{kind}|{wt}"])
    bars.vbar(x="i", top="loss", width=0.8, source=src_bars, color="color", legend_field="cls")
    style.legend(bars, "top_right")
    value = at(atlas, "value", kind, red, wt, size)
    mean_span = Span(location=value, dimension="width", line_color="#888888", line_dash="dashed", line_width=2,
                     name="mean_span", visible=red == "mean")
    bars.add_layout(mean_span)
    grad_title = Title(text=second, text_font_size="12px", text_font_style="normal", name="grad_title")
    bars.add_layout(grad_title, "above")

    sizes = np.arange(1, N + 1)

    def series(reduction):
        return np.array([at(atlas, "value", kind, reduction, wt, s) for s in sizes])

    src_lines = ColumnDataSource({"size": sizes, "mean": series("mean"), "sum": series("sum")}, name="by_size")
    src_now = ColumnDataSource({"x": [size], "y": [value]}, name="size_now")
    lines = figure(height=260, sizing_mode="stretch_width", min_width=300, y_axis_type="log",
                   x_range=(0.5, N + 0.5), y_range=(0.02, 80), tools="", toolbar_location=None,
                   name="size_plot", title="The reduced loss against the batch size", x_axis_label="batch size",
                   y_axis_label="reduced loss (log scale)", background_fill_color=None, border_fill_color=None)
    lines.line("size", "mean", source=src_lines, color=MEAN_COLOR, line_width=2.5, legend_label="'mean'")
    lines.line("size", "sum", source=src_lines, color=SUM_COLOR, line_width=2.5, legend_label="'sum'")
    lines.scatter("x", "y", source=src_now, size=10, color=NOW_COLOR, line_color="black")
    style.legend(lines, "bottom_right")
    style.tidy(bars, lines)
    bars.xgrid.grid_line_color = None
    lines.xgrid.grid_line_color = None

    def select(title, name, value, options, **kw):
        return Select(title=title, name=name, value=value, options=list(options), stylesheets=[theme],
                      sizing_mode="stretch_width", min_width=160, **kw)

    sel_batch = select("Batch", "batch_select", kind, BATCHES)
    sel_red = select("reduction=", "reduction_select", red, REDUCTIONS)
    # Class weights only apply to the classification batch (the tag tells tools which choice
    # makes this control matter).
    sel_w = select("Class weights", "weights_select", wt, WEIGHTS, disabled=kind != "classification",
                   tags=["needs:batch_select=classification"])
    sl_size = Slider(title="Batch size N", start=1, end=N, step=1, value=size, name="batch_size",
                     stylesheets=[theme], sizing_mode="stretch_width", min_width=200)
    cb = CustomJS(args=dict(atlas=atlas, sel_batch=sel_batch, sel_red=sel_red, sel_w=sel_w, sl_size=sl_size,
                            src_bars=src_bars, bars_range=bars.y_range, bars_format=bars.yaxis[0].formatter,
                            mean_span=mean_span, src_lines=src_lines,
                            src_now=src_now,
                            bars=bars, grad_title=grad_title, colors=list(CLASS_COLORS)),
                  code=js("reduction.js"))
    for control in (sel_batch, sel_red, sel_w, sl_size):
        control.js_on_change("value", cb)

    wrap = InlineStyleSheet(css=WRAP)
    controls = row(sel_batch, sel_red, sel_w, sl_size, sizing_mode="stretch_width", stylesheets=[wrap])
    panels = row(bars, lines, sizing_mode="stretch_width", stylesheets=[wrap])
    return column(controls, panels, sizing_mode="stretch_width", name="reduction_explorer")
