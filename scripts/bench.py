#!/usr/bin/env python
"""lossdocs bench: every page fast on a phone, widgets that answer, a site pip alone builds fast.

Run on demand (never from the test suite)::

    .venv/bin/python scripts/bench.py [--runs N] [--loads N] [--json PATH]

It prints one markdown table (``measure | value | budget | ok``) under a header
line naming the date (UTC) and the machine (platform, cores, Chromium, Python,
Bokeh), then a one-line summary, and exits 1 if any budget is missed, 0
otherwise. Progress goes to stderr, so stdout is only the report. ``--json
PATH`` also writes every raw number (every load, every file, every sample).
1 KB = 1000 bytes, 1 MB = 1000 KB.

Measures and budgets
--------------------

Engine (no budget)
    Wall time of ``curves.explorer_atlas()`` (every curve the explorer can
    show) and of ``embed.build_widget(name)`` for each name in
    ``widgets.WIDGETS`` (Bokeh models, ``json_item`` and the static figure), in
    this process, three times: the first call, which is what a clean build pays
    (the training grid and the outlier lab's fits are computed there), and the
    best of the other two, with the engine's own caches warm.

Widget data (no budget)
    Per widget, the size of its ``json_item`` (``build_widget(name)["item"]``)
    serialised as the page embeds it (compact JSON) and gzipped at level 6: what
    the widget costs on the wire inside its page.

Clean build (budget <= 20 s) and no-change rebuild (budget <= 5 s)
    Wall time of ``python -m mkdocs build --strict --site-dir <temp dir>``,
    first after deleting ``.cache/`` (built widgets, KaTeX output, the executed
    notebook: all regenerable), then again at once with the caches warm. The
    command runs with ``NO_MKDOCS_2_WARNING=1`` and without ``LOSSDOCS_QUICK``.

First load on a phone, every page (FCP <= 1.8 s, LCP <= 2.5 s, TBT <= 200 ms, CLS <= 0.02, <= 250 KB)
    Every ``*.html`` of the built site except ``404.html`` is loaded
    ``--loads`` times (default 3), each in a fresh browser context (cold
    cache), and each metric's median is reported. The site is served by
    ``browser.GzipSiteServer`` from 127.0.0.1: html, js, css, json and svg
    gzipped (level 6) for a request that accepts gzip, fonts and images as
    they are, as a static host serves them; ``browser.watch`` aborts every
    non-local request. The profile is Lighthouse's mobile one, applied through
    Chromium's DevTools protocol on the page's own CDP session:

    * viewport 412 x 823 CSS px, device scale factor 1.75, ``is_mobile`` and
      ``has_touch`` (Lighthouse's emulated moto g power);
    * ``Emulation.setCPUThrottlingRate {rate: 4}``: the main thread runs 4x
      slower than this machine's (Lighthouse's multiplier; it does not
      calibrate for the host's speed, nor does this);
    * ``Network.emulateNetworkConditions`` with latency 150 ms, download
      1.6 Mbit/s and upload 750 kbit/s, given in bytes/s as Lighthouse
      computes them (kbit/s x 1024 / 8: 209,715 and 96,000 B/s). DevTools adds
      the latency once per request, not per TCP round trip, so this is
      Lighthouse's *simulated* profile's figures applied as they are (its
      "devtools" throttling mode multiplies the latency by 3.75 instead).

    Before navigation an init script registers ``PerformanceObserver``s
    (``buffered: true``) for ``paint``, ``largest-contentful-paint``,
    ``layout-shift`` and ``longtask``. The page is loaded (``load``), then
    left alone at the top (no scrolling, no input) until the network is idle
    (Playwright's ``networkidle``: no request for 500 ms) and then no long task
    and no request in flight for ``QUIET_MS`` of wall time (cap ``LOAD_CAP_S``
    = 30 s from navigation for the load event and the quiet period; a capped
    load is a browser problem of its page, and is measured as it stands). Then, in page time:

    * FCP: the ``first-contentful-paint`` paint entry's ``startTime``;
    * LCP: the last ``largest-contentful-paint`` entry's ``startTime`` (no
      input ever ends the candidates' list);
    * CLS: every layout-shift entry, grouped into session windows (a window
      closes after a 1 s gap or when 5 s long) and the largest window's sum
      taken: the Core Web Vitals definition, except that shifts flagged
      ``hadRecentInput`` count too. The load has no input, yet Chromium's
      mobile emulation flags the shifts of the first ~0.5 s as if it had
      (Lighthouse counts them as well); skipping them hid a 0.1 shift;
    * TBT: over the ``longtask`` entries (main-thread tasks over 50 ms), the
      blocking part of each task, from 50 ms after its start to its end,
      clipped to the window from FCP to the start of the quiet period (the end
      of the last long task), summed: Lighthouse's definition, with the start
      of the quiet period standing in for TTI (a task straddling FCP counts
      only for its blocking part after FCP);
    * bytes: the sum of ``encodedDataLength`` of every ``Network.loadingFinished``
      event on the page's CDP session (``Network.enable`` on it): bytes on the
      wire, headers included, for every request the page made before any
      interaction, and how many such requests (data: URLs, which cost
      nothing on the wire, are not counted). A dedicated worker's own script
      finishes on the worker's target, not the page's: its bytes come from
      Playwright (see ``Transfers``).

    ``QUIET_MS`` is 3 s, not Lighthouse's 5 s TTI window, to keep the bench
    near 5 minutes: the longest gap seen between two long tasks of one load
    was 1.3 s, on this 2-core machine under a load average of 8-10.

Hydration (budget <= 1 s), every widget page, desktop profile
    A widget slot (``.lossdocs-widget[data-widget]``) first shows a static
    figure and goes live (``data-state`` "static" -> "loading" -> "live") when it
    nears the viewport. On the bench's desktop profile (1280 x 900, no
    throttling, fresh context, gzip server), the page is loaded and left
    until the network is idle plus 500 ms; then the first slot that is not
    live yet is scrolled into view (``element.scrollIntoView()``) and the time
    from just before the scroll to the end of the first frame after its
    ``data-state`` became "live" (``requestAnimationFrame`` then
    ``setTimeout``) is taken. ``--loads`` runs, median (and max) reported. If
    every slot is live before any scroll, that is said (and meets the budget).
    If the page has no ``window.lossdocs.hydrateAll`` the row reads "n/a (no
    lazy hydration yet)", without a budget.

Input -> paint latency as a ratio, per control (budget: p95 ratio <= 1.5), desktop profile
    On a fresh desktop page every widget is made live first
    (``window.lossdocs.hydrateAll()`` when the loader has it, else the widgets
    are waited for as BokehJS embeds them). Every control of every widget is
    timed: the models of each ``Bokeh.documents`` entry whose type the
    page-side ``NEXT`` table knows (Slider and Select today; adding a type is
    one entry there). Beside each control the same widget's *bare repaint* is
    timed: every plot view of that widget's document asked to repaint with no
    data change (BokehJS 3.x ``PlotView.request_paint()``, which invalidates
    all its painters and schedules a paint through the same throttle; since the
    loader's stylesheet guard it restyles nothing, so it is about half as costly as
    stock BokehJS's, see README "Repaints without restyles"). A third kind,
    for information only, is *the control alone*: the same change with the
    widget's callbacks on that control detached (``js_property_callbacks`` set
    to ``{}`` and back; BokehJS reconnects them), so that only the control's own
    DOM changes (slider handle and title, select) and no plot draws; the value
    is then put back, still detached and untimed. It tells the control's own
    part: how long the browser takes to show the new handle, title or option
    with nothing else changed, beside the bare repaint's time (both timed with
    the frame clock idle, below).

    The frame clock. A reader's screen shows a frame every 1/60 s, whatever the
    page does, and an input waits for the next one. Headless Chromium has no
    screen: it stops its frame clock when nothing asks for a frame, and the next
    frame asked for then starts at once. Whether the clock had stopped by the
    end of a 50 ms gap differed from page to page and from run to run (a whole
    page's controls waited for their frames in one run and not in the next), and
    with it the ratio of a control whose DOM changes: a frame with changed DOM
    costs Chromium about 3 ms more than a canvas-only one, a short wait hides it
    and no wait shows it beside a 5-10 ms repaint (README, "Latest benchmark").
    So the budget is taken with the clock *running*: a no-op
    ``requestAnimationFrame`` loop runs from the start of each sample's gap until
    the sample is settled, and every input waits for its frame as on a screen.
    The same control and repaint are also timed with the clock *idle* (no such
    loop; the gap lets it stop, mostly) and that ratio is shown for information,
    with the control alone, which is timed with the clock idle only, so that its
    figure is the browser's cost of the control's own DOM. The five kinds
    (control, repaint with the clock running; control, repaint, alone with it
    idle) take turns, each order in rotation, in one loop on the same page, so
    all see the same machine and the same moment. Each sample, inside the page:

    1. start or stop the frame clock, then wait 50 ms plus a random part of one
       frame (0-16.7 ms), so each change
       is a discrete input (a click, a key press), BokehJS's 60 fps paint
       throttle is not what is measured, and the input lands at a random
       moment of the display's frame, as a reader's does. (A fixed 50 ms is
       three frames at 60 Hz: every sample of a run then started at the same
       moment of its frame, and which moment that was, drawn afresh per run,
       decided whether a repaint caught the coming frame or waited for the
       next one; the same page gave bare-repaint p95s of 14 or 28 ms and
       ratios of 1.0 or 1.9 from run to run);
    2. take ``t0 = performance.now()`` and act: set the control's next value
       (a slider's next step, a select's next option; both wrap around) with
       ``model.setv({value})`` as the widget's own input handler does, or ask
       every plot of the widget to repaint;
    3. follow frame ends: ``requestAnimationFrame(() => setTimeout(...))``.
       Every BokehJS plot view is hooked (``schedule_paint``, ``paint``,
       ``_actual_paint``), so the bench knows which repaints are still owed
       (the throttle may defer one; a ResizeObserver may ask for another after
       a relayout). A sample is settled at the first frame end with no repaint
       owed, confirmed by two more frame ends in which nothing is asked for or
       drawn (those confirming frames are not counted);
    4. the sample is settled time minus ``t0``: callbacks, every canvas draw,
       the browser's rendering of those frames and the wait for them. Not
       included: rasterisation and compositing off the main thread, scan-out.

    Two untimed warm-up rounds come first, then ``--runs`` (default 40) timed
    rounds. The value is p95(control) / p95(bare repaint) with the frame clock
    running (p95: nearest rank); the absolute medians and p95s, the same ratio
    with the clock idle, and the control alone's p95 and its share of the idle
    bare repaint's, are shown for information. A control or repaint sample
    in which no plot drew is left out and counted; one not settled after 2 s is a
    failure. A control whose runs never change a pixel of its widget's
    canvases (hashed after each run until one differs) fails: it changes
    nothing. A slider named ``param_<loss>_<param>`` only matters while
    ``<loss>`` is shown, so the widget's Select offering ``<loss>``
    (``primary_select`` first) is switched to it before the runs. Each control
    (and that Select) is put back as it was afterwards.

Browser problems (must be none)
    Console errors, page errors, blocked (non-local) and failed requests that
    ``watch`` recorded on any page in any of the runs above, and widgets that
    never went live. Each page with problems gets a failed row.
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
from browser import HOW_TO_GET_ONE, GzipSiteServer, find_chromium, launch, watch  # noqa: E402

CACHES = (ROOT / ".cache",)  # widgets, KaTeX output, executed notebook: all regenerable

KB = 1000

# Budgets.
CLEAN_BUILD_BUDGET_S = 20.0
REBUILD_BUDGET_S = 5.0
FCP_BUDGET_MS = 1800.0
LCP_BUDGET_MS = 2500.0
TBT_BUDGET_MS = 200.0
CLS_BUDGET = 0.02
FIRST_LOAD_BUDGET_BYTES = 250 * KB
HYDRATION_BUDGET_MS = 1000.0
LATENCY_RATIO_BUDGET = 1.5

ENGINE_REPEATS = 3
GZIP_LEVEL = 6

# Lighthouse's mobile profile (moto g power, "slow 4G").
MOBILE_CONTEXT = {
    "viewport": {"width": 412, "height": 823},
    "device_scale_factor": 1.75,
    "is_mobile": True,
    "has_touch": True,
}
CPU_SLOWDOWN = 4
RTT_MS = 150
DOWN_KBPS = 1.6 * 1024
UP_KBPS = 750
NETWORK = {
    "offline": False,
    "latency": RTT_MS,
    "downloadThroughput": DOWN_KBPS * 1024 / 8,  # bytes/s, as Lighthouse converts
    "uploadThroughput": UP_KBPS * 1024 / 8,
}
QUIET_MS = 3000        # no long task, no request in flight, this long: the page is done
LOAD_CAP_S = 30.0      # per load, from navigation
NAV_TIMEOUT_MS = 30_000

# The desktop profile (hydration, latency).
DESKTOP_CONTEXT = {"viewport": {"width": 1280, "height": 900}}
SETTLE_AFTER_IDLE_MS = 500
HYDRATION_TIMEOUT_MS = 10_000
RENDER_TIMEOUT_MS = 20_000
WARMUP_RUNS = 2
GAP_MS = 50
RUN_TIMEOUT_MS = 2000
QUIET_FRAMES = 2

NONE = "—"
NO_HYDRATION = "n/a (no lazy hydration yet)"

# Observers for the first-load metrics, installed before any of the page's scripts.
LOAD_INIT_JS = r"""
(() => {
  const P = (window.__lossdocsLoad = {paint: [], lcp: [], shifts: [], longtasks: [], lastEnd: 0})
  const observe = (type, fn) => {
    try {
      new PerformanceObserver((list) => list.getEntries().forEach(fn)).observe({type, buffered: true})
    } catch (err) {
      P[`no_${type}`] = String(err)
    }
  }
  observe("paint", (e) => P.paint.push({name: e.name, startTime: e.startTime}))
  const describe = (el) => el ? el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") : null
  observe("largest-contentful-paint", (e) => P.lcp.push({startTime: e.startTime, size: e.size,
    element: describe(e.element)}))
  observe("layout-shift", (e) => P.shifts.push({startTime: e.startTime, value: e.value,
    hadRecentInput: e.hadRecentInput}))
  observe("longtask", (e) => {
    P.longtasks.push({startTime: e.startTime, duration: e.duration})
    P.lastEnd = Math.max(P.lastEnd, e.startTime + e.duration)
  })
})()
"""

# The metrics, from what the observers saw (page time, ms).
LOAD_METRICS_JS = r"""
() => {
  const P = window.__lossdocsLoad
  const fcpEntry = P.paint.find((p) => p.name === "first-contentful-paint")
  const fcp = fcpEntry ? fcpEntry.startTime : null
  const lcpEntry = P.lcp.length ? P.lcp[P.lcp.length - 1] : null
  // CLS: the largest session window (gap < 1 s, window < 5 s) of shifts. No input is
  // given, so a shift flagged hadRecentInput (mobile emulation flags early ones) counts.
  let cls = 0, win = 0, first = -Infinity, prev = -Infinity
  for (const s of P.shifts) {
    if (s.startTime - prev < 1000 && s.startTime - first < 5000) {
      win += s.value
    } else {
      win = s.value
      first = s.startTime
    }
    prev = s.startTime
    cls = Math.max(cls, win)
  }
  // TBT: each long task's blocking part [start + 50, end], clipped to [FCP, quiet start].
  const quietStart = P.lastEnd
  let tbt = 0
  if (fcp !== null) {
    for (const t of P.longtasks) {
      const from = Math.max(t.startTime + 50, fcp)
      const to = Math.min(t.startTime + t.duration, quietStart)
      if (to > from) tbt += to - from
    }
  }
  return {
    fcp, lcp: lcpEntry ? lcpEntry.startTime : null, lcpElement: lcpEntry ? lcpEntry.element : null,
    cls, tbt, quietStart, longtasks: P.longtasks, shifts: P.shifts.length, now: performance.now(),
    unsupported: Object.keys(P).filter((k) => k.startsWith("no_")),
  }
}
"""

# Hydration: scroll the first slot that is not live yet into view; time until it is
# live and a frame has been drawn with it.
HYDRATION_JS = r"""
async (timeoutMs) => {
  const slots = [...document.querySelectorAll(".lossdocs-widget[data-widget]")]
  const slot = slots.find((s) => s.dataset.state === "static") || slots.find((s) => s.dataset.state !== "live")
  if (!slot) return {already: true, widget: slots.length ? slots[0].dataset.widget : null}
  const before = slot.dataset.state
  const frameEnd = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))
  const t0 = performance.now()
  slot.scrollIntoView()
  const live = await new Promise((resolve) => {
    if (slot.dataset.state === "live") return resolve(true)
    const mo = new MutationObserver(() => {
      if (slot.dataset.state === "live") { mo.disconnect(); resolve(true) }
    })
    mo.observe(slot, {attributes: true, attributeFilter: ["data-state"]})
    setTimeout(() => { mo.disconnect(); resolve(false) }, timeoutMs)
  })
  if (!live) return {timeout: true, widget: slot.dataset.widget, before, state: slot.dataset.state}
  const liveAt = performance.now() - t0
  await frameEnd()
  return {ms: performance.now() - t0, liveAt, widget: slot.dataset.widget, before}
}
"""

HAS_HYDRATION_JS = "() => !!(window.lossdocs && typeof window.lossdocs.hydrateAll === 'function')"

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
  function track(view, doc) {
    const s = {asked: 0, served: 0, draws: 0, view, doc}
    const {schedule_paint, paint, _actual_paint} = view
    view.schedule_paint = function (...a) { s.asked = ++seq; return schedule_paint.apply(this, a) }
    view.paint = function (...a) { s.served = ++seq; return paint.apply(this, a) }
    view._actual_paint = function (...a) { s.draws++; return _actual_paint.apply(this, a) }
    tracked.push(s)
  }
  const isPainter = (v) => v != null && ["schedule_paint", "paint", "_actual_paint", "request_paint"]
    .every((k) => typeof v[k] === "function")
  const docs = [...Bokeh.documents]
  for (const doc of docs) {
    for (const model of doc.all_models) {
      const view = Bokeh.index.find_one(model)
      if (isPainter(view)) track(view, doc)
    }
  }
  const totalDraws = () => tracked.reduce((n, s) => n + s.draws, 0)
  const pending = () => tracked.some((s) => s.asked > s.served)

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
  const FRAME_MS = 1000 / 60  // one frame at 60 Hz: the spread of the random part of the gap

  // The frame clock. A screen shows a frame every 1/60 s whatever the page does;
  // headless Chromium, with no screen, stops its frame clock when nothing asks
  // for a frame, and the next frame asked for then starts at once. Running, a
  // no-op requestAnimationFrame loop keeps the clock ticking, so an input waits
  // for the next frame as it does on a reader's screen.
  let ticking = false
  const tick = () => { if (ticking) requestAnimationFrame(tick) }
  function frameClock(on) {
    if (on && !ticking) { ticking = true; requestAnimationFrame(tick) }
    if (!on) ticking = false
  }
  const frameEnd = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))

  // Act, then follow frame ends until every repaint it caused is drawn and
  // `quiet` more frames pass with no paint asked for or made (a ResizeObserver
  // may ask for one after a frame). `ms` is the end of the frame that settled
  // it; the quiet frames only confirm and are not counted.
  async function settle(act, {timeoutMs, quiet, needsPaint = true}) {
    const since = seq
    const draws = totalDraws()
    const t0 = performance.now()
    act()
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
        return {ms: settled, first, timeout: false, painted: !needsPaint || (asked && totalDraws() > draws)}
      }
      if (now > timeoutMs) return {ms: now, first, timeout: true, painted: false}
    }
  }
  const change = (model, attrs, wait) => settle(() => model.setv(attrs), wait)

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

  // Control and bare-repaint samples of the same widget with the frame clock running
  // (the budget), and control, bare-repaint and control-alone samples with it idle
  // (information), all taking turns in one loop.
  async function measure(id, {runs, warmup, gapMs, ...wait}) {
    const {model, doc} = find(id)
    const views = tracked.filter((s) => s.doc === doc).map((s) => s.view)
    const blank = () => ({samples: [], first: [], warmup: [], unpainted: 0, timeouts: 0})
    const out = {control: blank(), repaint: blank(), idle: {control: blank(), repaint: blank(), alone: blank()},
                 plots: views.length, pixelsChanged: false, setup: null}
    const original = Object.fromEntries(Object.keys(NEXT[model.type](model)).map((k) => [k, model[k]]))
    const setup = prerequisite(model, doc)
    if (setup) {
      out.setup = `${setup.select.name} = ${setup.value}`
      await change(setup.select, {value: setup.value}, wait)
    }
    const before = pixelHash(doc)
    // The control alone: the same change with the widget's callbacks on it detached
    // (BokehJS reconnects a model's js_property_callbacks when they are set), so only
    // the control's own DOM (handle, title, select) changes: information, no budget.
    // The value is then put back, still detached, so the plots keep showing it.
    const callbacks = model.js_property_callbacks
    const alone = async () => {
      const back = Object.fromEntries(Object.keys(original).map((k) => [k, model[k]]))
      model.js_property_callbacks = {}
      try {
        return await settle(() => model.setv(NEXT[model.type](model)), {...wait, needsPaint: false})
      } finally {
        model.setv(back)
        model.js_property_callbacks = callbacks
        await frameEnd()
      }
    }
    const control = () => settle(() => model.setv(NEXT[model.type](model)), wait)
    const repaint = () => settle(() => { for (const v of views) v.request_paint() }, wait)
    // [where its samples go, running clock?, take one]
    const kinds = [[out.control, true, control], [out.repaint, true, repaint],
                   [out.idle.control, false, control], [out.idle.repaint, false, repaint],
                   [out.idle.alone, false, alone]]
    for (let i = 0; i < warmup + runs; i++) {
      for (let k = 0; k < kinds.length; k++) {
        const [o, running, take] = kinds[(i + k) % kinds.length]  // each order in rotation
        frameClock(running)  // set before the gap: a running clock ticks through it
        await sleep(gapMs + Math.random() * FRAME_MS)
        const r = await take()
        frameClock(false)
        if (r.timeout) { o.timeouts++; continue }
        if (!r.painted) { o.unpainted++; continue }
        if (i < warmup) { o.warmup.push(r.ms); continue }
        o.samples.push(r.ms)
        o.first.push(r.first)
        if (take === control && !out.pixelsChanged) out.pixelsChanged = pixelHash(doc) !== before
      }
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

WIDGET_SLOTS_JS = """
() => [...document.querySelectorAll(".lossdocs-widget[data-widget]:not(.lossdocs-widget--skipped)")]
  .map((s) => ({widget: s.dataset.widget, state: s.dataset.state ?? null}))
