"""The lesson *Beyond regression and classification* (issue #12): every number it quotes is the
engine's (``lossdocs.metric``, ``lossdocs.boxes``), found in its own sentence or table row; every
widget-state link opens a real state of the widget it names, and a link whose text names a
setting ("negative at 0.75", "x offset of 3") opens that setting; the page has its sections,
only known widgets (a placeholder until a widget is registered), the applications map, and
the references the issue names.

The widgets' controls are those of the brief (``SPEC``: key -> (start, end, step, default));
once a widget is in ``WIDGETS`` its sliders must be exactly these. Sentences are found with the
FAQ tests' helpers (``test_faq.segment_of``, ``_number_in``: "0.5" is not in "0.75").
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl

import lessontools
import numpy as np
import pytest
from bokeh.models import Slider
from test_faq import MARKER, _number_in, check_control, whole

from lossdocs import boxes as B
from lossdocs import metric as M
from lossdocs.widgets import WIDGETS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LESSONS = DOCS / "lessons"
PAGE = "beyond.md"

# The widgets' sliders, in the order a state link sets them: key -> (start, end, step, default).
SPEC = {
    "contrastive": {"margin": (0.25, 2.5, 0.25, 1.0), "distance": (0.0, 3.0, 0.05, 0.5)},
    "triplet": {"positive_distance": (0.5, 2.5, 0.25, 1.0), "negative_distance": (0.25, 3.0, 0.25, 1.5),
                "negative_angle": (0.0, 330.0, 30.0, 60.0), "margin": (0.5, 2.0, 0.5, 1.0)},
    "boxes": {"x_offset": (-4.0, 4.0, 0.25, 1.0), "y_offset": (-3.0, 3.0, 0.25, 0.5), "size": (0.5, 3.0, 0.25, 2.0)},
}
PLACEHOLDERS = {w: f"<!-- {w} widget goes here -->" for w in SPEC}
TARGET = np.array([0.0, 0.0, 2.0, 2.0])  # the boxes widget's fixed target, centred on (1, 1)


def text_of() -> str:
    return lessontools.text_of(PAGE)


def sentence(where: str) -> str:
    return lessontools.sentence(PAGE, where)


def quoted(where: str, literal: str, value: float) -> str:
    return lessontools.quoted(PAGE, where, literal, value)


def signed(v: float, decimals: int) -> str:
    """A number as the page prints it: a true minus sign, no "-0.00"."""
    s = f"{v:.{decimals}f}"
    if float(s) == 0:
        s = s.lstrip("-")
    return s.replace("-", "−")


def default(widget: str) -> dict[str, float]:
    return {k: v[3] for k, v in SPEC[widget].items()}


# ------------------------------------------------------------------ the engine at the widgets' states


def contrastive(d: float, m: float) -> dict[str, float]:
    """Losses and d/dd of a pair at distance d, as similar and as dissimilar."""
    return {"sim": float(M.contrastive(d, 1, m)), "dis": float(M.contrastive(d, 0, m)),
            "sim_grad": float(M.contrastive_grad(d, 1, m)), "dis_grad": float(M.contrastive_grad(d, 0, m))}


def triplet(positive_distance=1.0, negative_distance=1.5, negative_angle=60.0, margin=1.0):
    """The triplet widget's state: anchor at 0, positive on +x, negative at its angle; the
    engine with torch's defaults (p = 2, eps = 1e-6, no swap). Returns (loss, region,
    gradients of anchor, positive, negative)."""
    a = np.zeros(2)
    p = np.array([positive_distance, 0.0])
    t = np.deg2rad(negative_angle)
    n = negative_distance * np.array([np.cos(t), np.sin(t)])
    loss = float(M.triplet(a, p, n, margin=margin))
    grads = M.triplet_grad(a, p, n, margin=margin)
    d_ap, d_an = float(M.pairwise_distance(a, p)), float(M.pairwise_distance(a, n))
    region = "hard" if d_an < d_ap else ("semi-hard" if d_an < d_ap + margin else "easy")
    return loss, region, grads


def box(x_offset=1.0, y_offset=0.5, size=2.0, scale=1.0) -> np.ndarray:
    """The boxes widget's predicted box: a square of side ``size`` centred on (1, 1) + offset."""
    cx, cy = 1.0 + x_offset, 1.0 + y_offset
    return scale * np.array([cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2])


