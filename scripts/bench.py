#!/usr/bin/env python
"""lossdocs bench: how fast the site builds, how heavy its pages are, how quickly widgets answer.

Run on demand (never from the test suite)::

    .venv/bin/python scripts/bench.py [--runs N] [--json PATH]

It prints one markdown table (``measure | value | budget | ok``) under a header
line naming the date (UTC) and the machine (platform, cores, Chromium, Python,
Bokeh), and exits 1 if any budget is missed, 0 otherwise. Progress goes to
stderr, so stdout is only the report. ``--json PATH`` also writes every raw
number (all timing samples, every file each page loaded).

Measures and budgets
--------------------

Engine (no budget)
    Wall time of ``curves.explorer_atlas()`` (every curve the explorer can
    show) and of ``embed.build_widget(name)`` for each name in
    ``widgets.WIDGETS`` (Bokeh models, ``json_item`` and the no-JS fallback),
    in this process, best of 3.

Clean build (budget <= 20 s)
    Wall time of ``python -m mkdocs build --strict --site-dir <temp dir>`` run
    after deleting ``.cache/`` (built widgets, KaTeX output, the executed notebook). All
    are regenerable caches (the build writes them
    again), so deleting them costs nothing but the time measured here. The
    command runs with ``NO_MKDOCS_2_WARNING=1`` and without ``LOSSDOCS_QUICK``,
    so it is the full build a reader's site comes from.

No-change rebuild (budget <= 5 s)
    The same command again right after, caches warm: the edit-and-rebuild loop.

First-load weight, per page (widget page <= 800 KB gzip, other page <= 250 KB gzip)
    Every ``*.html`` of the built site except ``404.html`` is opened in
    headless Chromium (``browser.launch``; 1280x900 viewport; a fresh
    browser context per page, so nothing is cached), served from 127.0.0.1 by
    ``browser.SiteServer``, with ``browser.watch`` aborting
    every non-local request. Every response until network idle plus 1 s is
    counted: the HTML and every local file it pulls in (JS, CSS, fonts, search
    index and worker, images). The value is the sum of the raw bodies and the
    sum of each body gzipped on its own at level 6 (Python's ``gzip``), which
    is roughly what a static host serving compressed files sends. A page is a
    widget page when it has a ``.lossdocs-widget`` holding a Bokeh root
    (``.lossdocs-widget__root``). 1 KB = 1000 bytes, 1 MB = 1000 KB.

Browser problems (must be none)
    Console errors, page errors, blocked (non-local) and failed requests that
    ``watch`` recorded on any page, during the load or the latency runs, and
    widgets that never rendered. Each page with problems gets a failed row.

Input -> paint latency, per control (budget: p95 <= 33 ms, two 60 Hz frames)
    Every control of every widget: the models of each ``Bokeh.documents``
    entry whose type the page-side ``NEXT`` table knows (Slider and Select
    today; adding a type is one entry there). Each run, inside the page:

    1. wait 50 ms, so each change is a discrete input (a click, a key press)
       and BokehJS's 60 fps paint throttle is not what is measured;
    2. pick the control's next value (a slider's next step, a select's next
       option; both wrap around), take ``t0 = performance.now()`` and set it
       with ``model.setv({value})``, as the widget's own input handler does.
       Its ``js_on_change`` callbacks run, and the plots ask to be repainted;
    3. follow frame ends: ``requestAnimationFrame(() => setTimeout(...))``.
       The rAF callback runs in the next frame after BokehJS's own rAF paint
       callback (registered earlier, during the change); the timeout runs once
       that frame's main-thread rendering (style, layout, paint recording) is
       done. Every BokehJS plot view is hooked (``schedule_paint``, ``paint``,
       ``_actual_paint``), so the bench knows which repaints are still owed:
       the throttle may defer one, and a ResizeObserver may ask for another
       after a frame (a relayout). A change is settled at the first frame end
       with no repaint owed, confirmed by two more frame ends in which nothing
       is asked for or drawn (those confirming frames are not counted);
    4. the sample is settled time minus ``t0``: the callbacks, every canvas
       draw the change caused, the browser's rendering of those frames, and the
       wait for them to start. Not included: rasterisation and compositing off
       the main thread, and display scan-out. The JSON also holds, per run, the
       end of the first frame in which a plot drew ("first draw", shown as its
       p95 in the row), the earliest moment the new curve can be on screen.

    Two untimed warm-up runs come first; the row shows the median and p95
    (nearest rank) of N timed runs (``--runs``, default 40). A run in which no
    plot drew is left out of the statistics and counted; a run that has not
    settled after 2 s is a failure. A control whose runs never change a pixel
    of its widget's canvases (hashed after each run until one differs) fails:
    it changes nothing. A slider named ``param_<loss>_<param>`` only matters
    while ``<loss>`` is shown, so the widget's Select offering ``<loss>``
    (``primary_select`` first) is switched to it before the runs. Each control
    (and that Select) is put back as it was afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import bokeh

from lossdocs import curves, widgets
from lossdocs.site import embed

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the browser harness lives with the tests
from browser import HOW_TO_GET_ONE, SiteServer, find_chromium, launch, watch  # noqa: E402
CACHES = (ROOT / ".cache",)  # widgets, KaTeX output, executed notebook: all regenerable

KB = 1000
WIDGET_PAGE_BUDGET = 800 * KB
PLAIN_PAGE_BUDGET = 250 * KB
CLEAN_BUILD_BUDGET_S = 20.0
REBUILD_BUDGET_S = 5.0
LATENCY_P95_BUDGET_MS = 33.0

ENGINE_REPEATS = 3
VIEWPORT = {"width": 1280, "height": 900}
SETTLE_AFTER_IDLE_MS = 1000
RENDER_TIMEOUT_MS = 15_000
WARMUP_RUNS = 2
GAP_MS = 50
RUN_TIMEOUT_MS = 2000
QUIET_FRAMES = 2

NONE = "—"

# Page-side helpers, installed once per page as window.__lossdocsBench.
BENCH_JS = r"""
() => {
  if (window.__lossdocsBench) return

  // The attributes that move each control type to its "next" value. Only the
  // model types listed here are benched; to add one, add an entry, e.g.
  //   Toggle: (m) => ({active: !m.active}),
  //   RadioButtonGroup: (m) => ({active: (m.active + 1) % m.labels.length}),
  //   RangeSlider: (m) => ({value: [m.start, m.value[1] === m.end ? m.start + m.step : m.value[1] + m.step]}),
  const NEXT = {
    Slider(m) {
      const last = Math.round((m.end - m.start) / m.step)
      const i = Math.round((m.value - m.start) / m.step)
      return {value: Math.min(m.end, m.start + ((i + 1) % (last + 1)) * m.step)}
    },
    Select(m) {
      const values = optionValues(m)
      return {value: values[(values.indexOf(m.value) + 1) % values.length]}
    },
  }

  function optionValues(select) {
    let list = select.options
    if (list instanceof Map) list = [...list.values()].flat()          // grouped options
    else if (!Array.isArray(list)) list = Object.values(list).flat()
    return list.map((o) => (Array.isArray(o) ? o[0] : o))                // [value, label] pairs
  }

  // --- Paint tracking: hook every BokehJS view that paints a canvas (plots).
  let seq = 0
  const tracked = []
  function track(view) {
    const s = {asked: 0, served: 0, draws: 0}
    const {schedule_paint, paint, _actual_paint} = view
    view.schedule_paint = function (...a) { s.asked = ++seq; return schedule_paint.apply(this, a) }
    view.paint = function (...a) { s.served = ++seq; return paint.apply(this, a) }
    view._actual_paint = function (...a) { s.draws++; return _actual_paint.apply(this, a) }
    tracked.push(s)
  }
  const isPainter = (v) => v != null && ["schedule_paint", "paint", "_actual_paint"]
    .every((k) => typeof v[k] === "function")
  const docs = [...Bokeh.documents]
  for (const doc of docs) {
    for (const model of doc.all_models) {
      const view = Bokeh.index.find_one(model)
      if (isPainter(view)) track(view)
    }
  }
  const totalDraws = () => tracked.reduce((n, s) => n + s.draws, 0)
  const pending = () => tracked.some((s) => s.asked > s.served)

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
  const frameEnd = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))

  // Set attributes, then follow frame ends until every repaint they caused is
  // drawn and `quiet` more frames pass with no paint asked for or made (a
  // ResizeObserver may ask for one after a frame). `ms` is the end of the
  // frame that settled it; the quiet frames only confirm and are not counted.
  async function change(model, attrs, {timeoutMs, quiet}) {
    const since = seq
    const draws = totalDraws()
    const t0 = performance.now()
    model.setv(attrs)
    let first = null, settled = null, settledSeq = -1, calm = 0
    for (;;) {
      await frameEnd()
      const now = performance.now() - t0
      if (first === null && totalDraws() > draws) first = now
      if (pending()) {
        settled = null
      } else if (settled === null || seq !== settledSeq) {
        settled = now; settledSeq = seq; calm = 0
      } else if (++calm >= quiet) {
        const asked = tracked.some((s) => s.asked > since)
        return {ms: settled, first, timeout: false, painted: asked && totalDraws() > draws}
      }
      if (now > timeoutMs) return {ms: now, first, timeout: true, painted: false}
    }
  }

  // --- Which widget a document is, and what its canvases show.
  function rootElements(doc) {
    return doc.roots().map((root) => Bokeh.index.find_one(root)?.el).filter((el) => el != null)
  }
  function widgetName(doc, d) {
    for (const el of rootElements(doc)) {
      const host = el.closest(".lossdocs-widget")
      if (host) return host.dataset.widget
    }
    return `document ${d}`
  }
  function canvases(node, out = []) {
    if (node instanceof HTMLCanvasElement) out.push(node)
    if (node.shadowRoot) canvases(node.shadowRoot, out)
    for (const child of node.children ?? []) canvases(child, out)
    return out
  }
  function pixelHash(doc) {
    let h = 0x811c9dc5
    for (const el of rootElements(doc)) {
      for (const c of canvases(el)) {
        const ctx = c.width && c.height ? c.getContext("2d") : null
        if (!ctx) continue
        const px = new Uint32Array(ctx.getImageData(0, 0, c.width, c.height).data.buffer)
        for (let i = 0; i < px.length; i++) h = Math.imul(h ^ px[i], 16777619)
      }
    }
    return h >>> 0
  }

  // A slider param_<loss>_<param> matters only while <loss> is selected.
  function prerequisite(model, doc) {
    const m = /^param_(.+)$/.exec(model.name ?? "")
    if (!m) return null
    const selects = [...doc.all_models].filter((x) => x.type === "Select")
    selects.sort((a, b) => (b.name === "primary_select") - (a.name === "primary_select"))
    for (const select of selects) {
      const loss = optionValues(select).filter((v) => m[1].startsWith(v + "_"))
        .sort((a, b) => b.length - a.length)[0]
      if (loss !== undefined) return {select, value: loss, before: select.value}
    }
    return null
  }

  function find(id) {
    for (const doc of docs) {
      const model = doc.get_model_by_id(id)
      if (model) return {model, doc}
    }
    throw new Error(`no model ${id}`)
  }

  function controls() {
    const out = []
    docs.forEach((doc, d) => {
      const widget = widgetName(doc, d)
      for (const m of doc.all_models) {
        if (m.type in NEXT) out.push({id: m.id, type: m.type, name: m.name ?? m.id, widget})
      }
    })
    return out
  }

  async function measure(id, {runs, warmup, gapMs, ...wait}) {
    const {model, doc} = find(id)
    const out = {samples: [], first: [], warmup: [], unpainted: 0, timeouts: 0, pixelsChanged: false, setup: null}
    const original = Object.fromEntries(Object.keys(NEXT[model.type](model)).map((k) => [k, model[k]]))
    const setup = prerequisite(model, doc)
    if (setup) {
      out.setup = `${setup.select.name} = ${setup.value}`
      await change(setup.select, {value: setup.value}, wait)
    }
    const before = pixelHash(doc)
    for (let i = 0; i < warmup + runs; i++) {
      await sleep(gapMs)
      const r = await change(model, NEXT[model.type](model), wait)
      if (r.timeout) { out.timeouts++; continue }
      if (!r.painted) { out.unpainted++; continue }
      if (i < warmup) { out.warmup.push(r.ms); continue }
      out.samples.push(r.ms)
      out.first.push(r.first)
      if (!out.pixelsChanged) out.pixelsChanged = pixelHash(doc) !== before
    }
    await change(model, original, wait)
    if (setup) await change(setup.select, {value: setup.before}, wait)
    return out
  }

  window.__lossdocsBench = {controls, measure, painters: tracked.length}
}
"""

WIDGETS_RENDERED_JS = """
() => {
  const roots = [...document.querySelectorAll(".lossdocs-widget .lossdocs-widget__root")]
  return roots.length > 0 && window.Bokeh !== undefined && Bokeh.documents !== undefined
    && Bokeh.documents.length >= roots.length && roots.every((r) => r.children.length > 0)
}
"""


# --------------------------------------------------------------------------- report


@dataclass
class Row:
    measure: str
    value: str
    budget: str = NONE
    ok: bool | None = None  # None: no budget

    @property
    def mark(self) -> str:
        return NONE if self.ok is None else ("✓" if self.ok else "✗")


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    raw: dict = field(default_factory=dict)

    def add(self, *rows: Row) -> None:
        self.rows.extend(rows)

    @property
    def missed(self) -> list[Row]:
        return [r for r in self.rows if r.ok is False]


def note(message: str) -> None:
    """Progress on stderr, so stdout stays the report."""
    print(f"· {message}", file=sys.stderr, flush=True)


def fmt_bytes(n: float) -> str:
    return f"{n / KB / KB:.2f} MB" if n >= KB * KB else f"{n / KB:.1f} KB"


def fmt_ms(ms: float) -> str:
    return f"{ms:.1f} ms"


def fmt_s(s: float) -> str:
    return f"{s:.2f} s"


def p95(samples: list[float]) -> float:
    """95th percentile, nearest rank."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def table(rows: list[Row]) -> str:
    """A markdown table padded so it also reads well as plain text."""
    cells = [("measure", "value", "budget", "ok")] + [(r.measure, r.value, r.budget, r.mark) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]

    def line(c):
        return "| " + " | ".join(text.ljust(w) for text, w in zip(c, widths)) + " |"

    rule = "|" + "|".join(("-" * (w + 2)) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule] + [line(c) for c in cells[1:]])


