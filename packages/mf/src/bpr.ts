import { RecForgeError, itemCounts, resolveConfig, throwIfAborted, type FitOptions, type Interactions } from '@recforge/core'
import { ownedCopy, toShared } from '@recforge/compute'
import { FactorRecommender, type FoldedUser } from './factorModel'
import { bprKernel, type BprKernelArgs } from './internal/kernels'
import { rowRanges, startPool } from './internal/parallel'
import { createBprWasmSpace, fillBitmap } from './internal/wasmSpace'
import { BPR_PARAMS, type BPRConfig } from './params'

/**
 * Bayesian Personalised Ranking (Rendle et al. 2009) by SGD with an item bias, uniform or
 * popularity-aware negative sampling, and lock-free parallel epochs on worker threads.
 * Parameters: {@link BPR_PARAMS}.
 *
 * @example
 * ```ts
 * const bpr = new BPR({ factors: 64, epochs: 50, sampling: 'popularity' })
 * await bpr.fit(interactions)
 * bpr.recommend(0, { k: 10 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for an unknown or out-of-range parameter, or non-finite values.
 */
export class BPR extends FactorRecommender<BPRConfig> {
  readonly name = 'bpr'
  protected readonly accumulate = true

  constructor(config: Partial<BPRConfig> = {}) {
    super(resolveConfig(BPR_PARAMS, config, { model: 'bpr' }))
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    const c = this.config
    const { k, nu, ni, n, rng } = this.startFit(data, opts)
    if (ni < 2) throw new RecForgeError('INVALID_ARGUMENT', `bpr needs at least 2 items to sample negatives; got ${ni}`)
    const pool = await startPool(c.threads, n)
    const shared = pool.shared
    try {
      const initU = rng.fillNormal(new Float32Array(nu * k), 0, c.initStd) as Float32Array
      const initV = rng.fillNormal(new Float32Array(ni * k), 0, c.initStd) as Float32Array
      const space = c.wasm ? createBprWasmSpace(nu, ni, n, k, c.sampling === 'popularity', pool.threads) : undefined
      space?.U.set(initU)
      space?.V.set(initV)
      const U = space ? space.U : toShared(initU, shared)
      const V = space ? space.V : toShared(initV, shared)
      const B = space ? space.itemBias : toShared(new Float32Array(ni), shared)
      // rows sorted so negatives can be checked by binary search
      const indptr = space ? space.indptr : toShared(new Int32Array(nu + 1), shared)
      const indices = space ? space.indices : toShared(new Int32Array(n), shared)
      const rowOf = space ? space.rowOf : toShared(new Int32Array(n), shared)
      indptr.set(data.indptr.subarray(0, nu + 1))
      indices.set(data.indices.subarray(0, n))
      for (let u = 0; u < nu; u++) {
        indices.subarray(indptr[u]!, indptr[u + 1]!).sort()
        rowOf.fill(u, indptr[u]!, indptr[u + 1]!)
      }
      if (space?.bitmap.length) fillBitmap(space.bitmap, rowOf, indices, ni)
      let negCdf: Float64Array = new Float64Array(0)
      if (c.sampling === 'popularity') {
        const counts = itemCounts(data)
        negCdf = space ? space.negCdf : toShared(new Float64Array(ni), shared)
        let acc = 0
        for (let i = 0; i < ni; i++) negCdf[i] = acc += Math.pow(counts[i]! + 1, c.popularityExponent)
      }
      const parts = rowRanges(indptr, nu, pool.threads, 0)
      for (let ep = 0; ep < c.epochs; ep++) {
        throwIfAborted(opts.signal, 'BPR fit')
        const args: BprKernelArgs[] = parts.map(([a, b], task) => ({
          seed: rng.uint32(),
          samples: indptr[b]! - indptr[a]!,
          k,
          indptr,
          indices,
          rowOf,
          entryStart: indptr[a]!,
          entryEnd: indptr[b]!,
          negCdf,
          numItems: ni,
          users: U,
          items: V,
          itemBias: B,
          lr: c.learningRate,
          reg: c.l2,
          verifyNegatives: c.verifyNegatives,
          freezeItems: false,
          ...(space ? { module: space.module, memory: space.memory, out: space.out + 16 * task, bitmap: space.bitmap } : {}),
        }))
        const results = await pool.run('bpr', args)
        if (opts.onProgress) {
          let loss = 0
          let correct = 0
          let taken = 0
          for (const r of results) {
            loss += r.loss
            correct += r.correct
            taken -= r.skipped
          }
          taken += n
          opts.onProgress({ stage: 'epoch', current: ep + 1, total: c.epochs, metrics: { loss: loss / Math.max(1, taken), correct: correct / Math.max(1, taken), skipped: n - taken } })
        }
      }
      this.k = k
      this.userFactors = ownedCopy(U)
      this.itemFactors = ownedCopy(V)
      this.itemBias = ownedCopy(B)
      this.userBias = undefined
      this.globalMean = 0
      this.rememberTraining(data)
    } finally {
      await pool.close()
    }
  }

  /** Fold-in by seeded BPR steps on the one user with the items fixed (`epochs` passes over the items). */
  protected foldInVector(items: Int32Array, _values: Float32Array): FoldedUser {
    const k = this.k
    const vec = new Float32Array(k)
    const sorted = Int32Array.from(new Set(items)).sort()
    if (sorted.length === 0) return { vector: vec, bias: 0 }
    const c = this.config
    let negCdf: Float64Array = new Float64Array(0)
    if (c.sampling === 'popularity') {
      const counts = new Int32Array(this.numItems)
      const s = this.requireFitted()
      for (let e = 0; e < s.indptr[s.users.size]!; e++) counts[s.indices[e]!]!++
      negCdf = new Float64Array(this.numItems)
      let acc = 0
      for (let i = 0; i < this.numItems; i++) negCdf[i] = acc += Math.pow(counts[i]! + 1, c.popularityExponent)
    }
    bprKernel(
      {
        seed: c.seed,
        samples: Math.max(1, c.epochs) * Math.max(20, sorted.length),
        k,
        indptr: new Int32Array([0, sorted.length]),
        indices: sorted,
        rowOf: new Int32Array(sorted.length),
        entryStart: 0,
        entryEnd: sorted.length,
        negCdf,
        numItems: this.numItems,
        users: vec,
        items: this.itemFactors,
        itemBias: this.itemBias!,
        lr: c.learningRate,
        reg: c.l2,
        verifyNegatives: true,
        freezeItems: true,
      },
    )
    return { vector: vec, bias: 0 }
  }
}
