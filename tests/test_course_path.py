"""The path through the course (issue #13, section 2): the home page's course map, the end of
every lesson, and lesson one's order of ideas.

* The home page lists the seven steps in order, each with its prerequisites and its time; a
  lesson's reading time agrees with the page's length, and a lesson still being written says so
  instead of guessing (once it is written, the test asks for a measured time).
* Every lesson in ``ENDINGS`` ends with "Key takeaways" (prose bullets), then "What's next" with
  a link to the next step; only a references section and the abbreviations may follow. Add a
  lesson to ``ENDINGS`` once it is written in full.
* Lesson one defines each loss before the experiment that uses it, gives the aliases "cost
  function" and "objective function", names the forward pass, the backward pass and
  backpropagation, and has its chain-rule formula after the explorer, with a picture first.

The Markdown sources are read directly; one test reads the built site for the map's links.
"""

from __future__ import annotations

import math
import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LESSONS = DOCS / "lessons"

# The course in order: (where the step's first link goes, its pages under docs/).
COURSE = [
    "lessons/loss-functions.md",
    "lessons/loss-landscape.md",
    "lessons/classification.md",
    "lessons/walking-downhill.md",
    "lessons/reading-the-loss-curve.md",
    "lessons/beyond.md",
    "reference/comparison.md",
]
REFERENCE = ["reference/comparison.md", "reference/selection-guide.md", "reference/faq.md",
             "reference/further-reading.md"]
GLOSSARY = "reference/glossary.md"

# (lesson, the link its "What's next" must hold). Lesson six, the last, points to the reference
# section's selection guide.
ENDINGS = [
    ("loss-functions.md", "loss-landscape.md"),
    ("loss-landscape.md", "classification.md"),
    ("classification.md", "walking-downhill.md"),
    ("walking-downhill.md", "reading-the-loss-curve.md"),
    ("reading-the-loss-curve.md", "beyond.md"),
    ("beyond.md", "../reference/selection-guide.md"),
]

WORDS_PER_MINUTE = (120, 250)  # a slow and a fast reader of technical prose
STUB_WORDS = 300  # a lesson page shorter than this (and with no widget) is still being written


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def h2_sections(text: str) -> list[tuple[str, int, str]]:
    """(heading, offset, body) for every level-two heading, in order."""
    heads = list(re.finditer(r"^## (.+)$", text, flags=re.M))
    ends = [h.start() for h in heads[1:]] + [len(text)]
    return [(h[1].strip(), h.start(), text[h.end():e]) for h, e in zip(heads, ends)]


def section(text: str, heading: str) -> str:
    found = [body for head, _, body in h2_sections(text) if head == heading]
    assert len(found) == 1, f"{heading!r} is the heading of {len(found)} sections"
    return found[0]


def prose_words(text: str) -> int:
    """Words a reader reads: no front matter, display maths, figures, link targets or references."""
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"<figure.*?</figure>", " ", text, flags=re.S)
    text = re.sub(r"^## References\n.*", "", text, flags=re.S | re.M)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return len(re.findall(r"[A-Za-z0-9]+", text))


def widgets_on(text: str) -> int:
    return len(re.findall(r"<!--\s*widget:", text))


def is_stub(page: Path) -> bool:
    text = read(page)
    return prose_words(text) < STUB_WORDS and widgets_on(text) == 0


# ------------------------------------------------------------------ the home page's map


def course_map() -> list[tuple[int, str]]:
    """(number, text) of each top-level item of the home page's ordered list."""
    body = section(read(DOCS / "index.md"), "The course, in order")
    items = list(re.finditer(r"^(\d+)\.\s+", body, flags=re.M))
    ends = [m.start() for m in items[1:]] + [len(body)]
    out = []
    for m, end in zip(items, ends):
        text = body[m.end():end]
        # The list ends at the first paragraph that is not indented into the item.
        stop = re.search(r"\n\n(?=\S)", text)
        out.append((int(m[1]), text[:stop.start()] if stop else text))
    return out


def links_in(text: str) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", text)


def field(item: str, name: str) -> str:
    found = re.findall(rf"^\s+- \*\*{name}:\*\* (.+(?:\n\s{{6,}}.+)*)", item, flags=re.M)
    assert len(found) == 1, f"{name!r} appears {len(found)} times in {item[:60]!r}"
    return " ".join(found[0].split())


