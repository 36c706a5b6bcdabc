"""The lesson *Reading the loss curve*: every number it quotes is the engine's, found in its own
sentence (or table row) as a whole number; every widget-state link opens a real state of the
widget it names, and a link whose text names a setting ("3 units", "epoch 79", "σ = 0.6")
opens that setting; the page has the sections issue #11 asks for, and only known widgets.

The training numbers are the runs the widget shows (``lossdocs.widgets.training.runs()``, the
engine's ``train_grid``). Late in a wide network's run Adam turns chaotic (see
``lossdocs.training``), so the page quotes those values to two digits with "about"; early values
and the stable runs (``tests/test_training.py::STABLE``) are quoted as the widget's readout
prints them, to three. Sentences are found with the FAQ tests' helpers (``test_faq.segment_of``,
``_number_in``: "0.5" is not in "0.54").
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path
from urllib.parse import parse_qsl

import lessontools
import numpy as np
import pytest
from bokeh.models import Slider
from test_faq import LINK, MARKER, _number_in, check_control

from lossdocs import classification, descent, landscape, robust
from lossdocs import training as T
from lossdocs.widgets import WIDGETS
from lossdocs.widgets import descent as descent_widget
from lossdocs.widgets import outlier as ow
from lossdocs.widgets import reduction as rw
from lossdocs.widgets import training as tw

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "docs" / "lessons"
PAGE = "reading-the-loss-curve.md"
WIDGET = "training-curves"
OPENING = tuple(tw.DEFAULT[k] for k in tw.KEYS)  # (30, 10, 0.6, 0.0)


def text_of(page: str = PAGE) -> str:
    return lessontools.text_of(page)


def sentence(where: str) -> str:
    return lessontools.sentence(PAGE, where)


def quoted(where: str, literal: str, value: float) -> str:
    return lessontools.quoted(PAGE, where, literal, value)


def runs():
    return tw.runs()


def at(run: T.Run, epoch: int) -> int:
    """The index of a recorded epoch."""
    hits = np.flatnonzero(run.epochs == epoch)
    assert hits.size == 1, f"epoch {epoch} is not recorded"
    return int(hits[0])


def floor(n: int | None, noise: float) -> float:
    """The MSE of the true curve sin(πx) on a run's validation points (n None) or on its
    first n training points: the labels' own noise."""
    d = T.data(n or 2, noise)
    x, y = (d.x_val, d.y_val) if n is None else (d.x, d.y)
    return float(np.mean((T.target(x) - y) ** 2))


# ------------------------------------------------------------------ the widget


def test_widget_description():
    quoted("trained on the mean squared error by", "0.02", T.LR)
    quoted("trained on the mean squared error by", "2000", T.EPOCHS)
    assert T.BETAS == (0.9, 0.999) and T.EPS == 1e-8  # "PyTorch's defaults otherwise"
    quoted("The validation set is 200", "200", T.N_VAL)
    s = sentence("Four sliders choose the setting")

    def spelled(values) -> str:
        words = [f"{v:g}" for v in values]
        return ", ".join(words[:-1]) + " or " + words[-1]

    for key in tw.KEYS:
        assert f"({spelled(T.GRID[key])}" in s, key
    assert "(0, 0.001 or 0.01)" in s and T.GRID["weight_decay"] == (0.0, 0.001, 0.01)
    assert len(tw.settings()) == len(runs()) == 108
    quoted("combinations were trained", "108", len(runs()))
    quoted("steps through 42 recorded epochs", "42", T.RECORDED.size)
    ratios = T.RECORDED[1:] / T.RECORDED[:-1]
    assert T.RECORDED[0] == 1 and T.RECORDED[-1] == T.EPOCHS and ratios[-10:].std() < 0.01  # log-spaced
    quoted("over the training points (filled)", "60", tw.VAL_SHOWN)


def test_the_widget_opens_on_the_hardest_case():
    assert OPENING == (max(T.GRID["hidden"]), min(T.GRID["n_train"]), max(T.GRID["noise"]), 0.0)
    s = sentence("The widget opens on the hardest case")
    for literal, value in (("30", OPENING[0]), ("10", OPENING[1]), ("0.6", OPENING[2])):
        _number_in(s, literal, value)


# ------------------------------------------------------------------ over-fitting