def box_losses(pred, target=TARGET) -> dict[str, float]:
    return {"iou": float(B.iou(pred, target)), "giou": float(B.giou(pred, target)),
            "iou_loss": float(B.iou_loss(pred, target)), "giou_loss": float(B.giou_loss(pred, target)),
            "l1": float(np.mean(np.abs(pred - target)))}


# ------------------------------------------------------------------ contrastive


def test_contrastive_opening_pair():
    assert default("contrastive") == {"margin": 1.0, "distance": 0.5}
    s = sentence("a margin of 1 and a pair at distance 0.5")
    _number_in(s, "0.5", default("contrastive")["distance"])
    c = contrastive(0.5, 1.0)
    s = sentence("As a similar pair it costs $")
    assert r"\tfrac12 \cdot 0.5^2 = 0.125$, with gradient 0.5;" in s
    assert r"\tfrac12 (1 - 0.5)^2 = 0.125$ too, with gradient −0.5." in s
    _number_in(s, "0.125", c["sim"])
    _number_in(s, "0.125", c["dis"])
    _number_in(s, "0.5", c["sim_grad"])
    _number_in(s, "−0.5", c["dis_grad"])
    assert c["sim_grad"] == -c["dis_grad"]  # "here equally hard"


def test_contrastive_beyond_and_at_zero():
    c = contrastive(1.5, 1.0)
    assert c["dis"] == 0 and c["dis_grad"] == 0  # "both its loss and its gradient are 0"
    quoted("Move the pair out to", "1.5", 1.5)
    s = "As a similar pair it costs 1.125"
    quoted(s, "1.125", c["sim"])
    quoted(s, "1.5", c["sim_grad"])
    z = contrastive(0.0, 1.0)
    s = "a dissimilar pair whose embeddings coincide"
    quoted(s, "0.5", z["dis"])
    assert z["dis"] == 0.5 * 1.0 ** 2 and z["dis_grad"] == -1.0
    quoted(s, "−1", z["dis_grad"])
    assert z["dis_grad"] == min(contrastive(d, 1.0)["dis_grad"] for d in np.linspace(0, 3, 61))  # the strongest
    c2 = contrastive(1.5, 2.0)
    s = "counts as too close again"
    quoted(s, "0.125", c2["dis"])
    quoted(s, "−0.5", c2["dis_grad"])
    quoted(s, "1.5", 1.5)
    s = "Were the pair similar, it would cost"  # the pause-and-check answer
    quoted(s, "1.125", c["sim"])
    quoted(s, "1.5", c["sim_grad"])


def test_contrastive_things_to_try():
    """The dissimilar gradient reaches 0 at the margin; margin 2.5 is the slider's top."""
    d = np.round(np.arange(0, 3.0001, 0.05), 2)
    g = np.array([contrastive(x, 1.0)["dis_grad"] for x in d])
    assert d[np.flatnonzero(g == 0)[0]] == 1.0
    assert contrastive(1.0, 1.0)["sim_grad"] == 1.0
    quoted("Set the contrastive margin to", "2.5", SPEC["contrastive"]["margin"][1])
    assert contrastive(2.45, 2.5)["dis"] > 0 and contrastive(2.5, 2.5)["dis"] == 0


# ------------------------------------------------------------------ triplet


def test_triplet_opening_setting():
    assert default("triplet") == {"positive_distance": 1.0, "negative_distance": 1.5,
                                  "negative_angle": 60.0, "margin": 1.0}
    s = sentence("the positive lies at distance 1")
    _number_in(s, "1.5", default("triplet")["negative_distance"])
    assert "at 60°" in s and "margin of 1" in s
    loss, region, (ga, gp, gn) = triplet()
    assert region == "semi-hard"
    s = sentence("so the\ntriplet is semi-hard and costs".replace("\n", " "))
    assert "1 + 1 − 1.5 = 0.5" in s
    _number_in(s, "0.5", loss)
    s = sentence("The gradients with respect to the three")
    for name, g in (("positive", gp), ("negative", gn), ("anchor", ga)):
        assert f"{name}: ({signed(g[0], 2)}, {signed(g[1], 2)})" in s, (name, g)
    for literal in ("1.00", "0.00", "−0.50", "−0.87", "0.87"):
        assert whole(literal).search(s), literal
    # The steps (minus the gradients): positive towards the anchor, negative away, anchor
    # towards the positive and away from the negative.
    p, n = np.array([1.0, 0.0]), 1.5 * np.array([np.cos(np.pi / 3), np.sin(np.pi / 3)])
    assert np.dot(-gp, -p) > 0.999 * np.linalg.norm(gp) * np.linalg.norm(p)
    assert np.dot(-gn, n) > 0.999 * np.linalg.norm(gn) * np.linalg.norm(n)
    assert np.dot(-ga, p) > 0 and np.dot(-ga, n) < np.dot(-ga, p)