# --------------------------------------------------------------------------- engine


def best_of(fn, repeats: int = ENGINE_REPEATS) -> list[float]:
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return samples


def measure_engine(report: Report) -> None:
    jobs = {"curves.explorer_atlas()": curves.explorer_atlas}
    for name in widgets.WIDGETS:
        jobs[f"embed.build_widget({name!r})"] = lambda name=name: embed.build_widget(name)
    report.raw["engine_s"] = {}
    for label, fn in jobs.items():
        note(f"engine: {label}")
        samples = best_of(fn)
        report.raw["engine_s"][label] = samples
        report.add(Row(f"engine · {label}", f"{min(samples) * 1000:.0f} ms (best of {len(samples)})"))


# --------------------------------------------------------------------------- builds


def mkdocs_build(site_dir: Path) -> tuple[float, subprocess.CompletedProcess]:
    """Wall time of one strict build into ``site_dir``, and the finished process."""
    env = {k: v for k, v in os.environ.items() if k != embed.QUICK_ENV}
    env["NO_MKDOCS_2_WARNING"] = "1"
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - t0, proc


def clear_caches() -> None:
    """Delete the regenerable build caches, so the next build starts cold."""
    for path in CACHES:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def build_row(label: str, seconds: float, budget: float, proc) -> Row:
    if proc.returncode != 0:
        tail = " ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        return Row(label, f"FAILED (exit {proc.returncode}): {tail}", f"≤ {budget:g} s", False)
    return Row(label, fmt_s(seconds), f"≤ {budget:g} s", seconds <= budget)


