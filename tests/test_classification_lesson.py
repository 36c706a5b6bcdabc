"""Lesson three, "How classifiers are scored": every number it quotes is the engine's,
found as a whole number in its own table cell or sentence (as tests/test_faq.py does for
the reference pages), and every widget-state link names real controls and values."""

from __future__ import annotations

import math
import re
from pathlib import Path
from urllib.parse import parse_qsl

import numpy as np
import pytest
from bokeh.models import Select, Slider
from test_faq import segment_of, whole

from lossdocs import classification as cls
from lossdocs import losses
from lossdocs.widgets import imbalance, margin, softmax

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "lessons" / "classification.md"
TEXT = PAGE.read_text(encoding="utf-8")
bce, bce_logits, focal, hinge = (losses.get(n) for n in ("bce", "bce_logits", "focal", "hinge"))
X, Y = cls.imbalanced_data()


def segment(where: str) -> str:
    """The one table row, or else the one sentence, of the lesson that contains ``where``."""
    return segment_of(TEXT, where, "the lesson")


def quoted(where: str, literal: str, value: float) -> str:
    """``literal`` is a whole number of the row or sentence holding ``where`` and equals
    ``value`` rounded to the decimals it shows (a trailing % means a percentage)."""
    context = segment(where)
    pattern = whole(literal) if not literal.endswith("%") else re.compile(
        r"(?<![\w.\-−])" + re.escape(literal) + r"(?![\w]|[.,]\d)")
    assert pattern.search(context), f"{literal!r} is not a number of {context!r}"
    digits = re.findall(r"[-−+]?\d+(?:\.\d+)?", literal)[-1]
    number = float(digits.replace("−", "-"))
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    assert abs(value - number) <= 0.5 * 10 ** -decimals + 1e-12, (literal, value)
    return context


def cell(row_start: str, column: int) -> str:
    rows = [line for line in TEXT.splitlines() if line.startswith(f"| {row_start} |")]
    assert len(rows) == 1, row_start
    return [c.strip() for c in rows[0].strip().strip("|").split("|")][column]


def fit(loss="bce_logits", **params):
    f = cls.fit_logistic(X, Y, loss, **params)
    return cls.scores(f, X, Y)


# ----------------------------------------------------------------- sigmoid, BCE


def test_sigmoid_readings():
    s = quoted("is about 0.88 and", "0.88", float(losses.sigmoid(2.0)))
    quoted("is about 0.88 and", "0.12", float(losses.sigmoid(-2.0)))
    assert "$z = 0$ is $p = 0.5$" in s and float(losses.sigmoid(0.0)) == 0.5


@pytest.mark.parametrize("p,loss", [("0.9", "0.105"), ("0.5", "0.693"), ("0.1", "2.303")])
def test_spam_table(p, loss):
    assert cell(p, 1) == loss
    quoted(f"| {p} | {loss} |", loss, float(bce.value(float(p), 1.0)))
    logit = math.log(float(p) / (1 - float(p)))
    assert float(bce.value(float(p), 1.0)) == pytest.approx(float(bce_logits.value(logit, 1.0)))


def test_tenfold_drop_and_the_mirror_case():
    quoted("each tenfold drop in $p$ adds another", "2.303", math.log(10))
    steps = np.diff(bce.value([0.1, 0.01, 0.001], 1.0))
    np.testing.assert_allclose(steps, math.log(10))
    quoted("charged $-\\log(1 - 0.9) = 2.303$", "2.303", float(bce.value(0.9, 0.0)))
    z = np.linspace(-50, 50, 1001)
    assert np.abs(bce_logits.grad(z, 1.0)).max() <= 1 and np.abs(bce_logits.grad(z, 0.0)).max() <= 1
    quoted("never larger than 1", "1", 1.0)


def test_margin_explorer_numbers():
    assert margin.CONFIDENT == 2
    quoted("*confidently wrong* and *confidently right*", "2", margin.CONFIDENT)
    quoted("read BCE at $z = 2$", "0.127", float(bce_logits.value(2.0, 1.0)))
    quoted("read BCE at $z = 2$", "0.0067", float(bce_logits.value(5.0, 1.0)))
    assert float(bce_logits.grad(5.0, 1.0)) < 0  # still pulling the score up
    s = quoted("At $z = 1$ the hinge is exactly 0", "0.313", float(bce_logits.value(1.0, 1.0)))
    assert float(hinge.value(1.0, 1.0)) == 0 == float(hinge.grad(1.0, 1.0)) and "exactly 0" in s
    z = margin.Z
    assert focal.value(z[z >= 2], 1.0, gamma=5.0, alpha=0.75).max() < 1e-5
    np.testing.assert_allclose(focal.value(z, 1.0, gamma=0.0, alpha=0.5), 0.5 * bce_logits.value(z, 1.0))
    _, se_grad = margin.squared_error_on_sigmoid(-6.0, 1.0)
    quoted("At $z = -6$ it is about", "-0.005", float(se_grad))
    quoted("At $z = -6$ it is about", "-0.998", float(bce_logits.grad(-6.0, 1.0)))


