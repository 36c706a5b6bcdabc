"""Tests for lossdocs.landscape: grids against PyTorch, orientation, the presets'
teaching claims, the minimum search, contour levels and input validation.

Tests are parametrised over ``landscape.PRESETS`` and ``landscape.LOSS_CHOICES``, so a
new preset or loss choice is covered without writing a new test (a new loss only needs
a torch reference in ``TORCH_REFERENCES``).
"""

import dataclasses
import math
import re
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lossdocs import landscape, losses

LOG2 = math.log(2.0)

TORCH_REFERENCES = {  # elementwise loss of float64 tensors
    "mse": lambda p, t: F.mse_loss(p, t, reduction="none"),
    "mae": lambda p, t: F.l1_loss(p, t, reduction="none"),
    "huber": lambda p, t, delta: F.huber_loss(p, t, reduction="none", delta=delta),
    "log_cosh": lambda p, t: torch.logaddexp(p - t, t - p) - LOG2,
}

CHOICES = [
    pytest.param(name, params, id=landscape.choice_label(name, params))
    for name, params in landscape.LOSS_CHOICES
]
PRESETS = [pytest.param(p, id=name) for name, p in landscape.PRESETS.items()]

# The clean curve of the ``outliers`` preset (checked against its data below).
W_CLEAN, B_CLEAN = 1.2, -0.2


def grid_of(preset, name="mse", params=None, n=landscape.GRID_SIZE):
    w, b = landscape.axes(preset, n)
    return w, b, landscape.loss_grid(name, preset.x, preset.y, w, b, **(params or {}))


def torch_grid(name, params, x, y, w, b):
    t = {k: torch.tensor(v, dtype=torch.float64) for k, v in dict(x=x, y=y, w=w, b=b).items()}
    pred = torch.tanh(t["w"][None, :, None] * t["x"] + t["b"][:, None, None])
    target = t["y"].expand_as(pred)
    full = {**losses.get(name).defaults(), **params}
    return TORCH_REFERENCES[name](pred, target, **full).mean(-1).numpy()


# --------------------------------------------------------------- the grid itself


def test_every_choice_has_a_torch_reference_and_valid_params():
    for name, params in landscape.LOSS_CHOICES:
        assert name in TORCH_REFERENCES, f"add a torch reference for {name}"
        loss = losses.get(name)
        assert loss.kind == "regression"
        for p in loss.params:
            if p.name in params:
                assert p.check(params[p.name], name) == params[p.name]
        assert set(params) <= {p.name for p in loss.params}


def test_loss_choices_are_the_widget_options_in_order():
    assert landscape.LOSS_CHOICES == [
        ("mse", {}), ("mae", {}), ("huber", {"delta": 0.1}), ("huber", {"delta": 0.3}),
        ("huber", {"delta": 1.0}), ("log_cosh", {}),
    ]


