"""The course's connective pages: the glossary, the FAQ's newer answers, the notebook exercises.

* **Glossary** (docs/reference/glossary.md): every term the course promises has an entry of
  two to four sentences with a stable anchor and a link to a lesson or a widget state; every
  site-wide abbreviation is defined there too; the abbreviations include defines a
  ``[glossary-<anchor>]`` link reference for each entry, and every link to a glossary anchor
  from any built page lands on an element that exists. The entries that lessons five and six
  show (over- and under-fitting, regularisation, epoch, batch, margin, IoU) link a widget state
  and a section of those lessons, every linked section is a real heading, and the numbers the
  entries quote are the engine's at the states they open.
* **FAQ** (docs/reference/faq.md): the eight answers added for the course path exist, link to
  a widget state (whose controls tests/test_faq.py checks) and quote only numbers that are
  recomputed here with the engine, found with the FAQ tests' helpers (``test_faq.quoted``:
  a whole number of the one sentence or table row that holds the anchor text).
* **Notebook** (docs/notebooks/engine.py): four exercises with folded answers; every number an
  answer states is the engine's, and the built page holds the answers and the outputs of the
  cells that check them.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
import pytest
from bs4 import BeautifulSoup
from markdown.extensions.toc import slugify
from test_faq import (
    LINK,
    _number_in,
    box_state,
    cell,
    check_state_link,
    faq_questions,
    links_to,
    noise_floor,
    one_link,
    quoted,
    segment,
    state_links,
    text_of,
    training_state,
    triplet_state,
)

from lossdocs import boxes as box_losses
from lossdocs import classification as cls
from lossdocs import descent, landscape, losses, metric
from lossdocs import training as training_engine
from lossdocs.widgets import descent as descent_widget
from lossdocs.widgets import imbalance, softmax

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GLOSSARY = DOCS / "reference" / "glossary.md"
ABBREVIATIONS = DOCS / "includes" / "abbreviations.md"
NOTEBOOK = DOCS / "notebooks" / "engine.py"
BUILT_GLOSSARY = "reference/glossary.html"

mse, mae, huber, bce, bce_logits = (losses.get(n) for n in ("mse", "mae", "huber", "bce", "bce_logits"))
SL, TP = landscape.PRESETS["sloped_line"], landscape.PRESETS["two_points"]
DOT_SL, PLATEAU_TP = (3.0, 0.5), (-1.3, -2.4)


@functools.cache
def soup(site: Path, rel: str) -> BeautifulSoup:
    return BeautifulSoup((site / rel).read_text(encoding="utf-8"), "html.parser")


# ================================================================== glossary

# (anchor, what the heading must say): the terms issue 13 asks the glossary for.
TERMS = {
    "loss": ("Loss", "cost", "objective"),
    "residual": ("Residual",),
    "logit": ("Logit",),
    "sigmoid": ("Sigmoid",),
    "softmax": ("Softmax",),
    "one-hot": ("One-hot",),
    "epoch": ("Epoch",),
    "batch": ("Batch", "mini-batch"),
    "forward-and-backward-pass": ("Forward", "backward pass"),
    "backpropagation": ("Backpropagation",),
    "gradient": ("Gradient",),
    "learning-rate": ("Learning rate",),
    "optimiser": ("Optimiser",),
    "momentum": ("Momentum",),
    "overfitting": ("Over-", "under-fitting"),
    "regularisation": ("Regularisation",),
    "margin": ("Margin",),
    "iou": ("IoU",),
}
# Lessons still being written: link the page, never a heading of it. Lessons five and six
# are final, so their headings may be linked (test_glossary_links_to_headings_that_exist).
UNSETTLED: tuple[str, ...] = ()
HEADING = re.compile(r"^## (?P<title>.+?) \{ #(?P<id>[\w-]+) \}$", re.M)


def glossary_text() -> str:
    return GLOSSARY.read_text(encoding="utf-8")


def glossary_entries() -> dict[str, tuple[str, str]]:
    """anchor -> (heading title, body) for every ``## Title { #anchor }`` of the glossary."""
    text = glossary_text()
    heads = list(HEADING.finditer(text))
    out = {}
    for here, after in zip(heads, heads[1:] + [None]):
        out[here["id"]] = (here["title"], text[here.end():after.start() if after else len(text)])
    return out


def sentences(markdown: str) -> list[str]:
    prose = re.sub(r"\s*\n\s*", " ", markdown).strip()
    return [s for s in re.split(r"(?<=[.?!])\s+(?=[A-Z$*(\[`\"])", prose) if s]


def site_abbreviations() -> dict[str, str]:
    return dict(re.findall(r"^\*\[([^\]]+)\]: (.+)$", ABBREVIATIONS.read_text(encoding="utf-8"), re.M))