def test_overfitting_on_the_opening_setting():
    r = runs()[OPENING]
    s = "After the first epoch the training MSE is"
    quoted(s, "0.583", r.train_loss[0])
    quoted(s, "0.858", r.val_loss[0])
    best = r.best_epoch
    s = "reaches its lowest value"
    quoted(s, "0.519", r.val_loss[best])
    quoted(s, "79", r.epochs[best])
    quoted(s, "0.214", r.train_loss[best])
    s = "Training keeps falling, to about"
    quoted(s, "0.04", r.train_loss[-1])
    quoted(s, "2000", r.epochs[-1])
    quoted(s, "1.1", r.val_loss[-1])
    assert "roughly twice its best" in sentence(s) and 1.8 < r.val_loss[-1] / r.val_loss[best] < 2.3
    assert r.train_loss[-1] < r.train_loss[best] / 4  # keeps falling after the best epoch
    # The curve swings far below -1 at the end, and not at the best epoch.
    assert r.snapshots[-1].min() < -1.5 and r.snapshots[best].min() > -1.5
    assert "far below −1" in sentence("swings far below")


def test_the_noise_floors():
    r = runs()[OPENING]
    s = "Even the true curve scores"
    quoted(s, "0.354", floor(None, 0.6))
    quoted(s, "0.36", 0.6 ** 2)
    quoted(s, "0.519", r.val_loss[r.best_epoch])
    assert "about three times it" in sentence(s) and 2.7 < r.val_loss[-1] / floor(None, 0.6) < 3.3
    quoted("On its ten training points", "0.341", floor(10, 0.6))
    quoted("A network that scores about", "0.04", r.train_loss[-1])
    assert r.train_loss[-1] < floor(10, 0.6) / 5


def test_three_units_overfit_smoothly():
    r = runs()[(3, 10, 0.6, 0.0)]  # a stable run (tests/test_training.py::STABLE)
    best = r.best_epoch
    s = "Validation bottoms out at"
    quoted(s, "0.485", r.val_loss[best])
    quoted(s, "177", r.epochs[best])
    quoted(s, "1.42", r.val_loss[-1])
    quoted(s, "2000", r.epochs[-1])
    quoted(s, "0.366", r.train_loss[best])
    quoted(s, "0.137", r.train_loss[-1])


def test_patience():
    r = runs()[OPENING]
    first = int(np.argmin(r.val_loss[:10]))
    s = "validation had an early low of"
    quoted(s, "0.587", r.val_loss[first])
    assert r.epochs[first] in (5, 6)
    quoted(s, "5", 5)
    peak = first + int(np.argmax(r.val_loss[first:at(r, 79)]))
    quoted(s, "0.753", r.val_loss[peak])
    quoted(s, "16", r.epochs[peak])
    assert r.val_loss[peak] > r.val_loss[first] and r.epochs[r.best_epoch] == 79
    quoted(s, "79", 79)


# ------------------------------------------------------------------ under-fitting and remedies


def test_one_unit_underfits():
    r = runs()[(1, 100, 0.1, 0.0)]
    s = "Both curves come down together and level off"
    quoted(s, "0.0761", r.train_loss[-1])
    quoted(s, "0.0762", r.val_loss[-1])
    quoted(s, "0.00984", floor(None, 0.1))
    ratio = r.val_loss[-1] / floor(None, 0.1)
    assert "nearly eight times" in sentence(s) and 7.3 < ratio < 8 and r.train_loss[-1] / floor(None, 0.1) < 8
    assert abs(r.val_loss[-1] / r.val_loss[at(r, 891)] - 1) < 0.01  # levelled off
    fit = r.snapshots[-1]
    assert np.all(np.diff(fit) > 0)  # a single S-shaped step
    s = "One tanh unit can only draw"
    quoted(s, "−0.67", fit.min())
    quoted(s, "0.64", fit.max())


def test_three_units_fit_the_same_data():
    r = runs()[(3, 100, 0.1, 0.0)]
    s = "the curve can bend twice"
    quoted(s, "0.00877", r.train_loss[-1])
    quoted(s, "0.0110", r.val_loss[-1])
    assert abs(r.val_loss[-1] - floor(None, 0.1)) < 0.002  # "right beside the noise floor"


