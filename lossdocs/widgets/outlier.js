// Outlier lab: move the outlier, pick whose pulls to show. Every line and pull is the
// engine's exact fit (lossdocs/widgets/outlier.py, lossdocs.robust): the page indexes
// [place][height][variant] and copies the two ends of each line and the 13 pulls.
// Named args: atlas, sl_h, sel_place, sel_loss, sl_delta, sl_alpha, src_out, lines,
// emphasis, src_pull, bars, pull_range, pull_format, labels, alpha_labels, scale.

const place = atlas.places.indexOf(sel_place.value)
const height = atlas.heights.indexOf(sl_h.value)
const V = atlas.n_variants
const n = atlas.n_points
const D = atlas.deltas.length
const delta = atlas.deltas.indexOf(sl_delta.value)
const alpha = sl_alpha.value
// The variant order of outlier.py's variants(): mse, mae, huber × δ, log-cosh, barron × α.
const variant = {mse: 0, mae: 1, huber: 2 + delta, log_cosh: 2 + D, barron: 3 + D + alpha}
const slot = (loss) => (place * atlas.heights.length + height) * V + variant[loss]

sl_delta.disabled = sel_loss.value !== "huber"
sl_alpha.disabled = sel_loss.value !== "barron"
src_out.data = {x: [atlas.place_x[place]], y: [atlas.outlier_y[place * atlas.heights.length + height]]}
for (const loss of atlas.losses) {
  if (cb_obj !== sel_loss) {  // the lines do not depend on whose pulls are shown
    const i = slot(loss)
    lines[loss].data = {x: lines[loss].data.x, y: [atlas.ends[2 * i], atlas.ends[2 * i + 1]]}
  }
  emphasis[loss].visible = loss === sel_loss.value  // the wide copy of the chosen line
}
const chosen = sel_loss.value
const i = slot(chosen)
const pulls = atlas.pulls.slice(i * n, (i + 1) * n)
const xs = Array.from(src_pull.data.x)
xs[n - 1] = atlas.place_x[place]
src_pull.data = {x: xs, pull: pulls, color: src_pull.data.color}
const span = atlas.pull_span[variant[chosen]]
pull_range.start = -span
pull_range.end = span
pull_format.format = atlas.pull_formats[variant[chosen]]

const others = atlas.others[i]
const sign = (v) => (v < 0 ? "" : "+") + v.toFixed(2).replace("-", "−")
const label = chosen === "huber" ? `Huber (δ = ${sl_delta.value})`
  : chosen === "barron" ? `Barron (α = ${alpha_labels[alpha]}, c = ${scale})` : labels[chosen]
bars.title.text = `${label}: outlier's pull ${sign(pulls[n - 1])}, the other 12 together ${sign(others)}`
