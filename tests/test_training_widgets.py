"""Lesson five's widgets (training curves, outlier lab, reduction explorer): every array
they ship equals the engine's, their readouts print the engine's numbers, and their
static figures draw the opening state."""

from __future__ import annotations

import math

import numpy as np
import pytest
from bokeh.models import Select, Slider
from widgettools import built, model

from lossdocs import classification, robust, training
from lossdocs.site import figures
from lossdocs.widgets import outlier as ow
from lossdocs.widgets import reduction as rw
from lossdocs.widgets import training as tw

# ------------------------------------------------------------ training curves


def test_training_atlas_is_the_engines_runs():
    atlas = tw.training_atlas()
    runs = training.train_grid()
    K, X = len(atlas["epochs"]), len(atlas["fit_x"])
    np.testing.assert_array_equal(atlas["epochs"], training.RECORDED)
    fits = tw.decode_fits(atlas["fits"].reshape(-1, K, X))
    for i, setting in enumerate(tw.settings()):
        run = runs[setting]
        assert i == tw.index_of(atlas, dict(zip(tw.KEYS, setting)))
        np.testing.assert_array_equal(atlas["train"][i * K:(i + 1) * K], run.train_loss.astype(np.float32))
        np.testing.assert_array_equal(atlas["val"][i * K:(i + 1) * K], run.val_loss.astype(np.float32))
        assert atlas["best"][i] == run.best_epoch
        # 8-bit codes on FIT_RANGE: within half a step of the engine's curve
        step = (tw.FIT_RANGE[1] - tw.FIT_RANGE[0]) / tw.LEVELS
        assert np.abs(fits[i] - run.snapshots).max() <= step / 2 + 1e-9


def test_training_points_are_the_engines_data():
    atlas = tw.training_atlas()
    P, V = len(atlas["x"]), len(atlas["x_val"])
    for s, noise in enumerate(training.GRID["noise"]):
        d = training.data(training.POOL, noise)
        np.testing.assert_array_equal(atlas["x"], d.x.astype(np.float32))
        np.testing.assert_array_equal(atlas["y"][s * P:(s + 1) * P], d.y.astype(np.float32))
        np.testing.assert_array_equal(atlas["y_val"][s * V:(s + 1) * V], d.y_val[:V].astype(np.float32))
    np.testing.assert_array_equal(atlas["truth"], training.target(training.SNAP_X).astype(np.float32))


def test_training_opens_on_the_overfitting_run_at_its_last_epoch():
    layout = built("training")
    run = training.train_grid()[tuple(tw.DEFAULT[k] for k in tw.KEYS)]
    src = model(layout, "loss_curves")
    np.testing.assert_array_equal(src.data["train"], run.train_loss.astype(np.float32))
    best = model(layout, "best_epoch").data
    assert best["x"] == [run.epochs[run.best_epoch]]
    assert model(layout, "best_span").location == float(run.epochs[run.best_epoch])
    fit = model(layout, "fit_curve").data["y"]
    assert np.abs(fit - run.snapshots[-1]).max() < 0.01
    assert len(model(layout, "train_points").data["x"]) == tw.DEFAULT["n_train"]
    plot = model(layout, "loss_plot")
    assert plot.title.text == f"Epoch 2000: training {run.train_loss[-1]:#.3g}, validation {run.val_loss[-1]:#.3g}"
    assert model(layout, "best_title").text.startswith(f"Lowest validation {run.val_loss[run.best_epoch]:#.3g}")
    for key in tw.KEYS:
        slider = model(layout, key)
        assert isinstance(slider, Slider) and slider.end == len(training.GRID[key]) - 1
        assert training.GRID[key][slider.value] == tw.DEFAULT[key]
    assert model(layout, "epoch").end == len(training.RECORDED) - 1
    assert model(layout, "play_toggle").label == "▶ Play"


@pytest.mark.parametrize("value,text", [(0.0410, "0.0410"), (1.08, "1.08"), (0.5188, "0.519"), (2.0, "2.00")])
def test_losses_print_as_toprecision_3(value, text):
    assert tw.show(value) == text


def test_fit_codes_refuse_a_curve_outside_the_range():
    with pytest.raises(ValueError, match="FIT_RANGE"):
        tw.encode_fits(np.full((1, 2, 3), 5.0))


# ------------------------------------------------------------ outlier lab


