import { RecForgeError } from '@recforge/core'

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
]

/**
 * Natural logarithm of the gamma function for x > 0 (Lanczos approximation, g = 7, about 15 digits).
 *
 * @example
 * ```ts
 * logGamma(5) // Math.log(24)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `x` is not a positive number.
 */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RecForgeError('INVALID_ARGUMENT', `logGamma: x must be > 0; got ${String(x)}`)
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  const z = x - 1
  let a = LANCZOS[0]!
  const t = z + 7.5
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i)
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a)
}

// Continued fraction for the incomplete beta function (modified Lentz), valid for x < (a+1)/(a+b+2).
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300
  let c = 1
  let d = 1 - ((a + b) * x) / (a + 1)
  if (Math.abs(d) < tiny) d = tiny
  d = 1 / d
  let h = d
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    h *= d * c
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < 1e-15) return h
  }
  return h
}

/**
 * The regularised incomplete beta function I_x(a, b) for a, b > 0 and 0 ≤ x ≤ 1.
 *
 * @example
 * ```ts
 * regularizedIncompleteBeta(0.5, 2, 2) // 0.5
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when a or b is not positive or x is outside [0, 1].
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) throw new RecForgeError('INVALID_ARGUMENT', `regularizedIncompleteBeta: a and b must be > 0; got a=${a}, b=${b}`)
  if (!(x >= 0 && x <= 1)) throw new RecForgeError('INVALID_ARGUMENT', `regularizedIncompleteBeta: x must be in [0, 1]; got ${String(x)}`)
  if (x === 0) return 0
  if (x === 1) return 1
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x)
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(a, b, x)) / a
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(b, a, 1 - x)) / b
}

/**
 * Cumulative distribution function of Student's t distribution with `df` degrees of freedom.
 *
 * @example
 * ```ts
 * studentTCdf(2.262157, 9) // ≈ 0.975
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `df` is not positive.
 */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RecForgeError('INVALID_ARGUMENT', `studentTCdf: degrees of freedom must be > 0; got ${String(df)}`)
  if (Number.isNaN(t)) return Number.NaN
  if (t === Infinity) return 1
  if (t === -Infinity) return 0
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5)
  return t > 0 ? 1 - tail : tail
}

/**
 * Two-sided p-value of a t statistic: P(|T| ≥ |t|) with `df` degrees of freedom.
 *
 * @example
 * ```ts
 * studentTTwoSidedP(2.262157, 9) // ≈ 0.05
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `df` is not positive.
 */
export function studentTTwoSidedP(t: number, df: number): number {
  if (!(df > 0)) throw new RecForgeError('INVALID_ARGUMENT', `studentTTwoSidedP: degrees of freedom must be > 0; got ${String(df)}`)
  if (Number.isNaN(t)) return Number.NaN
  if (!Number.isFinite(t)) return 0
  return regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5)
}

/**
 * Quantile (inverse CDF) of Student's t distribution, found by bisection on {@link studentTCdf} to 1e-12.
 *
 * @example
 * ```ts
 * studentTQuantile(0.975, 9) // ≈ 2.262157
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `p` is outside (0, 1) or `df` is not positive.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RecForgeError('INVALID_ARGUMENT', `studentTQuantile: p must be in (0, 1); got ${String(p)}`)
  if (!(df > 0)) throw new RecForgeError('INVALID_ARGUMENT', `studentTQuantile: degrees of freedom must be > 0; got ${String(df)}`)
  if (p === 0.5) return 0
  if (p < 0.5) return -studentTQuantile(1 - p, df)
  let lo = 0
  let hi = 1
  while (studentTCdf(hi, df) < p) {
    lo = hi
    hi *= 2
    if (hi > 1e300) return Infinity
  }
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = 0.5 * (lo + hi)
    if (studentTCdf(mid, df) < p) lo = mid
    else hi = mid
  }
  return 0.5 * (lo + hi)
}

// Regularised upper incomplete gamma Q(a, x) (series for x < a + 1, continued fraction otherwise).
function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1
  const lnFront = -x + a * Math.log(x) - logGamma(a)
  if (x < a + 1) {
    let sum = 1 / a
    let term = sum
    for (let n = 1; n < 10000; n++) {
      term *= x / (a + n)
      sum += term
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break
    }
    return 1 - sum * Math.exp(lnFront)
  }
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let d = 1 / b
  let h = d
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < tiny) d = tiny
    c = b + an / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < 1e-16) break
  }
  return Math.exp(lnFront) * h
}

/**
 * Standard normal cumulative distribution function Φ(z), accurate in both tails (through erfc).
 *
 * @example
 * ```ts
 * normalCdf(1.959964) // ≈ 0.975
 * ```
 * @throws Never.
 */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN
  if (z === 0) return 0.5
  // Φ(z) = erfc(-z/√2)/2 and erfc(x) = Q(1/2, x²) for x ≥ 0
  const x = Math.abs(z) / Math.SQRT2
  const upper = 0.5 * gammaQ(0.5, x * x)
  return z > 0 ? 1 - upper : upper
}

