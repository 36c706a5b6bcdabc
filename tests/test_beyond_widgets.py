"""Lesson six's widgets (contrastive, triplet, boxes): every array they ship equals the
engine's (lossdocs.metric, lossdocs.boxes), their readouts print those numbers, and
their static figures draw the opening state."""

from __future__ import annotations

import json

import numpy as np
import pytest
from bokeh.models import Slider
from widgettools import built, model

from lossdocs import boxes, metric
from lossdocs.site import figures
from lossdocs.widgets import boxes as bw
from lossdocs.widgets import contrastive as cw
from lossdocs.widgets import triplet as tw

# ------------------------------------------------------------ contrastive


def test_contrastive_curves_are_the_engines_for_every_margin():
    atlas = cw.contrastive_atlas()
    d = cw.D
    n = d.size
    np.testing.assert_array_equal(atlas["similar"], metric.contrastive(d, np.ones(n)).astype(np.float32))
    np.testing.assert_array_equal(atlas["similar_grad"], metric.contrastive_grad(d, np.ones(n)).astype(np.float32))
    for k, m in enumerate(cw.MARGINS):
        np.testing.assert_array_equal(atlas["dissimilar"][k * n:(k + 1) * n],
                                      metric.contrastive(d, np.zeros(n), m).astype(np.float32))
        np.testing.assert_array_equal(atlas["dissimilar_grad"][k * n:(k + 1) * n],
                                      metric.contrastive_grad(d, np.zeros(n), m).astype(np.float32))
        beyond = d >= m
        assert np.all(atlas["dissimilar"][k * n:(k + 1) * n][beyond] == 0), "free beyond the margin"
    # the distance slider's stride lands on the grid
    assert np.isclose(d[atlas["stride"]], cw.DISTANCE_STEP)


def test_contrastive_readouts_name_the_engines_values():
    atlas = cw.contrastive_atlas()
    first, second = cw.titles(atlas, 1.0, 0.5)
    assert first == "d = 0.50: similar 0.125, dissimilar 0.125"
    assert second == "Slopes at d = 0.50: similar +0.500, dissimilar −0.500"
    assert cw.titles(atlas, 1.0, 1.5)[0].endswith("dissimilar 0.000 (past the margin)")
    layout = built("contrastive")
    assert model(layout, "contrastive_plot").title.text == first
    assert isinstance(model(layout, "margin"), Slider) and isinstance(model(layout, "distance"), Slider)


def run_contrastive_js(atlas: dict, margin: float, distance: float) -> list[str]:
    """contrastive.js, run in V8 (mini-racer) with stand-ins for its named args: the titles it writes."""
    from py_mini_racer import MiniRacer

    plain = {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in atlas.items()}
    args = (f"const atlas = {json.dumps(plain)}; const sl_m = {{value: {margin}}}; const sl_d = {{value: {distance}}}; "
            "const src = {data: {}}; const src_now = {data: {color: []}}; const spans = [{}, {}]; "
            "const loss = {title: {text: ''}}; const grad = {title: {text: ''}};")
    code = cw.js("contrastive.js")
    run = f"(() => {{ {args}\n{code}\nreturn JSON.stringify([loss.title.text, grad.title.text]) }})()"
    return json.loads(MiniRacer().eval(run))


@pytest.mark.parametrize("step,points", [(None, None), (0.1, 151), (0.02, 301)])
def test_contrastive_js_reads_the_distance_step_from_the_atlas(monkeypatch, step, points):
    """The page's readout indexes the grid as titles() does, on the site's grid and on
    others: the step is the atlas's, not a number written into the JavaScript."""
    if step is not None:
        monkeypatch.setattr(cw, "DISTANCE_STEP", step)
        monkeypatch.setattr(cw, "D", np.linspace(0.0, 3.0, points))
    atlas = cw.contrastive_atlas()
    assert atlas["distance_step"] == cw.DISTANCE_STEP
    s = cw.DISTANCE_STEP
    for margin in (0.25, 1.0, 2.5):
        for distance in (0.0, s, 7 * s, round(1.5 / s) * s, round(3.0 / s) * s):
            assert run_contrastive_js(atlas, margin, distance) == list(cw.titles(atlas, margin, distance)), (
                margin, distance)


# ------------------------------------------------------------ triplet


def test_triplet_states_are_the_engines():
    atlas = tw.triplet_atlas()
    rows = tw.settings()
    assert len(rows) == atlas["loss"].size
    for i in range(0, len(rows), 97):
        p, n, a, m = rows[i]
        anchor, positive = np.zeros(2), np.array([p, 0.0])
        negative = np.array(tw.negative_place(n, a))
        loss = metric.triplet(anchor, positive, negative, margin=m)
        assert atlas["loss"][i] == pytest.approx(float(loss), abs=1e-6)
        grads = metric.triplet_grad(anchor, positive, negative, margin=m)
        ends = np.array([anchor, positive, negative]) - tw.ARROW_SCALE * np.array(grads)
        np.testing.assert_allclose(atlas["ends"][6 * i:6 * i + 6], ends.ravel(), atol=1e-6)
        d_ap, d_an = metric.pairwise_distance(anchor, positive), metric.pairwise_distance(anchor, negative)
        expected = 2 if d_an < d_ap else 1 if d_an < d_ap + m else 0
        assert atlas["region"][i] == expected
        assert i == tw.index_of(dict(positive_distance=p, negative_distance=n, negative_angle=a, margin=m))