def measure_builds(report: Report, site_dir: Path) -> bool:
    """Clean build, then a no-change rebuild; True if the site was built."""
    note("build: clean (caches deleted)")
    clear_caches()
    clean_s, proc = mkdocs_build(site_dir)
    report.add(build_row("build · clean (`mkdocs build --strict`)", clean_s, CLEAN_BUILD_BUDGET_S, proc))
    report.raw["build_s"] = {"clean": clean_s}
    if proc.returncode != 0:
        return False
    note("build: no-change rebuild")
    warm_s, proc = mkdocs_build(site_dir)
    report.add(build_row("build · no-change rebuild", warm_s, REBUILD_BUDGET_S, proc))
    report.raw["build_s"]["rebuild"] = warm_s
    return proc.returncode == 0


# --------------------------------------------------------------------------- pages


def site_pages(site_dir: Path) -> list[str]:
    return sorted(
        p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html") if p.name != "404.html"
    )


def open_page(browser, url: str):
    """Load ``url`` in a fresh context; returns (context, page, log, responses up to idle + 1 s)."""
    context = browser.new_context(viewport=VIEWPORT)
    responses = []
    context.on("response", lambda r: responses.append(r))
    page = context.new_page()
    log = watch(page)
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(SETTLE_AFTER_IDLE_MS)
    return context, page, log, list(responses)


