// Triplet loss: show the engine's loss, region and arrows for the four sliders
// (lossdocs/widgets/triplet.py computed every setting). Only indexing here.
// Named args: atlas, sl_p, sl_n, sl_a, sl_m, src_ring, src_pts, src_arrows, plane, distances,
// regions.

const P = atlas.positive.indexOf(sl_p.value)
const N = atlas.negative.indexOf(sl_n.value)
const A = atlas.angles.indexOf(sl_a.value)
const M = atlas.margins.indexOf(sl_m.value)
const i = ((P * atlas.negative.length + N) * atlas.angles.length + A) * atlas.margins.length + M
const r = 3 * (P * atlas.margins.length + M)
const place = N * atlas.angles.length + A

src_ring.data = {x: src_ring.data.x, y: src_ring.data.y, inner: [0, atlas.ring[r], atlas.ring[r + 1]],
  outer: [atlas.ring[r], atlas.ring[r + 1], atlas.ring[r + 2]], color: src_ring.data.color,
  label: src_ring.data.label}
const xs = [0, sl_p.value, atlas.place_x[place]]
const ys = [0, 0, atlas.place_y[place]]
src_pts.data = {x: xs, y: ys, color: src_pts.data.color, label: src_pts.data.label}
const e = atlas.ends.slice(6 * i, 6 * i + 6)
src_arrows.data = {x0: xs, y0: ys, x1: [e[0], e[2], e[4]], y1: [e[1], e[3], e[5]]}
plane.title.text = `A ${regions[atlas.region[i]]} negative: loss ${atlas.loss[i].toFixed(3)}`
distances.text = `d(a, p) = ${atlas.d_ap[i].toFixed(3)}, d(a, n) = ${atlas.d_an[i].toFixed(3)}`
