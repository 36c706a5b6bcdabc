"""lossdocs.training: the network, its data, Adam against torch.optim.Adam, and the
behaviours lesson five reads off the curves (over-fitting, weight decay, under-fitting)."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from lossdocs import training as T

torch = pytest.importorskip("torch")


@functools.cache
def grid() -> dict:
    return T.train_grid()


def torch_run(hidden, n_train, noise, weight_decay, epochs=T.EPOCHS, seed=0):
    """The same network, data and initial weights, trained by torch.optim.Adam (float64)."""
    d = T.data(n_train, noise, seed)
    w1, b1, w2, b2 = T.init_weights(hidden, seed)
    dt = torch.float64
    net = torch.nn.Sequential(torch.nn.Linear(1, hidden, dtype=dt), torch.nn.Tanh(),
                              torch.nn.Linear(hidden, 1, dtype=dt))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(w1)[:, None])
        net[0].bias.copy_(torch.tensor(b1))
        net[2].weight.copy_(torch.tensor(w2)[None, :])
        net[2].bias.fill_(b2)
    opt = torch.optim.Adam(net.parameters(), lr=T.LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay)
    x, y = torch.tensor(d.x)[:, None], torch.tensor(d.y)[:, None]
    xv, yv = torch.tensor(d.x_val)[:, None], torch.tensor(d.y_val)[:, None]
    keep = set(T.recorded_epochs(epochs).tolist())
    train, val = [], []
    for t in range(1, epochs + 1):
        opt.zero_grad()
        torch.nn.functional.mse_loss(net(x), y).backward()
        opt.step()
        if t in keep:
            with torch.no_grad():
                train.append(torch.nn.functional.mse_loss(net(x), y).item())
                val.append(torch.nn.functional.mse_loss(net(xv), yv).item())
    final = (net[0].weight.detach().numpy()[:, 0], net[0].bias.detach().numpy(),
             net[2].weight.detach().numpy()[0], float(net[2].bias.item()))
    return np.array(train), np.array(val), final


# Settings whose runs are stable to rounding over all 2,000 epochs (a 1e-13 nudge of the
# data moves their curves by less than 1e-9): over-fitting, weight decay, under-fitting.
STABLE = [(3, 10, 0.6, 0.0), (3, 30, 0.3, 1e-3), (3, 100, 0.6, 1e-2), (1, 100, 0.1, 1e-2), (10, 10, 0.3, 0.0)]


@pytest.mark.parametrize("setting", STABLE, ids=str)
def test_whole_run_agrees_with_torch_adam(setting):
    train, val, final = torch_run(*setting)
    run = grid()[setting]
    np.testing.assert_allclose(run.train_loss, train, rtol=1e-6, atol=0)
    np.testing.assert_allclose(run.val_loss, val, rtol=1e-6, atol=0)
    for ours, theirs in zip(run.weights, final):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(run.snapshots[-1], T.forward(run.weights, T.SNAP_X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("setting", [(30, 10, 0.6, 0.0), (30, 100, 0.1, 0.0), (10, 30, 0.3, 1e-3)], ids=str)
def test_wide_runs_agree_with_torch_until_adam_turns_chaotic(setting):
    """Once a wide network nears a minimum, Adam's normalised step (lr · m / √v with tiny v)
    makes the run unstable: a rounding difference grows about 1.3x per epoch. Before that,
    for the first 400 epochs, ours and torch's agree to rounding."""
    train, val, _ = torch_run(*setting, epochs=400)
    run = T.train_run(*setting, epochs=400)
    np.testing.assert_allclose(run.train_loss, train, rtol=1e-9)
    np.testing.assert_allclose(run.val_loss, val, rtol=1e-9)


def test_chaotic_runs_are_moved_by_rounding_alone(monkeypatch):
    """The over-fitting wide run: nudging the targets by one part in 1e13 moves its late
    curve by far more than 1e-6, so no two implementations can agree there to 1e-6; the
    stable runs above are not moved."""
    base = T.train_run(30, 10, 0.6, 0.0)
    steady = T.train_run(3, 10, 0.6, 0.0)
    plain = T.target
    monkeypatch.setattr(T, "target", lambda x: plain(x) * (1 + 1e-13))
    nudged = T.train_run(30, 10, 0.6, 0.0)
    nudged_steady = T.train_run(3, 10, 0.6, 0.0)
    assert np.abs(nudged.val_loss / base.val_loss - 1).max() > 1e-4
    np.testing.assert_allclose(nudged_steady.val_loss, steady.val_loss, rtol=1e-9)


