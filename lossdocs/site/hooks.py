"""MkDocs hook for lossdocs: the one place where the package meets MkDocs.

Data flow: engine -> widget builders -> embedding -> **hook** (all in ``lossdocs.site``).

Thin on purpose: each function names the MkDocs event it handles and delegates.
Nothing is ever written into ``docs/`` (caches live in ``.cache/``, vendored
assets are added to the build as generated files), so ``mkdocs serve`` does not
rebuild in a loop.

Page markers, each on a line of its own: ``<!-- widget: NAME -->`` (an interactive
widget, a key of ``lossdocs.widgets.WIDGETS``) and ``<!-- table: NAME -->`` (a
generated table, a key of ``lossdocs.site.tables.TABLES``). ``MARKERS`` is the
dispatch dict; an unknown name fails the build, naming the page.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import CombinedEvent, event_priority
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from lossdocs import widgets
from lossdocs.site import embed, glossary, notebook, tables
from lossdocs.site.mathrender import VENDOR, KatexRenderer, MathError

MARKER = re.compile(r"<!--\s*(?P<kind>widget|table):\s*(?P<name>[^\s>]+)\s*-->")
IFRAME_WORKER = "assets/vendor/iframe-worker/shim.js"
PENDING = re.compile(r'<div class="lossdocs-pending" data-widget="(?P<name>[^"]+)" data-slot="(?P<slot>\d+)"></div>')


class _NotebookCacheLog(logging.Filter):
    """mkdocs-jupyter logs "Cache miss, writing: docs/…/engine.py", which reads as if
    the build wrote into docs/. It writes into .cache/; say that instead."""

    def filter(self, record):
        if str(record.msg).startswith("Cache miss, writing"):
            record.msg, record.args = "lossdocs: executed notebook %s (cached under .cache/)", (
                Path(str(record.args[0])).name,)
        return True


class _State:
    root: Path
    site_dir: Path
    cache: embed.WidgetCache
    katex: KatexRenderer
    searchable: dict  # page -> (typeset HTML, the same for search), between two events


state = _State()


def on_config(config):
    """on_config: locate the project, open the caches, keep Material's search shim local."""
    state.root = Path(config.config_file_path).resolve().parent
    state.site_dir = Path(config.site_dir)
    state.cache = embed.WidgetCache(state.root / ".cache" / "widgets")
    state.katex = KatexRenderer(state.root)
    state.searchable = {}
    state.glossary = glossary.anchors(config.docs_dir)
    notebook.quiet_kernel(state.root / ".cache" / "jupyter")
    notebook.steady_streams(state.root / ".cache" / "jupyter-config")
    notebook_log = logging.getLogger("mkdocs.plugins.mkdocs_jupyter")
    if not any(isinstance(f, _NotebookCacheLog) for f in notebook_log.filters):
        notebook_log.addFilter(_NotebookCacheLog())
    # Material's offline plugin adds an iframe-worker shim from a CDN unless one
    # is already listed; use our own copy so search works offline and from disk.
    polyfills = [p for p in config.extra.get("polyfills", []) if "iframe-worker" not in str(p)]
    config.extra["polyfills"] = polyfills + [IFRAME_WORKER]
    return config


def on_files(files, config):
    """on_files: add BokehJS, KaTeX's CSS and fonts and the search shim to the site."""
    vendored = embed.bokeh_assets() + state.katex.assets() + [
        (IFRAME_WORKER, VENDOR / "iframe-worker" / "shim.js"),
    ]
    for dest, src in vendored:
        if not src.is_file():
            raise PluginError(f"lossdocs: missing asset {src} (reinstall with `pip install -e .`).")
        files.append(File.generated(config, dest, abs_src_path=str(src)))
    return files


def on_nav(nav, config, files):
    """on_nav: start building the widgets the pages name, in worker processes (one per
    core): the heavy ones first, then the rest in the order MkDocs writes the pages
    (``files.documentation_pages()``). Pages are read meanwhile; each waits for its own
    widgets only when it is written (``_widgets_in_place``)."""
    if not embed.quick():
        names = []
        for file in files.documentation_pages():
            source = file.abs_src_path
            if source and Path(source).is_file():
                text = Path(source).read_text(encoding="utf-8")
                names += [m["name"] for m in MARKER.finditer(text)
                          if m["kind"] == "widget" and m["name"] in widgets.WIDGETS]
        names.sort(key=lambda name: not widgets.WIDGETS[name].heavy)  # stable: page order kept
        state.cache.prefetch(names)
    return nav


def _to_root(page) -> str:
    """The relative path from ``page`` to the site's root ("" or "../", ...)."""
    return get_relative_url("assets", page.file.url)[: -len("assets")]


def _widget(name: str, slot: int, prefix: str) -> str:
    if embed.quick():
        return embed.widget_html(name, slot, state.cache, prefix)
    # A stand-in until the page is written (see _widgets_in_place): reading a page never
    # waits for a widget, so the pages and the notebook go on while workers build them.
    return f'<div class="lossdocs-pending" data-widget="{name}" data-slot="{slot}"></div>'


