"""Embedding: turn a widget name into the HTML that shows it on a page.

Data flow: engine -> widget builders -> **embedding** (site layer) -> hook.

Prerendered, then hydrated. A widget slot on the page holds:

* the engine-drawn static figure of the widget's opening state (an SVG from
  ``lossdocs.site.figures``), shown at once and to readers without JavaScript,
  with a caption describing it;
* an empty ``<div>`` that BokehJS renders the live widget into;
* the widget's ``json_item``: written inline as ``<script type="application/json">``,
  then moved by the hook (:func:`move_items_out`) into a script file of its own under
  ``assets/widgets/``, named by its content's hash, which the loader fetches with
  BokehJS. The first load pays for none of it.

The slot reserves the live widget's height (``Widget.heights``), so the swap from
figure to widget shifts nothing. The site loader (``docs/assets/lossdocs.js``)
loads BokehJS, from the slot's ``data-bokeh`` folder, only when a widget nears the
viewport, is touched or focused, or is named by the address, and then swaps the
live widget in where the figure stood. This works served and from ``file://``.

Built widgets are cached on disk under a fingerprint of the package's own source
files and the numpy/Bokeh versions, so a rebuild with nothing changed reuses them
byte for byte. Model ids are renamed to stable, widget-scoped ids, so two clean
builds of the same commit produce identical pages.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import bokeh
import numpy as np
from bokeh.embed import json_item
from bokeh.settings import settings

from lossdocs import widgets
from lossdocs.site import figures

PACKAGE = Path(__file__).resolve().parents[1]  # the whole lossdocs package
BOKEH_STATIC = Path(bokeh.__file__).parent / "server" / "static" / "js"
BOKEH_FILES = ("bokeh.min.js", "bokeh-widgets.min.js")
BOKEH_DIR = f"assets/vendor/bokeh-{bokeh.__version__}"
QUICK_ENV = "LOSSDOCS_QUICK"


def quick() -> bool:
    """True when the author asked for a prose-only build (``LOSSDOCS_QUICK=1``)."""
    return os.environ.get(QUICK_ENV, "").strip().lower() not in ("", "0", "false", "no")


def bokeh_assets() -> list[tuple[str, Path]]:
    """(site path, source file) for every BokehJS file a widget page loads."""
    return [(f"{BOKEH_DIR}/{name}", BOKEH_STATIC / name) for name in BOKEH_FILES]


def fingerprint(package: Path = PACKAGE) -> str:
    """Changes whenever anything that shapes a widget's output changes: the name and
    contents of every .py, .js and .css file of ``package`` (this lossdocs package unless
    told otherwise, e.g. a test's modified copy) and the Bokeh and numpy versions."""
    package = Path(package)
    h = hashlib.sha256()
    h.update(f"bokeh {bokeh.__version__} numpy {np.__version__}".encode())
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".js", ".css") and "__pycache__" not in path.parts:
            h.update(path.relative_to(package).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _stable_ids(item: dict, prefix: str) -> dict:
    """Rename Bokeh's process-global ids (p1001, ...) to ``prefix-N`` in order."""
    mapping: dict[str, str] = {}

    def walk(node):
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key in ("id", "root_id") and isinstance(value, str):
                    value = mapping.setdefault(value, f"{prefix}-{len(mapping)}")
                out[key] = walk(value)
            return out
        if isinstance(node, (list, tuple)):  # Bokeh's map entries are tuples
            return [walk(v) for v in node]
        return node

    return walk(item)


def build_widget(name: str) -> dict:
    """Build one widget from scratch: its json_item and its no-JS fallback.

    Bokeh gzips every array before base64-encoding it into the page, by default
    at level 2; the page's own compression cannot shrink base64 of gzip, so we
    ask for level 9 (a third smaller for the landscape's colour codes).
    """
    widget = widgets.get(name)
    settings.compression_level.set_value(9)
    try:
        item = json_item(widget.build(), target=None)
    finally:
        settings.compression_level.unset_value()
    item = _stable_ids(item, f"lossdocs-{name}")
    figure_svg, text = figures.figure(name)
    return {"item": item, "fallback_svg": figure_svg, "fallback_text": text}


def cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _build_on_disk(directory: str, name: str) -> None:
    """In a worker process: build one widget into the cache folder (see ``prefetch``)."""
    WidgetCache(Path(directory)).get(name)


class WidgetCache:
    """Built widgets, in memory and on disk, keyed by name and source fingerprint.

    A clean build spends most of its time building widgets (a training grid, hundreds of
    robust fits), and each widget is independent of the others. ``prefetch`` starts the
    ones not on disk in worker processes, one per core, while the build goes on with its
    pages; ``get`` then waits only for the widget it needs. Each worker writes its widget
    to disk exactly as ``get`` would (ids are renamed per widget, so a widget built in a
    worker is byte for byte the one built here). Without a second core, or if workers
    cannot start, every widget is built here, as before.
    """

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.memory: dict[str, dict] = {}
        self.pending: dict[str, Future] = {}
        self.pool: ProcessPoolExecutor | None = None

    def _path(self, name: str) -> Path:
        return self.directory / f"{name}-{fingerprint()}.json"

    def prefetch(self, names, workers: int | None = None) -> list[str]:
        """Start building, in worker processes, each of ``names`` not yet on disk; returns
        the names started. ``workers`` defaults to :func:`cores`; with fewer than two,
        nothing is started."""
        workers = cores() if workers is None else workers
        todo = [n for n in dict.fromkeys(names) if n not in self.pending and not self._path(n).is_file()]
        if workers < 2 or not todo:
            return []
        if self.pool is None:
            try:  # spawn: a fresh interpreter, never a fork of one with V8's threads running
                self.pool = ProcessPoolExecutor(min(workers, len(todo)),
                                                mp_context=multiprocessing.get_context("spawn"))
            except (OSError, ImportError, NotImplementedError):
                return []  # no process pool on this system (no semaphores): build here
        for name in todo:
            self.pending[name] = self.pool.submit(_build_on_disk, str(self.directory), name)
        return todo

    def close(self) -> None:
        """Stop the workers; a widget not built yet is built here if it is asked for."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        self.pending.clear()

    def get(self, name: str) -> dict:
        key = f"{name}-{fingerprint()}"
        if key in self.memory:
            return self.memory[key]
        job = self.pending.pop(name, None)
        if job is not None:
            try:
                job.result()  # a widget's own error is raised here, as if built here
            except BrokenProcessPool:
                pass  # the worker died: build it here instead
        path = self.directory / f"{key}.json"
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
        else:
            data = build_widget(name)
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data), encoding="utf-8")
            tmp.replace(path)
        self.memory[key] = data
        return data


def _script_json(data) -> str:
    """JSON safe to place inside an inline <script>."""
    # Key order matters: Bokeh defines each model at its first occurrence.
    # Both stand-ins are JSON escapes, so JSON.parse reads the text back unchanged. The
    # backslash-bang used before for "<!--" is not one: such an item would not have parsed.
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "\\u003c!--")


def slot_html(name: str, target: str, item: dict, figure_svg: str, text: str, prefix: str,
              heights: tuple[int, int] | None = None) -> str:
    """One widget slot: the static figure, the root the live widget goes into, and its
    ``json_item`` as inert JSON. ``prefix`` leads from the page to the site's root;
    ``heights`` (wide, narrow screens, px) are what the live widget will take."""
    item = dict(item, target_id=target)
    style = f' style="--lossdocs-h: {heights[0]}px; --lossdocs-h-narrow: {heights[1]}px"' if heights else ""
    return (
        f'<div class="lossdocs-widget" data-widget="{name}" data-state="static" '
        f'data-bokeh="{prefix}{BOKEH_DIR}/"{style}>\n'
        f'<figure class="lossdocs-figure">{figure_svg}'
        f'<figcaption>{text}</figcaption></figure>\n'
        f'<div class="lossdocs-widget__root" id="{target}"></div>\n'
        f'<script type="application/json" class="lossdocs-item">{_script_json(item)}</script>\n'
        f"</div>"
    )


ITEM_DIR = "assets/widgets"
INLINE_ITEM = re.compile(
    r'<script (?=[^>]*class="lossdocs-item")(?=[^>]*type="application/json")[^>]*>(?P<json>.+?)</script>', re.S)


def item_script(json_text: str) -> tuple[str, str]:
    """A widget's json_item as a script file for ``assets/widgets/``: (file name, text).
    The script registers the item under its file name (the hash of its content), so a
    page that loads it finds it in ``window.lossdocsItems``; a script tag (unlike a
    fetch) works from ``file://`` too. The slot's own target id is not in it, so the same
    widget on two pages is one file."""
    item = json.loads(json_text)
    item.pop("target_id", None)
    text = _script_json(item)
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    # JSON.parse of a string is faster than evaluating the same object as code.
    registry = "(window.lossdocsItems = window.lossdocsItems || {})"
    body = f"{registry}[{json.dumps(key)}] = JSON.parse({json.dumps(text)})\n"
    return f"{key}.js", body


def move_items_out(page_html: str, prefix: str) -> tuple[str, dict[str, str]]:
    """Replace every inline widget item on a page by a reference to its script file:
    (the page, {file name: script text}). ``prefix`` leads from the page to the site root."""
    files: dict[str, str] = {}

    def sub(m):
        name, body = item_script(m["json"])
        files[name] = body
        return f'<script type="application/json" class="lossdocs-item" data-src="{prefix}{ITEM_DIR}/{name}"></script>'

    return INLINE_ITEM.sub(sub, page_html), files


def widget_html(name: str, slot: int, cache: WidgetCache, prefix: str) -> str:
    """The HTML for one widget marker; ``slot`` numbers widgets within a page and
    ``prefix`` leads from the page to the site's root."""
    if quick():
        widgets.get(name)  # unknown names still fail a quick build
        return (
            f'<div class="lossdocs-widget lossdocs-widget--skipped" data-widget="{name}">'
            f"Widget <code>{name}</code> skipped: quick build ({QUICK_ENV}=1).</div>"
        )
    data = cache.get(name)
    return slot_html(name, f"lossdocs-{name}-{slot}", data["item"], data["fallback_svg"],
                     data["fallback_text"], prefix, widgets.get(name).heights)
