"""The training-curves widget: train and validation loss of a small network, epoch by
epoch, for every setting of capacity, data, noise and weight decay.

Data flow: training (train_grid) -> **widget builders** -> embedding -> hook.

What the reader learns: the training loss only ever tells how well the network fits
the points it sees; the validation loss, on fresh points from the same source, tells
how well it generalises. With 30 tanh units, 10 noisy points and no weight decay the
two part ways: the training loss keeps falling while the validation loss turns up
after a best epoch (marked: where early stopping would stop), and the fit panel shows
the curve bending to chase the noise. More points or weight decay close the shaded gap;
one unit cannot bend at all, so both losses stay high together (under-fitting). Every
run is the engine's (full-batch Adam, as torch.optim.Adam), trained at build time for
every setting; scrubbing or playing the epochs only picks recorded states.

Data: the losses as float32 at the recorded epochs; the fitted curves quantised to 8
bits on a fixed output range and stored as differences from the previous recorded
epoch (mod 256), which gzip shrinks well (the page adds them back up).
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
from bokeh.layouts import column, row
from bokeh.models import ColumnDataSource, CustomJS, CustomJSTickFormatter, InlineStyleSheet, Slider, Span, Title
from bokeh.plotting import figure

from lossdocs import training
from lossdocs.widgets import style
from lossdocs.widgets.code import js

KEYS = ("hidden", "n_train", "noise", "weight_decay")
LABELS = {"hidden": "Hidden units (capacity)", "n_train": "Training points", "noise": "Label noise σ",
          "weight_decay": "Weight decay λ"}
DEFAULT = {"hidden": 30, "n_train": 10, "noise": 0.6, "weight_decay": 0.0}
FIT_RANGE = (-3.0, 2.0)      # the fitted curves' quantisation range (every recorded output lies inside)
LEVELS = 255
LOSS_RANGE = (0.003, 3.0)
VAL_SHOWN = 60               # validation points drawn in the fit panel (of training.N_VAL)
TICK_MS = 120                # one recorded epoch per tick while playing: 42 in 5 s
TRAIN_COLOR, VAL_COLOR, BEST_COLOR, TRUE_COLOR, NOW_COLOR = "#0072B2", "#D55E00", "#009E73", "#888888", "#888888"
WRAP = ":host { flex-wrap: wrap !important; row-gap: 6px; }"


def settings() -> list[tuple]:
    """Every setting in the order the page indexes them (hidden, n_train, noise, decay)."""
    return list(itertools.product(*(training.GRID[k] for k in KEYS)))


def encode_fits(snaps: np.ndarray) -> np.ndarray:
    """(runs, epochs, x) outputs -> 8-bit codes on FIT_RANGE, differenced along epochs (mod 256)."""
    lo, hi = FIT_RANGE
    if snaps.min() < lo or snaps.max() > hi:
        raise ValueError(f"a fitted curve leaves FIT_RANGE {FIT_RANGE}: [{snaps.min():.3f}, {snaps.max():.3f}]")
    codes = np.round((snaps - lo) / (hi - lo) * LEVELS).astype(np.int64)
    return np.diff(codes, axis=1, prepend=0).astype(np.uint8)


def decode_fits(deltas: np.ndarray) -> np.ndarray:
    """Python mirror of the page's decoding: the outputs back from ``encode_fits``."""
    lo, hi = FIT_RANGE
    codes = np.cumsum(deltas.astype(np.int64), axis=1) % 256
    return lo + codes * (hi - lo) / LEVELS


@functools.cache
def runs() -> dict:
    """Every run of the grid (trained once per build: the static figure reads the same runs)."""
    return training.train_grid()


