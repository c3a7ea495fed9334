import { nnz, resolveConfig, throwIfAborted, transpose, type FitOptions, type Interactions } from '@recforge/core'
import { ownedCopy, splitByPrefix, toShared } from '@recforge/compute'
import { FactorRecommender, type FoldedUser } from './factorModel'
import { alsKernel, type AlsKernelArgs, type AlsWasmKernelArgs, type GramWasmKernelArgs } from './internal/kernels'
import { createAlsWasmSpace, type AlsWasmSpace, type WasmCsr } from './internal/wasmSpace'
import { finishGram, gramMatrix } from './internal/linalg'
import { rowRanges, startPool, type MfPool } from './internal/parallel'
import { ALS_PARAMS, type ALSConfig } from './params'

/** The two half-steps of one ALS iteration over factors `U` and `V`. */
interface HalfSteps {
  U: Float32Array
  V: Float32Array
  items: () => Promise<void>
  users: () => Promise<void>
}

/**
 * Implicit-feedback alternating least squares with confidence weighting
 * (Hu, Koren & Volinsky 2008), solved per row by conjugate gradient as the implicit library does,
 * or exactly by Cholesky. Both half-steps run on worker threads for large data. Parameters:
 * {@link ALS_PARAMS}.
 *
 * @example
 * ```ts
 * const als = new ALS({ factors: 64, iterations: 15 })
 * await als.fit(interactions)
 * als.recommend(0, { k: 10 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for an unknown or out-of-range parameter, or non-finite values.
 */
export class ALS extends FactorRecommender<ALSConfig> {
  readonly name = 'als'
  protected readonly accumulate = true
  private gramCache: Float64Array | undefined

  constructor(config: Partial<ALSConfig> = {}) {
    super(resolveConfig(ALS_PARAMS, config, { model: 'als' }))
  }

  /** Saved configs: the renamed parameters (see the factor models), and `l2Scaling` `none` for a config saved before it existed (such a model was trained with one λ for every row). */
  static override upgradeConfig(config: Readonly<Record<string, unknown>>, version: number): Record<string, unknown> {
    const out = super.upgradeConfig(config, version)
    return 'l2Scaling' in out ? out : { ...out, l2Scaling: 'none' }
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    const c = this.config
    const { k, nu, ni, n, rng } = this.startFit(data, opts)
    const pool = await startPool(c.threads, n)
    try {
      const initU = rng.fillNormal(new Float32Array(nu * k), 0, c.initStd) as Float32Array
      const initV = rng.fillNormal(new Float32Array(ni * k), 0, c.initStd) as Float32Array
      const space = c.solver === 'cg' && c.wasm ? createAlsWasmSpace(nu, ni, n, k, pool.threads) : undefined
      const run = space ? this.wasmHalfSteps(space, data, initU, initV, pool) : this.jsHalfSteps(data, initU, initV, pool)
      for (let it = 0; it < c.iterations; it++) {
        throwIfAborted(opts.signal, 'ALS fit')
        // items first, then users: the final user vectors are then exactly what fold-in gives
        await run.items()
        await run.users()
        opts.onProgress?.({ stage: 'iteration', current: it + 1, total: c.iterations, ...(pool.shared ? { message: `${pool.threads} threads` } : {}) })
      }
      const { U, V } = run
      this.k = k
      this.userFactors = ownedCopy(U)
      this.itemFactors = ownedCopy(V)
      this.userBias = undefined
      this.itemBias = undefined
      this.globalMean = 0
      this.gramCache = undefined
      this.rememberTraining(data)
    } finally {
      await pool.close()
    }
  }

  /** The float64 TypeScript half-steps (both solvers), on shared arrays when several threads run them. */
  private jsHalfSteps(data: Interactions, initU: Float32Array, initV: Float32Array, pool: MfPool): HalfSteps {
    const c = this.config
    const k = c.factors
    const nu = data.users.size
    const ni = data.items.size
    const n = nnz(data)
    const shared = pool.shared
    const U = toShared(initU, shared)
    const V = toShared(initV, shared)
    const byUser = {
      indptr: toShared(data.indptr.slice(0, nu + 1), shared),
      indices: toShared(data.indices.slice(0, n), shared),
      values: toShared(data.values.slice(0, n), shared),
    }
    const t = transpose(data)
    const byItem = { indptr: toShared(t.indptr, shared), indices: toShared(t.indices, shared), values: toShared(t.values, shared) }
    const cgSteps = c.solver === 'cholesky' ? 0 : c.cgSteps
    const userParts = rowRanges(byUser.indptr, nu, pool.threads, 2 * k)
    const itemParts = rowRanges(byItem.indptr, ni, pool.threads, 2 * k)
    const half = async (csr: typeof byUser, rows: Array<[number, number]>, fixed: Float32Array, fixedRows: number, out: Float32Array) => {
      const gram = toShared(gramMatrix(fixed, fixedRows, k, c.l2), shared)
      const args: AlsKernelArgs[] = rows.map(([start, end]) => ({ start, end, k, ...csr, fixed, gram, alpha: c.alpha, out, cgSteps, countL2: this.countL2() }))
      await pool.run('als', args)
    }
    return { U, V, items: () => half(byItem, itemParts, U, nu, V), users: () => half(byUser, userParts, V, ni, U) }
  }

