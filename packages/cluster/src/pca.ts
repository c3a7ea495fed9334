import { RecForgeError, Random } from '@recforge/core'
import { checkEmbedding, checkOption } from './internal/check'
import { dot } from '@recforge/compute'
import { jacobiSvd, orthonormalize } from './internal/linalg'
import type { Embedding } from './types'

/** Options of {@link randomizedSvd}. */
export interface RandomizedSvdOptions {
  /** Singular triplets to return, at most min(rows, dimensions). */
  rank: number
  /** Extra random directions sampled beyond `rank` (Halko et al.'s p). Defaults to `10`. */
  oversampling?: number
  /** Subspace (power) iterations, each re-orthonormalised (Halko et al.'s q). Defaults to `4`. */
  powerIterations?: number
  /** Subtract the column means first (the SVD behind PCA). Defaults to `false`. */
  center?: boolean
  /** Seed of the random test matrix. Defaults to `42`. */
  seed?: number
}

/** A truncated SVD `A ≈ u diag(singularValues) vt`, with `A` the (optionally centred) rows. */
export interface SvdResult {
  /** Row-major `rows × rank` left singular vectors (orthonormal columns). */
  readonly u: Float32Array
  /** Descending. */
  readonly singularValues: Float64Array
  /** Row-major `rank × dimensions` right singular vectors (orthonormal rows). */
  readonly vt: Float32Array
  /** The column means subtracted first (zeros without `center`). */
  readonly mean: Float64Array
}

/**
 * Truncated SVD by randomized range finding (Halko, Martinsson & Tropp 2011, "Finding structure
 * with randomness", Algorithms 4.4 and 5.1): multiply by a seeded Gaussian test matrix of
 * `rank + oversampling` columns, refine the range with re-orthonormalised power iterations,
 * project onto it and take the exact SVD of the small projected matrix (one-sided Jacobi).
 * Exact, up to rounding, when the matrix has rank at most `rank + oversampling`. Each singular
 * vector pair's sign is fixed so that the right vector's largest-magnitude entry is positive.
 *
 * @example
 * ```ts
 * // A = [1 2; 2 4; 3 6] = u vᵀ with u = (1, 2, 3), v = (1, 2): one singular value, √70
 * const { singularValues, vt } = randomizedSvd({ vectors: Float32Array.of(1, 2, 2, 4, 3, 6), dimensions: 2 }, { rank: 1 })
 * // singularValues [8.3666], vt [0.4472, 0.8944]
 * ```
 *
 * @throws RecForgeError INVALID_ARGUMENT for a `rank` outside 1..min(rows, dimensions), bad
 * options or a non-finite value (naming the row); DIMENSION_MISMATCH and EMPTY_INPUT as {@link kmeans}.
 */
export function randomizedSvd(embedding: Embedding, options: RandomizedSvdOptions): SvdResult {
  const what = 'randomizedSvd'
  const n = checkEmbedding(what, embedding)
  const d = embedding.dimensions
  const rank = checkRank(what, 'rank', options.rank, n, d)
  const r = rsvd(what, embedding.vectors, n, d, rank, options, options.center ?? false)
  const u = new Float32Array(n * rank)
  for (let j = 0; j < rank; j++) for (let i = 0; i < n; i++) u[i * rank + j] = r.u[j * n + i]!
  return { u, singularValues: r.s.slice(0, rank), vt: Float32Array.from(r.w.subarray(0, rank * d)), mean: r.mean }
}

function checkRank(what: string, name: string, rank: number, n: number, d: number): number {
  checkOption(what, name, rank, { min: 1, integer: true })
  if (rank > Math.min(n, d)) {
    throw new RecForgeError('INVALID_ARGUMENT', `${what}: ${name} = ${rank} exceeds min(rows, dimensions) = min(${n}, ${d}); ask for at most ${Math.min(n, d)}`)
  }
  return rank
}

/** The randomized SVD in float64: `u` (n × l) and `w` (d × l) column-major, sorted, signs fixed. */
function rsvd(what: string, x: Float32Array, n: number, d: number, rank: number, options: Omit<RandomizedSvdOptions, 'rank' | 'center'>, center: boolean) {
  const oversampling = checkOption(what, 'oversampling', options.oversampling ?? 10, { min: 0, integer: true })
  const power = checkOption(what, 'powerIterations', options.powerIterations ?? 4, { min: 0, integer: true })
  const rng = new Random(options.seed ?? 42)
  const l = Math.min(rank + oversampling, n, d)
  const mean = new Float64Array(d)
  if (center) {
    for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c]! += x[i * d + c]!
    for (let c = 0; c < d; c++) mean[c]! /= n
  }
  const row = new Float64Array(d)
  const centred = (i: number) => {
    for (let c = 0; c < d; c++) row[c] = x[i * d + c]! - mean[c]!
  }
  // A M for M (d × l): n × l
  const times = (m: Float64Array): Float64Array => {
    const out = new Float64Array(n * l)
    for (let i = 0; i < n; i++) {
      centred(i)
      for (let j = 0; j < l; j++) {
        out[j * n + i] = dot(row, 0, m, j * d, d)
      }
    }
    return out
  }
  // Aᵀ Y for Y (n × l): d × l
  const timesT = (y: Float64Array): Float64Array => {
    const out = new Float64Array(d * l)
    for (let i = 0; i < n; i++) {
      centred(i)
      for (let j = 0; j < l; j++) {
        const v = y[j * n + i]!
        if (v === 0) continue
        const jo = j * d
        for (let c = 0; c < d; c++) out[jo + c]! += row[c]! * v
      }
    }
    return out
  }
  const omega = new Float64Array(d * l)
  for (let i = 0; i < omega.length; i++) omega[i] = rng.normal()
  let q = times(omega)
  orthonormalize(q, n, l, rng)
  for (let it = 0; it < power; it++) {
    const z = timesT(q)
    orthonormalize(z, d, l, rng)
    q = times(z)
    orthonormalize(q, n, l, rng)
  }
  // Bᵀ = Aᵀ Q = w diag(s) vᵀ, so A ≈ Q B = (Q v) diag(s) wᵀ
  const { s, w, v } = jacobiSvd(timesT(q), d, l, rng)
  const u = new Float64Array(n * l)
  for (let j = 0; j < l; j++) {
    for (let i = 0; i < l; i++) {
      const c = v[j * l + i]!
      if (c === 0) continue
      for (let r = 0; r < n; r++) u[j * n + r]! += q[i * n + r]! * c
    }
  }
  for (let j = 0; j < l; j++) {
    let at = 0
    for (let c = 1; c < d; c++) if (Math.abs(w[j * d + c]!) > Math.abs(w[j * d + at]!)) at = c
    if (w[j * d + at]! < 0) {
      for (let c = 0; c < d; c++) w[j * d + c] = -w[j * d + c]!
      for (let r = 0; r < n; r++) u[j * n + r] = -u[j * n + r]!
    }
  }
  return { u, s, w, mean }
}

