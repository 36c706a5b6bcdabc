// Landscape explorer: one callback for the controls (preset, loss, parameter),
// a tap on the map (move the fit to that w, b) and pointer moves (readout).
// Grids, contours, minima and loss tables all come from the Python engine
// (lossdocs/widgets/landscape.py); the only computation here is the model's
// forward pass tanh(w x + b) for the clicked or hovered point.
// Named args: atlas, sel_preset, sel_loss, params, images, contours, labels, marks
// (one renderer per grid each, indexed by atlas.grids[key].index, only the shown
// grid's visible; an image's source is empty until its grid is first shown),
// targets (one renderer per preset, in atlas.preset_keys order), bar_mapper,
// src_now, src_fit, src_res, heat, fit, and the
// two readouts, which are plot titles: readout (fit panel), pointer (map),
// map_views (the map's w and b ranges per preset: equal units on both axes),
// prompt (the pointer readout's text before the pointer has moved), and point:
// the clicked (w, b), one row or none, which a tap writes and the page's state
// code sets from an address (#loss-landscape?...&w=1&b=-0.16); its change
// places the fit, so a tap and a link do the same thing. Sources refilled with a
// different number of points keep the length atlas.pad gives them (pad.js).

const event = cb_obj.event_name  // "tap", "mousemove", or undefined for a control or the point
const presetName = sel_preset.value
const preset = atlas.presets[presetName]
const lossName = sel_loss.value
const choice = atlas.choices.find((c) => c.name === lossName &&
  Object.entries(c.params).every(([k, v]) => Number(params[lossName + "." + k].value) === v))
const table = atlas.tables[choice.key]
const kinks = atlas.kinks[choice.key]
const nodes = atlas.nodes
const pad = atlas.pad

// The model's forward pass: the one computation the page is allowed.
function forward(w, b, xs) {
  return xs.map((x) => Math.tanh(w * x + b))
}

// The engine's loss at residual r, read from its table: a quadratic through
// three neighbouring nodes: the left stencil (nodes lo-1, lo, lo+1) unless its
// middle node is a kink (a node where the loss's slope or curvature jumps) or it
// would leave the table; then the right one. Python mirror and its accuracy:
// interpolate() in landscape.py.
function lookup(r) {
  const n = nodes.length
  if (r <= nodes[0]) return table[0]
  if (r >= nodes[n - 1]) return table[n - 1]
  let lo = 0
  let hi = n - 1
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if (nodes[mid] <= r) lo = mid
    else hi = mid
  }
  const s = lo === 0 || kinks[lo] ? lo : lo - 1
  const [x0, x1, x2] = [nodes[s], nodes[s + 1], nodes[s + 2]]
  return table[s] * (r - x1) * (r - x2) / ((x0 - x1) * (x0 - x2)) +
    table[s + 1] * (r - x0) * (r - x2) / ((x1 - x0) * (x1 - x2)) +
    table[s + 2] * (r - x0) * (r - x1) / ((x2 - x0) * (x2 - x1))
}

// Mean loss over the targets at (w, b); also returns the predictions.
function lossAt(w, b) {
  const yhat = forward(w, b, preset.x)
  let sum = 0
  for (let k = 0; k < yhat.length; k++) {
    sum += lookup(yhat[k] - preset.y[k])
  }
  return {value: sum / yhat.length, yhat: yhat}
}

function show(v, digits) {
  return Number.isFinite(v) ? v.toFixed(digits) : String(v)
}

// The fit at (w, b) and its readout; "kept" (a new loss, same w, b and targets) only
// changes the readout, since the curve and residuals are the same.
function showFit(w, b, how) {
  const {value, yhat} = lossAt(w, b)
  if (how !== "kept") {
    src_now.data = {x: [w], y: [b]}
    src_fit.data = {x: preset.curve_x, y: forward(w, b, preset.curve_x)}
    const n = pad.targets
    src_res.data = {x0: padded(preset.x, n, NaN), y0: padded(preset.y, n, NaN), x1: padded(preset.x, n, NaN),
                    y1: padded(yhat, n, NaN)}
  }
  readout.text = `w = ${show(w, 3)}, b = ${show(b, 3)}: ` +
    `${choice.label} L = ${value.toPrecision(4)} (${how})`
}

function showPointer(w, b) {
  pointer.text = `At w = ${show(w, 3)}, b = ${show(b, 3)}: L = ` +
    `${lossAt(w, b).value.toPrecision(4)}`
}

if (event === "mousemove") {
  showPointer(cb_obj.x, cb_obj.y)
} else if (event === "tap") {
  point.data = {w: [cb_obj.x], b: [cb_obj.y]}  // which calls back below
} else if (cb_obj === point) {
  // A tap is also how a touch screen reads the map: it shows the pointer readout too.
  // No row: the point was cleared (a new preset), and the fit is drawn already.
  if (point.data.w.length === 1) {
    showPointer(point.data.w[0], point.data.b[0])
    showFit(point.data.w[0], point.data.b[0], "clicked")
  }
} else {
  // A control changed: show the grid for the new preset and loss.
  pointer.text = prompt  // its last value described the old surface
  for (const [key, select] of Object.entries(params)) {
    select.disabled = key.split(".")[0] !== lossName
  }
  const grid = atlas.grids[presetName + "|" + choice.key]
  fillImage(images[grid.index].data_source, atlas.codes, grid.index, atlas.grid_size,  // layers.js
            preset.w_range, preset.b_range)
  showOnly([images, contours, labels, marks], grid.index)
  bar_mapper.setv({low: grid.low, high: grid.high})

  let w = src_now.data.x[0]
  let b = src_now.data.y[0]
  let how = "kept"
  if (cb_obj === sel_preset) {
    // New targets: new windows, and the fit starts again from the preset's start.
    const frame = (lo, hi) => ({start: lo, end: hi, reset_start: lo, reset_end: hi})
    const [vw, vb] = map_views[presetName]  // the window, widened to equal units of w and b
    heat.x_range.setv(frame(vw[0], vw[1]))
    heat.y_range.setv(frame(vb[0], vb[1]))
    const lows = Math.min(-1.1, Math.min(...preset.y) - 0.2)
    const highs = Math.max(1.1, Math.max(...preset.y) + 0.2)
    fit.x_range.setv(frame(preset.curve_x[0], preset.curve_x[preset.curve_x.length - 1]))
    fit.y_range.setv(frame(lows, highs))
    showOnly([targets], atlas.preset_keys.indexOf(presetName))
    w = preset.start[0]
    b = preset.start[1]
    how = "start"
  }
  showFit(w, b, how)
  if (how === "start" && point.data.w.length > 0) {
    point.data = {w: [], b: []}  // no clicked point on the new map
  }
}
