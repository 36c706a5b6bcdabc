"""Softmax cross-entropy for three classes: logits in, probabilities, loss and gradient out.

Data flow: classification (softmax, cross_entropy, cross_entropy_grad) -> **widget
builders** -> embedding -> hook.

What the reader learns: a classifier's three scores (logits) for cat, dog and bird
become probabilities through the softmax, which only cares about the differences
between the scores (raise all three together and nothing changes). The loss is minus
the log of the true class's probability, and it comes out the same whether the label
is given as a class index (sparse categorical) or as a one-hot vector (categorical).
The gradient on each logit is simply p − y: the true class is pulled up by 1 − p,
every other class pushed down by its probability. Label smoothing replaces the one-hot
target by (1 − ε) one-hot + ε/3, so a perfect score is no longer the goal and the
gradient on a confident right answer never quite vanishes. The two presets are the
reference cases: probabilities 0.7/0.2/0.1 with cat true (loss 0.357) and 0.1/0.6/0.3
(loss 2.303).

Arrays are stored over the two logit differences (softmax ignores a common shift), on
a 0.5 grid, for one class's point of view: its probability, its loss when it is the
true class (the index and one-hot forms agree to the bit there, which the build checks,
so one table serves both; the presets keep both), and the gradient on its logit
when it is and when it is not the true class. Every class reads the same tables at
the differences of the other two logits from its own, so the page only indexes.
"""

from __future__ import annotations

import numpy as np
from bokeh.layouts import column, row
from bokeh.models import ColumnDataSource, CustomJS, InlineStyleSheet, LabelSet, Select, Slider, Span
from bokeh.plotting import figure

from lossdocs import classification as cls
from lossdocs.widgets import style
from lossdocs.widgets.code import js

CLASSES = ("cat", "dog", "bird")
LOGIT_STEP, LOGIT_MAX = 0.5, 4.0
DIFFS = np.arange(-2 * LOGIT_MAX, 2 * LOGIT_MAX + LOGIT_STEP / 2, LOGIT_STEP)   # 33 differences
SMOOTHING = tuple(k / 20 for k in range(7))   # 0, 0.05, ..., 0.3
PRESETS = {  # key: (label, probabilities of cat, dog, bird)
    "a": ("Cat 0.7, dog 0.2, bird 0.1", (0.7, 0.2, 0.1)),
    "b": ("Cat 0.1, dog 0.6, bird 0.3", (0.1, 0.6, 0.3)),
}
SLIDERS = "sliders"
DEFAULT_PRESET, DEFAULT_TRUE = "a", 0
PROB_COLOR, TRUE_COLOR, TARGET_COLOR, GRAD_COLOR = "#0072B2", "#009E73", "#444444", "#D55E00"
LABEL_COLOR = "#8c8c8c"  # bar labels: readable on the light and the dark page alike
WRAP = ":host { flex-wrap: wrap !important; row-gap: 6px; }"


def preset_logits(probs) -> np.ndarray:
    """The logits of a preset: log p (any common shift would do)."""
    return np.log(np.asarray(probs, dtype=np.float64))


def nearest_slider_values(logits) -> list[float]:
    """Slider positions closest to ``logits`` after shifting them so the largest is at the
    top of the range minus a half (the sliders' grid is 0.5)."""
    z = np.asarray(logits) - np.max(logits) + LOGIT_MAX / 2
    return [float(np.clip(np.round(v / LOGIT_STEP) * LOGIT_STEP, -LOGIT_MAX, LOGIT_MAX)) for v in z]


def state(logits, true: int, smoothing: float) -> dict:
    """Everything the widget shows for exact ``logits``: p, the loss from the index and from
    the one-hot vector, the gradient on each logit and the (smoothed) target q."""
    z = np.asarray(logits, dtype=np.float64)
    one_hot = np.eye(3)[true]
    return {
        "p": cls.softmax(z),
        "loss_index": float(cls.cross_entropy(z, true, label_smoothing=smoothing)),
        "loss_onehot": float(cls.cross_entropy(z, one_hot, label_smoothing=smoothing)),
        "grad": cls.cross_entropy_grad(z, true, label_smoothing=smoothing),
        "q": one_hot * (1 - smoothing) + smoothing / 3,
    }


