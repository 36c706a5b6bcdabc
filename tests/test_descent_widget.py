"""The descent widget without a browser: its atlas holds every path it shows, equal to
the engine, and stays within its page weight.

What these prove:

* every stored path, decoded exactly as ``descent.js`` does (byte planes -> zigzag ->
  cumulative sums -> ``w0 + code * unit``), is the engine's path (``descent.trajectories``,
  called here on its own) rounded to the map's unit: within half a unit wherever it is on
  the map, and clipped just beyond the window's edge (and flagged off the map) where it is not;
  a sample is also checked against single ``descent.trajectory`` runs;
* every stored loss is the engine's loss to half a code (1/64 decade), or the floor;
* ``pack``/``unpack`` round-trip every int16; the map grids are the landscape encodings
  of this widget's windows, with equal units on both axes;
* ``build()`` offers the controls the lesson links to, and opens on the engine's path;
* the widget's ``json_item`` is at most 250 KB gzipped, and the whole build of it is quick.
"""

from __future__ import annotations

import gzip
import itertools
import json
import time

import numpy as np
import pytest
from bokeh.models import Select, Slider, Toggle

from lossdocs import descent, landscape
from lossdocs.site import embed, figures
from lossdocs.widgets import descent as widget
from lossdocs.widgets import landscape as lw

ATLAS = widget.descent_atlas()
LOSS_KEYS = [c[0] for c in widget.LOSSES]
BATCH_KEYS = [b[0] for b in widget.BATCHES]
COMBOS = list(itertools.product(widget.PRESETS, LOSS_KEYS, widget.OPTIMIZERS, BATCH_KEYS))


def engine(preset, loss_key, optimizer, batch):
    """The engine's paths for one combination, by a call of this test's own."""
    p = landscape.PRESETS[preset]
    name, params = {"mse": ("mse", {}), "mae": ("mae", {}), "huber": ("huber", {"delta": 0.3})}[loss_key]
    starts = np.array([s[2] for s in widget.STARTS[preset]])
    return descent.trajectories(name, p.x, p.y, starts, optimizer, np.array(widget.LRS), 150, loss_params=params,
                                batch_size={"full": None, "one": 1}[batch], seed=0)


def test_the_atlas_has_every_combination_and_the_documented_encoding():
    assert ATLAS["shape"] == [2, 3, 5, 2, 11, 3]
    assert ATLAS["steps"] == widget.STEPS == 150
    assert ATLAS["lrs"] == [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0]
    assert np.all(np.diff(np.log10(ATLAS["lrs"])) > 0.2)  # a log scale, 1-2-5 per decade
    assert ATLAS["optimizers"] == ["sgd", "momentum", "nesterov", "rmsprop", "adam"]
    assert ATLAS["start_keys"] == ["dot", "plateau", "origin"]
    n = int(np.prod(ATLAS["shape"])) * 151
    assert ATLAS["paths"].dtype == np.uint8 and ATLAS["paths"].shape == (2, 2 * n)
    assert ATLAS["curves"].dtype == np.uint8 and ATLAS["curves"].shape == (2, n)
    assert set(ATLAS["grids"]) == {f"{p}|{k}" for p in widget.PRESETS for k in LOSS_KEYS}


def test_pack_round_trips_every_int16():
    d = np.arange(-32768, 32768, dtype=np.int16).reshape(2, -1)
    np.testing.assert_array_equal(widget.unpack(widget.pack(d), d.shape), d)
    small = widget.pack(np.array([0, -1, 1, -2, 2], np.int16))
    np.testing.assert_array_equal(small, [[0, 1, 2, 3, 4], [0, 0, 0, 0, 0]])  # zigzag