def training_atlas() -> dict:
    """Everything the page indexes: losses, best epochs, coded fits, the points, the truth."""
    runs_ = runs()
    order = [runs_[s] for s in settings()]
    snaps = np.stack([r.snapshots for r in order])
    pool = training.data(training.POOL, 1.0)
    noise = training.GRID["noise"]
    return {
        "grid": {k: list(training.GRID[k]) for k in KEYS},
        "epochs": training.RECORDED.astype(np.int32),
        "train": np.stack([r.train_loss for r in order]).astype(np.float32).ravel(),
        "val": np.stack([r.val_loss for r in order]).astype(np.float32).ravel(),
        "best": np.array([r.best_epoch for r in order], dtype=np.int32),
        "fits": encode_fits(snaps).ravel(),
        "fit_lo": FIT_RANGE[0], "fit_unit": (FIT_RANGE[1] - FIT_RANGE[0]) / LEVELS,
        "fit_x": training.SNAP_X.astype(np.float32),
        "x": pool.x.astype(np.float32),
        # the targets at each noise level: the engine's data (training.data), not a formula here
        "y": np.stack([training.data(training.POOL, s).y for s in noise]).astype(np.float32).ravel(),
        "x_val": pool.x_val[:VAL_SHOWN].astype(np.float32),
        "y_val": np.stack([training.data(2, s).y_val[:VAL_SHOWN] for s in noise]).astype(np.float32).ravel(),
        "truth": training.target(training.SNAP_X).astype(np.float32),
    }


def index_of(atlas: dict, setting: dict) -> int:
    i = 0
    for k in KEYS:
        values = atlas["grid"][k]
        i = i * len(values) + values.index(setting[k])
    return i


def show(v: float) -> str:
    """A loss to 3 significant digits, as training.js prints it (toPrecision(3); the
    losses here stay between 1e-3 and 1e3, where the two agree)."""
    return f"{float(v):#.3g}".rstrip(".")


def loss_titles(atlas: dict, run: int, k: int) -> tuple[str, str]:
    """The loss panel's two title lines: the scrubbed epoch, and the early-stopping point."""
    K = len(atlas["epochs"])
    tr, va = atlas["train"][run * K + k], atlas["val"][run * K + k]
    b = int(atlas["best"][run])
    return (f"Epoch {int(atlas['epochs'][k])}: training {show(tr)}, validation {show(va)}",
            f"Lowest validation {show(atlas['val'][run * K + b])}, at epoch {int(atlas['epochs'][b])}")


def fit_title(atlas: dict, k: int) -> str:
    return f"The fitted curve after epoch {int(atlas['epochs'][k])}"


