import { runBundles } from '/work/main/bench/metrics/bundle.js'

const r = await runBundles()
const b = r[0]!
let s = 0
for (const m of b.modules) {
  s += m.bytes
  console.log(String(m.bytes).padStart(6), String(s).padStart(7), m.module)
}