  /** The WebAssembly SIMD conjugate-gradient half-steps, with everything in one shared memory. */
  private wasmHalfSteps(space: AlsWasmSpace, data: Interactions, initU: Float32Array, initV: Float32Array, pool: MfPool): HalfSteps {
    const c = this.config
    const k = c.factors
    const nu = data.users.size
    const ni = data.items.size
    const n = nnz(data)
    const { byUser, byItem, U, V, gram, gram64 } = space
    U.set(initU)
    V.set(initV)
    byUser.indptr.set(data.indptr.subarray(0, nu + 1))
    byUser.indices.set(data.indices.subarray(0, n))
    byUser.values.set(data.values.subarray(0, n))
    const t = transpose(data)
    byItem.indptr.set(t.indptr)
    byItem.indices.set(t.indices)
    byItem.values.set(t.values)
    const userParts = rowRanges(byUser.indptr, nu, pool.threads, 2 * k)
    const itemParts = rowRanges(byItem.indptr, ni, pool.threads, 2 * k)
    // Gram rows split by their upper-triangle work (k - f products each), one share per thread
    const gramParts = splitByPrefix((f) => f * k - (f * (f - 1)) / 2, k, pool.threads)
    const half = async (csr: WasmCsr, rows: Array<[number, number]>, fixed: Float32Array, fixedRows: number, out: Float32Array) => {
      const gramArgs: GramWasmKernelArgs[] = []
      for (let task = 0; task < pool.threads; task++) {
        const [f0, f1] = [gramParts[task]!, gramParts[task + 1]!]
        if (f1 > f0) gramArgs.push({ module: space.module, memory: space.memory, y: fixed.byteOffset, rows: fixedRows, k, f0, f1, g: gram64.byteOffset, row: space.scratch + task * 16 * k })
      }
      await pool.run('alsGram', gramArgs)
      finishGram(gram64, k, c.l2)
      gram.set(gram64)
      const args: AlsWasmKernelArgs[] = rows.map(([start, end], task) => ({
        module: space.module,
        memory: space.memory,
        start,
        end,
        k,
        indptr: csr.indptr.byteOffset,
        indices: csr.indices.byteOffset,
        values: csr.values.byteOffset,
        fixed: fixed.byteOffset,
        gram: gram.byteOffset,
        alpha: c.alpha,
        out: out.byteOffset,
        cgSteps: c.cgSteps,
        countL2: this.countL2(),
        scratch: space.scratch + task * 16 * k,
      }))
      await pool.run('alsWasm', args)
    }
    return { U, V, items: () => half(byItem, itemParts, U, nu, V), users: () => half(byUser, userParts, V, ni, U) }
  }

  /** Closed-form fold-in: the exact (Cholesky) solution of one user half-step with the items fixed. */
  protected foldInVector(items: Int32Array, values: Float32Array): FoldedUser {
    const k = this.k
    this.gramCache ??= gramMatrix(this.itemFactors, this.numItems, k, this.config.l2)
    const out = new Float32Array(k)
    // exact least squares with the items fixed: the closed form of one user half-step
    alsKernel({
      start: 0,
      end: 1,
      k,
      indptr: new Int32Array([0, items.length]),
      indices: items,
      values,
      fixed: this.itemFactors,
      gram: this.gramCache,
      alpha: this.config.alpha,
      out,
      cgSteps: 0,
      countL2: this.countL2(),
    })
    return { vector: out, bias: 0 }
  }

  /** The kernels' penalty per interaction beyond a row's first (`l2Scaling`). */
  private countL2(): number {
    return this.config.l2Scaling === 'count' ? this.config.l2 : 0
  }
}
