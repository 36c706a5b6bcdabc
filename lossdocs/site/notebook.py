"""The notebook page: Bokeh figures that use the site's BokehJS, and the notebook cache.

Not part of the widget data flow; used by ``docs/notebooks/engine.py`` (which
mkdocs-jupyter executes at build time) and by the ``mkdocs-jupyter`` block of
``mkdocs.yml``.

* :func:`show` turns a Bokeh figure into notebook output that the built page
  draws without any CDN: a ``<div>``, a ``<script>`` tag loading the site's own
  ``bokeh.min.js``, and an inline script that pushes the figure's ``json_item``
  onto ``window.lossdocsQueue``, which ``docs/assets/lossdocs.js`` (on every page)
  embeds once BokehJS is there -- exactly like the lessons' widgets, including a
  ``<noscript>`` static SVG of the figure's lines for readers without JavaScript.
* :func:`stable_cell_ids` makes a rendered notebook page the same on every build
  (for ``hooks.on_page_content``; see its docstring).
* :func:`cache_dir` is where mkdocs-jupyter keeps the executed page. The plugin keys
  its cache on the notebook's text and its own options only, so an edit to the
  engine would otherwise leave stale outputs on the page; the folder is named after
  a fingerprint of this package (and of the versions that shape the page), so any
  such change means a fresh run. It lives under ``.cache/`` beside ``mkdocs.yml``,
  never in ``docs/``, so ``mkdocs serve`` does not rebuild in a loop.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import shutil
import sys
from html import escape
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
from bokeh.embed import json_item
from bokeh.models import GlyphRenderer, Line, Plot

from lossdocs.site import embed, svg
from lossdocs.widgets import style

__all__ = ["Figure", "cache_dir", "fingerprint", "show", "stable_cell_ids", "steady_streams"]

CACHE_SUBDIR = Path(".cache") / "mkdocs-jupyter"
CELL_ID = re.compile(r'\bid="cell-id=[^"]*"')
# Packages whose version changes what the executed page looks like.
_VERSIONED = ("mkdocs-jupyter", "nbconvert", "nbclient", "jupytext")


def fingerprint() -> str:
    """Changes whenever the package, Python, numpy/Bokeh or the notebook toolchain change."""
    h = hashlib.sha256(embed.fingerprint().encode())
    h.update(f"python {sys.version_info[:3]}".encode())
    for name in _VERSIONED:
        try:
            h.update(f"{name} {version(name)}".encode())
        except PackageNotFoundError:
            h.update(f"{name} -".encode())
    return h.hexdigest()[:16]


KERNEL_NAME = "lossdocs-python3"


def quiet_kernel(data_dir: Path) -> None:
    """Register the kernel the notebook page runs on (``kernel_name`` in mkdocs.yml):
    this Python, logging errors only. ipykernel otherwise warns on every build that its
    loopback TCP sockets are unencrypted, which a static build can do nothing about.
    The kernelspec lives in ``data_dir`` (under ``.cache/``), found through JUPYTER_PATH.
    """
    spec = Path(data_dir) / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
            "--IPKernelApp.log_level=ERROR"]
    text = json.dumps({"argv": argv, "display_name": "lossdocs build", "language": "python"}, indent=1)
    if not (spec / "kernel.json").is_file() or (spec / "kernel.json").read_text() != text:
        (spec / "kernel.json").write_text(text)
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if str(data_dir) not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(data_dir), *paths])


STEADY_STREAMS_CONFIG = """\
# Written by lossdocs (lossdocs/site/notebook.py, steady_streams): merge consecutive
# stream outputs after the notebook has run, not only before.
c.CoalesceStreamsPreprocessor.enabled = True
c.HTMLExporter.default_preprocessors.append("nbconvert.preprocessors.CoalesceStreamsPreprocessor")
"""


def steady_streams(config_dir: Path) -> None:
    """Make the notebook page's printed output the same on every build.

    A cell's ``print`` reaches the page as the kernel flushed it: usually one stream
    output, but on a busy machine the text and its final newline can arrive in two
    flushes, and the page then shows two output blocks (two clean builds differed in
    exactly that). nbconvert can merge consecutive streams, but for HTML its merge is
    off, and in its list of steps it comes before the notebook is executed. A Jupyter
    config file in ``config_dir`` (under ``.cache/``), which the nbconvert app that
    mkdocs-jupyter creates reads through JUPYTER_CONFIG_PATH, turns it on and runs it
    once more after execution.
    """
    config_dir = Path(config_dir)
    config_dir.mkdir(parents=True, exist_ok=True)
    config = config_dir / "jupyter_nbconvert_config.py"
    if not config.is_file() or config.read_text() != STEADY_STREAMS_CONFIG:
        config.write_text(STEADY_STREAMS_CONFIG)
    paths = [p for p in os.environ.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p]
    if str(config_dir) not in paths:
        os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(config_dir), *paths])


def cache_dir(config_dir: str | os.PathLike) -> str:
    """``<config_dir>/.cache/mkdocs-jupyter/<fingerprint>``, for mkdocs-jupyter's ``cache_dir``.

    Folders of other fingerprints are removed: their pages were made from sources
    that are no longer there. (The plugin evicts stale entries inside the folder.)
    """
    root = Path(os.path.abspath(os.fspath(config_dir))) / CACHE_SUBDIR
    here = root / fingerprint()
    if root.is_dir():
        for old in root.iterdir():
            if old == here:
                continue
            if old.is_dir():
                shutil.rmtree(old)
            else:
                old.unlink()
    return str(here)


class Figure:
    """Notebook output for one Bokeh figure (rich display via ``_repr_html_``)."""

    def __init__(self, html: str, name: str):
        self.html = html
        self.name = name

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<lossdocs figure {self.name!r}: drawn by BokehJS on the site's page>"


def _site_look(model) -> None:
    """Transparent plots without the Bokeh logo, so the site's light/dark palette shows through
    (``lossdocs.js`` re-colours axes, grids and legend text when the reader switches)."""
    for plot in model.select({"type": Plot}):
        plot.background_fill_color = None
        plot.border_fill_color = None
        plot.outline_line_color = None
        if plot.toolbar is not None:
            plot.toolbar.logo = None
            plot.toolbar.active_drag = None  # a finger on the plot scrolls the page
            plot.toolbar.active_scroll = None
            style.toolbar(plot)
        for legend in plot.legend:
            legend.background_fill_color = None
            legend.border_line_color = None


def _value(spec):
    """A Bokeh property that holds one value (``"x"``, ``value("x")`` or ``{"value": "x"}``)."""
    if isinstance(spec, dict):
        return spec.get("value", spec.get("field"))
    return getattr(spec, "value", getattr(spec, "field", spec))


def _fallback_svg(plot: Plot, caption: str) -> str:
    """The figure's line glyphs as a static SVG (``lossdocs.site.svg``), for readers without
    JavaScript; other glyphs are left out."""
    labels = {}
    for legend in plot.legend:
        for item in legend.items:
            for renderer in item.renderers:
                labels[renderer.id] = str(_value(item.label) or "")
    series = []
    for renderer in plot.renderers:  # in the order they were added, as the legend lists them
        if not isinstance(renderer, GlyphRenderer) or not isinstance(renderer.glyph, Line):
            continue
        glyph, data = renderer.glyph, renderer.data_source.data
        series.append(svg.Series(
            np.asarray(data[_value(glyph.x)], float), np.asarray(data[_value(glyph.y)], float),
            labels.get(renderer.id, ""), str(_value(glyph.line_color)),
            dashed=bool(glyph.line_dash) and glyph.line_dash != "solid",
            width=float(_value(glyph.line_width)),
        ))
    if not series:
        return ""

    def limits(rng, values) -> tuple[float, float]:
        start, end = getattr(rng, "start", None), getattr(rng, "end", None)
        if not all(isinstance(v, (int, float)) and np.isfinite(v) for v in (start, end)):
            # a data range (NaN until BokehJS fills it in): the data's extent
            finite = np.concatenate([v[np.isfinite(v)] for v in values])
            start, end = float(finite.min()), float(finite.max())
        return float(start), float(end)

    chart = svg.Chart(
        title=plot.title.text if plot.title is not None and plot.title.text else caption,
        xlabel=str(plot.xaxis[0].axis_label or "") if plot.xaxis else "",
        ylabel=str(plot.yaxis[0].axis_label or "") if plot.yaxis else "",
        xlim=limits(plot.x_range, [s.x for s in series]),
        ylim=limits(plot.y_range, [s.y for s in series]),
        series=series,
    )
    return svg.render(chart, desc=caption)


def show(plot: Plot, name: str, caption: str, prefix: str = "../") -> Figure:
    """Embed ``plot`` (a Bokeh figure) in the notebook page, drawn with the site's own
    BokehJS, like the lessons' widgets: in a frame, with a ``<noscript>`` static picture
    of its lines and ``caption`` for readers without JavaScript. ``prefix`` leads from
    the page to the site's root: the notebook is at ``notebooks/engine.html``, so
    ``"../"``. Model ids are made stable (``lossdocs-nb-<name>-N``), so two builds write
    the same page."""
    if not isinstance(plot, Plot):
        raise TypeError(f"show() takes a Bokeh figure, got {type(plot).__name__}")
    _site_look(plot)
    target = f"lossdocs-nb-{name}"
    item = embed._stable_ids(json_item(plot, target=None), target)
    height = int(plot.height or 400)  # + the slot's padding and border, wide and narrow
    html = embed.slot_html(f"nb-{name}", target, item, _fallback_svg(plot, caption), escape(caption),
                           prefix, (height + 18, height + 10))
    return Figure(html, name)


def stable_cell_ids(html: str) -> str:
    """Number the cells of a rendered notebook page in page order (``id="nb-cell-1"``, ...).

    nbformat gives every cell a random id each time a notebook is read (jupytext's
    ``.py`` carries none), and nbconvert writes it into the page as
    ``id="cell-id=1c27d5e6"``, so two clean builds of the same notebook differ there
    and only there. Nothing links to these ids. (``cell-N`` is taken: mkdocs-jupyter's
    copy buttons use it.) Meant for ``on_page_content`` of notebook pages, which runs
    whether the page came from mkdocs-jupyter's cache or a fresh run.
    """
    counter = itertools.count(1)
    return CELL_ID.sub(lambda m: f'id="nb-cell-{next(counter)}"', html)


_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S)
_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_CLASS_ATTR = re.compile(r'class="([^"]*)"')
_KEEP_AT = ("@font-face", "@keyframes", "@-webkit-keyframes", "@charset", "@import", "@property", "@page",
            "@counter-style", "@layer")
PRUNE_ABOVE = 50_000  # only stylesheets larger than this are pruned (JupyterLab's, ~570 KB)


def _blocks(css: str):
    """Top-level pieces of a stylesheet: (prelude, body) for each block, or (statement, None)."""
    i, n = 0, len(css)
    while i < n:
        j = i
        while j < n and css[j] not in "{;":
            if css[j] == "/" and css.startswith("/*", j):
                j = css.find("*/", j + 2)
                j = n if j < 0 else j + 2
                continue
            j += 1
        if j >= n:
            if css[i:].strip():
                yield css[i:], None
            return
        if css[j] == ";":
            yield css[i:j + 1], None
            i = j + 1
            continue
        depth, k = 1, j + 1
        while k < n and depth:
            if css[k] == "{":
                depth += 1
            elif css[k] == "}":
                depth -= 1
            k += 1
        yield css[i:j], css[j + 1:k - 1]
        i = k


def _split_selectors(prelude: str) -> list[str]:
    out, depth, start = [], 0, 0
    for k, ch in enumerate(prelude):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(prelude[start:k])
            start = k + 1
    out.append(prelude[start:])
    return out


def prune_css(css: str, classes: set[str]) -> str:
    """Drop the rules of ``css`` none of whose selectors can match: a selector naming a
    class that is nowhere in the page (outside :not(...)) matches nothing. At-rules that
    hold rules (@media, @supports) are pruned inside; others are kept as they are."""
    out = []
    for prelude, body in _blocks(css):
        head = prelude.strip()
        if body is None:
            out.append(prelude)
        elif head.startswith("@"):
            if head.startswith(_KEEP_AT):
                out.append(f"{prelude}{{{body}}}")
            else:
                inner = prune_css(body, classes)
                if inner.strip():
                    out.append(f"{prelude}{{{inner}}}")
        else:
            selectors = _split_selectors(head)
            live = [s for s in selectors
                    if all(c in classes for c in _CLASS.findall(re.sub(r":not\([^)]*\)", "", s)))]
            if live:
                out.append(f"{','.join(live)}{{{body}}}")
    return "".join(out)


def focusable_code(html: str) -> str:
    """Notebook code cells scroll sideways when a line is long; a keyboard reader can only
    scroll what can take focus, so each cell's code area is in the Tab order (as
    Material's own code blocks are)."""
    return html.replace('<div class="highlight-ipynb', '<div tabindex="0" class="highlight-ipynb')


def prune_page_styles(html: str) -> str:
    """Shrink the notebook page's inline JupyterLab stylesheet to the rules that can
    match the page (for ``hooks.on_post_page``): 570 KB of CSS, most of it for widgets
    and panels a static notebook never shows, cost phones bytes and style time."""
    classes = {c for attr in _CLASS_ATTR.findall(_STYLE.sub("", html)) for c in attr.split()}

    def sub(m):
        css = m.group(2)
        if len(css) < PRUNE_ABOVE:
            return m.group(0)
        return m.group(1) + prune_css(css, classes) + m.group(3)

    return _STYLE.sub(sub, html)
