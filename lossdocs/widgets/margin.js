// Margin explorer: show the precomputed curves for the current controls.
// It only *selects* arrays the engine computed at build time (lossdocs/widgets/margin.py);
// no loss is evaluated here. Named args: atlas, src, sel_label, sel_axis, sl_gamma,
// sl_alpha, src_zone, fig_l, xaxes, views, readout, prompt (the readout's opening text).

const label = sel_label.value
const axis = sel_axis.value
const gi = Math.round((sl_gamma.value - sl_gamma.start) / sl_gamma.step)
const ai = Math.round((sl_alpha.value - sl_alpha.start) / sl_alpha.step)

const data = {x: atlas.x[axis], zv: atlas.x.z, pv: atlas.x.p}
for (const name of ["bce", "hinge", "soft", "se"]) {
  const [v, g] = atlas.curves[`${label}|${name}`]
  data[name] = v
  data[name + "_g"] = g
}
const [fv, fg] = atlas.focal[`${label}|${gi}|${ai}`]
data.focal = fv
data.focal_g = fg
src.data = data

const zone = atlas.zones[`${label}|${axis}`]
src_zone.data = {left: [zone.wrong.left, zone.right.left], right: [zone.wrong.right, zone.right.right],
                 color: src_zone.data.color}

const view = views[axis]
const xr = fig_l.x_range
if (xr.start !== view[0] || xr.end !== view[1]) {
  xr.setv({start: view[0], end: view[1], reset_start: view[0], reset_end: view[1]})
  for (const a of xaxes) {
    a.axis_label = axis === "z" ? "logit z" : "probability p = σ(z)"
  }
}
if (readout.html !== prompt) {
  readout.html = prompt
}
