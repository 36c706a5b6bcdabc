"""The lesson *Walking downhill*: every number it quotes is the engine's, found in its own
sentence as a whole number, and every widget-state link opens a real state of the descent
widget (also the landscape lesson's link to it).

Numbers are recomputed with ``lossdocs.descent`` (150 steps, as the widget shows) and
looked up with the FAQ tests' helpers (``test_faq.whole``: "−2" is not in "−25").
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from urllib.parse import parse_qsl

import numpy as np
import pytest
from bokeh.models import Slider
from test_faq import LINK, MARKER, _number_in, check_control, state_links

from lossdocs import descent, landscape
from lossdocs.widgets import descent as widget

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "docs" / "lessons"
PAGE = "walking-downhill.md"
TP, SL = landscape.PRESETS["two_points"], landscape.PRESETS["sloped_line"]
DOT_TP, DOT_SL, PLATEAU_TP = (-0.5, 1.5), (3.0, 0.5), (-1.3, -2.4)


def text_of(page: str = PAGE) -> str:
    return (LESSONS / page).read_text(encoding="utf-8")


def sentence(where: str) -> str:
    """The one sentence of the lesson that contains ``where``."""
    prose = re.sub(r"\s*\n\s*", " ", text_of())
    hits = [s for s in re.split(r"(?<=[.?!])\s+(?=[A-Z$*(\[])", prose) if where in s]
    assert len(hits) == 1, f"{where!r} is in {len(hits)} sentences"
    return hits[0]


def quoted(where: str, literal: str, value: float) -> str:
    return _number_in(sentence(where), literal, value)


@functools.cache
def run(preset: str, loss: str, optimizer: str, lr: float, start, **kw) -> descent.Trajectory:
    p = {"tp": TP, "sl": SL}[preset]
    return descent.trajectory(loss, p.x, p.y, start, optimizer, lr=lr, steps=150, **kw)


def off_map(preset: str, path: np.ndarray) -> np.ndarray:
    (w0, w1), (b0, b1) = widget.WINDOWS[{"tp": "two_points", "sl": "sloped_line"}[preset]]
    return (path[:, 0] < w0) | (path[:, 0] > w1) | (path[:, 1] < b0) | (path[:, 1] > b1)


# ------------------------------------------------------------------ numbers


def test_widget_description():
    quoted("runs on a log scale", "0.01", widget.LRS[0])
    quoted("runs on a log scale", "20", widget.LRS[-1])
    quoted("for 150 steps", "150", widget.STEPS)


def test_three_learning_rates_on_the_sloped_line():
    low, right, high = (run("sl", "mse", "sgd", lr, DOT_SL) for lr in (0.02, 1.0, 10.0))
    quoted("Take *Sloped line through origin*", "0.341", low.loss[0])
    quoted("barely half the start", "0.178", low.loss[-1])
    assert 0.45 < low.loss[-1] / low.loss[0] < 0.6 and low.loss[-1] < low.loss[-2]  # still falling
    quoted("By step 50 the loss", "0.000164", right.loss[50])
    quoted("By step 50 the loss", "0.000124", right.loss[-1])
    floor = landscape.minimum("mse", SL)[2]
    assert right.loss[-1] == pytest.approx(floor, rel=0.01)  # the floor of this target set
    quoted("The first step overshoots", "0.341", high.loss[0])
    quoted("The first step overshoots", "0.536", high.loss[1])
    assert high.loss[1] > high.loss[0]
    s = "The second throws the neuron off the map"
    quoted(s, "5.37", high.path[2, 0])
    quoted(s, "3.93", high.path[2, 1])
    assert off_map("sl", high.path)[2] and not off_map("sl", high.path)[1]
    s = "The loss then sits near"
    quoted(s, "0.527", high.loss[2])
    plateau = np.abs(high.loss - high.loss[2]) < 0.01
    assert plateau[2:103].all()  # more than 100 steps near 0.527
    quoted(s, "100", 100)
    back = 2 + int(np.argmax(high.loss[2:] < 0.5))
    quoted(s, "116", back)
    assert not off_map("sl", high.path)[back:back + 5].all()  # back on the map soon after
    off = off_map("sl", high.path)
    on = back + int(np.argmax(~off[back:]))
    again = on + int(np.argmax(off[on:]))
    quoted(s, "131", again)
    assert np.ptp(high.loss[back:again]) > 0.2  # wall to wall
    quoted("flat at about", "0.527", high.loss[-1])


def test_steps_that_explode():
    t = run("sl", "mse", "sgd", 20.0, DOT_SL)
    assert off_map("sl", t.path)[1]
    quoted("the run ends near", "12.3", t.path[-1, 0])
    quoted("the run ends near", "9.1", t.path[-1, 1])


def test_mae_bounce_and_the_cosine_schedule():
    lr = 0.05
    rms, adam = (run("tp", "mae", o, lr, DOT_TP) for o in ("rmsprop", "adam"))
    rms_moves = np.abs(np.diff(rms.path, axis=0))[-50:] / lr
    adam_moves = np.abs(np.diff(adam.path, axis=0))[-50:] / lr
    s = "over the last 50 steps each coordinate moves"
    quoted(s, "1.1", rms_moves.mean())
    quoted(s, "0.0015", rms.loss[-50:].min())
    quoted(s, "0.018", rms.loss[-50:].max())
    quoted("so its late steps are", "0.11", adam_moves.mean())
    assert adam_moves.mean() > 0.05  # a bounce that persists, not a stop
    cos_rms, cos_adam = (run("tp", "mae", o, lr, DOT_TP, schedule="cosine") for o in ("rmsprop", "adam"))
    s = "RMSprop ends at"
    quoted(s, "5.1", cos_rms.loss[-1] * 1e6)
    assert "10^{-6}" in sentence(s)
    quoted(s, "0.015", rms.loss[-1])
    quoted(s, "2.7", cos_adam.loss[-1] * 1e5)
    assert "10^{-5}" in sentence(s)
    quoted(s, "0.0012", adam.loss[-1])


def test_momentum_on_the_sloped_line():
    sgd, mom, nes = (run("sl", "mse", o, 0.1, DOT_SL) for o in ("sgd", "momentum", "nesterov"))
    quoted("SGD ends at", "0.0661", sgd.loss[-1])
    quoted("SGD ends at", "0.000124", mom.loss[-1])
    rises = np.diff(mom.loss) > 0
    quoted("its loss first rises again", "12", np.argmax(rises) + 1)
    quoted("its loss first rises again", "37", rises.sum())
    assert not (np.diff(sgd.loss) > 0).any()
    assert nes.loss[-1] == pytest.approx(mom.loss[-1], rel=0.01)  # "much the same"


def test_adaptive_first_steps():
    t = run("tp", "mse", "rmsprop", 1.0, PLATEAU_TP)
    step = np.abs(t.path[1] - t.path[0])
    quoted("RMSprop's first step at η = 1", "10", step.mean())
    assert np.allclose(step, 10.0, rtol=1e-3)
    adam = run("tp", "mse", "adam", 0.1, PLATEAU_TP)
    np.testing.assert_allclose(np.abs(adam.path[1] - adam.path[0]), 0.1, rtol=1e-5)  # η long, up to ε


def test_plateau():
    sgd, adam, sgd1 = (run("tp", "mse", o, lr, PLATEAU_TP) for o, lr in (("sgd", 0.1), ("adam", 0.1), ("sgd", 1.0)))
    quoted("the loss there is high", "1.89", sgd.loss[0])
    g_plateau = np.hypot(*(run("tp", "mse", "sgd", 1.0, PLATEAU_TP).path[1] - PLATEAU_TP))
    g_dot = np.hypot(*(run("tp", "mse", "sgd", 1.0, DOT_TP).path[1] - DOT_TP))
    assert "more than ten times smaller" in sentence("the loss there is high")
    assert g_dot / g_plateau > 10
    quoted("SGD is still at", "1.89", sgd.loss[-1])
    quoted("gets off the\nplateau at once".replace("\n", " "), "0.00112", adam.loss[50])
    s = "the loss stays above"
    quoted(s, "1.86", sgd1.loss[:51].min() - 0.005)  # above 1.86 throughout
    assert sgd1.loss[:51].min() > 1.86
    half = int(np.argmax(sgd1.loss < sgd1.loss[0] / 2))
    quoted(s, "56", half)


def test_stochastic_steps():
    full = run("sl", "mse", "sgd", 0.5, DOT_SL)
    one = run("sl", "mse", "sgd", 0.5, DOT_SL, batch_size=1, seed=widget.SEED)
    assert not (np.diff(full.loss) > 0).any()
    s = "the stochastic one rises on"
    quoted(s, "75", (np.diff(one.loss) > 0).sum())
    quoted(s, "0.000155", one.loss[-50:].min())
    quoted(s, "0.0014", one.loss[-50:].max())
    quoted(s, "0.000124", full.loss[-1])


def test_the_low_band_trap():
    t = run("tp", "mse", "momentum", 0.5, DOT_TP)
    quoted("where momentum at η = 0.5 ends", "0.014", t.loss[-1])
    assert t.loss[-1] > 100 * landscape.minimum("mse", TP)[2] + 1e-3


# -------------------------------------------------------------- state links


@functools.cache
def layout():
    return widget.build()


def links_to_descent() -> list[tuple[str, str, str]]:
    """(page, link text, target) for every widget-state link to the descent widget, on this
    lesson and on every other lesson."""
    out = []
    for page in sorted(LESSONS.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r"\[([^\]]*)\]\(([^)\s]+)\)", text):
            if m[2] in state_links(f"]({m[2]})") and "#descent?" in m[2]:
                out.append((page.name, m[1], m[2]))
    return out


def test_the_lesson_links_to_widget_states_and_the_landscape_links_here():
    pages = {p for p, _, _ in links_to_descent()}
    assert {"walking-downhill.md", "loss-landscape.md"} <= pages
    assert len([1 for p, _, _ in links_to_descent() if p == PAGE]) >= 6
    assert "(walking-downhill.md)" in text_of("loss-landscape.md")


@pytest.mark.parametrize("page, text, link", links_to_descent(), ids=lambda v: str(v)[:60])
def test_state_link_opens_a_real_state(page, text, link):
    path, fragment = link.split("#", 1)
    widget_name, query = fragment.split("?", 1)
    target = (LESSONS / path).resolve()
    assert target.is_file(), link
    assert MARKER.findall(target.read_text(encoding="utf-8")) == [widget_name] == ["descent"]
    pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), f"{link}: a control is set twice"
    seen_slider = False
    for key, raw in pairs:  # applied in order, like the page script does
        model = check_control(layout(), key, raw, link)
        if isinstance(model, Slider):
            seen_slider = True
        else:
            assert not seen_slider, f"{link}: select {key!r} comes after a slider"
    # A link that names a learning rate opens the slider at that rate, or else its
    # sentence names it.
    named = re.search(r"η = ([\d.]+)", text) or (page == PAGE and re.search(r"η = ([\d.]+)", sentence(text)))
    if named:
        assert widget.LRS[int(dict(pairs)["lr_index"])] == float(named[1]), (text, link)


def test_links_are_markdown_links():
    assert LINK.findall(text_of())  # the FAQ's link pattern reads this page's links
