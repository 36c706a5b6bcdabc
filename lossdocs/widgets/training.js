// Training curves: show the recorded run for the four sliders, up to the scrubbed epoch.
// Every number is the engine's (lossdocs/widgets/training.py, lossdocs.training): the
// page picks a run by index, reads its losses, and adds the stored differences of the
// fitted curve back up (8-bit codes, FIT_RANGE). Named args: atlas, sliders (hidden,
// n_train, noise, weight_decay), sl_epoch, src_loss, src_best, src_now, best_span,
// now_span, src_fit, src_train, src_val, curves, best_title, fit.

const K = atlas.epochs.length
const X = atlas.fit_x.length
const P = atlas.x.length
const V = atlas.x_val.length
const keys = ["hidden", "n_train", "noise", "weight_decay"]
const run = sliders.reduce((i, s, j) => i * atlas.grid[keys[j]].length + s.value, 0)
const k = sl_epoch.value
const nTrain = atlas.grid.n_train[sliders[1].value]
const noise = sliders[2].value

const train = atlas.train.slice(run * K, (run + 1) * K)
const val = atlas.val.slice(run * K, (run + 1) * K)
const best = atlas.best[run]
const epochs = atlas.epochs
src_loss.data = {epoch: epochs, train: train, val: val}
src_best.data = {x: [epochs[best]], y: [val[best]]}
src_now.data = {x: [epochs[k], epochs[k]], y: [train[k], val[k]], color: src_now.data.color}
best_span.location = epochs[best]
now_span.location = epochs[k]

// The fitted curve after epoch k: the sum of the stored differences up to k, mod 256.
const y = new Float32Array(X)
for (let i = 0; i < X; i++) {
  let code = 0
  for (let e = 0; e <= k; e++) code += atlas.fits[(run * K + e) * X + i]
  y[i] = atlas.fit_lo + (code % 256) * atlas.fit_unit
}
src_fit.data = {x: atlas.fit_x, y: y, truth: atlas.truth}
src_train.data = {x: atlas.x.slice(0, nTrain), y: atlas.y.slice(noise * P, noise * P + nTrain)}
src_val.data = {x: atlas.x_val, y: atlas.y_val.slice(noise * V, (noise + 1) * V)}

const show = (v) => v.toPrecision(3)
curves.title.text = `Epoch ${epochs[k]}: training ${show(train[k])}, validation ${show(val[k])}`
best_title.text = `Lowest validation ${show(val[best])}, at epoch ${epochs[best]}`
fit.title.text = `The fitted curve after epoch ${epochs[k]}`
