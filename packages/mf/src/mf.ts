import {
  Random,
  checkArtifacts,
  checkNumber,
  throwIfAborted,
  validateInteractions,
  type FitOptions,
  type Interactions,
  type ModelArtifacts,
} from '@recforge/core'
import { FactorRecommender, type FoldedUser } from './factorModel'
import { checkLrDecay, ratingFoldIn, rowsOf, validationSplit } from './internal/ratings'
import { createMfWasmSpace, type MfSgdState } from './internal/wasmSpace'

/** Options of {@link MF}; names and meanings follow Surprise's `SVD`. */
export interface MFConfig {
  /** Number of latent factors. Defaults to `100`. */
  factors?: number
  /** Passes over the training ratings. Defaults to `20`. */
  epochs?: number
  /** Learning rate of all parameters (Surprise's `lr_all`). Defaults to `0.005`. */
  lr?: number
  /** L2 penalty of all parameters, applied per rating (Surprise's `reg_all`). Defaults to `0.02`. */
  reg?: number
  /** Learning rate of the biases, when it should differ from `lr`. Defaults to `lr`. */
  lrBias?: number
  /** Penalty of the biases, when it should differ from `reg`. Defaults to `reg`. */
  regBias?: number
  /** Mean of the initial factors. Defaults to `0`. */
  initMean?: number
  /** Standard deviation of the initial factors. Defaults to `0.1`. */
  initStd?: number
  /** Use the global mean and user/item biases. Defaults to `true`. */
  biased?: boolean
  /** Multiplies the learning rates after every epoch (1 = constant). Defaults to `1`. */
  lrDecay?: number
  /** Share of the training ratings held out to stop early (0 = train on all, no early stopping). Defaults to `0`. */
  validationFraction?: number
  /** Epochs without a better validation RMSE before stopping (the best epoch's parameters are kept). Defaults to `3`. */
  patience?: number
  /** Visit ratings in a new random order every epoch (Surprise visits them user by user). Defaults to `true`. */
  shuffle?: boolean
  /** Seed of initialisation, shuffling and the validation split. Defaults to `42`. */
  seed?: number
  /** Run the SGD epochs in WebAssembly f64x2 SIMD when `factors` is even (float64 like the TypeScript loop; sums differ only in rounding order). Defaults to `true`. */
  wasm?: boolean
}

type Resolved = Required<Omit<MFConfig, 'lrBias' | 'regBias' | 'wasm'>> & { lrBias: number; regBias: number }

const MF_FORMAT = 1

/**
 * Zeroes the factors of users and items with no training rating: SGD never touched them, so
 * their random initial values would only add noise (their predictions fall back to the biases).
 */
export function zeroUntrained(P: Float64Array, Q: Float64Array, rowOf: Int32Array, items: Int32Array, entries: Int32Array, k: number): void {
  const nu = P.length / k
  const ni = Q.length / k
  const su = new Uint8Array(nu)
  const si = new Uint8Array(ni)
  for (let t = 0; t < entries.length; t++) {
    su[rowOf[entries[t]!]!] = 1
    si[items[entries[t]!]!] = 1
  }
  for (let u = 0; u < nu; u++) if (!su[u]) P.fill(0, u * k, u * k + k)
  for (let i = 0; i < ni; i++) if (!si[i]) Q.fill(0, i * k, i * k + k)
}

/** Resolves and checks the SGD rating options shared by {@link MF} and SVD++. */
export function resolveSgdConfig(config: MFConfig, defaults: { factors: number; lr: number; reg: number }): Resolved {
  const lr = config.lr ?? defaults.lr
  const reg = config.reg ?? defaults.reg
  const c: Resolved = {
    factors: config.factors ?? defaults.factors,
    epochs: config.epochs ?? 20,
    lr,
    reg,
    lrBias: config.lrBias ?? lr,
    regBias: config.regBias ?? reg,
    initMean: config.initMean ?? 0,
    initStd: config.initStd ?? 0.1,
    biased: config.biased ?? true,
    lrDecay: config.lrDecay ?? 1,
    validationFraction: config.validationFraction ?? 0,
    patience: config.patience ?? 3,
    shuffle: config.shuffle ?? true,
    seed: config.seed ?? 42,
  }
  checkNumber('factors', c.factors, { min: 1, integer: true })
  checkNumber('epochs', c.epochs, { min: 0, integer: true })
  checkNumber('lr', c.lr, { min: 0, exclusiveMin: true })
  checkNumber('reg', c.reg, { min: 0 })
  checkNumber('lrBias', c.lrBias, { min: 0 })
  checkNumber('regBias', c.regBias, { min: 0 })
  checkNumber('initMean', c.initMean)
  checkNumber('initStd', c.initStd, { min: 0 })
  checkLrDecay(c.lrDecay)
  checkNumber('validationFraction', c.validationFraction, { min: 0, max: 0.9 })
  checkNumber('patience', c.patience, { min: 1, integer: true })
  return c
}