def test_target_is_sin_pi_x_in_float64_whatever_x_is():
    """A notebook user's float32 inputs are widened before pi x is formed (in float32, pi x
    is rounded to seven digits), and a list or a scalar works as well as an array."""
    x32 = np.linspace(-1, 1, 257, dtype=np.float32)
    x64 = x32.astype(np.float64)
    out = T.target(x32)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, np.sin(np.pi * x64))
    np.testing.assert_array_equal(T.target(list(x64)), np.sin(np.pi * x64))
    assert T.target(0.5) == 1.0


def test_one_run_equals_its_place_in_the_batched_grid():
    for setting in STABLE:
        one = T.train_run(*setting)
        run = grid()[setting]
        np.testing.assert_allclose(one.train_loss, run.train_loss, rtol=1e-10)
        np.testing.assert_allclose(one.snapshots, run.snapshots, rtol=1e-9, atol=1e-12)


def test_fixed_seed_gives_identical_runs_and_another_seed_does_not():
    a, b = T.train_run(10, 30, 0.3, 1e-3), T.train_run(10, 30, 0.3, 1e-3)
    assert np.array_equal(a.train_loss, b.train_loss) and np.array_equal(a.snapshots, b.snapshots)
    c = T.train_run(10, 30, 0.3, 1e-3, seed=1)
    assert not np.allclose(a.val_loss, c.val_loss)


def test_a_run_records_its_setting_and_starts_from_its_own_seeds_weights():
    """A run made with seed 2 says so, and its network starts from ``init_weights(h, 2)``:
    Adam's first step moves every weight by the learning rate, very nearly (|m̂/√v̂| = 1)."""
    run = T.train_run(3, 10, 0.1, 0.0, epochs=1, seed=2)
    assert (run.hidden, run.n_train, run.noise, run.weight_decay, run.seed) == (3, 10, 0.1, 0.0, 2)
    assert np.array_equal(run.epochs, T.recorded_epochs(1))
    for after, before in zip(run.weights, T.init_weights(3, 2)):
        np.testing.assert_allclose(np.abs(np.asarray(after) - before), T.LR, rtol=1e-4)


def test_grid_covers_every_setting_with_the_recorded_epochs():
    runs = grid()
    assert set(T.GRID) >= {"hidden", "n_train", "noise", "weight_decay"}
    assert len(runs) == np.prod([len(v) for v in T.GRID.values()])
    for key, run in runs.items():
        assert key == (run.hidden, run.n_train, run.noise, run.weight_decay)
        assert np.array_equal(run.epochs, T.RECORDED)
        assert run.train_loss.shape == run.val_loss.shape == T.RECORDED.shape
        assert run.snapshots.shape == (T.RECORDED.size, T.SNAP_X.size)
        assert np.isfinite(run.train_loss).all() and np.isfinite(run.snapshots).all()
        assert run.best_epoch == int(np.argmin(run.val_loss))
    assert T.RECORDED[0] == 1 and T.RECORDED[-1] == T.EPOCHS
    assert np.all(np.diff(T.RECORDED) > 0)


def test_data_nests_and_noise_scales_the_same_draws():
    small, big = T.data(10, 0.3), T.data(30, 0.3)
    np.testing.assert_array_equal(small.x, big.x[:10])
    np.testing.assert_array_equal(small.y, big.y[:10])
    quiet, loud = T.data(30, 0.1), T.data(30, 0.6)
    np.testing.assert_allclose((loud.y - T.target(loud.x)) / 0.6, (quiet.y - T.target(quiet.x)) / 0.1)
    assert small.x_val.size == T.N_VAL and np.all(np.abs(big.x) <= 1)


def test_losses_are_the_mses_of_the_recorded_weights():
    run = grid()[(10, 30, 0.3, 1e-3)]
    d = T.data(30, 0.3)
    fit = T.forward(run.weights, d.x)
    assert run.train_loss[-1] == pytest.approx(np.mean((fit - d.y) ** 2), rel=1e-12)
    assert run.val_loss[-1] == pytest.approx(np.mean((T.forward(run.weights, d.x_val) - d.y_val) ** 2), rel=1e-12)


