"""The curve atlas and the widget builders, without a browser.

The atlas must hold, for every registry loss, every state a reader can reach,
and each curve must be the engine's numbers (to float32 precision).
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from bokeh.models import Select, Slider

from lossdocs import curves, losses, widgets
from lossdocs.site import embed, figures
from lossdocs.widgets import explorer

ATLAS = curves.explorer_atlas()
WIDGET_DIR = Path(widgets.__file__).parent


def _states():
    for axis_key, ax in ATLAS["axes"].items():
        for name in ax["losses"]:
            for idx in curves.param_grid(losses.get(name)):
                for k in range(len(ax["targets"])):
                    yield axis_key, name, idx, k


@pytest.mark.parametrize("name", losses.names())
def test_every_loss_is_a_primary_with_its_own_axis(name):
    info = ATLAS["losses"][name]
    assert info["axis"] in ATLAS["axes"]
    assert name in ATLAS["axes"][info["axis"]]["losses"]
    assert info["params"] == [p.name for p in losses.get(name).params]


def test_every_reachable_state_is_precomputed():
    expected = {f"{a}|{n}|{','.join(map(str, i))}|{k}" for a, n, i, k in _states()}
    assert expected == set(ATLAS["curves"])


def test_curves_are_the_engines_numbers():
    """Every stored curve equals value/grad evaluated directly (float32 rounding)."""
    for axis_key, name, idx, k in _states():
        ax = ATLAS["axes"][axis_key]
        loss = losses.get(name)
        params = {p.name: p.choices[i] for p, i in zip(loss.params, idx)}
        x, v, g = curves.curve(ATLAS, axis_key, name, idx, k)
        t = ax["labels"][name][k]  # the loss's own label: class 0 is y = -1 for hinge
        xs = x.astype(np.float64)
        np.testing.assert_allclose(v, loss.value(xs, t, **params).astype(np.float32), rtol=1e-6)
        np.testing.assert_allclose(g, loss.grad(xs, t, **params).astype(np.float32), rtol=1e-6)


def test_probability_losses_are_not_drawn_on_the_regression_axis():
    regression = ATLAS["losses"]["mse"]["axis"]
    probability = ATLAS["losses"]["bce"]["axis"]
    assert "bce" not in ATLAS["axes"][regression]["losses"]
    # Every regression loss can be compared with cross-entropy on probabilities.
    assert set(losses.names("regression")) <= set(ATLAS["axes"][probability]["losses"])
    x = ATLAS["axes"][probability]["x"]
    assert 0 < x[0] < x[-1] < 1


def test_score_losses_share_one_axis_with_their_own_labels():
    axis = ATLAS["losses"]["bce_logits"]["axis"]
    ax = ATLAS["axes"][axis]
    assert ax["losses"] == ["bce_logits", "focal", "hinge", "soft_margin"]
    assert all(ATLAS["losses"][n]["axis"] == axis for n in ax["losses"])
    assert ax["targets"] == [0.0, 1.0] and ax["default_target"] == 1
    assert ax["labels"]["bce_logits"] == [0.0, 1.0] == ax["labels"]["focal"]
    assert ax["labels"]["hinge"] == [-1.0, 1.0] == ax["labels"]["soft_margin"]
    assert ax["x"][0] == -8 and ax["x"][-1] == 8 and ax["output"] == "score"
    # No probability or regression loss is drawn against a raw score, nor the other way.
    for key, other in ATLAS["axes"].items():
        if key != axis:
            assert not set(other["losses"]) & set(ax["losses"])


def test_axis_grids_are_exact_binary_steps():
    """Regression axis: step 1/32 over [-6, 6]; probability axis: step 1/256 without p = 0
    and p = 1 (where the loss is clamped); score axis: step 1/8 over [-8, 8], ends included."""
    assert set(ATLAS["axes"]) == {"regression:-6:6:-3:3:0.25", "classification:0:1:0:1:0.25", "score:-8:8"}
    by_output = {ax["output"]: ax for ax in ATLAS["axes"].values()}
    assert set(by_output) == {"value", "probability", "score"}
    np.testing.assert_array_equal(by_output["value"]["x"], np.arange(-192, 193) / 32)
    np.testing.assert_array_equal(by_output["probability"]["x"], np.arange(1, 256) / 256)
    np.testing.assert_array_equal(by_output["score"]["x"], np.arange(-64, 65) / 8)
    assert by_output["probability"]["xlabel"] == "predicted probability p"
    assert by_output["value"]["xlabel"] == "prediction ŷ"
    for ax in ATLAS["axes"].values():  # what the browser reads
        assert set(ax) == {"domain", "x", "targets", "default_target", "kind", "output", "xlabel", "symbol",
                           "target_title", "losses", "labels"}
        assert (ax["xlabel"], ax["symbol"], ax["target_title"]) == curves.AXIS_TEXT[ax["output"]]
        assert ax["domain"] == [float(ax["x"][0]), float(ax["x"][-1])] or ax["output"] == "probability"
    assert [ax["kind"] for ax in by_output.values()] == ["regression", "classification", "classification"]
    assert by_output["probability"]["domain"] == [0.0, 1.0]
    for name, info in ATLAS["losses"].items():
        loss = losses.get(name)
        assert info == {"label": loss.label, "kind": loss.kind, "axis": curves.axis_for(loss).key,
                        "params": [p.name for p in loss.params]}


@pytest.mark.parametrize("domain, targets, drawn", [
    ((-6.0, 6.0), (-3.0, 3.0, 0.25), True),
    ((-5.99, 6.0), (-3.0, 3.0, 0.25), False), ((-6.0, 5.99), (-3.0, 3.0, 0.25), False),
    ((-6.0, 6.0), (-2.9, 3.0, 0.25), False), ((-6.0, 6.0), (-3.0, 2.9, 0.25), False),
    ((-6.0, 6.0), (0.0, 3.0, 0.25), False),  # say, a loss of counts
])
def test_a_loss_is_drawn_where_its_domain_and_targets_cover_the_axis(domain, targets, drawn):
    mse = losses.get("mse")
    regression = curves.axis_for(mse)  # predictions -6 ... 6, true values -3 ... 3
    assert curves.drawable_on(dataclasses.replace(mse, domain=domain, targets=targets), regression) == drawn


def test_a_probability_loss_is_drawn_only_on_a_probability_axis_for_labels_in_0_1():
    bce = losses.get("bce")
    # Whatever its metadata says, a probability loss takes labels in [0, 1] only.
    wide = dataclasses.replace(bce, targets=(0.0, 2.0, 0.25))
    assert curves.drawable_on(bce, curves.axis_for(bce))
    assert not curves.drawable_on(wide, curves.axis_for(wide))
    # Never on a regression axis, even one whose numbers would fit.
    fits = curves.Axis("r", (0.0, 1.0), np.array([0.25, 0.5, 0.75]), np.array([0.0, 1.0]), "regression")
    assert curves.drawable_on(losses.get("mse"), fits) and not curves.drawable_on(bce, fits)


@pytest.mark.parametrize("domain, drawn", [
    ((-8.0, 8.0), True), ((-4.0, 8.0), False), ((-7.95, 8.0), False), ((-8.0, 7.9), False),
])
def test_a_score_loss_is_drawn_where_its_domain_covers_the_score_axis(domain, drawn):
    hinge = losses.get("hinge")
    axis = curves.axis_for(hinge)
    assert curves.drawable_on(dataclasses.replace(hinge, domain=domain), axis) == drawn
    # On a score axis the slider picks a class, whatever numbers stand for the classes.
    own_labels = dataclasses.replace(axis, targets=np.array([-1.0, 1.0]))
    assert curves.drawable_on(hinge, own_labels)


def test_a_score_loss_of_the_residual_alone_still_reads_each_class_as_its_label():
    """Squared error on the score against labels -1 and +1 depends on z - y only, but a
    score axis's slider picks a class: curve k must be at the loss's label k, not at k."""
    squared = dataclasses.replace(losses.get("mse"), name="squared", kind="classification", output="score",
                                  domain=(-8.0, 8.0), targets=(-1.0, 1.0, 2.0))
    atlas = curves.explorer_atlas({"squared": squared})
    for k, label in enumerate((-1.0, 1.0)):
        x, v, g = curves.curve(atlas, "score:-8:8", "squared", (), k)
        np.testing.assert_array_equal(v, squared.value(x.astype(np.float64), label).astype(np.float32))
        np.testing.assert_array_equal(g, squared.grad(x.astype(np.float64), label).astype(np.float32))


def test_atlas_leaves_are_float32():
    assert all(a.dtype == np.float32 for a in ATLAS["arrays"])
    assert all(ax["x"].dtype == np.float32 for ax in ATLAS["axes"].values())


def test_a_shared_array_needs_the_gradients_to_agree_too():
    """A loss whose value depends on the residual alone but whose gradient does not (say,
    a kernel with a target term) gets its own gradient at every true value."""
    mse = losses.get("mse")
    odd = dataclasses.replace(mse, name="odd", _grad=lambda p, t: 2.0 * (p - t) + t)
    atlas = curves.explorer_atlas({"odd": odd})
    key = curves.axis_for(odd).key
    for k, t in enumerate(atlas["axes"][key]["targets"]):
        x, v, g = curves.curve(atlas, key, "odd", (), k)
        np.testing.assert_array_equal(g, odd.grad(x.astype(np.float64), t).astype(np.float32))


def test_residual_sharing_keeps_the_atlas_small():
    """Shift-invariant losses share one array across all true values."""
    n_floats = sum(a.size for a in ATLAS["arrays"])
    # 64,006 with Barron's loss (5 alphas x 2 scales, one array pair per axis each); without
    # sharing its 10 settings alone would take 25 arrays each on the regression axis.
    assert n_floats < 66_000, n_floats
    regression = ATLAS["losses"]["mse"]["axis"]
    refs = {tuple(ATLAS["curves"][f"{regression}|mse||{k}"][:2])
            for k in range(len(ATLAS["axes"][regression]["targets"]))}
    assert len(refs) == 1


def test_explorer_controls_come_from_the_registry():
    layout = explorer.build()
    primary = layout.select_one({"name": "primary_select"})
    assert isinstance(primary, Select)
    assert [v for v, _ in primary.options] == losses.names()
    for name, loss in losses.REGISTRY.items():
        for p in loss.params:
            slider = layout.select_one({"name": f"param_{name}_{p.name}"})
            if len(p.choices) == 1:  # held fixed: no slider, and its one curve is the default's
                assert slider is None and p.choices == (p.default,)
                continue
            assert isinstance(slider, Slider)
            assert slider.start == p.choices[0] and slider.end == p.choices[-1]
            assert slider.value == p.default


def test_explorer_opening_state_matches_engine():
    layout = explorer.build()
    src = layout.select_one({"name": "primary_curve"})
    x = np.asarray(src.data["x"], dtype=np.float64)
    np.testing.assert_allclose(src.data["y"], losses.get("mse").value(x, 0.0), rtol=1e-6)
    np.testing.assert_allclose(src.data["g"], losses.get("mse").grad(x, 0.0), rtol=1e-6)


FORWARD_PASS = re.compile(r"function forward\(.*?\n}\n", re.S)


@pytest.mark.parametrize("path", sorted(WIDGET_DIR.glob("*.js")), ids=lambda p: p.name)
def test_no_loss_formula_in_javascript(path):
    """CustomJS bodies only pick precomputed arrays: no maths functions at all,
    except the model's forward pass (a function named ``forward``), which may
    use tanh and nothing else."""
    code = re.sub(r"//.*", "", path.read_text())
    banned = r"Math\.(log|log1p|log2|log10|exp|expm1|cosh|sinh|tanh|pow|sqrt|abs|hypot)\b|\*\*"
    for forward in FORWARD_PASS.findall(code):
        assert set(re.findall(r"Math\.\w+", forward)) <= {"Math.tanh"}, forward
    assert not re.search(banned, FORWARD_PASS.sub("", code))


def test_fallback_is_an_accessible_svg():
    figure_svg, text = figures.figure("loss-explorer")
    assert figure_svg.startswith("<svg") and "<title>" in figure_svg and "<desc>" in figure_svg
    assert "polyline" in figure_svg and "true value" in text


def test_unknown_widget_name_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown widget 'nope'.*loss-explorer"):
        widgets.get("nope")


def test_stable_ids_do_not_depend_on_process_history():
    """Building twice in one process gives the same item (ids renamed)."""
    a = embed.build_widget("loss-explorer")["item"]
    b = embed.build_widget("loss-explorer")["item"]
    assert a == b
    # The root is the document's only root, and renaming numbers ids in order of first
    # appearance, so it is the first id; every id is widget-scoped and none is shared.
    assert [r["id"] for r in a["doc"]["roots"]] == [a["root_id"]] == ["lossdocs-loss-explorer-0"]
    ids = set(re.findall(r'"id": "([^"]+)"', json.dumps(a["doc"])))
    assert ids == {f"lossdocs-loss-explorer-{k}" for k in range(len(ids))}  # 0..N-1, no gaps


# ------------------------------------------------------------------ fingerprint and cache


def test_fingerprint_follows_the_contents_of_every_source_file(tmp_path):
    """Editing any .py, .js or .css file of the package changes the fingerprint, even an
    edit that keeps the file's size; other files do not; undoing the edit restores it."""
    copy = tmp_path / "lossdocs"
    shutil.copytree(embed.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    base = embed.fingerprint(copy)
    assert re.fullmatch(r"[0-9a-f]{16}", base) and embed.fingerprint(copy) == base
    for rel in ("losses.py", "site/figures.py", "widgets/landscape.js", "widgets/theme.css"):
        path = copy / rel
        original = path.read_bytes()
        same_size = original.replace(b"e", b"E", 1)
        assert same_size != original and len(same_size) == len(original)
        for edited in (same_size, original + b"\n"):
            path.write_bytes(edited)
            assert embed.fingerprint(copy) != base, rel
        path.write_bytes(original)
        assert embed.fingerprint(copy) == base, rel
    (copy / "notes.txt").write_text("not source")
    assert embed.fingerprint(copy) == base
    (copy / "widgets/landscape.js").rename(copy / "widgets/landscape2.js")  # a renamed file counts
    assert embed.fingerprint(copy) != base


def test_widget_cache_writes_the_fingerprinted_file_and_reads_it_back(tmp_path, monkeypatch):
    built = []

    def fake_build(name):
        built.append(name)
        return {"item": {"n": len(built)}, "fallback_svg": "<svg/>", "fallback_text": f"{name} text"}

    monkeypatch.setattr(embed, "build_widget", fake_build)
    cache = embed.WidgetCache(tmp_path / "widgets")
    first = cache.get("loss-explorer")
    path = tmp_path / "widgets" / f"loss-explorer-{embed.fingerprint()}.json"
    assert built == ["loss-explorer"] and json.loads(path.read_text()) == first
    assert [p.name for p in (tmp_path / "widgets").iterdir()] == [path.name]  # no temporary left
    assert cache.get("loss-explorer") is first and built == ["loss-explorer"]  # from memory
    path.write_text(json.dumps(dict(first, fallback_text="from disk")))
    again = embed.WidgetCache(tmp_path / "widgets").get("loss-explorer")  # a new build process
    assert again["fallback_text"] == "from disk" and built == ["loss-explorer"]


def _readouts_written_by_customjs(root):
    """Every Div of the widget that a CustomJS callback receives as ``readout``."""
    from bokeh.models import CustomJS, Div

    out = []
    for model in root.references():
        if isinstance(model, CustomJS):
            div = model.args.get("readout")
            if isinstance(div, Div) and div not in out:
                out.append(div)
    return out


@pytest.mark.parametrize("name", sorted(widgets.WIDGETS))
def test_a_readout_the_callbacks_rewrite_sits_outside_the_bokeh_layout(name):
    """A Div rewritten on every change, inside a row or column, makes BokehJS lay out
    the whole widget again before it repaints (every axis re-measured: ~5 ms a change,
    over the latency budget on the light widgets). Wrapped in a Pane (style.readout_box),
    it lays out only itself; its fixed height keeps the widget's size."""
    from bokeh.models import LayoutDOM, Pane

    root = widgets.get(name).build()
    for div in _readouts_written_by_customjs(root):
        parents = [m for m in root.references() if div in getattr(m, "children", []) or
                   div in getattr(m, "elements", [])]
        kinds = sorted(type(m).__name__ for m in parents)
        assert all(isinstance(m, Pane) and not isinstance(m, LayoutDOM) for m in parents) and parents, (
            f"{name}: readout {div.name!r} sits in {kinds}, not in a Pane of its own")
        assert div.height is not None, f"{name}: readout {div.name!r} has no fixed height"


def test_readout_box_refuses_a_readout_without_a_fixed_height():
    from bokeh.models import Div

    from lossdocs.widgets import style

    with pytest.raises(ValueError, match=r"readout 'r'.*height=None"):
        style.readout_box(Div(text="x", name="r"))
