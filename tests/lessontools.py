"""What the lesson pages' own test files share: the page's text, a number found in the
sentence it belongs to, the rule that every decimal on the page is asserted in the test
file, and the page's widget-state links. (Used by test_training_lesson and
test_beyond_lesson; the FAQ's checkers these build on live in test_faq.)"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from conftest import ROOT
from test_faq import _number_in, segment_of, state_links, whole

from lossdocs.widgets import WIDGETS

LESSONS = ROOT / "docs" / "lessons"
DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+(?![\d])")
LINK_TEXT = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")


def text_of(page: str) -> str:
    return (LESSONS / page).read_text(encoding="utf-8")


def sentence(page: str, where: str) -> str:
    """The sentence (or table row) of ``page`` that contains ``where``."""
    return segment_of(text_of(page), where, page)


def quoted(page: str, where: str, literal: str, value: float) -> str:
    """``literal`` (a number as the page writes it, equal to ``value`` at its precision)
    in the sentence of ``page`` that contains ``where``."""
    return _number_in(sentence(page, where), literal, value)


def prose(text: str) -> str:
    """The page without its front matter, link targets and references."""
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    text = re.sub(r"^## References\n.*", "", text, flags=re.S | re.M)
    return re.sub(r"\]\([^)]*\)", "]", text)


def unasserted_decimals(page: str, test_file: str) -> list[str]:
    """Decimals on the page that no quoted string of ``test_file`` contains as a whole
    number ("4.5%" and "−0.67" check 4.5 and 0.67), so a new number cannot slip in unchecked."""
    literals = [lit.replace("%", " ").replace("−", " ")
                for lit in re.findall(r'"([^"\n]*)"', Path(test_file).read_text(encoding="utf-8"))]
    numbers = set(DECIMAL.findall(prose(text_of(page))))
    return sorted(n for n in numbers if not any(whole(n).search(lit) for lit in literals))


@functools.cache
def layout(widget: str):
    return WIDGETS[widget].build()


def page_links(page: str) -> list[tuple[str, str]]:
    """(link text, target) of every widget-state link on the page."""
    text = text_of(page)
    out = [(m[1], m[2]) for m in LINK_TEXT.finditer(text) if m[2] in state_links(f"]({m[2]})")]
    assert len(out) == len(state_links(text))
    return out
