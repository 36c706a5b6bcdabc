// Descent on the landscape: one callback for every control, the step scrubber and a
// tap on the map (a tap near a start picks it). Every path and loss comes from the
// atlas that lossdocs/widgets/descent.py computed with lossdocs.descent: the page only
// adds stored differences back up (cumulative sums) and turns codes into values by
// index arithmetic (w0 + code * unit, a lookup table for the loss). The one
// computation allowed is the model's forward pass tanh(w x + b) for the fit panel.
// Named args: atlas, sel_preset, sel_loss, sel_opt, sel_cmp, sel_start, sel_batch,
// sl_lr, sl_step, images, contours (one renderer per grid each, indexed by
// atlas.grids[key].index, only the shown grid's visible; an image's source is empty
// until its grid is first shown), minima (the same, one star per grid), starts and
// targets (one renderer per preset, in atlas.preset_keys order), bar_mapper, src_path,
// src_walked, src_cmp, src_cmp_walked, src_now, src_cmp_now, src_off, src_loss,
// src_loss_cmp, src_loss_now, span, src_fit, src_fit_cmp, heat, loss_plot, fit.
// Sources refilled with a different number of points keep one length (pad.js): T for
// paths and loss curves, two for the off-map marks, the curve's for a fit.

const event = cb_obj.event_name  // "tap", or undefined for a control
const presetName = sel_preset.value
const preset = atlas.presets[presetName]
const T = atlas.steps + 1
const step = sl_step.value
const [w0, w1] = preset.w_range
const [b0, b1] = preset.b_range
const none = padded([], T, NaN)  // what a path or loss curve shows when there is none
const steps = [...Array(T).keys()]  // a loss curve's x

// The model's forward pass: the one computation the page is allowed.
function forward(w, b, xs) {
  return xs.map((x) => Math.tanh(w * x + b))
}

// One stored difference: byte planes of zigzag codes (descent.py's pack()).
function delta(packed, i) {
  const z = packed[i] | (packed[packed.length / 2 + i] << 8)
  return (z >>> 1) ^ -(z & 1)
}

// The stored path of optimiser `opt` for the other controls' choices: (w, b) and the
// loss at every step, and whether each step lies beyond the map.
function walk(opt) {
  const [, C, O, B, L, S] = atlas.shape
  const index = ((((atlas.preset_keys.indexOf(presetName) * C + atlas.loss_keys.indexOf(sel_loss.value)) * O +
    atlas.optimizers.indexOf(opt)) * B + atlas.batches.indexOf(sel_batch.value)) * L + sl_lr.value) * S +
    atlas.start_keys.indexOf(sel_start.value)
  const [qw, qb] = preset.limits
  const out = {w: new Array(T), b: new Array(T), loss: new Array(T), off: new Array(T)}
  let cw = 0
  let cb = 0
  let cl = 0
  for (let k = 0; k < T; k++) {
    cw += delta(atlas.paths, 2 * index * T + k)
    cb += delta(atlas.paths, (2 * index + 1) * T + k)
    cl += delta(atlas.curves, index * T + k)
    out.w[k] = w0 + cw * preset.unit
    out.b[k] = b0 + cb * preset.unit
    out.loss[k] = atlas.loss_table[cl - atlas.loss_min]
    out.off[k] = cw < 0 || cw > qw || cb < 0 || cb > qb
  }
  return out
}

function fixed(v, digits) {
  return v.toFixed(digits)
}

// A loss to 2 significant digits (descent.py's show_loss mirrors it).
function showLoss(v) {
  return v >= 0.01 ? v.toPrecision(2) : v.toExponential(1)
}

function showPath(p, full, walked, now) {
  if (full !== null) full.data = {x: p.w, y: p.b}
  walked.data = {x: padded(p.w.slice(0, step + 1), T, NaN), y: padded(p.b.slice(0, step + 1), T, NaN)}
  now.data = {x: [p.w[step]], y: [p.b[step]]}
}

// A path's fit at this step; none when there is no path or it is off the map.
function showFit(p, source) {
  const xs = preset.curve_x
  source.data = {x: xs, y: p === null || p.off[step] ? padded([], xs.length, NaN) : forward(p.w[step], p.b[step], xs)}
}

