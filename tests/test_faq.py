"""The FAQ and the selection guide: their numbers and their widget-state links.

Every figure the two pages quote is recomputed here with the engine
(``lossdocs.losses``, ``lossdocs.landscape``), and most are also looked up in the
page text, so a changed engine or an edited page cannot drift apart silently.
Every link of the form ``page#widget?control=value&...`` is checked against the
widget the page really embeds: the control must exist and the value must be one
it can take, in the order the page's script applies them.
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path
from urllib.parse import parse_qsl

import numpy as np
import pytest
from bokeh.models import ColumnDataSource, Select, Slider

from lossdocs import boxes as box_losses
from lossdocs import classification, landscape, losses, metric, robust, widgets
from lossdocs import training as training_engine
from lossdocs.widgets import boxes as boxes_widget
from lossdocs.widgets import explorer
from lossdocs.widgets import landscape as landscape_widget
from lossdocs.widgets import margin as margin_widget
from lossdocs.widgets import outlier as outlier_widget
from lossdocs.widgets import reduction as reduction_widget
from lossdocs.widgets import training as training_widget

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
REFERENCE = DOCS / "reference"
PAGES = ("faq.md", "selection-guide.md")

mse, mae, huber, log_cosh, bce = (losses.get(n) for n in ("mse", "mae", "huber", "log_cosh", "bce"))
PRESETS = landscape.PRESETS


def text_of(page: str) -> str:
    return (REFERENCE / page).read_text(encoding="utf-8")


# ------------------------------------------------------------ state links

LINK = re.compile(r"\]\(([^)\s]+)\)")
MARKER = re.compile(r"<!--\s*widget:\s*([\w-]+)\s*-->")


def state_links(markdown: str) -> list[str]:
    """Link targets whose fragment carries a query: ``page#widget?key=value``."""
    return [t for t in LINK.findall(markdown) if "#" in t and "?" in t.split("#", 1)[1]]


def all_state_links() -> list[tuple[str, str]]:
    return [(page, link) for page in PAGES for link in state_links(text_of(page))]


@functools.cache
def explorer_layout(primary: str):
    """The explorer as it stands once ``primary`` is selected: the overlay options
    and the true-value slider's range follow the primary loss's axis, exactly as
    explorer.js sets them (both are derived from the same atlas)."""
    return explorer.build(primary=primary, overlay="none")


# Widgets whose controls do not depend on one another: one layout each.
# Every widget but the explorer (whose controls depend on the chosen loss) has one layout.
FIXED_BUILDERS = {name: w.build for name, w in widgets.WIDGETS.items() if name != "loss-explorer"}
WIDGETS = ("loss-explorer", *FIXED_BUILDERS)


@functools.cache
def fixed_layout(widget: str):
    return FIXED_BUILDERS[widget]()


def _options(select: Select) -> list[str]:
    return [o[0] if isinstance(o, (tuple, list)) else o for o in select.options]


def check_control(layout, key: str, raw: str, where: str):
    model = layout.select_one({"name": key})
    assert model is not None, f"{where}: {key!r} is not a control of this widget"
    assert isinstance(model, (Select, Slider)), f"{where}: {key!r} is a {type(model).__name__}"
    if isinstance(model, Select):
        assert raw in _options(model), f"{where}: {key}={raw!r} is not one of {_options(model)}"
    else:
        v = float(raw)
        assert model.start - 1e-9 <= v <= model.end + 1e-9, (
            f"{where}: {key}={v} outside {model.start}..{model.end}")
        k = (v - model.start) / model.step
        assert abs(k - round(k)) < 1e-9, f"{where}: {key}={v} is off the step grid ({model.step})"
    return model


def state_numbers(layout) -> dict[str, str]:
    """Keys a widget keeps in a ColumnDataSource tagged ``STATE_TAG`` (numbers no control
    holds, such as the landscape's clicked w and b): key -> the source's name."""
    return {column: m.name for m in layout.references()
            if isinstance(m, ColumnDataSource) and landscape_widget.STATE_TAG in m.tags for column in m.data}


def check_point(widget: str, layout, chosen: dict[str, str], numbers: dict[str, float], where: str) -> None:
    """A widget's numbers from a link are ones it can show: the landscape's (w, b) lies in
    the window of the preset the link selects (or the opening one), which the heatmap covers."""
    if widget == "loss-landscape":
        preset = PRESETS[chosen.get("preset_select", layout.select_one({"name": "preset_select"}).value)]
        (w0, w1), (b0, b1) = preset.w_range, preset.b_range
        w, b = numbers["w"], numbers["b"]
        assert w0 <= w <= w1 and b0 <= b <= b1, (
            f"{where}: (w, b) = ({w}, {b}) is outside the {preset.label!r} window {w0}..{w1} x {b0}..{b1}")


