import { RecForgeError, requireTensor, resolveConfig, type FitOptions, type Interactions, type ModelArtifacts, type ModelState, type Random } from '@recforge/core'
import type { FoldedUser } from './factorModel'
import { rowsOf, validationSplit, zeroUntrained } from './internal/ratings'
import { SVDPP_PARAMS, type SVDppConfig } from './params'
import { RatingFactorModel, checkBiasRates } from './ratingModel'

/**
 * SVD++ (Koren 2008): biased MF whose user vector adds the implicit-feedback term
 * |N(u)|^-½ Σ_{j∈N(u)} y_j over the items the user rated. Trained by SGD user by user: the
 * implicit term is computed once per user visit and the y_j gradients are applied once at the
 * end of the visit, which gives Surprise's accuracy at a fraction of its cost (Surprise updates
 * every y_j after every rating). Parameters: {@link SVDPP_PARAMS}.
 *
 * @example
 * ```ts
 * const m = new SVDpp({ factors: 20, epochs: 20 })
 * await m.fit(ratings)
 * m.score(0, new Int32Array([10]))
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for an unknown or out-of-range parameter, or non-finite ratings.
 */
export class SVDpp extends RatingFactorModel<SVDppConfig> {
  readonly name = 'svdpp'
  /** Raw user factors p_u (the scoring vectors are p_u plus the implicit term). */
  private rawUser: Float32Array = new Float32Array(0)
  /** Implicit item factors y_j. */
  private implicitFactors: Float32Array = new Float32Array(0)

  constructor(config: Partial<SVDppConfig> = {}) {
    super(checkBiasRates(resolveConfig(SVDPP_PARAMS, config, { model: 'svdpp' }), 'svdpp'))
  }

  /** Saved configs: the renamed parameters (see the factor models), and `biased`, which SVD++ saved as `true` and no longer takes. */
  static override upgradeConfig(config: Readonly<Record<string, unknown>>, version: number): Record<string, unknown> {
    const { biased: _always, ...rest } = super.upgradeConfig(config, version)
    return rest
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    const c = this.config
    const { k, nu, ni, n, rng } = this.startFit(data, opts)
    const { train, valid } = validationSplit(data, c.validationFraction, rng)
    const isValid = new Uint8Array(n)
    for (const e of valid) isValid[e] = 1
    const R = data.values
    const I = data.indices
    let mu = 0
    let nTrain = 0
    for (let e = 0; e < isValid.length; e++) {
      if (isValid[e]) continue
      mu += R[e]!
      nTrain++
    }
    mu /= Math.max(1, nTrain)
    const P = new Float64Array(nu * k)
    const Q = new Float64Array(ni * k)
    const Y = new Float64Array(ni * k)
    for (let j = 0; j < P.length; j++) P[j] = rng.normal(c.initMean, c.initStd)
    for (let j = 0; j < Q.length; j++) Q[j] = rng.normal(c.initMean, c.initStd)
    for (let j = 0; j < Y.length; j++) Y[j] = rng.normal(c.initMean, c.initStd)
    const bu = new Float64Array(nu)
    const bi = new Float64Array(ni)
    // per user: training entries (shuffled each visit); N(u) = the user's training items
    const users = rng.permutation(nu)
    const imp = new Float64Array(k)
    const gy = new Float64Array(k)
    const scratch = new Int32Array(Math.max(1, maxRow(data)))
    const st: SvdppState = { indptr: data.indptr, items: I, ratings: R, isValid, P, Q, Y, bu, bi, imp, gy, scratch, k, mu, l2: c.l2, l2Bias: this.biasRates.l2 }
    const epoch = (lr: number, lrB: number): number => {
      if (c.shuffle) rng.shuffle(users)
      return svdppEpoch(st, users, lr, lrB, c.shuffle ? rng : undefined)
    }
    const validationError = (): number => svdppValidationError(st, valid)
    const snapshot = () => ({ P: P.slice(), Q: Q.slice(), Y: Y.slice(), bu: bu.slice(), bi: bi.slice() })
    // every training entry is visited once per epoch
    const bestState = this.trainEpochs(opts, { train: train.length, valid: valid.length }, { epoch, validationError, snapshot }, 'SVD++ fit')
    const fin = bestState ?? { P, Q, Y, bu, bi }
    zeroUntrained(fin.P, fin.Q, rowsOf(data), I, train, k)
    zeroUntrained(new Float64Array(0), fin.Y, rowsOf(data), I, train, k)
    this.k = k
    this.rawUser = Float32Array.from(fin.P)
    this.itemFactors = Float32Array.from(fin.Q)
    this.implicitFactors = Float32Array.from(fin.Y)
    this.userBias = Float32Array.from(fin.bu)
    this.itemBias = Float32Array.from(fin.bi)
    this.globalMean = mu
    // scoring vectors p_u + |N(u)|^-½ Σ y_j, with N(u) all of the user's training items
    const eff = new Float32Array(nu * k)
    for (let u = 0; u < nu; u++) {
      const v = this.implicitTerm(data.indices.subarray(data.indptr[u]!, data.indptr[u + 1]!))
      for (let f = 0; f < k; f++) eff[u * k + f] = this.rawUser[u * k + f]! + v[f]!
    }
    this.userFactors = eff
    this.rememberTraining(data)
  }