def glossary_link_references() -> dict[str, str]:
    """label -> target of every ``[glossary-...]: target "title"`` in the abbreviations include."""
    return dict(re.findall(r"^\[(glossary-[\w-]+)\]: (\S+) \"[^\"]+\"$",
                           ABBREVIATIONS.read_text(encoding="utf-8"), re.M))


def test_every_term_has_an_entry_with_a_stable_anchor():
    entries = glossary_entries()
    assert set(TERMS) <= set(entries), sorted(set(TERMS) - set(entries))
    for anchor, words in TERMS.items():
        title = entries[anchor][0]
        for word in words:
            assert word.lower() in title.lower(), (anchor, title, word)
    titles = [title for anchor, (title, _) in entries.items() if anchor in TERMS]  # page order
    assert titles == sorted(titles, key=str.lower), "entries are in alphabetical order"


@pytest.mark.parametrize("anchor", list(TERMS))
def test_each_entry_is_short_and_links_to_where_the_course_shows_it(anchor):
    _, body = glossary_entries()[anchor]
    assert 2 <= len(sentences(body)) <= 4, (anchor, sentences(body))
    targets = LINK.findall(body)
    lessons = [t for t in targets if t.startswith("../lessons/")]
    assert lessons, f"{anchor}: no link to a lesson or a widget"
    for t in lessons:
        page = t.split("#", 1)[0]
        assert (DOCS / "reference" / page).resolve().is_file(), t
        if page.removeprefix("../") in UNSETTLED:
            assert "#" not in t, f"{anchor}: {t} names a heading of a lesson still being written"


def test_loss_entry_gives_both_aliases():
    body = re.sub(r"\s+", " ", glossary_entries()["loss"][1])
    assert '"Cost function" and "objective function" name the same idea' in body


def test_glossary_state_links_name_real_controls_and_values():
    links = state_links(glossary_text())
    assert len(links) >= 6
    for link in links:
        check_state_link(link)


def test_glossary_defines_every_site_wide_abbreviation():
    abbreviations = site_abbreviations()
    section = glossary_text().split("## Abbreviations", 1)[1]
    terms = re.findall(r"^(\S+)(?: \{ #([\w-]+) \})?$", section, re.M)
    assert [t for t, _ in terms] == sorted(abbreviations, key=str.lower)
    for term, anchor in terms:
        # Its own anchor (the lower-case abbreviation), or IoU's full entry above.
        assert anchor == term.lower() or (not anchor and term.lower() in TERMS), term


def test_abbreviations_include_links_every_entry_to_the_glossary():
    refs = glossary_link_references()
    anchors = set(TERMS) | {a.lower() for a in site_abbreviations()}
    assert set(refs) == {f"glossary-{a}" for a in anchors}
    for label, target in refs.items():
        # One folder deep, as every lesson and reference page is.
        assert target == f"../reference/glossary.md#{label.removeprefix('glossary-')}", (label, target)


def test_nav_lists_the_glossary_after_the_faq():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "      - FAQ: reference/faq.md\n      - Glossary: reference/glossary.md\n" in nav


def test_glossary_numbers():
    assert descent.OPTIMIZERS["momentum"]["momentum"] == 0.9  # "by 0.9 per step, typically"
    assert "(by 0.9 per step, typically)" in glossary_entries()["momentum"][1].replace("\n", " ")
    z = np.linspace(-20, 20, 4001)
    slope = losses.sigmoid(z) * (1 - losses.sigmoid(z))
    assert slope.max() == 0.25 and float(losses.sigmoid(0.0)) == 0.5


def lesson_headings(page: Path) -> set[str]:
    """The ids Python-Markdown's toc gives the ``##``-``####`` headings of a lesson."""
    heads = re.findall(r"^#{2,4} (.+?)\s*$", page.read_text(encoding="utf-8"), re.M)
    return {slugify(h, "-") for h in heads}


def test_glossary_links_to_headings_that_exist():
    """A link to a section of a lesson (no widget state) names one of its headings."""
    checked = 0
    for target in LINK.findall(glossary_text()):
        if not target.startswith("../lessons/") or "#" not in target:
            continue
        page, fragment = target.split("#", 1)
        if "?" in fragment:  # a widget state: test_glossary_state_links_name_real_controls_and_values
            continue
        assert fragment in lesson_headings((DOCS / "reference" / page).resolve()), target
        checked += 1
    assert checked >= 15


# The entries lessons five and six show: anchor -> the lesson pages whose widget state and
# section the entry links.
SHOWN_LATE = {
    "overfitting": {"reading-the-loss-curve.md"},
    "regularisation": {"reading-the-loss-curve.md"},
    "epoch": {"reading-the-loss-curve.md"},
    "batch": {"reading-the-loss-curve.md"},
    "margin": {"beyond.md"},
    "iou": {"beyond.md"},
}


