// Contrastive loss: show the engine's curves for the chosen margin and read both pairs
// at the chosen distance (lossdocs/widgets/contrastive.py). Only indexing here: the
// distance's index on the grid uses the atlas's distance_step and stride, as titles() does.
// Named args: atlas, sl_m, sl_d, src, src_now, spans, loss, grad.

const n = atlas.d.length
const k = atlas.margins.indexOf(sl_m.value)
const i = Math.round(sl_d.value / atlas.distance_step) * atlas.stride
const dis = atlas.dissimilar.slice(k * n, (k + 1) * n)
const disGrad = atlas.dissimilar_grad.slice(k * n, (k + 1) * n)
src.data = {d: atlas.d, similar: atlas.similar, similar_grad: atlas.similar_grad, dissimilar: dis, dissimilar_grad: disGrad}
src_now.data = {x: [sl_d.value, sl_d.value], loss: [atlas.similar[i], dis[i]], grad: [atlas.similar_grad[i], disGrad[i]],
  color: src_now.data.color}
for (const span of spans) span.location = sl_m.value

const d = sl_d.value.toFixed(2)
const signed = (v) => (v < 0 ? "" : "+") + v.toFixed(3).replace("-", "−")
loss.title.text = `d = ${d}: similar ${atlas.similar[i].toFixed(3)}, dissimilar ${dis[i].toFixed(3)}` +
  (dis[i] === 0 ? " (past the margin)" : "")
grad.title.text = `Slopes at d = ${d}: similar ${signed(atlas.similar_grad[i])}, dissimilar ${signed(disGrad[i])}`