def test_every_outlier_line_and_pull_is_the_engines_fit():
    atlas = ow.outlier_atlas()
    n = atlas["n_points"]
    checked = 0
    for place, _, _ in ow.PLACES:
        for h in ow.HEIGHTS[::5]:
            x, y = ow.data(place, h)
            for v, (loss, params) in enumerate(ow.variants()):
                fit = robust.fit_line(loss, x, y, **params)
                i = ow._slot(atlas, place, h, v)
                ends = fit.w * np.array(ow.X_RANGE) + fit.b
                np.testing.assert_allclose(atlas["ends"][2 * i:2 * i + 2], ends, rtol=1e-6, atol=1e-6)
                p = robust.pulls(fit, x, y)
                np.testing.assert_allclose(atlas["pulls"][i * n:(i + 1) * n], p, rtol=1e-6, atol=1e-6)
                assert atlas["others"][i] == pytest.approx(p[:-1].sum(), abs=1e-5)
                checked += 1
    assert checked == 3 * 5 * len(ow.variants())


def test_the_pulls_teach_what_the_lesson_says():
    atlas = ow.outlier_atlas()
    n = atlas["n_points"]
    for place, _, _ in ow.PLACES:
        for h in (-10.0, 10.0):
            def pulls(loss, **kw):
                v = ow.variant_index(loss, kw.get("delta", 1.0), kw.get("alpha", 0.0))
                i = ow._slot(atlas, place, h, v)
                return atlas["pulls"][i * n:(i + 1) * n].astype(np.float64)
            for loss in ("mse", "mae", "huber", "log_cosh"):
                p = pulls(loss)
                assert abs(p.sum()) < 1e-5, "the pulls balance"
            mse = pulls("mse")
            assert mse[-1] == pytest.approx(-mse[:-1].sum(), abs=1e-5) and abs(mse[-1]) > 10
            assert np.abs(pulls("mae")).max() <= 1 + 1e-6
            for delta in ow.DELTAS:
                assert np.abs(pulls("huber", delta=delta)).max() <= delta + 1e-6
            welsch = pulls("barron", alpha=-math.inf)
            assert abs(welsch[-1]) < 1e-6, "Welsch all but ignores a far outlier"


def test_outlier_lab_opens_on_the_engines_mse_line():
    layout = built("outlier")
    d = ow.DEFAULT
    x, y = ow.data(d["place"], d["height"])
    fit = robust.fit_line("mse", x, y)
    line = model(layout, "line_mse").data
    np.testing.assert_allclose(line["y"], fit.w * np.array(ow.X_RANGE) + fit.b, rtol=1e-6)
    np.testing.assert_allclose(model(layout, "pulls").data["pull"], robust.pulls(fit, x, y), rtol=1e-6, atol=1e-6)
    assert model(layout, "pull_plot").title.text == ow.pull_title(ow.outlier_atlas(), d["place"], d["height"],
                                                                   "mse", d["delta"], d["alpha"])
    assert model(layout, "pull_plot").title.text.startswith("MSE: outlier's pull −")
    assert isinstance(model(layout, "pull_select"), Select)
    for name in ("outlier_height", "outlier_place", "delta", "alpha_index"):
        model(layout, name)


def test_outlier_lab_widens_the_chosen_line_outside_the_legend():
    """The chosen loss's line is drawn again, wider, by a renderer the legend does not list:
    choosing another loss shows and hides those, and the legend's items never change."""
    layout = built("outlier")
    emphasis = {loss: model(layout, f"emphasis_{loss}") for loss, _ in ow.LOSSES}
    assert [loss for loss, r in emphasis.items() if r.visible] == [ow.DEFAULT["loss"]]
    listed = [r for item in model(layout, "outlier_plot").legend[0].items for r in item.renderers]
    assert [r.data_source.name for r in listed] == [f"line_{loss}" for loss, _ in ow.LOSSES]
    assert all(r.glyph.line_width == 2 for r in listed)
    for loss, r in emphasis.items():
        assert r not in listed
        assert r.glyph.line_width == 4
        assert r.data_source is model(layout, f"line_{loss}")
        assert r.glyph.line_color == ow.COLORS[loss]


@pytest.mark.parametrize("v,text", [(1.234, "+1.23"), (-14.851, "−14.85"), (0.0, "+0.00"), (-0.001, "−0.00")])
def test_signed_prints_as_outlier_js(v, text):
    assert ow.signed(v) == text


# ------------------------------------------------------------ reduction explorer


