// Loss explorer readout: on pointer move, show the precomputed numbers at the
// nearest grid point. Named args: losses (labels and kinds), src_p, src_o, sel_p, sel_o, sl_t,
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

const kind = losses[sel_p.value].kind
const what = kind === "classification" ? "p" : "ŷ"
const rows = [
  `${what} = ${fmt(x)} &nbsp;·&nbsp; y = ${fmt(sl_t.value)} &nbsp;·&nbsp; error ${what} − y = ${fmt(x - sl_t.value)}`,
  line(sel_p.value, "primary", src_p),
]
if (sel_o.value !== "none") {
  rows.push(line(sel_o.value, "overlay", src_o))
}
readout.text = rows.join("<br>")
