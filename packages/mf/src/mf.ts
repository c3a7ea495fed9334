import { resolveConfig, type FitOptions, type Interactions } from '@recforge/core'
import type { FoldedUser } from './factorModel'
import { rowsOf, validationSplit, zeroUntrained } from './internal/ratings'
import { createMfWasmSpace, type MfSgdState } from './internal/wasmSpace'
import { MF_PARAMS, type MFConfig } from './params'
import { RatingFactorModel, checkBiasRates } from './ratingModel'

/**
 * Biased matrix factorisation for rating prediction, r̂ = μ + b_u + b_i + q_i·p_u, trained by SGD
 * with per-rating L2 penalties (Funk; Koren, Bell & Volinsky 2009), as Surprise's `SVD`, plus
 * learning-rate decay and early stopping on a validation part. Parameters: {@link MF_PARAMS}.
 *
 * @example
 * ```ts
 * const mf = new MF({ factors: 100, epochs: 20, learningRate: 0.005, l2: 0.02 })
 * await mf.fit(ratings)
 * mf.score(0, new Int32Array([10, 11])) // predicted ratings
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for an unknown or out-of-range parameter, or non-finite ratings.
 */
export class MF extends RatingFactorModel<MFConfig> {
  readonly name = 'mf'

  constructor(config: Partial<MFConfig> = {}) {
    super(checkBiasRates(resolveConfig(MF_PARAMS, config, { model: 'mf' }), 'mf'))
  }

  /** Saved configs: the renamed parameters (see the factor models), and `precision` `float64` for a config saved before it existed (such a model was trained in float64). */
  static override upgradeConfig(config: Readonly<Record<string, unknown>>, version: number): Record<string, unknown> {
    const out = super.upgradeConfig(config, version)
    return 'precision' in out ? out : { ...out, precision: 'float64' }
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    const c = this.config
    const { k, nu, ni, n, rng } = this.startFit(data, opts)
    const { train, valid } = validationSplit(data, c.validationFraction, rng)
    const space = c.wasm ? createMfWasmSpace(n, train.length, nu, ni, k, c.precision) : undefined
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
    const Factors = c.precision === 'float32' ? Float32Array : Float64Array
    const P = space ? space.P : new Factors(nu * k)
    const Q = space ? space.Q : new Factors(ni * k)
    for (let j = 0; j < P.length; j++) P[j] = rng.normal(c.initMean, c.initStd)
    for (let j = 0; j < Q.length; j++) Q[j] = rng.normal(c.initMean, c.initStd)
    const bu = space ? space.bu : new Float64Array(nu)
    const bi = space ? space.bi : new Float64Array(ni)
    const order = space ? space.order : new Int32Array(train.length)
    order.set(train)
    const { l2 } = c
    const l2Bias = this.biasRates.l2
    const biased = c.biased
    const m = biased ? mu : 0
    const bestState = this.trainEpochs(opts, { train: order.length, valid: valid.length }, {
      epoch: (lr, lrB) => {
        if (c.shuffle) {
          if (space) space.shuffle(rng)
          else rng.shuffle(order)
        }
        const lrBias = biased ? lrB : 0
        return space ? space.epoch(k, m, lr, lrBias, l2, l2Bias) : mfEpoch({ order, rowOf, items: I, ratings: R, P, Q, bu, bi, k, mu: m, lr, lrBias, l2, l2Bias })
      },
      validationError: () => {
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
        return vse
      },
      snapshot: () => ({ P: P.slice(), Q: Q.slice(), bu: bu.slice(), bi: bi.slice() }),
    }, 'MF fit')
    const fin = bestState ?? { P, Q, bu, bi }
    zeroUntrained(fin.P, fin.Q, rowOf, I, train, k)
    this.k = k
    this.userFactors = new Float32Array(fin.P)
    this.itemFactors = new Float32Array(fin.Q)
    this.userBias = biased ? new Float32Array(fin.bu) : undefined
    this.itemBias = biased ? new Float32Array(fin.bi) : undefined
    this.globalMean = biased ? mu : 0
    this.rememberTraining(data)
  }

  /** Least-squares fold-in of p_u and b_u with the items fixed (the point SGD converges to). */
  protected foldInVector(items: Int32Array, values: Float32Array): FoldedUser {
    const { p, bias } = this.solveUser(items, values, this.config.biased)
    return { vector: Float32Array.from(p), bias }
  }
}

/**
 * One SGD epoch of biased MF in TypeScript (the fallback of the WebAssembly kernels): float64
 * arithmetic on P and Q as stored (float32 or float64); returns the summed squared error.
 */
function mfEpoch(a: MfSgdState & {
  k: number
  mu: number
  lr: number
  lrBias: number
  l2: number
  l2Bias: number
}): number {
  const { order, rowOf, items, ratings, P, Q, bu, bi, k, mu, lr, lrBias, l2, l2Bias } = a
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
    bu[u]! += lrBias * (err - l2Bias * bu[u]!)
    bi[i]! += lrBias * (err - l2Bias * bi[i]!)
    for (let f = 0; f < k; f++) {
      const pf = P[uo + f]!
      const qf = Q[io + f]!
      P[uo + f] = pf + lr * (err * qf - l2 * pf)
      Q[io + f] = qf + lr * (err * pf - l2 * qf)
    }
  }
  return sse
}
