// Profiles one EASE fit: node --cpu-prof via `tsx --cpu-prof`; usage: tsx bench/profile.ts <items> <threads>
import { EASE } from '../src/ease'
import { syntheticImplicit } from './synthetic'
const n = Number(process.argv[2] ?? 3000)
const threads = Number(process.argv[3] ?? 1)
const data = syntheticImplicit({ users: 6040, items: n, target: 1_000_000, seed: 2 })
const t0 = performance.now()
let last = t0
await new EASE({ lambda: 500, threads }).fit(data, { onProgress: (e) => { if (e.stage !== 'invert' || e.current === n) { const now = performance.now(); console.log(e.stage, ((now - last) / 1000).toFixed(2), 's'); last = now } } })
console.log('total', ((performance.now() - t0) / 1000).toFixed(2), 's')
