import { createPool, splitTriangle as triangleSplit } from '@recforge/compute'
import { Random } from '@recforge/core'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { baselinesKernels } from '../internal/kernels'
import { knnRowsKernel } from '../internal/knn'
import { kernelsWorker } from '../internal/kernels.worker.generated'
import type { BaselinesPool } from '../internal/parallel'
import { sweepInverse } from '../internal/spd'
import { createSweepWorkspace, createWoodburyWorkspace, sweepWasmModule } from '../internal/spdWorkspace'
import { sortedCsr } from '../internal/util'
import { crossRowsKernel, woodburyRowsKernel } from '../internal/woodburyKernels'
import { gaussJordanInverse, maxRelErr, randomImplicit } from './helpers'

/** A random SPD matrix: R^T R + ridge I, row-major. */
function randomSpd(n: number, seed: number, ridge = 0.5): Float64Array {
  const rng = new Random(seed)
  const R = rng.fillNormal(new Float64Array(n * n)) as Float64Array
  const A = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0
      for (let k = 0; k < n; k++) s += R[k * n + i]! * R[k * n + j]!
      A[i * n + j] = s + (i === j ? ridge : 0)
    }
  }
  return A
}

/** Runs the sweep on a copy and returns the full inverse (negated, mirrored). */
async function sweepInverseFull(A: Float64Array, n: number, block: number, opts: { pool?: BaselinesPool; wasm?: boolean; precision?: 'float64' | 'float32' } = {}): Promise<Float64Array> {
  const ws = createSweepWorkspace(n, { block, shared: opts.pool !== undefined, wasm: opts.wasm ?? false, precision: opts.precision ?? 'float64' })
  ws.A.set(A)
  await sweepInverse(ws, opts.pool ? { pool: opts.pool } : {})
  const W = ws.A
  const out = new Float64Array(n * n)
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) out[i * n + j] = out[j * n + i] = -W[i * n + j]!
  return out
}


describe('blocked symmetric sweep inverse', () => {
  // the calling thread and one worker share the rows
  let pool: BaselinesPool
  beforeAll(async () => {
    pool = await createPool({ kernels: baselinesKernels, script: kernelsWorker, threads: 2 })
    expect(pool.threads).toBe(2)
  })
  afterAll(() => pool.close())

  it('equals a straightforward Gauss-Jordan inverse on random SPD matrices (any size and block)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 1_000_000 }), fc.boolean(), async (n, block, seed, wasm) => {
        const A = randomSpd(n, seed)
        const got = await sweepInverseFull(A, n, block, { wasm })
        expect(maxRelErr(got, gaussJordanInverse(A, n))).toBeLessThan(1e-9)
      }),
      { numRuns: 60 },
    )
  })

  it('gives the same bits when the row updates are shared with a worker thread', async () => {
    const n = 70
    const A = randomSpd(n, 3)
    const alone = await sweepInverseFull(A, n, 8)
    const shared = await sweepInverseFull(A, n, 8, { pool })
    expect(shared).toEqual(alone)
    // the WebAssembly kernel adds in the same order, so it gives the same bits too
    expect(await sweepInverseFull(A, n, 8, { wasm: true })).toEqual(alone)
    expect(await sweepInverseFull(A, n, 8, { pool, wasm: true })).toEqual(alone)
    expect(maxRelErr(alone, gaussJordanInverse(A, n))).toBeLessThan(1e-9)
  })

  it('gives the same bits with the WebAssembly kernel across several column panels (n > 256)', async () => {
    const n = 530
    const A = randomSpd(n, 11, n)
    const js = await sweepInverseFull(A, n, 12)
    expect(await sweepInverseFull(A, n, 12, { wasm: true })).toEqual(js)
    expect(await sweepInverseFull(A, n, 12, { pool, wasm: true })).toEqual(js)
    expect(maxRelErr(js, gaussJordanInverse(A, n))).toBeLessThan(1e-9)
    const f32 = await sweepInverseFull(A, n, 12, { wasm: true, precision: 'float32' })
    expect(await sweepInverseFull(A, n, 12, { pool, wasm: true, precision: 'float32' })).toEqual(f32)
    expect(maxRelErr(f32, js)).toBeLessThan(2e-5)
  }, 60_000)

  it('rejects a matrix that is not positive definite', async () => {
    const ws = createSweepWorkspace(2, { block: 1 })
    ws.A.set([1, 2, 2, 1])
    await expect(sweepInverse(ws)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })

  it('uses the WebAssembly kernel for float64 workspaces with a block that is a multiple of 4', () => {
    expect(sweepWasmModule()).toBeInstanceOf(WebAssembly.Module)
    expect(createSweepWorkspace(50, { block: 8 }).memory).toBeDefined()
    expect(createSweepWorkspace(50, { block: 6 }).memory).toBeUndefined()
    const f32 = createSweepWorkspace(50, { block: 8, precision: 'float32' })
    expect(f32.memory).toBeDefined()
    expect(f32.A).toBeInstanceOf(Float32Array)
    expect(f32.Cp).toBeInstanceOf(Float32Array)
    expect(createSweepWorkspace(50, { block: 8, precision: 'float32', wasm: false }).memory).toBeUndefined()
  })

  it('float32 (f32x4 WebAssembly kernel) matches the float64 inverse within single-precision tolerance', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 60 }), fc.constantFrom(4, 8, 12), fc.integer({ min: 0, max: 1_000_000 }), async (n, block, seed) => {
        // a ridge of n keeps the condition number small, as EASE's lambda does
        const A = randomSpd(n, seed, n)
        const exact = gaussJordanInverse(A, n)
        const f32 = await sweepInverseFull(A, n, block, { wasm: true, precision: 'float32' })
        expect(maxRelErr(f32, exact)).toBeLessThan(2e-5)
        // and float32 actually rounds: it is not the float64 result
        if (n > 8) expect(maxRelErr(f32, exact)).toBeGreaterThan(0)
      }),
      { numRuns: 40 },
    )
  })

  it('float32 gives the same bits with or without a worker thread sharing the rows', async () => {
    for (const n of [37, 70]) {
      const A = randomSpd(n, 5, n)
      const alone = await sweepInverseFull(A, n, 8, { wasm: true, precision: 'float32' })
      expect(await sweepInverseFull(A, n, 8, { pool, wasm: true, precision: 'float32' })).toEqual(alone)
      // the plain TypeScript float32 path (float64 sums) agrees to single precision
      const js = await sweepInverseFull(A, n, 8, { wasm: false, precision: 'float32' })
      expect(maxRelErr(alone, js)).toBeLessThan(2e-5)
    }
  })

  it('splits a lower triangle into ranges of similar area', () => {
    const b = triangleSplit(1000, 4)
    expect(b[0]).toBe(0)
    expect(b[4]).toBe(1000)
    for (let p = 0; p < 4; p++) {
      const area = (b[p + 1]! ** 2 - b[p]! ** 2) / 2
      expect(area / (1000 ** 2 / 8)).toBeGreaterThan(0.95)
      expect(area / (1000 ** 2 / 8)).toBeLessThan(1.05)
    }
  })
})