def test_weight_decay_closes_the_gap():
    plain, decayed = runs()[OPENING], runs()[OPENING[:3] + (0.01,)]
    s = "the final validation loss drops to about"
    quoted(s, "0.56", decayed.val_loss[-1])
    quoted(s, "1.1", plain.val_loss[-1])
    quoted(s, "0.17", decayed.train_loss[-1])
    quoted(s, "0.04", plain.train_loss[-1])
    s = "The gap shrinks from about"
    quoted(s, "1.0", plain.val_loss[-1] - plain.train_loss[-1])
    quoted(s, "0.39", decayed.val_loss[-1] - decayed.train_loss[-1])
    assert "λ = 0.01" in text_of() and max(T.GRID["weight_decay"]) == 0.01


def test_more_data_closes_the_gap():
    big, mid = runs()[(30, 100, 0.6, 0.0)], runs()[(30, 30, 0.6, 0.0)]
    s = "Training ends at about 0.30"
    quoted(s, "0.30", big.train_loss[-1])
    quoted(s, "0.42", big.val_loss[-1])
    quoted(s, "0.12", big.val_loss[-1] - big.train_loss[-1])
    quoted("the training loss stays close to the", "0.341", floor(100, 0.6))
    assert abs(big.train_loss[-1] - floor(100, 0.6)) < 0.05
    quoted("With 30\npoints".replace("\n", " "), "0.62", mid.val_loss[-1])


def test_a_healthy_run():
    r = runs()[(3, 100, 0.1, 0.0)]
    s = "The training loss lingers between about"
    quoted(s, "22", 22)
    quoted(s, "57", 57)
    shelf = r.train_loss[at(r, 22):at(r, 57) + 1]
    assert shelf.min() >= 0.16 and shelf.max() <= 0.185
    quoted(s, "0.16", shelf.min())
    quoted(s, "0.18", shelf.max())
    assert r.train_loss[-1] < shelf.min() / 10  # dropping again
    quoted("the lowest\nvalidation loss comes at epoch".replace("\n", " "), "1701", r.epochs[r.best_epoch])
    assert r.best_epoch >= r.epochs.size - 2
    s = "sit either side of the noise floor"
    quoted(s, "0.00877", r.train_loss[-1])
    quoted(s, "0.0110", r.val_loss[-1])
    quoted(s, "0.00984", floor(None, 0.1))
    assert r.train_loss[-1] < floor(None, 0.1) < r.val_loss[-1]


def test_log_axes():
    s = "the late fall from"
    for literal in ("0.1", "0.01", "1"):
        _number_in(sentence(s), literal, float(literal))
    assert math.log10(0.1 / 0.01) == pytest.approx(math.log10(1 / 0.1))
    s = "the epochs from 1 to 10 get as much width"
    assert math.log10(10 / 1) == pytest.approx(math.log10(1000 / 100))
    for literal in ("1", "10", "100", "1000"):
        _number_in(sentence(s), literal, float(literal))


# ------------------------------------------------------------------ lesson four's runs, quoted here


@functools.cache
def descent_run(lr: float, **kw) -> descent.Trajectory:
    p = landscape.PRESETS["sloped_line"]
    return descent.trajectory("mse", p.x, p.y, (3.0, 0.5), "sgd", lr=lr, steps=descent_widget.STEPS, **kw)


def test_plateaus_and_noise_borrowed_from_lesson_four():
    high = descent_run(10.0)
    s = "a learning rate that is too large throws"
    quoted(s, "0.527", high.loss[2])
    quoted(s, "0.000124", landscape.minimum("mse", landscape.PRESETS["sloped_line"])[2])
    one = descent_run(0.5, batch_size=1, seed=descent_widget.SEED)
    full = descent_run(0.5)
    s = "makes the loss over all points rise on"
    quoted(s, "75", (np.diff(one.loss) > 0).sum())
    quoted(s, "150", descent_widget.STEPS)
    assert not (np.diff(full.loss) > 0).any()


# ------------------------------------------------------------------ the house-price trace

PRICE = 300_000
TRACE = {1: 250_000, 100: 295_000, 1000: 299_500}


def table_rows() -> dict[str, list[str]]:
    rows = [line for line in text_of().splitlines() if line.startswith("| ")]
    table = [[c.strip() for c in line.strip().strip("|").split("|")] for line in rows
             if not re.fullmatch(r"[|\s:-]+", line)]
    header = table[0]
    assert header[0] == "Iteration" and len(header) == 5, header
    return {r[0]: r for r in table[1:]}


