// lossdocs site loader. Every widget slot arrives prerendered: the engine's static
// figure of its opening state, plus the live widget as inert JSON. This loader
// hydrates a slot -- loads BokehJS (once per page) and swaps the live widget in
// where the figure stood -- only when the slot nears the viewport (one screen
// ahead), is touched, clicked or focused, or is named by the address. It keeps
// the canvases in step with Material's light/dark palette and each widget's state
// in the address (#<widget>?<control>=<value>&...), so a view can be linked to and
// shared. Loaded on every page (extra_javascript), it does nothing on pages without
// widgets. It relies on no Material event, so it works served and from file://.
(function () {
  "use strict"

  // Resolve a CSS colour expression (which may use Material's variables) to rgb().
  function resolve(expr) {
    const probe = document.createElement("span")
    probe.style.color = expr
    probe.style.display = "none"
    document.body.appendChild(probe)
    const color = getComputedStyle(probe).color
    probe.remove()
    return color
  }

  function palette() {
    return {
      text: resolve("var(--md-default-fg-color--light)"),
      strong: resolve("var(--md-default-fg-color)"),
      grid: resolve("var(--md-default-fg-color--lightest)"),
      bar: resolve("var(--md-default-fg-color--lighter)"),
    }
  }

  // Re-colour every canvas element that carries text or lines of the page's colour.
  function applyTheme() {
    if (!window.Bokeh || !Bokeh.documents) return
    const c = palette()
    for (const doc of Bokeh.documents) {
      for (const model of doc.all_models) {
        const type = model.type
        if (type.endsWith("Axis")) {
          model.setv({
            axis_label_text_color: c.strong, major_label_text_color: c.text,
            axis_line_color: c.text, major_tick_line_color: c.text, minor_tick_line_color: c.text,
          })
        } else if (type === "Grid") {
          model.grid_line_color = c.grid
        } else if (type === "Legend") {
          model.label_text_color = c.strong
        } else if (type === "Title") {
          model.text_color = c.strong
        } else if (type === "Slider") {
          model.bar_color = c.bar  // the filled part of the track; Bokeh's is near-white
        } else if (type === "ColorBar") {
          model.setv({
            title_text_color: c.strong, major_label_text_color: c.text,
            major_tick_line_color: c.text, bar_line_color: null,
          })
        }
      }
    }
  }

  // Shareable state. "#loss-explorer?primary_select=mae&overlay_select=mse" sets
  // the named controls of the widget "loss-explorer" when the page opens (in the
  // order given), and every change of a control rewrites the hash. Selects come
  // before sliders, because a select can change what a slider means. A widget can
  // also keep numbers that no control holds (the landscape's clicked w and b) in a
  // ColumnDataSource tagged STATE_TAG: each column is a key with one number, set
  // after the controls once the address gives all of its columns, and written back
  // (to 3 decimals) while it holds a row.
  const CONTROLS = ["Select", "Slider"]
  const STATE_TAG = "lossdocs-state"

  function controlsOf(doc) {
    const found = [...doc.all_models].filter((m) => CONTROLS.includes(m.type) && m.name)
    return found.sort((a, b) => CONTROLS.indexOf(a.type) - CONTROLS.indexOf(b.type))
  }

  function stateSourcesOf(doc) {
    return [...doc.all_models].filter((m) => m.type === "ColumnDataSource" && m.tags.includes(STATE_TAG))
  }

  // The address after "#", read in one place: an anchor ("<id>": state null) or a widget
  // state ("<widget>?<control>=<value>&...").
  function address() {
    const hash = decodeURIComponent(location.hash.slice(1))
    const cut = hash.indexOf("?")
    return cut < 0 ? { name: hash, state: null }
      : { name: hash.slice(0, cut), state: new URLSearchParams(hash.slice(cut + 1)) }
  }

  function wantedState(widget) {
    const { name, state } = address()
    return state !== null && name === widget ? [...state] : []
  }

  // Widget callbacks run asynchronously; let each change settle before the next.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

  // A number as the address keeps it: 1.23456 -> "1.235", -0.16 -> "-0.16", 2 -> "2".
  const short = (v) => String(Number(v.toFixed(3)))

  async function connectState(item) {
    const doc = Bokeh.documents.find((d) => d.get_model_by_id(item.root_id) != null)
    const target = document.getElementById(item.target_id)
    const host = target && target.closest(".lossdocs-widget")
    if (doc == null || host == null) return
    const widget = host.dataset.widget
    const controls = controlsOf(doc)
    const sources = stateSourcesOf(doc)
    const byName = new Map(controls.map((m) => [m.name, m]))

    // Set the state the address names; also later, when a link on the page names it.
    async function apply() {
      const wanted = wantedState(widget)
      for (const [name, raw] of wanted) {
        const model = byName.get(name)
        if (model != null) {
          model.value = model.type === "Slider" ? Number(raw) : raw
          await settle()
        }
      }
      const numbers = new Map(wanted.map(([name, raw]) => [name, raw === "" ? NaN : Number(raw)]))
      for (const source of sources) {
        const columns = Object.keys(source.data)
        if (columns.every((c) => Number.isFinite(numbers.get(c)))) {
          source.data = Object.fromEntries(columns.map((c) => [c, [numbers.get(c)]]))
          await settle()
        }
      }
      if (wanted.length > 0) {
        landOn(host)
      }
    }
    host.lossdocsApplyState = apply
    await apply()

    // Written once the controls have been still for a moment: rewriting the
    // address costs the browser a few ms, which must not land in the frame
    // that draws the change.
    let pending = null
    const write = () => {
      const query = controls.map((m) => `${m.name}=${encodeURIComponent(m.value)}`)
      for (const source of sources) {
        for (const [column, values] of Object.entries(source.data)) {
          if (values.length === 1 && Number.isFinite(values[0])) query.push(`${column}=${short(values[0])}`)
        }
      }
      history.replaceState(null, "", `#${widget}?${query.join("&")}`)
    }
    const later = () => {
      clearTimeout(pending)
      pending = setTimeout(write, 300)
    }
    for (const model of controls) {
      model.properties.value.change.connect(later)
    }
    for (const source of sources) {
      source.properties.data.change.connect(later)
    }
  }

  // Slider handles are drawn by noUiSlider inside Bokeh's shadow DOM without a
  // name; give each its slider's title so assistive technology announces it,
  // and take a disabled slider out of the Tab order, again after every change.
  function labelSliders(item) {
    const doc = Bokeh.documents.find((d) => d.get_model_by_id(item.root_id) != null)
    if (doc == null) return
    for (const model of doc.all_models) {
      if (model.type !== "Slider") continue
      // The handles are kept, and looked up again only if one has left the page (should
      // a re-render replace it): finding the view and querying its shadow root on every
      // move cost 0.5 ms of each slider change.
      let handles = []
      const label = () => {
        if (handles.length === 0 || !handles.every((h) => h.isConnected)) {
          const view = Bokeh.index.find_one(model)
          if (view == null) return
          handles = [...view.shadow_el.querySelectorAll(".noUi-handle")]
        }
        // Only what differs: an attribute written, even unchanged, costs a style check.
        const wanted = { "aria-label": model.title, "aria-disabled": String(model.disabled) }
        for (const handle of handles) {
          for (const [name, value] of Object.entries(wanted)) {
            if (handle.getAttribute(name) !== value) handle.setAttribute(name, value)
          }
          const tab = model.disabled ? -1 : 0
          if (handle.tabIndex !== tab) handle.tabIndex = tab
        }
      }
      label()
      model.change.connect(() => setTimeout(label))
    }
  }

  // ---------------------------------------------------------------- hydration
  const slots = [...document.querySelectorAll(".lossdocs-widget[data-bokeh]")]
  let bokehReady = null

  // BokehJS could not be fetched (offline, blocked): the figure simply stays.
  class BokehMissing extends Error {}

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const el = document.createElement("script")
      el.src = src
      el.onload = resolve
      el.onerror = () => reject(new BokehMissing(src))
      document.head.appendChild(el)
    })
  }

  // Every paint, BokehJS 3.x writes each renderer's position into a <style> in its
  // shadow root, changed or not, and then reads a CSS variable back: each write makes
  // the browser rebuild that root's style rules, about 1 ms per renderer per paint.
  // Writing only what changed leaves a repaint with no restyle at all (README,
  // "Repaints without restyles"). Skipped if a later BokehJS names things differently.
  function quietStyleSheets() {
    const dom = Bokeh.require?.("core/dom")
    const sheet = dom?.InlineStyleSheet?.prototype
    if (sheet == null || typeof sheet._update !== "function" || sheet.lossdocsQuiet) return
    const write = sheet._update
    sheet._update = function (css) {
      if (this.el.textContent !== css) write.call(this, css)
    }
    sheet.lossdocsQuiet = true
    // A glyph renderer's element is an empty box in the plot's underlay layer (the
    // glyphs are drawn on the canvas, and the events layer lies above it), yet BokehJS
    // sizes it to the glyphs' data bounds: every data change wrote a new box and
    // restyled the page. It states the frame's box instead, which moves only when the
    // plot lays out again.
    const glyph = Bokeh.require?.("models/renderers/glyph_renderer")?.GlyphRendererView?.prototype
    if (glyph == null || typeof glyph.update_position !== "function") return
    const place = glyph.update_position
    glyph.update_position = function () {
      const box = this.plot_view?.frame?.bbox
      if (box == null || !box.is_valid || this.position == null) return place.call(this)
      this.position.replace(`:host { position: absolute; left: ${box.left}px; top: ${box.top}px; ` +
        `width: ${box.width}px; height: ${box.height}px; }`)
    }
  }

  // BokehJS, in order (the widgets bundle extends the core), at most once per page.
  function loadBokeh(folder) {
    if (bokehReady == null) {
      bokehReady = (window.Bokeh && Bokeh.embed ? Promise.resolve()
        : loadScript(`${folder}bokeh.min.js`).then(() => loadScript(`${folder}bokeh-widgets.min.js`)))
        .then(quietStyleSheets)
    }
    return bokehReady
  }

  // The widget's data: a script under assets/widgets/ that registers it in
  // window.lossdocsItems under its file name (or, before the build moves it out, inline).
  function loadItem(slot) {
    const el = slot.querySelector("script.lossdocs-item")
    if (!el.dataset.src) return Promise.resolve(JSON.parse(el.textContent))
    const key = el.dataset.src.split("/").pop().replace(/\.js$/, "")
    const items = window.lossdocsItems || {}
    if (items[key]) return Promise.resolve(items[key])
    return loadScript(el.dataset.src).then(() => window.lossdocsItems[key])
  }

  const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()))

  function hydrate(slot) {
    if (slot.lossdocsLive) return slot.lossdocsLive
    slot.dataset.state = "loading"
    const root = slot.querySelector(".lossdocs-widget__root")
    let item = null
    slot.lossdocsLive = Promise.all([loadBokeh(slot.dataset.bokeh), loadItem(slot)])
      .then(([, loaded]) => {
        item = Object.assign({}, loaded, { target_id: root.id })
        return Bokeh.embed.embed_item(item)
      })
      .then(() => {
        applyTheme()
        labelSliders(item)
        return nextFrame()
      })
      .then(() => {
        // The live widget is drawn under the figure; now swap them in place. The slot
        // reserved the widget's height; where a screen's width made the widget taller
        // or shorter than that (it wraps its panels), the slot follows it from now on.
        slot.dataset.state = "live"
        fitSlot(slot)
        return connectState(item)
      })
      .catch((err) => {
        slot.dataset.state = "static"
        if (!(err instanceof BokehMissing)) console.error("lossdocs:", err)
      })
    return slot.lossdocsLive
  }

  function fitSlot(slot) {
    const root = slot.querySelector(".lossdocs-widget__root")
    const content = root.firstElementChild
    if (content == null) return
    const fit = () => {
      const extra = slot.getBoundingClientRect().height - root.getBoundingClientRect().height
      const want = Math.ceil(content.getBoundingClientRect().height + extra)
      if (Math.abs(want - slot.getBoundingClientRect().height) > 1) slot.style.height = `${want}px`
    }
    fit()
    new ResizeObserver(fit).observe(content)
  }

  // Blocks away from the screen are skipped until the reader nears them (lossdocs.css)
  // and stand in at an estimated height, so a jump to an anchor lands where the
  // estimates put it; then the blocks around it are drawn at their real heights and
  // the target moves. Jump again until it stays put for a few frames, unless the
  // reader takes over the scrolling. (A target near the page's end may stop short of
  // the top; it is still, so that ends it too.) A move of the target that the page's
  // scroll offset mostly accounts for is a scroll, not a re-layout (a re-layout moves the
  // target, or moves the offset by scroll anchoring while the target stays): someone
  // else scrolled (a scrollbar drag, a script, find-in-page), and jumping back would undo
  // it, so that ends it too. Blocks rendered in the same frame blur the match; hence "mostly".
  function landOn(el) {
    if (el == null) return
    let frames = 30
    let still = 0
    let last = null
    let lastY = 0
    const listening = new AbortController()  // the reader's input stops it; its end unhooks
    const stop = () => { frames = 0 }
    for (const type of ["wheel", "touchstart", "pointerdown", "keydown"]) {
      addEventListener(type, stop, { once: true, passive: true, signal: listening.signal })
    }
    el.scrollIntoView()
    const step = () => {
      if (frames-- <= 0) return listening.abort()
      const top = el.getBoundingClientRect().top
      if (last !== null && Math.abs(top - last) <= 1) {
        if (++still >= 3) return listening.abort()
      } else if (last !== null && Math.abs(top - last + scrollY - lastY) < Math.abs(scrollY - lastY) / 2) {
        return listening.abort()
      } else {
        still = 0
        if (last !== null) el.scrollIntoView()
      }
      last = el.getBoundingClientRect().top
      lastY = scrollY
      requestAnimationFrame(step)
    }
    requestAnimationFrame(step)
  }
  const anchored = () => {
    const { name, state } = address()
    return name === "" || state !== null ? null : document.getElementById(name)
  }
  if (location.hash) landOn(anchored())
  addEventListener("hashchange", () => landOn(anchored()))

  // Blocks away from the first screen stay skipped (content-visibility in lossdocs.css)
  // until the reader scrolls near them; the browser draws each one then. Nothing draws
  // them all after load: done a block per idle moment, that cost a phone seconds of
  // frames of 70-390 ms just after load (Lighthouse counted them as blocking time). A
  // jump to an anchor can first land off target, on estimated heights: landOn below
  // jumps again until the target stays put.

  // The page's hydration, for tests and the bench: every widget live.
  window.lossdocs = { hydrate, hydrateAll: () => Promise.all(slots.map(hydrate)) }

  if (slots.length > 0) {
    const named = address().name
    const near = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) {
          near.unobserve(entry.target)
          hydrate(entry.target)
        }
      }
    }, { rootMargin: "100% 0px" })
    for (const slot of slots) {
      if (named !== "" && slot.dataset.widget === named) {
        hydrate(slot)
      } else {
        near.observe(slot)
      }
      for (const type of ["pointerdown", "touchstart", "focusin"]) {
        slot.addEventListener(type, () => hydrate(slot), { once: true, passive: true })
      }
    }
    // A slot named by an address opened later (a link within the page): a live
    // widget takes the state the link names; any other is hydrated, which applies it.
    window.addEventListener("hashchange", () => {
      const name = address().name
      const slot = slots.find((s) => s.dataset.widget === name)
      if (slot && slot.lossdocsApplyState) slot.lossdocsApplyState()
      else if (slot) hydrate(slot)
    })
  }

  // Material switches palettes by changing data-md-color-scheme on <body>.
  new MutationObserver(applyTheme).observe(document.body, {
    attributes: true, attributeFilter: ["data-md-color-scheme"],
  })
})()
