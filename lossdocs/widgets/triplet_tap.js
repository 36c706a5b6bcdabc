// Triplet plane: a tap moves the negative to the nearest precomputed place (a pick
// among the atlas's places by squared distance; the sliders' own callback draws it).
// Named args: atlas, sl_n, sl_a.

const x = cb_obj.x
const y = cb_obj.y
let best = 0
let bestD = Infinity
for (let k = 0; k < atlas.place_x.length; k++) {
  const dx = atlas.place_x[k] - x
  const dy = atlas.place_y[k] - y
  if (dx * dx + dy * dy < bestD) {
    bestD = dx * dx + dy * dy
    best = k
  }
}
const A = atlas.angles.length
sl_a.value = atlas.angles[best % A]
sl_n.value = atlas.negative[Math.floor(best / A)]
