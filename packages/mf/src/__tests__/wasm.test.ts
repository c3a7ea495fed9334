import { describe, expect, it } from 'vitest'
import { ALS, BPR, MF } from '../index'
import { instantiateWasm } from '@recforge/compute'
import { Random } from '@recforge/core'
import { wasmKernelsModule, createAlsWasmSpace, createBprWasmSpace, createMfWasmSpace, fillBitmap } from '../internal/wasmSpace'
import { bprKernel } from '../internal/kernels'
import { finishGram, gramMatrix } from '../internal/linalg'
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

  it('gram_rows gives gramMatrix\'s float64 sums bit for bit, however the rows are shared out', () => {
    const k = 8
    const rows = 5
    // rows 5 x 8 in the U region (nu = 5); zeros skip whole rows of products, as gramMatrix does
    const space = createAlsWasmSpace(rows, 1, 1, k, 2)!
    new Random(7).fillNormal(space.U)
    space.U[3] = 0
    space.U[k + 5] = 0
    const fn = instantiateWasm(space.module, space.memory).gram_rows as (...a: number[]) => void
    for (const cut of [0, 3, 8]) {
      space.gram64.fill(NaN)
      fn(space.U.byteOffset, rows, k, 0, cut, space.gram64.byteOffset, space.scratch)
      fn(space.U.byteOffset, rows, k, cut, k, space.gram64.byteOffset, space.scratch + 16 * k)
      finishGram(space.gram64, k, 0.25)
      expect(Array.from(space.gram64)).toEqual(Array.from(gramMatrix(space.U, rows, k, 0.25)))
    }
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

describe('mf float32 and float64 precision', () => {
  it('float32 (f32x4) and float64 (f64x2) kernels each give their TypeScript loop\'s predictions up to rounding, and stay within float32 rounding of each other', async () => {
    const pr = plantedRatings()
    const items = Int32Array.from({ length: pr.train.items.size }, (_, i) => i)
    const fits: Record<string, MF> = {}
    for (const precision of ['float32', 'float64'] as const)
      for (const wasm of [true, false]) {
        const m = new MF({ factors: 12, epochs: 15, precision, wasm })
        await m.fit(pr.train)
        fits[`${precision}-${wasm}`] = m
      }
    const diff = (a: MF, b: MF) => {
      let d = 0
      for (const u of [0, 10, 42]) d = Math.max(d, maxAbsDiff(a.score(u, items), b.score(u, items)))
      return d
    }
    expect(diff(fits['float32-true']!, fits['float32-false']!)).toBeLessThan(1e-4)
    expect(diff(fits['float64-true']!, fits['float64-false']!)).toBeLessThan(1e-4)
    const d = diff(fits['float32-true']!, fits['float64-true']!)
    // float32 arithmetic really ran: close to float64, not identical
    expect(d).toBeGreaterThan(0)
    expect(d).toBeLessThan(1e-3)
  })

  it('shuffles in the kernel exactly as core\'s Random.shuffle does, leaving the generator in the same state', () => {
    for (const n of [0, 1, 2, 1000]) {
      const space = createMfWasmSpace(n, n, 1, 1, 4, 'float32')!
      const expected = Int32Array.from({ length: n }, (_, i) => i)
      space.order.set(expected)
      const a = new Random(9)
      const b = new Random(9)
      a.normal() // a cached normal is kept as it is
      b.normal()
      for (let r = 0; r < 3; r++) {
        space.shuffle(a)
        b.shuffle(expected)
        expect(Array.from(space.order)).toEqual(Array.from(expected))
        expect(Array.from(a.getState())).toEqual(Array.from(b.getState()))
      }
    }
  })

  it('refuses factor counts its kernel does not take', () => {
    expect(createMfWasmSpace(4, 4, 2, 2, 6, 'float32')).toBeUndefined()
    expect(createMfWasmSpace(4, 4, 2, 2, 6, 'float64')).toBeDefined()
    expect(createMfWasmSpace(4, 4, 2, 2, 5, 'float64')).toBeUndefined()
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

/**
 * bpr_steps written out in TypeScript for k = 4: core's Random for every draw, float32 rounding
 * where the kernel's f32x4 lanes round (bpr_dot sums lanes (0 + 1) + (2 + 3)), float64 for the
 * item bias, the sigmoid and the loss.
 */
function referenceBprSteps(seed: number, samples: number, indptr: Int32Array, indices: Int32Array, rowOf: Int32Array, negCdf: Float64Array | undefined, U: Float32Array, V: Float32Array, B: Float32Array, lr: number, reg: number) {
  const f = Math.fround
  const rng = new Random(seed)
  const ni = B.length
  let loss = 0
  let correct = 0
  let skipped = 0
  for (let s = 0; s < samples; s++) {
    const e = rng.uint32() % indices.length
    const u = rowOf[e]!
    const i = indices[e]!
    const row = Array.from(indices.subarray(indptr[u]!, indptr[u + 1]!))
    let j = -1
    for (let tries = 0; tries < 20 && j < 0; tries++) {
      let cand = 0
      if (negCdf) {
        const t = rng.float() * negCdf[ni - 1]!
        while (negCdf[cand]! <= t) cand++
      } else cand = rng.uint32() % ni
      if (!row.includes(cand)) j = cand
    }
    if (j < 0) {
      skipped++
      continue
    }
    const lane = [0, 1, 2, 3].map((h) => f(U[u * 4 + h]! * f(V[i * 4 + h]! - V[j * 4 + h]!)))
    const x = B[i]! - B[j]! + f(f(lane[0]! + lane[1]!) + f(lane[2]! + lane[3]!))
    if (x > 0) correct++
    const z = 1 / (1 + Math.exp(x))
    loss += Math.log1p(Math.exp(-x))
    const [z32, lr32, reg32] = [f(z), f(lr), f(reg)]
    for (let h = 0; h < 4; h++) {
      const [uv, iv, jv] = [U[u * 4 + h]!, V[i * 4 + h]!, V[j * 4 + h]!]
      U[u * 4 + h] = f(uv + f(lr32 * f(f(z32 * f(iv - jv)) - f(reg32 * uv))))
      V[i * 4 + h] = f(iv + f(lr32 * f(f(z32 * uv) - f(reg32 * iv))))
      V[j * 4 + h] = f(jv + f(lr32 * f(-f(z32 * uv) - f(reg32 * jv))))
    }
    B[i] = B[i]! + lr * (z - reg * B[i]!)
    B[j] = B[j]! + lr * (-z - reg * B[j]!)
  }
  return { loss, correct, skipped }
}

describe('bpr_steps', () => {
  for (const [popular, bitmap] of [[false, false], [true, false], [false, true], [true, true]] as const)
    it(`takes core Random's draws and bpr_dot/bpr_update's float32 steps, step for step (${popular ? 'popularity' : 'uniform'} negatives, checked ${bitmap ? 'in the bitmap' : 'by binary search'})`, () => {
      const data = plantedImplicit({ users: 30, items: 20, pIn: 0.6, pOut: 0.1 })
      const nu = data.train.users.size
      const ni = data.train.items.size
      const n = data.train.indptr[nu]!
      const space = createBprWasmSpace(nu, ni, n, 4, popular, 1, bitmap)!
      expect(space.bitmap.length).toBe(bitmap ? Math.ceil((nu * ni) / 8) : 0)
      space.indptr.set(data.train.indptr)
      space.indices.set(data.train.indices.subarray(0, n))
      for (let u = 0; u < nu; u++) {
        space.indices.subarray(space.indptr[u]!, space.indptr[u + 1]!).sort()
        space.rowOf.fill(u, space.indptr[u]!, space.indptr[u + 1]!)
      }
      fillBitmap(space.bitmap, space.rowOf, space.indices, ni)
      let acc = 0
      for (let i = 0; i < ni && popular; i++) space.negCdf[i] = acc += 1 + (i % 5)
      const rng = new Random(11)
      rng.fillNormal(space.U, 0, 0.5)
      rng.fillNormal(space.V, 0, 0.5)
      rng.fillNormal(space.itemBias, 0, 0.1)
      const [U, V, B] = [space.U.slice(), space.V.slice(), space.itemBias.slice()]
      const samples = 3 * n
      const want = referenceBprSteps(99, samples, space.indptr, space.indices, space.rowOf, popular ? space.negCdf : undefined, U, V, B, 0.05, 0.01)
      const got = bprKernel({
        seed: 99,
        samples,
        k: 4,
        indptr: space.indptr,
        indices: space.indices,
        rowOf: space.rowOf,
        entryStart: 0,
        entryEnd: n,
        negCdf: popular ? space.negCdf : new Float64Array(0),
        numItems: ni,
        users: space.U,
        items: space.V,
        itemBias: space.itemBias,
        lr: 0.05,
        reg: 0.01,
        verifyNegatives: true,
        freezeItems: false,
        module: space.module,
        memory: space.memory,
        out: space.out,
        bitmap: space.bitmap,
      })
      expect(got.correct).toBe(want.correct)
      expect(got.skipped).toBe(want.skipped)
      expect(got.correct).toBeGreaterThan(0)
      // exp and log are the kernel's own series: the loss agrees to rounding
      expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-9 * want.loss)
      expect(Array.from(space.U)).toEqual(Array.from(U))
      expect(Array.from(space.V)).toEqual(Array.from(V))
      expect(Array.from(space.itemBias)).toEqual(Array.from(B))
    })
})
