import { InteractionsBuilder, Random } from '@recforge/core'
import { EASE } from '../src/ease'
const rng = new Random(1)
const b = new InteractionsBuilder()
const ni = Number(process.argv[2] ?? 6), nu = Number(process.argv[3] ?? 20)
for (let i = 0; i < ni; i++) b.items.add('i' + i)
for (let u = 0; u < nu; u++) for (let i = 0; i < ni; i++) if (rng.float() < 0.4) b.push('u' + u, 'i' + i, 1)
const data = b.build()
const t0 = performance.now()
const e = new EASE({ lambda: 2, threads: Number(process.argv[4] ?? 0) })
let last = performance.now(); const stages: Record<string, number> = {}; await e.fit(data, { onProgress: (ev) => { const now = performance.now(); stages[ev.stage] = (stages[ev.stage] ?? 0) + now - last; last = now } }); console.log(stages)
console.log('fit', ((performance.now() - t0) / 1000).toFixed(2), 's')
if (ni <= 8) {
  // direct check: G + lambda I, invert by plain Gauss-Jordan in float64
  const G = new Float64Array(ni * ni)
  for (let u = 0; u < nu; u++) { const r = data.indices.subarray(data.indptr[u]!, data.indptr[u + 1]!); for (const i of r) for (const j of r) G[i * ni + j]! += 1 }
  for (let i = 0; i < ni; i++) G[i * ni + i]! += 2
  const M = Float64Array.from(G), I = new Float64Array(ni * ni); for (let i = 0; i < ni; i++) I[i * ni + i] = 1
  for (let k = 0; k < ni; k++) { const p = M[k * ni + k]!; for (let j = 0; j < ni; j++) { M[k * ni + j]! /= p; I[k * ni + j]! /= p } for (let i = 0; i < ni; i++) if (i !== k) { const f = M[i * ni + k]!; for (let j = 0; j < ni; j++) { M[i * ni + j]! -= f * M[k * ni + j]!; I[i * ni + j]! -= f * I[k * ni + j]! } } }
  const W = e.weightMatrix(); let err = 0
  for (let i = 0; i < ni; i++) for (let j = 0; j < ni; j++) { const want = i === j ? 0 : -I[i * ni + j]! / I[j * ni + j]!; err = Math.max(err, Math.abs(want - W[i * ni + j]!)) }
  console.log('max err', err)
}
