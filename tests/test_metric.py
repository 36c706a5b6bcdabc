"""Tests for lossdocs.metric: triplet, contrastive and margin ranking losses against torch
(float64 values and autograd gradients), central finite differences away from the kinks,
torch's choices at the kinks, extreme inputs, and input validation.

Every call into the module runs with numpy floating-point errors raising and warnings
turned into errors (see ``strict``), so a kernel that emits a warning fails.
"""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numtools import call, finite_difference

from lossdocs import metric

RTOL, ATOL = 1e-10, 1e-13          # values
GRAD_RTOL, GRAD_ATOL = 1e-8, 1e-12  # gradients


def t64(x, grad=True):
    return torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=grad)


# -------------------------------------------------------------------- triplet


def torch_triplet(a, pos, neg, margin=1.0, p=2.0, eps=1e-6, swap=False):
    """(loss, (d/da, d/dp, d/dn) of loss.sum()) from torch in float64.

    ``F.triplet_margin_loss`` refuses margin 0 in Python; the ATen function behind it,
    called here, computes the same formula for any margin (reduction 0 is 'none')."""
    ta, tp, tn = t64(a), t64(pos), t64(neg)
    if margin > 0:
        out = F.triplet_margin_loss(ta, tp, tn, margin=margin, p=p, eps=eps, swap=swap, reduction="none")
    else:
        out = torch.triplet_margin_loss(ta, tp, tn, margin, p, eps, swap, 0)
    out.sum().backward()
    return out.detach().numpy(), (ta.grad.numpy(), tp.grad.numpy(), tn.grad.numpy())


def triplet_case(shape, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=shape)
    return a, a + rng.normal(scale=0.7, size=shape), a + rng.normal(scale=1.2, size=shape)


TRIPLET_CASES = list(itertools.product([1.0, 2.0, 3.0, 1.5, 0.5], [False, True], [0.0, 1.0, 3.0], [(7, 3), (4,)]))


@pytest.mark.parametrize("p,swap,margin,shape", TRIPLET_CASES)
def test_triplet_matches_torch(p, swap, margin, shape):
    a, pos, neg = triplet_case(shape, seed=int(10 * p) + 3 * swap + int(margin))
    kw = dict(margin=margin, p=p, swap=swap)
    ref, ref_grads = torch_triplet(a, pos, neg, **kw)
    got = call(metric.triplet, a, pos, neg, **kw)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=ATOL)
    grads = call(metric.triplet_grad, a, pos, neg, **kw)
    for g, r in zip(grads, ref_grads):
        assert g.shape == a.shape
        np.testing.assert_allclose(g, r, rtol=GRAD_RTOL, atol=GRAD_ATOL)


def test_triplet_cases_cover_active_and_inactive_hinges():
    """The random cases above are not all of one kind: some rows are 0, some are not."""
    active = inactive = 0
    for p, swap, margin, shape in TRIPLET_CASES:
        a, pos, neg = triplet_case(shape, seed=int(10 * p) + 3 * swap + int(margin))
        v = metric.triplet(a, pos, neg, margin=margin, p=p, swap=swap)
        active += int((v > 0).sum())
        inactive += int((v == 0).sum())
    assert active > 50 and inactive > 20


def off_kinks(a, pos, neg, margin, p, swap, gap=1e-3):
    """True when every row is further than ``gap`` from each kink of the loss."""
    d_ap = metric.pairwise_distance(a, pos, p=p)
    d_an = metric.pairwise_distance(a, neg, p=p)
    d_pn = metric.pairwise_distance(pos, neg, p=p)
    d_neg = np.minimum(d_an, d_pn) if swap else d_an
    diffs = np.concatenate([a - pos, a - neg, pos - neg]) + 1e-6
    return bool(np.abs(margin + d_ap - d_neg).min() > gap and (not swap or np.abs(d_an - d_pn).min() > gap)
                and np.abs(diffs).min() > gap)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_gradient_matches_finite_differences(p, swap):
    a, pos, neg = triplet_case((5, 3), seed=42)
    kw = dict(margin=1.5, p=p, swap=swap)
    assert off_kinks(a, pos, neg, **kw)
    assert (metric.triplet(a, pos, neg, **kw) > 0).any()
    grads = metric.triplet_grad(a, pos, neg, **kw)
    args = [a, pos, neg]
    for k in range(3):
        def f(x, k=k):
            xs = list(args)
            xs[k] = x
            return metric.triplet(*xs, **kw).sum()
        np.testing.assert_allclose(grads[k], finite_difference(f, args[k]), rtol=1e-6, atol=1e-8)


