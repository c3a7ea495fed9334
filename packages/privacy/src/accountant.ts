import { RecForgeError } from '@recforge/core'
import { findThreshold } from './internal/search'
import { logAddExp, logErfc, logSubExp } from './internal/special'

/** How RDP becomes (ε, δ): Mironov 2017 (Prop. 3), or the tighter bound of Balle et al. 2020 / Canonne, Kamath & Steinke 2020. */
export type RdpConversion = 'standard' | 'improved'

/**
 * The RDP orders the accountant tracks by default: 1.25, 1.5, 1.75, every integer 2 to 64, then
 * 80 to 1024. Large orders matter for small ε (the best order grows like √(log(1/δ) / RDP)); the
 * fractional ones for large ε.
 */
export const DEFAULT_ORDERS: readonly number[] = Object.freeze([
  1.25,
  1.5,
  1.75,
  ...Array.from({ length: 63 }, (_, i) => i + 2),
  80,
  96,
  128,
  160,
  192,
  256,
  384,
  512,
  768,
  1024,
])

function checkOrder(order: number): void {
  if (!(order > 1) || !Number.isFinite(order)) throw new RecForgeError('INVALID_ARGUMENT', `an RDP order must be a finite number > 1; got ${order}`)
}

function checkRateAndNoise(sampleRate: number, noiseMultiplier: number): void {
  if (!(sampleRate >= 0 && sampleRate <= 1)) throw new RecForgeError('INVALID_ARGUMENT', `sampleRate must be in [0, 1]; got ${sampleRate}`)
  if (!(noiseMultiplier >= 0) || Number.isNaN(noiseMultiplier)) throw new RecForgeError('INVALID_ARGUMENT', `noiseMultiplier must be >= 0; got ${noiseMultiplier}`)
}

/** log A_α for an integer α: the finite binomial sum of Mironov, Talwar & Zhang 2019 (Sec. 3.3). */
function logAInteger(q: number, sigma: number, alpha: number): number {
  const lq = Math.log(q)
  const l1q = Math.log1p(-q)
  const inv = 1 / (2 * sigma * sigma)
  let logBinom = 0
  let acc = Number.NEGATIVE_INFINITY
  for (let k = 0; k <= alpha; k++) {
    if (k > 0) logBinom += Math.log((alpha - k + 1) / k)
    acc = logAddExp(acc, logBinom + (alpha - k) * l1q + k * lq + (k * k - k) * inv)
  }
  return acc
}

/**
 * log A_α for a fractional α: the integral of Mironov, Talwar & Zhang 2019 split at
 * z0 = σ² log(1/q - 1) + 1/2, each half expanded in a binomial series whose terms are Gaussian
 * tail integrals. Returns +Infinity when the series has not settled after `maxTerms` terms (the
 * order is then ignored, which only makes ε larger).
 */
function logAFractional(q: number, sigma: number, alpha: number, maxTerms = 20_000): number {
  const s2 = sigma * sigma
  const z0 = s2 * Math.log(1 / q - 1) + 0.5
  const lq = Math.log(q)
  const l1q = Math.log1p(-q)
  const rt2s = Math.SQRT2 * sigma
  let pos = Number.NEGATIVE_INFINITY
  let neg = Number.NEGATIVE_INFINITY
  let logAbsBinom = 0
  let sign = 1
  for (let k = 0; k < maxTerms; k++) {
    if (k > 0) {
      const r = (alpha - k + 1) / k
      logAbsBinom += Math.log(Math.abs(r))
      if (r < 0) sign = -sign
    }
    const m = alpha - k
    const t0 = logAbsBinom + k * lq + m * l1q + (k * k - k) / (2 * s2) + Math.log(0.5) + logErfc((k - z0) / rt2s)
    const t1 = logAbsBinom + m * lq + k * l1q + (m * m - m) / (2 * s2) + Math.log(0.5) + logErfc((z0 - m) / rt2s)
    const t = logAddExp(t0, t1)
    if (sign > 0) pos = logAddExp(pos, t)
    else neg = logAddExp(neg, t)
    // A_α >= 1, so a term below e^-40 cannot change log A_α in float64 once past the order
    if (k > alpha && t < -40) return logSubExp(pos, neg)
  }
  return Number.POSITIVE_INFINITY
}

/**
 * The Rényi DP of one step of the Poisson-subsampled Gaussian mechanism at `order`: each record
 * is in the batch with probability `sampleRate`, the summed contributions have L2 sensitivity 1
 * and get Gaussian noise of standard deviation `noiseMultiplier` (Mironov, Talwar & Zhang 2019;
 * add/remove-one neighbours). At `sampleRate` 1 this is the Gaussian mechanism's α/(2σ²).
 * Integer orders use the exact finite sum; fractional ones a series that converges fast.
 *
 * @example
 * ```ts
 * subsampledGaussianRdp(1, 2, 5) // 0.625 = 5 / (2 · 2²)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a rate outside [0, 1], a negative noise multiplier or an order <= 1.
 */