/**
 * Biased matrix factorisation for rating prediction, r̂ = μ + b_u + b_i + q_i·p_u, trained by SGD
 * with per-rating L2 penalties (Funk; Koren, Bell & Volinsky 2009), as Surprise's `SVD`, plus
 * learning-rate decay and early stopping on a validation part.
 *
 * @example
 * ```ts
 * const mf = new MF({ factors: 100, epochs: 20, lr: 0.005, reg: 0.02 })
 * await mf.fit(ratings)
 * mf.score(0, new Int32Array([10, 11])) // predicted ratings
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for out-of-range options or non-finite ratings.
 */
export class MF extends FactorRecommender<Resolved & { wasm: boolean }> {
  readonly name = 'mf'
  protected readonly accumulate = false
  /** Epochs actually run by the last fit (fewer than `epochs` when stopped early). */
  epochsRun = 0
  /** Validation RMSE of the kept parameters, when `validationFraction` > 0. */
  validationRmse: number | undefined

  constructor(config: MFConfig = {}) {
    super({ ...resolveSgdConfig(config, { factors: 100, lr: 0.005, reg: 0.02 }), wasm: config.wasm ?? true })
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    validateInteractions(data)
    const c = this.config
    const k = c.factors
    const nu = data.users.size
    const ni = data.items.size
    const rng = new Random(opts.seed ?? c.seed)
    const { train, valid } = validationSplit(data, c.validationFraction, rng)
    const n = data.indptr[nu]!
    const space = c.wasm ? createMfWasmSpace(n, train.length, nu, ni, k) : undefined
    const rowOf = space ? space.rowOf : rowsOf(data)
    if (space) {
      rowOf.set(rowsOf(data))
      space.items.set(data.indices.subarray(0, n))
      space.ratings.set(data.values.subarray(0, n))
    }
    const R = space ? space.ratings : data.values
    const I = space ? space.items : data.indices
    let mu = 0
    if (c.biased) {
      for (let t = 0; t < train.length; t++) mu += R[train[t]!]!
      mu /= Math.max(1, train.length)
    }
    const P = space ? space.P : new Float64Array(nu * k)
    const Q = space ? space.Q : new Float64Array(ni * k)
    for (let j = 0; j < P.length; j++) P[j] = rng.normal(c.initMean, c.initStd)
    for (let j = 0; j < Q.length; j++) Q[j] = rng.normal(c.initMean, c.initStd)
    const bu = space ? space.bu : new Float64Array(nu)
    const bi = space ? space.bi : new Float64Array(ni)
    const order = space ? space.order : new Int32Array(train.length)
    order.set(train)
    let lr = c.lr
    let lrB = c.lrBias
    const { reg, regBias } = c
    const biased = c.biased
    let best = Number.POSITIVE_INFINITY
    let bestState: { P: Float64Array; Q: Float64Array; bu: Float64Array; bi: Float64Array } | undefined
    let sinceBest = 0
    this.epochsRun = 0
    for (let ep = 0; ep < c.epochs; ep++) {
      throwIfAborted(opts.signal, 'MF fit')
      if (c.shuffle) rng.shuffle(order)
      const sse = space
        ? space.epoch(k, biased ? mu : 0, lr, biased ? lrB : 0, reg, regBias)
        : mfEpoch({ order, rowOf, items: I, ratings: R, P, Q, bu, bi, k, mu: biased ? mu : 0, lr, lrBias: biased ? lrB : 0, reg, regBias })
      this.epochsRun = ep + 1
      lr *= c.lrDecay
      lrB *= c.lrDecay
      const metrics: Record<string, number> = { trainRmse: Math.sqrt(sse / Math.max(1, order.length)) }
      if (valid.length > 0) {
        let vse = 0
        for (let t = 0; t < valid.length; t++) {
          const e = valid[t]!
          const u = rowOf[e]!
          const i = I[e]!
          let dot = 0
          for (let f = 0; f < k; f++) dot += P[u * k + f]! * Q[i * k + f]!
          const err = R[e]! - (biased ? mu + bu[u]! + bi[i]! : 0) - dot
          vse += err * err
        }
        const vr = Math.sqrt(vse / valid.length)
        metrics.validRmse = vr
        if (vr < best - 1e-6) {
          best = vr
          sinceBest = 0
          bestState = { P: P.slice(), Q: Q.slice(), bu: bu.slice(), bi: bi.slice() }
        } else sinceBest++
      }
      opts.onProgress?.({ stage: 'epoch', current: ep + 1, total: c.epochs, metrics })
      if (valid.length > 0 && sinceBest >= c.patience) break
    }
    const fin = bestState ?? { P, Q, bu, bi }
    zeroUntrained(fin.P, fin.Q, rowOf, I, train, k)
    this.validationRmse = bestState ? best : undefined
    this.k = k
    this.userFactors = Float32Array.from(fin.P)
    this.itemFactors = Float32Array.from(fin.Q)
    this.userBias = biased ? Float32Array.from(fin.bu) : undefined
    this.itemBias = biased ? Float32Array.from(fin.bi) : undefined
    this.globalMean = biased ? mu : 0
    this.rememberTraining(data)
  }

