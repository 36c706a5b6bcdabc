// Loss explorer: show the precomputed curves for the current controls.
// Runs on every control change. It only *selects* arrays that the Python
// engine computed at build time (see lossdocs/curves.py); no loss is evaluated
// here. Named args: atlas, views, src_p, src_o, src_t, sel_p, sel_o, sl_t,
// params, spans, renderers_o, fig_l, fig_g, xaxes, readout, prompt (its opening text).

const primary = sel_p.value
const info = atlas.losses[primary]
const axisKey = info.axis
const axis = atlas.axes[axisKey]
const view = views[axisKey]

// Overlay choices: the losses defined on this axis, the primary too (it then lies under
// its own dashed copy): one list per axis, so that a new primary on the same axis leaves
// the <select> alone (rebuilding its options forced a restyle of the page: 5-10 ms).
const labels = Object.fromEntries(Object.entries(atlas.losses).map(([k, v]) => [k, v.label]))
const allowed = axis.losses
const options = [["none", "None"], ...allowed.map((name) => [name, labels[name]])]
if (JSON.stringify(sel_o.options) !== JSON.stringify(options)) {
  sel_o.options = options
}
if (sel_o.value !== "none" && !allowed.includes(sel_o.value)) {
  sel_o.value = "none"  // re-enters this callback; that run draws the result
}
const overlay = sel_o.value

// The true-value slider steps through this axis's targets; on a change of
// axis it jumps to that axis's default (0, or the positive label 1).
const targets = axis.targets
const step = targets[1] - targets[0]
const t_first = targets[0]
const t_last = targets[targets.length - 1]
if (sl_t.start !== t_first || sl_t.end !== t_last || sl_t.step !== step) {
  sl_t.setv({start: t_first, end: t_last, step: step, value: targets[axis.default_target],
             title: axis.target_title})
}
const k = Math.max(0, Math.min(targets.length - 1, Math.round((sl_t.value - t_first) / step)))
const target = targets[k]

// Parameter sliders: enabled only while a loss on screen uses them.
for (const [key, slider] of Object.entries(params)) {
  const owner = key.split(".")[0]
  slider.disabled = !(owner === primary || owner === overlay)
}
function paramIndex(name) {
  return atlas.losses[name].params.map((p) => {
    const s = params[name + "." + p]
    return s === undefined ? 0 : Math.round((s.value - s.start) / s.step)  // no slider: its one choice
  }).join(",")
}

const n = axis.x.length
function pick(name) {
  const [vi, gi, start] = atlas.curves[[axisKey, name, paramIndex(name), k].join("|")]
  // Plain Float32Array views (no copy): a subarray of Bokeh's NDArray would
  // keep the parent's shape and confuse the data source's length check.
  const windowOf = (a) => new Float32Array(a.buffer, a.byteOffset + 4 * start, n)
  return {y: windowOf(atlas.arrays[vi]), g: windowOf(atlas.arrays[gi])}
}

// Setting a control from here (the overlay falling back to "none", the slider
// jumping to a new axis) re-runs this callback; draw each state only once.
const state = [axisKey, primary, overlay, paramIndex(primary), overlay === "none" ? "" : paramIndex(overlay), k].join("|")
if (atlas.shown === state) {
  return
}
atlas.shown = state

const p = pick(primary)
src_p.data = {x: axis.x, y: p.y, g: p.g}
const hasOverlay = overlay !== "none"
if (hasOverlay) {
  const o = pick(overlay)
  src_o.data = {x: axis.x, y: o.y, g: o.g}
}
for (const r of renderers_o) {
  r.visible = hasOverlay
}
src_t.data = {x: [target], y: [0]}
for (const s of spans) {
  s.location = target
}

// Axis ranges follow the axis kind (prediction vs probability).
const xr = fig_l.x_range
if (xr.start !== view.x[0] || xr.end !== view.x[1]) {
  // The reset tool returns to the view of the axis now on screen.
  const frame = (lo, hi) => ({start: lo, end: hi, reset_start: lo, reset_end: hi})
  xr.setv(frame(view.x[0], view.x[1]))
  fig_l.y_range.setv(frame(view.y[0], view.y[1]))
  fig_g.y_range.setv(frame(view.g[0], view.g[1]))
  for (const a of xaxes) {
    a.axis_label = axis.xlabel
  }
}
// The readout described the old curves; ask for a new pointer position or tap.
if (readout.html !== prompt) {
  readout.html = prompt
}
