// Render TeX to HTML with KaTeX at build time (called by lossdocs/mathrender.py).
// argv[2]: path to the katex package. stdin: JSON [[tex, displayMode], ...].
// stdout: JSON [{html} | {error}, ...] in the same order.
"use strict"
const katex = require(process.argv[2])
const chunks = []
process.stdin.on("data", (c) => chunks.push(c))
process.stdin.on("end", () => {
  const jobs = JSON.parse(Buffer.concat(chunks).toString("utf8"))
  const out = jobs.map(([tex, display]) => {
    try {
      return {html: katex.renderToString(tex, {displayMode: display, throwOnError: true, output: "htmlAndMathml", strict: "ignore"})}
    } catch (err) {
      return {error: String(err.message || err)}
    }
  })
  process.stdout.write(JSON.stringify(out))
})
