"""The loss explorer: one loss curve, its gradient, and a second loss to compare.

Data flow: losses -> curves -> **widget builders** -> embedding -> hook.
"""

from __future__ import annotations

import numpy as np
from bokeh.events import MouseMove, Tap
from bokeh.layouts import column, row
from bokeh.models import (
    ColumnDataSource,
    CrosshairTool,
    CustomJS,
    InlineStyleSheet,
    PanTool,
    ResetTool,
    Select,
    Slider,
    Span,
    WheelZoomTool,
)
from bokeh.plotting import figure

from lossdocs import curves, losses
from lossdocs.widgets import style
from lossdocs.widgets.code import js

PRIMARY_COLOR = "#0072B2"   # Okabe-Ito blue
OVERLAY_COLOR = "#D55E00"   # Okabe-Ito vermillion
TARGET_COLOR = "#009E73"    # Okabe-Ito bluish green

# What part of each axis to show: x is the prediction range, y the loss and g
# the gradient range. Curves may leave the view (MSE does, on purpose); the
# reader can zoom out with the wheel. The ranges are chosen so that tick labels
# are equally wide on both axes (-4..4 and -8..8 on the gradient plot): then
# switching between them does not change the plot's layout, which saves a frame.
VIEWS = {
    "regression": {"y": [-0.4, 9.0], "g": [-5.0, 5.0]},
    "classification": {"y": [-0.2, 5.0], "g": [-9.5, 9.5]},
    "score": {"y": [-0.4, 9.0], "g": [-4.5, 4.5]},  # logits and margin scores, z in [-8, 8]
}


def view_key(ax: dict) -> str:
    """Which of VIEWS an atlas axis uses: the score axis, else its kind."""
    return "score" if ax.get("output") == "score" else ax["kind"]


def view_for(ax: dict) -> dict:
    """Plot ranges for an axis: its domain with a little margin, so a true value at
    the very edge (a label of 0 or 1) stays visible."""
    lo, hi = ax["domain"]
    pad = 0.02 * (hi - lo)
    return dict(VIEWS[view_key(ax)], x=[lo - pad, hi + pad])


# The readout's prompt names the gesture the reader has: theme.css shows one of the
# two according to the (hover: none) media query.
READOUT_PROMPT = (
    '<em class="hint-pointer">Move the pointer over a plot to read the values at that prediction.</em>'
    '<em class="hint-touch">Tap a plot to read the values at that prediction.</em>'
)
# A row whose children wrap onto new lines when it runs out of width.
WRAP = ":host { flex-wrap: wrap !important; row-gap: 6px; }"

DEFAULT_PRIMARY = "mse"
DEFAULT_OVERLAY = "mae"


def themed() -> InlineStyleSheet:
    """Stylesheet that makes a Bokeh control follow the page's colours."""
    swatches = (
        f".key--primary {{ border-color: {PRIMARY_COLOR}; }}\n"
        f".key--overlay {{ border-color: {OVERLAY_COLOR}; }}\n"
    )
    return InlineStyleSheet(css=style.controls().css + swatches)


def keyed(color: str, line: str) -> InlineStyleSheet:
    """The controls double as the plot's key: a select's left edge is drawn in
    its curve's colour and line style, the true-value slider's title carries the
    target's diamond. (A canvas legend, or a key Div, changes size with its text
    and costs a relayout on every change.)"""
    if line == "diamond":
        css = f'.bk-slider-title::before {{ content: "◆ "; color: {color}; }}'
    else:
        css = f"select.bk-input {{ border-left: 6px {line} {color}; }}"
    return InlineStyleSheet(css=css)


def _param_key(loss_name: str, param_name: str) -> str:
    return f"{loss_name}.{param_name}"


def default_state(atlas: dict, primary: str, overlay: str) -> dict:
    """Curves (x, value, grad) for the explorer's opening state, for any renderer."""
    name_axis = atlas["losses"][primary]["axis"]
    ax = atlas["axes"][name_axis]
    k = ax["default_target"]

    def default_idx(name):
        loss = losses.get(name)
        return tuple(p.choices.index(p.default) for p in loss.params)

    state = {"axis": name_axis, "target": ax["targets"][k], "curves": {}}
    for name in (primary, overlay):
        if name != "none" and name in ax["losses"]:
            state["curves"][name] = curves.curve(atlas, name_axis, name, default_idx(name), k)
    return state


