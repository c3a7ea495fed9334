import { peakRssMiB, runSuite, type BenchCase } from '@recforge/bench'
import type { Interactions } from '@recforge/core'
import { EASE } from '../src/ease'
import { ItemKNN } from '../src/itemknn'
import { syntheticImplicit } from './synthetic'

// Which EASE sizes to run: BASELINES_EASE_SIZES=2000,5000 (default 2000,5000,10000).
const easeSizes = (process.env.BASELINES_EASE_SIZES ?? '2000,5000,10000').split(',').map(Number)
const USERS = 6040
const TARGET = 1_000_000

const knnData = syntheticImplicit({ users: USERS, items: 3706, target: TARGET, seed: 1 })
const cases: BenchCase[] = []

for (const threads of [1, 0]) {
  cases.push({
    name: `item-kNN fit, 1M synthetic (6,040 x 3,706), cosine, 100 neighbours, ${threads === 1 ? '1 thread' : 'all cores'}`,
    repeat: 3,
    run: async () => {
      const m = new ItemKNN({ neighbors: 100, threads })
      await m.fit(knnData)
      return { peakRssMiB: peakRssMiB() }
    },
  })
}

/** Fits EASE and returns the time of each stage as figures. */
async function timedEase(data: Interactions, opts: ConstructorParameters<typeof EASE>[0]): Promise<{ model: EASE; figures: Record<string, number> }> {
  const model = new EASE(opts)
  const stages: Record<string, number> = {}
  let last = performance.now()
  await model.fit(data, {
    onProgress: (e) => {
      const now = performance.now()
      stages[e.stage] = (stages[e.stage] ?? 0) + (now - last) / 1000
      last = now
    },
  })
  return { model, figures: { gramSeconds: stages.gram ?? 0, invertSeconds: stages.invert ?? 0, weightsSeconds: stages.weights ?? 0, peakRssMiB: peakRssMiB() } }
}

for (const n of easeSizes) {
  const data = syntheticImplicit({ users: USERS, items: n, target: TARGET, seed: 2 })
  const big = n >= 5000
  cases.push({
    name: `EASE fit, ${n.toLocaleString('en-US')} items, 1M synthetic, float64, all cores`,
    repeat: big ? 1 : 3,
    warmup: big ? 0 : 1,
    run: async () => (await timedEase(data, { lambda: 500 })).figures,
  })
  if (n === easeSizes[0]) {
    cases.push({
      name: `EASE fit, ${n.toLocaleString('en-US')} items, 1M synthetic, float64, 1 thread`,
      repeat: 3,
      run: async () => (await timedEase(data, { lambda: 500, threads: 1 })).figures,
    })
    let reference: Float32Array | undefined
    cases.push({
      name: `EASE fit, ${n.toLocaleString('en-US')} items, 1M synthetic, float32, all cores`,
      repeat: 3,
      setup: async () => {
        reference ??= (await timedEase(data, { lambda: 500 })).model.weightMatrix()
      },
      run: async () => {
        const f32 = await timedEase(data, { lambda: 500, precision: 'float32' })
        const w = f32.model.weightMatrix()
        let err = 0
        let scale = 0
        for (let k = 0; k < w.length; k++) {
          err = Math.max(err, Math.abs(w[k]! - reference![k]!))
          scale = Math.max(scale, Math.abs(reference![k]!))
        }
        return { ...f32.figures, maxRelErrorVsFloat64: err / scale }
      },
    })
  }
}

await runSuite('baselines', cases, {
  command: 'flock /tmp/recforge-bench.lock pnpm --filter @recforge/baselines bench',
  notes: [
    'Synthetic data from bench/synthetic.ts (core Random, seeded): 6,040 users, about 1M implicit interactions, Zipf-like popularity, 20 taste groups.',
    'EASE times include the sparse Gram matrix, the blocked symmetric-sweep inverse and the weight matrix; the float32 row compares its weights with a float64 fit made untimed in setup.',
    'Figures come from a shared 2-core machine; other work may have run at the same time.',
  ],
})