export function subsampledGaussianRdp(sampleRate: number, noiseMultiplier: number, order: number): number {
  checkRateAndNoise(sampleRate, noiseMultiplier)
  checkOrder(order)
  if (sampleRate === 0) return 0
  if (noiseMultiplier === 0) return Number.POSITIVE_INFINITY
  if (sampleRate === 1) return order / (2 * noiseMultiplier * noiseMultiplier)
  const logA = Number.isInteger(order) ? logAInteger(sampleRate, noiseMultiplier, order) : logAFractional(sampleRate, noiseMultiplier, order)
  return Math.max(0, logA) / (order - 1)
}

/** The smallest `bound(order, rdp)` over the orders with a finite RDP value, and its order (+∞ and NaN when none is finite). */
function tightestOrder(orders: readonly number[], rdp: ArrayLike<number>, bound: (order: number, rdp: number) => number): { value: number; order: number } {
  if (orders.length !== rdp.length) throw new RecForgeError('INVALID_ARGUMENT', `${orders.length} orders but ${rdp.length} RDP values`)
  let value = Number.POSITIVE_INFINITY
  let order = Number.NaN
  for (let j = 0; j < orders.length; j++) {
    const a = orders[j]!
    checkOrder(a)
    const r = rdp[j]!
    if (!Number.isFinite(r)) continue
    const v = bound(a, r)
    if (v < value) {
      value = v
      order = a
    }
  }
  return { value, order }
}

/** An (ε, δ) guarantee with the RDP order that gave it. */
export interface EpsilonDelta {
  readonly epsilon: number
  readonly delta: number
  /** The order whose bound was the tightest. */
  readonly order: number
}

/**
 * The smallest ε over the orders for which RDP values `rdp` (one per order) give (ε, δ)-DP.
 *
 * @example
 * ```ts
 * rdpToEpsilon([2, 3], [0.1, 0.15], 1e-5, 'standard') // { epsilon: 5.91..., order: 3 }
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for δ outside (0, 1) or orders and values of different lengths.
 */
export function rdpToEpsilon(orders: readonly number[], rdp: ArrayLike<number>, delta: number, conversion: RdpConversion = 'improved'): EpsilonDelta {
  if (!(delta > 0 && delta < 1)) throw new RecForgeError('INVALID_ARGUMENT', `delta must be in (0, 1); got ${delta}`)
  const logDelta = Math.log(delta)
  const best = tightestOrder(orders, rdp, (a, r) => (conversion === 'standard' ? r - logDelta / (a - 1) : r + Math.log1p(-1 / a) - (logDelta + Math.log(a)) / (a - 1)))
  return { epsilon: Math.max(0, best.value), delta, order: best.order }
}

/**
 * The smallest δ over the orders for which RDP values `rdp` give (ε, δ)-DP.
 *
 * @example
 * ```ts
 * rdpToDelta([2, 3], [0.1, 0.15], 5.91, 'standard').delta // about 1e-5
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a negative ε or orders and values of different lengths.
 */
export function rdpToDelta(orders: readonly number[], rdp: ArrayLike<number>, epsilon: number, conversion: RdpConversion = 'improved'): EpsilonDelta {
  if (!(epsilon >= 0)) throw new RecForgeError('INVALID_ARGUMENT', `epsilon must be >= 0; got ${epsilon}`)
  const best = tightestOrder(orders, rdp, (a, r) => (conversion === 'standard' ? (a - 1) * (r - epsilon) : (a - 1) * (r - epsilon + Math.log1p(-1 / a)) - Math.log(a)))
  return { epsilon, delta: Math.min(1, Math.exp(best.value)), order: best.order }
}

/**
 * Tracks the Rényi DP of a sequence of mechanisms at fixed orders; composition adds RDP order by
 * order (Mironov 2017, Prop. 1), and {@link RdpAccountant.epsilon} converts the total to (ε, δ).
 *
 * @example
 * ```ts
 * const acc = new RdpAccountant()
 * acc.composeSubsampledGaussian({ sampleRate: 256 / 60000, noiseMultiplier: 1.1, steps: 14063 })
 * acc.epsilon(1e-5).epsilon // about 2.9 (improved conversion)
 * ```
 */
export class RdpAccountant {
  readonly orders: readonly number[]
  private readonly total: Float64Array

  /** @throws RecForgeError INVALID_ARGUMENT for an empty order list or an order <= 1. */
  constructor(opts: { orders?: readonly number[] } = {}) {
    const orders = opts.orders ?? DEFAULT_ORDERS
    if (orders.length === 0) throw new RecForgeError('INVALID_ARGUMENT', 'an RDP accountant needs at least one order')
    for (const a of orders) checkOrder(a)
    this.orders = Object.freeze([...orders])
    this.total = new Float64Array(orders.length)
  }