def check_state_link(link: str, base: Path = REFERENCE, page: Path | None = None) -> None:
    """A link ``page#widget?control=value&...``, relative to the folder ``base``, lands on a
    page that embeds that widget and names real controls of it with values they can take,
    selects before sliders (the order the page's script applies them in). A link with no
    page (``#widget?...``) is to ``page`` itself. Keys a widget keeps in a state source
    (:func:`state_numbers`: the landscape's ``w`` and ``b``) come all together, as finite
    numbers the widget can show (:func:`check_point`)."""
    path, fragment = link.split("#", 1)
    widget, query = fragment.split("?", 1)
    if path:
        target = (base / path).resolve()
    else:
        assert page is not None, f"{link}: a link within a page needs that page"
        target = Path(page).resolve()
    if target.suffix == ".html":  # the built name of a page
        target = target.with_suffix(".md")
    assert target.is_file(), f"{link}: no page {target.relative_to(ROOT)}"
    embedded = MARKER.findall(target.read_text(encoding="utf-8"))
    assert widget in embedded, f"{link}: page embeds {embedded}, link names {widget!r}"

    pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), f"{link}: a control is set twice"

    if widget == "loss-explorer":
        layout = explorer_layout(explorer.DEFAULT_PRIMARY)
    elif widget in FIXED_BUILDERS:
        layout = fixed_layout(widget)
    else:
        pytest.fail(f"{link}: unknown widget {widget!r}")

    sources = state_numbers(layout)
    numbers = {}
    seen_slider = False
    for key, raw in pairs:  # applied in order, like the page script does
        if key in sources:  # set after every control, whatever its place
            numbers[key] = float(raw)
            assert math.isfinite(numbers[key]), f"{link}: {key}={raw!r} is not a finite number"
            continue
        model = check_control(layout, key, raw, link)
        if isinstance(model, Slider):
            seen_slider = True
        else:
            # A select can redefine a slider (the true-value range), so selects go first.
            assert not seen_slider, f"{link}: select {key!r} comes after a slider"
        if widget == "loss-explorer" and key == "primary_select":
            layout = explorer_layout(raw)
    for name in set(sources.values()):
        columns = {k for k, v in sources.items() if v == name}
        assert columns <= set(numbers) or not columns & set(numbers), (
            f"{link}: {sorted(columns & set(numbers))} without {sorted(columns - set(numbers))}: "
            "the page sets them only all together")
    if numbers:
        check_point(widget, layout, dict(pairs), numbers, link)


@pytest.mark.parametrize("page,link", all_state_links(), ids=lambda v: str(v)[:90])
def test_state_link_names_real_controls_and_values(page, link):
    check_state_link(link)


def test_pages_have_state_links_to_both_widgets():
    for page in PAGES:
        widgets = {link.split("#", 1)[1].split("?", 1)[0] for link in state_links(text_of(page))}
        assert {"loss-explorer", "loss-landscape"} <= widgets <= set(WIDGETS), page


def faq_questions() -> list[tuple[str, str]]:
    """(heading, body) for every question: the ``###`` headings of faq.md."""
    parts = re.split(r"^(#{2,3} .*)$", text_of("faq.md"), flags=re.M)
    out = []
    for head, body in zip(parts[1::2], parts[2::2]):
        if head.startswith("### "):
            out.append((head, body))
    return out


def test_faq_has_at_least_ten_questions_with_anchors():
    questions = faq_questions()
    assert len(questions) >= 10
    for head, _ in questions:
        assert "?" in head and re.search(r"\{#[\w-]+\}\s*$", head), head


@pytest.mark.parametrize("head,body", faq_questions(), ids=lambda v: v[4:40] if v.startswith("#") else "")
def test_every_faq_answer_links_to_a_widget_state(head, body):
    assert state_links(body), f"{head}: no link to a widget state"
    assert "**Try it:**" in body, f"{head}: no Try it line"


def test_every_row_of_the_selection_table_links_to_a_widget_state():
    section = text_of("selection-guide.md").split("## The table", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]  # no head, rule
    assert len(rows) >= 8
    for row in rows:
        assert state_links(row), f"row without a widget-state link: {row[:60]}"


# ------------------------------------------------------- quoted numbers

def whole(literal: str) -> re.Pattern:
    """``literal`` as a whole number: not part of a longer one ("−2" is not in "−25",
    "2.30" not in "12.30" or "2.305", "77" not in "77%")."""
    return re.compile(r"(?<![\w.\-−])" + re.escape(literal) + r"(?![\w%]|[.,]\d)")


def segment_of(text: str, where: str, name: str = "the page") -> str:
    """The one table row, or else the one sentence, of Markdown ``text`` that contains
    ``where`` (shared by every test that checks a quoted number)."""
    rows = [line for line in text.splitlines() if line.startswith("|") and where in line]
    if rows:
        assert len(rows) == 1, f"{name}: {where!r} is in {len(rows)} table rows"
        return rows[0]
    prose = re.sub(r"\s*\n\s*", " ", text)
    hits = [s for s in re.split(r"(?<=[.?!])\s+(?=[A-Z$*(\[`])", prose) if where in s]
    assert len(hits) == 1, f"{name}: {where!r} is in {len(hits)} sentences"
    return hits[0]


def segment(page: str, where: str) -> str:
    """The one table row, or else the one sentence, of ``page`` that contains ``where``."""
    return segment_of(text_of(page), where, page)


def cell(page: str, row: str, column: str) -> str:
    """The cell of a table on ``page``: the row whose first cell is ``row``, the column
    whose header (the table's first row) is ``column``."""
    found = []
    for block in re.findall(r"(?:^\|.*\n?)+", text_of(page), re.M):
        table = [[c.strip() for c in line.strip().strip("|").split("|")] for line in block.splitlines()
                 if not re.fullmatch(r"[|\s:-]+", line)]
        header = table[0]
        found += [r[header.index(column)] for r in table[1:] if r[0] == row and column in header]
    assert len(found) == 1, f"{page}: {len(found)} cells in row {row!r}, column {column!r}"
    return found[0]


def _number_in(context: str, literal: str, value: float) -> str:
    """``literal`` is a whole number of ``context`` and is ``value`` rounded to as many
    decimals as it shows; returns ``context``."""
    assert whole(literal).search(context), f"{literal!r} is not a number of {context!r}"
    digits = re.findall(r"[-−]?\d+(?:\.\d+)?", literal)[-1]
    number = float(digits.replace("−", "-"))
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    assert abs(value - number) <= 0.5 * 10 ** -decimals + 1e-12, (literal, value)
    return context