def build():
    """Build the training-curves widget (see the module docstring)."""
    atlas = training_atlas()
    theme = style.controls()
    K = len(atlas["epochs"])
    run = index_of(atlas, DEFAULT)
    k = K - 1
    epochs = atlas["epochs"]
    tr = atlas["train"][run * K:(run + 1) * K]
    va = atlas["val"][run * K:(run + 1) * K]
    best = int(atlas["best"][run])

    src_loss = ColumnDataSource({"epoch": epochs, "train": tr, "val": va}, name="loss_curves")
    src_best = ColumnDataSource({"x": [epochs[best]], "y": [va[best]]}, name="best_epoch")
    src_now = ColumnDataSource({"x": [epochs[k], epochs[k]], "y": [tr[k], va[k]],
                                "color": [TRAIN_COLOR, VAL_COLOR]}, name="epoch_now")
    curves = figure(height=300, sizing_mode="stretch_width", min_width=300, x_axis_type="log", y_axis_type="log",
                    x_range=(1, float(epochs[-1])), y_range=LOSS_RANGE, tools="", toolbar_location=None,
                    name="loss_plot", title=loss_titles(atlas, run, k)[0], x_axis_label="epoch (log scale)",
                    y_axis_label="MSE (log scale)", background_fill_color=None, border_fill_color=None)
    curves.varea(x="epoch", y1="train", y2="val", source=src_loss, fill_color=VAL_COLOR, fill_alpha=0.15,
                 legend_label="gap")
    curves.line("epoch", "train", source=src_loss, color=TRAIN_COLOR, line_width=2.5, legend_label="training")
    curves.line("epoch", "val", source=src_loss, color=VAL_COLOR, line_width=2.5, legend_label="validation")
    curves.scatter("x", "y", source=src_best, marker="diamond", size=13, color=BEST_COLOR, line_color="black",
                   legend_label="early stop")
    best_span = Span(location=float(epochs[best]), dimension="height", line_color=BEST_COLOR, line_dash="dashed",
                     line_width=2, name="best_span")
    now_span = Span(location=float(epochs[k]), dimension="height", line_color=NOW_COLOR, line_width=1,
                    name="epoch_span")
    curves.add_layout(best_span)
    curves.add_layout(now_span)
    curves.scatter("x", "y", source=src_now, size=8, color="color", line_color="black")
    best_title = Title(text=loss_titles(atlas, run, k)[1], text_font_size="12px", text_font_style="normal",
                      name="best_title")
    curves.add_layout(best_title, "above")
    # Below the plot, as the fit's is: BokehJS gives plots of one row frames of one
    # height, so with the legend inside, a phone (plots stacked) showed a blank band
    # under the curves the height of the fit's legend.
    style.legend(curves, "top_left", "horizontal", below=True)

    fits = decode_fits(atlas["fits"].reshape(-1, K, len(atlas["fit_x"])))
    n, s = DEFAULT["n_train"], atlas["grid"]["noise"].index(DEFAULT["noise"])
    P = len(atlas["x"])
    src_fit = ColumnDataSource({"x": atlas["fit_x"], "y": fits[run, k].astype(np.float32),
                                "truth": atlas["truth"]}, name="fit_curve")
    src_train = ColumnDataSource({"x": atlas["x"][:n], "y": atlas["y"][s * P:s * P + n]}, name="train_points")
    V = len(atlas["x_val"])
    src_val = ColumnDataSource({"x": atlas["x_val"], "y": atlas["y_val"][s * V:(s + 1) * V]}, name="val_points")
    fit = figure(height=300, sizing_mode="stretch_width", min_width=300, x_range=(-1.05, 1.05),
                 y_range=(-2.6, 2.6), tools="", toolbar_location=None, name="fit_plot", title=fit_title(atlas, k),
                 x_axis_label="x", y_axis_label="y", background_fill_color=None, border_fill_color=None)
    fit.scatter("x", "y", source=src_val, size=5, fill_color=None, line_color=VAL_COLOR, alpha=0.7,
                legend_label="validation")
    fit.line("x", "truth", source=src_fit, color=TRUE_COLOR, line_dash="dashed", line_width=2,
             legend_label="sin(πx)")
    fit.line("x", "y", source=src_fit, color=TRAIN_COLOR, line_width=3, legend_label="network")
    fit.scatter("x", "y", source=src_train, size=8, color=TRAIN_COLOR, line_color="white", legend_label="training")
    style.legend(fit, "top_right", "horizontal", below=True)
    style.tidy(curves, fit)

    def index_slider(key: str) -> Slider:
        values = atlas["grid"][key]
        return Slider(title=LABELS[key], start=0, end=len(values) - 1, step=1, value=values.index(DEFAULT[key]),
                      format=CustomJSTickFormatter(args=dict(values=values), code="return String(values[tick])"),
                      name=key, stylesheets=[theme], sizing_mode="stretch_width", min_width=150)

    sliders = {key: index_slider(key) for key in KEYS}
    sl_epoch = Slider(title="Epoch", start=0, end=K - 1, step=1, value=k, name="epoch",
                      format=CustomJSTickFormatter(args=dict(epochs=epochs.tolist()),
                                                   code="return String(epochs[tick])"),
                      stylesheets=[theme], sizing_mode="stretch_width", min_width=200)
    cb = CustomJS(args=dict(atlas=atlas, sliders=[sliders[key] for key in KEYS], sl_epoch=sl_epoch,
                            src_loss=src_loss, src_best=src_best, src_now=src_now, best_span=best_span,
                            now_span=now_span, src_fit=src_fit, src_train=src_train, src_val=src_val,
                            curves=curves, best_title=best_title, fit=fit), code=js("training.js"))
    for control in (*sliders.values(), sl_epoch):
        control.js_on_change("value", cb)
    play = style.play_toggle(sl_epoch, TICK_MS)

    wrap = InlineStyleSheet(css=WRAP)
    controls = column(
        row(*sliders.values(), sizing_mode="stretch_width", stylesheets=[wrap]),
        row(play, sl_epoch, sizing_mode="stretch_width", stylesheets=[wrap]),
        sizing_mode="stretch_width")
    panels = row(curves, fit, sizing_mode="stretch_width", stylesheets=[wrap])
    return column(controls, panels, sizing_mode="stretch_width", name="training_curves")