def test_triplet_arrows_keep_their_length():
    _, _, (ga, gp, gn) = triplet()
    loss, region, (ha, hp, hn) = triplet(negative_distance=0.75)
    s = "bring the negative in to 0.75"
    quoted(s, "0.75", 0.75)
    quoted(s, "1.25", loss)
    assert region == "hard"
    for g, h in ((ga, ha), (gp, hp), (gn, hn)):
        np.testing.assert_allclose(np.linalg.norm(h), np.linalg.norm(g), atol=1e-5)
    np.testing.assert_allclose([np.linalg.norm(gp), np.linalg.norm(gn)], 1.0, atol=1e-5)  # unit vectors


def test_the_anchors_arrow_depends_on_the_angle():
    s = "With the negative at 60° it has length"
    lengths = {a: float(np.linalg.norm(triplet(negative_angle=a)[2][0])) for a in (60, 180, 0)}
    quoted(s, "1.00", lengths[60])
    quoted(s, "2.00", lengths[180])
    assert lengths[0] < 1e-5  # "it vanishes"
    quoted(s, "1.5", 1.5)
    assert "at 0°" in sentence(s) and "at 180°" in sentence(s)
    loss, region, grads = triplet(negative_distance=2.5)
    quoted("Push the negative out to 2.5", "2.5", 2.5)
    assert loss == 0 and region == "easy" and all(not g.any() for g in grads)


def test_collapse_costs_the_margin():
    z = np.zeros((3, 2))
    assert float(M.triplet(z[0], z[1], z[2], margin=1.0)) == 1.0
    assert float(M.triplet(z[0], z[1], z[2], margin=0.0)) == 0.0
    quoted("so every triplet costs exactly the margin", "1.00", float(M.triplet(z[0], z[1], z[2], margin=1.0)))


def test_triplet_things_to_try():
    """Around the anchor at 1.5 the loss stays the same; the positive out at 2 makes it hard."""
    losses = [triplet(negative_angle=a)[0] for a in range(0, 360, 30)]
    np.testing.assert_allclose(losses, 0.5, atol=1e-5)
    loss, region, _ = triplet(positive_distance=2.0)
    assert region == "hard" and loss == pytest.approx(1.5)
    assert "positive out to 2 with the negative at 1.5" in re.sub(r"\s+", " ", text_of())
    quoted("positive out to 2 with the negative at", "1.5", 1.5)


def test_the_regions_match_the_page():
    """The page's three definitions sort the widget's settings the way the engine's losses do."""
    for pd in np.arange(0.5, 2.51, 0.25):
        for nd in np.arange(0.25, 3.01, 0.25):
            for m in (0.5, 1.0, 1.5, 2.0):
                if abs(nd - pd - m) < 1e-9 or abs(nd - pd) < 1e-9:
                    continue  # on a boundary; eps decides
                loss, region, _ = triplet(pd, nd, 60.0, m)
                if region == "easy":
                    assert loss == 0
                elif region == "semi-hard":
                    assert 0 < loss < m
                else:
                    assert loss > m


# ------------------------------------------------------------------ ranking