@pytest.mark.parametrize("anchor,pages", list(SHOWN_LATE.items()))
def test_entry_links_the_widget_state_and_section_of_lessons_five_and_six(anchor, pages):
    body = glossary_entries()[anchor][1]
    targets = [t for t in LINK.findall(body) if t.startswith("../lessons/")]
    for page in pages:
        here = [t for t in targets if t.split("#", 1)[0] == f"../lessons/{page}" and "#" in t]
        assert any("?" in t.split("#", 1)[1] for t in here), f"{anchor}: no widget state of {page}"
        assert any("?" not in t.split("#", 1)[1] for t in here), f"{anchor}: no section of {page}"


def test_glossary_numbers_from_lessons_five_and_six():
    # Epoch: the widget trains full-batch for 2000 epochs; the link opens epoch 79.
    body = glossary_entries()["epoch"][1]
    run, k, _ = training_state(one_link(body, "training-curves"))
    _number_in(body, "79", run.epochs[k])
    _number_in(body, "2000", training_engine.EPOCHS)
    assert run.epochs[-1] == training_engine.EPOCHS
    # Over- and under-fitting: the links open the settings their text names.
    body = glossary_entries()["overfitting"][1]
    (over, k_over, s_over), (under, k_under, s_under) = (training_state(s) for s in links_to(body, "training-curves"))
    assert s_over[:3] == (30, 10, 0.6) and "[30 units trained on 10 noisy points]" in body
    assert over.val_loss[k_over] > 1.5 * over.val_loss[over.best_epoch] and over.train_loss[k_over] < 0.1
    assert s_under[0] == 1 and "[a single unit]" in body
    # Both losses stay high: far above what the true curve scores on the validation points.
    assert min(under.train_loss[k_under], under.val_loss[k_under]) > 5 * noise_floor(s_under[2])
    # Regularisation: weight decay 0.01 narrows the opening run's final gap.
    body = re.sub(r"\s+", " ", glossary_entries()["regularisation"][1])
    decayed, k, setting = training_state(one_link(body, "training-curves"))
    assert setting == (30, 10, 0.6, 0.01)
    plain, _, _ = training_state({**one_link(body, "training-curves"), "weight_decay": "0"})
    _number_in(body, "0.01", setting[3])
    _number_in(body, "1.0", plain.val_loss[-1] - plain.train_loss[-1])
    _number_in(body, "0.39", decayed.val_loss[k] - decayed.train_loss[k])
    # IoU: a box clear of its target.
    body = re.sub(r"\s+", " ", glossary_entries()["iou"][1])
    pred, target = box_state(one_link(body, "boxes")), np.array([0.0, 0.0, 2.0, 2.0])
    assert float(box_losses.iou(pred, target)) == 0
    _number_in(body, "1", float(box_losses.iou_loss(pred, target)))
    _number_in(body, "1.36", float(box_losses.giou_loss(pred, target)))
    # Margin: past the margin a dissimilar pair and an easy triplet cost nothing.
    body = glossary_entries()["margin"][1]
    s = one_link(body, "contrastive")
    d, m = float(s["distance"]), float(s["margin"])
    assert d > m and float(metric.contrastive(d, 0, m)) == 0
    a, p, n, m = triplet_state(one_link(body, "triplet"))
    assert float(metric.pairwise_distance(a, n)) > float(metric.pairwise_distance(a, p)) + m
    assert float(metric.triplet(a, p, n, margin=m)) == 0


@pytest.mark.build
def test_every_glossary_anchor_is_in_the_built_page(site_dir):
    ids = {t["id"] for t in soup(site_dir, BUILT_GLOSSARY).find_all(id=True)}
    wanted = set(re.findall(r"\{ #([\w-]+) \}", glossary_text()))
    assert wanted >= set(TERMS) | {"abbreviations"}
    assert wanted <= ids, sorted(wanted - ids)
    # Each abbreviation in the list shows its tooltip there too.
    page = soup(site_dir, BUILT_GLOSSARY)
    for abbr, title in site_abbreviations().items():
        assert page.find("abbr", attrs={"title": title}, string=abbr), abbr


@pytest.mark.build
def test_every_link_to_a_glossary_anchor_resolves(site_dir):
    glossary = (site_dir / BUILT_GLOSSARY).resolve()
    ids = {t["id"] for t in soup(site_dir, BUILT_GLOSSARY).find_all(id=True)}
    found, problems = [], []
    for page in sorted(site_dir.rglob("*.html")):
        rel = page.relative_to(site_dir).as_posix()
        for a in soup(site_dir, rel).find_all("a", href=True):
            parts = urlsplit(a["href"])
            if parts.scheme or parts.netloc:
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            if target != glossary or not parts.fragment:
                continue
            found.append((rel, parts.fragment))
            if unquote(parts.fragment) not in ids:
                problems.append(f"{rel}: {a['href']}")
    assert problems == []
    # The FAQ links terms with the include's [text][glossary-...] references.
    assert {"logit", "one-hot", "batch", "epoch"} <= {f for p, f in found if p == "reference/faq.html"}


