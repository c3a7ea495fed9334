import { describe, expect, it } from 'vitest'
import { ALS, BPR, MF } from '../index'
import { wasmKernelsModule, createAlsWasmSpace } from '../internal/wasmSpace'
import { clusterAuc, plantedImplicit, plantedRatings } from './helpers'

const im = plantedImplicit({ users: 200 })

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0
  for (let j = 0; j < a.length; j++) m = Math.max(m, Math.abs(a[j]! - b[j]!))
  return m
}

function maxAbs(a: Float32Array): number {
  let m = 0
  for (const x of a) m = Math.max(m, Math.abs(x))
  return m
}

describe('als WebAssembly SIMD kernel', () => {
  it('compiles here, and the workspace refuses factor counts that are not multiples of 4', () => {
    expect(wasmKernelsModule()).not.toBeNull()
    const space = createAlsWasmSpace(3, 5, 7, 8, 2)!
    expect(space.U.length).toBe(24)
    expect(space.V.length).toBe(40)
    expect(space.gram.length).toBe(64)
    // regions are 16-byte aligned for v128 loads; scratch (2 tasks x 4k floats) fits in memory
    for (const a of [space.byUser.indices, space.byItem.values, space.U, space.V, space.gram]) expect(a.byteOffset % 16).toBe(0)
    expect(space.scratch + 2 * 16 * 8).toBeLessThanOrEqual(space.memory.buffer.byteLength)
    expect(createAlsWasmSpace(3, 5, 7, 6, 1)).toBeUndefined()
  })

  it('gives the float64 TypeScript conjugate-gradient factors within float32 tolerance', async () => {
    const simd = new ALS({ factors: 8, iterations: 5, threads: 1 })
    const ts = new ALS({ factors: 8, iterations: 5, threads: 1, wasm: false })
    await simd.fit(im.train)
    await ts.fit(im.train)
    const v = ts.itemVectors().vectors
    const d = maxAbsDiff(simd.itemVectors().vectors, v)
    // float32 arithmetic: close, but not bit-identical, so the SIMD kernel really ran
    expect(d).toBeGreaterThan(0)
    expect(d).toBeLessThan(1e-3 * maxAbs(v))
    for (const u of [0, 77, 199]) expect(maxAbsDiff(simd.userVector(u), ts.userVector(u))).toBeLessThan(1e-3 * maxAbs(ts.userVector(u)))
  })

  it('ranks planted clusters as well as the TypeScript kernel, and factors not divisible by 4 use the latter', async () => {
    const simd = new ALS({ factors: 12, iterations: 8, threads: 1 })
    const odd = new ALS({ factors: 10, iterations: 8, threads: 1 })
    const oddTs = new ALS({ factors: 10, iterations: 8, threads: 1, wasm: false })
    await simd.fit(im.train)
    await odd.fit(im.train)
    await oddTs.fit(im.train)
    expect(clusterAuc(simd, im.heldOut, im.clusters, im.train.items.size)).toBeGreaterThan(0.9)
    expect(maxAbsDiff(odd.itemVectors().vectors, oddTs.itemVectors().vectors)).toBe(0)
  })
})

describe('mf WebAssembly SIMD epochs', () => {
  it('give the TypeScript loop\'s predictions up to rounding, and odd factor counts use the latter', async () => {
    const pr = plantedRatings()
    const simd = new MF({ factors: 8, epochs: 15 })
    const ts = new MF({ factors: 8, epochs: 15, wasm: false })
    await simd.fit(pr.train)
    await ts.fit(pr.train)
    const items = Int32Array.from({ length: pr.train.items.size }, (_, i) => i)
    let d = 0
    for (const u of [0, 10, 42]) d = Math.max(d, maxAbsDiff(simd.score(u, items), ts.score(u, items)))
    expect(d).toBeLessThan(1e-4)
    const odd = new MF({ factors: 5, epochs: 5 })
    const oddTs = new MF({ factors: 5, epochs: 5, wasm: false })
    await odd.fit(pr.train)
    await oddTs.fit(pr.train)
    expect(maxAbsDiff(odd.score(3, items), oddTs.score(3, items))).toBe(0)
  })
})

describe('bpr WebAssembly SIMD steps', () => {
  it('rank planted clusters as well as the TypeScript steps (same seeded samples, float32 rounding apart)', async () => {
    const simd = new BPR({ factors: 8, epochs: 60, threads: 1 })
    const ts = new BPR({ factors: 8, epochs: 60, threads: 1, wasm: false })
    await simd.fit(im.train)
    await ts.fit(im.train)
    const a1 = clusterAuc(simd, im.heldOut, im.clusters, im.train.items.size)
    const a2 = clusterAuc(ts, im.heldOut, im.clusters, im.train.items.size)
    expect(a1).toBeGreaterThan(0.9)
    expect(Math.abs(a1 - a2)).toBeLessThan(0.01)
    // the same samples in the same order: the factors stay close after 60 epochs
    const v = ts.itemVectors().vectors
    expect(maxAbsDiff(simd.itemVectors().vectors, v)).toBeLessThan(0.05 * maxAbs(v))
  })
})