def test_margin_ranking_example():
    s = sentence("Say the user picked A, whose score is 2.0")
    _number_in(s, "2.0", 2.0)
    _number_in(s, "2.5", 2.5)
    loss = float(M.margin_ranking(2.0, 2.5, 1, margin=1.0))
    s = sentence("and the loss is $\\max(0, -(2.0 - 2.5) + 1) = 1.5$")
    _number_in(s, "1.5", loss)
    g1, g2 = M.margin_ranking_grad(2.0, 2.5, 1, margin=1.0)
    s = sentence("Its gradient is −1 with respect to A's score")
    _number_in(s, "−1", float(g1))
    _number_in(s, "+1", float(g2))
    s = sentence("say 3.2 against 2.0")
    _number_in(s, "3.2", 3.2)
    _number_in(s, "2.0", 2.0)
    assert float(M.margin_ranking(3.2, 2.0, 1, margin=1.0)) == 0
    assert M.RANKING_MARGIN.default == 0.0
    quoted("With\nPyTorch's default margin of 0".replace("\n", " "), "0.5", float(M.margin_ranking(2.0, 2.5, 1)))
    # The pause-and-check answer.
    s = sentence("scored 2.0, over item B, scored 2.5")
    for literal in ("2.0", "2.5"):
        _number_in(s, literal, float(literal))
    s = sentence("The loss is $\\max(0, -(2.0 - 2.5) + 1) = 1.5$")
    _number_in(s, "1.5", loss)


# ------------------------------------------------------------------ boxes


def test_the_boxes_widget_description():
    s = sentence("The widget keeps a target box fixed at")
    assert "$(0, 0, 2, 2)$" in s and "$(1, 1)$" in s
    if "boxes" in WIDGETS:
        from lossdocs.widgets import boxes as bw
        assert bw.TARGET == tuple(TARGET) and bw.CENTRE == (1.0, 1.0)


def test_the_opening_boxes():
    assert default("boxes") == {"x_offset": 1.0, "y_offset": 0.5, "size": 2.0}
    pred = box()
    np.testing.assert_array_equal(pred, [1.0, 0.5, 3.0, 2.5])
    s = sentence("so it is the box")
    assert "$(1, 0.5, 3, 2.5)$" in s
    _number_in(s, "0.5", 0.5)
    _number_in(s, "2.5", pred[3])
    v = box_losses(pred)
    inter, union, enclosing = 1 * 1.5, 4 + 4 - 1 * 1.5, 3 * 2.5
    assert v["iou"] == pytest.approx(inter / union)
    assert v["giou"] == pytest.approx(inter / union - (enclosing - union) / enclosing)
    s = sentence("The two squares overlap in a patch")
    _number_in(s, "1.5", inter)
    assert "4 + 4 − 1.5 = 6.5" in s
    _number_in(s, "6.5", union)
    _number_in(s, "0.231", v["iou"])
    _number_in(s, "0.769", v["iou_loss"])
    s = sentence("The enclosing box runs from 0 to 3")
    _number_in(s, "2.5", 2.5)
    _number_in(s, "7.5", enclosing)
    assert "of which 1 is covered by neither box" in s and enclosing - union == 1
    assert "0.231 − 1/7.5 = 0.097" in s
    _number_in(s, "0.097", v["giou"])
    _number_in(s, "0.903", v["giou_loss"])
    quoted("The L1 loss is 0.75", "0.75", v["l1"])


def test_disjoint_boxes():
    pred = box(x_offset=3.0)
    v = box_losses(pred)
    assert v["iou_loss"] == 1.0 and not B.iou_loss_grad(pred, TARGET).any()
    quoted("clear of the target", "3", 3)
    g = B.giou_loss_grad(pred, TARGET)
    s = "The GIoU loss is 1.36"
    quoted(s, "1.36", v["giou_loss"])
    quoted(s, "0.16", g[0])
    quoted(s, "−0.032", g[2])
    # A step moves x1 left by more than x2 right: the centre moves towards the target, the box widens.
    assert -g[0] < 0 < -g[2] and abs(g[0]) > abs(g[2])
    v4 = box_losses(box(x_offset=4.0))
    s = "the GIoU loss has grown to"
    quoted(s, "1.47", v4["giou_loss"])
    assert v4["iou_loss"] == 1.0


def test_the_flat_shelf_on_the_plot():
    """For y offset 0 and size 2 the IoU loss is flat (1, gradient 0) exactly where |x| >= 2,
    while the GIoU loss keeps rising."""
    xs = np.arange(-16, 17) * 0.25
    iou_l = np.array([box_losses(box(x, 0.0, 2.0))["iou_loss"] for x in xs])
    giou_l = np.array([box_losses(box(x, 0.0, 2.0))["giou_loss"] for x in xs])
    assert np.array_equal(iou_l == 1.0, np.abs(xs) >= 2)
    right = xs >= 2
    assert np.all(np.diff(giou_l[right]) > 0)
    assert "set the y offset to 0 and the size to 2" in re.sub(r"\s+", " ", text_of())


