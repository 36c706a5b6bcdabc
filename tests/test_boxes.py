"""Tests for lossdocs.boxes: IoU and GIoU (values, losses and gradients) against torch float64
autograd, central finite differences away from the kinks, the geometric edge cases
(disjoint, touching, identical, nested, zero-area boxes), broadcasting and input validation.

The reference is torchvision's ``generalized_box_iou_loss`` (and its helper
``_loss_inter_union``) written out below in torch, step for step from torchvision 0.28's
source: torchvision is not a dependency of the project, and the 0.28.0 wheel that pip
finds here does not load with torch 2.13+cpu (its ``torchvision::nms`` operator is
missing). Where a working torchvision is installed, one more test compares with it.

Every call into the module runs with numpy floating-point errors raising and warnings
turned into errors (see ``strict``), so a kernel that emits a warning fails.
"""


import numpy as np
import pytest
import torch
from numtools import call, finite_difference

from lossdocs import boxes as bx

RTOL, ATOL = 1e-10, 1e-15          # values
GRAD_RTOL, GRAD_ATOL = 1e-8, 1e-12  # gradients (a few entries cancel to ~1e-9)
EPS = 1e-7


def tv_losses(boxes1, boxes2, eps=EPS):
    """(GIoU loss, IoU loss) as torchvision computes them: ``generalized_box_iou_loss``
    with reduction 'none', and 1 - its ``iouk``."""
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xkis1, ykis1 = torch.max(x1, x1g), torch.max(y1, y1g)
    xkis2, ykis2 = torch.min(x2, x2g), torch.min(y2, y2g)
    intsctk = torch.zeros_like(x1)
    mask = (ykis2 > ykis1) & (xkis2 > xkis1)
    intsctk[mask] = (xkis2[mask] - xkis1[mask]) * (ykis2[mask] - ykis1[mask])
    unionk = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - intsctk
    iouk = intsctk / (unionk + eps)
    xc1, yc1 = torch.min(x1, x1g), torch.min(y1, y1g)
    xc2, yc2 = torch.max(x2, x2g), torch.max(y2, y2g)
    area_c = (xc2 - xc1) * (yc2 - yc1)
    miouk = iouk - ((area_c - unionk) / (area_c + eps))
    return 1 - miouk, 1 - iouk


def torch_reference(pred, target, eps=EPS):
    """{'giou_loss', 'iou_loss', 'giou_grad', 'iou_grad'}: values and d(sum)/d pred."""
    out = {}
    for k, name in enumerate(("giou", "iou")):
        p = torch.tensor(np.asarray(pred, dtype=np.float64), requires_grad=True)
        t = torch.tensor(np.asarray(target, dtype=np.float64))
        p_b, t_b = torch.broadcast_tensors(p, t)
        loss = tv_losses(p_b, t_b, eps)[k]
        loss.sum().backward()
        out[f"{name}_loss"], out[f"{name}_grad"] = loss.detach().numpy(), p.grad.numpy()
    return out