# ================================================================== FAQ

NEW_QUESTIONS = {  # anchor -> the widget its Try it line opens
    "loss-vs-metric": "imbalance-lab",
    "why-validation": "imbalance-lab",
    "which-optimiser": "descent",
    "pick-learning-rate": "descent",
    "ce-wants-logits": "margin-explorer",
    "label-smoothing": "softmax-ce",
    "class-weights": "imbalance-lab",
    "noisy-loss-curve": "descent",
}


def faq_answer(anchor: str) -> str:
    found = [body for head, body in faq_questions() if head.rstrip().endswith(f"{{#{anchor}}}")]
    assert len(found) == 1, anchor
    return found[0]


@pytest.mark.parametrize("anchor,widget", list(NEW_QUESTIONS.items()))
def test_new_question_is_answered_in_two_or_three_paragraphs_with_a_widget_state(anchor, widget):
    body = faq_answer(anchor)
    answer = body.split("**Try it:**", 1)[0]
    paragraphs = [p for p in re.split(r"\n\s*\n", answer.strip())
                  if not p.lstrip().startswith("|") and not p.rstrip().endswith(":")]
    assert 2 <= len(paragraphs) <= 3, (anchor, len(paragraphs))
    widgets = {link.split("#", 1)[1].split("?", 1)[0] for link in state_links(body)}
    assert widget in widgets, (anchor, widgets)


def test_validation_answer_links_plainly_to_lesson_five():
    body = faq_answer("why-validation")
    assert "](../lessons/reading-the-loss-curve.md)" in body


def test_descent_links_show_the_rate_their_text_names():
    """"[η = 2](...lr_index=7...)": the slider position is the rate the link text says."""
    for text, target in re.findall(r"\[([^\]]*η = [\d.]+[^\]]*)\]\(([^)\s]+)\)", text_of("faq.md")):
        index = re.search(r"lr_index=(\d+)", target)
        if index and "#descent?" in target:
            named = float(re.search(r"η = ([\d.]+)", text)[1])
            assert descent_widget.LRS[int(index[1])] == named, (text, target)


# ------------------------------------------------ loss versus metric

def imbalance_scores(loss="bce_logits", x=None, y=None, **params):
    data_x, data_y = cls.imbalanced_data()
    fit = cls.fit_logistic(data_x, data_y, loss, **params)
    return cls.scores(fit, data_x if x is None else x, data_y if y is None else y)


def test_cross_entropy_moves_where_accuracy_does_not():
    s = quoted("faq.md", "raising $p$ to 0.9 leaves accuracy", "0.511", float(bce.value(0.6, 1.0)))
    _number_in(s, "0.105", float(bce.value(0.9, 1.0)))
    s = quoted("faq.md", "a nudge to 0.45 changes no verdict", "0.916", float(bce.value(0.4, 1.0)))
    _number_in(s, "0.799", float(bce.value(0.45, 1.0)))
    # Right at 0.6 and 0.9, wrong at 0.4 and 0.45: the 0.5 threshold is crossed by neither move.
    assert (0.6 >= 0.5) == (0.9 >= 0.5) and (0.4 >= 0.5) == (0.45 >= 0.5)


def test_loss_and_metric_disagree_in_the_imbalance_lab():
    plain, heavy = imbalance_scores(), imbalance_scores(pos_weight=19.0)
    s = quoted("faq.md", "produces a model that is 97.8% accurate", "97.8%", 100 * plain["accuracy"])
    _number_in(s, "60%", 100 * plain["recall"])
    _number_in(s, "88.3%", 100 * heavy["accuracy"])
    _number_in(s, "90%", 100 * heavy["recall"])
    _number_in(s, "19", 19)
    _, y = cls.imbalanced_data()
    quoted("faq.md", "Calling every example negative would be", "95%", 100 * (y == 0).mean())


# ------------------------------------------------ validation

SEEDS = range(1, 41)


