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
    folder = tmp_path / ".cache" / "widgets"  # neither exists yet
    cache = embed.WidgetCache(folder)
    first = cache.get("loss-explorer")
    path = folder / f"loss-explorer-{embed.fingerprint()}.json"
    assert built == ["loss-explorer"] and json.loads(path.read_text()) == first
    assert [p.name for p in folder.iterdir()] == [path.name]  # no temporary left
    assert cache.get("loss-explorer") is first and built == ["loss-explorer"]  # from memory
    cache.get("landscape")  # a second widget, into the folder that exists now
    assert built == ["loss-explorer", "landscape"] and len(list(folder.iterdir())) == 2
    path.write_text(json.dumps(dict(first, fallback_text="from disk")))
    again = embed.WidgetCache(folder).get("loss-explorer")  # a new build process
    assert again["fallback_text"] == "from disk" and built == ["loss-explorer", "landscape"]


def _readouts_written_by_customjs(root):
    """Every model that a CustomJS callback of the widget receives as ``readout``."""
    from bokeh.models import CustomJS

    out = []
    for model in root.references():
        if isinstance(model, CustomJS):
            readout = model.args.get("readout")
            if readout is not None and readout not in out:
                out.append(readout)
    return out


@pytest.mark.parametrize("name", sorted(widgets.WIDGETS))
def test_a_readout_the_callbacks_rewrite_is_a_dom_node_in_a_fixed_height_pane(name):
    """A Bokeh Div rewritten on every change re-renders its shadow root and, inside a
    row or column, makes BokehJS lay out the whole widget again before it repaints:
    5-10 ms a change, over the latency budget. A readout is either a plot title (drawn
    on the canvas) or a ``dom.HTML`` node alone in a Pane with a minimum height
    (``style.readout``), so that its text changes neither Bokeh's layout nor, on a
    wide screen, the widget's size."""
    from bokeh.models import LayoutDOM, Pane, Title, dom

    root = widgets.get(name).build()
    for readout in _readouts_written_by_customjs(root):
        if isinstance(readout, Title):
            continue
        assert isinstance(readout, dom.HTML), (
            f"{name}: readout {readout.name!r} is a {type(readout).__name__}, not a dom.HTML node (style.readout)")
        parents = [m for m in root.references() if readout in getattr(m, "elements", []) or
                   readout in getattr(m, "children", [])]
        assert len(parents) == 1 and isinstance(parents[0], Pane) and not isinstance(parents[0], LayoutDOM), (
            f"{name}: readout {readout.name!r} sits in {[type(m).__name__ for m in parents]}, not in one Pane")
        assert parents[0].elements == [readout], f"{name}: readout {readout.name!r} shares its Pane"
        assert re.fullmatch(r"[1-9]\d*px", parents[0].styles.get("min-height", "")), (
            f"{name}: readout {readout.name!r} has no minimum height")


def test_readout_refuses_a_readout_without_a_fixed_height():
    from lossdocs.widgets import style

    for height in (None, 0, "62px"):
        with pytest.raises(ValueError, match=r"readout 'r': height must be a positive number of px"):
            style.readout("x", name="r", height=height, stylesheets=[])
    node, box = style.readout("<b>x</b>", name="r", height=62, stylesheets=[])
    assert node.html == "<b>x</b>" and box.elements == [node] and box.styles["min-height"] == "62px"


def _models_given_to_callbacks(root) -> set[str]:
    """Ids of the models that any CustomJS of the widget receives in its args."""
    from bokeh.model import Model
    from bokeh.models import CustomJS

    out: set[str] = set()

    def walk(value):
        if isinstance(value, Model):
            out.add(value.id)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)

    for model in root.references():
        if isinstance(model, CustomJS):
            walk(model.args)
    return out