def test_the_house_price_table():
    rows = table_rows()
    assert list(rows) == [str(i) for i in TRACE]
    for it, prediction in TRACE.items():
        error = PRICE - prediction
        se = error ** 2
        exponent = int(math.floor(math.log10(se)))
        row = rows[str(it)]
        assert row[1] == f"{prediction:,}" and row[2] == f"{error:,}", row
        assert row[3] == f"${se / 10 ** exponent:g} \\times 10^{{{exponent}}}$", row
        assert row[4] == f"{math.log10(se):.2f}", row
        _number_in(row[3], "2.5", se / 10 ** exponent)
    assert [int(row[4].split(".")[0]) for row in rows.values()] == [9, 7, 5]
    assert (PRICE - np.array(list(TRACE.values()))).tolist() == [50_000, 5_000, 500]  # tenfold each
    assert "sold for 300,000 dollars" in text_of()


def test_what_the_axes_make_of_the_trace():
    se = np.array([(PRICE - p) ** 2 for p in TRACE.values()], dtype=float)
    np.testing.assert_allclose(se[:-1] / se[1:], 100)
    s = "the loss at iteration 100 sits at 1%"
    assert "1%" in sentence(s) and "0.01%" in sentence(s)
    assert se[1] / se[0] == pytest.approx(0.01) and se[2] / se[0] == pytest.approx(0.0001)
    s = "so the three points sit evenly spaced in height"
    for literal, v in zip(("9.40", "7.40", "5.40"), np.log10(se)):
        _number_in(sentence(s), literal, v)
    it = np.log10(list(TRACE))
    slopes = np.diff(np.log10(se)) / np.diff(it)
    np.testing.assert_allclose(slopes, [-1.0, -2.0])
    s = "the line joining the points has a slope of"
    assert "a slope of −1 and then\nof −2".replace("\n", " ") in sentence(s)
    s = "the first 99 iterations cut the loss by about"
    quoted(s, "4.5%", 100 * (1 - 100 ** (-1 / 99)))
    quoted(s, "0.51%", 100 * (1 - 100 ** (-1 / 900)))
    quoted(s, "99", 100 - 1)
    quoted(s, "900", 1000 - 100)


def test_the_house_price_question():
    s = sentence("A house-price model's MSE falls from")
    assert "2.5 × 10⁷ to 2.5 × 10⁵" in s
    assert math.sqrt(2.5e7) == 5000 and math.sqrt(2.5e5) == 500
    assert "from 5,000 dollars to 500" in text_of()


# ------------------------------------------------------------------ reductions


LOSSES, LABELS, CLASS_WEIGHTS = np.array([0.1, 0.2, 0.3, 1.4]), np.array([0, 0, 0, 1]), np.array([1.0, 4.0])


def test_the_weighted_mean_example():
    w = CLASS_WEIGHTS[LABELS]
    s = "Take four examples, three of"
    for literal in ("0.1", "0.2", "0.3", "1.4"):
        assert _number_in(sentence(s), literal, float(literal))
    assert "class\nweights 1 and 4".replace("\n", " ") in sentence(s)
    quoted("The plain mean is", "0.5", T.reduce(LOSSES, "mean"))
    s = "The weighted losses add up to"
    quoted(s, "6.2", T.reduce(LOSSES, "sum", w))
    quoted(s, "7", w.sum())
    quoted(s, "0.886", T.reduce(LOSSES, "mean", w))
    quoted(s, "1.55", T.reduce(LOSSES, "sum", w) / LOSSES.size)
    quoted(s, "4", LOSSES.size)
    assert "1 + 1 + 1 + 4 = 7" in sentence(s)
    factors = T.reduce_weights(w, "mean")
    quoted("the\nrare example now carries 4/7".replace("\n", " "), "0.571", factors[-1])
    assert factors[-1] == pytest.approx(4 / 7) and T.reduce_weights(4, "mean")[-1] == 0.25  # "a quarter"


def test_pytorchs_weighted_mean_divides_by_the_weights():
    """The class-weighted cross-entropy (as torch computes it) is the weighted mean above."""
    logits, labels = T.classification_batch(8)
    per = classification.cross_entropy(logits, labels, weight=CLASS_WEIGHTS.tolist() + [2.0], reduction="none")
    w = np.array(CLASS_WEIGHTS.tolist() + [2.0])[labels]
    mean = float(classification.cross_entropy(logits, labels, weight=CLASS_WEIGHTS.tolist() + [2.0]))
    assert mean == pytest.approx(per.sum() / w.sum())  # per already carries the weights
    assert mean == pytest.approx(T.reduce(per / w, "mean", w))