def test_reduction_numbers_are_the_engines():
    atlas = rw.reduction_atlas()
    logits, labels = training.classification_batch(rw.N)
    w = np.array(rw.CLASS_WEIGHTS)
    for size in (1, 5, 16, 32):
        z, y = logits[:size], labels[:size]
        for red in ("mean", "sum"):
            plain = float(classification.cross_entropy(z, y, reduction=red))
            weighted = float(classification.cross_entropy(z, y, weight=w, reduction=red))
            assert rw.at(atlas, "value", "classification", red, "off", size) == pytest.approx(plain, rel=1e-12)
            assert rw.at(atlas, "value", "classification", red, "on", size) == pytest.approx(weighted, rel=1e-12)
            g = classification.cross_entropy_grad(z, y, weight=w, reduction=red)
            assert rw.at(atlas, "grad_norm", "classification", red, "on", size) == pytest.approx(
                np.linalg.norm(g), rel=1e-12)
        assert rw.at(atlas, "divisor", "classification", "mean", "on", size) == pytest.approx(w[y].sum())
        pred, t = training.regression_batch(rw.N)
        mse = (pred[:size] - t[:size]) ** 2
        assert rw.at(atlas, "value", "regression", "mean", "off", size) == pytest.approx(mse.mean(), rel=1e-12)
        assert rw.at(atlas, "value", "regression", "sum", "off", size) == pytest.approx(mse.sum(), rel=1e-12)
        assert math.isnan(rw.at(atlas, "value", "regression", "none", "off", size))


def test_sum_grows_with_the_batch_and_mean_does_not():
    atlas = rw.reduction_atlas()
    for kind in ("regression", "classification"):
        s8, s32 = (rw.at(atlas, "value", kind, "sum", "off", n) for n in (8, 32))
        m8, m32 = (rw.at(atlas, "value", kind, "mean", "off", n) for n in (8, 32))
        assert s32 > 2 * s8 and 0.5 < m32 / m8 < 2
        g8, g32 = (rw.at(atlas, "grad_norm", kind, "sum", "off", n) for n in (8, 32))
        assert g32 > 1.5 * g8


def test_weighted_mean_divides_by_the_sum_of_weights_not_n():
    atlas = rw.reduction_atlas()
    first, second = rw.titles(atlas, "classification", "mean", "on", 16)
    total = rw.at(atlas, "total", "classification", "mean", "on", 16)
    divisor = rw.at(atlas, "divisor", "classification", "mean", "on", 16)
    assert divisor != 16
    assert first == f"Weighted 'mean' = {total:.3f} / Σw {divisor:g} = {total / divisor:.3f}"
    assert second.startswith(f"÷ N = 16 would give {total / 16:.3f}")


@pytest.mark.parametrize("weights", ["off", "on"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_reduction_gradient_is_the_engines_cross_entropy_gradient(reduction, weights):
    """The widget's gradient (reduce_weights' factors times each example's own gradient)
    equals the engine's cross_entropy_grad, class weights and all, at every batch size."""
    logits, labels = training.classification_batch(rw.N)
    weight = np.array(rw.CLASS_WEIGHTS) if weights == "on" else None
    for size in range(1, rw.N + 1):
        grad = rw.state("classification", reduction, weights, size)["grad"]
        expected = classification.cross_entropy_grad(logits[:size], labels[:size], weight=weight,
                                                     reduction=reduction)
        np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-15)


def test_reduction_batches_are_built_once_and_read_only():
    for kind in ("regression", "classification"):
        b = rw.batch(kind)
        assert rw.batch(kind) is b
        for key in ("per", "grad", "label"):
            with pytest.raises(ValueError, match="read-only"):
                b[key][0] = 0


def test_reduction_explorer_opens_on_its_default():
    layout = built("reduction")
    d = rw.DEFAULT
    bars = model(layout, "example_losses").data
    assert len(bars["loss"]) == d["size"]
    logits, labels = training.classification_batch(rw.N)
    per = classification.cross_entropy(logits, labels, weight=np.array(rw.CLASS_WEIGHTS), reduction="none")
    np.testing.assert_allclose(bars["loss"], per[:d["size"]], rtol=1e-6)
    assert model(layout, "bars_plot").title.text == rw.titles(rw.reduction_atlas(), d["batch"], d["reduction"],
                                                              d["weights"], d["size"])[0]
    for name in ("batch_select", "reduction_select", "weights_select", "batch_size"):
        model(layout, name)


# ------------------------------------------------------------ static figures


@pytest.mark.parametrize("name", ["training-curves", "outlier-lab", "reduction-explorer"])
def test_static_figures_draw_and_describe_the_opening_state(name):
    markup, text = figures.figure(name)
    assert markup.count("<svg") == 2 and "<polyline" in markup
    assert "With JavaScript on" in text


def test_training_figure_quotes_the_opening_run():
    run = training.train_grid()[tuple(tw.DEFAULT[k] for k in tw.KEYS)]
    _, text = figures.figure("training-curves")
    assert f"falls to {run.train_loss[-1]:.3f} by epoch 2000" in text
    assert f"{run.val_loss[run.best_epoch]:.3f}, at epoch {run.epochs[run.best_epoch]}" in text
    assert f"ends at {run.val_loss[-1]:.3f}" in text