def test_one_sample_is_not_enough():
    x, y = cls.imbalanced_data()
    plain = imbalance_scores()
    s = quoted("faq.md", "fit finds 12 of its 20 positives", "12", plain["true_positive"])
    _number_in(s, "20", y.sum())
    _number_in(s, "60%", 100 * plain["recall"])
    quoted("faq.md", "their feature averages 2.38", "2.38", x[y == 1].mean())
    # The generator's positives are centred on 2.
    big_x, big_y = cls.imbalanced_data(n_neg=10, n_pos=200_000, seed=5)
    assert big_x[big_y == 1].mean() == pytest.approx(2.0, abs=0.01)
    recalls = [imbalance_scores(x=fx, y=fy)["recall"] for fx, fy in (cls.imbalanced_data(seed=s) for s in SEEDS)]
    s = quoted("faq.md", "its recall averages", "37%", 100 * np.mean(recalls))
    _number_in(s, "2", sum(r >= plain["recall"] for r in recalls))
    _number_in(s, "40", len(recalls))
    assert "seeds 1 to 40" in s
    # Two parameters cannot memorise: fitted to fresh draws, training and held-out recall agree.
    train, held = [], []
    for seed in range(101, 121):
        fx, fy = cls.imbalanced_data(seed=seed)
        hx, hy = cls.imbalanced_data(seed=seed + 1000)
        fit = cls.fit_logistic(fx, fy)
        train.append(cls.scores(fit, fx, fy)["recall"])
        held.append(cls.scores(fit, hx, hy)["recall"])
    assert abs(np.mean(train) - np.mean(held)) < 0.05
    assert "each one is worth five points" in segment("faq.md", "each one is worth five points")
    assert 100 / y.sum() == 5


# ------------------------------------------------ optimisers and learning rates

@functools.cache
def run(preset: str, optimizer: str, lr: float, start=None, **kw) -> descent.Trajectory:
    p = {"sl": SL, "tp": TP}[preset]
    start = start or {"sl": DOT_SL, "tp": (-0.5, 1.5)}[preset]
    return descent.trajectory("mse", p.x, p.y, start, optimizer, lr=lr, steps=150, **kw)


def floor_sl() -> float:
    return landscape.minimum("mse", SL)[2]


def test_adam_defaults_are_torchs():
    torch = pytest.importorskip("torch")
    opt = torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    assert opt.defaults["lr"] == 0.001 and opt.defaults["betas"] == (0.9, 0.999)
    assert descent.OPTIMIZERS["adam"]["betas"] == (0.9, 0.999)
    s = segment("faq.md", "that PyTorch and Keras both default to")
    for literal in ("0.9", "0.999", "0.001"):
        assert re.search(r"(?<![\d.])" + re.escape(literal) + r"(?![\d])", s), literal


def test_adam_forgives_the_learning_rate():
    floor = floor_sl()
    reach = {o: [lr for lr in descent_widget.LRS if run("sl", o, lr).loss[-1] < 1.01 * floor]
             for o in ("adam", "sgd")}
    assert reach["adam"] == [0.05, 0.1, 0.2, 0.5, 1.0, 2.0] and reach["sgd"] == [0.5, 1.0]
    s = quoted("faq.md", "Adam reaches the floor of", "0.000124", floor)
    _number_in(s, "0.05", reach["adam"][0])
    _number_in(s, "2", reach["adam"][-1])
    assert "six positions of the slider" in s and len(reach["adam"]) == 6
    _number_in(s, "40", reach["adam"][-1] / reach["adam"][0])
    assert "only at 0.5 and 1" in s


def test_plateau_sgd_against_adam():
    s = quoted("faq.md", "SGD has barely moved after 150", "1.89", run("tp", "sgd", 0.1, PLATEAU_TP).loss[-1])
    assert run("tp", "sgd", 0.1, PLATEAU_TP).loss[0] == pytest.approx(run("tp", "sgd", 0.1, PLATEAU_TP).loss[-1],
                                                                     abs=0.005)
    _number_in(s, "0.0012", run("tp", "adam", 0.1, PLATEAU_TP).loss[-1])
    adam, sgd = run("tp", "adam", 1.0, PLATEAU_TP), run("tp", "sgd", 1.0, PLATEAU_TP)
    s = quoted("faq.md", "carry the neuron across the valley", "0.0151", adam.loss[-1])
    _number_in(s, "0.0000012", sgd.loss[-1])
    (w0, w1), (b0, b1) = descent_widget.WINDOWS["two_points"]
    w, b = adam.path[-1]
    assert not (w0 <= w <= w1 and b0 <= b <= b1)  # off the map
    assert np.ptp(adam.loss[100:]) < 1e-4  # stalled
    # Adam's first step is η long in each coordinate (bias correction), whatever the slope.
    np.testing.assert_allclose(np.abs(adam.path[1] - adam.path[0]), 1.0, rtol=1e-3)


LR_TABLE = [("0.01", "0.249", "0"), ("0.1", "0.0661", "0"), ("0.5", "0.000124", "0"),
            ("1", "0.000124", "0"), ("2", "0.365", "82"), ("5", "0.527", "5")]