/**
 * Standard normal quantile Φ⁻¹(p), by bisection on {@link normalCdf}.
 *
 * @example
 * ```ts
 * normalQuantile(0.975) // ≈ 1.959964
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `p` is outside (0, 1).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RecForgeError('INVALID_ARGUMENT', `normalQuantile: p must be in (0, 1); got ${String(p)}`)
  let lo = -40
  let hi = 40
  for (let i = 0; i < 200 && hi - lo > 1e-13; i++) {
    const mid = 0.5 * (lo + hi)
    if (normalCdf(mid) < p) lo = mid
    else hi = mid
  }
  return 0.5 * (lo + hi)
}

/**
 * Arithmetic mean.
 *
 * @example
 * ```ts
 * mean(Float64Array.of(1, 2, 3)) // 2
 * ```
 * @throws RecForgeError EMPTY_INPUT for no values.
 */
export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RecForgeError('EMPTY_INPUT', 'mean of no values')
  let s = 0
  for (let j = 0; j < values.length; j++) s += values[j]!
  return s / values.length
}

/**
 * Sample standard deviation (divides by n - 1).
 *
 * @example
 * ```ts
 * sampleStd(Float64Array.of(2, 4, 4, 4, 5, 5, 7, 9)) // sqrt(32 / 7)
 * ```
 * @throws RecForgeError EMPTY_INPUT for fewer than 2 values.
 */
export function sampleStd(values: ArrayLike<number>): number {
  const n = values.length
  if (n < 2) throw new RecForgeError('EMPTY_INPUT', `sample standard deviation needs at least 2 values; got ${n}`)
  const m = mean(values)
  let s = 0
  for (let j = 0; j < n; j++) s += (values[j]! - m) ** 2
  return Math.sqrt(s / (n - 1))
}

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new RecForgeError('INVALID_ARGUMENT', `confidence level must be in (0, 1); got ${String(level)}`)
}

/**
 * Confidence interval for the mean of `values` from Student's t distribution:
 * mean ± t((1 + level) / 2, n - 1) · s / √n.
 *
 * @example
 * ```ts
 * confidenceInterval(Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)) // 5.5 ± 2.262 · 3.0277 / √10
 * ```
 * @throws RecForgeError EMPTY_INPUT for fewer than 2 values; INVALID_ARGUMENT for a level outside (0, 1) or a non-finite value.
 */
export function confidenceInterval(values: Float64Array, level = 0.95): [number, number] {
  checkLevel(level)
  const n = values.length
  if (n < 2) throw new RecForgeError('EMPTY_INPUT', `a confidence interval needs at least 2 values; got ${n}`)
  for (let j = 0; j < n; j++) {
    if (!Number.isFinite(values[j]!)) throw new RecForgeError('INVALID_ARGUMENT', `confidenceInterval: value ${j} is ${values[j]}; all values must be finite`)
  }
  const m = mean(values)
  const half = (studentTQuantile((1 + level) / 2, n - 1) * sampleStd(values)) / Math.sqrt(n)
  return [m - half, m + half]
}

/** The result of a paired t-test on differences d = a - b. */
export interface TTestResult {
  /** Mean difference. */
  meanDiff: number
  /** t = mean(d) / (sd(d) / √n); ±Infinity when every difference is the same non-zero value, 0 when all are 0. */
  tStat: number
  /** Degrees of freedom, n - 1. */
  df: number
  /** Two-sided p-value. */
  pValue: number
  /** Confidence interval of the mean difference at the requested level. */
  ci: [number, number]
}