def test_init_is_torch_linears_range():
    w1, b1, w2, b2 = T.init_weights(16)
    assert np.all(np.abs(w1) <= 1) and np.all(np.abs(b1) <= 1)
    assert np.all(np.abs(w2) <= 0.25) and abs(b2) <= 0.25
    assert np.array_equal(T.init_weights(16)[0], w1) and not np.array_equal(T.init_weights(16, seed=3)[0], w1)


# ------------------------------------------------------------ the lesson's behaviours

BIG, FEW, LOUD = max(T.GRID["hidden"]), min(T.GRID["n_train"]), max(T.GRID["noise"])


def test_the_biggest_network_on_few_noisy_points_overfits():
    run = grid()[(BIG, FEW, LOUD, 0.0)]
    best = run.best_epoch
    assert run.val_loss[-1] >= 1.2 * run.val_loss[best]
    assert run.train_loss[-1] < 0.5 * run.val_loss[-1]
    assert run.train_loss[-1] < 0.5 * run.train_loss[best], "the training loss keeps falling after the best epoch"
    assert 0 < best < run.epochs.size - 1


def test_the_strongest_weight_decay_shrinks_the_final_gap_wherever_plain_training_overfits():
    runs = grid()
    strongest = max(T.GRID["weight_decay"])
    overfitting = [k for k, r in runs.items() if k[3] == 0 and r.val_loss[-1] >= 1.2 * r.val_loss.min()]
    assert (BIG, FEW, LOUD, 0.0) in overfitting and len(overfitting) >= 4
    for h, n, s, _ in overfitting:
        plain, decayed = runs[(h, n, s, 0.0)], runs[(h, n, s, strongest)]
        assert decayed.val_loss[-1] - decayed.train_loss[-1] < plain.val_loss[-1] - plain.train_loss[-1]


def test_the_smallest_network_underfits():
    runs = grid()
    small, next_up = T.GRID["hidden"][:2]
    quiet = min(T.GRID["noise"])
    for n in T.GRID["n_train"]:
        one, more = runs[(small, n, quiet, 0.0)], runs[(next_up, n, quiet, 0.0)]
        assert one.train_loss[-1] > 5 * quiet ** 2 and one.val_loss[-1] > 5 * quiet ** 2
        assert more.train_loss[-1] < quiet ** 2 and one.train_loss[-1] > 8 * more.train_loss[-1]


# ------------------------------------------------------------ bad input


@pytest.mark.parametrize("kwargs,name", [
    (dict(hidden=0), "hidden"), (dict(hidden=2.5), "hidden"), (dict(n_train=1), "n_train"),
    (dict(n_train=T.POOL + 1), "n_train"), (dict(noise=-0.1), "noise"), (dict(noise=float("nan")), "noise"),
    (dict(weight_decay=-1e-3), "weight_decay"), (dict(weight_decay="big"), "weight_decay"),
    (dict(epochs=0), "epochs"), (dict(seed=-1), "seed"),
])
def test_bad_arguments_name_the_parameter(kwargs, name):
    args = dict(hidden=3, n_train=10, noise=0.1, weight_decay=0.0) | kwargs
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        T.train_run(**args)


def test_epochs_run_from_one_to_a_million():
    """The documented range of ``epochs`` is [1, 1e6]: one epoch is a run, one more than a
    million is refused before any training starts."""
    run = T.train_run(3, 10, 0.1, 0.0, epochs=1)
    assert run.train_loss.size >= 1 and np.isfinite(run.train_loss).all()
    with pytest.raises(ValueError, match=r"^epochs must be an integer in \[1, 1e\+06\], got 1000001$"):
        T.train_run(3, 10, 0.1, 0.0, epochs=1_000_001)
    with pytest.raises(ValueError, match=r"^epochs must be an integer in \[1, 1e\+06\], got 0$"):
        T.train_grid(epochs=0)