@pytest.mark.parametrize("preset, loss_key, optimizer, batch", COMBOS, ids=lambda v: str(v))
def test_every_stored_path_is_the_engines(preset, loss_key, optimizer, batch):
    want = engine(preset, loss_key, optimizer, batch)
    (w0, w1), (b0, b1) = widget.WINDOWS[preset]
    u = widget.unit(preset)
    for li, si in itertools.product(range(len(widget.LRS)), range(3)):
        w, b, loss = widget.decoded(ATLAS, preset=preset, loss=loss_key, optimizer=optimizer, batch=batch,
                                    lr=li, start=si)
        ew, eb = want.path[li, si, :, 0], want.path[li, si, :, 1]
        where = f"{preset}/{loss_key}/{optimizer}/{batch} lr={widget.LRS[li]} start={si}"
        # Every step: the engine's (w, b) rounded to the unit, clipped MARGIN units beyond the window.
        margin = widget.MARGIN * u
        assert np.abs(w - np.clip(ew, w0 - margin, w1 + margin)).max() <= u / 2 + 1e-9, where
        assert np.abs(b - np.clip(eb, b0 - margin, b1 + margin)).max() <= u / 2 + 1e-9, where
        # The page's off-the-map test (a code beyond the window's) flags every step more than
        # half a unit beyond the window, and none inside it.
        beyond = np.maximum.reduce([w0 - ew, ew - w1, b0 - eb, eb - b1])
        flagged = (w < w0 - 1e-9) | (w > w1 + 1e-9) | (b < b0 - 1e-9) | (b > b1 + 1e-9)
        assert np.all(flagged[beyond > u / 2 + 1e-9]) and not np.any(flagged[beyond < -u / 2]), where
        # Losses: to half a code of 1/LOSS_SCALE decade, or at the floor.
        el = np.maximum(want.loss[li, si], widget.LOSS_FLOOR)
        assert np.abs(np.log10(loss) - np.log10(el)).max() <= 0.5 / widget.LOSS_SCALE + 1e-9, where


@pytest.mark.parametrize("optimizer", widget.OPTIMIZERS)
def test_a_sample_equals_single_trajectory_runs(optimizer):
    rng = np.random.default_rng(1)
    for _ in range(6):
        preset = widget.PRESETS[rng.integers(2)]
        li, si, bi = int(rng.integers(len(widget.LRS))), int(rng.integers(3)), int(rng.integers(2))
        loss_key = LOSS_KEYS[rng.integers(3)]
        name, params = {"mse": ("mse", {}), "mae": ("mae", {}), "huber": ("huber", {"delta": 0.3})}[loss_key]
        p = landscape.PRESETS[preset]
        one = descent.trajectory(name, p.x, p.y, widget.STARTS[preset][si][2], optimizer, lr=widget.LRS[li],
                                 steps=150, loss_params=params, batch_size=[None, 1][bi], seed=0)
        w, b, _ = widget.decoded(ATLAS, preset=preset, loss=loss_key, optimizer=optimizer,
                                 batch=BATCH_KEYS[bi], lr=li, start=si)
        (w0, w1), (b0, b1) = widget.WINDOWS[preset]
        ok = (one.path[:, 0] >= w0) & (one.path[:, 0] <= w1) & (one.path[:, 1] >= b0) & (one.path[:, 1] <= b1)
        assert np.abs(w - one.path[:, 0])[ok].max(initial=0) <= widget.unit(preset) / 2 + 1e-9
        assert np.abs(b - one.path[:, 1])[ok].max(initial=0) <= widget.unit(preset) / 2 + 1e-9


def test_some_paths_leave_the_map_and_are_flagged():
    """Some paths do leave the map (most at high learning rates: η = 10 on the sloped
    line), and the page's test for it (a code below 0 or above the window's last code)
    finds them."""
    shape = tuple(ATLAS["shape"]) + (2, 151)
    codes = widget.undelta(widget.unpack(ATLAS["paths"], shape))
    limits = np.array([ATLAS["presets"][p]["limits"] for p in widget.PRESETS])
    off = (codes < 0) | (codes > limits[:, None, None, None, None, None, :, None])
    off = off.any(axis=-2)  # either axis
    assert off.any()
    share = off.any(axis=-1).mean(axis=(0, 1, 2, 3, 5))  # per learning rate
    assert share[-1] > 0.5 and share[0] < 0.1, share
    w, b, _ = widget.decoded(ATLAS, preset="sloped_line", loss="mse", optimizer="sgd", batch="full",
                             lr=widget.LRS.index(10.0), start=0)
    assert w[-1] > widget.WINDOWS["sloped_line"][0][1]


