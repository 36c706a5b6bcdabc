"""Tests for lossdocs.descent: paths against torch.optim (every optimiser, loss, schedule,
mini-batches), the vectorised pass, divergence, validation, and the MAE lesson's claim.

The same model runs through ``torch.optim`` on float64 tensors ``w`` and ``b``; a new
regression loss only needs a torch formula in ``TORCH_LOSSES``.
"""

import math
import time
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lossdocs import descent, landscape, losses

LOG2 = math.log(2.0)
TORCH_LOSSES = {  # mean over the points, float64 tensors
    "mse": lambda p, t: F.mse_loss(p, t),
    "mae": lambda p, t: F.l1_loss(p, t),
    "huber": lambda p, t, delta: F.huber_loss(p, t, delta=delta),
    "log_cosh": lambda p, t: (p - t + F.softplus(-2.0 * (p - t)) - LOG2).mean(),
    "barron": lambda p, t, alpha, scale: barron_torch(p - t, alpha, scale).mean(),
}


def barron_torch(r, alpha, c):
    """Barron's rho(r, alpha, c) written in torch (the paper's formula and its limits)."""
    x2 = (r / c) ** 2
    if alpha == 2:
        return 0.5 * x2
    if alpha == 0:
        return torch.log1p(0.5 * x2)
    if alpha == -math.inf:
        return -torch.expm1(-0.5 * x2)
    b = abs(alpha - 2)
    return b / alpha * ((x2 / b + 1) ** (alpha / 2) - 1)