# ----------------------------------------------------------------- softmax


@pytest.mark.parametrize("row,loss,grads", [
    ("0.7, 0.2, 0.1", "0.357", ("−0.3", "+0.2", "+0.1")),
    ("0.1, 0.6, 0.3", "2.303", ("−0.9", "+0.6", "+0.3")),
])
def test_cat_dog_bird_table(row, loss, grads):
    z = np.log([float(v) for v in row.split(", ")])
    assert cell(row, 2) == loss and cell(row, 3) == ", ".join(grads)
    quoted(f"| {row} |", loss, float(cls.cross_entropy(z, 0)))
    assert float(cls.cross_entropy(z, np.eye(3)[0])) == pytest.approx(float(cls.cross_entropy(z, 0)), rel=1e-15)
    np.testing.assert_allclose(cls.cross_entropy_grad(z, 0),
                               [float(g.replace("−", "-")) for g in grads], atol=1e-12)


def test_softmax_widget_numbers():
    quoted("while the sliders move in steps of 0.5", "0.5", softmax.LOGIT_STEP)
    g = cls.cross_entropy_grad(np.log([0.1, 0.6, 0.3]), 0)
    for lit, v in (("0.9", -g[0]), ("0.6", g[1]), ("0.3", g[2])):
        quoted("the cat bar is pulled up by 0.9", lit, v)
    q = (1 - 0.1) * np.eye(3)[0] + 0.1 / 3
    a = np.log([0.7, 0.2, 0.1])
    quoted("the target diamonds move to", "0.933", q[0])
    quoted("the target diamonds move to", "0.033", q[1])
    quoted("the target diamonds move to", "0.357", float(cls.cross_entropy(a, 0)))
    quoted("the target diamonds move to", "0.463", float(cls.cross_entropy(a, 0, label_smoothing=0.1)))
    assert 0.1 in [round(e, 10) for e in softmax.SMOOTHING]


def test_softmax_twice():
    p = np.array([0.7, 0.2, 0.1])
    twice = cls.softmax(p)
    for lit, v in zip(("0.464", "0.281", "0.255"), twice):
        quoted("come out as 0.464", lit, v)
    quoted("come out as 0.464", "0.768", float(cls.cross_entropy(p, 0)))
    quoted("come out as 0.464", "0.357", float(cls.cross_entropy(np.log(p), 0)))
    floor = float(cls.cross_entropy(np.array([1.0, 0.0, 0.0]), 0))
    quoted("can never\nfall below".replace("\n", " "), "0.551", floor)
    assert floor == pytest.approx(-math.log(math.e / (math.e + 2)))
    # Squashing probabilities again never does better than (1, 0, 0).
    rng = np.random.default_rng(0)
    for _ in range(200):
        probs = rng.dirichlet(np.ones(3))
        assert float(cls.cross_entropy(probs, 0)) >= floor - 1e-12
    quoted("with three classes even a perfect answer", "0.551", floor)


def test_stability_numbers():
    rows = {r["z"]: r for r in cls.stability_table()}
    quoted("clamps each logarithm at −100 so the loss stops at 100", "100", cls.TORCH_LOG_FLOOR * -1)
    quoted("clamps each logarithm at −100 so the loss stops at 100", "−100", cls.TORCH_LOG_FLOOR)
    assert max(r["bce0"]["torch_clamp"] for r in rows.values()) == 100
    quoted("so the loss stops near 16.1", "16.1", -math.log(cls.KERAS_EPSILON))
    assert min(r["log_sigmoid"]["keras_clip"] for r in rows.values()) == pytest.approx(-16.118, abs=1e-3)
    r20 = rows[20.0]["bce0"]
    assert r20["naive"] == math.inf
    quoted("PyTorch's clamp reports 100", "100", r20["torch_clamp"])
    quoted("PyTorch's clamp reports 100", "15.94", r20["keras_clip"])
    quoted("PyTorch's clamp reports 100", "20", r20["stable"])
    assert np.float32(1) - np.float32(1e-7) == np.float32(1 - 2**-23)
    s = quoted("the honest answer is 800", "800", rows[800.0]["bce0"]["stable"])
    assert "100" in s and rows[800.0]["bce0"]["torch_clamp"] == 100


def test_focal_numbers():
    for pt, lit in ((0.9, "0.01"), (0.5, "0.25")):
        z = math.log(pt / (1 - pt))
        ratio = float(focal.value(z, 1.0, gamma=2.0, alpha=1.0) / bce_logits.value(z, 1.0))
        quoted("keeps only 0.01 of its", lit, ratio)
    quoted("keeps only 0.01 of its", "2", 2.0)