  /** Least-squares fold-in of p_u and b_u with the items fixed (the point SGD converges to). */
  protected foldInVector(items: Int32Array, values: Float32Array): FoldedUser {
    const c = this.config
    const { p, bias } = ratingFoldIn({
      items,
      values,
      k: this.k,
      itemFactors: this.itemFactors,
      itemBias: this.itemBias,
      globalMean: this.globalMean,
      reg: c.reg,
      regBias: c.regBias,
      biased: c.biased,
    })
    return { vector: Float32Array.from(p), bias }
  }

  override async save(): Promise<ModelArtifacts> {
    const { meta, tensors } = this.factorArtifacts()
    return { model: this.name, formatVersion: MF_FORMAT, config: { ...this.config }, meta, tensors }
  }

  /**
   * Rebuilds a fitted model from {@link MF.save} artifacts.
   *
   * @example
   * ```ts
   * const again = await MF.load(await mf.save())
   * ```
   * @throws RecForgeError INVALID_ARGUMENT for another model's artifacts; UNSUPPORTED_VERSION; PARSE_ERROR for missing tensors.
   */
  static override async load(a: ModelArtifacts): Promise<MF> {
    checkArtifacts(a, 'mf', MF_FORMAT)
    const m = new MF(a.config as MFConfig)
    m.restoreFactors(a)
    return m
  }
}

/** One SGD epoch of biased MF in TypeScript (the fallback of the WebAssembly kernel); returns the summed squared error. */
function mfEpoch(a: MfSgdState & {
  k: number
  mu: number
  lr: number
  lrBias: number
  reg: number
  regBias: number
}): number {
  const { order, rowOf, items, ratings, P, Q, bu, bi, k, mu, lr, lrBias, reg, regBias } = a
  let sse = 0
  for (let t = 0; t < order.length; t++) {
    const e = order[t]!
    const u = rowOf[e]!
    const i = items[e]!
    const uo = u * k
    const io = i * k
    let dot = 0
    for (let f = 0; f < k; f++) dot += P[uo + f]! * Q[io + f]!
    const err = ratings[e]! - (mu + bu[u]! + bi[i]!) - dot
    sse += err * err
    // with lrBias 0 (unbiased) the biases stay at their initial 0
    bu[u]! += lrBias * (err - regBias * bu[u]!)
    bi[i]! += lrBias * (err - regBias * bi[i]!)
    for (let f = 0; f < k; f++) {
      const pf = P[uo + f]!
      const qf = Q[io + f]!
      P[uo + f] = pf + lr * (err * qf - reg * pf)
      Q[io + f] = qf + lr * (err * pf - reg * qf)
    }
  }
  return sse
}
