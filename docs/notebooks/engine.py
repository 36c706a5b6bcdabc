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
# ## Exercises
#
# Four short exercises on the engine. Try each one by hand or in your own Python session
# first. The answer is folded away under the question; the code cell after it checks the
# answer with the engine, and its output is what the engine returned when this page was
# built.
#
# ### Exercise 1: MSE and MAE of a small batch
#
# A model predicts ŷ = (1.0, 2.5, −0.5, 4.0) for the targets y = (1.5, 2.0, 0.5, 2.0).
# Work out the batch's mean squared error and mean absolute error by hand.
#
# <details class="question"><summary>Answer</summary>
#
# The residuals ŷ − y are −0.5, 0.5, −1 and 2. Squared, they are 0.25, 0.25, 1 and 4,
# which sum to 5.5, so the MSE is 5.5 / 4 = 1.375. Their sizes are 0.5, 0.5, 1 and 2,
# which sum to 4, so the MAE is 4 / 4 = 1. The one residual of 2 supplies 4 of the 5.5
# under squared error, but only 2 of the 4 under absolute error.
#
# </details>

# %%
pred = np.array([1.0, 2.5, -0.5, 4.0])
target = np.array([1.5, 2.0, 0.5, 2.0])
residual = pred - target
mae = losses.get("mae")
print(f"residuals     {residual}\n"  # one print per cell: the page's output never splits
      f"MSE by hand   {np.mean(residual**2)}   engine {mse.value(pred, target).mean()}\n"
      f"MAE by hand   {np.mean(np.abs(residual))}   engine {mae.value(pred, target).mean()}")

# %% [markdown]
# ### Exercise 2: Huber turns into half of MSE
#
# For the same batch, compute the mean Huber loss with δ = 0.5, 1, 2 and 4, and compare
# each with half the MSE. From which δ on are the two equal, and why?
#
# <details class="question"><summary>Answer</summary>
#
# Half the MSE is 1.375 / 2 = 0.6875. Huber charges ½ r² while |r| < δ and
# δ (|r| − δ / 2) beyond, which is less. With δ = 0.5 the residuals cost 0.125, 0.125,
# 0.375 and 0.875, a mean of 0.375; with δ = 1 the mean is 0.5625. From δ = 2 on, the
# largest residual's size, every residual lies in the quadratic part (at |r| = δ both
# pieces give the same value), so the mean is exactly 0.6875. Any batch has a largest
# residual, so as δ grows Huber always ends up as half of MSE.
#
# </details>

# %%
half_mse = mse.value(pred, target).mean() / 2
lines = [f"half the MSE {half_mse:.4f}"]
for delta in (0.5, 1.0, 2.0, 4.0):
    lines.append(f"Huber δ = {delta:<4g} mean {huber.value(pred, target, delta=delta).mean():.4f}")
print("\n".join(lines))

# %% [markdown]
# ### Exercise 3: a descent and its loss curve
#
# `descent.trajectory(loss, x, y, start, optimizer, lr, steps)` runs gradient descent on
# the landscape lesson's neuron and returns the path and the loss at every step. Run
# plain SGD on the *sloped line* preset from the white dot (w, b) = (3, 0.5) for 150
# steps, once with η = 1 and once with η = 0.02, and plot both loss curves on a log
# scale. Which run has finished? From which step on does the η = 1 run stay within 1%
# of the lowest loss this neuron can reach (`landscape.minimum`)?
#
# <details class="question"><summary>Answer</summary>
#
# With η = 1 the loss falls from 0.3413 to 0.000124, the lowest this neuron can reach
# on these points (a tanh cannot trace a straight line exactly), and it stays within 1%
# of that floor from step 64 on: the curve drops, bends and lies flat on the floor,
# which means finished. With η = 0.02 it has only reached 0.1780 after 150 steps and is
# still falling: not stuck, just slow. Neither run ever goes up.
#
# </details>

# %%
from lossdocs import descent
from lossdocs.site import svg

line = landscape.PRESETS["sloped_line"]
floor = landscape.minimum("mse", line)[2]
runs = {lr: descent.trajectory("mse", line.x, line.y, start=(3.0, 0.5), optimizer="sgd",
                               lr=lr, steps=150) for lr in (1.0, 0.02)}