@pytest.mark.parametrize("lr,loss,rises", LR_TABLE)
def test_learning_rate_sweep_table(lr, loss, rises):
    t = run("sl", "sgd", float(lr))
    assert cell("faq.md", lr, "Loss after 150 steps") == loss
    _number_in(cell("faq.md", lr, "Loss after 150 steps"), loss, t.loss[-1])
    assert cell("faq.md", lr, "Steps on which the loss rose") == rises
    assert int((np.diff(t.loss) > 0).sum()) == int(rises)
    assert float(lr) in descent_widget.LRS


def test_learning_rate_edge():
    t2 = run("sl", "sgd", 2.0)
    s = quoted("faq.md", "loss gets down to 0.000354 by step", "0.000354", t2.loss.min())
    assert int(np.argmin(t2.loss)) == 22 and "by step 22" in s
    _number_in(s, "0.396", t2.loss[27])
    assert "five steps later" in s
    t5 = run("sl", "sgd", 5.0)
    (w0, w1), (b0, b1) = descent_widget.WINDOWS["sloped_line"]

    def on_map(p):
        return w0 <= p[0] <= w1 and b0 <= p[1] <= b1

    assert all(on_map(p) for p in t5.path[:6]) and not on_map(t5.path[6])  # the sixth step leaves
    s = quoted("faq.md", "the sixth step leaves the neuron off the", "0.527", t5.loss[6])
    stuck = np.abs(t5.loss - t5.loss[6]) < 0.005
    back = 6 + int(np.argmin(stuck[6:]))  # the first step off the plateau's level
    assert back - 6 > 100 and "for more than 100 steps" in s
    assert t5.loss[back:].min() < 0.1  # back in the valley
    assert not on_map(t5.path[-1]) and stuck[-1]  # flung out again
    assert descent_widget.LRS.index(1.0) + 1 == descent_widget.LRS.index(2.0)  # "one notch up"
    assert "then back off" in segment("faq.md", "Keep the largest rate")


def test_a_loss_curve_is_noisy_even_at_the_best_weights():
    w, b, floor = landscape.minimum("mse", SL)
    each = mse.value(np.tanh(w * SL.x + b), SL.y)
    assert SL.x.size == 9 and each.mean() == pytest.approx(floor)
    s = quoted("faq.md", "its nine points still cost anywhere from", "0.0000119", each.min())
    _number_in(s, "0.000478", each.max())
    _number_in(s, "0.000124", each.mean())
    assert 39.5 < each.max() / each.min() < 40.5 and "a factor of 40" in s
    # The spread of a batch mean falls as the batch grows (all batches of 1, 2, 4 points).
    spread = [np.std([each[list(c)].mean() for c in itertools.combinations(range(9), k)]) for k in (1, 2, 4)]
    assert spread[0] > spread[1] > spread[2]


def test_one_point_per_step_wanders():
    one = run("sl", "sgd", 0.5, batch_size=1, seed=descent_widget.SEED)
    full = run("sl", "sgd", 0.5)
    rises = int((np.diff(one.loss) > 0).sum())
    s = quoted("faq.md", "With one random point per step at", "75", rises)
    _number_in(s, "150", one.loss.size - 1)
    _number_in(s, "0.000155", one.loss[100:].min())
    _number_in(s, "0.0014", one.loss[100:].max())
    _number_in(s, "0.5", 0.5)
    assert int((np.diff(full.loss) > 0).sum()) == 0 and "never rises once" in s


# ------------------------------------------------ classifiers

def test_logits_keep_the_loss_exact():
    f32 = np.float32

    def naive(z):
        return f32(1) / (f32(1) + np.exp(-f32(z)))

    assert naive(16.5) < 1 and naive(17.0) == 1  # "once z passes about 17"
    assert "once $z$ passes about 17" in segment("faq.md", "a float32 sigmoid returns exactly 1")
    row = cls.stability_table((20.0,))[0]["bce0"]
    s = quoted("faq.md", "At $z = 20$ with label 0 the true loss is", "20", row["stable"])
    assert row["naive"] == math.inf and "infinity" in s
    _number_in(s, "100", row["torch_clamp"])
    _number_in(s, "15.94", row["keras_clip"])
    z = np.linspace(-30, 30, 601)
    for y in (0.0, 1.0):
        g = bce_logits.grad(z, y)
        np.testing.assert_allclose(g, losses.sigmoid(z) - y, atol=1e-15)
        assert np.abs(g).max() <= 1
    assert "never more than 1 in size" in segment("faq.md", "binary cross-entropy pushes")