def quoted(page: str, where: str, literal: str, value: float) -> str:
    """``literal`` is a number of the row or sentence of ``page`` that contains ``where``,
    and equals ``value`` as rounded on the page. Returns that row or sentence."""
    return _number_in(segment(page, where), literal, value)


def quoted_cell(page: str, row: str, column: str, literal: str, value: float) -> str:
    """:func:`quoted` for a table cell: the number is in that very cell."""
    return _number_in(cell(page, row, column), literal, value)


R = np.linspace(-6.0, 6.0, 4801)  # includes 0, ±0.5, ±1 exactly


def test_mse_and_mae_cross_at_an_error_of_one():
    v_mse, v_mae = mse.value(R, 0.0), mae.value(R, 0.0)
    a = np.abs(R)
    np.testing.assert_allclose(v_mse[a == 1], v_mae[a == 1])
    assert (v_mse[(a > 0) & (a < 1)] < v_mae[(a > 0) & (a < 1)]).all()
    assert (v_mse[a > 1] > v_mae[a > 1]).all()
    assert float(mse.value(0.5, 0)) == 0.25 and float(mae.value(0.5, 0)) == 0.5
    assert float(mse.value(3, 0)) == 9 and float(mae.value(3, 0)) == 3
    # The gradients trade places at |r| = 0.5.
    g_mse, g_mae = np.abs(mse.grad(R, 0.0)), np.abs(mae.grad(R, 0.0))
    np.testing.assert_allclose(g_mse[a == 0.5], g_mae[a == 0.5])
    assert (g_mse[(a > 0) & (a < 0.5)] < 1).all() and (g_mse[a > 0.5] > 1).all()


def test_mae_gradient_has_size_one_everywhere_off_zero():
    g = mae.grad(R, 0.0)
    assert (np.abs(g[R != 0]) == 1).all()
    assert float(mae.grad(0.0, 0.0)) == 0.0  # PyTorch's choice at the corner


def test_mse_gradient_fades_near_the_target():
    np.testing.assert_allclose(mse.grad([0.1, 0.01], 0.0), [0.2, 0.02])


@pytest.mark.parametrize("delta", huber.params[0].choices)
def test_huber_is_half_square_inside_delta_and_linear_outside(delta):
    a = np.abs(R)
    v, g = huber.value(R, 0.0, delta=delta), huber.grad(R, 0.0, delta=delta)
    inside = a < delta
    np.testing.assert_allclose(v[inside], 0.5 * R[inside] ** 2)
    np.testing.assert_allclose(v[~inside], delta * (a[~inside] - delta / 2))
    np.testing.assert_allclose(g, np.clip(R, -delta, delta))  # r clipped to [-δ, δ]
    # The two pieces meet with the same value and slope.
    assert float(huber.value(delta, 0.0, delta=delta)) == pytest.approx(0.5 * delta**2)
    assert float(huber.grad(delta, 0.0, delta=delta)) == pytest.approx(delta)
    # Where every error is inside δ, Huber is half of MSE.
    np.testing.assert_allclose(v[inside], 0.5 * mse.value(R, 0.0)[inside])


def test_huber_delta_one_runs_half_a_unit_under_mae():
    far = R[np.abs(R) >= 1]
    np.testing.assert_allclose(huber.value(far, 0.0, delta=1.0), np.abs(far) - 0.5)
    assert float(huber.value(3.0, 0.0, delta=1.0)) == 2.5
    sentence = quoted("faq.md", "so an error of 3 costs", "2.5", 2.5)
    assert "(MAE 3, MSE 9)" in sentence


def test_bce_grows_without_bound_as_p_goes_to_zero_for_label_one():
    p = np.logspace(-12, 0, 500)
    v = bce.value(p, 1.0)
    assert (np.diff(v) < 0).all()  # falls as p rises: grows as p -> 0
    assert float(bce.value(1e-9, 1.0)) > 20
    assert float(bce.value(0.0, 1.0)) == 100.0  # each log clamped at -100, like PyTorch
    assert float(bce.value(1.0, 0.0)) == 100.0  # the mirrored wall for label 0
    # Mirror image: label 0 at p is label 1 at 1 - p.
    q = np.linspace(0.01, 0.99, 99)
    np.testing.assert_allclose(bce.value(q, 0.0), bce.value(1 - q, 1.0))


@pytest.mark.parametrize("p,loss,grad", [
    ("0.9", "0.105", "−1.11"), ("0.5", "0.693", "−2"), ("0.1", "2.30", "−10"),
    ("0.01", "4.61", "−100"),
])
def test_bce_table_in_the_faq(p, loss, grad):
    q = float(p)
    assert cell("faq.md", "Loss $-\\log p$", p) == loss
    assert cell("faq.md", "Gradient $-1/p$", p) == grad
    quoted_cell("faq.md", "Loss $-\\log p$", p, loss, float(bce.value(q, 1.0)))
    quoted_cell("faq.md", "Gradient $-1/p$", p, grad, float(bce.grad(q, 1.0)))


def test_bce_at_one_in_a_billion():
    quoted_cell("faq.md", "Loss $-\\log p$", "$10^{-9}$", "20.7", float(bce.value(1e-9, 1.0)))
    assert float(bce.grad(1e-9, 1.0)) == pytest.approx(-1e9)
    # Each tenfold drop in p adds log 10.
    steps = np.diff(bce.value([1e-1, 1e-2, 1e-3, 1e-9], 1.0))
    np.testing.assert_allclose(steps[:2], math.log(10))
    quoted("faq.md", "Every tenfold drop in $p$ adds the same", "2.30", math.log(10))