def _table(name: str, slot: int, prefix: str) -> str:
    return tables.render(name)


# kind -> (known names, expander(name, slot) -> HTML)
MARKERS = {
    "widget": (widgets.WIDGETS, _widget),
    "table": (tables.TABLES, _table),
}


def on_page_markdown(markdown, page, config, files):
    """on_page_markdown: expand markers (widgets load BokehJS themselves, when needed)."""
    found = list(MARKER.finditer(markdown))
    if not found:
        return markdown
    for m in found:
        known, _ = MARKERS[m["kind"]]
        if m["name"] not in known:
            raise PluginError(
                f"lossdocs: page {page.file.src_uri} has a marker for unknown {m['kind']} "
                f"{m['name']!r}; known {m['kind']}s: {', '.join(sorted(known))}"
            )
    slots = iter(range(len(found)))
    prefix = _to_root(page)

    def expand(m):
        return "\n\n" + MARKERS[m["kind"]][1](m["name"], next(slots), prefix) + "\n\n"

    return MARKER.sub(expand, markdown)


def on_page_content(html, page, config, files):
    """on_page_content: link each abbreviation's first use to the glossary; typeset the
    page's formulas with KaTeX; give notebook cells stable ids (nbformat invents random
    ones on every read)."""
    html = notebook.stable_cell_ids(html)
    html = glossary.link_abbreviations(html, page.file.src_uri, page.file.dest_uri, state.glossary)
    try:
        typeset, searchable = state.katex.render_html(html, page.file.src_uri)
    except MathError as err:
        raise PluginError(f"lossdocs: {err}") from err
    state.searchable[page.file.src_uri] = (typeset, searchable)
    return typeset


@event_priority(110)
def _widgets_in_place(context, page, config, nav):
    """on_page_context, first of all: each widget's slot where its marker's stand-in is.
    MkDocs reads every page before it writes any; a page waits here, as it is written,
    for the widgets it embeds, and a widget's error fails the build from its page."""
    found = {m[0]: m for m in PENDING.finditer(page.content or "")}
    if not found:
        return context
    prefix = _to_root(page)
    slots = {text: embed.widget_html(m["name"], int(m["slot"]), state.cache, prefix)
             for text, m in found.items()}

    def put(html):
        return PENDING.sub(lambda m: slots[m[0]], html)

    page.content = put(page.content)
    if page.file.src_uri in state.searchable:
        state.searchable[page.file.src_uri] = tuple(map(put, state.searchable[page.file.src_uri]))
    return context


@event_priority(100)
def _search_sees_plain_math(context, page, config, nav):
    """on_page_context, before the search plugin: it indexes each formula once, as text."""
    typeset, searchable = state.searchable.get(page.file.src_uri, (None, None))
    if typeset is not None and page.content == typeset:
        page.content = searchable
    return context


@event_priority(-100)
def _readers_see_typeset_math(context, page, config, nav):
    """on_page_context, after the search plugin: the page itself keeps KaTeX's output."""
    typeset, searchable = state.searchable.pop(page.file.src_uri, (None, None))
    if typeset is not None and page.content == searchable:
        page.content = typeset
    return context


on_page_context = CombinedEvent(_widgets_in_place, _search_sees_plain_math, _readers_see_typeset_math)


def on_post_page(output, page, config):
    """on_post_page: move each widget's data out of the page into a script of its own
    under ``assets/widgets/``, which the loader fetches only when the widget is wanted;
    prune a notebook page's inline JupyterLab stylesheet to the rules it can use."""
    prefix = _to_root(page)
    output, items = embed.move_items_out(output, prefix)
    if "jupyter-wrapper" in output:  # a notebook page: only the CSS it can use; code cells scrollable by keys
        output = notebook.focusable_code(notebook.prune_page_styles(output))
    folder = Path(config.site_dir) / embed.ITEM_DIR
    for name, text in items.items():
        path = folder / name
        if not path.is_file():  # named by the hash of its content
            folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
    return output


def on_post_build(config):
    """on_post_build: persist the formula cache, close KaTeX's V8 context and stop the
    widget workers."""
    state.katex.save()
    state.katex.close()
    state.cache.close()


def on_shutdown():
    """on_shutdown: close KaTeX's V8 context and stop the widget workers if a build left
    them running."""
    for held in (getattr(state, "katex", None), getattr(state, "cache", None)):
        if held is not None:
            held.close()


def on_build_error(error):
    """on_build_error: close KaTeX's V8 context, stop the widget workers and remove
    partial output, so a failed build leaves no half-written site."""
    on_shutdown()
    site = getattr(state, "site_dir", None)
    serving = site is not None and site.name.startswith("mkdocs_") and \
        Path(tempfile.gettempdir()) in site.parents
    if site is not None and site.is_dir() and not serving:
        shutil.rmtree(site, ignore_errors=True)