def test_triplet_distance_adds_eps_to_the_difference():
    a = np.array([[0.0, 0.0], [1.0, 2.0]])
    p = a + 1e-6  # a - p + eps = 0 in row 0: distance exactly 0, not 2e-6
    n = a + np.array([3.0, 4.0])
    assert call(metric.pairwise_distance, a, p)[0] == 0.0
    ref = F.pairwise_distance(t64(a, False), t64(p, False)).numpy()  # row 1: a rounding error
    np.testing.assert_allclose(call(metric.pairwise_distance, a, p), ref, rtol=RTOL, atol=1e-22)
    ref = F.pairwise_distance(t64(a, False), t64(n, False)).numpy()
    np.testing.assert_allclose(call(metric.pairwise_distance, a, n), ref, rtol=RTOL)
    # With eps = 0 it is the plain distance, 5; the default moves it to ||(-3, -4) + 1e-6||.
    np.testing.assert_allclose(call(metric.pairwise_distance, a, n, eps=0.0), [5.0, 5.0], rtol=1e-15)
    np.testing.assert_allclose(call(metric.triplet, a, p, n, margin=6.0),
                               6.0 - np.hypot(3 - 1e-6, 4 - 1e-6), rtol=1e-14)


# With eps = 0 and margin 1, one row per kink (exact in binary):
KINK_A = np.zeros((4, 2))
KINK_POS = np.array([[0.0, 0.0],    # d(a, p) = 0
                     [1.0, 0.0],    # a - p has a zero component
                     [1.0, 0.0],    # 1 + d(a, p) - d(a, n) = 1 + 1 - 2 = 0: the hinge's kink
                     [2.0, 0.0]])   # swap: d(a, n) = d(p, n) = 1, a tie
KINK_NEG = np.array([[0.5, 0.0], [1.25, 0.0], [2.0, 0.0], [1.0, 0.0]])


@pytest.mark.parametrize("p", [0.5, 1.0, 2.0, 3.0])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_kinks_follow_torch(p, swap):
    """Zero distance (gradient 0), a zero component of the difference (gradient 0, also for
    p < 1), a hinge exactly at 0 (active, as torch's clamp_min), a swap tie (half each)."""
    kw = dict(margin=1.0, p=p, swap=swap, eps=0.0)
    ref, ref_grads = torch_triplet(KINK_A, KINK_POS, KINK_NEG, **kw)
    # torch's p-norm of (2, 0) is (2^p)^(1/p), which rounds off 2 for p = 0.5 or 3: there
    # its row 2 lies a rounding error off the kink, so that row is compared for p = 1, 2 only.
    rows = [0, 1, 2, 3] if p in (1.0, 2.0) else [0, 1, 3]
    got = call(metric.triplet, KINK_A, KINK_POS, KINK_NEG, **kw)
    np.testing.assert_allclose(got[rows], ref[rows], rtol=RTOL, atol=ATOL)
    grads = call(metric.triplet_grad, KINK_A, KINK_POS, KINK_NEG, **kw)
    for g, r in zip(grads, ref_grads):
        np.testing.assert_allclose(g[rows], r[rows], rtol=GRAD_RTOL, atol=GRAD_ATOL)
        assert np.isfinite(g).all()
    ga, gp, gn = grads
    # d(a, p) = 0 passes nothing on (under swap, p = a also ties d(p, n) with d(a, n)).
    np.testing.assert_array_equal(gp[0], [0.5, 0.0] if swap else [0.0, 0.0])
    assert ga[1, 1] == 0.0 and gp[1, 1] == 0.0        # nor does a zero component
    if not swap:  # (swap measures the negative from p, 1 away: row 2 is off the kink)
        assert got[2] == 0.0                              # exactly on the hinge's kink ...
        np.testing.assert_array_equal(gp[2], [1.0, 0.0])  # ... and active there, as clamp_min
        np.testing.assert_array_equal(gn[2], [-1.0, 0.0])
    if swap:  # the tie: d(a, n) and d(p, n) take half each
        np.testing.assert_array_equal(ga[3], [-0.5, 0.0])
        np.testing.assert_array_equal(gp[3], [0.5, 0.0])
        np.testing.assert_array_equal(gn[3], [0.0, 0.0])
    else:
        np.testing.assert_array_equal(ga[3], [0.0, 0.0])
        np.testing.assert_array_equal(gn[3], [-1.0, 0.0])