@pytest.mark.parametrize("loss", [mse, mae, huber, log_cosh])
def test_the_valley_sits_at_the_true_value(loss):
    x = np.linspace(-6.0, 6.0, 2401)  # step 0.005 hits every target on the slider grid
    for t in np.arange(-3.0, 3.0 + 1e-9, 0.25):
        v = loss.value(x, t)
        assert x[np.argmin(v)] == pytest.approx(t)
        assert v.min() == 0.0 and float(loss.grad(t, t)) == 0.0


@pytest.mark.parametrize("y,floor,where", [(0.5, "0.693", r"$\log 2 \approx 0.693$ for $y = 0.5$"),
                                          (0.25, "0.562", "0.562 for $y = 0.25$")])
def test_soft_label_floor_is_the_label_entropy(y, floor, where):
    p = np.linspace(0.001, 0.999, 999)
    v = bce.value(p, y)
    assert p[np.argmin(v)] == pytest.approx(y)
    assert float(bce.grad(y, y)) == 0.0
    entropy = -(y * math.log(y) + (1 - y) * math.log(1 - y))
    assert float(bce.value(y, y)) == pytest.approx(entropy)
    quoted("faq.md", where, floor, entropy)


def test_mae_fixed_steps_hop_across_the_target():
    r, eta = 1.05, 0.1
    history = []
    for _ in range(14):
        r -= eta * float(mae.grad(r, 0.0))
        history.append(r)
    assert history[9] == pytest.approx(0.05)
    np.testing.assert_allclose(history[10::2], -0.05, atol=1e-9)
    np.testing.assert_allclose(history[11::2], 0.05, atol=1e-9)


@pytest.mark.parametrize("eta,factor", [(0.25, 0.5), (0.5, 0.0), (0.75, -0.5), (1.5, -2.0)])
def test_gradient_step_on_mse_multiplies_the_error(eta, factor):
    for r in (2.0, -0.7):
        new = r - eta * float(mse.grad(r, 0.0))
        assert new == pytest.approx(factor * r)
        assert new == pytest.approx((1 - 2 * eta) * r)
    if eta == 1.5:
        assert float(mse.value(-2.0, 0.0)) == 4 * float(mse.value(1.0, 0.0))  # loss quadruples


ERRORS = np.array([1.0, 1.0, 1.0, 10.0])


def test_one_outlier_under_mse_and_mae():
    v_mse, v_mae = mse.value(ERRORS, 0.0), mae.value(ERRORS, 0.0)
    for col, v in (("MSE", v_mse), ("MAE", v_mae)):
        assert cell("faq.md", "Per-example loss", col) == ", ".join(f"{x:g}" for x in v)
        share = cell("faq.md", "Outlier's share of the total loss", col)
        assert share.startswith(f"{v[-1]:g} / {v.sum():g} ≈ "), share
    quoted_cell("faq.md", "Mean", "MSE", "25.75", v_mse.mean())
    quoted_cell("faq.md", "Mean", "MAE", "3.25", v_mae.mean())
    quoted_cell("faq.md", "Outlier's share of the total loss", "MSE", "97%", 100 * v_mse[-1] / v_mse.sum())
    quoted_cell("faq.md", "Outlier's share of the total loss", "MAE", "77%", 100 * v_mae[-1] / v_mae.sum())
    sentence = quoted("faq.md", "That one bad point multiplies MSE by", "25.75", v_mse.mean())
    _number_in(sentence, "3.25", v_mae.mean())
    g_mse, g_mae = mse.grad(ERRORS, 0.0), mae.grad(ERRORS, 0.0)
    np.testing.assert_array_equal(g_mse, [2, 2, 2, 20])
    np.testing.assert_array_equal(g_mae, [1, 1, 1, 1])
    assert 100 * g_mse[-1] / g_mse.sum() == pytest.approx(100 * 20 / 26)
    for col, g in (("MSE", g_mse), ("MAE", g_mae)):
        assert cell("faq.md", "Gradient on each example", col) == ", ".join(f"{x:g}" for x in g)
    assert cell("faq.md", "Outlier's share of the total push", "MSE").startswith("20 / 26 ≈ ")
    quoted_cell("faq.md", "Outlier's share of the total push", "MSE", "77%", 100 * g_mse[-1] / g_mse.sum())
    assert cell("faq.md", "Outlier's share of the total push", "MAE") == "1 / 4 = 25%"
    assert g_mae[-1] / g_mae.sum() == 0.25
    # Without the outlier both read 1.
    assert mse.value(ERRORS[:3], 0.0).mean() == 1 == mae.value(ERRORS[:3], 0.0).mean()
    # Huber with δ = 1: in between, every push capped at 1.
    quoted("faq.md", "sits in between, with a mean of", "2.75", float(huber.value(ERRORS, 0.0, delta=1.0).mean()))
    np.testing.assert_array_equal(huber.grad(ERRORS, 0.0, delta=1.0), [1, 1, 1, 1])


def test_best_constant_is_mean_for_mse_and_median_for_mae():
    c = np.linspace(-1.0, 11.0, 12001)[:, None]
    targets = np.array([0.0, 0.0, 0.0, 10.0])
    assert c[np.argmin(mse.value(c, targets).mean(axis=1)), 0] == pytest.approx(2.5)
    assert c[np.argmin(mae.value(c, targets).mean(axis=1)), 0] == pytest.approx(0.0)


