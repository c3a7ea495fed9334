import { choleskySolve } from '@recforge/compute'
import { Random, nnz, type Interactions } from '@recforge/core'

/**
 * Least-squares fold-in for the biased rating models: with the items fixed, solves
 * `min Σ (r - mu - b_i - q_i·offset - q_i·p - b)² + n·l2·|p|² + n·l2Bias·b²` (n the user's
 * ratings, at least 1), the stationary point SGD with per-rating penalties converges to, by a
 * Cholesky solve of the (k + 1)-dimensional normal equations (1e-9 added to the diagonal).
 * Returns p (and b when `biased`). What {@link MF} and {@link SVDpp} fold new users in with, and
 * what a device can run on its own ratings against published item factors (federated MF).
 *
 * @example
 * ```ts
 * const { p, bias } = ratingFoldIn({ items: Int32Array.of(0, 1), values: Float32Array.of(5, 2), k: 1, itemFactors: Float64Array.of(1, 2), itemBias: Float64Array.of(0.5, -0.5), globalMean: 3, l2: 0.5, l2Bias: 0.5, biased: true })
 * ```
 */
export function ratingFoldIn(opts: {
  items: Int32Array
  values: Float32Array
  k: number
  itemFactors: Float32Array | Float64Array
  itemBias: Float32Array | Float64Array | undefined
  globalMean: number
  l2: number
  l2Bias: number
  biased: boolean
  /** Added to p in the prediction (SVD++'s implicit term), or undefined. */
  offset?: Float64Array
}): { p: Float64Array; bias: number } {
  const { items, values, k, itemFactors: Q, itemBias, globalMean, l2, l2Bias, biased, offset } = opts
  const n = items.length
  const d = biased ? k + 1 : k
  const A = new Float64Array(d * d)
  const b = new Float64Array(d)
  const x = new Float64Array(d)
  for (let j = 0; j < n; j++) {
    const i = items[j]!
    const qo = i * k
    let t = values[j]! - globalMean - (itemBias ? itemBias[i]! : 0)
    if (offset) for (let f = 0; f < k; f++) t -= Q[qo + f]! * offset[f]!
    for (let f = 0; f < k; f++) x[f] = Q[qo + f]!
    if (biased) x[k] = 1
    for (let f = 0; f < d; f++) {
      b[f]! += t * x[f]!
      const ro = f * d
      for (let g = 0; g < d; g++) A[ro + g]! += x[f]! * x[g]!
    }
  }
  const lam = Math.max(1, n)
  for (let f = 0; f < k; f++) A[f * d + f]! += lam * l2 + 1e-9
  if (biased) A[k * d + k]! += lam * l2Bias + 1e-9
  choleskySolve(A, b, d)
  return { p: b.subarray(0, k), bias: biased ? b[k]! : 0 }
}

/** Splits entry indices into training and validation parts (seeded), or all training when `fraction` is 0. */
export function validationSplit(data: Interactions, fraction: number, rng: Random): { train: Int32Array; valid: Int32Array } {
  const n = nnz(data)
  if (fraction <= 0) return { train: Int32Array.from({ length: n }, (_, e) => e), valid: new Int32Array(0) }
  const perm = rng.permutation(n)
  const nv = Math.min(n - 1, Math.max(1, Math.round(n * fraction)))
  const valid = perm.slice(0, nv).sort()
  const train = perm.slice(nv).sort()
  return { train, valid }
}

/** The user of each CSR entry. */
export function rowsOf(data: Interactions): Int32Array {
  const n = nnz(data)
  const rowOf = new Int32Array(n)
  for (let u = 0; u < data.users.size; u++) rowOf.fill(u, data.indptr[u]!, data.indptr[u + 1]!)
  return rowOf
}

/**
 * Zeroes the factors of users and items with no training rating: SGD never touched them, so
 * their random initial values would only add noise (their predictions fall back to the biases).
 */
export function zeroUntrained(P: Float32Array | Float64Array, Q: Float32Array | Float64Array, rowOf: Int32Array, items: Int32Array, entries: Int32Array, k: number): void {
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