def test_the_home_page_lists_the_seven_steps_in_order():
    steps = course_map()
    assert [n for n, _ in steps] == list(range(1, 8))
    assert [links_in(text)[0] for _, text in steps] == COURSE
    for target in COURSE:
        assert (DOCS / target).is_file(), target


def test_the_reference_step_links_every_reference_page():
    reference = links_in(course_map()[-1][1])
    assert set(REFERENCE) <= set(reference)
    # The glossary is linked once it exists, and never before.
    assert (GLOSSARY in reference) == (DOCS / GLOSSARY).is_file()


@pytest.mark.parametrize("step", range(1, 8))
def test_each_step_has_prerequisites_naming_only_earlier_lessons(step):
    text = dict(course_map())[step]
    needs = field(text, "Prerequisites")
    named = [int(n) for n in re.findall(r"\d+", needs)]
    if step in (1, 7):
        assert needs.startswith("none"), needs
    else:
        assert named and needs.startswith("lesson"), needs
    assert all(1 <= n < step for n in named), (step, needs)


@pytest.mark.parametrize("step", range(1, 7))
def test_each_lesson_has_an_honest_time(step):
    text = dict(course_map())[step]
    time = field(text, "Time")
    page = DOCS / COURSE[step - 1]
    if is_stub(page):
        assert "not measured yet" in time and "being written" in time, time
        return
    m = re.fullmatch(r"about (\d+) minutes, (\d+) to read and (\d+) .+\.", time)
    assert m, f"lesson {step}: {time!r} should read 'about N minutes, R to read and P ...'"
    total, reading, playing = map(int, m.groups())
    assert total == reading + playing
    words = prose_words(read(page))
    slow, fast = WORDS_PER_MINUTE
    assert math.floor(words / fast) <= reading <= math.ceil(words / slow), (step, words, reading)
    # At least five minutes of playing, and four more for every widget beyond the first.
    assert playing >= 5 + 4 * (widgets_on(read(page)) - 1), (step, playing)


def test_the_reference_step_has_a_time_too():
    assert field(course_map()[-1][1], "Time")


def test_the_map_links_resolve_in_the_built_site(site_dir):
    from bs4 import BeautifulSoup

    home = site_dir / "index.html"
    soup = BeautifulSoup(read(home), "html.parser")
    heading = soup.find("h2", id="the-course-in-order")
    assert heading is not None
    ol = heading.find_next("ol")
    items = ol.find_all("li", recursive=False)
    assert len(items) == 7
    firsts = []
    for li in items:
        hrefs = [a["href"] for a in li.find_all("a", href=True)]
        assert hrefs, li.get_text()[:60]
        for href in hrefs:
            target = (home.parent / PurePosixPath(urlsplit(href).path)).resolve()
            assert target.is_file(), href
        firsts.append(urlsplit(hrefs[0]).path)
        text = li.get_text(" ", strip=True)
        assert "Prerequisites:" in text and "Time:" in text
    assert firsts == [c.replace(".md", ".html") for c in COURSE]
    assert not ol.find("table")  # a list, so nothing overflows a phone's width


# ------------------------------------------------------------------ the end of each lesson


@pytest.mark.parametrize("page, next_link", ENDINGS)
def test_lesson_ends_with_takeaways_then_a_link_to_the_next(page, next_link):
    text = read(LESSONS / page)
    heads = [h for h, _, _ in h2_sections(text)]
    if heads[-1] == "References":
        heads = heads[:-1]
    assert heads[-2:] == ["Key takeaways", "What's next"], heads[-4:]
    bullets = re.findall(r"^- (.+(?:\n  .+)*)", section(text, "Key takeaways"), flags=re.M)
    assert len(bullets) >= 3
    leftover = re.sub(r"^- .+(?:\n  .+)*", "", section(text, "Key takeaways"), flags=re.M)
    assert not leftover.strip(), f"{page}: the takeaways are bullets only: {leftover.strip()[:80]!r}"
    for bullet in bullets:  # prose: sentences, not keywords
        sentence = " ".join(bullet.split())
        assert len(sentence.split()) >= 12 and sentence.endswith("."), sentence
    nxt = section(text, "What's next")
    assert next_link in links_in(nxt), f"{page}: What's next does not link {next_link}"
    assert (LESSONS / next_link).resolve().is_file()
    # The abbreviations stay the last lines, after every heading.
    abbr = [m.start() for m in re.finditer(r"^\*\[[^\]]+\]: ", text, flags=re.M)]
    assert all(a > h for a in abbr for _, h, _ in h2_sections(text))