describe('Woodbury kernels (Z = S X, then the lower triangle of -P)', () => {
  // 37 users x 53 items: full 16-wide panels and blocks plus ragged ends
  const data = randomImplicit(37, 53, 20, new Random(4))
  const csr = sortedCsr(data, { binary: false })
  const n = csr.users
  const m = csr.items
  const nnz = csr.byItem.indptr[m]!
  const Ssym = randomSpd(n, 8)

  function run(precision: 'float64' | 'float32', wasm: boolean) {
    const wb = createWoodburyWorkspace(n, m, nnz, { precision, wasm })
    expect(wb.module !== undefined).toBe(wasm)
    wb.indices.set(csr.byItem.indices)
    for (let p = 0; p < nnz; p++) wb.values[p] = 1 + (p % 3) / 2
    wb.S.set(Ssym)
    const simd = wb.module ? { module: wb.module, memory: wb.memory, out: wb.out[0] } : {}
    crossRowsKernel({ iIndptr: csr.byItem.indptr, iIndices: wb.indices, iValues: wb.values, S: wb.S, n, Z: wb.Z, m, start: 0, end: n, ...simd })
    woodburyRowsKernel({ iIndptr: csr.byItem.indptr, iIndices: wb.indices, iValues: wb.values, Z: wb.Z, m, A: wb.A, start: 0, end: m, lambda: 7, ...simd })
    return wb
  }

  it('compute -(I + X^T S X) / lambda, the same bits with and without WebAssembly', () => {
    const js = run('float64', false)
    // dense reference
    const X = new Float64Array(n * m)
    for (let i = 0; i < m; i++) for (let p = csr.byItem.indptr[i]!; p < csr.byItem.indptr[i + 1]!; p++) X[csr.byItem.indices[p]! * m + i] = js.values[p]!
    for (let j = 0; j < m; j++) {
      for (let i = 0; i <= j; i++) {
        let s = 0
        for (let u = 0; u < n; u++) for (let v = 0; v < n; v++) s += X[u * m + i]! * Ssym[u * n + v]! * X[v * m + j]!
        expect(js.A[j * m + i]!).toBeCloseTo(-(s + (i === j ? 1 : 0)) / 7, 8)
      }
    }
    const wasm = run('float64', true)
    expect(Array.from(wasm.Z)).toEqual(Array.from(js.Z))
    expect(Array.from(wasm.A)).toEqual(Array.from(js.A))
    const js32 = run('float32', false)
    const wasm32 = run('float32', true)
    expect(Array.from(wasm32.A)).toEqual(Array.from(js32.A))
    let err = 0
    let scale = 0
    for (let j = 0; j < m; j++) {
      for (let i = 0; i <= j; i++) {
        err = Math.max(err, Math.abs(js32.A[j * m + i]! - js.A[j * m + i]!))
        scale = Math.max(scale, Math.abs(js.A[j * m + i]!))
      }
    }
    expect(err / scale).toBeGreaterThan(0)
    expect(err / scale).toBeLessThan(1e-5)
  })
})

describe('kernel pool', () => {
  it('runs the bundled worker script, which needs no transpiler helper (tsx wraps names in __name)', async () => {
    expect(kernelsWorker.code).not.toContain('__name')
    const data = randomImplicit(30, 20, 6, new Random(9))
    const { byUser, byItem } = sortedCsr(data, {})
    const args = { uIndptr: byUser.indptr, uIndices: byUser.indices, uValues: byUser.values, iIndptr: byItem.indptr, iIndices: byItem.indices, iValues: byItem.values, ni: 20, mode: 0, norms: new Float64Array(20).fill(1), shrink: 0, topN: 5 }
    const pool = await createPool({ kernels: baselinesKernels, script: kernelsWorker, threads: 2 })
    try {
      expect(pool.threads).toBe(2)
      const [here, there] = await pool.run('knn', [{ ...args, start: 0, end: 20 }, { ...args, start: 0, end: 20 }])
      expect(there).toEqual(knnRowsKernel({ ...args, start: 0, end: 20 }))
      expect(there).toEqual(here)
      expect(there!.nbr.length).toBeGreaterThan(0)
    } finally {
      await pool.close()
    }
  })
})