"""


# --------------------------------------------------------------------------- report


@dataclass
class Row:
    measure: str
    value: str
    budget: str = NONE
    ok: bool | None = None  # None: no budget
    kind: str = ""  # for the summary line

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


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))


def table(rows: list[Row]) -> str:
    """A markdown table padded so it also reads well as plain text."""
    cells = [("measure", "value", "budget", "ok")] + [(r.measure, r.value, r.budget, r.mark) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]

    def line(c):
        return "| " + " | ".join(text.ljust(w) for text, w in zip(c, widths)) + " |"

    rule = "|" + "|".join(("-" * (w + 2)) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule] + [line(c) for c in cells[1:]])


def cpu_check() -> float:
    """Seconds for a fixed piece of pure Python (best of 3): how fast this machine's cores
    are right now. A shared VM's speed varies from day to day (the same tree built in
    12.7 s one day and 51 s another), and every timed figure here moves with it; this
    says which kind of day a table comes from."""
    best = math.inf
    for _ in range(3):
        t = time.perf_counter()
        sum(range(10_000_000))
        best = min(best, time.perf_counter() - t)
    return best


def summary(report: Report, total_s: float, cpu: tuple[float, float]) -> str:
    """One line: budgets met or missed (by kind), how long the bench took, the load."""
    budgets = [r for r in report.rows if r.ok is not None]
    missed = report.missed
    if not missed:
        verdict = f"all {len(budgets)} budgets met"
    else:
        kinds: dict[str, int] = {}
        for r in missed:
            kinds[r.kind or "other"] = kinds.get(r.kind or "other", 0) + 1
        verdict = f"{len(missed)} of {len(budgets)} budgets missed (" + ", ".join(
            f"{k} {n}" for k, n in kinds.items()) + ")"
    load = os.getloadavg()[0]
    return (f"{verdict} · bench took {total_s:.0f} s · load average {load:.1f} on {os.cpu_count()} cores at the end"
            f" · CPU check (sum(range(10**7)), best of 3) {cpu[0]:.3f} s at the start, {cpu[1]:.3f} s at the end")


# --------------------------------------------------------------------------- engine


def best_of(fn, repeats: int = ENGINE_REPEATS) -> tuple[list[float], object]:
    samples, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t0)
    return samples, result


def engine_value(samples: list[float]) -> str:
    """The first call's time, then the best of the rest (memoised engine results make
    a best-of-all the time of a cache lookup: the training grid's 8.9 s read 0.46 s)."""
    first = f"{samples[0] * 1000:.0f} ms the first time"
    if len(samples) < 2:
        return first
    return f"{first}, {min(samples[1:]) * 1000:.0f} ms after (best of {len(samples) - 1})"