def test_one_number_ranks_models_and_the_loss_decides_how():
    a, b = np.array([1.0, 5.0]), np.array([3.0, 3.0])
    assert mse.value(a, 0).mean() == 13 and mse.value(b, 0).mean() == 9
    assert mae.value(a, 0).mean() == 3 == mae.value(b, 0).mean()


# ------------------------------------------------------- landscape figures

def _minimum(name, preset, **params):
    return landscape.minimum(name, PRESETS[preset], **params)


OUTLIER_MINIMA = [  # (loss, params, table row, "(w, b)" as quoted, MSE on the 15 clean points as quoted)
    ("mse", {}, "MSE", "(0.45, 0.18)", "0.16"),
    ("huber", {"delta": 1.0}, "Huber, δ = 1", "(0.70, 0.01)", "0.039"),
    ("huber", {"delta": 0.3}, "Huber, δ = 0.3", "(1.06, −0.15)", "0.0016"),
    ("huber", {"delta": 0.1}, "Huber, δ = 0.1", "(1.16, −0.18)", "0.00014"),
]


@pytest.mark.parametrize("name,params,row,wb,clean", OUTLIER_MINIMA)
def test_outlier_preset_minima_and_clean_fit(name, params, row, wb, clean):
    w, b, _ = _minimum(name, "outliers", **params)
    qw, qb = (float(s.replace("−", "-")) for s in wb.strip("()").split(", "))
    assert (round(w, 2), round(b, 2)) == (qw, qb)
    assert cell("faq.md", row, "minimum $(w, b)$") == wb
    pre = PRESETS["outliers"]
    quoted_cell("faq.md", row, "MSE on the 15 clean points at that minimum", clean,
                landscape.loss_at("mse", pre.x[:15], pre.y[:15], w, b))


def test_outlier_preset_clean_answer_and_mae():
    pre = PRESETS["outliers"]
    assert len(pre.x) == 17  # fifteen clean targets and two at 1.5
    np.testing.assert_allclose(pre.y[:15], np.tanh(1.2 * pre.x[:15] - 0.2))
    np.testing.assert_array_equal(pre.y[15:], [1.5, 1.5])
    w, b, _ = _minimum("mae", "outliers")
    assert (w, b) == pytest.approx((1.2, -0.2), abs=1e-4)
    assert landscape.loss_at("mse", pre.x[:15], pre.y[:15], w, b) < 1e-6  # essentially perfect
    for page in PAGES:
        assert "(0.45, 0.18)" in text_of(page) and "(1.2, -0.2)" in text_of(page)
    assert "(1.06, -0.15)" in text_of("selection-guide.md")
    assert "(1.16, -0.18)" in text_of("selection-guide.md")


def test_outlier_preset_training_loss_is_lowest_for_the_worse_fit():
    pre = PRESETS["outliers"]
    at_mse = _minimum("mse", "outliers")
    at_mae = _minimum("mae", "outliers")
    train_mse = landscape.loss_at("mse", pre.x, pre.y, *at_mse[:2])
    train_mae_fit = landscape.loss_at("mse", pre.x, pre.y, *at_mae[:2])
    sentence = quoted("faq.md", "MSE reaches the lowest training MSE", "0.553", train_mse)
    _number_in(sentence, "0.692", train_mae_fit)
    assert re.search(r"0\.553 against 0\.692 at MAE's minimum", sentence)
    assert train_mse < train_mae_fit


def test_two_point_start_and_minimum():
    pre = PRESETS["two_points"]
    assert pre.start == (-0.5, 1.5)
    quoted("faq.md", "The white starting dot reads", "1.63", landscape.loss_at("mse", pre.x, pre.y, *pre.start))
    w, b, L = _minimum("mse", "two_points")
    assert (w, b) == pytest.approx((1.5, 0.3), abs=1e-6) and L < 1e-10


def test_sloped_line_valley_along_and_across():
    pre = PRESETS["sloped_line"]
    along = landscape.loss_at("mse", pre.x, pre.y, 1.0, -0.16)
    across = landscape.loss_at("mse", pre.x, pre.y, 0.8, 0.3)
    assert along < 0.01
    assert 9 < across / along < 12  # "about ten times higher"
    assert "(1.0, -0.16)" in text_of("faq.md") and "(0.8, 0.3)" in text_of("faq.md")


def test_unreachable_floor():
    w, b, L = _minimum("mse", "unreachable")
    sentence = quoted("faq.md", "The best it can do under MSE is", "0.173", L)
    assert (round(w, 2), round(b, 2)) == (3.34, 1.36)
    assert "(3.34, 1.36)" in sentence
    _number_in(sentence.split("under MAE the floor is about", 1)[1], "0.27", _minimum("mae", "unreachable")[2])


# ------------------------------------------------------- selection guide

def test_log_cosh_is_half_square_near_zero_and_abs_minus_log2_far_away():
    small = np.linspace(-0.01, 0.01, 21)
    np.testing.assert_allclose(log_cosh.value(small, 0.0), 0.5 * small**2, rtol=1e-4, atol=1e-12)
    far = np.array([-6.0, 6.0, 10.0])
    np.testing.assert_allclose(log_cosh.value(far, 0.0), np.abs(far) - math.log(2), rtol=1e-5)
    np.testing.assert_allclose(log_cosh.grad(R, 0.0), np.tanh(R))


