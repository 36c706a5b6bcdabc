"""Site-wide abbreviations lead to the glossary: on every page, the first use of each
abbreviation that the glossary defines becomes a link to its entry.

Data flow: called by the hook (``on_page_content``) on each page's HTML, before the
formulas are typeset. The glossary's anchors are read from its Markdown source (its
headings and terms carry ``{ #id }``), so nothing depends on the order pages are built.

An abbreviation's tooltip (``<abbr title>``) cannot hold a link, hence the link around
the first one. Uses inside a link, a heading, code or a formula's source are left alone,
and so is the glossary page itself.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

GLOSSARY = "reference/glossary.md"
ANCHOR = re.compile(r"\{\s*#([A-Za-z0-9_-]+)\s*\}")
# The tags that open or close a region where an abbreviation must stay plain text.
REGION = re.compile(r"<(/?)(a|h[1-6]|code|pre|script|style)\b[^>]*>|<abbr\b[^>]*>([^<]*)</abbr>", re.I)


def anchors(docs_dir: str | Path) -> set[str]:
    """The ids the glossary page defines (empty when there is no glossary)."""
    path = Path(docs_dir) / GLOSSARY
    if not path.is_file():
        return set()
    return set(ANCHOR.findall(path.read_text(encoding="utf-8")))


def glossary_url(page_url: str) -> str:
    """The glossary page's address relative to the page at ``page_url`` (a built path such
    as ``lessons/loss-functions.html``)."""
    here = posixpath.dirname(page_url)
    return posixpath.relpath(GLOSSARY.replace(".md", ".html"), here or ".")


def link_abbreviations(html: str, page_src: str, page_url: str, ids: set[str]) -> str:
    """``html`` with the first plain use of each glossary abbreviation wrapped in a link."""
    if not ids or page_src == GLOSSARY:
        return html
    target = glossary_url(page_url)
    depth = 0
    seen: set[str] = set()
    out, last = [], 0
    for m in REGION.finditer(html):
        if m.group(2):
            depth += -1 if m.group(1) else 1
            depth = max(depth, 0)
            continue
        text = m.group(3).strip()
        slug = text.lower()
        if depth or slug in seen or slug not in ids:
            continue
        seen.add(slug)
        out.append(html[last:m.start()])
        out.append(f'<a class="lossdocs-glossary" href="{target}#{slug}">{m.group(0)}</a>')
        last = m.end()
    out.append(html[last:])
    return "".join(out)