def measure_engine(report: Report) -> None:
    """Engine times, then each widget's json_item size (gzip)."""
    jobs = {"curves.explorer_atlas()": curves.explorer_atlas}
    for name in widgets.WIDGETS:
        jobs[f"embed.build_widget({name!r})"] = lambda name=name: embed.build_widget(name)
    report.raw["engine_s"] = {}
    built = {}
    for label, fn in jobs.items():
        note(f"engine: {label}")
        samples, result = best_of(fn)
        report.raw["engine_s"][label] = samples
        report.add(Row(f"engine · {label}", engine_value(samples)))
        if label.startswith("embed.build_widget("):
            built[label[len("embed.build_widget('"):-2]] = result
    report.raw["widget_data"] = {}
    for name, data in built.items():
        text = json.dumps(data["item"], separators=(",", ":")).encode()  # as the page embeds it
        size = {"raw": len(text), "gzip": gzipped(text)}
        report.raw["widget_data"][name] = size
        report.add(Row(f"widget data · {name} · json_item",
                       f"{fmt_bytes(size['gzip'])} gzip ({fmt_bytes(size['raw'])} raw)"))


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
        return Row(label, f"FAILED (exit {proc.returncode}): {tail}", f"≤ {budget:g} s", False, "build")
    return Row(label, fmt_s(seconds), f"≤ {budget:g} s", seconds <= budget, "build")


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


