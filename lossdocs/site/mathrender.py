"""Math at build time: KaTeX turns every formula into HTML before the page ships.

``pymdownx.arithmatex`` (generic mode) leaves ``<span class="arithmatex">\\(...\\)</span>``
and ``<div class="arithmatex">\\[...\\]</div>`` in the page. :func:`KatexRenderer.render_html`
replaces each with KaTeX's HTML (plus MathML for screen readers), so formulas
show with JavaScript off and no math library is downloaded by the reader; only
KaTeX's stylesheet and the fonts a page uses are, from the site itself.

KaTeX's own ``katex.min.js`` (vendored in ``lossdocs/site/vendor/katex``) runs in
V8 embedded through ``mini-racer`` from PyPI: no Node.js, no npm. The V8 context
is opened on the first formula that is not cached and closed when the build ends
(:meth:`KatexRenderer.close`; a context left open hangs interpreter exit on
Python 3.13). Results are cached in memory and on disk (``.cache/katex.json``),
keyed by the KaTeX version too, so an unchanged rebuild starts no V8 at all.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

VENDOR = Path(__file__).parent / "vendor"
KATEX_DIR = VENDOR / "katex"
PATTERN = re.compile(
    r'<(span|div) class="arithmatex">(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<display>.*?)\\\])</\1>',
    re.S,
)
# Runs once in a fresh V8 context after katex.min.js: render a JSON list of
# [tex, displayMode] jobs and return a JSON list of {html} or {error}.
_RENDER_ALL = """
globalThis.lossdocsRender = (jobs) => JSON.stringify(JSON.parse(jobs).map(([tex, display]) => {
  try {
    return {html: katex.renderToString(tex, {displayMode: display, throwOnError: true,
                                             output: "htmlAndMathml", strict: "ignore"})}
  } catch (err) {
    return {error: String(err.message || err)}
  }
}))
"""


class MathError(RuntimeError):
    pass


_MATH = re.compile(r"<math\b.*?</math>", re.S)
_ANNOTATION = re.compile(r"<annotation\b.*?</annotation>", re.S)
_TAG = re.compile(r"<[^>]+>")
_CELL_END = re.compile(r"</m(?:td|tr)>")


def plain_text(katex_html: str) -> str:
    """A formula as one readable line of text for site search: the MathML's text
    (e.g. "±δ"), without KaTeX's visible HTML or the TeX source, both of which
    would otherwise be indexed too (KaTeX writes each formula three times)."""
    math = _MATH.search(katex_html)
    # Cells of a matrix or of cases (mtd, mtr) read as separate words.
    text = _TAG.sub("", _CELL_END.sub(" ", _ANNOTATION.sub("", math.group(0)))) if math else ""
    text = " ".join(text.split())
    return html.escape(html.unescape(text).replace("\u200b", ""), quote=False)


def katex_version() -> str:
    """The vendored KaTeX's version, as recorded in ``vendor/VENDORED.json``."""
    return json.loads((VENDOR / "VENDORED.json").read_text(encoding="utf-8"))["katex"]["version"]


class KatexRenderer:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.cache_file = self.root / ".cache" / "katex.json"
        self.version = katex_version()
        self.cache: dict[str, str] = {}
        self.dirty = False
        self._ctx = None
        if self.cache_file.is_file():
            stored = json.loads(self.cache_file.read_text(encoding="utf-8"))
            if stored.get("katex") == self.version:
                self.cache = stored.get("formulas", {})

    def _context(self):
        """The V8 context with KaTeX loaded, opened on first use."""
        if self._ctx is None:
            from py_mini_racer import MiniRacer

            ctx = MiniRacer()
            try:
                ctx.eval((KATEX_DIR / "katex.min.js").read_text(encoding="utf-8"))
                ctx.eval(_RENDER_ALL)
            except Exception:
                ctx.close()
                raise
            self._ctx = ctx
        return self._ctx

    def close(self) -> None:
        """Close the V8 context (at the end of every build, failed or not)."""
        if self._ctx is not None:
            self._ctx.close()
            self._ctx = None

    @staticmethod
    def _key(tex: str, display: bool) -> str:
        return f"{int(display)}{tex}"

    def render_many(self, jobs: list[tuple[str, bool]], where: str) -> list[str]:
        todo = sorted({j for j in jobs if self._key(*j) not in self.cache})
        if todo:
            results = json.loads(self._context().call("lossdocsRender", json.dumps(todo)))
            for (tex, display), result in zip(todo, results):
                if "error" in result:
                    raise MathError(f"{where}: cannot render formula {tex!r}: {result['error']}")
                self.cache[self._key(tex, display)] = result["html"]
            self.dirty = True
        return [self.cache[self._key(*j)] for j in jobs]

    def render_html(self, page_html: str, where: str) -> tuple[str, str]:
        """The page with every formula typeset, and the same page for site search, where
        each formula is its plain text once (:func:`plain_text`)."""
        matches = list(PATTERN.finditer(page_html))
        if not matches:
            return page_html, page_html
        jobs = [
            (html.unescape(m["inline"] if m["inline"] is not None else m["display"]).strip(),
             m["display"] is not None)
            for m in matches
        ]
        done = self.render_many(jobs, where)
        typeset, searchable = iter(done), iter(done)

        def sub(m):
            tag = "div" if m["display"] is not None else "span"
            return f'<{tag} class="lossdocs-math">{next(typeset)}</{tag}>'

        def sub_text(m):
            tag = "div" if m["display"] is not None else "span"
            return f"<{tag}> {plain_text(next(searchable))} </{tag}>"

        return PATTERN.sub(sub, page_html), PATTERN.sub(sub_text, page_html)

    def save(self) -> None:
        if self.dirty:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.cache_file.with_suffix(".tmp")
            data = {"katex": self.version, "formulas": self.cache}
            tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
            tmp.replace(self.cache_file)
            self.dirty = False

    @staticmethod
    def assets() -> list[tuple[str, Path]]:
        """(site path, file) for KaTeX's stylesheet and fonts."""
        out = [("assets/vendor/katex/katex.min.css", KATEX_DIR / "katex.min.css")]
        for font in sorted((KATEX_DIR / "fonts").glob("*.woff2")):
            out.append((f"assets/vendor/katex/fonts/{font.name}", font))
        return out
