// Shared by the bodies that put it first (landscape.js, descent.js): `values` (an array
// or a typed array) lengthened to n with `blank`. BokehJS re-indexes a source whose length
// changes and updates each of its glyphs twice, so a source that a control refills with a
// different number of points keeps the length of its longest state; the blank tail (NaN,
// or "" for text) draws nothing. padded() in code.py is the Python mirror.
function padded(values, n, blank) {
  const out = new Array(n).fill(blank)
  for (let i = 0; i < values.length; i++) out[i] = values[i]
  return out
}