def test_easy_negatives_teach_nothing_and_hard_ones_cost_more_than_the_margin():
    atlas = tw.triplet_atlas()
    easy, hard = atlas["region"] == 0, atlas["region"] == 2
    assert np.all(atlas["loss"][easy] == 0)
    starts = np.repeat(np.arange(len(tw.settings())), 6)
    ends = atlas["ends"].reshape(-1, 6)
    rows = tw.settings()
    margins = np.array([m for *_, m in rows])
    assert np.all(atlas["loss"][hard] > margins[hard] - 1e-5)
    # an easy negative's arrows have zero length: each ends where its point starts
    for i in np.flatnonzero(easy)[::50]:
        p, n, a, _ = rows[i]
        np.testing.assert_allclose(ends[i], [0, 0, p, 0, *tw.negative_place(n, a)], atol=1e-6)
    assert starts.size == atlas["ends"].size


def test_triplet_opens_on_a_semi_hard_negative():
    atlas = tw.triplet_atlas()
    i = tw.index_of(tw.DEFAULT)
    assert tw.titles(atlas, i) == ("A semi-hard negative: loss 0.500", "d(a, p) = 1.000, d(a, n) = 1.500")
    layout = built("triplet")
    assert model(layout, "triplet_plane").title.text == "A semi-hard negative: loss 0.500"
    assert model(layout, "distance_title").text == "d(a, p) = 1.000, d(a, n) = 1.500"
    ring = model(layout, "regions").data
    assert ring["inner"][1:] == [1.0, 2.0] and ring["outer"][:2] == [1.0, 2.0]


# ------------------------------------------------------------ boxes


def test_box_losses_are_the_engines():
    atlas = bw.boxes_atlas()
    target = np.array(bw.TARGET)
    for s in bw.SIZES[::3]:
        for dy in bw.DY[::4]:
            start = bw.row_of(dy, s)
            for k, dx in enumerate(bw.DX):
                pred = bw.pred_box(dx, dy, s)
                i = start + k
                assert atlas["iou"][i] == pytest.approx(float(boxes.iou_loss(pred, target)), abs=1e-6)
                assert atlas["giou"][i] == pytest.approx(float(boxes.giou_loss(pred, target)), abs=1e-6)
                assert atlas["l1"][i] == pytest.approx(float(np.abs(pred - target).mean()), abs=1e-6)
                jx = bw.SIZES.index(s) * len(bw.DX) + k
                jy = bw.SIZES.index(s) * len(bw.DY) + bw.DY.index(dy)
                np.testing.assert_allclose([atlas["x1"][jx], atlas["y1"][jy], atlas["x2"][jx], atlas["y2"][jy]],
                                           pred, atol=1e-6)


def test_iou_is_flat_once_the_boxes_part_and_giou_still_slopes():
    atlas = bw.boxes_atlas()
    start = bw.row_of(0.0, 2.0)
    iou = atlas["iou"][start:start + len(bw.DX)]
    giou = atlas["giou"][start:start + len(bw.DX)]
    apart = np.abs(np.array(bw.DX)) >= 2.0          # side 2: no overlap from an offset of 2 on
    assert np.all(iou[apart] == 1.0)
    right = np.flatnonzero(apart & (np.array(bw.DX) > 0))
    assert np.all(np.diff(giou[right]) > 0), "GIoU keeps rising as the boxes drift apart"
    pred = bw.pred_box(3.0, 0.0, 2.0)
    assert np.all(boxes.iou_loss_grad(pred, np.array(bw.TARGET)) == 0)
    assert np.any(boxes.giou_loss_grad(pred, np.array(bw.TARGET)) != 0)


def test_boxes_open_with_the_engines_readout():
    atlas = bw.boxes_atlas()
    d = bw.DEFAULT
    pred = bw.pred_box(d["x_offset"], d["y_offset"], d["size"])
    target = np.array(bw.TARGET)
    first, second = bw.titles(atlas, d["x_offset"], d["y_offset"], d["size"])
    assert first == (f"IoU loss {float(boxes.iou_loss(pred, target)):.3f} · GIoU loss "
                     f"{float(boxes.giou_loss(pred, target)):.3f} · L1 {np.abs(pred - target).mean():.3f}")
    assert second == "The boxes overlap"
    assert bw.titles(atlas, 3.0, 0.5, 1.0)[1] == "No overlap: IoU loss flat at 1, GIoU still slopes"
    layout = built("boxes")
    assert model(layout, "boxes_plane").title.text == first
    assert model(layout, "pred_box").data["left"] == [float(pred[0])]


# ------------------------------------------------------------ static figures


@pytest.mark.parametrize("name", ["contrastive", "triplet", "boxes"])
def test_static_figures_draw_and_describe_the_opening_state(name):
    markup, text = figures.figure(name)
    assert markup.count("<svg") >= 1 and "<polyline" in markup
    assert "With JavaScript on" in text