def test_categorical_cross_entropy_is_minus_log_of_the_true_class():
    sentence = quoted("selection-guide.md", "when the true class gets", "0.693", float(bce.value(0.5, 1.0)))
    _number_in(sentence, "2.30", float(bce.value(0.1, 1.0)))
    assert re.search(r"0\.693 when the true class gets \$p_c = 0\.5\$, 2\.30 when it gets 0\.1", sentence)
    # With two classes, softmax cross-entropy is the engine's binary cross-entropy.
    z = np.linspace(-5, 5, 41)
    logits = np.stack([z, np.zeros_like(z)], axis=1)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(-np.log(p[:, 0]), bce.value(p[:, 0], 1.0), rtol=1e-12)
    np.testing.assert_allclose(-np.log(p[:, 1]), bce.value(p[:, 0], 0.0), rtol=1e-9)


def test_through_a_sigmoid_bce_pushes_the_score_with_p_minus_y():
    p = np.linspace(0.01, 0.99, 99)
    for y in (0.0, 1.0):
        np.testing.assert_allclose(bce.grad(p, y) * p * (1 - p), p - y, atol=1e-12)


def test_imbalance_easy_negatives_add_up():
    easy = float(bce.value(0.1, 0.0))
    sentence = quoted("selection-guide.md", "an easy negative at $p = 0.1$ costs only", "0.105", easy)
    _number_in(sentence, "10.4", 99 * easy)
    _number_in(sentence, "0.693", float(bce.value(0.5, 1.0)))
    assert float(bce.value(0.5, 1.0)) == pytest.approx(math.log(2))
    # Pushes on the score: 99 easy negatives at p - y = 0.1 outweigh one positive at -0.5.
    assert 99 * 0.1 > abs(float(bce.grad(0.5, 1.0)) * 0.25)


@pytest.mark.parametrize("pt,literal", [(0.9, "0.001"), (0.1, "1.87")])
def test_focal_loss_examples(pt, literal):
    gamma = 2.0
    ce = float(bce.value(pt, 1.0))  # -log p_t
    sentence = quoted("selection-guide.md", "With the common focusing parameter", literal, (1 - pt) ** gamma * ce)
    assert f"about {literal}" in sentence
    if pt == 0.1:
        assert (1 - pt) ** gamma == pytest.approx(0.81)


def test_mse_on_probabilities_is_bounded_and_its_push_dies():
    p = np.linspace(0.0, 1.0, 1001)
    assert mse.value(p, 1.0).max() == 1.0
    quoted("selection-guide.md", "Cross-entropy reaches", "4.61", float(bce.value(0.01, 1.0)))
    factor = p * (1 - p)
    assert factor.max() == 0.25 and p[np.argmax(factor)] == 0.5
    q = 0.01
    push_bce = float(bce.grad(q, 1.0)) * q * (1 - q)
    push_mse = float(mse.grad(q, 1.0)) * q * (1 - q)
    sentence = quoted("selection-guide.md", "BCE pushes the score with", "-0.99", push_bce)
    _number_in(sentence, "-0.0196", push_mse)
    assert 45 < push_bce / push_mse < 55  # "some fifty times weaker"


# ------------------------------------------------------- guide rows from lessons five and six

def links_to(text: str, widget: str) -> list[dict[str, str]]:
    """The settings of every state link to ``widget`` in ``text`` (a row or a sentence)."""
    out = []
    for link in state_links(text):
        name, query = link.split("#", 1)[1].split("?", 1)
        if name == widget:
            out.append(dict(parse_qsl(query)))
    return out


def one_link(text: str, widget: str) -> dict[str, str]:
    found = links_to(text, widget)
    assert len(found) == 1, (widget, text[:80])
    return found[0]


@functools.cache
def outlier_fit(place: str, height: float, loss: str, delta: float = 1.0, alpha_index: int = 2):
    """The outlier lab's line for one state (``outlier.data``, ``robust.fit_line``) and its
    thirteen pulls, the outlier's last."""
    params = ({"delta": delta} if loss == "huber" else
              {"alpha": outlier_widget.ALPHAS[alpha_index], "scale": outlier_widget.SCALE} if loss == "barron" else {})
    x, y = outlier_widget.data(place, float(height))
    fit = robust.fit_line(loss, x, y, **params)
    return fit, robust.pulls(fit, x, y)


def outlier_state(s: dict[str, str]):
    return outlier_fit(s["outlier_place"], float(s["outlier_height"]), s["pull_select"], float(s["delta"]),
                       int(s["alpha_index"]))


def triplet_state(s: dict[str, str]):
    """The triplet widget's points for a state: anchor at 0, positive on +x, negative at its angle."""
    a, p = np.zeros(2), np.array([float(s["positive_distance"]), 0.0])
    t = math.radians(float(s["negative_angle"]))
    n = float(s["negative_distance"]) * np.array([math.cos(t), math.sin(t)])
    return a, p, n, float(s["margin"])


def box_state(s: dict[str, str]) -> np.ndarray:
    return boxes_widget.pred_box(float(s["x_offset"]), float(s["y_offset"]), float(s["size"]))


def test_guide_row_contrastive():
    row = segment("selection-guide.md", "| Contrastive loss |")
    s = one_link(row, "contrastive")
    m, d = float(s["margin"]), float(s["distance"])
    assert (m, d) == (1.0, 1.5)
    _number_in(row, "1", m)
    _number_in(row, "1.5", d)
    _number_in(row, "0", float(metric.contrastive(d, 0, m)))
    assert float(metric.contrastive_grad(d, 0, m)) == 0  # past the margin: no push either
    _number_in(row, "1.125", float(metric.contrastive(d, 1, m)))
    assert "| yes |" in row


def test_guide_row_triplet():
    row = segment("selection-guide.md", "Triplet loss, with semi-hard negatives")
    a, p, n, m = triplet_state(one_link(row, "triplet"))
    d_ap, d_an = float(metric.pairwise_distance(a, p)), float(metric.pairwise_distance(a, n))
    assert d_ap < d_an < d_ap + m  # semi-hard
    _number_in(row, "0.5", float(metric.triplet(a, p, n, margin=m)))
    for g in metric.triplet_grad(a, p, n, margin=m):  # "still moves all three points"
        assert np.linalg.norm(g) > 0.5


