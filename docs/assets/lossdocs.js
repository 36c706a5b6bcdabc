// lossdocs site loader: embeds queued Bokeh widgets and keeps their canvases in
// step with Material's light/dark palette. Loaded on every page (extra_javascript),
// it does nothing on pages without widgets. It relies on no Material event, so it
// works from a server and from file:// alike.
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
        }
      }
    }
  }

  const queue = (window.lossdocsQueue = window.lossdocsQueue || [])

  function drain() {
    if (!window.Bokeh || !Bokeh.embed) return
    while (queue.length > 0) {
      const item = queue.shift()
      Bokeh.embed.embed_item(item).then(applyTheme).catch((err) => console.error("lossdocs:", err))
    }
  }

  // Items pushed later (scripts after this one) are embedded at once.
  queue.push = function (...items) {
    const n = Array.prototype.push.apply(this, items)
    drain()
    return n
  }
  drain()

  // Material switches palettes by changing data-md-color-scheme on <body>.
  new MutationObserver(applyTheme).observe(document.body, {
    attributes: true, attributeFilter: ["data-md-color-scheme"],
  })
})()
