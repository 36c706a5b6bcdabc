// Softmax cross-entropy: show the precomputed state for the current controls.
// It only *selects* numbers the engine computed (lossdocs/widgets/softmax.py): exact
// preset states, or grid tables read at the differences of the logits. Named args:
// atlas, classes, sel_preset, sel_true, sl_eps, sliders (one per class), src_p, src_g,
// readout, colors ([other, true]).

// No "busy" flag (callbacks may run before or after the next change): a slider's change
// gives the preset way only when that slider leaves the preset's position for it.
if (sel_preset.value !== "sliders") {
  const preset = atlas.presets[sel_preset.value]
  if (cb_obj === sel_preset) {
    sliders.forEach((s, c) => { s.value = preset.sliders[c] })  // the nearest steps of its logits
  } else if (sliders.includes(cb_obj)) {
    // Either the reader took over the logits (that change redraws), or this is the
    // preset's own move of the slider, which the preset's call draws.
    if (cb_obj.value !== preset.sliders[sliders.indexOf(cb_obj)]) sel_preset.value = "sliders"
    return
  }
}

const t = classes.indexOf(sel_true.value)
const e = Math.round((sl_eps.value - sl_eps.start) / sl_eps.step)
const eps = atlas.smoothing[e]
let shown
let where
if (sel_preset.value !== "sliders") {
  const preset = atlas.presets[sel_preset.value]
  shown = preset.states[`${t}|${e}`]
  where = `Preset logits log p = ${preset.logits.map((v) => v.toFixed(3)).join(", ")} (the sliders show the nearest steps)`
} else {
  const d = atlas.diffs
  const z = sliders.map((s) => s.value)
  // Each class reads the tables at the other two logits' differences from its own.
  const index = (c) => Math.round((z[(c + 1) % 3] - z[c] - d.start) / d.step) * d.n +
    Math.round((z[(c + 2) % 3] - z[c] - d.start) / d.step)
  const idx = [0, 1, 2].map(index)
  shown = {
    p: idx.map((i) => atlas.p[i]),
    loss_index: atlas.loss[e][idx[t]],
    loss_onehot: atlas.loss[e][idx[t]],  // equal to the bit on the grid (checked at build)
    grad: idx.map((i, c) => (c === t ? atlas.grad_true : atlas.grad_other)[e][i]),
    q: [0, 1, 2].map((c) => atlas.q[e][c === t ? 0 : 1]),
  }
  where = "Logits from the sliders"
}
src_p.data = {
  cls: classes, p: shown.p, q: shown.q,
  color: classes.map((_, c) => colors[c === t ? 1 : 0]),
  text: shown.p.map((v) => v.toFixed(3)),
}
src_g.data = {
  cls: classes, g: shown.grad,
  text: shown.grad.map((v) => (v >= 0 ? "+" : "") + v.toFixed(3)),
  y: shown.grad.map((v) => v + (v >= 0 ? 0.06 : -0.06)),
}
readout.html = `<b>Cross-entropy</b>, true class ${classes[t]}, smoothing ε = ${eps}: ` +
  `from the class index <b>${shown.loss_index.toFixed(4)}</b> · from the one-hot vector ` +
  `<b>${shown.loss_onehot.toFixed(4)}</b><br><small>${where}</small>`