def test_guide_row_ranking_is_the_hinge_and_ranknet_the_soft_margin():
    row = segment("selection-guide.md", "Margin ranking loss, or RankNet")
    s = one_link(row, "margin-explorer")
    assert s == {"label_select": "1", "axis_select": "z"}
    assert margin_widget.HINGE_MARGIN == 1.0
    _number_in(row, "1", margin_widget.HINGE_MARGIN)
    curves = margin_widget.curves_for(1)
    z = margin_widget.Z  # read as the score difference x1 - x2, the first item preferred
    np.testing.assert_allclose(metric.margin_ranking(z, np.zeros_like(z), 1, margin=1.0), curves["hinge"][0])
    np.testing.assert_allclose(metric.margin_ranking_grad(z, np.zeros_like(z), 1, margin=1.0)[0][z != 1],
                               curves["hinge"][1][z != 1])
    # RankNet: cross-entropy of sigmoid(x1 - x2) against "the first wins".
    np.testing.assert_allclose(np.log1p(np.exp(-z)), curves["soft"][0], rtol=1e-12)
    assert "yes, margin ranking" in row


def test_guide_row_boxes():
    row = segment("selection-guide.md", "GIoU loss, plus Smooth L1")
    pred = box_state(one_link(row, "boxes"))
    target = np.array(boxes_widget.TARGET)
    assert float(box_losses.iou(pred, target)) == 0  # clear of the target
    _number_in(row, "1", float(box_losses.iou_loss(pred, target)))
    assert not box_losses.iou_loss_grad(pred, target).any()  # "sticks"
    _number_in(row, "1.36", float(box_losses.giou_loss(pred, target)))
    assert np.abs(box_losses.giou_loss_grad(pred, target)).max() > 0.1  # "still slopes"


def test_guide_outlier_rows_link_the_outlier_lab():
    row = segment("selection-guide.md", "| Regression with outliers |")
    s = one_link(row, "outlier-lab")
    assert s["pull_select"] == "mae"
    fit, pull = outlier_state(s)
    assert float(s["outlier_height"]) >= 2  # far off the line
    _number_in(row, "1", abs(pull[-1]))
    assert np.abs(pull).max() == pytest.approx(1.0)  # "like any other point"
    row = segment("selection-guide.md", "| Regression with many gross outliers")
    s = one_link(row, "outlier-lab")
    assert s["pull_select"] == "barron" and outlier_widget.ALPHAS[int(s["alpha_index"])] == -math.inf
    assert "α = −∞" in row
    fit, pull = outlier_state(s)
    assert abs(pull[-1]) < 1e-9  # "stops pulling at all"


# ------------------------------------------------------- FAQ states from lessons five and six

def training_state(s: dict[str, str]):
    """(run, recorded epoch index, setting) for a training-curves link: the sliders hold indices."""
    setting = tuple(training_engine.GRID[k][int(s[k])] for k in training_widget.KEYS)
    return training_widget.runs()[setting], int(s["epoch"]), setting


def noise_floor(noise: float) -> float:
    """The MSE of the true curve sin(pi x) on the validation points: their labels' own noise."""
    d = training_engine.data(2, noise)
    return float(np.mean((training_engine.target(d.x_val) - d.y_val) ** 2))


def test_faq_validation_answer_shows_the_best_epoch_and_the_last():
    body = faq_answer_body("why-validation")
    (best, k_best, setting), (last, k_last, same) = (training_state(s) for s in links_to(body, "training-curves"))
    assert setting == same == (30, 10, 0.6, 0.0)
    assert best is last and k_best == best.best_epoch and k_last == best.epochs.size - 1
    s = segment("faq.md", "lesson five's over-fitting run")
    _number_in(s, "79", best.epochs[k_best])
    _number_in(s, "2000", best.epochs[k_last])
    s = segment("faq.md", "Between the two the training loss drops from")
    _number_in(s, "0.214", best.train_loss[k_best])
    _number_in(s, "0.04", best.train_loss[k_last])
    _number_in(s, "0.519", best.val_loss[k_best])
    _number_in(s, "1.1", best.val_loss[k_last])
    assert best.train_loss[k_last] < best.train_loss[k_best] and best.val_loss[k_last] > best.val_loss[k_best]


def test_faq_training_vs_validation_shows_over_and_under_fitting():
    s = segment("faq.md", "[Thirty units on ten noisy points]")
    run, k, setting = training_state(one_link(s, "training-curves"))
    assert setting[:3] == (30, 10, max(training_engine.GRID["noise"])) and k == run.epochs.size - 1
    _number_in(s, "2000", run.epochs[k])
    _number_in(s, "0.04", run.train_loss[k])
    _number_in(s, "1.1", run.val_loss[k])
    _number_in(s, "79", run.epochs[run.best_epoch])
    s = segment("faq.md", "both curves end at about 0.076")
    run, k, setting = training_state(one_link(s, "training-curves"))
    assert setting[:3] == (1, 100, min(training_engine.GRID["noise"])) and k == run.epochs.size - 1
    _number_in(s, "100", setting[1])
    _number_in(s, "0.076", run.train_loss[k])
    _number_in(s, "0.076", run.val_loss[k])
    assert abs(run.val_loss[k] - run.train_loss[k]) < 0.001  # "no gap"
    _number_in(s, "0.00984", noise_floor(0.1))