def test_forward_computes_in_float64_whatever_it_is_given():
    """Float32 weights or inputs (a notebook user's torch tensors, say) are widened first:
    the output is the float64 network's to rounding, not float32's seven digits."""
    rng = np.random.default_rng(3)
    weights64 = [rng.normal(size=6), rng.normal(size=6), rng.normal(size=6), rng.normal()]
    x64 = np.linspace(-2, 2, 41)
    # inputs exactly representable in float32, so both calls see the same numbers
    weights64 = [np.float32(w).astype(np.float64) for w in weights64]
    x64 = x64.astype(np.float32).astype(np.float64)
    expected = np.tanh(x64[:, None] * weights64[0] + weights64[1]) @ weights64[2] + weights64[3]
    weights32 = [np.asarray(w, dtype=np.float32) for w in weights64]
    for weights, x in [(weights32, x64), (weights64, x64.astype(np.float32)), (weights32, x64.astype(np.float32))]:
        out = T.forward(weights, x)
        assert out.dtype == np.float64
        np.testing.assert_allclose(out, expected, rtol=1e-14, atol=1e-14)


def test_init_weights_refuses_word_for_word_and_defaults_to_seed_zero():
    """``init_weights`` checks its own arguments (a notebook user calls it directly): the
    width runs from 1 to 4096, both ends included, and the seed is a whole number >= 0."""
    for bad, shown in [(0, "0"), (4097, "4097"), (10 ** 6, "1000000"), (2.5, "2.5")]:
        with pytest.raises(ValueError) as err:
            T.init_weights(bad)
        assert str(err.value) == f"hidden must be an integer in [1, 4096], got {shown}"
    with pytest.raises(ValueError) as err:
        T.init_weights(3, -1)
    assert str(err.value) == "seed must be an integer >= 0, got -1"
    assert T.init_weights(4096)[0].shape == (4096,) and T.init_weights(1)[0].shape == (1,)
    # torch.nn.Linear's ranges: U(-1, 1) for the hidden layer (fan_in 1), U(-k, k) with
    # k = 1/sqrt(hidden) for the output layer; both signs come up in each.
    w1, b1, w2, b2 = T.init_weights(400, 7)
    k = 1 / math.sqrt(400)
    for drawn, bound in ((w1, 1.0), (b1, 1.0), (w2, k)):
        assert drawn.min() < -0.9 * bound and drawn.max() > 0.9 * bound and np.abs(drawn).max() <= bound
    assert abs(b2) <= k
    for a, b in zip(T.init_weights(5), T.init_weights(5, 0)):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(T.init_weights(5)[0], T.init_weights(5, 1)[0])


def test_train_run_names_the_first_bad_argument_before_any_training():
    """Arguments are checked in the signature's order, each with its own range; an array
    where a number belongs is refused, not quietly read as its one element."""
    with pytest.raises(ValueError) as err:
        T.train_run(5000, 10, 0.1, 0.0, epochs=0)
    assert str(err.value) == "hidden must be an integer in [1, 4096], got 5000"
    with pytest.raises(ValueError) as err:
        T.train_run(4097, 10, 0.1, 0.0, epochs=0)
    assert str(err.value) == "hidden must be an integer in [1, 4096], got 4097"
    for name, bad in (("noise", np.array([0.1])), ("weight_decay", [0.0])):
        args = dict(hidden=3, n_train=10, noise=0.1, weight_decay=0.0) | {name: bad}
        with pytest.raises(ValueError) as err:
            T.train_run(**args)
        assert str(err.value) == f"{name} must be a finite number >= 0, got {bad!r}"


def test_train_grid_refuses_its_own_seed_and_epochs_word_for_word():
    """Checked before any training starts, with the parameter's own name."""
    with pytest.raises(ValueError) as err:
        T.train_grid(seed=-2)
    assert str(err.value) == "seed must be an integer >= 0, got -2"
    with pytest.raises(ValueError) as err:
        T.train_grid(epochs=1_000_001)
    assert str(err.value) == "epochs must be an integer in [1, 1e+06], got 1000001"
    with pytest.raises(ValueError) as err:
        T.train_grid({"hidden": (1,)})
    assert str(err.value) == ("grid must be a dict with the keys hidden, n_train, noise, weight_decay, "
                              "got {'hidden': (1,)}")


