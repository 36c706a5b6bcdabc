"""Site-wide abbreviations lead to the glossary: each page links the first plain use of
every abbreviation the glossary defines to its entry (lossdocs/site/glossary.py)."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from conftest import ROOT

from lossdocs.site import glossary

IDS = {"mse", "mae", "sgd"}


def test_first_plain_use_is_linked_and_the_rest_left_alone():
    html = ('<h2><abbr title="Mean squared error">MSE</abbr> first</h2>'
            '<p>Try <a href="x"><abbr title="Mean squared error">MSE</abbr></a> and '
            '<code><abbr title="Mean absolute error">MAE</abbr></code>, then '
            '<abbr title="Mean squared error">MSE</abbr> and <abbr title="Mean squared error">MSE</abbr> '
            'and <abbr title="Mean absolute error">MAE</abbr> and <abbr title="Unknown">XYZ</abbr>.</p>')
    out = glossary.link_abbreviations(html, "lessons/a.md", "lessons/a.html", IDS)
    soup = BeautifulSoup(out, "html.parser")
    links = soup.select("a.lossdocs-glossary")
    assert [(a["href"], a.get_text()) for a in links] == [
        ("../reference/glossary.html#mse", "MSE"), ("../reference/glossary.html#mae", "MAE")]
    assert not soup.h2.select("a"), "no link inside a heading"
    assert soup.code.get_text() == "MAE" and not soup.code.select("a")
    assert out.count("<abbr") == html.count("<abbr"), "every abbreviation keeps its tooltip"


def test_relative_addresses_and_the_glossary_page_itself():
    assert glossary.glossary_url("index.html") == "reference/glossary.html"
    assert glossary.glossary_url("reference/faq.html") == "glossary.html"
    assert glossary.glossary_url("notebooks/engine.html") == "../reference/glossary.html"
    html = '<p><abbr title="Mean squared error">MSE</abbr></p>'
    assert glossary.link_abbreviations(html, "reference/glossary.md", "reference/glossary.html", IDS) == html
    assert glossary.link_abbreviations(html, "index.md", "index.html", set()) == html


def test_the_glossary_defines_every_site_wide_abbreviation():
    ids = glossary.anchors(ROOT / "docs")
    abbreviations = re.findall(r"^\*\[([^\]]+)\]:", (ROOT / "docs/includes/abbreviations.md").read_text(), re.M)
    assert abbreviations and {a.lower() for a in abbreviations} <= ids


def test_built_pages_link_each_abbreviations_first_use_to_its_entry(site_dir):
    ids = glossary.anchors(ROOT / "docs")
    checked = 0
    for page in sorted(site_dir.rglob("*.html")):
        rel = page.relative_to(site_dir).as_posix()
        if rel in ("reference/glossary.html", "404.html"):
            continue
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        article = soup.select_one("article") or soup
        first = {}
        for abbr in article.find_all("abbr"):
            if abbr.find_parent(["h1", "h2", "h3", "h4", "h5", "h6", "code", "pre"]):
                continue
            parent = abbr.find_parent("a")
            if parent is not None and "lossdocs-glossary" not in (parent.get("class") or []):
                continue
            first.setdefault(abbr.get_text().strip().lower(), abbr)
        for slug, abbr in first.items():
            if slug not in ids:
                continue
            link = abbr.find_parent("a")
            assert link is not None and link["href"].endswith(f"glossary.html#{slug}"), (
                f"{rel}: the first plain {abbr.get_text()} does not link to the glossary")
            checked += 1
    assert checked >= 20