def site_pages(site_dir: Path) -> list[str]:
    return sorted(
        p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html") if p.name != "404.html"
    )


# --------------------------------------------------------------------------- first load (mobile)


class Transfers:
    """Bytes on the wire for one page, from its CDP session's Network events.

    A dedicated worker's script (Material's search worker) is requested on the
    page's session but finishes on the worker's own target, which this session
    does not see: such a request's bytes come from Playwright, which follows
    workers too: its ``Request.sizes()`` headers size plus the body's size on the
    wire (``Content-Length``, which the worker's ``sizes()`` leaves at 0). Playwright's
    view also says which requests are still in flight.
    """

    def __init__(self, cdp, context):
        self.urls: dict[str, str] = {}
        self.done: dict[str, int] = {}
        self.failed: dict[str, str] = {}
        self.pending: set = set()  # Playwright requests not finished yet (page and workers)
        self.finished: list = []
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)
        context.on("request", lambda request: self.pending.add(request))
        context.on("requestfinished", self._pw_finished)
        context.on("requestfailed", lambda request: self.pending.discard(request))

    def _sent(self, e):
        self.urls[e["requestId"]] = e["request"]["url"]

    def _finished(self, e):
        self.done[e["requestId"]] = int(e["encodedDataLength"])

    def _failed(self, e):
        self.failed[e["requestId"]] = e.get("errorText", "")

    def _pw_finished(self, request):
        self.pending.discard(request)
        self.finished.append(request)

    @property
    def inflight(self) -> bool:
        return bool(self.pending)

    def files(self) -> list[dict]:
        """Every finished request over the network (not data: URLs): url, bytes, where the count came from."""
        out = [{"url": self.urls.get(rid, rid)[:200], "bytes": n, "from": "cdp"} for rid, n in self.done.items()
               if self.urls.get(rid, "").startswith("http")]
        elsewhere = [rid for rid, url in self.urls.items()
                     if rid not in self.done and rid not in self.failed and url.startswith("http")]
        by_url = {}
        for request in self.finished:
            by_url.setdefault(request.url, []).append(request)
        for rid in elsewhere:
            candidates = by_url.get(self.urls[rid])
            if not candidates:
                continue
            request = candidates.pop(0)
            sizes = request.sizes()
            response = request.response()
            length = int((response.headers if response else {}).get("content-length", 0) or 0)
            out.append({"url": self.urls[rid][:200], "from": "playwright (worker)",
                        "bytes": max(sizes["responseBodySize"], length) + sizes["responseHeadersSize"]})
        return out