def test_sum_scales_the_gradient_with_the_batch():
    for n in (8, 16, 32):
        assert T.reduce_weights(n, "sum").sum() == n
        assert T.reduce_weights(n, "mean").sum() == pytest.approx(1.0)
    assert "the step roughly doubles" in sentence("double the batch and, at the same learning rate")


# ------------------------------------------------------------------ the outlier lab


@functools.cache
def fit(place: str, height: float, loss: str = "mse", **params) -> tuple[robust.LineFit, np.ndarray]:
    """A line of the lab (the widget's data, ``outlier.data``) and its thirteen pulls."""
    x, y = ow.data(place, float(height))
    f = robust.fit_line(loss, x, y, **params)
    return f, robust.pulls(f, x, y)


def inliers_only(loss: str = "mse", **params) -> robust.LineFit:
    return robust.fit_line(loss, ow.X, ow.inliers(), **params)


def barron(alpha: float) -> dict:
    return {"alpha": alpha, "scale": ow.SCALE}


def test_the_outlier_lab_description():
    assert (ow.SLOPE, ow.INTERCEPT) == (0.5, 1.0) and ow.X.size == 12
    assert "Twelve points scatter around the line $y = 0.5x + 1$" in re.sub(r"\s+", " ", text_of())
    s = "the **outlier height**\nslider, from".replace("\n", " ")
    quoted(s, "−10", ow.HEIGHTS[0])
    quoted(s, "10", ow.HEIGHTS[-1])
    assert [k for k, _, _ in ow.PLACES] == ["left", "middle", "right"]
    assert [k for k, _ in ow.LOSSES] == ["mse", "mae", "huber", "log_cosh", "barron"]
    assert (ow.DEFAULT["place"], ow.DEFAULT["height"], ow.DEFAULT["loss"]) == ("right", 8.0, "mse")
    quoted("The lab opens with the outlier", "8", ow.DEFAULT["height"])


def test_pulls_balance_on_every_line_the_lesson_names():
    for place, h, loss, params in [("right", 8, "mse", {}), ("middle", 8, "mse", {}), ("left", 8, "mse", {}),
                                   ("right", 8, "mae", {}), ("right", 8, "huber", {"delta": 3.0}),
                                   ("right", 8, "barron", barron(0.0))]:
        f, p = fit(place, h, loss, **params)
        x, _ = ow.data(place, float(h))
        assert abs(p.sum()) < 1e-9 and abs((p * x).sum()) < 1e-8, (place, loss)


def test_mse_lets_one_outlier_pull_as_hard_as_the_rest():
    f, p = fit("right", 8)
    s = "The MSE line tilts up to a slope of"
    quoted(s, "0.743", f.w)
    quoted(s, "0.523", inliers_only().w)
    atlas = ow.outlier_atlas()
    title = ow.pull_title(atlas, "right", 8.0, "mse", 1.0, 0.0)
    s = "The title reads the balance"
    assert "outlier's pull −12.60, the other 12 together +12.60" in title, title
    quoted(s, "−12.60", p[-1])
    quoted(s, "+12.60", p[:-1].sum())
    quoted(s, "3.92", np.abs(p[:-1]).max())
    middle, left = fit("middle", 8)[0], fit("left", 8)[0]
    s = "the MSE line keeps the twelve points' slope of"
    quoted(s, "0.523", middle.w)
    assert middle.w == pytest.approx(inliers_only().w, abs=1e-3)
    quoted(s, "0.832", inliers_only().b)
    quoted(s, "1.451", middle.b)
    quoted(s, "0.296", left.w)