def test_triplet_zero_distance_has_zero_gradient():
    a = np.zeros(3)  # so that a - (a + eps) + eps is exactly 0
    ga, gp, gn = call(metric.triplet_grad, a, a + 1e-6, a + 10.0, margin=20.0)
    assert np.all(np.isfinite(ga))
    # Only the negative's distance moves the loss: d(a, p) = 0 contributes nothing.
    _, g_neg = metric._norm_parts(a - (a + 10.0) + 1e-6, 2.0)
    np.testing.assert_allclose(ga, -g_neg, rtol=1e-15)
    np.testing.assert_array_equal(gp, np.zeros(3))


def test_triplet_inactive_rows_have_zero_gradient():
    a, pos, neg = np.zeros((1, 2)), np.array([[0.1, 0.0]]), np.array([[5.0, 0.0]])
    assert metric.triplet(a, pos, neg)[0] == 0.0
    for g in metric.triplet_grad(a, pos, neg):
        np.testing.assert_array_equal(g, 0.0)
        assert not np.signbit(g).any()


def test_triplet_extreme_inputs_stay_finite():
    big = np.array([[3e200, 4e200]])
    zero = np.zeros((1, 2))
    for p in (1.0, 2.0, 3.0, 0.5):
        d = call(metric.pairwise_distance, big, zero, p=p, eps=0.0)
        assert np.isfinite(d).all()
    np.testing.assert_allclose(call(metric.pairwise_distance, big, zero, eps=0.0), [5e200], rtol=1e-15)
    tiny = np.array([[3e-200, 4e-200]])
    np.testing.assert_allclose(call(metric.pairwise_distance, tiny, zero, eps=0.0), [5e-200], rtol=1e-15)
    np.testing.assert_allclose(call(metric.pairwise_distance, tiny, zero, p=3.0, eps=0.0),
                               [(27 + 64) ** (1 / 3) * 1e-200], rtol=1e-14)
    ga, gp, gn = call(metric.triplet_grad, tiny, zero, tiny, margin=1.0, eps=0.0)
    np.testing.assert_allclose(ga, [[0.6, 0.8]], rtol=1e-15)
    np.testing.assert_allclose(gp, [[-0.6, -0.8]], rtol=1e-15)
    np.testing.assert_array_equal(gn, [[0.0, 0.0]])
    np.testing.assert_allclose(call(metric.triplet, big, zero, zero, margin=1e200, eps=0.0), [1e200], rtol=1e-15)
    ga, gp, gn = call(metric.triplet_grad, big, zero, zero, margin=1e200, eps=0.0)
    np.testing.assert_array_equal(ga, [[0.0, 0.0]])
    np.testing.assert_allclose(gn, [[0.6, 0.8]], rtol=1e-15)


# ---------------------------------------------------------------- contrastive


def torch_contrastive(d, similar, margin):
    td = t64(d)
    s = torch.tensor(np.asarray(similar, dtype=np.float64))
    out = s * 0.5 * td**2 + (1 - s) * 0.5 * torch.clamp_min(margin - td, 0) ** 2
    out.sum().backward()
    return out.detach().numpy(), td.grad.numpy()