def softmax_atlas() -> dict:
    """Tables over the grid of differences (d1, d2) = (z_next - z_c, z_after - z_c), index
    i1 * len(DIFFS) + i2, for class c = the first of [0, d1, d2]; plus exact preset states."""
    d1, d2 = np.meshgrid(DIFFS, DIFFS, indexing="ij")
    z = np.stack([np.zeros(d1.size), d1.ravel(), d2.ravel()], axis=1)
    f32 = lambda a: np.asarray(a, dtype=np.float32)  # noqa: E731
    atlas = {"diffs": {"start": float(DIFFS[0]), "step": LOGIT_STEP, "n": len(DIFFS)},
             "p": f32(cls.softmax(z)[:, 0]), "loss": [], "grad_true": [],
             "grad_other": [], "q": [], "smoothing": list(SMOOTHING), "presets": {}}
    one_hot = np.tile([1.0, 0.0, 0.0], (len(z), 1))
    for eps in SMOOTHING:
        from_index = f32(cls.cross_entropy(z, np.zeros(len(z)), label_smoothing=eps, reduction="none"))
        from_onehot = f32(cls.cross_entropy(z, one_hot, label_smoothing=eps, reduction="none"))
        # The two forms agree to the bit on the grid (checked here, at build time), so the
        # page gets one table and shows it in both places; the presets keep both numbers.
        if not np.array_equal(from_index, from_onehot):
            raise ValueError(f"softmax widget: index and one-hot cross-entropy differ at eps={eps}")
        atlas["loss"].append(from_index)
        atlas["grad_true"].append(f32(cls.cross_entropy_grad(z, np.zeros(len(z)), label_smoothing=eps,
                                                             reduction="none")[:, 0]))
        # The gradient on a class that is not the true one: true class 1 here (2 gives the same).
        atlas["grad_other"].append(f32(cls.cross_entropy_grad(z, np.ones(len(z)), label_smoothing=eps,
                                                              reduction="none")[:, 0]))
        atlas["q"].append([1 - eps + eps / 3, eps / 3])   # target of the true class, of the others
    for key, (label, probs) in PRESETS.items():
        logits = preset_logits(probs)
        states = {f"{t}|{e}": {k: (v.tolist() if isinstance(v, np.ndarray) else v)
                               for k, v in state(logits, t, eps).items()}
                  for t in range(3) for e, eps in enumerate(SMOOTHING)}
        atlas["presets"][key] = {"label": label, "logits": logits.tolist(), "probs": list(probs),
                                 "sliders": nearest_slider_values(logits), "states": states}
    return atlas


def grid_state(atlas: dict, slider_logits, true: int, e: int) -> dict:
    """Python mirror of the page's lookup for slider logits (on the grid)."""
    n, start, step = atlas["diffs"]["n"], atlas["diffs"]["start"], atlas["diffs"]["step"]

    def index(c):
        d1 = slider_logits[(c + 1) % 3] - slider_logits[c]
        d2 = slider_logits[(c + 2) % 3] - slider_logits[c]
        return round((d1 - start) / step) * n + round((d2 - start) / step)

    idx = [index(c) for c in range(3)]
    return {
        "p": np.array([atlas["p"][i] for i in idx]),
        "loss_index": float(atlas["loss"][e][idx[true]]),
        "loss_onehot": float(atlas["loss"][e][idx[true]]),
        "grad": np.array([(atlas["grad_true"] if c == true else atlas["grad_other"])[e][idx[c]] for c in range(3)]),
    }


def loss_text(shown: dict, true: int, eps: float, preset: str | None) -> str:
    """The readout line; softmax.js writes the same."""
    if preset:
        logits = ", ".join(f"{v:.3f}" for v in preset_logits(PRESETS[preset][1]))
        where = f"Preset logits log p = {logits} (the sliders show the nearest steps)"
    else:
        where = "Logits from the sliders"
    return (f"<b>Cross-entropy</b>, true class {CLASSES[true]}, smoothing ε = {eps:g}: "
            f"from the class index <b>{shown['loss_index']:.4f}</b> · from the one-hot vector "
            f"<b>{shown['loss_onehot']:.4f}</b><br><small>{where}</small>")