def test_map_grids_are_the_landscape_encoding_of_the_widget_window():
    for pname in widget.PRESETS:
        p = widget.window_preset(pname)
        w, b = landscape.axes(p, widget.GRID)
        for key, name, params in widget.LOSSES:
            g = ATLAS["grids"][f"{pname}|{key}"]
            grid = landscape.loss_grid(name, p.x, p.y, w, b, **params)
            np.testing.assert_array_equal(ATLAS["codes"][g["index"]], lw.encode_grid(grid)[0])
            assert g["min"] == pytest.approx(list(landscape.minimum(name, p, **params)))
        (w0, w1), (b0, b1) = widget.WINDOWS[pname]
        (v0, v1), (c0, c1) = widget.map_view(pname)  # equal units, the whole window in view
        assert widget.MAP_HEIGHT / (c1 - c0) == pytest.approx(widget.MAP_WIDTH / (v1 - v0), rel=1e-12)
        assert v0 <= w0 + 1e-9 and v1 >= w1 - 1e-9 and c0 <= b0 + 1e-9 and c1 >= b1 - 1e-9
    # The plateau starts are where tanh saturates: the gradient is over ten times smaller.
    for pname in widget.PRESETS:
        p = landscape.PRESETS[pname]
        starts = dict((k, wb) for k, _, wb in widget.STARTS[pname])
        step = {k: np.hypot(*np.diff(descent.trajectory("mse", p.x, p.y, wb, "sgd", lr=1.0, steps=1).path, axis=0)[0])
                for k, wb in starts.items()}
        assert step["plateau"] < 0.1 * step["dot"], (pname, step)


def test_loss_table_turns_codes_into_values():
    k = np.arange(ATLAS["loss_min"], ATLAS["loss_min"] + len(ATLAS["loss_table"]))
    np.testing.assert_allclose(ATLAS["loss_table"], 10.0 ** (k / widget.LOSS_SCALE), rtol=1e-15)
    assert ATLAS["loss_table"][0] >= widget.LOSS_FLOOR * (1 - 1e-12)


def test_build_offers_the_controls_and_opens_on_the_engines_path():
    layout = widget.build()
    names = {m.name: m for m in layout.select({"type": Select})}
    assert set(names) == {"preset_select", "loss_select", "optimizer_select", "compare_select", "start_select",
                          "batch_select"}
    assert [o[0] for o in names["compare_select"].options] == ["none", *widget.OPTIMIZERS]
    sliders = {m.name: m for m in layout.select({"type": Slider})}
    assert (sliders["lr_index"].start, sliders["lr_index"].end, sliders["lr_index"].step) == (0, 10, 1)
    assert (sliders["step"].start, sliders["step"].end, sliders["step"].value) == (0, 150, 150)
    assert len(list(layout.select({"type": Toggle}))) == 1
    p = landscape.PRESETS["two_points"]
    want = descent.trajectory("mse", p.x, p.y, (-0.5, 1.5), "sgd", lr=0.5, steps=150)
    src = layout.select_one({"name": "descent_path"})
    np.testing.assert_allclose(src.data["x"], want.path[:, 0], atol=widget.unit("two_points") / 2 + 1e-9)
    np.testing.assert_allclose(src.data["y"], want.path[:, 1], atol=widget.unit("two_points") / 2 + 1e-9)
    title = layout.select_one({"name": "loss_plot"}).title.text
    assert title == f"Step 150: L ≈ {widget.show_loss(float(layout.select_one({'name': 'loss_curve'}).data['y'][-1]))}"
    for plot in ("descent_map", "loss_plot", "descent_fit"):
        fig = layout.select_one({"name": plot})
        assert fig.toolbar.active_drag is None and fig.toolbar.active_scroll is None


def test_show_loss_mirrors_javascript():
    cases = {1.63: "1.6", 0.52: "0.52", 0.0123: "0.012", 0.0099: "9.9e-3", 1e-5: "1.0e-5", 2.87e-7: "2.9e-7",
             15.2: "15", 150.0: "1.5e+2"}
    assert {v: widget.show_loss(v) for v in cases} == cases


def test_static_figure_describes_the_opening_state():
    svg, text = figures.figure("descent")
    assert svg.count("<svg") == 2 and "<desc>" in svg and "data:image/png" in svg
    assert "SGD with learning rate 0.5" in text and "150 steps" in text


def test_json_item_is_at_most_250_kb_gzipped_and_quick_to_build():
    t0 = time.perf_counter()
    built = embed.build_widget("descent")
    elapsed = time.perf_counter() - t0
    size = len(gzip.compress(json.dumps(built["item"]).encode(), 6))
    print(f"descent widget: {size / 1000:.1f} KB gzip, built in {elapsed:.2f} s")
    assert size <= 250_000
    assert elapsed < 8.0  # about 2.5 s on an idle 2-core machine