def test_mae_and_huber_cap_the_outlier():
    f, p = fit("right", 8, "mae")
    s = "The outlier's bar is −1.00"
    quoted(s, "−1.00", p[-1])
    assert np.abs(p).max() <= 1 + 1e-12
    quoted("and the MAE line has a slope of", "0.545", f.w)
    heights = range(2, 11)
    for loss, params in (("mae", {}), ("huber", {"delta": 1.0})):
        lines = np.array([[fit("right", h, loss, **params)[0].w, fit("right", h, loss, **params)[0].b]
                          for h in heights])
        assert np.abs(lines - lines[0]).max() < 1e-9, loss  # "does not move at all"
    s = "Drag the height anywhere from 2 to 10"
    quoted(s, "2", 2)
    quoted(s, "10", 10)
    quoted(s, "0.577", fit("right", 2)[0].w)
    quoted(s, "0.799", fit("right", 10)[0].w)
    quoted("its slope stays at", "0.560", fit("right", 8, "huber", delta=1.0)[0].w)
    assert fit("right", 2, "huber", delta=1.0)[1][-1] == pytest.approx(-1.0)  # more than δ away at 2
    f3, p3 = fit("right", 8, "huber", delta=3.0)
    s = "and the Huber line steepens to"
    quoted(s, "0.628", f3.w)
    quoted(s, "−3.00", p3[-1])
    assert 3.0 in ow.DELTAS and 1.0 in ow.DELTAS and 0.5 in ow.DELTAS


def test_barrons_alpha_lets_the_outlier_fade():
    mse_fit, mse_p = fit("right", 8)
    f2, p2 = fit("right", 8, "barron", **barron(2.0))
    assert (f2.w, f2.b) == pytest.approx((mse_fit.w, mse_fit.b), abs=1e-9)
    np.testing.assert_allclose(p2, mse_p / 2, atol=1e-9)  # every bar halved
    quoted("it draws the same line as MSE with every bar halved", "−6.30", p2[-1])
    s = "the outlier's bar has shrunk to"
    quoted(s, "−0.24", fit("right", 8, "barron", **barron(0.0))[1][-1])
    welsch, pw = fit("right", 8, "barron", **barron(-math.inf))
    assert abs(pw[-1]) < 0.005  # zero to the two decimals shown
    alone = inliers_only("barron", **barron(-math.inf))
    s = "it is zero to the precision shown"
    quoted(s, "0.507", welsch.w)
    quoted(s, "0.852", welsch.b)
    assert (welsch.w, welsch.b) == pytest.approx((alone.w, alone.b), abs=1e-9)
    assert not fit("right", 8, "barron", **barron(0.0))[0].global_minimum
    assert ow.ALPHAS[0] == 2.0 and ow.ALPHAS[-1] == -math.inf


# ------------------------------------------------------------------ the reduction explorer


def readout(kind: str, reduction: str, weights: str, n: int) -> str:
    return " ".join(rw.titles(rw.reduction_atlas(), kind, reduction, weights, n))


def test_the_reduction_explorer_description():
    assert rw.N == 32 and rw.CLASS_WEIGHTS == (1.0, 4.0, 4.0)
    s = "The **reduction explorer** works through both"
    quoted(s, "32", rw.N)
    labels = rw.reduction_atlas()["classification_label"]
    assert "about 70% of the examples are\nclass 0".replace("\n", " ") in sentence(s)
    assert 65 < 100 * np.mean(labels == 0) < 75 and np.mean(labels == 0) == max(np.bincount(labels)) / rw.N
    assert "(1, 4 and\n4,".replace("\n", " ") in sentence("Choose the **batch**")
    assert rw.DEFAULT == {"batch": "classification", "reduction": "mean", "weights": "on", "size": 16}


def test_sum_grows_with_the_batch_and_mean_does_not():
    s = "The summed loss is"
    for n, literal in ((8, "6.407"), (16, "10.227"), (32, "22.707")):
        assert f"= {literal}" in readout("classification", "sum", "off", n)
        logits, labels = T.classification_batch(rw.N)
        per = classification.cross_entropy(logits[:n], labels[:n], reduction="none")
        quoted(s, literal, T.reduce(per, "sum"))
        quoted(s, str(n), n)
        mean = {8: "0.801", 16: "0.639", 32: "0.710"}[n]
        assert readout("classification", "mean", "off", n).split(" = ")[-1].startswith(mean)
        quoted("The mean of the same examples reads", mean, T.reduce(per, "mean"))


