"""Math at build time: KaTeX turns every formula into HTML before the page ships.

``pymdownx.arithmatex`` (generic mode) leaves ``<span class="arithmatex">\\(...\\)</span>``
and ``<div class="arithmatex">\\[...\\]</div>`` in the page. :func:`render_html`
replaces each with KaTeX's HTML (plus MathML for screen readers), so formulas
show with JavaScript off and no math library is downloaded by the reader; only
KaTeX's stylesheet and fonts are, from the site itself.

KaTeX comes from the npm registry (``npm ci`` installs it into ``node_modules``)
and runs under Node.js once per page that has formulas; results are cached in
memory and on disk (``.cache/katex.json``) so an unchanged rebuild starts no Node.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).with_name("katex_render.js")
PATTERN = re.compile(
    r'<(span|div) class="arithmatex">(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<display>.*?)\\\])</\1>',
    re.S,
)


class MathError(RuntimeError):
    pass


class KatexRenderer:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.katex = self.root / "node_modules" / "katex"
        self.cache_file = self.root / ".cache" / "katex.json"
        self.cache: dict[str, str] = {}
        self.dirty = False
        if self.cache_file.is_file():
            self.cache = json.loads(self.cache_file.read_text(encoding="utf-8"))

    def version(self) -> str:
        return json.loads((self.katex / "package.json").read_text())["version"]

    def check(self) -> None:
        if not (self.katex / "package.json").is_file():
            raise MathError(
                f"KaTeX is not installed at {self.katex}: run `npm ci` in {self.root} "
                "(the README's first command does)."
            )
        if shutil.which("node") is None:
            raise MathError("Node.js (`node`) is needed to render math with KaTeX at build time.")

    def _key(self, tex: str, display: bool) -> str:
        return f"{int(display)}{tex}"

    def render_many(self, jobs: list[tuple[str, bool]], where: str) -> list[str]:
        todo = sorted({j for j in jobs if self._key(*j) not in self.cache})
        if todo:
            self.check()
            proc = subprocess.run(
                ["node", str(SCRIPT), str(self.katex)],
                input=json.dumps(todo), capture_output=True, text=True, check=False,
            )
            if proc.returncode != 0:
                raise MathError(f"KaTeX failed on {where}: {proc.stderr.strip()}")
            for (tex, display), result in zip(todo, json.loads(proc.stdout)):
                if "error" in result:
                    raise MathError(f"{where}: cannot render formula {tex!r}: {result['error']}")
                self.cache[self._key(tex, display)] = result["html"]
            self.dirty = True
        return [self.cache[self._key(*j)] for j in jobs]

    def render_html(self, page_html: str, where: str) -> str:
        matches = list(PATTERN.finditer(page_html))
        if not matches:
            return page_html
        jobs = [
            (html.unescape(m["inline"] if m["inline"] is not None else m["display"]).strip(),
             m["display"] is not None)
            for m in matches
        ]
        rendered = iter(self.render_many(jobs, where))

        def sub(m):
            tag = "div" if m["display"] is not None else "span"
            return f'<{tag} class="lossdocs-math">{next(rendered)}</{tag}>'

        return PATTERN.sub(sub, page_html)

    def save(self) -> None:
        if self.dirty:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.cache_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.cache, sort_keys=True), encoding="utf-8")
            tmp.replace(self.cache_file)
            self.dirty = False

    def assets(self) -> list[tuple[str, Path]]:
        """(site path, file) for KaTeX's stylesheet and fonts."""
        dist = self.katex / "dist"
        out = [("assets/vendor/katex/katex.min.css", dist / "katex.min.css")]
        for font in sorted((dist / "fonts").glob("*.woff2")):
            out.append((f"assets/vendor/katex/fonts/{font.name}", font))
        return out