def page_weight(responses, problems: list[str]) -> dict:
    """Raw and gzip -6 bytes of every response body."""
    files = []
    for r in responses:
        if not r.url.startswith("http"):
            continue
        try:
            body = r.body()
        except Exception as err:  # redirect or body evicted: say so, do not guess
            problems.append(f"could not read body of {r.url}: {err}")
            continue
        files.append({"url": r.url, "status": r.status, "raw": len(body),
                      "gzip": len(gzip.compress(body, compresslevel=6, mtime=0))})
    return {"files": files, "raw": sum(f["raw"] for f in files), "gzip": sum(f["gzip"] for f in files)}


def weight_row(path: str, weight: dict, has_widgets: bool) -> Row:
    budget = WIDGET_PAGE_BUDGET if has_widgets else PLAIN_PAGE_BUDGET
    kind = "widgets" if has_widgets else "no widgets"
    value = f"{fmt_bytes(weight['gzip'])} gzip ({fmt_bytes(weight['raw'])} raw, {len(weight['files'])} files)"
    return Row(f"weight · {path} ({kind})", value, f"≤ {budget // KB} KB gzip", weight["gzip"] <= budget)


def has_widgets(page) -> bool:
    return page.evaluate("() => document.querySelector('.lossdocs-widget .lossdocs-widget__root') !== null")