/**
 * Paired (one-sample) t-test of differences `diffs` against 0, two-sided.
 *
 * @example
 * ```ts
 * pairedTTest(Float64Array.of(1, 2, 3)) // t = 2 / (1 / √3) ≈ 3.464, df 2
 * ```
 * @throws RecForgeError EMPTY_INPUT for fewer than 2 differences; INVALID_ARGUMENT for a non-finite difference or level.
 */
export function pairedTTest(diffs: Float64Array, level = 0.95): TTestResult {
  checkLevel(level)
  const n = diffs.length
  if (n < 2) throw new RecForgeError('EMPTY_INPUT', `a paired t-test needs at least 2 pairs; got ${n}`)
  for (let j = 0; j < n; j++) {
    if (!Number.isFinite(diffs[j]!)) throw new RecForgeError('INVALID_ARGUMENT', `pairedTTest: difference ${j} is ${diffs[j]}; all differences must be finite`)
  }
  const m = mean(diffs)
  const sd = sampleStd(diffs)
  const se = sd / Math.sqrt(n)
  const df = n - 1
  if (se === 0) {
    return { meanDiff: m, tStat: m === 0 ? 0 : m > 0 ? Infinity : -Infinity, df, pValue: m === 0 ? 1 : 0, ci: [m, m] }
  }
  const tStat = m / se
  const half = studentTQuantile((1 + level) / 2, df) * se
  return { meanDiff: m, tStat, df, pValue: studentTTwoSidedP(tStat, df), ci: [m - half, m + half] }
}

/** The result of a Wilcoxon signed-rank test. */
export interface WilcoxonResult {
  /** Sum of the ranks of the positive differences. */
  wPlus: number
  /** Sum of the ranks of the negative differences. */
  wMinus: number
  /** Differences that were not zero (the ones ranked). */
  n: number
  /** Normal-approximation z score of W+ (with the tie correction to its variance). */
  z: number
  /** Two-sided p-value. */
  pValue: number
}

/**
 * Wilcoxon signed-rank test of differences `diffs` against 0, two-sided, by the normal approximation:
 * zero differences are dropped, tied |d| get average ranks, and the variance is
 * n(n+1)(2n+1)/24 - Σ(t³ - t)/48 over tie groups. No continuity correction.
 *
 * @example
 * ```ts
 * wilcoxonSignedRank(Float64Array.of(1, 2, 3, -4)) // W+ = 6, W- = 4
 * ```
 * @throws RecForgeError EMPTY_INPUT for no differences; INVALID_ARGUMENT for a non-finite difference.
 */
export function wilcoxonSignedRank(diffs: Float64Array): WilcoxonResult {
  if (diffs.length === 0) throw new RecForgeError('EMPTY_INPUT', 'a Wilcoxon signed-rank test needs at least 1 pair')
  const nz: number[] = []
  for (let j = 0; j < diffs.length; j++) {
    const d = diffs[j]!
    if (!Number.isFinite(d)) throw new RecForgeError('INVALID_ARGUMENT', `wilcoxonSignedRank: difference ${j} is ${d}; all differences must be finite`)
    if (d !== 0) nz.push(d)
  }
  const n = nz.length
  if (n === 0) return { wPlus: 0, wMinus: 0, n: 0, z: 0, pValue: 1 }
  const abs = Float64Array.from(nz, Math.abs)
  const order = Array.from({ length: n }, (_, j) => j).sort((x, y) => abs[x]! - abs[y]!)
  let wPlus = 0
  let tieTerm = 0
  for (let s = 0; s < n; ) {
    let e = s + 1
    while (e < n && abs[order[e]!] === abs[order[s]!]) e++
    const rank = (s + 1 + e) / 2 // average of ranks s+1..e
    const t = e - s
    tieTerm += t * t * t - t
    for (let j = s; j < e; j++) if (nz[order[j]!]! > 0) wPlus += rank
    s = e
  }
  const total = (n * (n + 1)) / 2
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48
  const z = variance > 0 ? (wPlus - total / 2) / Math.sqrt(variance) : 0
  return { wPlus, wMinus: total - wPlus, n, z, pValue: Math.min(1, 2 * normalCdf(-Math.abs(z))) }
}