def test_a_reduction_of_float32_losses_or_weights_is_computed_in_float64():
    """2^24 + 1 is not a float32: summed in float32, 2^24 + 1 + 1 comes to 2^24. The
    reduction widens the losses and the weights first, so it is exact."""
    big = np.float32(2.0 ** 24)
    losses = np.array([big, 1, 1], dtype=np.float32)
    assert T.reduce(losses, "sum") == 2.0 ** 24 + 2
    assert T.reduce(losses, "mean") == (2.0 ** 24 + 2) / 3
    assert T.reduce([1.0, 1.0, 1.0], "mean", np.array([big, 1, 1], dtype=np.float32)) == 1.0
    assert T.reduce([1.0, 1.0, 1.0], "sum", np.array([big, 1, 1], dtype=np.float32)) == 2.0 ** 24 + 2
    assert T.reduce(losses, "none").dtype == np.float64


def test_bad_grid_is_refused():
    with pytest.raises(ValueError, match="grid must be a dict with the keys"):
        T.train_grid({"hidden": (1,)})
    with pytest.raises(ValueError, match=r"grid\['noise'\] must be a non-empty tuple"):
        T.train_grid(dict(T.GRID, noise=()))
    with pytest.raises(ValueError, match="^hidden must be"):
        T.train_grid(dict(T.GRID, hidden=(0,)), epochs=2)


# ------------------------------------------------------------ reductions and batches


@pytest.mark.parametrize("reduction", T.REDUCTIONS)
def test_reduce_is_torchs_reduction_with_and_without_weights(reduction):
    logits, labels = T.classification_batch(24)
    weight = np.array([1.0, 4.0, 2.5])
    F = torch.nn.functional
    per = F.cross_entropy(torch.tensor(logits), torch.tensor(labels), reduction="none").numpy()
    ours = T.reduce(per, reduction, weight[labels])
    theirs = F.cross_entropy(torch.tensor(logits), torch.tensor(labels), weight=torch.tensor(weight),
                             reduction=reduction).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-13)
    pred, y = T.regression_batch(24)
    mse = (pred - y) ** 2
    np.testing.assert_allclose(T.reduce(mse, reduction),
                               F.mse_loss(torch.tensor(pred), torch.tensor(y), reduction=reduction).numpy(), rtol=1e-13)
    assert isinstance(T.reduce(mse, reduction), np.ndarray if reduction == "none" else float)


@pytest.mark.parametrize("reduction", T.REDUCTIONS)
def test_reduce_weights_are_the_gradient_factors_torch_backpropagates(reduction):
    logits, labels = T.classification_batch(10)
    weight = np.array([1.0, 4.0, 2.5])
    per = torch.tensor(torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels),
                                                         reduction="none").numpy(), requires_grad=True)
    w = torch.tensor(weight)[torch.tensor(labels)]
    out = (per * w).sum() / (w.sum() if reduction == "mean" else 1.0)
    out.backward()
    np.testing.assert_allclose(T.reduce_weights(weight[labels], reduction), per.grad.numpy(), rtol=1e-14)
    plain = T.reduce_weights(10, reduction)
    np.testing.assert_array_equal(plain, np.full(10, 0.1 if reduction == "mean" else 1.0))


def test_batches_are_seeded_sized_and_imbalanced():
    logits, labels = T.classification_batch(400)
    assert logits.shape == (400, 3) and labels.shape == (400,)
    share = np.bincount(labels, minlength=3) / 400
    assert 0.63 < share[0] < 0.77 and share[1] > 0.08 and share[2] > 0.08
    # the logits lean towards the true class: it wins more often than chance
    assert np.mean(np.argmax(logits, axis=1) == labels) > 0.5
    again = T.classification_batch(400)
    assert np.array_equal(again[0], logits) and np.array_equal(again[1], labels)
    assert not np.array_equal(T.classification_batch(400, seed=1)[1], labels)
    assert T.classification_batch(20, classes=5)[0].shape == (20, 5)
    pred, y = T.regression_batch(2000)
    assert pred.shape == y.shape == (2000,)
    assert 0.45 < np.std(pred - y) < 0.55, "predictions off by a seeded error of sd 0.5"
    assert 0.3 < np.std(y - T.target(np.zeros(1))) and np.abs(y).max() < 3
    assert np.array_equal(T.regression_batch(50)[0], T.regression_batch(50)[0])
    assert not np.array_equal(T.regression_batch(50, seed=2)[0], T.regression_batch(50)[0])
    np.testing.assert_array_equal(T.regression_batch(5)[1], T.regression_batch(5)[1])