def test_faq_floor_answer_shows_one_unit_on_a_training_curve():
    s = segment("faq.md", "both losses level off at about 0.076")
    run, k, setting = training_state(one_link(s, "training-curves"))
    assert setting[:3] == (1, 100, 0.1) and k == run.epochs.size - 1
    _number_in(s, "100", setting[1])
    _number_in(s, "0.076", run.train_loss[k])
    _number_in(s, "0.076", run.val_loss[k])
    assert abs(run.val_loss[k] / run.val_loss[k - 3] - 1) < 0.01  # levelled off
    _number_in(s, "0.00984", noise_floor(0.1))
    assert "nearly eight times" in s and 7.3 < run.val_loss[k] / noise_floor(0.1) < 8


def test_faq_outlier_lab_pulls_under_mse_and_mae():
    s = segment("faq.md", "one outlier pulls with −12.60")
    mse_state, mae_state = links_to(s, "outlier-lab")
    assert (mse_state["pull_select"], mae_state["pull_select"]) == ("mse", "mae")
    _, pull = outlier_state(mse_state)
    _number_in(s, "−12.60", pull[-1])
    _number_in(s, "+12.60", pull[:-1].sum())
    _, pull = outlier_state(mae_state)
    _number_in(s, "−1.00", pull[-1])
    assert np.abs(pull).max() == pytest.approx(1.0)  # "no longer than any inlier's"


def slope(place: str, height: float, loss: str, **params) -> float:
    x, y = outlier_widget.data(place, height)
    return robust.fit_line(loss, x, y, **params).w


def test_faq_huber_line_holds_while_the_outlier_moves():
    s = segment("faq.md", "drag the outlier height from 2 to 10")
    state = one_link(s, "outlier-lab")
    assert (state["pull_select"], float(state["delta"])) == ("huber", 1.0)
    heights = [h for h in outlier_widget.HEIGHTS if 2 <= h <= 10]
    huber_w = [slope(state["outlier_place"], h, "huber", delta=1.0) for h in heights]
    mse_w = [slope(state["outlier_place"], h, "mse") for h in heights]
    assert np.ptp(huber_w) < 1e-6  # "holds ... the whole way"
    _number_in(s, "0.560", huber_w[0])
    _number_in(s, "0.577", mse_w[0])
    _number_in(s, "0.799", mse_w[-1])
    assert np.all(np.diff(mse_w) > 0)


def test_faq_delta_three_lets_the_outlier_pull_harder():
    s = segment("faq.md", "lets the stray point pull with")
    state = one_link(s, "outlier-lab")
    assert float(state["delta"]) == 3.0 and "[δ = 3]" in s
    fit3, pull3 = outlier_state(state)
    fit1, pull1 = outlier_state({**state, "delta": "1"})
    _number_in(s, "−3.00", pull3[-1])
    _number_in(s, "−1.00", pull1[-1])
    _number_in(s, "0.560", fit1.w)
    _number_in(s, "0.628", fit3.w)


def test_faq_reduction_none_leaves_one_loss_per_example():
    s = segment("faq.md", "leaves sixteen losses")
    state = one_link(s, "reduction-explorer")
    kind, size = state["batch_select"], int(state["batch_size"])
    assert (state["reduction_select"], state["weights_select"], size) == ("none", "off", 16)
    none = reduction_widget.state(kind, "none", "off", size)
    assert none["value"] is None and none["shown"].size == 16
    _number_in(s, "0.639", reduction_widget.state(kind, "mean", "off", size)["value"])
    _number_in(s, "10.227", reduction_widget.state(kind, "sum", "off", size)["value"])


def test_faq_weighted_mean_in_the_reduction_explorer():
    s = segment("faq.md", "PyTorch divides that by the weights' total")
    state = one_link(s, "reduction-explorer")
    assert (state["batch_select"], state["reduction_select"], state["weights_select"]) == (
        "classification", "mean", "on")
    size = int(state["batch_size"])
    _number_in(s, "16", size)
    r = reduction_widget.state("classification", "mean", "on", size)
    _number_in(s, "21.101", r["sum"])
    _number_in(s, "28", r["divisor"])
    _number_in(s, "0.754", r["value"])
    _number_in(s, "1.319", r["mean_by_n"])
    logits, labels = training_engine.classification_batch(reduction_widget.N)
    weight = list(reduction_widget.CLASS_WEIGHTS)
    assert float(classification.cross_entropy(logits[:size], labels[:size], weight=weight)) == pytest.approx(r["value"])


def faq_answer_body(anchor: str) -> str:
    found = [body for head, body in faq_questions() if head.rstrip().endswith(f"{{#{anchor}}}")]
    assert len(found) == 1, anchor
    return found[0]


LESSON_FIVE_AND_SIX = {  # FAQ answer -> the lesson five or six widgets its Try it line opens
    "huber-vs-mse": {"outlier-lab"},
    "huber-delta": {"outlier-lab"},
    "same-outlier": {"outlier-lab"},
    "single-number": {"reduction-explorer"},
    "training-vs-validation": {"training-curves"},
    "why-validation": {"training-curves"},
    "floor-above-zero": {"training-curves"},
    "class-weights": {"reduction-explorer"},
}


@pytest.mark.parametrize("anchor,wanted", list(LESSON_FIVE_AND_SIX.items()))
def test_faq_answers_open_lesson_five_widgets_where_they_show_the_point(anchor, wanted):
    body = faq_answer_body(anchor)
    try_it = body.split("**Try it:**", 1)[1]
    opened = {link.split("#", 1)[1].split("?", 1)[0] for link in state_links(try_it)}
    assert wanted <= opened, (anchor, opened)