@pytest.mark.parametrize("name", sorted(widgets.WIDGETS))
def test_legends_read_still_copies_that_no_callback_changes(name):
    """BokehJS rebuilds a legend's DOM (canvases, labels, a style pass and a layout)
    whenever anything its items refer to changes, down to a renderer's data: up to ten
    times per slider step, which doubled a control's input-to-paint. Every legend item
    refers only to invisible copies (``style.still_legends``): each shares its glyph
    with a drawn renderer of the same plot, and has a source of its own that no
    callback receives, with NaN coordinates."""
    from bokeh.models import GlyphRenderer, Legend, Plot

    root = widgets.get(name).build()
    given = _models_given_to_callbacks(root)
    for plot in root.select({"type": Plot}):
        drawn = {r.glyph.id for r in plot.renderers if isinstance(r, GlyphRenderer) and r.visible}
        legends = [m for place in (plot.renderers, plot.center, plot.above, plot.below, plot.left, plot.right)
                   for m in place if isinstance(m, Legend)]
        for legend in legends:
            for item in legend.items:
                for r in item.renderers:
                    where = f"{name}: legend entry {item.label!r} of {plot.name!r}"
                    assert not r.visible and r in plot.renderers, f"{where} draws from a visible renderer"
                    assert r.glyph.id in drawn, f"{where}: its glyph is not one the plot draws"
                    assert r.data_source.id not in given, f"{where}: a callback can change its source"
                    for arg in r.glyph._args:
                        column = getattr(r.glyph, arg)
                        if isinstance(column, str) and column in r.data_source.data:
                            values = np.asarray(r.data_source.data[column])
                            if values.dtype.kind == "f":
                                assert np.isnan(values).all(), f"{where}: {arg} is drawn somewhere"


def test_still_legends_keeps_every_label_and_index_and_draws_nothing():
    from bokeh.models import ColumnDataSource, Legend, LegendItem
    from bokeh.plotting import figure

    from lossdocs.widgets import style

    fig = figure(name="f")
    line = fig.line("x", "y", source=ColumnDataSource({"x": [0.0, 1.0], "y": [2.0, 3.0]}), legend_label="line",
                    line_width=3)
    bars = fig.vbar(x="i", top="t", width=0.5, legend_field="cls", color="c", source=ColumnDataSource(
        {"i": [0, 1, 2, 3], "t": [1.0, 2.0, 3.0, 4.0], "cls": ["a", "b", "a", "c"],
         "c": ["red", "blue", "red", "gray"]}))
    fig.add_layout(Legend(items=[LegendItem(label="third", renderers=[line], index=1)]))
    before = [list(legend.items) for legend in fig.legend]
    assert style.still_legends(fig) is fig
    first, second = fig.legend
    bar_copy = first.items[1].renderers[0]
    assert [item.label for item in first.items] == [item.label for item in before[0]]
    assert bar_copy.glyph is bars.glyph and not bar_copy.visible and bar_copy in fig.renderers
    assert bar_copy.data_source.data["cls"] == ["a", "b", "a", "c"]  # up to the first "c"
    assert bar_copy.data_source.data["c"] == ["red", "blue", "red", "gray"]
    assert np.isnan(bar_copy.data_source.data["i"]).all() and np.isnan(bar_copy.data_source.data["t"]).all()
    line_copy = first.items[0].renderers[0]
    assert line_copy.glyph is line.glyph and len(line_copy.data_source.data["x"]) == 1
    assert np.isnan(line_copy.data_source.data["x"]).all() and np.isnan(line_copy.data_source.data["y"]).all()
    indexed = second.items[0].renderers[0]
    assert indexed.glyph is line.glyph and len(indexed.data_source.data["y"]) == 2  # rows 0..index
    assert line.data_source.data == {"x": [0.0, 1.0], "y": [2.0, 3.0]} and line.visible  # the drawn one untouched

    fig.legend.click_policy = "hide"
    with pytest.raises(ValueError, match=r"legend of 'f': click_policy must be 'none'"):
        style.still_legends(fig)


@pytest.mark.parametrize("extent, widest", [(0.55, "-0.50"), (1.1, "-1.00"), (2.79, "-2.50"), (9.9, "-9.90"),
                                            (10.0, "-10.0"), (20.4, "-20.0"), (99.0, "-90.0")])
def test_steady_digits_labels_are_three_digits_and_a_point(extent, widest):
    """The widest label a BasicTicker's nice ticks give, in the chosen format, has the same
    make-up over every extent: three digits and a point (and a minus)."""
    from lossdocs.widgets import style

    fmt = style.steady_digits(extent)
    tick = float(widest)
    assert fmt % tick == widest
    assert sorted(c.isdigit() for c in (fmt % abs(tick))) == [False, True, True, True]


@pytest.mark.parametrize("extent", [0.0, -1.0, 100.0, float("nan"), float("inf")])
def test_steady_digits_refuses_extents_it_cannot_keep_steady(extent):
    from lossdocs.widgets import style

    with pytest.raises(ValueError, match=r"extent must be in \(0, 100\)"):
        style.steady_digits(extent)