def build(primary: str = DEFAULT_PRIMARY, overlay: str = DEFAULT_OVERLAY):
    """Build the loss explorer.

    What the reader learns: a loss is a penalty drawn over every possible
    prediction, lowest at the true value. Moving the true value slides the whole
    valley; switching losses changes its shape (MSE's bowl, MAE's V, Huber's
    bowl-with-straight-sides, log-cosh's smooth V, cross-entropy's wall at the
    confidently wrong end). The gradient panel underneath shows the push that
    training feels at each prediction: MAE's constant-size step, MSE's slope that
    fades near the target and grows without limit far away, Huber's slope
    clipped at delta. The overlay puts two losses on one axis so that, say, the
    MSE/MAE crossing at an error of 1 can be read off directly.
    """
    atlas = curves.explorer_atlas()
    state = default_state(atlas, primary, overlay)
    ax = atlas["axes"][state["axis"]]
    kind = ax["kind"]
    theme = themed()  # one shared stylesheet model for every control
    target = state["target"]
    x = ax["x"]
    nan = np.full(len(x), np.nan, dtype=np.float32)
    p_x, p_v, p_g = state["curves"][primary]
    o_v, o_g = (state["curves"][overlay][1:] if overlay in state["curves"] else (nan, nan))

    src_p = ColumnDataSource(data={"x": x, "y": p_v, "g": p_g}, name="primary_curve")
    src_o = ColumnDataSource(data={"x": x, "y": o_v, "g": o_g}, name="overlay_curve")
    src_t = ColumnDataSource(data={"x": [target], "y": [0.0]}, name="target_marker")

    tools = [PanTool(), WheelZoomTool(), ResetTool(), CrosshairTool(dimensions="height", line_color="#888888")]
    fig_l = figure(
        height=300, sizing_mode="stretch_width", x_range=view_for(ax)["x"], y_range=VIEWS[kind]["y"],
        tools=tools, toolbar_location="right", name="loss_plot",
        x_axis_label="prediction ŷ", y_axis_label="loss",
        background_fill_color=None, border_fill_color=None,
    )
    fig_g = figure(
        height=200, sizing_mode="stretch_width", x_range=fig_l.x_range, y_range=VIEWS[kind]["g"],
        tools=[PanTool(), WheelZoomTool(), ResetTool(), CrosshairTool(dimensions="height", line_color="#888888")],
        toolbar_location="right", name="grad_plot",
        x_axis_label="prediction ŷ", y_axis_label="gradient ∂loss/∂ŷ",
        background_fill_color=None, border_fill_color=None,
    )
    for fig in (fig_l, fig_g):
        fig.outline_line_color = None
        fig.toolbar.logo = None
        style.toolbar(fig)
        # A finger on a plot scrolls the page; pan and zoom are picked in the toolbar.
        fig.toolbar.active_drag = None
        fig.toolbar.active_scroll = None

    label = {n: atlas["losses"][n]["label"] for n in atlas["losses"]}
    fig_l.line("x", "y", source=src_p, line_width=3, color=PRIMARY_COLOR)
    r_o = fig_l.line("x", "y", source=src_o, line_width=2.5, color=OVERLAY_COLOR,
                     line_dash="dashed", visible=overlay in state["curves"])
    fig_g.line("x", "g", source=src_p, line_width=3, color=PRIMARY_COLOR)
    rg_o = fig_g.line("x", "g", source=src_o, line_width=2.5, color=OVERLAY_COLOR,
                      line_dash="dashed", visible=overlay in state["curves"])
    fig_l.scatter("x", "y", source=src_t, marker="diamond", size=16, color=TARGET_COLOR,
                        line_color="white", line_width=1.5)
    spans = [Span(location=target, dimension="height", line_color=TARGET_COLOR, name=f"target_line_{panel}",
                  line_dash="dotted", line_width=2) for panel in ("loss", "grad")]
    fig_l.add_layout(spans[0])
    fig_g.add_layout(spans[1])
    zero = Span(location=0, dimension="width", line_color="#888888", line_width=1)
    fig_g.add_layout(zero)


    sel_p = Select(title="Primary loss (solid line)", value=primary, name="primary_select",
                   options=[(n, label[n]) for n in atlas["losses"]], sizing_mode="stretch_width",
                   stylesheets=[theme, keyed(PRIMARY_COLOR, "solid")])
    overlay_names = list(ax["losses"])  # the primary too: one list per axis (explorer.js)
    sel_o = Select(title="Overlay to compare (dashed line)", value=overlay if overlay in state["curves"] else "none",
                   name="overlay_select", options=[("none", "None")] + [(n, label[n]) for n in overlay_names],
                   sizing_mode="stretch_width", stylesheets=[theme, keyed(OVERLAY_COLOR, "dashed")])
    t0, t1 = ax["targets"][0], ax["targets"][-1]
    sl_t = Slider(title="True value y", start=t0, end=t1, step=ax["targets"][1] - t0, value=target,
                  name="target_slider", sizing_mode="stretch_width",
                  stylesheets=[theme, keyed(TARGET_COLOR, "diamond")])

    param_sliders = {}
    for name, loss in losses.REGISTRY.items():
        for p in loss.params:
            if len(p.choices) < 2:
                continue  # a fixed parameter (Barron's scale): nothing to slide
            shown = name in (primary, overlay)
            param_sliders[_param_key(name, p.name)] = Slider(
                title=f"{p.label} (used by {loss.label})", start=p.choices[0], end=p.choices[-1],
                step=p.choices[1] - p.choices[0], value=p.default, disabled=not shown,
                name=f"param_{name}_{p.name}", sizing_mode="stretch_width", stylesheets=[theme])

    readout, readout_box = style.readout(READOUT_PROMPT, name="readout", height=66, stylesheets=[theme])

    views = {key: view_for(a) for key, a in atlas["axes"].items()}
    update = CustomJS(
        args=dict(atlas=atlas, views=views, src_p=src_p, src_o=src_o, src_t=src_t,
                  sel_p=sel_p, sel_o=sel_o, sl_t=sl_t, params=param_sliders, spans=spans,
                  renderers_o=[r_o, rg_o], fig_l=fig_l, fig_g=fig_g,
                  xaxes=[fig_l.xaxis[0], fig_g.xaxis[0]], readout=readout, prompt=READOUT_PROMPT),
        code=js("explorer.js"),
    )
    for widget in (sel_p, sel_o):
        widget.js_on_change("value", update)
    for widget in (sl_t, *param_sliders.values()):
        widget.js_on_change("value", update)

    # Only the labels: the arrays travel once, with the update callback.
    axes_text = {key: {"symbol": a["symbol"], "output": a["output"], "labels": a["labels"]}
                 for key, a in atlas["axes"].items()}
    hover = CustomJS(
        args=dict(losses=atlas["losses"], axes=axes_text, src_p=src_p, src_o=src_o, sel_p=sel_p,
                  sel_o=sel_o, sl_t=sl_t, readout=readout),
        code=js("explorer_readout.js"),
    )
    for fig in (fig_l, fig_g):  # a tap reads the values too (touch screens have no hover)
        fig.js_on_event(MouseMove, hover)
        fig.js_on_event(Tap, hover)

    # Two columns of controls side by side; on a narrow screen they wrap, one above the other.
    controls = row(
        column(sel_p, sel_o, sl_t, sizing_mode="stretch_width", min_width=340),
        column(*param_sliders.values(), sizing_mode="stretch_width", min_width=340),
        sizing_mode="stretch_width", stylesheets=[InlineStyleSheet(css=WRAP)],
    )
    return column(controls, fig_l, fig_g, readout_box, sizing_mode="stretch_width", name="loss_explorer")