def test_label_smoothing_numbers():
    eps, k = 0.1, 3
    s = quoted("faq.md", "with $\\varepsilon = 0.1$ and three classes", "0.933", 1 - eps + eps / k)
    _number_in(s, "0.033", eps / k)
    ratio = (1 - eps + eps / k) / (eps / k)
    assert ratio == pytest.approx(28)
    s = quoted("faq.md", "= \\log 28 \\approx 3.33$", "3.33", math.log(ratio))
    best = np.array([math.log(28), 0.0, 0.0])
    np.testing.assert_allclose(cls.cross_entropy_grad(best, 0, label_smoothing=eps), 0, atol=1e-15)
    # Without smoothing the loss keeps falling as the true logit pulls ahead; with it, it turns back up.
    gaps = np.linspace(0, 20, 81)
    hard = [float(cls.cross_entropy(np.array([g, 0.0, 0.0]), 0)) for g in gaps]
    soft = [float(cls.cross_entropy(np.array([g, 0.0, 0.0]), 0, label_smoothing=eps)) for g in gaps]
    assert np.all(np.diff(hard) < 0) and np.argmin(soft) not in (0, len(gaps) - 1)
    floor = float(cls.cross_entropy(best, 0, label_smoothing=eps))
    assert min(soft) >= floor - 1e-12
    quoted("faq.md", "(its floor is 0.291 in this example)", "0.291", floor)
    probs = softmax.PRESETS["a"][1]
    assert tuple(probs) == (0.7, 0.2, 0.1)
    z = np.log(np.asarray(probs))
    s = quoted("faq.md", "raises the loss from 0.357 to", "0.357", float(cls.cross_entropy(z, 0)))
    _number_in(s, "0.463", float(cls.cross_entropy(z, 0, label_smoothing=eps)))


def test_class_weight_trade():
    five, nineteen = imbalance_scores(pos_weight=5.0), imbalance_scores(pos_weight=19.0)
    where = "`pos_weight` 5 finds"
    for literal, value in (("65%", five["recall"]), ("43.3%", five["precision"]), ("94.0%", five["accuracy"]),
                           ("90%", nineteen["recall"]), ("28.6%", nineteen["precision"]),
                           ("88.3%", nineteen["accuracy"])):
        quoted("faq.md", where, literal, 100 * value)
    _, y = cls.imbalanced_data()
    assert (y == 0).sum() / y.sum() == 19  # "the ratio of negatives to positives"
    assert 5.0 in imbalance.POS_WEIGHTS and 19.0 in imbalance.POS_WEIGHTS


def test_weighted_mean_divides_by_the_true_classes_weights():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(6, 3))
    target = np.array([0, 2, 1, 2, 0, 2])
    weight = np.array([1.0, 2.0, 5.0])
    each = cls.cross_entropy(logits, target, reduction="none")
    expected = (weight[target] * each).sum() / weight[target].sum()
    assert float(cls.cross_entropy(logits, target, weight=weight)) == pytest.approx(expected)
    torch = pytest.importorskip("torch")
    got = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(target),
                                            weight=torch.tensor(weight))
    assert float(got) == pytest.approx(expected)
    assert "divides by the total weight" in segment("faq.md", "One PyTorch")


# ================================================================== notebook exercises

EXERCISES = ("Exercise 1: MSE and MAE of a small batch", "Exercise 2: Huber turns into half of MSE",
             "Exercise 3: a descent and its loss curve", "Exercise 4: cross-entropy with class weights")
PRED, TARGET = np.array([1.0, 2.5, -0.5, 4.0]), np.array([1.5, 2.0, 0.5, 2.0])
PROBS = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.5, 0.3, 0.2], [0.5, 0.25, 0.25]])
TRUE, WEIGHT = np.array([0, 0, 2, 1]), np.array([1.0, 1.0, 4.0])


def notebook_markdown() -> str:
    """The notebook's markdown cells as plain Markdown (the ``# `` prefixes removed)."""
    cells = re.split(r"^# %%.*$", NOTEBOOK.read_text(encoding="utf-8"), flags=re.M)
    md = [c for c, head in zip(cells[1:], re.findall(r"^# %%.*$", NOTEBOOK.read_text(encoding="utf-8"), re.M))
          if "[markdown]" in head]
    return "\n".join(re.sub(r"^# ?", "", c, flags=re.M) for c in md)


def answer(number: int) -> str:
    """The folded answer of exercise ``number`` in the notebook source, as one line."""
    part = notebook_markdown().split(f"### {EXERCISES[number - 1]}", 1)[1]
    body = part.split('<details class="question"><summary>Answer</summary>', 1)[1].split("</details>", 1)[0]
    return re.sub(r"\s+", " ", body).strip()


def in_answer(number: int, literal: str, value: float) -> None:
    _number_in(answer(number), literal, value)


def test_every_exercise_has_a_folded_answer_and_a_checking_cell():
    source = NOTEBOOK.read_text(encoding="utf-8")
    for title in EXERCISES:
        assert f"# ### {title}" in source
        after = source.split(f"# ### {title}", 1)[1]
        block = after.split("# %%", 1)
        assert '<details class="question"><summary>Answer</summary>' in block[0]
        assert block[1].startswith("\n"), f"{title}: the cell after the answer is code"
    # The figure stays the notebook's last cell (tests/test_notebook.py).
    assert source.index("## Exercises") < source.index("## Drawing the losses")