  /** |N|^-½ Σ_{j∈N} y_j for the given items. */
  private implicitTerm(items: Int32Array): Float64Array {
    const k = this.k
    const out = new Float64Array(k)
    if (items.length === 0) return out
    const Y = this.implicitFactors
    for (let j = 0; j < items.length; j++) {
      const yo = items[j]! * k
      for (let f = 0; f < k; f++) out[f]! += Y[yo + f]!
    }
    const s = 1 / Math.sqrt(items.length)
    for (let f = 0; f < k; f++) out[f]! *= s
    return out
  }

  /** Fold-in: the implicit term from the items, then least squares for p_u and b_u. */
  protected foldInVector(items: Int32Array, values: Float32Array): FoldedUser {
    const offset = this.implicitTerm(items)
    const { p, bias } = this.solveUser(items, values, true, offset)
    const vector = new Float32Array(this.k)
    for (let f = 0; f < this.k; f++) vector[f] = p[f]! + offset[f]!
    return { vector, bias }
  }

  protected override onUserUpdated(user: number, history: { items: Int32Array; values: Float32Array }): void {
    const k = this.k
    const imp = this.implicitTerm(history.items)
    for (let f = 0; f < k; f++) this.rawUser[user * k + f] = this.userFactors[user * k + f]! - imp[f]!
  }

  protected override saveState(): ModelState {
    const base = super.saveState()
    return { meta: base.meta, tensors: { ...base.tensors, rawUserFactors: this.rawUser, implicitFactors: this.implicitFactors } }
  }

  protected override restoreState(a: ModelArtifacts, version: number): void {
    super.restoreState(a, version)
    const raw = requireTensor(a, 'rawUserFactors', Float32Array)
    const implicit = requireTensor(a, 'implicitFactors', Float32Array)
    if (raw.length !== this.userFactors.length) throw new RecForgeError('PARSE_ERROR', `svdpp artifacts: tensor "rawUserFactors" holds ${raw.length} values; expected ${this.userFactors.length} like userFactors`)
    if (implicit.length !== this.itemFactors.length) throw new RecForgeError('PARSE_ERROR', `svdpp artifacts: tensor "implicitFactors" holds ${implicit.length} values; expected ${this.itemFactors.length} like itemFactors`)
    this.rawUser = raw
    this.implicitFactors = implicit
  }
}

/** The arrays and constants of one SVD++ fit that its epoch and validation loops read and update. */
interface SvdppState {
  readonly indptr: Int32Array
  readonly items: Int32Array
  readonly ratings: Float32Array
  /** 1 for validation entries (left out of training and of N(u)). */
  readonly isValid: Uint8Array
  readonly P: Float64Array
  readonly Q: Float64Array
  readonly Y: Float64Array
  readonly bu: Float64Array
  readonly bi: Float64Array
  /** Scratch: the implicit term, the y gradient, a user's training entries. */
  readonly imp: Float64Array
  readonly gy: Float64Array
  readonly scratch: Int32Array
  readonly k: number
  readonly mu: number
  readonly l2: number
  readonly l2Bias: number
}