def mobile_context(browser):
    context = browser.new_context(**MOBILE_CONTEXT)
    context.add_init_script(LOAD_INIT_JS)
    return context


def first_load(browser, url: str) -> tuple[dict, list[str]]:
    """One cold load of ``url`` under the mobile profile; (metrics, problems)."""
    context = mobile_context(browser)
    try:
        page = context.new_page()
        log = watch(page)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        transfers = Transfers(cdp, context)
        cdp.send("Network.emulateNetworkConditions", NETWORK)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        started = time.monotonic()
        left_ms = lambda: max(1000, (LOAD_CAP_S - (time.monotonic() - started)) * 1000)  # noqa: E731
        problems = []
        page.goto(url, wait_until="commit", timeout=NAV_TIMEOUT_MS)
        try:
            page.wait_for_load_state("load", timeout=left_ms())
        except Exception:  # say what it waited for; measure what there is
            waiting = sorted({r.url for r in transfers.pending})
            problems.append(f"mobile load: no load event within {LOAD_CAP_S:g} s (waiting for {waiting[:3]})")
        load_s = time.monotonic() - started
        try:
            page.wait_for_load_state("networkidle", timeout=left_ms())
        except Exception:
            pass  # the cap below says so
        idle_at = page.evaluate("() => performance.now()")
        capped = False
        while True:
            now, last_end = page.evaluate("() => [performance.now(), window.__lossdocsLoad.lastEnd]")
            quiet_since = max(last_end, idle_at)
            if now - quiet_since >= QUIET_MS and not transfers.inflight:
                break
            if time.monotonic() - started > LOAD_CAP_S:
                capped = True
                break
            if transfers.inflight:
                idle_at = now
            page.wait_for_timeout(min(250, max(50, QUIET_MS - (now - quiet_since))))
        metrics = page.evaluate(LOAD_METRICS_JS)
        slots = page.evaluate(WIDGET_SLOTS_JS)
        files = transfers.files()
        metrics.update({
            "bytes": sum(f["bytes"] for f in files), "requests": len(files), "files": files,
            "failed": list(transfers.failed.values()), "capped": capped, "load_event_s": load_s,
            "wall_s": time.monotonic() - started, "widget_slots": slots,
        })
        problems = log.problems() + problems
        if capped:
            problems.append(f"mobile load not quiet within {LOAD_CAP_S:g} s")
        return metrics, problems
    finally:
        context.close()