def check_against_torch(pred, target, eps=EPS):
    ref = torch_reference(pred, target, eps)
    for name in ("giou", "iou"):
        got = call(getattr(bx, f"{name}_loss"), pred, target, eps=eps)
        assert got.shape == ref[f"{name}_loss"].shape
        np.testing.assert_allclose(got, ref[f"{name}_loss"], rtol=RTOL, atol=ATOL)
        g = call(getattr(bx, f"{name}_loss_grad"), pred, target, eps=eps)
        assert g.shape == np.shape(pred)
        scale = max(1.0, float(np.abs(ref[f"{name}_grad"]).max()))
        np.testing.assert_allclose(g, ref[f"{name}_grad"], rtol=GRAD_RTOL, atol=GRAD_ATOL * scale)
    np.testing.assert_allclose(call(bx.iou, pred, target, eps=eps), 1 - ref["iou_loss"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(call(bx.giou, pred, target, eps=eps), 1 - ref["giou_loss"], rtol=RTOL, atol=ATOL)
    return ref


def random_boxes(rng, n, grid=None):
    """n valid boxes; on a grid of halves (many ties, touching and zero-area boxes) or not."""
    if grid:
        lo = rng.integers(0, 6, size=(n, 2)) * 0.5
        wh = rng.integers(0, 4, size=(n, 2)) * 0.5
    else:
        lo = rng.uniform(-3, 3, size=(n, 2))
        wh = rng.uniform(0.05, 3, size=(n, 2))
    return np.concatenate([lo, lo + wh], axis=1)


def centre(b):
    b = np.asarray(b)
    return np.stack([(b[..., 0] + b[..., 2]) / 2, (b[..., 1] + b[..., 3]) / 2], axis=-1)


# --------------------------------------------------------- torch agreement


@pytest.mark.parametrize("grid", [False, True], ids=["continuous", "grid"])
def test_random_boxes_match_torchvisions_formulas(grid):
    rng = np.random.default_rng(5 + grid)
    pred, target = random_boxes(rng, 400, grid), random_boxes(rng, 400, grid)
    ref = check_against_torch(pred, target)
    if grid:  # the grid's cases really are there: ties, touching, disjoint, degenerate
        inter_w = np.minimum(pred[:, 2], target[:, 2]) - np.maximum(pred[:, 0], target[:, 0])
        assert (pred[:, 0] == target[:, 0]).sum() > 20
        assert (inter_w == 0).sum() > 20
        assert (ref["iou_loss"] == 1).sum() > 50
        assert (pred[:, 0] == pred[:, 2]).sum() > 20


def test_one_box_matches_torch_with_shape_four():
    ref = check_against_torch([0.0, 0.0, 2.0, 1.0], [1.0, 0.5, 3.0, 2.0])
    assert ref["giou_loss"].shape == ()
    assert bx.giou_loss([0.0, 0.0, 2.0, 1.0], [1.0, 0.5, 3.0, 2.0]).shape == ()


def test_other_eps_values_match_torch():
    rng = np.random.default_rng(9)
    pred, target = random_boxes(rng, 50, True), random_boxes(rng, 50, True)
    for eps in (1e-3, 1e-12, 0.5):
        check_against_torch(pred, target, eps=eps)


def test_matches_torchvision_itself_when_it_loads():
    try:
        from torchvision.ops import generalized_box_iou_loss
    except Exception as exc:  # not installed, or a build that does not fit this torch
        pytest.skip(f"no working torchvision here ({type(exc).__name__}); the written-out reference covers it")
    rng = np.random.default_rng(2)
    pred, target = random_boxes(rng, 200, True), random_boxes(rng, 200, True)
    p = torch.tensor(pred, requires_grad=True)
    loss = generalized_box_iou_loss(p, torch.tensor(target), reduction="none")
    loss.sum().backward()
    np.testing.assert_allclose(bx.giou_loss(pred, target), loss.detach().numpy(), rtol=RTOL, atol=ATOL)
    scale = max(1.0, float(p.grad.abs().max()))
    np.testing.assert_allclose(bx.giou_loss_grad(pred, target), p.grad.numpy(), rtol=GRAD_RTOL,
                               atol=GRAD_ATOL * scale)


@pytest.mark.parametrize("name", ["iou", "giou"])
def test_gradients_match_finite_differences(name):
    rng = np.random.default_rng(13)
    pred = random_boxes(rng, 40)
    moved = pred + rng.normal(scale=0.6, size=pred.shape)  # mostly overlapping its prediction
    target = np.concatenate([np.minimum(moved[:, :2], moved[:, 2:]), np.maximum(moved[:, :2], moved[:, 2:])], axis=1)
    target[::4] = random_boxes(rng, 10)  # and a few far ones
    # off the kinks: no edge within 1e-3 of another box's edge
    for a, b in ((0, 0), (0, 2), (2, 0), (2, 2), (1, 1), (1, 3), (3, 1), (3, 3)):
        keep = np.abs(pred[:, a] - target[:, b]) > 1e-3
        pred, target = pred[keep], target[keep]
    assert len(pred) > 20 and (bx.iou(pred, target) > 0).sum() > 15 and (bx.iou(pred, target) == 0).sum() > 3
    loss, grad = getattr(bx, f"{name}_loss"), getattr(bx, f"{name}_loss_grad")
    fd = finite_difference(lambda p: loss(p, target).sum(), pred)
    np.testing.assert_allclose(call(grad, pred, target), fd, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- geometry


def test_disjoint_boxes_iou_is_flat_but_giou_pulls_the_prediction_in():
    rng = np.random.default_rng(17)
    pred, target = random_boxes(rng, 600), random_boxes(rng, 600)
    apart = bx.iou(pred, target) == 0
    pred, target = pred[apart], target[apart]
    assert len(pred) > 100
    check_against_torch(pred, target)
    flat = call(bx.iou_loss_grad, pred, target)
    np.testing.assert_array_equal(flat, 0.0)
    assert not np.signbit(flat).any()  # +0 everywhere, no -0
    np.testing.assert_array_equal(call(bx.iou_loss, pred, target), 1.0)
    g = call(bx.giou_loss_grad, pred, target)
    assert (np.abs(g).max(axis=1) > 0).all()
    # A small step against the gradient brings each centre closer and lowers the loss.
    step = pred - 1e-3 * g
    before = np.linalg.norm(centre(pred) - centre(target), axis=1)
    after = np.linalg.norm(centre(step) - centre(target), axis=1)
    assert (after < before).all()
    assert (bx.giou_loss(step, target) < bx.giou_loss(pred, target)).all()


def test_side_by_side_boxes_by_hand():
    """Unit squares 1 apart along x: U = 2, C = 3, so GIoU = -1/3 (up to eps). The loss is
    1 - U / C with U = 1 + (x2 - x1) + ... and C = 3 - x1: d/dx1 = 1/9 and d/dx2 = -1/3,
    so a step against the gradient widens the box but moves its centre right, to the
    target; along y the pred's and the enclosing box's edges move together (0)."""
    pred, target = np.array([0.0, 0.0, 1.0, 1.0]), np.array([2.0, 0.0, 3.0, 1.0])
    assert bx.iou(pred, target) == 0.0
    np.testing.assert_allclose(bx.giou(pred, target), -1 / 3, rtol=1e-6)
    g = bx.giou_loss_grad(pred, target)
    np.testing.assert_allclose(g, [1 / 9, 0.0, -1 / 3, 0.0], rtol=1e-6, atol=1e-7)
    assert centre(pred - g)[0] > centre(pred)[0]
    np.testing.assert_array_equal(bx.iou_loss_grad(pred, target), np.zeros(4))


@pytest.mark.parametrize("target", [[1.0, 0.0, 2.0, 1.0], [1.0, 1.0, 2.0, 2.0]], ids=["edge", "corner"])
def test_touching_boxes_do_not_overlap(target):
    pred = np.array([0.0, 0.0, 1.0, 1.0])
    check_against_torch(pred, target)
    assert bx.iou(pred, target) == 0.0
    np.testing.assert_array_equal(bx.iou_loss_grad(pred, target), np.zeros(4))
    assert np.abs(bx.giou_loss_grad(pred, target)).max() > 0


def test_identical_boxes():
    box = np.array([1.0, 2.0, 3.0, 5.0])  # area 6
    check_against_torch(box, box)
    np.testing.assert_allclose(bx.iou(box, box), 6 / (6 + EPS), rtol=1e-15)
    np.testing.assert_allclose(bx.giou(box, box), 6 / (6 + EPS), rtol=1e-15)  # C = U: no penalty
    assert 0 < bx.iou_loss(box, box) < 1e-7
    # Every edge ties with the target's: torch's max/min send half the gradient each way.
    ref = torch_reference(box, box)
    np.testing.assert_allclose(bx.giou_loss_grad(box, box), ref["giou_grad"], rtol=GRAD_RTOL)


def test_one_box_inside_another():
    outer, inner = np.array([0.0, 0.0, 4.0, 4.0]), np.array([1.0, 1.0, 2.0, 3.0])  # areas 16 and 2
    for pred, target in ((inner, outer), (outer, inner)):
        check_against_torch(pred, target)
        np.testing.assert_allclose(bx.iou(pred, target), 2 / (16 + EPS), rtol=1e-15)
        # the enclosing box is the outer one, so GIoU adds nothing: C = U
        np.testing.assert_allclose(bx.giou(pred, target), bx.iou(pred, target), rtol=1e-15)
    # The inner prediction grows (left and bottom edges down, right and top up) to fill the target.
    g = bx.iou_loss_grad(inner, outer)
    assert g[0] > 0 and g[1] > 0 and g[2] < 0 and g[3] < 0


def test_zero_area_boxes_are_finite_and_match_torch():
    segment = np.array([1.0, 0.0, 1.0, 2.0])   # x1 == x2
    point = np.array([3.0, 3.0, 3.0, 3.0])
    square = np.array([0.0, 0.0, 2.0, 2.0])
    cases = [(segment, square), (square, segment), (segment, segment), (point, point),
             (segment, point), (point, square), (np.array([0.0, 0.0, 0.0, 1.0]), np.array([0.0, 2.0, 0.0, 3.0]))]
    for pred, target in cases:
        ref = check_against_torch(pred, target)
        for v in ref.values():
            assert np.isfinite(v).all()
        assert bx.iou(pred, target) == 0.0  # a zero-area box never overlaps: I = 0
    # Union 0: IoU = 0 / eps = 0, loss 1. A degenerate pair whose enclosing box has an
    # area: GIoU = -C / (C + eps); one with none (both on one vertical line): GIoU = 0.
    assert bx.iou_loss(point, point) == 1.0 and bx.giou(point, point) == 0.0
    np.testing.assert_allclose(bx.giou(segment, point), -6 / (6 + EPS), rtol=1e-15)  # C = 2 x 3
    assert bx.giou(np.array([0.0, 0.0, 0.0, 1.0]), np.array([0.0, 2.0, 0.0, 3.0])) == 0.0


def test_scaling_the_boxes_and_eps_together_changes_nothing():
    """IoU and GIoU are ratios of areas: scaling every coordinate by s and eps by s^2
    leaves them as they were, and scales the gradient by 1 / s."""
    rng = np.random.default_rng(21)
    pred, target = random_boxes(rng, 40), random_boxes(rng, 40)
    for s in (1e3, 2.0 ** -7):
        kw = dict(eps=EPS * s * s)
        np.testing.assert_allclose(bx.giou(s * pred, s * target, **kw), bx.giou(pred, target), rtol=1e-12)
        np.testing.assert_allclose(bx.iou(s * pred, s * target, **kw), bx.iou(pred, target), rtol=1e-12)
        np.testing.assert_allclose(s * bx.giou_loss_grad(s * pred, s * target, **kw), bx.giou_loss_grad(pred, target),
                                   rtol=1e-10, atol=1e-14)


def test_huge_coordinates_stay_finite_and_quiet():
    pred, target = np.array([0.0, 0.0, 1e150, 1e150]), np.array([5e149, 5e149, 2e150, 2e150])
    for fn in (bx.iou, bx.giou, bx.iou_loss, bx.giou_loss, bx.iou_loss_grad, bx.giou_loss_grad):
        assert np.isfinite(call(fn, pred, target)).all()
    np.testing.assert_allclose(bx.iou(pred, target), 0.25 / 3.0, rtol=1e-14)  # I = 0.25, U = 1 + 2.25 - 0.25


# ------------------------------------------------------------- broadcasting


def test_leading_axes_broadcast_and_the_gradient_sums_to_preds_shape():
    rng = np.random.default_rng(4)
    pred = random_boxes(rng, 1)[0]          # (4,)
    targets = random_boxes(rng, 6, True)    # (6, 4)
    v = bx.giou_loss(pred, targets)
    assert v.shape == (6,)
    np.testing.assert_array_equal(v, [bx.giou_loss(pred, t) for t in targets])
    g = bx.giou_loss_grad(pred, targets)
    assert g.shape == (4,)
    np.testing.assert_allclose(g, sum(bx.giou_loss_grad(pred, t) for t in targets), rtol=1e-14, atol=1e-15)
    check_against_torch(pred, targets)
    grid_pred = random_boxes(rng, 3).reshape(3, 1, 4)
    check_against_torch(grid_pred, targets.reshape(1, 6, 4))
    assert bx.iou_loss_grad(grid_pred, targets.reshape(1, 6, 4)).shape == (3, 1, 4)
    assert bx.iou(grid_pred, targets).shape == (3, 6)


# ----------------------------------------------------------------- bad input

GOOD = np.array([[0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 2.0, 3.0]])
FUNCTIONS = [bx.iou, bx.giou, bx.iou_loss, bx.giou_loss, bx.iou_loss_grad, bx.giou_loss_grad]
BAD = [
    ("pred", [[1.0, 0.0, 0.5, 1.0], [0.0, 0.0, 1.0, 1.0]], GOOD, {},
     r"a box in 'pred' has x2 < x1 \(x1 = 1.0, x2 = 0.5\)"),
    ("target", GOOD, [[0.0, 0.0, 1.0, 1.0], [0.0, 2.0, 1.0, 1.0]], {}, r"a box in 'target' has y2 < y1"),
    ("pred NaN", [[0.0, np.nan, 1.0, 1.0]], GOOD, {}, "'pred' must be finite"),
    ("target inf", GOOD, [0.0, 0.0, np.inf, 1.0], {}, "'target' must be finite"),
    ("pred last axis", [[0.0, 0.0, 1.0]], GOOD, {}, r"'pred' must hold boxes .* got shape \(1, 3\)"),
    ("target scalar", GOOD, 1.0, {}, r"'target' must hold boxes .* got shape \(\)"),
    ("shapes", np.zeros((3, 4)), np.zeros((2, 4)),
     {}, r"'pred' of shape \(3, 4\) and 'target' of shape \(2, 4\) do not pair: their leading axes "
         r"\(3,\) and \(2,\) do not broadcast"),
    ("shapes 3-D", np.zeros((2, 3, 4)), np.zeros((5, 1, 4)), {}, r"leading axes \(2, 3\) and \(5, 1\)"),
    ("eps zero", GOOD, GOOD, dict(eps=0.0), "parameter 'eps' must be in \\(0, inf\\)"),
    ("eps negative", GOOD, GOOD, dict(eps=-1e-7), "'eps'"),
    ("eps nan", GOOD, GOOD, dict(eps=float("nan")), "'eps'"),
    ("pred text", "box", GOOD, {}, "'pred' must be real numbers"),
]


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("case,pred,target,kwargs,match", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_value_error_naming_the_argument(fn, case, pred, target, kwargs, match):
    with pytest.raises(ValueError, match=f"^{fn.__name__}: .*{match}"):
        fn(pred, target, **kwargs)


def test_results_are_float64():
    for fn in FUNCTIONS:
        out = fn(GOOD, GOOD[::-1])
        assert isinstance(out, np.ndarray) and out.dtype == np.float64
    assert isinstance(bx.iou(GOOD[0], GOOD[1]), np.ndarray)
    assert bx.iou(np.array(GOOD, dtype=np.float32), GOOD).dtype == np.float64


def test_default_eps_is_torchvisions():
    small = np.array([[0.0, 0.0, 1e-3, 1e-3]])  # area 1e-6, where eps = 1e-7 shows
    target = np.array([[0.0, 0.0, 2e-3, 1e-3]])
    ref = torch_reference(small, target, eps=1e-7)
    np.testing.assert_allclose(bx.giou_loss(small, target), ref["giou_loss"], rtol=RTOL)
    np.testing.assert_allclose(bx.iou_loss_grad(small, target), ref["iou_grad"], rtol=GRAD_RTOL)
    np.testing.assert_allclose(bx.iou(small, target), 1e-6 / (2e-6 + 1e-7), rtol=1e-12)