@pytest.mark.parametrize("call,match", [
    (lambda: T.reduce([1.0, 2.0], "avg"), r"^reduction must be one of 'mean', 'sum', 'none', got 'avg'"),
    (lambda: T.reduce_weights(3, "max"), r"^reduction must be one of"),
    (lambda: T.reduce([], "mean"), r"^per_example must be a non-empty 1-D array of finite losses, got shape \(0,\)"),
    (lambda: T.reduce([[1.0]], "mean"), r"^per_example must be a non-empty 1-D array"),
    (lambda: T.reduce([1.0, float("nan")], "sum"), r"^per_example must be a non-empty 1-D array"),
    (lambda: T.reduce([1.0, 2.0], "mean", [1.0]), r"^weights must have the shape of per_example \(2,\), got \(1,\)"),
    (lambda: T.reduce([1.0, 2.0], "mean", [1.0, -1.0]), r"^weights must be finite, >= 0 and not all zero"),
    (lambda: T.reduce([1.0, 2.0], "mean", [0.0, 0.0]), r"^weights must be finite, >= 0 and not all zero"),
    (lambda: T.reduce([1.0, 2.0], "mean", [1.0, float("inf")]), r"^weights must be finite"),
    (lambda: T.reduce_weights(0), r"^n_or_weights must be an integer >= 1, got 0"),
    (lambda: T.reduce_weights([0.0, 0.0]), r"^weights must be finite, >= 0 and not all zero"),
    (lambda: T.regression_batch(0), r"^n must be an integer in \[1, 10000\], got 0"),
    (lambda: T.regression_batch(4, seed=-1), r"^seed must be an integer >= 0, got -1"),
    (lambda: T.classification_batch(0), r"^n must be an integer in \[1, 10000\]"),
    (lambda: T.classification_batch(4, seed=1.5), r"^seed must be an integer >= 0, got 1.5"),
    (lambda: T.classification_batch(4, classes=1), r"^classes must be an integer in \[2, 100\], got 1"),
])
def test_bad_reduction_and_batch_arguments_name_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_a_weighted_reduction_keeps_zero_weights_and_the_unweighted_mean_divides_by_n():
    assert T.reduce([2.0, 4.0], "mean", [0.0, 1.0]) == 4.0
    assert T.reduce([2.0, 4.0], "mean") == 3.0 and T.reduce([2.0, 4.0], "sum", [0.5, 1.0]) == 5.0
    np.testing.assert_array_equal(T.reduce([2.0, 4.0], "none", [0.5, 2.0]), [1.0, 8.0])
    np.testing.assert_array_equal(T.reduce_weights([1.0, 3.0], "mean"), [0.25, 0.75])
    np.testing.assert_array_equal(T.reduce_weights([1.0, 3.0], "none"), [1.0, 3.0])


def test_the_batches_are_the_ones_the_lesson_was_written_about():
    """Defaults, and the seeded draws themselves (lesson five quotes numbers computed from
    them; a change of seed, size or formula changes these values)."""
    pred, y = T.regression_batch()
    assert pred.shape == (32,) and np.array_equal(pred, T.regression_batch(32, 0)[0])
    np.testing.assert_allclose(T.regression_batch(3)[0], [-2.16813572, 0.30857755, -1.94453257], atol=1e-8)
    np.testing.assert_allclose(T.regression_batch(3)[1], [-1.46258642, 0.35871371, -1.10511774], atol=1e-8)
    logits, labels = T.classification_batch()
    assert logits.shape == (32, 3) and np.array_equal(labels, T.classification_batch(32, 0, 3)[1])
    np.testing.assert_allclose(T.classification_batch(3)[0][0], [0.32774026, -0.46434733, 0.01610645], atol=1e-8)
    np.testing.assert_array_equal(T.classification_batch(3)[1], [0, 0, 1])
    # the regression targets scatter around sin(pi x) for x spread over [-1, 1]
    _, big = T.regression_batch(5000)
    assert abs(big.mean()) < 0.05 and 0.52 < big.var() < 0.66   # 1/2 + 0.3^2
    assert T.reduce([1.0, 3.0]) == 2.0, "'mean' is the default reduction"
    np.testing.assert_array_equal(T.reduce_weights(4), np.full(4, 0.25))