def test_nested_boxes():
    pred = box(0.0, 0.0, 3.0)
    v = box_losses(pred)
    s = "both losses read 0.556"
    quoted(s, "0.556", v["iou_loss"])
    quoted(s, "0.556", v["giou_loss"])
    assert v["iou"] == pytest.approx(4 / 9) and "the IoU is 4/9" in sentence(s)
    quoted("The\nL1 loss is 0.5.".replace("\n", " "), "0.5", v["l1"])
    quoted("a square of side 3", "3", 3)
    # "Make the predicted box tiny, of side 0.5": inside the target, GIoU equals IoU.
    tiny = box_losses(box(0.0, 0.0, SPEC["boxes"]["size"][0]))
    assert tiny["giou_loss"] == tiny["iou_loss"]
    quoted("Make the predicted box tiny, of side", "0.5", SPEC["boxes"]["size"][0])


def test_scale():
    base = box_losses(box())
    scaled = box_losses(box(scale=10.0), TARGET * 10)
    s = "the IoU loss stays 0.769"
    quoted(s, "0.769", scaled["iou_loss"])
    quoted(s, "0.903", scaled["giou_loss"])
    quoted(s, "7.5", scaled["l1"])
    assert scaled["iou_loss"] == pytest.approx(base["iou_loss"]) and scaled["l1"] == pytest.approx(10 * base["l1"])
    quoted("Multiply every coordinate of the opening", "10", 10)


# ------------------------------------------------------------------ the applications map


def map_rows() -> list[list[str]]:
    body = text_of().split("## Which loss where", 1)[1].split("\n## ", 1)[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in body.splitlines()
            if line.startswith("|") and not re.fullmatch(r"[|\s:-]+", line)]
    return rows


def test_the_applications_map():
    rows = map_rows()
    assert rows[0] == ["Task", "Domain", "Usual loss"]
    body = rows[1:]
    assert len(body) >= 10 and all(len(r) == 3 for r in body)
    assert {r[1] for r in body} == {"Vision", "Language", "Recommendation"}
    losses = " ".join(r[2] for r in body).lower()
    for name in ("cross-entropy", "contrastive", "triplet", "ranking", "giou", "focal", "smooth l1", "mse"):
        assert name in losses, name
    # Narrow enough for a phone: three short columns, no cell a paragraph.
    assert all(len(c) <= 60 for r in body for c in r)


# ------------------------------------------------------------------ every decimal is checked


def test_every_decimal_on_the_page_is_asserted_in_this_file():
    missing = lessontools.unasserted_decimals(PAGE, __file__)
    assert not missing, f"numbers on the page that no test checks: {missing}"


# ------------------------------------------------------------------ state links


layout = lessontools.layout


def page_links() -> list[tuple[str, str]]:
    return lessontools.page_links(PAGE)


def on_grid(value: float, start: float, end: float, step: float) -> bool:
    k = (value - start) / step
    return start - 1e-9 <= value <= end + 1e-9 and abs(k - round(k)) < 1e-9


def check_state_link(link: str) -> dict[str, float]:
    """``page#widget?key=value&...`` lands on a page embedding that widget; every key of the
    widget is set once, in SPEC's order, to a value on its slider's grid (checked against the
    built widget too); returns the values."""
    path, fragment = link.split("#", 1)
    widget, query = fragment.split("?", 1)
    target = (LESSONS / path).resolve()
    assert target.is_file(), link
    assert widget in MARKER.findall(target.read_text(encoding="utf-8")), link
    pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    assert [k for k, _ in pairs] == list(SPEC[widget]), link
    for key, raw in pairs:
        assert on_grid(float(raw), *SPEC[widget][key][:3]), (link, key)
        assert isinstance(check_control(layout(widget), key, raw, link), Slider)
    return {k: float(v) for k, v in pairs}