def widgets_rendered(page) -> bool:
    try:
        page.wait_for_function(WIDGETS_RENDERED_JS, timeout=RENDER_TIMEOUT_MS)
        return True
    except Exception:
        return False


# --------------------------------------------------------------------------- latency


def measure_control(page, control: dict, runs: int) -> dict:
    options = {"runs": runs, "warmup": WARMUP_RUNS, "gapMs": GAP_MS, "timeoutMs": RUN_TIMEOUT_MS,
               "quiet": QUIET_FRAMES}
    return page.evaluate("([id, o]) => window.__lossdocsBench.measure(id, o)", [control["id"], options])


def latency_row(path: str, control: dict, result: dict) -> Row:
    label = f"latency · {path} · {control['widget']} · {control['name']} ({control['type']})"
    budget = f"p95 ≤ {LATENCY_P95_BUDGET_MS:g} ms"
    samples = result["samples"]
    if result["timeouts"]:
        return Row(label, f"FAILED: {result['timeouts']} runs not painted within {RUN_TIMEOUT_MS} ms", budget, False)
    if not samples or not result["pixelsChanged"]:
        return Row(label, "FAILED: changes nothing on screen", budget, False)
    value = (f"median {fmt_ms(statistics.median(samples))} · p95 {fmt_ms(p95(samples))} (n={len(samples)}); "
             f"first draw p95 {fmt_ms(p95(result['first']))}")
    if result["unpainted"]:
        value += f", {result['unpainted']} runs drew nothing"
    if result["setup"]:
        value += f" [{result['setup']}]"
    return Row(label, value, budget, p95(samples) <= LATENCY_P95_BUDGET_MS)


