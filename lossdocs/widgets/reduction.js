// Reduction explorer: show the engine's numbers for the chosen batch, reduction, weights
// and batch size (lossdocs/widgets/reduction.py computed every one). The page only
// indexes the flat arrays and writes the readout. Named args: atlas, sel_batch, sel_red,
// sel_w, sl_size, src_bars, bars_range, bars_format, mean_span, src_lines, src_now, bars, grad_title, colors.

const kind = sel_batch.value
const red = sel_red.value
const classes = kind === "classification"
sel_w.disabled = !classes
const wt = classes ? sel_w.value : "off"
const size = sl_size.value
const N = atlas.n
const base = (r) => ((atlas.kinds.indexOf(kind) * 3 + atlas.reductions.indexOf(r)) * 2 +
  atlas.weights.indexOf(wt)) * N
const at = (key, r, s) => atlas[key][base(r) + s - 1]

const shown = atlas.shown[`${kind}|${wt}`]
const labels = atlas[`${kind}_label`]
const idx = Array.from({length: size}, (_, i) => i)
src_bars.data = {i: idx.map((i) => i + 1), loss: idx.map((i) => shown[i]), color: idx.map((i) => colors[labels[i]]),
  cls: idx.map((i) => (classes ? `class ${labels[i]}` : "example"))}
bars_range.end = atlas.tops[`${kind}|${wt}`]
bars_format.format = atlas.formats[`${kind}|${wt}`]

const sizes = Array.from({length: N}, (_, i) => i + 1)
src_lines.data = {size: sizes, mean: sizes.map((s) => at("value", "mean", s)), sum: sizes.map((s) => at("value", "sum", s))}
const value = at("value", red, size)
src_now.data = red === "none" ? {x: [], y: []} : {x: [size], y: [value]}
mean_span.visible = red === "mean"
if (red === "mean") mean_span.location = value

const total = at("total", red, size).toFixed(3)
const g = `gradient norm ${at("grad_norm", red, size).toFixed(3)}`
const G = g[0].toUpperCase() + g.slice(1)
let lines
if (red === "none") {
  lines = [`'none': ${size} losses, not one number`, `They sum to ${total} · ${g} (of that sum)`]
} else if (red === "sum") {
  lines = [`'sum' of ${size} losses = ${total}`, G]
} else if (classes && wt === "on") {
  lines = [`Weighted 'mean' = ${total} / Σw ${at("divisor", red, size)} = ${value.toFixed(3)}`,
    `÷ N = ${size} would give ${at("mean_by_n", red, size).toFixed(3)} · ${g}`]
} else {
  lines = [`'mean' = ${total} / ${size} = ${value.toFixed(3)}`, G]
}
bars.title.text = lines[0]
grad_title.text = lines[1]
