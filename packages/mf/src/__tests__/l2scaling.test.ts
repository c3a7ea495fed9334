import { describe, expect, it } from 'vitest'
import { ALS } from '../index'
import { clusterAuc, plantedImplicit } from './helpers'

const im = plantedImplicit({ users: 200 })

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0
  for (let j = 0; j < a.length; j++) m = Math.max(m, Math.abs(a[j]! - b[j]!))
  return m
}

/** ‖A x − b‖∞ / ‖b‖∞ for one user's ALS equations with penalty `reg`, in float64. */
function relativeResidual(model: ALS, items: Int32Array, values: Float32Array, x: Float32Array, reg: number, alpha: number): number {
  const { vectors: Y, dimensions: k } = model.itemVectors()
  const n = Y.length / k
  const A = new Float64Array(k * k)
  const b = new Float64Array(k)
  for (let i = 0; i < n; i++) for (let f = 0; f < k; f++) for (let g = 0; g < k; g++) A[f * k + g]! += Y[i * k + f]! * Y[i * k + g]!
  for (let f = 0; f < k; f++) A[f * k + f]! += reg
  for (let t = 0; t < items.length; t++) {
    const c = 1 + alpha * Math.abs(values[t]!)
    const o = items[t]! * k
    for (let f = 0; f < k; f++) {
      b[f]! += c * Y[o + f]!
      for (let g = 0; g < k; g++) A[f * k + g]! += (c - 1) * Y[o + f]! * Y[o + g]!
    }
  }
  let worst = 0
  let scale = 0
  for (let f = 0; f < k; f++) {
    let s = -b[f]!
    for (let g = 0; g < k; g++) s += A[f * k + g]! * x[g]!
    worst = Math.max(worst, Math.abs(s))
    scale = Math.max(scale, Math.abs(b[f]!))
  }
  return worst / scale
}

describe("als l2Scaling 'count' (weighted-λ)", () => {
  it('fold-in solves the equations with λ · n for a history of n items, and none keeps λ', async () => {
    for (const l2Scaling of ['count', 'none'] as const) {
      const m = new ALS({ factors: 8, iterations: 4, l2: 0.5, alpha: 2, l2Scaling, solver: 'cholesky' })
      await m.fit(im.train)
      for (const u of [0, 33, 150]) {
        const h = m.history(u)
        const x = m.foldIn(h.items, h.values).vector
        const reg = l2Scaling === 'count' ? 0.5 * h.items.length : 0.5
        expect(relativeResidual(m, h.items, h.values, x, reg, 2)).toBeLessThan(1e-5)
        // the other penalty does not solve them: the scaling really changed the equations
        expect(relativeResidual(m, h.items, h.values, x, l2Scaling === 'count' ? 0.5 : 0.5 * h.items.length, 2)).toBeGreaterThan(1e-3)
        // the trained user vector is the closed form of the last half-step
        expect(maxAbsDiff(x, m.userVector(u))).toBeLessThan(1e-5)
      }
    }
  })

  it('gives the same factors from the TypeScript and WebAssembly conjugate gradients and converges to the exact solve', async () => {
    const base = { factors: 8, iterations: 5, l2: 0.5, l2Scaling: 'count', threads: 1 } as const
    const simd = new ALS(base)
    const ts = new ALS({ ...base, wasm: false })
    const exact = new ALS({ ...base, solver: 'cholesky' })
    const manySteps = new ALS({ ...base, wasm: false, cgSteps: 40 })
    for (const m of [simd, ts, exact, manySteps]) await m.fit(im.train)
    const v = ts.itemVectors().vectors
    let scale = 0
    for (const x of v) scale = Math.max(scale, Math.abs(x))
    expect(maxAbsDiff(simd.itemVectors().vectors, v)).toBeLessThan(1e-3 * scale)
    expect(maxAbsDiff(manySteps.itemVectors().vectors, exact.itemVectors().vectors)).toBeLessThan(1e-4 * scale)
    // and it is a different model from l2Scaling 'none'
    const none = new ALS({ ...base, l2Scaling: 'none', wasm: false })
    await none.fit(im.train)
    expect(maxAbsDiff(none.itemVectors().vectors, v)).toBeGreaterThan(1e-2 * scale)
  })

  it('recovers planted clusters at a penalty per interaction', async () => {
    const m = new ALS({ factors: 12, iterations: 8, l2: 0.5, l2Scaling: 'count', threads: 1 })
    await m.fit(im.train)
    expect(clusterAuc(m, im.heldOut, im.clusters, im.train.items.size)).toBeGreaterThan(0.9)
  })
})