def named_settings(widget: str, text: str) -> dict[str, float]:
    """Settings a link's text names, e.g. "negative at 0.75", "x offset of 3", "margin 2"."""
    patterns = {
        "contrastive": {"margin": r"margin (?:of |to |at )?([\d.]+)", "distance": r"distance (?:of |to |at )?([\d.]+)"},
        "triplet": {"positive_distance": r"positive (?:at|out to) ([\d.]+)",
                    "negative_distance": r"negative (?:at|in to|out to) ([\d.]+)(?![\d.°])",
                    "negative_angle": r"(\d+)°", "margin": r"margin (?:of |to |at )?([\d.]+)"},
        "boxes": {"x_offset": r"x offset (?:of |to |at )?(−?[\d.]+)",
                  "y_offset": r"y offset (?:of |to |at )?(−?[\d.]+)",
                  "size": r"(?:size|side) (?:of |to |at )?([\d.]+)"},
    }[widget]
    text = " ".join(text.split())  # link text may wrap across lines
    out = {}
    for key, pattern in patterns.items():
        if m := re.search(pattern, text):
            out[key] = float(m[1].replace("−", "-").rstrip("."))
    return out


def test_markers_are_known_widgets_and_placeholders_wait_for_theirs():
    text = text_of()
    markers = MARKER.findall(text)
    assert set(markers) <= set(WIDGETS), markers
    for widget, placeholder in PLACEHOLDERS.items():
        assert markers.count(widget) + text.count(placeholder) == 1, widget
        if widget in WIDGETS:
            assert widget in markers, f"{widget} is registered: swap in its marker"
    # In the order the page teaches them.
    order = [w for w in ("contrastive", "triplet", "boxes")]
    where = [text.index(f"<!-- widget: {w} -->") if w in markers else text.index(PLACEHOLDERS[w]) for w in order]
    assert where == sorted(where)


@pytest.mark.parametrize("widget", list(SPEC))
def test_the_widgets_sliders_are_the_spec(widget):
    if widget not in WIDGETS:
        pytest.skip(f"{widget} is not registered yet")
    for key, (start, end, step, value) in SPEC[widget].items():
        model = layout(widget).select_one({"name": key})
        assert isinstance(model, Slider), key
        assert (model.start, model.end, model.step, model.value) == pytest.approx((start, end, step, value)), key


def test_every_embedded_widget_has_state_links():
    links = [link for _, link in page_links()]
    for widget in MARKER.findall(text_of()):
        assert sum(f"{PAGE}#{widget}?" in link for link in links) >= 3, widget


@pytest.mark.parametrize("text, link", page_links() or [("", "")], ids=lambda v: str(v)[:70])
def test_state_link_opens_a_real_state(text, link):
    if not link:
        pytest.skip("no state links yet")
    values = check_state_link(link)
    widget = link.split("#", 1)[1].split("?", 1)[0]
    for key, value in named_settings(widget, text).items():
        assert values[key] == pytest.approx(value), (text, link, key)


# ------------------------------------------------------------------ structure

SECTIONS = [
    "What you will be able to do",
    "Learning a distance instead of a label",
    "Contrastive loss: pairs",
    "Triplet loss: closer than the negative",
    "Ranking: order, not value",
    "Boxes: scoring overlap",
    "A detector's loss has several terms",
    "Which loss where",
    "Things to try",
    "Pause and check",
    "Key takeaways",
    "What's next",
    "References",
]


def test_the_page_has_the_sections_in_order():
    assert re.findall(r"^## (.+)$", text_of(), flags=re.M) == SECTIONS
    assert re.findall(r"^### (.+)$", text_of(), flags=re.M) == ["Why the choice of negatives matters"]


def test_pause_and_check_answers_are_collapsible():
    body = text_of().split("## Pause and check", 1)[1].split("\n## ", 1)[0]
    questions = re.findall(r'^\?\?\? question "(.+)"$', body, flags=re.M)
    assert len(questions) >= 5 and all(q.endswith("?") for q in questions)


def test_links_into_the_rest_of_the_course():
    text = text_of()
    heading_links = {
        "classification.md#hinge-loss-and-the-margin": LESSONS / "classification.md",
        "classification.md#focal-loss-when-easy-examples-flood-the-data": LESSONS / "classification.md",
        "loss-landscape.md#losses-with-several-terms": LESSONS / "loss-landscape.md",
        "../reference/selection-guide.md#framework-conventions": DOCS / "reference" / "selection-guide.md",
    }
    for link, page in heading_links.items():
        assert f"]({link})" in text, link
        anchor = link.split("#", 1)[1]
        heads = re.findall(r"^#{2,3} (.+)$", page.read_text(encoding="utf-8"), flags=re.M)
        slugs = {re.sub(r"[^\w\s-]", "", h.lower()).strip().replace(" ", "-") for h in heads}
        assert anchor in slugs, link
    # The Smooth L1 identity the detector section points to is stated there.
    guide = (DOCS / "reference" / "selection-guide.md").read_text(encoding="utf-8")
    assert "`HuberLoss(delta=β)` divided by $\\beta$" in guide
    nxt = text.split("## What's next", 1)[1].split("\n## ", 1)[0]
    for page in ("selection-guide.md", "faq.md", "glossary.md"):
        assert f"(../reference/{page})" in nxt, page