def median_of(loads: list[dict], key: str) -> float | None:
    values = [m[key] for m in loads if m.get(key) is not None]
    return statistics.median(values) if len(values) == len(loads) and values else None


def first_load_rows(path: str, loads: list[dict]) -> list[Row]:
    n = len(loads)
    where = f"mobile load · {path}"

    def each(key, fmt):
        return ", ".join(fmt(m[key]) if m.get(key) is not None else "none" for m in loads)

    def row(metric, key, budget, limit, fmt):
        value = median_of(loads, key)
        label = f"{where} · {metric}"
        if value is None:
            return Row(label, f"FAILED: no {metric} in {each(key, fmt)}", budget, False, "first load")
        return Row(label, f"{fmt(value)} (median of {n}: {each(key, fmt)})", budget, value <= limit, "first load")

    sec = lambda ms: f"{ms / 1000:.2f} s"  # noqa: E731
    ms = lambda v: f"{v:.0f} ms"  # noqa: E731
    cls = lambda v: f"{v:.3f}"  # noqa: E731
    kb = lambda b: fmt_bytes(b)  # noqa: E731
    rows = [
        row("FCP", "fcp", f"≤ {FCP_BUDGET_MS / 1000:g} s", FCP_BUDGET_MS, sec),
        row("LCP", "lcp", f"≤ {LCP_BUDGET_MS / 1000:g} s", LCP_BUDGET_MS, sec),
        row("TBT", "tbt", f"≤ {TBT_BUDGET_MS:g} ms", TBT_BUDGET_MS, ms),
        row("CLS", "cls", f"≤ {CLS_BUDGET:g}", CLS_BUDGET, cls),
        row("transferred", "bytes", f"≤ {FIRST_LOAD_BUDGET_BYTES // KB} KB", FIRST_LOAD_BUDGET_BYTES, kb),
    ]
    requests = statistics.median(m["requests"] for m in loads)
    rows[-1].value += f", {requests:g} requests"
    return rows