function update() {
  const lossKey = sel_loss.value
  const grid = atlas.grids[presetName + "|" + lossKey]
  const whole = cb_obj !== sl_step  // a step changes only what depends on the step
  if (cb_obj === sel_preset || cb_obj === sel_loss) {
    // This target set and loss's map (layers.js).
    fillImage(images[grid.index].data_source, atlas.codes, grid.index, atlas.grid_size, preset.w_range,
              preset.b_range)
    showOnly([images, contours, minima], grid.index)
    bar_mapper.setv({low: grid.low, high: grid.high})
    const [lo, hi] = atlas.loss_ranges[presetName + "|" + lossKey]
    loss_plot.y_range.setv({start: lo, end: hi, reset_start: lo, reset_end: hi})
  }
  if (cb_obj === sel_preset) {
    const frame = (a, z) => ({start: a, end: z, reset_start: a, reset_end: z})
    const [vw, vb] = preset.view  // the window, widened to equal units of w and b
    heat.x_range.setv(frame(vw[0], vw[1]))
    heat.y_range.setv(frame(vb[0], vb[1]))
    fit.x_range.setv(frame(preset.curve_x[0], preset.curve_x[preset.curve_x.length - 1]))
    showOnly([starts, targets], atlas.preset_keys.indexOf(presetName))
  }

  const p = walk(sel_opt.value)
  const compare = sel_cmp.value === "none" ? null : walk(sel_cmp.value)
  showPath(p, whole ? src_path : null, src_walked, src_now)
  showFit(p, src_fit)
  if (whole) src_loss.data = {x: steps, y: p.loss}
  src_loss_now.data = {x: [step], y: [p.loss[step]]}
  span.location = step
  if (compare === null) {
    if (!Number.isNaN(src_cmp_now.data.x[0])) {  // clear the comparison (once: it stays clear)
      for (const s of [src_cmp, src_cmp_walked]) s.data = {x: none, y: none}
      src_cmp_now.data = {x: [NaN], y: [NaN]}
      src_loss_cmp.data = {x: steps, y: none}
      showFit(null, src_fit_cmp)
    }
  } else {
    showPath(compare, whole ? src_cmp : null, src_cmp_walked, src_cmp_now)
    showFit(compare, src_fit_cmp)
    if (whole) src_loss_cmp.data = {x: steps, y: compare.loss}
  }

  // Where the path has left the map: its first step beyond, and the current one, at the edge.
  const offX = []
  const offY = []
  const first = p.off.indexOf(true)
  for (const k of [first, step]) {
    if (k >= 0 && k <= step && p.off[k]) {
      offX.push(Math.min(Math.max(p.w[k], w0), w1))
      offY.push(Math.min(Math.max(p.b[k], b0), b1))
    }
  }
  src_off.data = {x: padded(offX, 2, NaN), y: padded(offY, 2, NaN)}

  // The readouts (plot titles; descent.py writes the same lines for the opening state).
  // Short enough to stay clear of the toolbar on a phone.
  heat.title.text = p.off[step] ? `Step ${step}: path off the map`
    : `Step ${step}: w = ${fixed(p.w[step], 3)}, b = ${fixed(p.b[step], 3)}`
  const dashed = compare === null ? "" : ` (dashed: ${showLoss(compare.loss[step])})`
  loss_plot.title.text = `Step ${step}: L ≈ ${showLoss(p.loss[step])}${dashed}`
  fit.title.text = p.off[step] ? `Fit at step ${step}: off the map`
    : `Fit at step ${step}: tanh(${fixed(p.w[step], 2)} x + ${fixed(p.b[step], 2)})`.replace("+ -", "− ")
}

if (event === "tap") {
  // A tap near a start (within 6% of the window's width) picks it.
  const reach = 0.06 * (w1 - w0)
  let best = -1
  let bestDist = reach * reach
  preset.starts.forEach(([w, b], k) => {
    const d = (w - cb_obj.x) * (w - cb_obj.x) + (b - cb_obj.y) * (b - cb_obj.y)
    if (d <= bestDist) {
      best = k
      bestDist = d
    }
  })
  if (best >= 0) sel_start.value = atlas.start_keys[best]  // which calls this callback again
} else {
  update()
}
