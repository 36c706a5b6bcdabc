"""Generated tables follow the registry: adding a loss adds its row."""

from __future__ import annotations

import re
from html import escape

import pytest

from lossdocs import losses
from lossdocs.site import tables


def rows_of(html: str) -> list[str]:
    return re.findall(r'<tr data-loss="([^"]+)"', html)


def test_comparison_has_one_row_per_registered_loss():
    assert rows_of(tables.loss_comparison()) == losses.names()


def test_each_kind_has_its_own_table_in_registry_order():
    regression = rows_of(tables.render("loss-comparison-regression"))
    classification = rows_of(tables.render("loss-comparison-classification"))
    assert regression == [n for n in losses.names() if losses.get(n).kind == "regression"]
    assert classification == [n for n in losses.names() if losses.get(n).kind == "classification"]
    assert regression and classification and sorted(regression + classification) == sorted(losses.names())


def test_an_unknown_kind_is_a_clear_error():
    with pytest.raises(ValueError, match=r"kind must be one of \['classification', 'regression'\].*'ranking'"):
        tables.loss_comparison("ranking")


@pytest.mark.parametrize("name", losses.names())
def test_each_row_carries_the_losses_own_text_and_formulas(name):
    loss = losses.get(name)
    row = re.search(rf'<tr data-loss="{name}">(.*?)</tr>', tables.loss_comparison(), re.S).group(1)
    for text in (loss.label, loss.short):
        assert escape(text) in row  # "Barron's general loss" has an apostrophe
    for text in (loss.concept, loss.pros, loss.cons, loss.best_use):
        assert escape(text) in row
    assert row.count('class="arithmatex"') == 2  # formula and gradient, typeset by KaTeX
    assert ("robust to outliers" in row) and (("not robust" in row) != loss.robust)
    assert "<svg" in row and "<desc>" in row


TEACHING = ("concept", "pros", "cons", "best_use", "summary")


@pytest.mark.parametrize("name", losses.names())
def test_every_loss_has_its_teaching_text(name):
    """Each teaching field is one sentence of its own: a capital (or a symbol such as δ)
    first, a full stop last and nowhere before, 8 to 45 words (a table cell, not a page)."""
    loss = losses.get(name)
    for field in TEACHING:
        text = getattr(loss, field)
        assert re.fullmatch(r"[^\sa-z.][^.!?]*(?:\.\d[^.!?]*)*\.", text), (field, text)
        assert 8 <= len(text.split()) <= 45, (field, len(text.split()))


def test_teaching_text_is_never_shared_between_losses_or_fields():
    texts = [getattr(loss, f) for loss in losses.REGISTRY.values() for f in TEACHING]
    assert len(set(texts)) == len(texts)


def test_unknown_table_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown table 'nope'.*loss-comparison"):
        tables.render("nope")
