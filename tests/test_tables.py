"""Generated tables follow the registry: adding a loss adds its row."""

from __future__ import annotations

import re
from html import escape

import pytest

from lossdocs import losses
from lossdocs.site import tables


def test_comparison_has_one_row_per_registered_loss():
    html = tables.render("loss-comparison")
    assert re.findall(r'<tr data-loss="([^"]+)"', html) == losses.names()


@pytest.mark.parametrize("name", losses.names())
def test_each_row_carries_the_losses_own_text_and_formulas(name):
    loss = losses.get(name)
    row = re.search(rf'<tr data-loss="{name}">(.*?)</tr>', tables.render("loss-comparison"), re.S).group(1)
    for text in (loss.label, loss.short):
        assert text in row
    for text in (loss.concept, loss.pros, loss.cons, loss.best_use):
        assert escape(text) in row
    assert row.count('class="arithmatex"') == 2  # formula and gradient, typeset by KaTeX
    assert ("robust to outliers" in row) and (("not robust" in row) != loss.robust)
    assert "<svg" in row and "<desc>" in row


@pytest.mark.parametrize("name", losses.names())
def test_every_loss_has_its_teaching_text(name):
    loss = losses.get(name)
    for field in ("short", "concept", "pros", "cons", "best_use", "summary"):
        assert len(getattr(loss, field)) > 2, field


def test_unknown_table_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown table 'nope'.*loss-comparison"):
        tables.render("nope")
