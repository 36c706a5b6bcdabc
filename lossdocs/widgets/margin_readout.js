// Margin explorer readout: on pointer move or tap, the precomputed numbers at the grid
// point nearest the pointer. Named args: src, sel_axis, sel_label, readout, names (curve
// keys in drawing order), labels (their names), colors. cb_obj is the event; cb_obj.x is
// a logit or a probability, as the axis shows.

const xs = src.data.x
const n = xs.length
let i = 0
if (sel_axis.value === "z") {
  const h = xs[1] - xs[0]
  i = Math.max(0, Math.min(n - 1, Math.round((cb_obj.x - xs[0]) / h)))
} else {
  // Probabilities are not evenly spaced: the nearest one by bisection.
  let lo = 0
  let hi = n - 1
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if (xs[mid] < cb_obj.x) lo = mid
    else hi = mid
  }
  i = (cb_obj.x - xs[lo] <= xs[hi] - cb_obj.x) ? lo : hi
}

function fmt(v) {
  if (!Number.isFinite(v)) return String(v)
  if (v === 0) return "0"
  const tiny = v > -1e-3 && v < 1e-3
  return tiny ? v.toExponential(2) : v.toFixed(4)
}
const pm = sel_label.value === "1" ? "+1" : "−1"
const rows = names.map((name) =>
  `<tr><td><span style="display:inline-block;width:1.4em;border-top:3px solid ${colors[name]};` +
  `vertical-align:middle;margin-right:0.3em"></span>${labels[name]}</td>` +
  `<td class="num">${fmt(src.data[name][i])}</td><td class="num">${fmt(src.data[name + "_g"][i])}</td></tr>`)
readout.html = `<table><tr><th colspan="3">z = ${fmt(src.data.zv[i])}, p = σ(z) = ${fmt(src.data.pv[i])} · ` +
  `label y = ${sel_label.value} (hinge: ${pm})</th></tr>` +
  `<tr><th>loss</th><th class="num">value</th><th class="num">∂/∂z</th></tr>${rows.join("")}</table>`
