// Shared by landscape.js and descent.js (their builders put this file after grid_codes.js):
// the layers that landscape.py's one_visible and grid_layers draw, one renderer per state.

// Only renderer `index` of each layer visible. BokehJS emits a change only for a renderer
// whose visibility differs, so a switch redraws nothing else.
function showOnly(layers, index) {
  for (const layer of layers) {
    layer.forEach((renderer, i) => { renderer.visible = i === index })
  }
}

// Grid `index`'s image into its layer's source, the first time the grid is shown (the
// builder fills only the opening grid's): its colour codes decoded (grid_codes.js) and
// laid over the preset's window.
function fillImage(source, codes, index, n, wRange, bRange) {
  if (source.data.image.length > 0) return
  const [w0, w1] = wRange
  const [b0, b1] = bRange
  source.data = {image: [new codes.constructor(gridCodes(codes, index, n), [n, n])], x: [w0], y: [b0],
                 dw: [w1 - w0], dh: [b1 - b0]}
}