@pytest.mark.parametrize("margin", [0.0, 0.5, 1.0, 2.5])
def test_contrastive_matches_torch_and_finite_differences(margin):
    rng = np.random.default_rng(7)
    d = np.concatenate([rng.uniform(0, 3, 40), [0.0, margin, margin + 1.0]])
    similar = np.concatenate([rng.integers(0, 2, 40), [1, 0, 0]]).astype(float)
    ref, ref_grad = torch_contrastive(d, similar, margin)
    np.testing.assert_allclose(call(metric.contrastive, d, similar, margin=margin), ref, rtol=RTOL, atol=ATOL)
    g = call(metric.contrastive_grad, d, similar, margin=margin)
    np.testing.assert_allclose(g, ref_grad, rtol=GRAD_RTOL, atol=GRAD_ATOL)
    away = (d > 1e-3) & (np.abs(d - margin) > 1e-3)  # off the kinks (the second one is a C^1 kink)
    fd = finite_difference(lambda x: metric.contrastive(x, similar[away], margin=margin).sum(), d[away])
    np.testing.assert_allclose(g[away], fd, rtol=1e-6, atol=1e-8)


def test_contrastive_values_by_hand():
    d = np.array([0.0, 0.5, 2.0, 0.5, 1.0, 2.0])
    s = np.array([1, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(metric.contrastive(d, s), [0.0, 0.125, 2.0, 0.125, 0.0, 0.0])
    np.testing.assert_array_equal(metric.contrastive_grad(d, s), [0.0, 0.5, 2.0, -0.5, 0.0, 0.0])
    assert metric.contrastive(1.0, 0, margin=3.0) == 2.0
    assert metric.contrastive(1.0, True) == 0.5  # booleans are 0 and 1


def test_contrastive_broadcasts_and_sums_the_gradient_to_d():
    d = np.array([0.2, 0.9, 1.7])
    s = np.array([[1.0], [0.0]])
    v = metric.contrastive(d, s)
    assert v.shape == (2, 3)
    np.testing.assert_array_equal(v[0], metric.contrastive(d, 1))
    np.testing.assert_array_equal(v[1], metric.contrastive(d, 0))
    np.testing.assert_allclose(metric.contrastive_grad(d, s),
                               metric.contrastive_grad(d, 1) + metric.contrastive_grad(d, 0), rtol=1e-15)
    _, ref = torch_contrastive(np.broadcast_to(d, (2, 3)), np.broadcast_to(s, (2, 3)), 1.0)
    np.testing.assert_allclose(metric.contrastive_grad(d, s), ref.sum(axis=0), rtol=1e-15)


# ------------------------------------------------------------ margin ranking


def torch_ranking(x1, x2, y, margin):
    a, b = t64(x1), t64(x2)
    out = F.margin_ranking_loss(a, b, torch.tensor(np.asarray(y, dtype=np.float64)), margin=margin,
                                reduction="none")
    out.sum().backward()
    return out.detach().numpy(), a.grad.numpy(), b.grad.numpy()


@pytest.mark.parametrize("margin", [0.0, 0.5, 2.0])
def test_margin_ranking_matches_torch_and_finite_differences(margin):
    rng = np.random.default_rng(11)
    x1, x2 = rng.normal(size=50), rng.normal(size=50)
    y = rng.choice([-1.0, 1.0], size=50)
    # kinks: -y (x1 - x2) + margin exactly 0
    x1 = np.concatenate([x1, [1.0, 0.0]])
    x2 = np.concatenate([x2, [1.0 - margin, margin]])
    y = np.concatenate([y, [1.0, -1.0]])
    ref, r1, r2 = torch_ranking(x1, x2, y, margin)
    np.testing.assert_allclose(call(metric.margin_ranking, x1, x2, y, margin=margin), ref, rtol=RTOL, atol=ATOL)
    g1, g2 = call(metric.margin_ranking_grad, x1, x2, y, margin=margin)
    np.testing.assert_array_equal(g1, r1)
    np.testing.assert_array_equal(g2, r2)
    assert g1[-1] == 1.0 and g1[-2] == -1.0  # active at the kink, as torch
    z = -y * (x1 - x2) + margin
    away = np.abs(z) > 1e-3
    fd1 = finite_difference(lambda v: metric.margin_ranking(v, x2[away], y[away], margin=margin).sum(), x1[away])
    fd2 = finite_difference(lambda v: metric.margin_ranking(x1[away], v, y[away], margin=margin).sum(), x2[away])
    np.testing.assert_allclose(g1[away], fd1, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(g2[away], fd2, rtol=1e-6, atol=1e-8)
    assert (ref > 0).any() and (ref == 0).any()


def test_margin_ranking_broadcasts_like_torch():
    x1 = np.array([[0.3], [-1.0]])
    x2 = np.array([[0.1, 0.5, -0.2]])
    y = np.array([[1.0, -1.0, 1.0]])
    ref, r1, r2 = torch_ranking(x1, x2, y, 0.25)
    np.testing.assert_allclose(metric.margin_ranking(x1, x2, y, margin=0.25), ref, rtol=RTOL)
    g1, g2 = metric.margin_ranking_grad(x1, x2, y, margin=0.25)
    assert g1.shape == x1.shape and g2.shape == x2.shape
    np.testing.assert_array_equal(g1, r1)
    np.testing.assert_array_equal(g2, r2)


# ------------------------------------------------------------------ bad input

A3 = np.zeros((2, 3))
BAD = [
    (metric.triplet, (A3, A3, A3), dict(margin=-1.0), "margin"),
    (metric.triplet_grad, (A3, A3, A3), dict(margin=-0.5), "margin"),
    (metric.triplet, (A3, A3, A3), dict(p=0.0), "'p'"),
    (metric.triplet, (A3, A3, A3), dict(p=-2.0), "'p'"),
    (metric.triplet, (A3, A3, A3), dict(p=float("inf")), "'p'"),
    (metric.triplet_grad, (A3, A3, A3), dict(p=float("nan")), "'p'"),
    (metric.triplet, (A3, A3, A3), dict(eps=-1e-6), "eps"),
    (metric.triplet, (A3, A3, A3), dict(swap="yes"), "swap"),
    (metric.triplet, (A3, A3, np.full((2, 3), np.nan)), {}, "'negative' must be finite"),
    (metric.triplet_grad, (np.full((2, 3), np.inf), A3, A3), {}, "'anchor' must be finite"),
    (metric.triplet, (A3, np.zeros((2, 4)), A3), {}, r"'anchor' of shape \(2, 3\), 'positive' of shape \(2, 4\)"),
    (metric.triplet_grad, (A3, A3, np.zeros((3,))), {}, r"'negative' of shape \(3,\)"),
    (metric.triplet, (np.zeros((2, 2, 3)),) * 3, {}, "'anchor'"),
    (metric.triplet_grad, (np.zeros((2, 0)),) * 3, {}, r"D >= 1, got shape \(2, 0\)"),
    (metric.pairwise_distance, (A3, np.zeros(3)), {}, r"'x1' of shape \(2, 3\), 'x2' of shape \(3,\)"),
    (metric.pairwise_distance, (A3, A3), dict(p=0.0), "'p'"),
    (metric.pairwise_distance, (A3, A3), dict(eps=-1.0), "'eps'"),
    (metric.pairwise_distance, (A3, [[0.0, np.nan, 0.0]] * 2), {}, "'x2' must be finite"),
    (metric.contrastive, ([1.0], [1.0]), dict(margin=-1.0), "margin"),
    (metric.contrastive_grad, ([1.0], [0.0]), dict(margin=-1.0), "margin"),
    (metric.contrastive, ([-0.5], [1.0]), {}, "'d' must be a distance >= 0"),
    (metric.contrastive_grad, ([-0.5], [1.0]), {}, "'d' must be a distance >= 0"),
    (metric.contrastive, ([0.5], [0.5]), {}, "'similar' must be 1"),
    (metric.contrastive, ([0.5], [-1.0]), {}, "'similar' must be 1"),
    (metric.contrastive_grad, ([0.5], [2.0]), {}, "'similar' must be 1"),
    (metric.contrastive, ([np.nan], [1.0]), {}, "'d' must be finite"),
    (metric.contrastive, ([0.5], [np.nan]), {}, "'similar' must be finite"),
    (metric.contrastive_grad, ([np.inf], [1.0]), {}, "'d' must be finite"),
    (metric.contrastive_grad, ([0.5], [np.inf]), {}, "'similar' must be finite"),
    (metric.contrastive_grad, ([0.5, 1.0], [[1.0, 0.0, 1.0]]), {},
     r"'d' of shape \(2,\) and 'similar' of shape \(1, 3\)"),
    (metric.contrastive, ([0.5, 1.0], [1.0, 0.0, 1.0]), {}, r"'d' of shape \(2,\) and 'similar' of shape \(3,\)"),
    (metric.margin_ranking, ([1.0], [0.0], [1.0]), dict(margin=-0.1), "margin"),
    (metric.margin_ranking_grad, ([1.0], [0.0], [1.0]), dict(margin=-0.1), "margin"),
    (metric.margin_ranking, ([1.0], [0.0], [0.0]), {}, "'y' must be \\+1"),
    (metric.margin_ranking_grad, ([1.0], [0.0], [2.0]), {}, "'y' must be \\+1"),
    (metric.margin_ranking, ([np.inf], [0.0], [1.0]), {}, "'x1' must be finite"),
    (metric.margin_ranking_grad, ([0.0], [np.nan], [1.0]), {}, "'x2' must be finite"),
    (metric.margin_ranking_grad, ([np.nan], [0.0], [1.0]), {}, "'x1' must be finite"),
    (metric.margin_ranking, ([0.0], [0.0], [np.nan]), {}, "'y' must be finite"),
    (metric.margin_ranking_grad, ([0.0], [0.0], [-np.inf]), {}, "'y' must be finite"),
    (metric.margin_ranking_grad, ([1.0, 2.0], [0.0, 1.0, 2.0], [1.0]), {}, r"'x1' of shape \(2,\) and 'x2'"),
    (metric.margin_ranking, ([1.0, 2.0], [0.0, 1.0, 2.0], [1.0]), {},
     r"'x1' of shape \(2,\) and 'x2' of shape \(3,\) and 'y' of shape \(1,\)"),
]


@pytest.mark.parametrize("fn,args,kwargs,match", BAD, ids=lambda v: getattr(v, "__name__", None))
def test_bad_input_raises_value_error_naming_the_parameter(fn, args, kwargs, match):
    """... and the message starts with the name of the function that was called."""
    with pytest.raises(ValueError, match=f"^{fn.__name__}: .*{match}"):
        fn(*args, **kwargs)


def test_every_public_function_has_bad_input_cases():
    assert {fn.__name__ for fn, *_ in BAD} == {"triplet", "triplet_grad", "pairwise_distance", "contrastive",
                                              "contrastive_grad", "margin_ranking", "margin_ranking_grad"}


def test_error_messages_name_the_function_and_the_value():
    with pytest.raises(ValueError, match=r"^triplet: parameter 'margin' must be in \[0, inf\), got -1.0$"):
        metric.triplet(A3, A3, A3, margin=-1)
    with pytest.raises(ValueError, match=r"^contrastive_grad: 'd' must be a distance >= 0, got -2.0$"):
        metric.contrastive_grad([0.0, 0.5, -2.0], 1)  # the first negative, not the first below 1
    with pytest.raises(ValueError, match=r"got 0.5$"):
        metric.margin_ranking(0.0, 1.0, 0.5)


def test_results_are_float64_arrays():
    a, p, n = triplet_case((3, 2), seed=1)
    for out in (metric.triplet(a[0], p[0], n[0]), metric.contrastive(0.5, 1), metric.margin_ranking(1, 0, 1)):
        assert isinstance(out, np.ndarray) and out.dtype == np.float64 and out.shape == ()
    for g in metric.triplet_grad(a, p, n):
        assert g.dtype == np.float64 and g.shape == (3, 2)


def test_one_dimensional_embeddings_match_torch():
    a, pos, neg = triplet_case((6, 1), seed=8)
    ref, ref_grads = torch_triplet(a, pos, neg, margin=0.5)
    np.testing.assert_allclose(metric.triplet(a, pos, neg, margin=0.5), ref, rtol=RTOL, atol=ATOL)
    for g, r in zip(metric.triplet_grad(a, pos, neg, margin=0.5), ref_grads):
        np.testing.assert_allclose(g, r, rtol=GRAD_RTOL, atol=GRAD_ATOL)


def test_defaults_are_torchs():
    """margin 1, p 2, eps 1e-6, no swap (triplet_margin_loss); margin 0 (margin_ranking_loss)."""
    a, pos, neg = triplet_case((8, 3), seed=6)
    ref, ref_grads = torch_triplet(a, pos, neg)
    np.testing.assert_allclose(metric.triplet(a, pos, neg), ref, rtol=RTOL, atol=ATOL)
    for g, r in zip(metric.triplet_grad(a, pos, neg), ref_grads):
        np.testing.assert_allclose(g, r, rtol=GRAD_RTOL, atol=GRAD_ATOL)
    # the last pair is ranked right by 0.5: no loss with margin 0, some with a margin of 1
    x1, x2, y = np.array([0.3, 0.2, -1.0]), np.array([0.1, 0.5, -0.5]), np.array([-1.0, 1.0, -1.0])
    ref, r1, r2 = torch_ranking(x1, x2, y, 0.0)
    assert ref[2] == 0 and r1[2] == 0
    np.testing.assert_array_equal(metric.margin_ranking(x1, x2, y), ref)
    np.testing.assert_array_equal(metric.margin_ranking_grad(x1, x2, y)[0], r1)
    np.testing.assert_array_equal(metric.margin_ranking_grad(x1, x2, y)[1], r2)
    d = np.array([0.5, 0.9, 1.2])
    np.testing.assert_allclose(metric.contrastive(d, 0), [0.125, 0.005, 0.0], rtol=1e-12)  # margin 1
    np.testing.assert_allclose(metric.contrastive_grad(d, 0), [-0.5, -0.1, 0.0], rtol=1e-12)


def test_zero_gradients_are_positive_zeros():
    """Inactive hinges, a dissimilar pair beyond the margin: every zero is +0, never -0."""
    a, pos, neg = triplet_case((40, 3), seed=4)
    for swap in (False, True):
        for g in metric.triplet_grad(a, pos, neg, margin=0.0, swap=swap):
            assert (g == 0).any() and not np.signbit(g[g == 0]).any()
    g = metric.contrastive_grad([0.5, 2.0, 3.0], [0, 0, 1])
    assert g[1] == 0 and not np.signbit(g[1])
    rng = np.random.default_rng(3)
    x1, x2, y = rng.normal(size=30), rng.normal(size=30), rng.choice([-1.0, 1.0], size=30)
    for g in metric.margin_ranking_grad(x1, x2, y):
        assert (g == 0).any() and not np.signbit(g[g == 0]).any()


def test_scalar_gradients_are_zero_dimensional_arrays():
    for out in (metric.contrastive_grad(0.5, 1), *metric.margin_ranking_grad(1.0, 0.0, 1.0)):
        assert isinstance(out, np.ndarray) and out.shape == () and out.dtype == np.float64
    g = metric.contrastive_grad(np.array([[0.5], [1.5]]), np.array([[1.0, 0.0, 1.0]]))  # (2, 1) d
    assert g.shape == (2, 1)
    np.testing.assert_allclose(g[:, 0], [0.5 - 0.5 + 0.5, 1.5 + 0.0 + 1.5], rtol=1e-15)
