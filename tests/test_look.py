"""What a reader sees around the widgets: search snippets, the active tab, and the
controls in the dark palette (checked in pixels)."""

from __future__ import annotations

import numpy as np
import pytest
from pagetools import hydrate, image, next_frames, open_page, scroll_into_view

pytestmark = pytest.mark.browser


def search_snippets(page, term: str) -> list[str]:
    page.locator(".md-search__input").focus()
    page.keyboard.type(term, delay=20)
    page.wait_for_selector(".md-search-result__item", timeout=10_000)
    page.wait_for_timeout(300)
    return page.locator(".md-search-result__item").all_inner_texts()


def test_search_from_disk_shows_each_formula_once_as_text(browser, site_dir):
    context, page, log = open_page(browser, (site_dir / "index.html").as_uri(), live=False)
    try:
        # Lesson one says Huber's slope is "clipped flat at ±δ": a formula in a snippet.
        text = "\n".join(search_snippets(page, "clipped"))
        assert "clipped flat at" in text, text[:300]
        assert "\\" not in text, "TeX source in the search snippets"
        assert "±δ" in text and "±δ±δ" not in text.replace(" ", ""), "the formula is not shown once as text"
        assert log.problems() == []
    finally:
        context.close()


def test_search_keeps_table_headings_apart(browser, site_dir):
    context, page, log = open_page(browser, (site_dir / "index.html").as_uri(), live=False)
    try:
        text = " ".join(search_snippets(page, "Concept"))
        assert "ConceptPros" not in text and "gradientConcept" not in text, text[:300]
        assert log.problems() == []
    finally:
        context.close()


def test_the_active_tab_is_marked(browser, server):
    context, page, log = open_page(browser, server.url + "reference/faq.html", live=False)
    try:
        tabs = page.locator(".md-tabs__item")
        marks = [tabs.nth(i).locator(".md-tabs__link").evaluate(
            "(a) => [a.closest('.md-tabs__item').classList.contains('md-tabs__item--active'),"
            " getComputedStyle(a).textDecorationLine, getComputedStyle(a).fontWeight]")
            for i in range(tabs.count())]
        active = [m for m in marks if m[0]]
        others = [m for m in marks if not m[0]]
        assert len(active) == 1 and others
        assert active[0][1] == "underline" and all(m[1] == "none" for m in others), marks
        assert log.problems() == []
    finally:
        context.close()


def luminance(png: bytes) -> float:
    return float((np.asarray(image(png)).astype(float) @ np.array([0.299, 0.587, 0.114])).mean())


def dark_page(browser, url: str):
    context, page, log = open_page(browser, url, color_scheme="dark")
    page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
    hydrate(page)
    next_frames(page, 3)
    return context, page, log


def shadow_element(page, model_name: str, selector: str):
    """The element ``selector`` inside the view of the Bokeh model named ``model_name``."""
    handle = page.evaluate_handle("""([name, sel]) => {
      for (const doc of Bokeh.documents) for (const m of doc.all_models) {
        if (m.name !== name) continue
        const v = Bokeh.index.find_one(m)
        if (v) return v.shadow_el.querySelector(sel)
      }
      return null
    }""", [model_name, selector]).as_element()
    assert handle is not None, f"no {selector} in {model_name}"
    return handle


def test_dark_mode_controls_do_not_glare(browser, server):
    """On the slate palette the explorer's slider tracks and the landscape's disabled
    select are dark, like the page, not Bokeh's white and bright grey."""
    context, page, log = dark_page(browser, server.url + "lessons/loss-functions.html")
    try:
        background = luminance(page.locator("article").first.screenshot())
        for name in ("target_slider", "param_huber_delta"):
            track = shadow_element(page, name, ".noUi-target")
            scroll_into_view(track)
            pixels = np.asarray(image(track.screenshot())).astype(float)
            right = pixels[2:-2, -pixels.shape[1] // 8:-4]  # the track right of the handle: no bar
            assert (right @ np.array([0.299, 0.587, 0.114])).mean() < 110, f"the {name} track glares"
            left = pixels[2:-2, 4:pixels.shape[1] // 8]  # the filled bar left of the handle
            assert (left @ np.array([0.299, 0.587, 0.114])).mean() < 160, f"the {name} bar glares"  # Bokeh's: 230
        assert background < 110
        assert log.problems() == []
    finally:
        context.close()
    context, page, log = dark_page(browser, server.url + "lessons/loss-landscape.html")
    try:
        select = shadow_element(page, "param_huber_delta", "select")
        assert select.evaluate("(s) => s.disabled"), "Huber's δ select should be disabled under MSE"
        scroll_into_view(select)
        assert luminance(select.screenshot()) < 110, "the disabled select is a bright box on the dark page"
        # The lines between toolbar buttons take the page's faint foreground, not white.
        colours = page.evaluate("""() => {
          const out = []
          for (const doc of Bokeh.documents) for (const m of doc.all_models) {
            if (m.type !== "Toolbar") continue
            const v = Bokeh.index.find_one(m)
            for (const d of v ? v.shadow_el.querySelectorAll(".bk-divider") : []) {
              out.push(getComputedStyle(d).backgroundColor)
            }
          }
          return out
        }""")
        assert colours, "no toolbar divider found"
        for c in colours:
            rgba = [float(v) for v in c[c.index("(") + 1:-1].split(",")]
            alpha = rgba[3] if len(rgba) == 4 else 1.0
            assert sum(rgba[:3]) / 3 * alpha < 110, f"a toolbar divider is {c} on the dark page"
        assert log.problems() == []
    finally:
        context.close()


@pytest.mark.parametrize("profile", ["desktop", "phone"])
def test_served_search_fetches_its_index_only_when_wanted_and_then_works(browser, server, profile):
    """The search index is the largest file a first load would fetch: it comes only when
    the reader reaches for search (here: focus on the field, or a tap on the phone's
    search icon), and search then finds lesson text."""
    options = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True) if profile == "phone" else {}
    context, page, log = open_page(browser, server.url + "lessons/walking-downhill.html", live=False, **options)
    try:
        page.wait_for_timeout(1500)
        assert not [u for u in log.requests if "search_index" in u], "the index came before anyone searched"
        if profile == "phone":
            icon = page.locator("label.md-header__button[for='__search']")
            box = icon.bounding_box()
            page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        else:
            page.locator(".md-search__input").click()
        page.keyboard.type("momentum", delay=20)
        page.wait_for_selector(".md-search-result__item", timeout=10_000)
        assert any("search_index" in u for u in log.requests)
        assert any("omentum" in t for t in page.locator(".md-search-result__item").all_inner_texts())
        assert log.problems() == []
    finally:
        context.close()
