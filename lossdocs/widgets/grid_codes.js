// Shared by landscape.js and descent.js (their builders put this file first): the 8-bit
// colour codes of grid `index` among the atlas's n x n grids. They are stored
// row-differenced (landscape.py's encode_grid; decode_grid is the Python mirror): each
// row is a running sum, wrapping mod 256 as it was encoded.
function gridCodes(codes, index, n) {
  const deltas = new Uint8Array(codes.buffer, codes.byteOffset + index * n * n, n * n)  // a view, no copy
  const out = new Uint8Array(n * n)
  for (let i = 0; i < n; i++) {
    let acc = 0
    for (let j = 0; j < n; j++) {
      acc = (acc + deltas[i * n + j]) & 255
      out[i * n + j] = acc
    }
  }
  return out
}