def measure_first_loads(report: Report, browser, server, pages: list[str], loads: int,
                        problems: dict[str, list[str]]) -> dict[str, bool]:
    """Every page under the mobile profile; returns which pages have widgets."""
    has_widgets = {}
    report.raw["first_load"] = {}
    for path in pages:
        runs = []
        for i in range(loads):
            note(f"mobile load {i + 1}/{loads}: {path}")
            try:
                metrics, probs = first_load(browser, server.url + path)
            except Exception as err:
                problems[path].append(f"mobile load failed: {type(err).__name__}: {str(err).splitlines()[0]}")
                continue
            runs.append(metrics)
            problems[path].extend(probs)
        report.raw["first_load"][path] = runs
        if len(runs) < loads:
            report.add(Row(f"mobile load · {path}", f"FAILED: {loads - len(runs)} of {loads} loads failed",
                           "all loads", False, "first load"))
        if runs:
            report.add(*first_load_rows(path, runs))
            has_widgets[path] = bool(runs[0]["widget_slots"])
    return has_widgets


# --------------------------------------------------------------------------- desktop: hydration, latency


def desktop_page(browser, url: str):
    context = browser.new_context(**DESKTOP_CONTEXT)
    page = context.new_page()
    log = watch(page)
    page.goto(url, wait_until="networkidle", timeout=NAV_TIMEOUT_MS)
    page.wait_for_timeout(SETTLE_AFTER_IDLE_MS)
    return context, page, log


def measure_hydration(report: Report, browser, server, path: str, loads: int, problems: list[str]) -> None:
    """Scroll-to-live time of the page's first widget slot not live yet (lazy hydration only)."""
    label = f"hydration · {path} · scroll into view → live widget painted"
    budget = f"≤ {HYDRATION_BUDGET_MS / 1000:g} s"
    results = []
    for i in range(loads):
        note(f"hydration {i + 1}/{loads}: {path}")
        context, page, log = desktop_page(browser, server.url + path)
        try:
            if not page.evaluate(HAS_HYDRATION_JS):
                report.add(Row(label, NO_HYDRATION))
                report.raw.setdefault("hydration", {})[path] = None
                problems.extend(log.problems())
                return
            results.append(page.evaluate(HYDRATION_JS, HYDRATION_TIMEOUT_MS))
            problems.extend(log.problems())
        finally:
            context.close()
    report.raw.setdefault("hydration", {})[path] = results
    widget = results[0].get("widget")
    label = f"hydration · {path} · {widget} · scroll into view → live widget painted"
    if any(r.get("timeout") for r in results):
        states = ", ".join(str(r.get("state")) for r in results if r.get("timeout"))
        report.add(Row(label, f"FAILED: not live within {HYDRATION_TIMEOUT_MS // 1000} s (state {states})",
                       budget, False, "hydration"))
    elif all(r.get("already") for r in results):
        report.add(Row(label, "live before any scroll (every slot hydrated on load)", budget, True, "hydration"))
    else:
        times = [r["ms"] if not r.get("already") else 0.0 for r in results]
        med = statistics.median(times)
        before = sorted({r.get("before") for r in results if not r.get("already")})
        value = (f"{fmt_ms(med)} median, max {fmt_ms(max(times))} (n={len(times)}; "
                 f"slot was {'/'.join(before)} before the scroll)")
        report.add(Row(label, value, budget, med <= HYDRATION_BUDGET_MS, "hydration"))


def make_live(page) -> str | None:
    """Every widget live and painted; None, or what went wrong."""
    try:
        if page.evaluate(HAS_HYDRATION_JS):
            page.evaluate("() => window.lossdocs.hydrateAll().then(() => null)")
            page.wait_for_function(
                "() => [...document.querySelectorAll('.lossdocs-widget[data-widget]')]"
                ".every((s) => s.dataset.state === 'live')", timeout=RENDER_TIMEOUT_MS)
        page.wait_for_function(WIDGETS_RENDERED_JS, timeout=RENDER_TIMEOUT_MS)
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))")
        return None
    except Exception as err:
        states = page.evaluate(WIDGET_SLOTS_JS)
        return f"widgets not live within {RENDER_TIMEOUT_MS // 1000} s ({states}): {str(err).splitlines()[0]}"


def ratio_of(result: dict) -> float:
    """p95(control) / p95(bare repaint)."""
    return p95(result["control"]["samples"]) / p95(result["repaint"]["samples"])


def ratio_text(result: dict) -> str:
    """'ratio R: input→paint p95 (median) vs bare repaint of N plots p95 (median), n=a+b'."""
    ctl, rep = result["control"], result["repaint"]
    return (f"ratio {ratio_of(result):.2f}: input→paint p95 {fmt_ms(p95(ctl['samples']))} "
            f"(median {fmt_ms(statistics.median(ctl['samples']))}) vs bare repaint of {result['plots']} plots "
            f"p95 {fmt_ms(p95(rep['samples']))} (median {fmt_ms(statistics.median(rep['samples']))}), "
            f"n={len(ctl['samples'])}+{len(rep['samples'])}")