/** Writes |N(u)|^-½ Σ_{j∈N(u)} y_j over the user's training items into `out`; returns |N(u)|^-½ (0 for none). */
function implicitOf(st: SvdppState, u: number, out: Float64Array): number {
  const { indptr, items, isValid, Y, k } = st
  out.fill(0)
  let count = 0
  for (let e = indptr[u]!; e < indptr[u + 1]!; e++) {
    if (isValid[e]) continue
    const yo = items[e]! * k
    for (let f = 0; f < k; f++) out[f]! += Y[yo + f]!
    count++
  }
  const s = count > 0 ? 1 / Math.sqrt(count) : 0
  for (let f = 0; f < k; f++) out[f]! *= s
  return s
}

/**
 * One SGD epoch of SVD++, user by user in the order of `users`: each user's training entries
 * (shuffled with `rng` when given), then one y update with the summed gradient. Returns the
 * summed squared training error.
 */
function svdppEpoch(st: SvdppState, users: Int32Array, lr: number, lrB: number, rng: Random | undefined): number {
  const { indptr, items: I, ratings: R, isValid, P, Q, Y, bu, bi, imp, gy, scratch, k, mu, l2, l2Bias } = st
  let sse = 0
  for (let t = 0; t < users.length; t++) {
    const u = users[t]!
    const a0 = indptr[u]!
    const a1 = indptr[u + 1]!
    let m = 0
    for (let e = a0; e < a1; e++) if (!isValid[e]) scratch[m++] = e
    if (m === 0) continue
    rng?.shuffle(scratch.subarray(0, m))
    const s = implicitOf(st, u, imp)
    gy.fill(0)
    const uo = u * k
    for (let x = 0; x < m; x++) {
      const e = scratch[x]!
      const i = I[e]!
      const io = i * k
      let dot = 0
      for (let f = 0; f < k; f++) dot += Q[io + f]! * (P[uo + f]! + imp[f]!)
      const err = R[e]! - mu - bu[u]! - bi[i]! - dot
      sse += err * err
      bu[u]! += lrB * (err - l2Bias * bu[u]!)
      bi[i]! += lrB * (err - l2Bias * bi[i]!)
      for (let f = 0; f < k; f++) {
        const pf = P[uo + f]!
        const qf = Q[io + f]!
        P[uo + f] = pf + lr * (err * qf - l2 * pf)
        Q[io + f] = qf + lr * (err * (pf + imp[f]!) - l2 * qf)
        gy[f]! += err * qf * s
      }
    }
    // one y update per visit: the summed gradient and the summed per-rating penalty
    const decay = 1 - Math.min(0.5, lr * l2 * m)
    for (let e = a0; e < a1; e++) {
      if (isValid[e]) continue
      const yo = I[e]! * k
      for (let f = 0; f < k; f++) Y[yo + f] = Y[yo + f]! * decay + lr * gy[f]!
    }
  }
  return sse
}

/** The summed squared error of the current parameters on the validation entries. */
function svdppValidationError(st: SvdppState, valid: Int32Array): number {
  const { indptr, items: I, ratings: R, P, Q, bu, bi, imp, k, mu } = st
  let vse = 0
  let lastU = -1
  for (let t = 0; t < valid.length; t++) {
    const e = valid[t]!
    let u = lastU
    while (u < 0 || e >= indptr[u + 1]! || e < indptr[u]!) u = userOfEntry(indptr, e)
    if (u !== lastU) {
      implicitOf(st, u, imp)
      lastU = u
    }
    const i = I[e]!
    let dot = 0
    for (let f = 0; f < k; f++) dot += Q[i * k + f]! * (P[u * k + f]! + imp[f]!)
    const err = R[e]! - mu - bu[u]! - bi[i]! - dot
    vse += err * err
  }
  return vse
}

function maxRow(data: Interactions): number {
  let m = 0
  for (let u = 0; u < data.users.size; u++) m = Math.max(m, data.indptr[u + 1]! - data.indptr[u]!)
  return m
}

function userOfEntry(indptr: Int32Array, e: number): number {
  let lo = 0
  let hi = indptr.length - 2
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if (indptr[mid]! <= e) lo = mid
    else hi = mid - 1
  }
  return lo
}
