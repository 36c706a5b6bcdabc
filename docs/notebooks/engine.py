# %% [markdown]
# # Use the engine from Python
#
# Every number in the lessons comes from `lossdocs`, a small numpy package. This
# page is a notebook that calls it directly, and the site runs it on every build,
# so the outputs below are what the current engine returns. To run it yourself,
# install the project (see the README) and open `docs/notebooks/engine.py` in
# Jupyter with jupytext, or paste the cells into any Python session.
#
# ## The registry
#
# Each loss is one `Loss` object in a registry. `losses.names()` lists them in a
# fixed order, optionally only those of one kind; `losses.get(name)` returns one.

# %%
import html

import numpy as np
from bokeh.plotting import figure
from IPython.display import HTML

from lossdocs import landscape, losses
from lossdocs.site import notebook

print(losses.names())
print(losses.names("regression"))

# %% [markdown]
# Besides its value and gradient, each entry carries what the lessons show
# about it: a label, its kind, its parameters with their defaults and allowed
# ranges, and LaTeX for the formula.

# %%
for name in losses.names():
    loss = losses.get(name)
    params = [f"{p.name} = {p.default:g} in {p.describe()}" for p in loss.params]
    print(f"{name:9} {loss.kind:15} {loss.label:21}", *params)

# %% [markdown]
# Here is Huber's, from its `latex` field. The site typesets it when it builds
# the page; Jupyter typesets it with MathJax.

# %%
huber = losses.get("huber")
tex = html.escape(huber.latex)
HTML(f'<div class="arithmatex">\\[ L_\\delta = {tex} \\]</div>')

# %% [markdown]
# ## Values and gradients
#
# `loss.value(pred, target, **params)` returns the loss of each element, with no
# averaging (PyTorch's `reduction="none"`), and `loss.grad` returns its derivative
# with respect to the prediction. Both accept anything numpy can turn into an
# array of floats and always return float64 arrays.

# %%
mse = losses.get("mse")
pred = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
print("MSE         ", mse.value(pred, 0.0))
print("MSE grad    ", mse.grad(pred, 0.0))
print("Huber δ=0.5 ", huber.value(pred, 0.0, delta=0.5))
print("Huber grad  ", huber.grad(pred, 0.0, delta=0.5))

# %% [markdown]
# Prediction and target broadcast against each other like any numpy operands: a
# column of predictions against a row of targets gives the whole table at once.

# %%
preds = np.linspace(-1.0, 1.0, 5)[:, None]  # shape (5, 1)
targets = np.array([-1.0, 0.0, 1.0])  # shape (3,)
table = losses.get("mae").value(preds, targets)
print(table.shape)
print(table)

# %% [markdown]
# Input is checked before anything is computed. Whatever is wrong (a parameter
# outside its range, NaN or infinity, a probability outside [0, 1] for
# cross-entropy, shapes that do not broadcast, an unknown name), you get a
# `ValueError` that says which loss and what the problem is:

# %%
try:
    huber.value(1.0, 0.0, delta=-1.0)
except ValueError as err:
    print("ValueError:", err)

for bad_call in (
    lambda: losses.get("bce").value(1.5, 1.0),
    lambda: mse.value(np.zeros(3), np.zeros(4)),
    lambda: losses.get("no-such-loss"),
):
    try:
        bad_call()
    except ValueError as err:
        print("ValueError:", err)

# %% [markdown]
# ## Checking a gradient with a finite difference
#
# A derivative can be checked without any calculus: move the prediction a small
# step h either way and divide the change in loss by 2h.
#
# <div class="arithmatex">\[
# \frac{\partial L}{\partial \hat{y}} \approx \frac{L(\hat{y} + h,\, y) - L(\hat{y} - h,\, y)}{2h}
# \]</div>
#
# This central difference is off by a term proportional to h², plus rounding error
# that grows as h shrinks; with h = 10⁻⁶ both are tiny. It only fails right at a
# kink (MAE at zero error, Huber at ±δ), which random points miss.