/** Options of {@link PCA.fit}. */
export interface PCAOptions {
  /** Principal components to keep, at most min(rows, dimensions). Defaults to `2`. */
  components?: number
  /** As {@link RandomizedSvdOptions.oversampling}. Defaults to `10`. */
  oversampling?: number
  /** As {@link RandomizedSvdOptions.powerIterations}. Defaults to `4`. */
  powerIterations?: number
  /** Seed of the random test matrix. Defaults to `42`. */
  seed?: number
}

/**
 * Principal component analysis by randomized SVD of the centred rows ({@link randomizedSvd}):
 * the directions of largest variance, how much variance each explains, and projection of new
 * rows onto them. Components are orthonormal and signed so that each one's largest-magnitude
 * entry is positive.
 *
 * @example
 * ```ts
 * const pca = PCA.fit(model.itemVectors(), { components: 2, seed: 42 })
 * const xy = pca.transform(model.itemVectors()) // Float32Array, items × 2
 * pca.explainedVarianceRatio // Float64Array [share of variance along axis 1, along axis 2]
 * ```
 */
export class PCA {
  private constructor(
    /** Dimensions of the rows it was fitted on. */
    readonly dimensions: number,
    /** Column means of the fitted rows (`dimensions` values). */
    readonly mean: Float32Array,
    /** Row-major `components × dimensions` principal axes (orthonormal rows). */
    readonly components: Float32Array,
    /** Singular values of the centred rows, descending. */
    readonly singularValues: Float64Array,
    /** Variance along each axis: σ² / (rows − 1). */
    readonly explainedVariance: Float64Array,
    /** Share of the total variance along each axis (sums to at most 1). */
    readonly explainedVarianceRatio: Float64Array,
    /** Total variance of the fitted rows: the sum of the per-dimension variances. */
    readonly totalVariance: number,
  ) {
    this.axes = Float64Array.from(components)
  }

  private readonly axes: Float64Array

  /** Number of components kept. */
  get count(): number {
    return this.singularValues.length
  }

  /**
   * Fits the principal axes of `embedding`'s rows.
   *
   * @throws RecForgeError INVALID_ARGUMENT for `components` outside 1..min(rows, dimensions), bad
   * options or a non-finite value (naming the row); DIMENSION_MISMATCH and EMPTY_INPUT as {@link kmeans}.
   */
  static fit(embedding: Embedding, options: PCAOptions = {}): PCA {
    const what = 'PCA.fit'
    const n = checkEmbedding(what, embedding)
    const d = embedding.dimensions
    const k = checkRank(what, 'components', options.components ?? 2, n, d)
    const x = embedding.vectors
    const r = rsvd(what, x, n, d, k, options, true)
    let total = 0
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < d; c++) {
        const t = x[i * d + c]! - r.mean[c]!
        total += t * t
      }
    }
    const dof = Math.max(n - 1, 1)
    const s = r.s.slice(0, k)
    const variance = s.map((v) => (v * v) / dof)
    const ratio = s.map((v) => (total > 0 ? (v * v) / total : 0))
    return new PCA(d, Float32Array.from(r.mean), Float32Array.from(r.w.subarray(0, k * d)), s, variance, ratio, total / dof)
  }

  /**
   * Projects rows onto the principal axes: row-major `rows × count` coordinates.
   *
   * @throws RecForgeError DIMENSION_MISMATCH when the rows' dimensions differ from the fitted ones;
   * INVALID_ARGUMENT for a non-finite value (naming the row).
   */
  transform(embedding: Embedding): Float32Array {
    if (embedding?.dimensions !== this.dimensions) {
      throw new RecForgeError('DIMENSION_MISMATCH', `PCA.transform: rows have ${String(embedding?.dimensions)} dimensions; the PCA was fitted on ${this.dimensions}`)
    }
    const n = checkEmbedding('PCA.transform', embedding)
    const d = this.dimensions
    const k = this.count
    const x = embedding.vectors
    const out = new Float32Array(n * k)
    const row = new Float64Array(d)
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < d; c++) row[c] = x[i * d + c]! - this.mean[c]!
      for (let j = 0; j < k; j++) out[i * k + j] = dot(row, 0, this.axes, j * d, d)
    }
    return out
  }
}