def test_imbalance_numbers():
    assert Y.size == 400 and Y.sum() == 20
    quoted("has\n400 examples".replace("\n", " "), "400", Y.size)
    quoted("20 are positive", "20", Y.sum())
    quoted("Calling everything negative is already 95% accurate", "95%", 100 * (Y == 0).mean())
    plain = fit()
    quoted("With plain cross-entropy the fit is", "97.8%", 100 * plain["accuracy"])
    quoted("With plain cross-entropy the fit is", "12", plain["true_positive"])
    quoted("With plain cross-entropy the fit is", "60%", 100 * plain["recall"])
    quoted("of the 13 examples it calls positive", "13", plain["called_positive"])
    quoted("of the 13 examples it calls positive", "92.3%", 100 * plain["precision"])
    heavy = fit(pos_weight=19.0)
    assert 19 == (Y == 0).sum() / Y.sum()
    quoted("recall climbs to 90%", "90%", 100 * heavy["recall"])
    quoted("recall climbs to 90%", "28.6%", 100 * heavy["precision"])
    quoted("recall climbs to 90%", "88.3%", 100 * heavy["accuracy"])
    quoted("recall drops to 45%", "45%", 100 * fit("focal", gamma=2.0, alpha=0.25)["recall"])
    quoted("recall is 65%", "65%", 100 * fit("focal", gamma=2.0, alpha=0.75)["recall"])
    quoted("in the lab, plain cross-entropy finds 12 of 20 positives", "12", plain["true_positive"])
    assert cls.FIT_TOLERANCE == 1e-8 and "to a gradient below $10^{-8}$" in TEXT


def test_label_smoothing_numbers():
    eps = 0.1
    q = (1 - eps) * np.eye(3)[0] + eps / 3
    quoted("the target becomes\n0.933".replace("\n", " "), "0.933", q[0])
    quoted("the target becomes 0.933", "0.033", q[1])
    best = float(cls.cross_entropy(np.log(q), q))
    quoted("the lowest loss achievable is", "0.291", best)
    quoted("the lowest loss achievable is", "0", 0.0)
    z = np.log([0.99, 0.005, 0.005])
    quoted("on the true logit flips", "−0.01", float(cls.cross_entropy_grad(z, 0)[0]))
    quoted("on the true logit flips", "0.057", float(cls.cross_entropy_grad(z, 0, label_smoothing=eps)[0]))


def test_pause_and_takeaway_numbers():
    quoted("Each email costs $-\\log 0.5", "0.693", float(bce.value(0.5, 1.0)))
    quoted('for everyone is 95%', "95%", 100 * (Y == 0).mean())
    quoted("0.105 for a sure right", "0.105", float(bce.value(0.9, 1.0)))
    quoted("0.105 for a sure right", "2.303", float(bce.value(0.1, 1.0)))
    assert float(hinge.value(3.0, 1.0)) == 0 and float(hinge.grad(3.0, 1.0)) == 0
    quoted("Because $1 - y s = -2 < 0$", "-2", 1.0 - 3.0)
    quoted("Because $1 - y s = -2 < 0$", "3", 3.0)


# ----------------------------------------------------------------- state links

LINK = re.compile(r"\]\(#([\w-]+)\?([^)\s]+)\)")
BUILDERS = {"margin-explorer": margin.build, "softmax-ce": softmax.build, "imbalance-lab": imbalance.build}


@pytest.mark.parametrize("widget,query", LINK.findall(TEXT))
def test_state_links_name_real_controls_and_values(widget, query):
    assert f"<!-- widget: {widget} -->" in TEXT
    layout = BUILDERS[widget]()
    for key, raw in parse_qsl(query, strict_parsing=True):
        model = layout.select_one({"name": key})
        assert isinstance(model, (Select, Slider)), key
        if isinstance(model, Select):
            assert raw in [o[0] if isinstance(o, (tuple, list)) else o for o in model.options], (key, raw)
        else:
            k = (float(raw) - model.start) / model.step
            assert model.start <= float(raw) <= model.end and abs(k - round(k)) < 1e-9, (key, raw)


def test_lesson_has_the_house_parts():
    for head in ("## What you will be able to do", "## Pause and check", "## Key takeaways", "## What's next"):
        assert head in TEXT
    assert TEXT.count("??? question") >= 4
    assert "](walking-downhill.md)" in TEXT
    assert "](classification.md)" in (PAGE.parent / "loss-landscape.md").read_text(encoding="utf-8")
    for marker in ("widget: margin-explorer", "widget: softmax-ce", "widget: imbalance-lab", "table: logit-stability"):
        assert f"<!-- {marker} -->" in TEXT