def test_exercise_one_numbers():
    r = PRED - TARGET
    np.testing.assert_array_equal(r, [-0.5, 0.5, -1.0, 2.0])
    m, a = float(mse.value(PRED, TARGET).mean()), float(mae.value(PRED, TARGET).mean())
    assert (m, a) == (1.375, 1.0) and float(np.sum(r**2)) == 5.5 and float(np.sum(np.abs(r))) == 4
    for literal, value in (("1.375", m), ("5.5", 5.5), ("0.25", 0.25), ("4", 4.0), ("1", a)):
        in_answer(1, literal, value)


def test_exercise_two_numbers():
    half = float(mse.value(PRED, TARGET).mean()) / 2
    in_answer(2, "0.6875", half)
    np.testing.assert_allclose(huber.value(PRED, TARGET, delta=0.5), [0.125, 0.125, 0.375, 0.875])
    in_answer(2, "0.875", 0.875)
    in_answer(2, "0.375", float(huber.value(PRED, TARGET, delta=0.5).mean()))
    in_answer(2, "0.5625", float(huber.value(PRED, TARGET, delta=1.0).mean()))
    for delta in (2.0, 4.0, 8.0, 100.0):  # from the largest residual's size on: exactly half the MSE
        assert float(huber.value(PRED, TARGET, delta=delta).mean()) == half
    assert float(huber.value(PRED, TARGET, delta=1.999).mean()) < half
    assert np.abs(PRED - TARGET).max() == 2.0


def test_exercise_three_numbers():
    floor = floor_sl()
    fast, slow = run("sl", "sgd", 1.0), run("sl", "sgd", 0.02)
    in_answer(3, "0.3413", fast.loss[0])
    in_answer(3, "0.000124", fast.loss[-1])
    assert fast.loss[-1] == pytest.approx(floor, rel=1e-3)
    near = fast.loss <= 1.01 * floor
    settled = int(np.flatnonzero(~near)[-1]) + 1
    assert near[settled:].all()
    in_answer(3, "64", settled)
    in_answer(3, "0.1780", slow.loss[-1])
    assert slow.loss[-1] < slow.loss[-2]  # still falling
    assert not (np.diff(fast.loss) > 0).any() and not (np.diff(slow.loss) > 0).any()


def test_exercise_four_numbers():
    logits = np.log(PROBS)
    each = cls.cross_entropy(logits, TRUE, reduction="none")
    for literal, value in zip(("0.357", "2.303", "1.609", "1.386"), each):
        in_answer(4, literal, value)
    in_answer(4, "5.655", each.sum())
    in_answer(4, "1.414", float(cls.cross_entropy(logits, TRUE)))
    weighted_sum = float(cls.cross_entropy(logits, TRUE, weight=WEIGHT, reduction="sum"))
    in_answer(4, "10.483", weighted_sum)
    in_answer(4, "7", WEIGHT[TRUE].sum())
    in_answer(4, "1.498", float(cls.cross_entropy(logits, TRUE, weight=WEIGHT)))
    in_answer(4, "2.621", weighted_sum / 4)


@pytest.mark.build
def test_built_notebook_page_holds_the_exercises_answers_and_checks(site_dir):
    page = soup(site_dir, "notebooks/engine.html")
    headings = [h.get_text(" ", strip=True).rstrip("¶").strip() for h in page.find_all("h3")]
    assert [h for h in headings if h.startswith("Exercise")] == list(EXERCISES)
    folded = page.select("details.question")
    assert len(folded) == len(EXERCISES)
    for details, number in zip(folded, range(1, 5)):
        assert details.find("summary").get_text(strip=True) == "Answer"
        assert re.sub(r"\s+", " ", details.get_text(" ", strip=True)).endswith(answer(number)[-40:])
    outputs = "\n".join(el.get_text() for el in page.select(".jp-OutputArea-output"))
    assert "MSE by hand   1.375   engine 1.375" in outputs
    assert f"half the MSE {float(mse.value(PRED, TARGET).mean()) / 2:.4f}" in outputs
    assert "η = 1 stays within 1% of it from step 64" in outputs
    assert f"weighted mean  {float(cls.cross_entropy(np.log(PROBS), TRUE, weight=WEIGHT)):.4f}" in outputs
    # Exercise 3's loss curve: a static SVG in the page, with both runs and the floor.
    chart = [s for s in page.select("svg.lossdocs-svg") if "sloped line" in s.get_text()]
    assert len(chart) == 1 and len(chart[0].select("polyline")) == 3
