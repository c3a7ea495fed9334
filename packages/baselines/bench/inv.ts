import { Random } from '@recforge/core'
import { sweepInverse } from '../src/internal/spd'
const n = Number(process.argv[2] ?? 1500), block = Number(process.argv[3] ?? 96), prec = process.argv[4] ?? 'f64'
const rng = new Random(3)
const A = prec === 'f64' ? new Float64Array(n * n) : new Float32Array(n * n)
for (let i = 0; i < n; i++) { for (let j = 0; j < i; j++) A[i * n + j] = rng.float() * 0.01; A[i * n + i] = n * 0.01 + 1 }
const t0 = performance.now()
await sweepInverse(A, n, { block })
const s = (performance.now() - t0) / 1000
console.log(`n=${n} block=${block} ${prec}: ${s.toFixed(2)} s, ${(n ** 3 / 2 / s / 1e9).toFixed(2)} GFMA/s`)