def build():
    """Build the softmax cross-entropy widget (see the module docstring)."""
    atlas = softmax_atlas()
    theme = style.controls()
    preset = atlas["presets"][DEFAULT_PRESET]
    opening = preset["states"][f"{DEFAULT_TRUE}|0"]
    colors = [TRUE_COLOR if c == DEFAULT_TRUE else PROB_COLOR for c in range(3)]
    src_p = ColumnDataSource({"cls": list(CLASSES), "p": opening["p"], "q": opening["q"], "color": colors,
                              "text": [f"{v:.3f}" for v in opening["p"]]}, name="softmax_probs")
    src_g = ColumnDataSource({"cls": list(CLASSES), "g": opening["grad"],
                              "text": [f"{v:+.3f}" for v in opening["grad"]],
                              "y": [v + (0.06 if v >= 0 else -0.06) for v in opening["grad"]]},
                             name="softmax_grads")
    figs = []
    for name, title, y_range, ylabel in (
            ("softmax_prob_plot", "Probabilities p = softmax(z); ◆ = target", (0, 1.12), "probability"),
            ("softmax_grad_plot", "Gradient ∂loss/∂z = p − target", (-1.15, 1.15), "gradient")):
        fig = figure(x_range=list(CLASSES), y_range=y_range, height=260, sizing_mode="stretch_width",
                     min_width=260, tools="", toolbar_location=None, name=name, title=title,
                     y_axis_label=ylabel, background_fill_color=None, border_fill_color=None)
        fig.outline_line_color = None
        fig.title.text_font_style = "normal"
        fig.title.text_font_size = "12px"
        fig.xgrid.grid_line_color = None
        figs.append(fig)
    fig_p, fig_g = figs
    fig_p.vbar(x="cls", top="p", width=0.6, source=src_p, fill_color="color", line_color=None)
    fig_p.scatter(x="cls", y="q", source=src_p, marker="diamond", size=15, color=TARGET_COLOR,
                  line_color="white")
    fig_p.add_layout(LabelSet(x="cls", y="p", text="text", source=src_p, text_align="center", y_offset=3,
                              text_font_size="11px", text_color=LABEL_COLOR, name="prob_labels"))
    fig_g.vbar(x="cls", top="g", width=0.6, source=src_g, fill_color=GRAD_COLOR, line_color=None)
    fig_g.add_layout(LabelSet(x="cls", y="y", text="text", source=src_g, text_align="center",
                              text_baseline="middle", text_font_size="11px", text_color=LABEL_COLOR,
                              name="grad_labels"))
    fig_g.add_layout(Span(location=0, dimension="width", line_color="#888888", line_width=1))

    sel_preset = Select(title="Start from", value=DEFAULT_PRESET, name="preset_select",
                        options=[(k, p["label"]) for k, p in atlas["presets"].items()]
                        + [(SLIDERS, "The sliders' logits")], stylesheets=[theme],
                        sizing_mode="stretch_width", min_width=200)
    sel_true = Select(title="True class", value=CLASSES[DEFAULT_TRUE], name="true_select",
                      options=list(CLASSES), stylesheets=[theme], sizing_mode="stretch_width", min_width=200)
    sl_eps = Slider(title="Label smoothing ε", start=SMOOTHING[0], end=SMOOTHING[-1],
                    step=SMOOTHING[1] - SMOOTHING[0], value=0.0, name="smoothing_slider",
                    stylesheets=[theme], sizing_mode="stretch_width", min_width=200)
    logit_sliders = [Slider(title=f"Logit z for {c}", start=-LOGIT_MAX, end=LOGIT_MAX, step=LOGIT_STEP,
                            value=v, name=f"logit_{c}_slider", stylesheets=[theme],
                            sizing_mode="stretch_width", min_width=200)
                     for c, v in zip(CLASSES, preset["sliders"])]
    shown = {"loss_index": opening["loss_index"], "loss_onehot": opening["loss_onehot"]}
    readout, readout_box = style.readout(loss_text(shown, DEFAULT_TRUE, 0.0, DEFAULT_PRESET), name="softmax_readout",
                                         height=58, stylesheets=[theme])

    update = CustomJS(args=dict(atlas=atlas, classes=list(CLASSES), sel_preset=sel_preset, sel_true=sel_true,
                                sl_eps=sl_eps, sliders=logit_sliders, src_p=src_p, src_g=src_g, readout=readout,
                                colors=[PROB_COLOR, TRUE_COLOR]),
                      code=js("softmax.js"))
    for control in (sel_preset, sel_true, sl_eps, *logit_sliders):
        control.js_on_change("value", update)

    wrap = InlineStyleSheet(css=WRAP)
    controls = row(column(sel_preset, sel_true, sl_eps, sizing_mode="stretch_width", min_width=300),
                   column(*logit_sliders, sizing_mode="stretch_width", min_width=300),
                   sizing_mode="stretch_width", stylesheets=[wrap])
    plots = row(fig_p, fig_g, sizing_mode="stretch_width", stylesheets=[wrap])
    return column(controls, readout_box, plots, sizing_mode="stretch_width", name="softmax_ce")