# %%
rng = np.random.default_rng(0)
h = 1e-6
report = []  # printed at once: one block of output however long the loop takes
for name in losses.names():
    loss = losses.get(name)
    if loss.kind == "regression":
        pred = rng.uniform(-3.0, 3.0, 1000)
        target = rng.uniform(-3.0, 3.0, 1000)
    elif loss.labels:  # margin losses: a score and the classes -1, +1 (off hinge's kink)
        pred = rng.uniform(-3.0, 3.0, 1000)
        target = rng.choice(loss.labels, 1000)
    elif loss.output == "logit":  # a logit and a label (or soft label) in [0, 1]
        pred = rng.uniform(-3.0, 3.0, 1000)
        target = rng.uniform(0.0, 1.0, 1000)
    else:  # probabilities, kept away from 0 and 1 where the log is steep
        pred = rng.uniform(0.05, 0.95, 1000)
        target = rng.uniform(0.0, 1.0, 1000)
    up, down = loss.value(pred + h, target), loss.value(pred - h, target)
    numeric = (up - down) / (2 * h)
    exact = loss.grad(pred, target)
    worst = np.max(np.abs(numeric - exact) / np.maximum(1.0, np.abs(exact)))
    report.append(f"{name:11} largest difference {worst:.1e}")
print("\n".join(report))

# %% [markdown]
# ## A loss landscape
#
# The landscape lesson fits one neuron, ŷ = tanh(w·x + b), to a few points, so
# the mean loss is a function of just w and b. `landscape.PRESETS` holds the
# lesson's data sets with a (w, b) window for each, `landscape.axes` spaces a grid
# over that window, and `landscape.loss_grid` evaluates the mean loss on it: rows
# are b and columns are w, the layout of an image.

# %%
print(list(landscape.PRESETS))
preset = landscape.PRESETS["outliers"]
print(f"{preset.label}: {preset.x.size} points")

w, b = landscape.axes(preset, n=101)
grid = landscape.loss_grid("mse", preset.x, preset.y, w, b)
i, j = np.unravel_index(np.argmin(grid), grid.shape)
print(grid.shape)
print(f"lowest grid cell: w = {w[j]:.3f}, b = {b[i]:.3f}, L = {grid[i, j]:.4f}")

# %% [markdown]
# `landscape.minimum` starts from the same search and zooms in around the best
# cell until the spacing is about 10⁻⁷. These data lie on the curve w = 1.2,
# b = −0.2, except for two outliers: squared error lets them drag the fit far
# away, absolute error ignores them, and Huber lands in between.

# %%
lines = []
for name, params in [("mse", {}), ("huber", {"delta": 0.3}), ("mae", {})]:
    w_min, b_min, l_min = landscape.minimum(name, preset, **params)
    label = landscape.choice_label(name, params)
    lines.append(f"{label:21} w = {w_min:.4f}, b = {b_min:.4f}, L = {l_min:.4f}")
print("\n".join(lines))

# %% [markdown]
# ## Drawing the losses
#
# Any Bokeh figure works with the engine's arrays. Here are the regression losses
# as functions of the residual ŷ − y. On this site, `lossdocs.site.notebook.show`
# embeds the figure with the site's own copy of BokehJS; in Jupyter, call
# `bokeh.io.output_notebook()` once and then `bokeh.io.show(fig)` instead.

# %%
residual = np.linspace(-3.0, 3.0, 241)
fig = figure(
    height=340, sizing_mode="stretch_width", y_range=(-0.1, 3.6),
    x_axis_label="residual ŷ − y", y_axis_label="loss",
    tools="pan,wheel_zoom,reset",
)
colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"]  # Okabe-Ito
for name, color in zip(losses.names("regression"), colors):
    values = losses.get(name).value(residual, 0.0)  # Huber with delta = 1
    label = landscape.choice_label(name, {})
    fig.line(residual, values, legend_label=label, color=color, line_width=2.5)
fig.legend.location = "top_center"
notebook.show(fig, name="regression-losses", caption=(
    "The four regression losses against the residual. Squared error grows "
    "with the square of the miss and absolute error with its size; Huber and "
    "log-cosh start out like half the squared error and grow linearly once "
    "the miss is larger than about 1."
))