lines = []
for lr, run in runs.items():
    rises = int(np.sum(np.diff(run.loss) > 0))
    lines.append(f"η = {lr:<4g} loss {run.loss[0]:.4f} -> {run.loss[-1]:.6f}, went up on {rises} steps")
near = runs[1.0].loss <= 1.01 * floor
settled = int(np.flatnonzero(~near)[-1]) + 1  # after the last step outside 1% of the floor
lines.append(f"lowest possible {floor:.6f}; η = 1 stays within 1% of it from step {settled}")
print("\n".join(lines))

steps = np.arange(151)
chart = svg.Chart(
    title="Loss at each step of plain SGD on the sloped line",
    xlabel="step", ylabel="log10 of the loss", xlim=(0, 150), ylim=(-4.5, 0.0),
    series=[svg.Series(steps, np.log10(runs[1.0].loss), "η = 1", "#0072B2"),
            svg.Series(steps, np.log10(runs[0.02].loss), "η = 0.02", "#D55E00"),
            svg.Series(steps[[0, -1]], np.log10([floor, floor]), "lowest possible", "#009E73",
                       dashed=True, width=1.5)],
)
HTML(svg.render(chart, desc="With η = 1 the loss drops to the dashed floor within about 60 "
                            "steps and stays there; with η = 0.02 it is still sinking slowly at step 150."))

# %% [markdown]
# ### Exercise 4: cross-entropy with class weights
#
# A three-class model sees four examples. Its softmax outputs are (0.7, 0.2, 0.1),
# (0.1, 0.6, 0.3), (0.5, 0.3, 0.2) and (0.5, 0.25, 0.25), and the true classes are 0, 0,
# 2 and 1. Class 2 is rare, so it gets weight 4: weights (1, 1, 4). Find each example's
# cross-entropy, the plain mean, and the weighted mean as PyTorch's
# `CrossEntropyLoss(weight=...)` reports it. (`classification.cross_entropy` takes logits;
# the logarithms of the probabilities are logits whose softmax is exactly those
# probabilities.)
#
# <details class="question"><summary>Answer</summary>
#
# Each example costs −log of the probability on its true class: −log 0.7 = 0.357,
# −log 0.1 = 2.303, −log 0.2 = 1.609 and −log 0.25 = 1.386. They sum to 5.655, so the
# plain mean is 1.414. With weights, each loss is multiplied by the weight of its own true
# class, 1, 1, 4 and 1, for a sum of 10.483. PyTorch divides that by the sum of those
# weights, 7, not by the 4 examples, so it reports 1.498. Dividing by 4 would give 2.621, a
# number that would swell or shrink with how many rare examples a batch happened to hold.
#
# </details>

# %%
from lossdocs import classification

probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.5, 0.3, 0.2], [0.5, 0.25, 0.25]])
true = np.array([0, 0, 2, 1])
weight = np.array([1.0, 1.0, 4.0])
logits = np.log(probs)
each = classification.cross_entropy(logits, true, reduction="none")
weighted_sum = classification.cross_entropy(logits, true, weight=weight, reduction="sum")
print(f"per example    {np.round(each, 3)}\n"
      f"plain mean     {float(classification.cross_entropy(logits, true)):.4f}\n"
      f"weighted sum   {float(weighted_sum):.4f}  / weights of the true classes {weight[true].sum():g}\n"
      f"weighted mean  {float(classification.cross_entropy(logits, true, weight=weight)):.4f}")

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
colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]  # Okabe-Ito
for i, name in enumerate(losses.names("regression")):
    values = losses.get(name).value(residual, 0.0)  # each with its default parameters
    label = landscape.choice_label(name, {})
    fig.line(residual, values, legend_label=label, color=colors[i % len(colors)], line_width=2.5)
fig.legend.location = "top_center"
notebook.show(fig, name="regression-losses", caption=(
    "The regression losses against the residual, each with its default parameters. "
    "Squared error grows with the square of the miss and absolute error with its "
    "size; Huber, log-cosh and Barron's loss at α = 1 start out like half the squared "
    "error and grow linearly once the miss is larger than about 1."
))
