import {
  Random,
  RecForgeError,
  checkArtifacts,
  checkNumber,
  itemCounts,
  nnz,
  throwIfAborted,
  validateInteractions,
  type FitOptions,
  type Interactions,
  type ModelArtifacts,
} from '@recforge/core'
import { ownedCopy, toShared } from '@recforge/compute'
import { FactorRecommender, type FoldedUser } from './factorModel'
import { bprKernel, type BprKernelArgs } from './internal/kernels'
import { rowRanges, startPool } from './internal/parallel'
import { createFactorWasmSpace } from './internal/wasmSpace'

/** Options of {@link BPR}. */
export interface BPRConfig {
  /** Number of latent factors. Defaults to `64`. */
  factors?: number
  /** Epochs; each draws as many (user, positive, negative) triples as there are interactions. Defaults to `100`. */
  epochs?: number
  /** SGD learning rate. Defaults to `0.05`. */
  lr?: number
  /** L2 penalty on the factors and item biases. Defaults to `0.01`. */
  reg?: number
  /** Negative sampling: `uniform` over items, or `popularity` (∝ count^popularityExponent). Defaults to `'uniform'`. */
  sampling?: 'uniform' | 'popularity'
  /** Exponent of the popularity-aware sampler. Defaults to `0.75`. */
  popularityExponent?: number
  /** Reject sampled negatives the user has interacted with. Defaults to `true`. */
  verifyNegatives?: boolean
  /** Standard deviation of the initial factors. Defaults to `0.01`. */
  initStd?: number
  /** Run the vector work of each step in WebAssembly f32x4 SIMD when `factors` is a multiple of 4. Defaults to `true`. */
  wasm?: boolean
  /** Worker threads (lock-free parallel SGD over disjoint user ranges); `0` picks one per core for large data. Defaults to `0`. */
  workers?: number
  /** Seed of initialisation and sampling. Defaults to `42`. */
  seed?: number
}

type Resolved = Required<BPRConfig>

const BPR_FORMAT = 1

/**
 * Bayesian Personalised Ranking (Rendle et al. 2009) by SGD with an item bias, uniform or
 * popularity-aware negative sampling, and lock-free parallel epochs on worker threads.
 *
 * @example
 * ```ts
 * const bpr = new BPR({ factors: 64, epochs: 50, sampling: 'popularity' })
 * await bpr.fit(interactions)
 * bpr.recommend(0, { k: 10 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for out-of-range options or non-finite values.
 */
export class BPR extends FactorRecommender<Resolved> {
  readonly name = 'bpr'
  protected readonly accumulate = true

  constructor(config: BPRConfig = {}) {
    const c: Resolved = {
      factors: config.factors ?? 64,
      epochs: config.epochs ?? 100,
      lr: config.lr ?? 0.05,
      reg: config.reg ?? 0.01,
      sampling: config.sampling ?? 'uniform',
      popularityExponent: config.popularityExponent ?? 0.75,
      verifyNegatives: config.verifyNegatives ?? true,
      initStd: config.initStd ?? 0.01,
      wasm: config.wasm ?? true,
      workers: config.workers ?? 0,
      seed: config.seed ?? 42,
    }
    checkNumber('factors', c.factors, { min: 1, integer: true })
    checkNumber('epochs', c.epochs, { min: 0, integer: true })
    checkNumber('lr', c.lr, { min: 0, exclusiveMin: true })
    checkNumber('reg', c.reg, { min: 0 })
    checkNumber('popularityExponent', c.popularityExponent, { min: 0 })
    checkNumber('initStd', c.initStd, { min: 0 })
    checkNumber('workers', c.workers, { min: 0, integer: true })
    if (c.sampling !== 'uniform' && c.sampling !== 'popularity') {
      throw new RecForgeError('INVALID_ARGUMENT', `option "sampling" must be "uniform" or "popularity"; got ${JSON.stringify(c.sampling)}`)
    }
    super(c)
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    validateInteractions(data)
    const c = this.config
    const k = c.factors
    const nu = data.users.size
    const ni = data.items.size
    const n = nnz(data)
    if (ni < 2) throw new RecForgeError('INVALID_ARGUMENT', `bpr needs at least 2 items to sample negatives; got ${ni}`)
    const pool = await startPool(c.workers, n)
    const shared = pool.shared
    try {
      const rng = new Random(opts.seed ?? c.seed)
      const initU = rng.fillNormal(new Float32Array(nu * k), 0, c.initStd) as Float32Array
      const initV = rng.fillNormal(new Float32Array(ni * k), 0, c.initStd) as Float32Array
      const space = c.wasm ? createFactorWasmSpace(nu, ni, k) : undefined
      space?.U.set(initU)
      space?.V.set(initV)
      const U = space ? space.U : toShared(initU, shared)
      const V = space ? space.V : toShared(initV, shared)
      const B = toShared(new Float32Array(ni), shared)
      // rows sorted so negatives can be checked by binary search
      const indptr = toShared(data.indptr.slice(0, nu + 1), shared)
      const indices = toShared(data.indices.slice(0, n), shared)
      const rowOf = toShared(new Int32Array(n), shared)
      for (let u = 0; u < nu; u++) {
        indices.subarray(indptr[u]!, indptr[u + 1]!).sort()
        rowOf.fill(u, indptr[u]!, indptr[u + 1]!)
      }
      let negCdf: Float64Array = new Float64Array(0)
      if (c.sampling === 'popularity') {
        const counts = itemCounts(data)
        negCdf = new Float64Array(ni)
        let acc = 0
        for (let i = 0; i < ni; i++) negCdf[i] = acc += Math.pow(counts[i]! + 1, c.popularityExponent)
        negCdf = toShared(negCdf, shared)
      }
      const parts = rowRanges(indptr, nu, pool.threads, 0)
      for (let ep = 0; ep < c.epochs; ep++) {
        throwIfAborted(opts.signal, 'BPR fit')
        const args: BprKernelArgs[] = parts.map(([a, b]) => ({
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
          lr: c.lr,
          reg: c.reg,
          verifyNegatives: c.verifyNegatives,
          freezeItems: false,
          ...(space ? { module: space.module, memory: space.memory } : {}),
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
        lr: c.lr,
        reg: c.reg,
        verifyNegatives: true,
        freezeItems: true,
      },
    )
    return { vector: vec, bias: 0 }
  }

  override async save(): Promise<ModelArtifacts> {
    const { meta, tensors } = this.factorArtifacts()
    return { model: this.name, formatVersion: BPR_FORMAT, config: { ...this.config }, meta, tensors }
  }

  /**
   * Rebuilds a fitted model from {@link BPR.save} artifacts.
   *
   * @example
   * ```ts
   * const again = await BPR.load(await bpr.save())
   * ```
   * @throws RecForgeError INVALID_ARGUMENT for another model's artifacts; UNSUPPORTED_VERSION; PARSE_ERROR for missing tensors.
   */
  static override async load(a: ModelArtifacts): Promise<BPR> {
    checkArtifacts(a, 'bpr', BPR_FORMAT)
    const m = new BPR(a.config as BPRConfig)
    m.restoreFactors(a)
    return m
  }
}
