"""Corrections to the course's own claims, each checked against the engine.

Every number a corrected passage quotes is recomputed here (``lossdocs.losses``,
``lossdocs.curves``, ``lossdocs.landscape``, and torch for the framework conventions) and
found in its own sentence or table cell with the FAQ tests' helpers (``test_faq.whole``:
"−2" is not in "−25").
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from test_faq import _number_in

from lossdocs import losses

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

mae, huber, log_cosh, bce = (losses.get(n) for n in ("mae", "huber", "log_cosh", "bce"))


def text_of(page: str) -> str:
    """A page by its path under docs/, e.g. ``lessons/loss-functions.md``."""
    return (DOCS / page).read_text(encoding="utf-8")


def sentence(page: str, where: str) -> str:
    """The one sentence of ``page`` that contains ``where``."""
    prose = re.sub(r"\s*\n\s*", " ", text_of(page))
    hits = [s for s in re.split(r"(?<=[.?!])\s+(?=[A-Z$*(\[])", prose) if where in s]
    assert len(hits) == 1, f"{page}: {where!r} is in {len(hits)} sentences"
    return hits[0]


def quoted(page: str, where: str, literal: str, value: float) -> str:
    return _number_in(sentence(page, where), literal, value)


# ------------------------------------------------------- the comparison table's text


def second_derivative(loss, r, h=1e-4, **params):
    """d²ℓ/dr² at ``r`` as the difference of the engine's own gradient."""
    return (loss.grad(r + h, 0.0, **params) - loss.grad(r - h, 0.0, **params)) / (2 * h)


def test_log_cosh_curvature_is_sech_squared_and_fades_far_out():
    r = np.linspace(-8.0, 8.0, 161)
    np.testing.assert_allclose(second_derivative(log_cosh, r), 1 / np.cosh(r) ** 2, rtol=1e-6, atol=1e-12)
    assert float(second_derivative(log_cosh, 10.0)) < 1e-8  # a Newton step g / g'' would be huge
    assert "sech² r fades to zero" in log_cosh.cons and "Newton" in log_cosh.cons
    assert "Infinitely differentiable" in log_cosh.pros
    for field in (log_cosh.concept, log_cosh.pros, log_cosh.cons, log_cosh.best_use):
        assert "wice differentiable" not in field and "second-order" not in field


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
def test_huber_curvature_jumps_at_delta_and_log_cosh_does_not(delta):
    inside = second_derivative(huber, delta - 1e-3, delta=delta)
    outside = second_derivative(huber, delta + 1e-3, delta=delta)
    assert float(inside) == pytest.approx(1.0) and float(outside) == pytest.approx(0.0, abs=1e-9)
    step = abs(float(second_derivative(log_cosh, delta + 1e-3) - second_derivative(log_cosh, delta - 1e-3)))
    assert step < 1e-2


def test_bce_concept_names_the_hard_label_case_and_the_soft_floor():
    assert bce.concept.startswith("For a 0/1 label")
    assert "entropy" in bce.concept
    for y in (0.25, 0.5, 0.75):  # a soft label's best loss is its entropy, above zero
        entropy = -(y * math.log(y) + (1 - y) * math.log(1 - y))
        assert float(bce.value(y, y)) == pytest.approx(entropy) and entropy > 0.5
    for y in (0.0, 1.0):  # a hard label: -log of the true class's probability, floor 0
        p = np.linspace(0.05, 0.95, 19)
        np.testing.assert_allclose(bce.value(p, y), -np.log(np.where(y == 1, p, 1 - p)))
