// Loss explorer readout: on pointer move, show the precomputed numbers at the
// nearest grid point. Named args: losses (labels and axes), axes (each axis's symbol,
// output and every loss's label per slider position), src_p, src_o, sel_p, sel_o, sl_t,
// readout. Swatch colours come from the widget stylesheet (theme.css).
// cb_obj is the MouseMove event; its x is the prediction under the pointer.

const xs = src_p.data.x
const n = xs.length
const h = xs[1] - xs[0]
const i = Math.max(0, Math.min(n - 1, Math.round((cb_obj.x - xs[0]) / h)))
const x = xs[i]

function fmt(v) {
  if (!Number.isFinite(v)) return String(v)
  const big = v >= 1e4 || v <= -1e4
  const tiny = v !== 0 && v > -1e-3 && v < 1e-3
  return (big || tiny) ? v.toExponential(3) : v.toFixed(4)
}
function line(name, role, src) {
  const label = losses[name].label
  return `<span class="key key--${role}"></span>` +
    `<strong>${label}</strong>: loss ${fmt(src.data.y[i])}, gradient ${fmt(src.data.g[i])}`
}

const axis = axes[losses[sel_p.value].axis]
const what = axis.symbol
let head = `${what} = ${fmt(x)} &nbsp;·&nbsp; y = ${fmt(sl_t.value)} &nbsp;·&nbsp; error ${what} − y = ${fmt(x - sl_t.value)}`
if (axis.output === "score") {
  // The slider picks the class; each loss reads it in its own labels (hinge: −1 or +1).
  const k = Math.round(sl_t.value)
  const own = [...new Set([sel_p.value, sel_o.value].filter((n) => n in axis.labels)
    .map((n) => `${losses[n].label} y = ${axis.labels[n][k]}`))]
  head = `${what} = ${fmt(x)} &nbsp;·&nbsp; class ${k}: ${own.join(", ")}`
}
const rows = [head, line(sel_p.value, "primary", src_p)]
if (sel_o.value !== "none") {
  rows.push(line(sel_o.value, "overlay", src_o))
}
readout.html = rows.join("<br>")