def measure_latencies(report: Report, page, path: str, runs: int) -> list[dict]:
    page.evaluate(BENCH_JS)
    out = []
    for control in page.evaluate("() => window.__lossdocsBench.controls()"):
        note(f"latency: {path} · {control['widget']} · {control['name']}")
        result = measure_control(page, control, runs)
        report.add(latency_row(path, control, result))
        out.append({**control, **result})
    return out


# --------------------------------------------------------------------------- browser


def measure_page(report: Report, browser, server: SiteServer, path: str, runs: int) -> list[str]:
    """Weight and (on widget pages) control latency of one page; returns its problems."""
    note(f"page: {path}")
    context, page, log, responses = open_page(browser, server.url + path)
    try:
        problems: list[str] = []
        weight = page_weight(responses, problems)
        widgets_here = has_widgets(page)
        report.add(weight_row(path, weight, widgets_here))
        latencies = []
        if widgets_here:
            if widgets_rendered(page):
                latencies = measure_latencies(report, page, path, runs)
            else:
                problems.append(f"widgets did not render within {RENDER_TIMEOUT_MS // 1000} s")
        report.raw["pages"][path] = {"widgets": widgets_here, "weight": weight, "latency": latencies}
        return problems + log.problems()
    finally:
        context.close()


def safely(measure, *args) -> list[str]:
    """Run one page's measures; an exception becomes that page's problem, not a crash."""
    try:
        return measure(*args)
    except Exception as err:
        return [f"bench could not finish the page: {type(err).__name__}: {str(err).splitlines()[0]}"]


def measure_browser(report: Report, site_dir: Path, runs: int) -> str | None:
    """Every page of the built site; returns Chromium's version (None if none ran)."""
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    if executable is None:
        report.add(Row("browser", f"FAILED: {HOW_TO_GET_ONE}", NONE, False))
        return None
    pages = site_pages(site_dir)
    report.raw["pages"] = {}
    with SiteServer(site_dir) as server, sync_playwright() as p:
        browser = launch(p, executable)
        try:
            all_problems = {path: safely(measure_page, report, browser, server, path, runs) for path in pages}
            version = browser.version
        finally:
            browser.close()
    bad = {path: probs for path, probs in all_problems.items() if probs}
    report.raw["problems"] = all_problems
    for path, probs in bad.items():
        shown = "; ".join(probs[:3]) + (f" (+{len(probs) - 3} more)" if len(probs) > 3 else "")
        report.add(Row(f"browser problems · {path}", shown, "none", False))
    if not bad:
        report.add(Row("browser problems", f"none on {len(pages)} pages", "none", True))
    return version


# --------------------------------------------------------------------------- main


def header(chromium: str | None) -> str:
    """One line: what ran where and when."""
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return " · ".join([
        "**lossdocs bench**", now, platform.platform(), f"{os.cpu_count()} cores",
        f"Chromium {chromium or 'n/a'}", f"Python {platform.python_version()}", f"Bokeh {bokeh.__version__}",
    ])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40, help="timed latency samples per control (default 40)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the raw numbers here")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    report = Report()
    measure_engine(report)
    chromium = None
    with tempfile.TemporaryDirectory(prefix="lossdocs-bench-") as tmp:
        site_dir = Path(tmp) / "site"
        if measure_builds(report, site_dir):
            chromium = measure_browser(report, site_dir, args.runs)
    total = time.perf_counter() - started

    head = header(chromium)
    print(head, end="\n\n")
    print(table(report.rows))
    missed = report.missed
    budgets = sum(r.ok is not None for r in report.rows)
    verdict = f"all {budgets} budgets met" if not missed else f"{len(missed)} of {budgets} budgets missed"
    load = os.getloadavg()[0]
    print(f"\n{verdict} · bench took {total:.0f} s · load average {load:.1f} on {os.cpu_count()} cores at the end")

    if args.json:
        data = {
            "header": head, "chromium": chromium, "platform": platform.platform(), "cores": os.cpu_count(),
            "python": platform.python_version(), "bokeh": bokeh.__version__, "runs": args.runs,
            "total_s": total, "loadavg_1min_end": load, "rows": [asdict(r) for r in report.rows], **report.raw,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