TORCH_OPTIMIZERS = {
    "sgd": lambda ps, lr: torch.optim.SGD(ps, lr),
    "momentum": lambda ps, lr, momentum=0.9: torch.optim.SGD(ps, lr, momentum=momentum),
    "nesterov": lambda ps, lr, momentum=0.9: torch.optim.SGD(ps, lr, momentum=momentum, nesterov=True),
    "rmsprop": lambda ps, lr, **kw: torch.optim.RMSprop(ps, lr, **{"alpha": 0.99, "eps": 1e-8, **kw}),
    "adam": lambda ps, lr, **kw: torch.optim.Adam(ps, lr, **{"betas": (0.9, 0.999), "eps": 1e-8, **kw}),
}
TORCH_SCHEDULES = {
    "constant": lambda opt, steps: None,
    "step": lambda opt, steps: torch.optim.lr_scheduler.StepLR(opt, max(1, steps // 3), gamma=0.5),
    "cosine": lambda opt, steps: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=0.0),
}
LOSSES = [("mse", {}), ("mae", {}), ("huber", {"delta": 0.3}), ("huber", {}), ("log_cosh", {})]
LOSS_IDS = ["mse", "mae", "huber0.3", "huber1", "log_cosh"]
OPTS = list(descent.OPTIMIZERS)
RTOL, ATOL = 1e-8, 1e-12


def torch_run(name, params, x, y, start, optimizer, lr, steps, schedule="constant", batches=None, **hyper):
    """(path, loss over all points, lr per step) of the same descent in torch.optim."""
    t = lambda a: torch.tensor(np.asarray(a), dtype=torch.float64)  # noqa: E731
    x, y = t(x), t(y)
    w, b = (t(v).requires_grad_() for v in start)
    opt = TORCH_OPTIMIZERS[optimizer]([w, b], lr, **hyper)
    sched = TORCH_SCHEDULES[schedule](opt, steps)
    full = {**losses.get(name).defaults(), **params}
    ref = lambda w, b, xs, ys: TORCH_LOSSES[name](torch.tanh(w * xs + b), ys, **full)  # noqa: E731
    path, value, lrs = [(w.item(), b.item())], [], []
    for k in range(steps):
        idx = slice(None) if batches is None else torch.tensor(np.array(batches[k]))
        with torch.no_grad():
            value.append(ref(w, b, x, y).item())
        opt.zero_grad()
        ref(w, b, x[idx], y[idx]).backward()
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        if sched is not None:
            sched.step()
        path.append((w.item(), b.item()))
    with torch.no_grad():
        value.append(ref(w, b, x, y).item())
    return np.array(path), np.array(value), np.array(lrs)


def assert_matches_torch(traj, ref):
    path, value, lrs = ref
    np.testing.assert_allclose(traj.path, path, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(traj.loss, value, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(traj.lr, lrs, rtol=1e-12)


def preset_run(preset="two_points", name="mse", optimizer="sgd", **kw):
    p = landscape.PRESETS[preset]
    return descent.trajectory(name, p.x, p.y, p.start, optimizer, **kw)


# ----------------------------------------------------------- against torch.optim


def test_every_regression_loss_has_a_torch_formula_and_every_optimiser_a_torch_twin():
    assert set(losses.names("regression")) == set(TORCH_LOSSES)
    assert set(descent.OPTIMIZERS) == set(TORCH_OPTIMIZERS)
    assert set(descent.SCHEDULES) == set(TORCH_SCHEDULES)


@pytest.mark.parametrize("preset", list(landscape.PRESETS))
@pytest.mark.parametrize("optimizer", OPTS)
@pytest.mark.parametrize("name, params", LOSSES, ids=LOSS_IDS)
def test_paths_equal_torch_step_for_step(preset, optimizer, name, params):
    p = landscape.PRESETS[preset]
    lr = 0.2 if optimizer == "sgd" else 0.05
    traj = descent.trajectory(name, p.x, p.y, p.start, optimizer, lr=lr, steps=150, loss_params=params)
    assert traj.path.shape == (151, 2) and traj.loss.shape == (151,) and traj.lr.shape == (150,)
    assert traj.batches is None
    assert_matches_torch(traj, torch_run(name, params, p.x, p.y, p.start, optimizer, lr, 150))


@pytest.mark.parametrize("optimizer, hyper", [
    ("momentum", {"momentum": 0.5}), ("momentum", {"momentum": 0.0}), ("nesterov", {"momentum": 0.7}),
    ("rmsprop", {"alpha": 0.9}), ("rmsprop", {"eps": 1e-3}), ("rmsprop", {"alpha": 0.5, "eps": 1e-6}),
    ("adam", {"betas": (0.8, 0.99)}), ("adam", {"betas": [0.0, 0.5], "eps": 1e-4}),
])
def test_hyperparameter_overrides_equal_torch(optimizer, hyper):
    p = landscape.PRESETS["outliers"]
    traj = descent.trajectory("huber", p.x, p.y, p.start, optimizer, lr=0.02, steps=150, **hyper)
    assert_matches_torch(traj, torch_run("huber", {}, p.x, p.y, p.start, optimizer, 0.02, 150, **hyper))


@pytest.mark.parametrize("steps", [150, 7, 2, 1])
@pytest.mark.parametrize("schedule", ["step", "cosine"])
@pytest.mark.parametrize("optimizer", OPTS)
def test_schedules_equal_torch_lr_schedulers(optimizer, schedule, steps):
    p = landscape.PRESETS["sloped_line"]
    lr = 0.5 if optimizer in ("sgd", "momentum", "nesterov") else 0.05
    traj = descent.trajectory("log_cosh", p.x, p.y, p.start, optimizer, lr=lr, steps=steps, schedule=schedule)
    assert_matches_torch(traj, torch_run("log_cosh", {}, p.x, p.y, p.start, optimizer, lr, steps, schedule))


def test_schedules_are_as_documented():
    lr = preset_run(steps=9, lr=0.8, schedule="step").lr
    np.testing.assert_array_equal(lr, [0.8] * 3 + [0.4] * 3 + [0.2] * 3)
    assert set(preset_run(steps=150, schedule="step").lr) == {0.1, 0.05, 0.025}
    np.testing.assert_array_equal(preset_run(steps=2, lr=0.8, schedule="step").lr, [0.8, 0.4])
    cos = preset_run(steps=4, lr=1.0, schedule="cosine").lr
    np.testing.assert_allclose(cos, [1.0, (1 + math.sqrt(0.5)) / 2, 0.5, (1 - math.sqrt(0.5)) / 2])
    np.testing.assert_array_equal(preset_run(steps=5, lr=0.3).lr, [0.3] * 5)


def test_loss_is_the_landscape_mean_loss_along_the_path():
    p = landscape.PRESETS["outliers"]
    traj = descent.trajectory("huber", p.x, p.y, p.start, "adam", lr=0.1, steps=60, loss_params={"delta": 0.3})
    expected = [landscape.loss_at("huber", p.x, p.y, w, b, delta=0.3) for w, b in traj.path]
    np.testing.assert_allclose(traj.loss, expected, rtol=1e-14)
    assert traj.loss[-1] < 0.5 * traj.loss[0]  # it does descend


# ---------------------------------------------------------------- mini-batches


def test_mini_batches_are_reproducible_and_seeded():
    a, b = (preset_run("outliers", "mae", "momentum", batch_size=4, seed=7) for _ in range(2))
    np.testing.assert_array_equal(a.path, b.path)
    np.testing.assert_array_equal(a.batches, b.batches)
    c = preset_run("outliers", "mae", "momentum", batch_size=4, seed=8)
    assert not np.array_equal(a.batches, c.batches)
    assert not np.allclose(a.path, c.path)
    n = landscape.PRESETS["outliers"].x.size
    assert a.batches.shape == (100, 4) and a.batches.dtype.kind == "i"
    assert all(len(set(row)) == 4 for row in a.batches.tolist())  # no repeats within a step
    assert a.batches.min() >= 0 and a.batches.max() < n
    assert len(np.unique(a.batches)) == n  # every point gets drawn at some step
    rng = np.random.default_rng(7)  # the documented draw
    np.testing.assert_array_equal(a.batches, [rng.choice(n, 4, replace=False) for _ in range(100)])


@pytest.mark.parametrize("optimizer", OPTS)
@pytest.mark.parametrize("name, params", LOSSES[:3], ids=LOSS_IDS[:3])
def test_each_mini_batch_step_equals_a_torch_step_on_the_drawn_batch(optimizer, name, params):
    p = landscape.PRESETS["outliers"]
    traj = descent.trajectory(name, p.x, p.y, p.start, optimizer, lr=0.05, steps=150, loss_params=params,
                              batch_size=5, seed=3, schedule="cosine")
    ref = torch_run(name, params, p.x, p.y, p.start, optimizer, 0.05, 150, "cosine", batches=traj.batches)
    assert_matches_torch(traj, ref)


def test_a_full_size_batch_is_full_batch_descent_in_some_order():
    full = preset_run("unreachable", "log_cosh", "adam", lr=0.05)
    n = landscape.PRESETS["unreachable"].x.size
    shuffled = preset_run("unreachable", "log_cosh", "adam", lr=0.05, batch_size=n)
    np.testing.assert_allclose(shuffled.path, full.path, rtol=1e-12)


# -------------------------------------------------------------- vectorised pass


STARTS = np.array([[-0.5, 1.5], [0.0, 0.0], [3.0, -1.0], [-1.0, 2.0]])
LRS = np.geomspace(0.005, 2.0, 12)


@pytest.mark.parametrize("schedule", descent.SCHEDULES)
@pytest.mark.parametrize("optimizer", OPTS)
def test_trajectories_equal_trajectory_for_each_lr_and_start(optimizer, schedule):
    p = landscape.PRESETS["outliers"]
    lrs, kw = LRS[::4], dict(loss_params={"delta": 0.3}, schedule=schedule)
    many = descent.trajectories("huber", p.x, p.y, STARTS, optimizer, lrs, 60, **kw)
    assert many.path.shape == (3, 4, 61, 2) and many.loss.shape == (3, 4, 61)
    assert many.lr.shape == (3, 60) and many.batches is None
    for i, lr in enumerate(lrs):
        for j, start in enumerate(STARTS):
            one = descent.trajectory("huber", p.x, p.y, start, optimizer, lr=lr, steps=60, **kw)
            np.testing.assert_array_equal(many.path[i, j], one.path)
            np.testing.assert_array_equal(many.loss[i, j], one.loss)
            np.testing.assert_array_equal(many.lr[i], one.lr)


def test_trajectories_pass_hyperparameters():
    p = landscape.PRESETS["two_points"]
    many = descent.trajectories("mse", p.x, p.y, STARTS[:1], "adam", [0.1], 30, betas=(0.5, 0.9))
    one = descent.trajectory("mse", p.x, p.y, STARTS[0], "adam", lr=0.1, steps=30, betas=(0.5, 0.9))
    np.testing.assert_array_equal(many.path[0, 0], one.path)


@pytest.mark.parametrize("optimizer", OPTS)
def test_trajectories_with_mini_batches_equal_trajectory_with_the_same_seed(optimizer):
    p = landscape.PRESETS["sloped_line"]
    lrs = LRS[::4]
    many = descent.trajectories("mae", p.x, p.y, STARTS, optimizer, lrs, 40, batch_size=1, seed=3)
    assert many.batches.shape == (40, 1)
    for i, lr in enumerate(lrs):
        for j, start in enumerate(STARTS):
            one = descent.trajectory("mae", p.x, p.y, start, optimizer, lr=lr, steps=40, batch_size=1, seed=3)
            np.testing.assert_array_equal(many.batches, one.batches)
            np.testing.assert_array_equal(many.path[i, j], one.path)
            np.testing.assert_array_equal(many.loss[i, j], one.loss)
    with pytest.raises(ValueError, match="'batch_size'"):
        descent.trajectories("mae", p.x, p.y, STARTS, optimizer, lrs, 5, batch_size=10)


def test_vectorised_pass_is_fast():
    """5 optimisers x 12 lrs x 4 starts x 200 steps x 3 losses, on the largest preset."""
    p = max(landscape.PRESETS.values(), key=lambda q: q.x.size)
    choices = [("mse", {}), ("huber", {"delta": 0.3}), ("log_cosh", {})]
    t0 = time.perf_counter()
    for name, params in choices:
        for optimizer in OPTS:
            out = descent.trajectories(name, p.x, p.y, STARTS, optimizer, LRS, 200, loss_params=params)
            assert out.path.shape == (12, 4, 201, 2)
    elapsed = time.perf_counter() - t0
    print(f"vectorised pass: {elapsed:.3f} s")
    assert elapsed < 5.0  # about 0.2-0.3 s on an idle machine; generous for a busy one


# ------------------------------------------------------ divergence and results


@pytest.mark.parametrize("optimizer", OPTS)
def test_too_high_a_learning_rate_bounces_without_crashing_like_torch(optimizer):
    p = landscape.PRESETS["two_points"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traj = descent.trajectory("mse", p.x, p.y, p.start, optimizer, lr=50.0, steps=150)
    assert np.isfinite(traj.path).all() and np.isfinite(traj.loss).all()  # tanh keeps gradients bounded
    assert np.abs(np.diff(traj.path, axis=0)).max() > 10  # wild jumps
    assert_matches_torch(traj, torch_run("mse", {}, p.x, p.y, p.start, optimizer, 50.0, 150))


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov"])
def test_overflow_gives_inf_and_nan_quietly_where_torch_does(optimizer):
    x, y = np.array([0.0, 10.0]), np.array([0.5, -0.5])  # first step: dL/dw = 5, w = -5e308 = -inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traj = descent.trajectory("mae", x, y, (0.0, 0.0), optimizer, lr=1e308, steps=6)
    path, value, _ = torch_run("mae", {}, x, y, (0.0, 0.0), optimizer, 1e308, 6)
    assert not np.isfinite(traj.path).all()  # the case is really reached
    np.testing.assert_array_equal(np.isnan(traj.path), np.isnan(path))
    np.testing.assert_array_equal(np.isnan(traj.loss), np.isnan(value))
    np.testing.assert_allclose(traj.path, path, rtol=RTOL)  # equal_nan, and infs must agree


def test_results_are_read_only_and_inputs_untouched():
    p = landscape.PRESETS["outliers"]
    x, y, start = p.x.copy(), p.y.copy(), np.array(p.start)
    traj = descent.trajectory("mse", x, y, start, "adam", batch_size=3, steps=5)
    for a in (traj.path, traj.loss, traj.lr, traj.batches):
        with pytest.raises(ValueError):
            a[0] = 0
    np.testing.assert_array_equal(x, p.x)
    np.testing.assert_array_equal(start, p.start)
    assert descent.trajectory("mse", list(x), list(y), list(start), steps=5).path.shape == (6, 2)


# ------------------------------------------------------------------- validation


P = landscape.PRESETS["two_points"]


@pytest.mark.parametrize("kwargs, words", [
    (dict(optimizer="lbfgs"), ["optimizer", "'lbfgs'", *OPTS]),
    (dict(lr=0.0), ["'lr'"]), (dict(lr=-0.1), ["'lr'"]), (dict(lr=float("nan")), ["'lr'"]),
    (dict(lr=float("inf")), ["'lr'"]), (dict(lr=[0.1]), ["'lr'"]), (dict(lr="fast"), ["'lr'"]),
    (dict(steps=0), ["'steps'"]), (dict(steps=2.5), ["'steps'"]), (dict(steps=10.0), ["'steps'"]),
    (dict(steps=True), ["'steps'"]), (dict(steps="10"), ["'steps'"]),
    (dict(optimizer="momentum", momentum=1.0), ["'momentum'"]),
    (dict(optimizer="momentum", momentum=-0.1), ["'momentum'"]),
    (dict(optimizer="nesterov", momentum=0.0), ["'momentum'"]),
    (dict(optimizer="adam", betas=(0.9, 1.0)), ["'betas'"]),
    (dict(optimizer="adam", betas=(-0.1, 0.9)), ["'betas'"]),
    (dict(optimizer="adam", betas=0.9), ["'betas'"]),
    (dict(optimizer="adam", eps=0.0), ["'eps'"]),
    (dict(optimizer="rmsprop", alpha=1.0), ["'alpha'"]),
    (dict(optimizer="sgd", momentum=0.9), ["'momentum'", "sgd"]),
    (dict(optimizer="adam", alpha=0.9), ["'alpha'", "betas", "eps"]),
    (dict(start=(0.0, float("nan"))), ["'start'"]), (dict(start=(0.0, 1.0, 2.0)), ["'start'"]),
    (dict(start=0.5), ["'start'"]),
    (dict(batch_size=0), ["'batch_size'"]), (dict(batch_size=3), ["'batch_size'"]),
    (dict(batch_size=1.5), ["'batch_size'"]), (dict(batch_size=1, seed=-1), ["'seed'"]),
    (dict(schedule="linear"), ["schedule", "'linear'", "constant", "step", "cosine"]),
    (dict(loss="hinge"), ["'hinge'", "mse"]), (dict(loss="bce"), ["'bce'", "regression"]),
    (dict(loss_params={"delta": 1.0}), ["'delta'"]),
    (dict(loss="huber", loss_params={"delta": -1.0}), ["'delta'"]),
    (dict(x=[0.0, 1.0, 2.0]), ["'x'", "'y'"]), (dict(y=[0.0, np.inf]), ["'y'"]), (dict(x=[]), ["'x'"]),
])
def test_bad_input_raises_value_error_naming_the_parameter(kwargs, words):
    args = dict(loss="mse", x=P.x, y=P.y, start=P.start) | kwargs
    with pytest.raises(ValueError) as err:
        descent.trajectory(**args)
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize("kwargs, word", [
    (dict(starts=[0.0, 1.0]), "'starts'"), (dict(starts=np.zeros((0, 2))), "'starts'"),
    (dict(starts=[[0.0, np.nan]]), "'starts'"), (dict(lrs=[]), "'lrs'"), (dict(lrs=0.1), "'lrs'"),
    (dict(lrs=[0.1, -1.0]), "'lr'"), (dict(optimizer="adagrad"), "optimizer"), (dict(steps=0), "'steps'"),
    (dict(schedule="exp"), "schedule"), (dict(loss="bce"), "regression"),
])
def test_trajectories_validates_too(kwargs, word):
    args = dict(loss="mse", x=P.x, y=P.y, starts=STARTS, optimizer="sgd", lrs=LRS, steps=5) | kwargs
    with pytest.raises(ValueError, match=word):
        descent.trajectories(**args)


# ------------------------------------------------------------- the MAE lesson


def test_mae_with_a_fixed_lr_keeps_bouncing_and_cosine_settles_it():
    """Two points: MAE's minimum is exactly 0 at (1.5, 0.3), and |dL/dθ| does not shrink
    near it. With a fixed lr, SGD and RMSprop bounce across the minimum forever (RMSprop's
    steps are about lr per coordinate: lr·g/√v with √v ≈ |g|); Adam's bounce shrinks far
    below RMSprop's but persists; a cosine schedule lets all three settle at the minimum.
    (lr = 0.05, 400 steps; the last 100 steps are the "late" window.)"""
    p, lr, steps = landscape.PRESETS["two_points"], 0.05, 400
    minimum = np.array(landscape.exact_solution(p))

    def run(optimizer, schedule="constant"):
        traj = descent.trajectory("mae", p.x, p.y, p.start, optimizer, lr=lr, steps=steps, schedule=schedule)
        moves = np.abs(np.diff(traj.path, axis=0)) / lr  # per-coordinate step, in units of lr
        dist = np.linalg.norm(traj.path - minimum, axis=1)
        side = np.sign(traj.path[-101:] - minimum)
        crossings = (side[1:] != side[:-1]).sum(axis=0)  # per coordinate, late window
        return traj, moves, dist, crossings

    late = {}
    for optimizer in ("sgd", "rmsprop", "adam"):
        traj, moves, dist, crossings = run(optimizer)
        late[optimizer] = moves[-100:]
        assert (crossings >= 10).all()  # back and forth across the minimum ...
        assert moves[-100:].mean() > 0.03  # ... with steps that do not die out
        assert moves[-100:].mean() > 0.5 * moves[-200:-100].mean()
        assert traj.loss[-100:].mean() > 3e-4

        settled, settled_moves, settled_dist, _ = run(optimizer, "cosine")
        assert settled.loss[-1] < 0.01 * traj.loss[-100:].mean()
        assert settled_dist[-1] < 0.01 * dist[-100:].max()
        assert settled_moves[-10:].max() < 0.05 * moves[-100:].mean()

    rms = late["rmsprop"]
    assert 0.7 < np.median(rms) < 1.4  # about lr·sign(g) per coordinate
    assert 0.3 < np.percentile(rms, 10) and np.percentile(rms, 90) < 2.0
    assert late["adam"].mean() < 0.25 * rms.mean()  # Adam's bounce is much smaller ...
    assert late["adam"].mean() < 0.4 * run("adam")[1][:100].mean()  # ... and shrank from its start


def test_trajectories_default_seed_and_bad_starts_message():
    """Without a seed, trajectories draws the mini-batches trajectory draws without one
    (seed 0); a non-finite start is refused with the module's exact message."""
    p = landscape.PRESETS["sloped_line"]
    many = descent.trajectories("mae", p.x, p.y, STARTS[:1], "sgd", [0.1], 20, batch_size=1)
    one = descent.trajectory("mae", p.x, p.y, STARTS[0], "sgd", lr=0.1, steps=20, batch_size=1)
    np.testing.assert_array_equal(many.batches, one.batches)
    np.testing.assert_array_equal(many.batches, descent.trajectory("mae", p.x, p.y, STARTS[0], "sgd", lr=0.1,
                                                                   steps=20, batch_size=1, seed=0).batches)
    with pytest.raises(ValueError) as info:
        descent.trajectories("mse", P.x, P.y, [[0.0, np.nan]], "sgd", LRS, 5)
    assert str(info.value) == "descent: 'starts' must be finite, got NaN or inf"


def test_nesterov_without_momentum_is_refused_with_the_exact_message():
    p = landscape.PRESETS["two_points"]
    with pytest.raises(ValueError) as info:
        descent.trajectory("mse", p.x, p.y, (0.0, 0.0), "nesterov", momentum=0.0)
    assert str(info.value) == "nesterov: parameter 'momentum' must be > 0 for Nesterov momentum"


def test_trajectories_takes_a_single_step_and_names_the_bad_lrs_shape():
    """One step is enough (as for trajectory); lrs of the wrong shape are refused with the
    shape they had."""
    p = landscape.PRESETS["two_points"]
    many = descent.trajectories("mse", p.x, p.y, STARTS[:1], "sgd", [0.1], 1)
    one = descent.trajectory("mse", p.x, p.y, STARTS[0], "sgd", lr=0.1, steps=1)
    assert many.path.shape == (1, 1, 2, 2)
    np.testing.assert_array_equal(many.path[0, 0], one.path)
    with pytest.raises(ValueError) as info:
        descent.trajectories("mse", p.x, p.y, STARTS, "sgd", [[0.1]], 5)
    assert str(info.value) == "descent: 'lrs' must be a non-empty 1-D array, got shape (1, 1)"


def test_trajectory_names_the_shape_of_a_bad_lr_or_start():
    p = landscape.PRESETS["two_points"]
    with pytest.raises(ValueError) as info:
        descent.trajectory("mse", p.x, p.y, (0.0, 0.0), "sgd", lr=[0.1, 0.2])
    assert str(info.value) == "descent: 'lr' must be a scalar, got shape (2,)"
    with pytest.raises(ValueError) as info:
        descent.trajectory("mse", p.x, p.y, (0.0, 0.0, 1.0), "sgd")
    assert str(info.value) == "descent: 'start' must be one point (w, b), got shape (3,)"


# ------------------------------------------------- messages, word for word (mutation review)


@pytest.mark.parametrize("kwargs, message", [
    (dict(x=[np.nan, 1.0]), "descent: 'x' must be finite, got NaN or inf"),
    (dict(x=[[0.1, 0.2]], y=[[0.0, 0.1]]),
     "descent: 'x' and 'y' must be non-empty 1-D arrays of equal length, got shapes (1, 2) and (1, 2)"),
    (dict(start=(np.inf, 0.0)), "descent: 'start' must be finite, got NaN or inf"),
    (dict(optimizer="sgd", momentum=0.5), "descent: unknown hyperparameter 'momentum'; sgd takes no hyperparameters"),
    (dict(optimizer="adam", momentum=0.5), "descent: unknown hyperparameter 'momentum'; adam takes: betas, eps"),
    (dict(optimizer="adagrad"),
     "descent: unknown optimizer 'adagrad'; known optimizers: sgd, momentum, nesterov, rmsprop, adam"),
    (dict(optimizer="adam", betas=(0.9, 1.5)), "adam: parameter 'betas' must be in [0, 1), got 1.5"),
    (dict(optimizer="momentum", momentum=2.0), "momentum: parameter 'momentum' must be in [0, 1), got 2.0"),
    (dict(schedule="exp"), "descent: unknown schedule 'exp'; known schedules: constant, step, cosine"),
    (dict(lr=-1.0), "descent: parameter 'lr' must be in (0, inf), got -1.0"),
    (dict(loss="bce"), "loss: 'bce' is a classification loss; only regression losses "
                       "(mse, mae, huber, log_cosh, barron) apply to the tanh neuron"),
    # the loss's parameters are checked before the data: a bad delta is named, not the NaN
    (dict(loss="huber", loss_params={"delta": -1.0}, x=[np.nan, 0.0]),
     "huber: parameter 'delta' must be in (0, inf), got -1.0"),
])
def test_bad_input_messages_word_for_word(kwargs, message):
    """Each refusal names who refuses (the module, the optimizer or the loss), the
    parameter, and what is allowed, exactly."""
    args = dict(loss="mse", x=P.x, y=P.y, start=P.start) | kwargs
    with pytest.raises(ValueError) as info:
        descent.trajectory(**args)
    assert str(info.value) == message


def test_one_data_point_is_enough():
    """A single (x, y) pair is a data set: MSE from (0, 0) on (0.5, 0.2) starts at 0.04
    and falls."""
    traj = descent.trajectory("mse", [0.5], [0.2], (0.0, 0.0), steps=3)
    assert traj.loss[0] == pytest.approx(0.04, abs=1e-15)
    assert (np.diff(traj.loss) < 0).all()


def test_a_diverged_point_gives_nan_and_the_others_keep_the_loss_parameters():
    """Where a path has diverged (a non-finite prediction) the loss is NaN; the finite
    predictions beside it are scored with the loss's own parameters (δ = 0.3 here, not
    Huber's default 1)."""
    huber = losses.get("huber")
    pred, y = np.array([np.nan, 2.0, np.inf]), np.array([0.0, 0.5, 0.0])
    for kernel in (huber.value, huber.grad):
        got = descent._elementwise(kernel, pred, y, {"delta": 0.3})
        assert np.isnan(got[0]) and np.isnan(got[2])
        assert got[1] == kernel(2.0, 0.5, delta=0.3) != kernel(2.0, 0.5)