def test_every_written_lesson_is_checked_for_its_ending():
    """A lesson page that is no longer a stub belongs in ENDINGS (beyond.md, the last, may
    wait until it is written in full)."""
    checked = {page for page, _ in ENDINGS}
    written = {p.name for p in LESSONS.glob("*.md") if not is_stub(p)}
    assert written - checked <= {"beyond.md"}, written - checked


# ------------------------------------------------------------------ lesson one

LESSON_ONE = LESSONS / "loss-functions.md"
EXPLORER = "<!-- widget: loss-explorer -->"
# Each loss by a word that names it in an experiment, and a piece of its definition.
DEFINITIONS = {
    "MSE": r"\ell = r^2",
    "MAE": r"\ell = \lvert r \rvert",
    "Huber": r"\tfrac12 r^2 & \lvert r \rvert < \delta",
    "log-cosh": r"\ell = \log\cosh r",
    "cross-entropy": r"\ell = -\big[\, y \log p + (1 - y) \log(1 - p) \,\big]",
}
CHAIN_RULE = r"\frac{\partial \ell}{\partial \hat{y}_i} \, \frac{\partial \hat{y}_i}{\partial \theta}"


def experiments() -> list[tuple[int, str]]:
    """(offset in the page, text) of each numbered experiment under "Things to try"."""
    text = read(LESSON_ONE)
    start = text.index("## Things to try")
    body = section(text, "Things to try")
    items = list(re.finditer(r"^\d+\. ", body, flags=re.M))
    ends = [m.start() for m in items[1:]] + [len(body)]
    return [(start + len("## Things to try") + m.start(), body[m.start():e]) for m, e in zip(items, ends)]


def test_lesson_one_defines_each_loss_before_the_experiments_that_use_it():
    text = read(LESSON_ONE)
    runs = experiments()
    assert len(runs) == 7
    for name, definition in DEFINITIONS.items():
        assert text.count(definition) == 1, name
        where = text.index(definition)
        users = [i for i, (_, body) in enumerate(runs, 1) if re.search(rf"\b{re.escape(name)}\b", body, re.I)]
        assert users, f"no experiment uses {name}"
        for i in users:
            assert where < runs[i - 1][0], f"{name} is defined after experiment {i}"
    assert text.index("## The five losses at a glance") < text.index(EXPLORER)


def test_lesson_one_gives_the_aliases_and_names_the_two_passes():
    text = read(LESSON_ONE)
    for term in ("cost function", "objective function", "forward pass", "backward pass", "backpropagation"):
        assert f"**{term}**" in text, term  # named in bold where it is explained
    # The aliases come with the definition of a loss, before the explorer.
    assert text.index("**cost function**") < text.index(EXPLORER)
    assert text.index("**objective function**") < text.index(EXPLORER)
    assert "`loss.backward()`" in text


def test_lesson_one_puts_the_chain_rule_after_the_explorer_with_a_picture_first():
    text = read(LESSON_ONE)
    assert text.count(EXPLORER) == 1 and text.count(CHAIN_RULE) == 1
    explorer, chain = text.index(EXPLORER), text.index(CHAIN_RULE)
    assert explorer < chain
    figure = text.index("<figure", explorer)
    assert figure < chain and figure < text.index("**forward pass**")
    svg = text[figure:text.index("</figure>", figure)]
    assert '<svg' in svg and 'role="img"' in svg and "<title" in svg and "<figcaption>" in svg
    assert "$" not in svg  # nothing for KaTeX to typeset inside the drawing
    for label in ("weights", "network", "loss", "∂ℓ/∂ŷ", "∂ℓ/∂θ", "forward pass", "backward pass"):
        assert label in svg, label
    # The gradient-descent update is not stated before the explorer either.
    assert r"\theta \leftarrow \theta" not in text[:explorer]


def test_lesson_one_keeps_its_widget_marker_and_the_faq_anchor():
    text = read(LESSON_ONE)
    assert re.findall(r"<!--\s*(?:widget|table):\s*([^\s>]+)\s*-->", text) == ["loss-explorer"]
    assert "## The five losses at a glance" in text  # the FAQ links #the-five-losses-at-a-glance
