// Class-imbalance lab: show the precomputed fit for the current controls.
// Every fit was run to its minimum by the engine (lossdocs/widgets/imbalance.py); this
// only picks one and writes its numbers. Named args: atlas, sel_loss, sl_w, sl_g, sl_a,
// src_fit, src_bars, cut, readout.

const focal = sel_loss.value === "focal"
sl_w.disabled = focal
sl_g.disabled = !focal
sl_a.disabled = !focal
const index = (s) => Math.round((s.value - s.start) / s.step)
const key = focal ? `focal|${index(sl_g)}|${index(sl_a)}` : `bce_logits|${index(sl_w)}`
const fit = atlas.fits[key]

const pct = (v) => (v === null ? "—" : `${(100 * v).toFixed(1)}%`)
const w = atlas.pos_weights[index(sl_w)]
const label = focal ? `Focal, γ ${atlas.gammas[index(sl_g)]}, α ${atlas.alphas[index(sl_a)]}`
  : (w === 1 ? "Plain BCE" : `BCE, pos_weight ${w}`)

src_fit.data = {x: src_fit.data.x, p: fit.curve, base: src_fit.data.base}
cut.location = fit.threshold
src_bars.data = {
  metric: src_bars.data.metric,
  value: [fit.accuracy, fit.recall, fit.precision === null ? 0 : fit.precision],
  text: [pct(fit.accuracy), pct(fit.recall), pct(fit.precision)],
}
readout.html = `<b>${label}</b>: w = ${fit.w.toFixed(3)}, b = ${fit.b.toFixed(3)}, p = 0.5 at x = ${fit.threshold.toFixed(3)}; ` +
  `mean loss ${fit.value.toFixed(4)}, gradient norm ${fit.grad_norm.toExponential(1)}<br>` +
  `Accuracy <b>${pct(fit.accuracy)}</b> · positives found (recall) <b>${pct(fit.recall)}</b> ` +
  `(${fit.true_positive} of 20) · called positive that are (precision) <b>${pct(fit.precision)}</b> ` +
  `(${fit.true_positive} of ${fit.called_positive})`