def test_references_name_the_works():
    refs = text_of().split("## References", 1)[1]
    flat = re.sub(r"\s+", " ", refs)
    for authors, title, venue in (
        ("Raia Hadsell, Sumit Chopra and Yann LeCun", "Dimensionality reduction by learning an invariant mapping",
         "CVPR 2006"),
        ("Florian Schroff, Dmitry Kalenichenko and James Philbin",
         "FaceNet: a unified embedding for face recognition and clustering", "CVPR 2015"),
        ("Hamid Rezatofighi", "Generalized intersection over union", "CVPR 2019"),
        ("Tsung-Yi Lin", "Focal loss for dense object detection", "ICCV 2017"),
        ("Chris Burges", "Learning to rank using gradient descent", "ICML 2005"),
    ):
        entry = [e for e in flat.split("- ") if authors in e]
        assert len(entry) == 1, authors
        assert title in entry[0] and venue in entry[0], entry[0]


def test_the_engine_is_what_the_page_says():
    """Torch's conventions the page names: eps = 1e-6 in the distance, margins' defaults."""
    assert M.PAIR_EPS.default == 1e-6 and "$\\varepsilon = 10^{-6}$" in text_of()
    assert M.TRIPLET_MARGIN.default == 1.0 and M.CONTRASTIVE_MARGIN.default == 1.0
    a = np.zeros(2)
    assert 0 < float(M.pairwise_distance(a, a)) < 1e-5  # "a hair apart rather than at distance 0"


def test_each_widgets_first_link_opens_its_opening_state():
    """The first link to each widget is the state the widget opens in, which the text beside
    it describes."""
    firsts = {}
    for _, link in page_links():
        firsts.setdefault(link.split("#", 1)[1].split("?", 1)[0], link)
    assert set(firsts) == set(MARKER.findall(text_of()))
    for widget, link in firsts.items():
        assert check_state_link(link) == pytest.approx(default(widget)), link


def test_the_selection_guide_gains_the_new_families():
    """The guide's section on embeddings, rankings and boxes names each family with the
    formula the engine computes and links the lesson's sections (its table rows need widget
    states that tests/test_faq.py can check, so the families live in their own section)."""
    guide = (DOCS / "reference" / "selection-guide.md").read_text(encoding="utf-8")
    body = guide.split("## Embeddings, rankings and boxes", 1)[1].split("\n## ", 1)[0]
    for formula in (r"\tfrac12 d^2", r"\tfrac12 \max(0, m - d)^2", r"\max(0,\ d(a, p) - d(a, n) + m)",
                    r"\max(0,\ -y\,(x_1 - x_2) + m)", r"1 - \text{IoU}"):
        assert formula in body, formula
    assert "`MarginRankingLoss`" in body and "semi-hard" in body and "focal loss" in body
    heads = re.findall(r"^## (.+)$", text_of(), flags=re.M)
    slugs = {re.sub(r"[^\w\s-]", "", h.lower()).strip().replace(" ", "-") for h in heads}
    for anchor in re.findall(r"\(\.\./lessons/beyond\.md#([\w-]+)\)", body):
        assert anchor in slugs, anchor
    assert len(re.findall(r"\(\.\./lessons/beyond\.md#", body)) == 3
    assert "(#embeddings-rankings-and-boxes)" in guide.split("## Embeddings, rankings and boxes", 1)[0]
    # The engine computes what the guide writes.
    assert float(M.contrastive(0.5, 1, 1.0)) == 0.5 * 0.5 ** 2
    assert float(M.contrastive(0.5, 0, 2.0)) == 0.5 * (2.0 - 0.5) ** 2
    assert float(M.margin_ranking(1.0, 0.5, -1, margin=0.25)) == max(0.0, -(-1) * (1.0 - 0.5) + 0.25)