def test_the_weighted_mean_divides_by_the_weights():
    labels = rw.reduction_atlas()["classification_label"][:16]
    counts = np.bincount(labels, minlength=3)
    s = "They are 12 of class 0"
    for literal, value in zip(("12", "3", "1"), counts):
        quoted(s, literal, value)
    w = np.asarray(rw.CLASS_WEIGHTS)[labels]
    assert "12 + 3 × 4 + 1 × 4 = 28" in sentence(s) and w.sum() == 28
    shown = readout("classification", "mean", "on", 16)
    assert "Weighted 'mean' = 21.101 / Σw 28 = 0.754" in shown and "÷ N = 16 would give 1.319" in shown, shown
    logits, y = T.classification_batch(rw.N)
    per = classification.cross_entropy(logits[:16], y[:16], reduction="none")
    s = "The weighted losses sum to 21.101"
    quoted(s, "21.101", T.reduce(per, "sum", w))
    quoted(s, "0.754", T.reduce(per, "mean", w))
    quoted(s, "0.754", float(classification.cross_entropy(logits[:16], y[:16], weight=list(rw.CLASS_WEIGHTS))))
    quoted(s, "1.319", T.reduce(per, "sum", w) / 16)
    quoted("With the weights off, the same 16", "0.639", T.reduce(per, "mean"))


# ------------------------------------------------------------------ every decimal is checked


def test_every_decimal_on_the_page_is_asserted_in_this_file():
    """A decimal number on the page must appear, quoted, in an assertion of this file, so a
    new number cannot slip in unchecked."""
    missing = lessontools.unasserted_decimals(PAGE, __file__)
    assert not missing, f"numbers on the page that no test checks: {missing}"


# ------------------------------------------------------------------ state links


layout = lessontools.layout


def page_links() -> list[tuple[str, str]]:
    return lessontools.page_links(PAGE)


def check_state_link(link: str) -> dict[str, str]:
    """``page#widget?control=value&...`` (relative to the lessons folder) lands on a page
    embedding that widget and names real controls with values they take, selects before
    sliders (test_faq's rule and checker); returns the pairs."""
    path, fragment = link.split("#", 1)
    widget, query = fragment.split("?", 1)
    target = (LESSONS / path).resolve()
    assert target.is_file(), link
    assert widget in MARKER.findall(target.read_text(encoding="utf-8")), link
    assert widget in WIDGETS and widget != "loss-explorer", link  # controls that do not depend on each other
    pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), f"{link}: a control is set twice"
    seen_slider = False
    for key, raw in pairs:
        model = check_control(layout(widget), key, raw, link)
        if isinstance(model, Slider):
            seen_slider = True
        else:
            assert not seen_slider, f"{link}: select {key!r} comes after a slider"
    return dict(pairs)


def test_the_page_links_to_its_widget_states():
    links = page_links()
    assert len([1 for _, link in links if f"{PAGE}#{WIDGET}?" in link]) >= 10
    assert any("#descent?" in link for _, link in links)
    assert len([1 for _, link in links if f"{PAGE}#outlier-lab?" in link]) >= 6
    assert len([1 for _, link in links if f"{PAGE}#reduction-explorer?" in link]) >= 3
    assert LINK.findall(text_of())