  /** The accumulated RDP, one value per order (a copy). */
  rdp(): Float64Array {
    return this.total.slice()
  }

  /**
   * Adds `steps` steps of the Poisson-subsampled Gaussian mechanism (DP-SGD with Poisson batches).
   *
   * @throws RecForgeError INVALID_ARGUMENT for a rate outside [0, 1], a negative noise multiplier or negative steps.
   */
  composeSubsampledGaussian(step: { sampleRate: number; noiseMultiplier: number; steps: number }): this {
    if (!Number.isInteger(step.steps) || step.steps < 0) throw new RecForgeError('INVALID_ARGUMENT', `steps must be a non-negative integer; got ${step.steps}`)
    if (step.steps === 0) return this
    for (let j = 0; j < this.orders.length; j++) this.total[j]! += step.steps * subsampledGaussianRdp(step.sampleRate, step.noiseMultiplier, this.orders[j]!)
    return this
  }

  /**
   * Adds `count` Gaussian mechanisms with noise standard deviation `noiseMultiplier` × the L2
   * sensitivity (RDP α/(2σ²) each).
   *
   * @throws RecForgeError INVALID_ARGUMENT for a noise multiplier <= 0 or a negative count.
   */
  composeGaussian(noiseMultiplier: number, count = 1): this {
    if (!(noiseMultiplier > 0)) throw new RecForgeError('INVALID_ARGUMENT', `noiseMultiplier must be > 0; got ${noiseMultiplier}`)
    return this.composeSubsampledGaussian({ sampleRate: 1, noiseMultiplier, steps: count })
  }

  /** The ε of everything composed so far at `delta`. */
  epsilon(delta: number, conversion: RdpConversion = 'improved'): EpsilonDelta {
    return rdpToEpsilon(this.orders, this.total, delta, conversion)
  }

  /** The δ of everything composed so far at `epsilon`. */
  delta(epsilon: number, conversion: RdpConversion = 'improved'): EpsilonDelta {
    return rdpToDelta(this.orders, this.total, epsilon, conversion)
  }
}

/** A DP-SGD run as the accountant sees it. */
export interface DpSgdSchedule {
  /** Probability that a record is in a batch (Poisson sampling): expected batch size / records. */
  readonly sampleRate: number
  /** Noise standard deviation divided by the clipping norm. */
  readonly noiseMultiplier: number
  /** Batches (accounting steps). */
  readonly steps: number
  readonly delta: number
  readonly orders?: readonly number[]
  /** Defaults to `'improved'`. */
  readonly conversion?: RdpConversion
}

/**
 * The ε that DP-SGD with Poisson sampling spends, by the RDP accountant.
 *
 * @example
 * ```ts
 * dpSgdEpsilon({ sampleRate: 0.01, noiseMultiplier: 4, steps: 10000, delta: 1e-5, conversion: 'standard' }).epsilon
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for out-of-range arguments.
 */
export function dpSgdEpsilon(s: DpSgdSchedule): EpsilonDelta {
  const acc = new RdpAccountant(s.orders ? { orders: s.orders } : {})
  acc.composeSubsampledGaussian(s)
  return acc.epsilon(s.delta, s.conversion)
}

/**
 * The smallest noise multiplier (to 0.1%) with which DP-SGD of `steps` Poisson-sampled batches at
 * `sampleRate` spends at most `epsilon` at `delta`, found by bisection (ε falls as the noise grows).
 *
 * @example
 * ```ts
 * const sigma = calibrateNoiseMultiplier({ epsilon: 1, delta: 1e-5, sampleRate: 0.01, steps: 2000 })
 * dpSgdEpsilon({ sampleRate: 0.01, noiseMultiplier: sigma, steps: 2000, delta: 1e-5 }).epsilon <= 1 // true
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for ε <= 0 or other out-of-range arguments, or when even
 *   a noise multiplier of 10^6 cannot reach ε.
 */
export function calibrateNoiseMultiplier(target: Omit<DpSgdSchedule, 'noiseMultiplier'> & { readonly epsilon: number }): number {
  if (!(target.epsilon > 0) || !Number.isFinite(target.epsilon)) throw new RecForgeError('INVALID_ARGUMENT', `epsilon must be a finite number > 0; got ${target.epsilon}`)
  // ε falls as the noise grows
  const found = findThreshold((sigma) => dpSgdEpsilon({ ...target, noiseMultiplier: sigma }).epsilon <= target.epsilon, { start: 1, floor: 1e-4, ceiling: 1e6, relTol: 1e-3 })
  if (!found) throw new RecForgeError('INVALID_ARGUMENT', `no noise multiplier up to 10^6 reaches epsilon ${target.epsilon} at delta ${target.delta} over ${target.steps} steps; raise epsilon or delta`)
  return found.at
}