@pytest.mark.parametrize("name, params", CHOICES)
@pytest.mark.parametrize("seed", [0, 1])
def test_grid_matches_torch(name, params, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-2, 2, 13), rng.uniform(-1.5, 1.5, 13)
    w, b = rng.uniform(-4, 4, 7), rng.uniform(-2, 2, 5)
    g = landscape.loss_grid(name, x, y, w, b, **params)
    assert g.shape == (5, 7) and g.dtype == np.float64
    np.testing.assert_allclose(g, torch_grid(name, params, x, y, w, b), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name, params", CHOICES)
def test_orientation_rows_are_b_columns_are_w_and_loss_at_is_a_cell(name, params):
    rng = np.random.default_rng(7)
    x, y = rng.uniform(-1, 1, 6), rng.uniform(-1, 1, 6)
    w, b = np.linspace(-2, 3, 9), np.linspace(-1, 1, 4)
    g = landscape.loss_grid(name, x, y, w, b, **params)
    assert g.shape == (4, 9)
    loss = losses.get(name)
    for i, j in [(0, 0), (3, 8), (1, 6), (2, 3)]:
        direct = loss.value(np.tanh(w[j] * x + b[i]), y, **params).mean()
        np.testing.assert_allclose(g[i, j], direct, rtol=1e-14)
        at = landscape.loss_at(name, x, y, w[j], b[i], **params)
        assert isinstance(at, float)
        np.testing.assert_allclose(at, g[i, j], rtol=1e-14, atol=0)


def test_grid_is_vectorised_and_chunks_agree(monkeypatch):
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-2, 2, 20), rng.uniform(-1, 1, 20)
    w, b = np.linspace(-3, 3, 201), np.linspace(-2, 2, 201)
    calls = []
    original = losses.Loss.value
    monkeypatch.setattr(losses.Loss, "value", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    whole = landscape.loss_grid("huber", x, y, w, b, delta=0.3)
    assert whole.shape == (201, 201) and len(calls) <= 2  # whole blocks, no loop over cells
    monkeypatch.setattr(landscape, "_CHUNK", 201 * 20 * 7)  # 7 rows per chunk, ragged end
    calls.clear()
    chunked = landscape.loss_grid("huber", x, y, w, b, delta=0.3)
    assert len(calls) == math.ceil(201 / 7)
    np.testing.assert_allclose(chunked, whole, rtol=1e-14, atol=0)


def test_huge_parameters_saturate_without_warnings():
    x, y = np.array([-1e10, 1e10]), np.array([-1.0, 1.0])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        g = landscape.loss_grid("mse", x, y, [1e300, -1e300, 0.0], [0.0, 1e300])
    # w x = ±inf outweighs any finite b; with w = 0, b = 1e300 predicts 1 everywhere.
    np.testing.assert_array_equal(g, [[0.0, 4.0, 1.0], [0.0, 4.0, 2.0]])


def test_inputs_are_not_modified_and_lists_are_accepted():
    x, y, w, b = np.array([0.5, -1.0]), np.array([0.2, 0.1]), np.array([1.0, 2.0]), np.array([0.0])
    before = [a.copy() for a in (x, y, w, b)]
    g = landscape.loss_grid("mse", x, y, w, b)
    for a, c in zip((x, y, w, b), before):
        np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(landscape.loss_grid("mse", [0.5, -1], [0.2, 0.1], [1, 2], [0]), g)


# ------------------------------------------------------------------- validation


@pytest.mark.parametrize("kwargs, words", [
    (dict(loss_name="bce"), ["bce", "regression"]),
    (dict(loss_name="nope"), ["nope"]),
    (dict(y=[0.1, 0.2]), ["'x'", "'y'", "same length"]),
    (dict(w=[1.0, np.nan]), ["'w'", "finite"]),
    (dict(b=[np.inf]), ["'b'", "finite"]),
    (dict(b=[]), ["'b'", "non-empty"]),
    (dict(x=[[0.1, 0.2, 0.3]]), ["'x'", "1-D"]),
    (dict(y=[0.1, np.nan, 0.3]), ["'y'", "finite"]),
    (dict(x=["a", "b", "c"]), ["'x'", "real"]),
    (dict(loss_name="huber", delta=-1), ["delta"]),
    (dict(loss_name="mse", delta=1.0), ["delta"]),
])
def test_bad_input_raises_value_error_naming_the_problem(kwargs, words):
    args = dict(loss_name="mse", x=[0.0, 0.5, 1.0], y=[0.0, 0.2, 0.4], w=[1.0, 2.0], b=[0.0])
    args.update(kwargs)
    with pytest.raises(ValueError) as err:
        landscape.loss_grid(**args)
    for word in words:
        assert word in str(err.value)


def test_a_bad_array_is_refused_by_name_word_for_word():
    """The message names the module, the argument and what it allows, verbatim."""
    args = dict(loss_name="mse", x=[0.0, 0.5, 1.0], y=[0.0, 0.2, 0.4], w=[1.0, 2.0], b=[0.0])
    for what, bad, message in (("w", [1.0, np.nan], "landscape: 'w' must be finite, got NaN or inf"),
                               ("x", ["a", "b", "c"], "landscape: 'x' must be real numbers, got ['a', 'b', 'c']"),
                               ("b", [], "landscape: 'b' must be a non-empty 1-D array, got shape (0,)")):
        with pytest.raises(ValueError) as err:
            landscape.loss_grid(**{**args, what: bad})
        assert str(err.value) == message


def test_loss_at_wants_scalars():
    with pytest.raises(ValueError, match=r"'w' must be a scalar, got shape \(2,\)"):
        landscape.loss_at("mse", [0.0], [0.0], [1.0, 2.0], 0.0)
    with pytest.raises(ValueError, match=r"'b' must be a scalar, got shape \(1, 1\)"):
        landscape.loss_at("mse", [0.0], [0.0], 1.0, [[0.0]])
    with pytest.raises(ValueError, match="regression"):
        landscape.loss_at("bce", [0.0], [0.0], 1.0, 0.0)


# ---------------------------------------------------------------------- presets


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_is_well_formed(preset):
    assert preset is landscape.PRESETS[preset.name]
    assert preset.label.strip() and preset.description.strip()
    assert "\n" not in preset.description
    for a in (preset.x, preset.y):
        assert a.dtype == np.float64 and a.ndim == 1 and not a.flags.writeable
        assert np.isfinite(a).all()
    assert preset.x.size == preset.y.size >= 2
    (w0, w1), (b0, b1), (ws, bs) = preset.w_range, preset.b_range, preset.start
    assert w0 < ws < w1 and b0 < bs < b1


def test_preset_labels_are_unique_and_required_ones_exist():
    assert list(landscape.PRESETS)[:4] == ["two_points", "sloped_line", "outliers", "unreachable"]
    labels = [p.label for p in landscape.PRESETS.values()]
    assert len(set(labels)) == len(labels)
    assert landscape.PRESETS["two_points"].label == "Two points only"
    assert landscape.PRESETS["sloped_line"].label == "Sloped line through origin"


@pytest.mark.parametrize("preset", PRESETS)
def test_mse_minimum_is_inside_the_window(preset):
    w, b, _ = grid_of(preset)
    wm, bm, _ = landscape.minimum("mse", preset)
    margin_w, margin_b = 2 * (w[1] - w[0]), 2 * (b[1] - b[0])
    assert preset.w_range[0] + margin_w < wm < preset.w_range[1] - margin_w
    assert preset.b_range[0] + margin_b < bm < preset.b_range[1] - margin_b


@pytest.mark.parametrize("name, params", CHOICES)
@pytest.mark.parametrize("preset", PRESETS)
def test_start_is_clearly_worse_than_the_minimum(preset, name, params):
    wm, bm, lm = landscape.minimum(name, preset, **params)
    ls = landscape.loss_at(name, preset.x, preset.y, *preset.start, **params)
    assert ls > 2 * lm
    assert math.hypot(preset.start[0] - wm, preset.start[1] - bm) > 0.5


@pytest.mark.parametrize("name, params", CHOICES)
@pytest.mark.parametrize("preset", PRESETS)
def test_minimum_is_at_least_as_low_as_every_grid_cell(preset, name, params):
    _, _, g = grid_of(preset, name, params)
    wm, bm, lm = landscape.minimum(name, preset, **params)
    assert lm <= g.min()
    np.testing.assert_allclose(lm, landscape.loss_at(name, preset.x, preset.y, wm, bm, **params), rtol=1e-14)


def test_preset_arrays_are_copies():
    x = np.linspace(0, 1, 3)
    p = landscape.Preset("t", "T", "d", x, x, (-1, 1), (-1, 1), (0.5, 0.5))
    assert x.flags.writeable and not p.x.flags.writeable
    with pytest.raises(ValueError):
        landscape.Preset("t", "T", "d", x, x, (-1, 1), (-1, 1), (2.0, 0.0))


@pytest.mark.parametrize("start", [(-1.0, 0.0), (1.0, 0.0), (0.0, -2.0), (0.0, 2.0)])
def test_a_start_on_the_window_edge_is_outside(start):
    x = np.linspace(0, 1, 3)
    with pytest.raises(ValueError, match="'t': empty window or start outside it"):
        landscape.Preset("t", "T", "d", x, x, (-1, 1), (-2, 2), start)


def test_preset_data_are_the_documented_curves():
    """The teaching data themselves: the two points on tanh(1.5 x + 0.3), and the outliers
    preset's clean curve (15 evenly spaced x in [-2, 2] on tanh(1.2 x - 0.2)) followed by
    its two outliers (-1.5, 1.5) and (-1, 1.5)."""
    two = landscape.PRESETS["two_points"]
    np.testing.assert_array_equal(two.x, [-1.0, 1.0])
    np.testing.assert_allclose(two.y, [math.tanh(-1.2), math.tanh(1.8)], rtol=1e-15)
    out = landscape.PRESETS["outliers"]
    clean_x = [-2.0 + 4.0 * k / 14 for k in range(15)]
    np.testing.assert_allclose(out.x, [*clean_x, -1.5, -1.0], rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(out.y, [*(math.tanh(W_CLEAN * v + B_CLEAN) for v in clean_x), 1.5, 1.5],
                               rtol=1e-14)


# --------------------------------------------------------------- teaching claims


def test_two_points_exact_solution_and_refined_minimum():
    preset = landscape.PRESETS["two_points"]
    assert preset.x.size == 2
    we, be = landscape.exact_solution(preset)
    np.testing.assert_allclose(np.tanh(we * preset.x + be), preset.y, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose((we, be), (1.5, 0.3), rtol=1e-12)
    wm, bm, lm = landscape.minimum("mse", preset)
    assert abs(wm - we) < 1e-7 and abs(bm - be) < 1e-7  # the last zoom's spacing is ~1e-7
    assert lm < 1e-12
    _, _, g = grid_of(preset)
    assert g.min() > 1e-8  # the exact zero is between grid nodes: refinement is needed


@pytest.mark.parametrize("w_range, b_range", [((-1.37, 4.61), (-2.23, 2.71)), ((0.9, 2.0), (-0.4, 0.8))])
def test_refinement_finds_the_exact_solution_for_other_windows(w_range, b_range):
    preset = dataclasses.replace(landscape.PRESETS["two_points"], w_range=w_range, b_range=b_range,
                                 start=(sum(w_range) / 2 + 0.01, b_range[0] + 0.05))
    we, be = landscape.exact_solution(preset)
    wm, bm, lm = landscape.minimum("mse", preset)
    assert abs(wm - we) < 1e-7 and abs(bm - be) < 1e-7 and lm < 1e-12


def test_minimum_beyond_the_window_returns_the_best_boundary_point():
    preset = dataclasses.replace(landscape.PRESETS["two_points"], w_range=(2.0, 4.0), start=(3.0, 0.0))
    wm, bm, lm = landscape.minimum("mse", preset)
    assert wm == 2.0
    _, _, g = grid_of(preset)
    assert lm <= g.min() and lm > 1e-4


def test_minimum_keeps_an_exact_grid_node_the_clipped_zoom_box_misses():
    """Data generated from a node of the first grid, two spacings from the window's left
    edge: that node is an exact zero. The zoom box around it is clipped by the window, so
    its 41 nodes miss the zero; the search must keep the better old point, not the best
    of the new box."""
    w_range, b_range, x = (-1.6, 4.4), (-2.5, 2.5), np.array([-1.0, 1.0])
    probe = landscape.Preset("probe", "Probe", "d", x, x, w_range, b_range, (1.0, 0.0))
    w, b = landscape.axes(probe)
    ws, bs = float(w[2]), float(b[120])
    preset = landscape.Preset("edge", "Edge", "d", x, np.tanh(ws * x + bs), w_range, b_range, (1.0, 0.0))
    assert landscape.loss_at("mse", preset.x, preset.y, ws, bs) == 0.0
    hw = 4 * (w[1] - w[0])
    box = np.linspace(max(w_range[0], ws - hw), ws + hw, 41)
    assert ws not in box  # clipped: the next round does not contain the exact node
    assert landscape.minimum("mse", preset) == (ws, bs, 0.0)


def test_exact_solution_needs_two_points_with_distinct_x():
    with pytest.raises(ValueError):
        landscape.exact_solution(landscape.PRESETS["sloped_line"])
    bad = landscape.Preset("t", "T", "d", [0.5, 0.5], [0.1, 0.2], (-1, 1), (-1, 1), (0, 0))
    with pytest.raises(ValueError):
        landscape.exact_solution(bad)
    for y in ([0.2, 1.0], [-1.5, 0.2]):  # tanh never reaches |y| >= 1
        bad = landscape.Preset("t", "T", "d", [0.5, 2.0], y, (-1, 1), (-1, 1), (0, 0))
        with pytest.raises(ValueError, match=r"'t': needs two points with distinct x and \|y\| < 1"):
            landscape.exact_solution(bad)


def test_exact_solution_away_from_x_equals_plus_minus_one():
    x = np.array([0.5, 2.0])
    preset = landscape.Preset("t", "T", "d", x, np.tanh(0.8 * x - 0.3), (-1, 1), (-1, 1), (0, 0))
    np.testing.assert_allclose(landscape.exact_solution(preset), (0.8, -0.3), rtol=1e-12)


def hessian(f, w, b, h=1e-3):
    """Central finite-difference Hessian of f at (w, b)."""
    fww = (f(w + h, b) - 2 * f(w, b) + f(w - h, b)) / h**2
    fbb = (f(w, b + h) - 2 * f(w, b) + f(w, b - h)) / h**2
    fwb = (f(w + h, b + h) - f(w + h, b - h) - f(w - h, b + h) + f(w - h, b - h)) / (4 * h * h)
    return np.array([[fww, fwb], [fwb, fbb]])


def test_sloped_line_has_a_long_shallow_valley():
    preset = landscape.PRESETS["sloped_line"]
    slope = np.polyfit(preset.x, preset.y, 1)
    np.testing.assert_allclose(slope, [0.6, 0.0], atol=1e-12)  # a line through the origin
    wm, bm, _ = landscape.minimum("mse", preset)
    H = hessian(lambda w, b: landscape.loss_at("mse", preset.x, preset.y, w, b), wm, bm)
    small, large = np.linalg.eigvalsh(H)
    assert small > 0 and large / small > 10


def test_outliers_pull_mse_but_not_mae_and_huber_lies_between():
    preset = landscape.PRESETS["outliers"]
    clean = np.isclose(preset.y, np.tanh(W_CLEAN * preset.x + B_CLEAN), rtol=0, atol=1e-12)
    assert clean.sum() >= 12 and (~clean).sum() == 2
    fits = {landscape.choice_label(n, p): landscape.minimum(n, preset, **p)[:2] for n, p in landscape.LOSS_CHOICES}

    def dist(label):
        return math.hypot(fits[label][0] - W_CLEAN, fits[label][1] - B_CLEAN)

    def pred_at_outliers(label):
        w, b = fits[label]
        return np.tanh(w * preset.x[~clean] + b)

    mse, mae = "Mean squared error", "Mean absolute error"
    assert dist(mae) < 0.05 and dist(mse) > 0.5
    assert (pred_at_outliers(mse) > pred_at_outliers(mae) + 0.3).all()
    assert (preset.y[~clean] > pred_at_outliers(mse)).all()  # moved toward the outliers
    huber = [label for label in fits if label.startswith("Huber")]
    assert huber
    for label in huber:
        assert dist(mae) <= dist(label) < dist(mse)
    assert dist(mae) + 0.2 < dist("Huber (δ = 1)") < dist(mse) - 0.2


@pytest.mark.parametrize("name, params", CHOICES)
def test_unreachable_target_leaves_a_floor(name, params):
    preset = landscape.PRESETS["unreachable"]
    _, _, lm = landscape.minimum(name, preset, **params)
    scale = landscape.loss_at(name, preset.x, preset.y, 0.0, 0.0, **params)  # predicting 0
    assert lm > 0.15 * scale and lm > 0.01
    if name == "mse":
        assert lm > 0.1


# ---------------------------------------------------------------- contour levels


def assert_nice_levels(levels, grid, count):
    g = np.asarray(grid)[np.asarray(grid) > 0]
    assert len(levels) <= count
    assert all(isinstance(v, float) for v in levels)
    assert all(a < b for a, b in zip(levels, levels[1:]))
    assert all(g.min() < v < g.max() for v in levels)
    for v in levels:
        k = math.floor(math.log10(v))
        mantissa = v / 10.0**k
        assert any(math.isclose(mantissa, m, rel_tol=1e-9) for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10))
        assert v == float(f"{v:.2g}")  # exactly the decimal it prints as


@pytest.mark.parametrize("name, params", CHOICES)
@pytest.mark.parametrize("preset", PRESETS)
def test_contour_levels_on_preset_grids(preset, name, params):
    _, _, g = grid_of(preset, name, params)
    for count, enough in ((6, 4), (4, 2), (1, 1)):
        levels = landscape.contour_levels(g, count)
        assert_nice_levels(levels, g, count)
        assert len(levels) >= enough


@pytest.mark.parametrize("lo, hi, count, expected", [
    (0.03, 40.0, 5, [0.05, 0.2, 1.0, 5.0, 20.0]),            # every other 1-2-5 level
    (0.03, 40.0, 6, [0.1, 0.3, 1.0, 3.0, 10.0, 30.0]),
    (1.08, 2.5, 6, [1.2, 1.5, 2.0]),                       # narrow range: finer mantissas
    (0.05, 0.7, 6, [0.06, 0.1, 0.15, 0.25, 0.4, 0.6]),     # every other fine level
    (0.05, 0.7, 3, [0.1, 0.2, 0.5]),
    (1e-5, 10.0, 6, [1e-4, 1e-3, 1e-2, 0.1, 1.0]),
    (1e-12, 1e12, 3, [1e-10, 1.0, 1e10]),                   # one level per 10 decades
    (1e-300, 1e300, 2, [1e-290, 1e-280]),                   # too wide: the lowest are kept
    (2.0, 2.0, 6, []),
    (1.0, 1.1, 6, []),
    # Each sparse family chosen in turn (1 per 5, 3 and 2 decades), and every 3rd level of
    # one per decade: mutants with other steps or strides pick other levels.
    (1e-11, 1e11, 5, [1e-10, 1e-5, 1.0, 1e5, 1e10]),
    (1e-7, 1e7, 5, [1e-6, 1e-3, 1.0, 1e3, 1e6]),
    (1e-6, 1e4, 4, [1e-4, 1e-2, 1.0, 1e2]),
    (1e-5, 1e6, 4, [1e-4, 0.1, 1e2, 1e5]),
])
def test_contour_levels_examples(lo, hi, count, expected):
    grid = np.array([[lo, hi], [hi, lo]])
    levels = landscape.contour_levels(grid, count)
    assert levels == expected
    assert_nice_levels(levels, grid, count)


def test_contour_levels_default_to_six():
    """The maps and figures call it without a count: six levels at most."""
    grid = np.array([[1e-4, 1e4], [1e4, 1e-4]])
    assert landscape.contour_levels(grid) == [1e-3, 0.1, 10.0, 1e3]  # every other decade
    assert len(landscape.contour_levels(grid, 7)) == 7  # one per decade, had it been 7


def test_contour_levels_ignore_zeros_and_non_finite_values():
    assert landscape.contour_levels(np.zeros((3, 3))) == []
    g = np.array([0.0, 0.003, np.nan, 0.5, np.inf])
    levels = landscape.contour_levels(g, 6)
    assert levels == [0.005, 0.01, 0.02, 0.05, 0.1, 0.2]
    assert_nice_levels(levels, g[np.isfinite(g)], 6)
    with pytest.raises(ValueError, match="count"):
        landscape.contour_levels(g, 0)


# ------------------------------------------------------------- axes and labels


@pytest.mark.parametrize("preset", PRESETS)
def test_axes_span_the_window(preset):
    w, b = landscape.axes(preset)
    assert landscape.GRID_SIZE >= 161
    assert w.shape == b.shape == (landscape.GRID_SIZE,)
    assert (w[0], w[-1]) == preset.w_range and (b[0], b[-1]) == preset.b_range
    w, b = landscape.axes(preset, 11)
    assert w.size == b.size == 11 and np.all(np.diff(w) > 0) and np.all(np.diff(b) > 0)


def test_axes_take_two_or_more_points_and_refuse_fewer_or_fractions():
    preset = landscape.PRESETS["two_points"]
    w, b = landscape.axes(preset, 2)
    assert (tuple(w), tuple(b)) == (preset.w_range, preset.b_range)
    assert landscape.axes(preset, 3.0)[0].size == 3
    for n in (1, 0, 2.5, 1.5):
        with pytest.raises(ValueError, match=r"'n' must be an integer >= 2, got " + re.escape(repr(n))):
            landscape.axes(preset, n)


def test_choice_labels_use_the_registry_labels():
    assert landscape.choice_label("mse", {}) == losses.get("mse").label
    assert landscape.choice_label("huber", {"delta": 0.3}) == "Huber (δ = 0.3)"
    assert landscape.choice_label("huber", {"delta": 1.0}) == "Huber (δ = 1)"
    assert landscape.choice_label("huber", {}) == "Huber (δ = 1)"  # the default, spelled out
    labels = [landscape.choice_label(n, p) for n, p in landscape.LOSS_CHOICES]
    assert len(set(labels)) == len(labels)
    with pytest.raises(ValueError, match="delta"):
        landscape.choice_label("huber", {"delta": -1})
    with pytest.raises(ValueError, match="regression"):
        landscape.choice_label("bce", {})


def test_choice_label_errors_name_the_loss_and_the_first_unknown_parameter():
    with pytest.raises(ValueError, match=r"^huber: parameter 'delta' must be in \(0, inf\), got -1"):
        landscape.choice_label("huber", {"delta": -1})
    with pytest.raises(ValueError, match="^mse: unknown parameter 'delta'$"):
        landscape.choice_label("mse", {"delta": 1.0})
    with pytest.raises(ValueError, match="^huber: unknown parameter 'alpha'$"):
        landscape.choice_label("huber", {"zeta": 1.0, "alpha": 2.0, "delta": 1.0})


def test_choice_label_lists_every_parameter(monkeypatch):
    huber = losses.get("huber")
    (delta,) = huber.params
    two = dataclasses.replace(huber, name="two", params=(delta, dataclasses.replace(delta, name="beta", label="β")))
    monkeypatch.setitem(losses.REGISTRY, "two", two)
    assert landscape.choice_label("two", {"beta": 2.0}) == "Huber (δ = 1, β = 2)"