@pytest.mark.parametrize("text, link", page_links(), ids=lambda v: str(v)[:70])
def test_state_link_opens_a_real_state(text, link):
    pairs = check_state_link(link)
    if f"#{WIDGET}?" in link:
        # Every setting is given, epoch last, so the link opens one run at one epoch.
        assert list(pairs) == [*tw.KEYS, "epoch"], link
        setting = {k: T.GRID[k][int(pairs[k])] for k in tw.KEYS}
        epoch = int(T.RECORDED[int(pairs["epoch"])])
        named = {
            "hidden": re.search(r"(\d+) units?\b", text),
            "n_train": re.search(r"(\d+) points\b", text),
            "noise": re.search(r"σ = ([\d.]+)", text),
            "weight_decay": re.search(r"λ = ([\d.]+)", text),
        }
        for key, m in named.items():
            if m:
                assert setting[key] == float(m[1]), (text, link)
        if m := re.search(r"epoch (\d+)", text):
            assert epoch == int(m[1]), (text, link)
    elif "#outlier-lab?" in link:
        assert list(pairs) == ["outlier_place", "pull_select", "outlier_height", "delta", "alpha_index"], link
        for word, place in (("middle", "middle"), ("left end", "left"), ("right end", "right")):
            if word in text:
                assert pairs["outlier_place"] == place, (text, link)
        if m := re.search(r"pulls of (MSE|MAE)", text):
            assert pairs["pull_select"] == m[1].lower(), (text, link)
        if m := re.search(r"δ (?:to|=) ([\d.]+)", text):
            assert pairs["pull_select"] == "huber" and float(pairs["delta"]) == float(m[1]), (text, link)
        if m := re.search(r"α = (\S+)", text):
            assert pairs["pull_select"] == "barron", (text, link)
            assert ow.alpha_text(ow.ALPHAS[int(pairs["alpha_index"])]) == m[1], (text, link)
        if m := re.search(r"(\d+) (?:below|above) the line", text):
            sign = -1 if "below" in text else 1
            assert float(pairs["outlier_height"]) == sign * float(m[1]), (text, link)
    elif "#reduction-explorer?" in link:
        assert list(pairs) == ["batch_select", "reduction_select", "weights_select", "batch_size"], link
        for kind in ("classification", "regression"):
            if kind in text:
                assert pairs["batch_select"] == kind, (text, link)
        if m := re.search(r'`"(mean|sum|none)"`', text):
            assert pairs["reduction_select"] == m[1], (text, link)
        if m := re.search(r"(\d+) examples", text):
            assert int(pairs["batch_size"]) == int(m[1]), (text, link)
        if "weighted" in text or "no weights" in text:
            assert pairs["weights_select"] == ("off" if "no weights" in text else "on"), (text, link)
    else:
        named = re.search(r"η = ([\d.]+)", text)
        if named:
            assert descent_widget.LRS[int(pairs["lr_index"])] == float(named[1]), (text, link)


def test_opening_links_show_the_opening_setting():
    """The over-fitting section's first two links are the opening setting at the best and the
    last epoch."""
    first, second = [check_state_link(link) for _, link in page_links()[:2]]
    for pairs in (first, second):
        assert {k: T.GRID[k][int(pairs[k])] for k in tw.KEYS} == tw.DEFAULT
    r = runs()[OPENING]
    assert int(first["epoch"]) == r.best_epoch and int(second["epoch"]) == T.RECORDED.size - 1


# ------------------------------------------------------------------ structure

SECTIONS = [
    "What you will be able to do",
    "Training loss and validation loss",
    "The training-curves widget",
    "Over-fitting and early stopping",
    "Under-fitting and capacity",
    "Regularisation and more data",
    "What a healthy curve looks like",
    "Why mini-batch curves are noisy",
    "A loss trace in numbers",
    "Outliers and robust losses",
    "Reductions and weights",
    "Keep an eye on a metric too",
    "Things to try",
    "Pause and check",
    "Key takeaways",
    "What's next",
    "References",
]


def test_the_page_has_the_sections_in_order():
    heads = re.findall(r"^## (.+)$", text_of(), flags=re.M)
    assert heads == SECTIONS


def test_markers_are_known_widgets_and_placeholders_wait_for_theirs():
    text = text_of()
    markers = MARKER.findall(text)
    assert set(markers) <= set(WIDGETS), markers
    assert markers.count(WIDGET) == 1
    for widget, placeholder in (("outlier-lab", "<!-- outlier lab goes here -->"),
                                ("reduction-explorer", "<!-- reduction explorer goes here -->")):
        assert (widget in markers) + (placeholder in text) == 1, widget


def test_pause_and_check_answers_are_collapsible():
    body = text_of().split("## Pause and check", 1)[1].split("\n## ", 1)[0]
    questions = re.findall(r'^\?\?\? question "(.+)"$', body, flags=re.M)
    assert len(questions) >= 5 and all(q.endswith("?") for q in questions)


def test_links_to_the_faq_and_the_next_lesson():
    text = text_of()
    for anchor in ("#why-validation", "#noisy-loss-curve", "#loss-vs-metric"):
        assert f"(../reference/faq.md{anchor})" in text
        faq = (ROOT / "docs" / "reference" / "faq.md").read_text(encoding="utf-8")
        assert "{" + anchor + "}" in faq
    assert "(beyond.md)" in text.split("## What's next", 1)[1]


def test_the_validation_can_end_below_the_training_loss():
    """The "Things to try" hint: 1 unit and 30 points has a run that ends that way."""
    assert any(r.val_loss[-1] < r.train_loss[-1] for k, r in runs().items() if k[:2] == (1, 30))
    assert "try 1 unit and\n  30 points".replace("\n  ", " ") in re.sub(r"\s*\n\s*", " ", text_of())
