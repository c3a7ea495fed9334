import { Random } from '@recforge/core'
import { createSweepWorkspace, sweepInverse } from '../src/internal/spd'
const n = Number(process.argv[2] ?? 1500)
const rng = new Random(3)
const src = new Float64Array(n * n)
for (let i = 0; i < n; i++) { for (let j = 0; j < i; j++) src[i * n + j] = rng.float() * 0.01; src[i * n + i] = n * 0.01 + 1 }
for (let rep = 0; rep < 2; rep++) for (const wasm of [false, true]) {
  const ws = createSweepWorkspace(n, { wasm }); ws.A.set(src)
  const t0 = performance.now(); await sweepInverse(ws); const s = (performance.now() - t0) / 1000
  console.log(`n=${n} wasm=${wasm}: ${s.toFixed(2)} s, ${(n ** 3 / 2 / s / 1e9).toFixed(2)} GFMA/s`)
}