def latency_row(path: str, control: dict, result: dict) -> Row:
    """The budget is on the samples taken with the frame clock running; those with it idle are information."""
    label = f"latency · {path} · {control['widget']} · {control['name']} ({control['type']})"
    budget = f"p95 ratio ≤ {LATENCY_RATIO_BUDGET:g}"
    idle = {**result["idle"], "plots": result["plots"]}
    for kind, r in (("input", result["control"]), ("bare repaint", result["repaint"]),
                    ("idle-clock input", idle["control"]), ("idle-clock bare repaint", idle["repaint"])):
        if r["timeouts"]:
            return Row(label, f"FAILED: {r['timeouts']} {kind} runs not painted within {RUN_TIMEOUT_MS} ms",
                       budget, False, "latency")
    if not result["control"]["samples"] or not result["pixelsChanged"]:
        return Row(label, "FAILED: changes nothing on screen", budget, False, "latency")
    for kind, r in (("bare repaint", result["repaint"]), ("idle-clock bare repaint", idle["repaint"])):
        if not r["samples"]:
            return Row(label, f"FAILED: {kind} drew nothing ({result['plots']} plots)", budget, False, "latency")
    ratio = ratio_of(result)
    value = ratio_text(result)
    if idle["control"]["samples"]:
        value += f"; frame clock idle (information): {ratio_text(idle)}"
    alone = idle["alone"]["samples"]
    if alone:
        value += (f"; the control alone (its callbacks detached, clock idle) p95 {fmt_ms(p95(alone))}, "
                  f"{p95(alone) / p95(idle['repaint']['samples']):.2f}× that bare repaint")
    unpainted = sum(r["unpainted"] for r in (result["control"], result["repaint"], idle["control"], idle["repaint"]))
    if unpainted:
        value += f", {unpainted} runs drew nothing"
    if result["setup"]:
        value += f" [{result['setup']}]"
    return Row(label, value, budget, ratio <= LATENCY_RATIO_BUDGET, "latency")


def measure_latencies(report: Report, browser, server, path: str, runs: int, problems: list[str]) -> None:
    context, page, log = desktop_page(browser, server.url + path)
    try:
        out = []
        failure = make_live(page)
        if failure:
            problems.append(failure)
        else:
            page.evaluate(BENCH_JS)
            options = {"runs": runs, "warmup": WARMUP_RUNS, "gapMs": GAP_MS, "timeoutMs": RUN_TIMEOUT_MS,
                       "quiet": QUIET_FRAMES}
            for control in page.evaluate("() => window.__lossdocsBench.controls()"):
                note(f"latency: {path} · {control['widget']} · {control['name']}")
                result = page.evaluate("([id, o]) => window.__lossdocsBench.measure(id, o)",
                                       [control["id"], options])
                report.add(latency_row(path, control, result))
                out.append({**control, **result})
        report.raw.setdefault("latency", {})[path] = out
        problems.extend(log.problems())
    finally:
        context.close()


# --------------------------------------------------------------------------- browser


def safely(problems: list[str], what: str, measure, *args):
    """Run one page's measure; an exception becomes that page's problem, not a crash."""
    try:
        return measure(*args)
    except Exception as err:
        problems.append(f"bench could not finish {what}: {type(err).__name__}: {str(err).splitlines()[0]}")
        return None


def measure_browser(report: Report, site_dir: Path, runs: int, loads: int) -> str | None:
    """Every page of the built site; returns Chromium's version (None if none ran)."""
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    if executable is None:
        report.add(Row("browser", f"FAILED: {HOW_TO_GET_ONE}", NONE, False, "browser"))
        return None
    pages = site_pages(site_dir)
    problems: dict[str, list[str]] = {path: [] for path in pages}
    with GzipSiteServer(site_dir) as server, sync_playwright() as p:
        browser = launch(p, executable)
        try:
            has_widgets = measure_first_loads(report, browser, server, pages, loads, problems)
            for path in pages:
                if not has_widgets.get(path):
                    continue
                safely(problems[path], "hydration", measure_hydration, report, browser, server, path, loads,
                       problems[path])
                safely(problems[path], "latency", measure_latencies, report, browser, server, path, runs,
                       problems[path])
            version = browser.version
        finally:
            browser.close()
    problems = {path: list(dict.fromkeys(probs)) for path, probs in problems.items()}  # dedupe, keep order
    report.raw["problems"] = problems
    bad = {path: probs for path, probs in problems.items() if probs}
    for path, probs in bad.items():
        shown = "; ".join(probs[:3]) + (f" (+{len(probs) - 3} more)" if len(probs) > 3 else "")
        report.add(Row(f"browser problems · {path}", shown, "none", False, "browser problems"))
    if not bad:
        report.add(Row("browser problems", f"none on {len(pages)} pages", "none", True, "browser problems"))
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
    parser.add_argument("--runs", type=int, default=40,
                        help="timed latency samples per control, and as many bare repaints and"
                             " control-alone samples (default 40)")
    parser.add_argument("--loads", type=int, default=3,
                        help="cold loads per page (mobile profile) and hydrations per widget page (default 3)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the raw numbers here")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.loads < 1:
        parser.error("--runs and --loads must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ["NO_MKDOCS_2_WARNING"] = "1"  # for every build this process starts
    started = time.perf_counter()
    cpu_start = cpu_check()
    report = Report()
    measure_engine(report)
    chromium = None
    with tempfile.TemporaryDirectory(prefix="lossdocs-bench-") as tmp:
        site_dir = Path(tmp) / "site"
        if measure_builds(report, site_dir):
            chromium = measure_browser(report, site_dir, args.runs, args.loads)
    total = time.perf_counter() - started

    head = header(chromium)
    print(head, end="\n\n")
    print(table(report.rows))
    cpu = (cpu_start, cpu_check())
    line = summary(report, total, cpu)
    print(f"\n{line}")

    if args.json:
        data = {
            "header": head, "summary": line, "chromium": chromium, "platform": platform.platform(),
            "cores": os.cpu_count(), "python": platform.python_version(), "bokeh": bokeh.__version__,
            "runs": args.runs, "loads": args.loads, "total_s": total, "cpu_check_s": cpu,
            "mobile": {**MOBILE_CONTEXT, "cpu_slowdown": CPU_SLOWDOWN, "network": NETWORK, "quiet_ms": QUIET_MS},
            "rows": [asdict(r) for r in report.rows], **report.raw,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return 1 if report.missed else 0


if __name__ == "__main__":
    sys.exit(main())
