import { choleskySolve } from '@recforge/compute'
import { Random, RecForgeError, nnz, type Interactions } from '@recforge/core'

/**
 * Least-squares fold-in for the biased rating models: with the items fixed, solves
 * `min Σ (r - mu - b_i - q_i·offset - q_i·p - b)² + n·reg·|p|² + n·regBias·b²`, the stationary
 * point SGD with per-rating penalties converges to. Returns p (and b when `biased`).
 */
export function ratingFoldIn(opts: {
  items: Int32Array
  values: Float32Array
  k: number
  itemFactors: Float32Array
  itemBias: Float32Array | undefined
  globalMean: number
  reg: number
  regBias: number
  biased: boolean
  /** Added to p in the prediction (SVD++'s implicit term), or undefined. */
  offset?: Float64Array
}): { p: Float64Array; bias: number } {
  const { items, values, k, itemFactors: Q, itemBias, globalMean, reg, regBias, biased, offset } = opts
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
  for (let f = 0; f < k; f++) A[f * d + f]! += lam * reg + 1e-9
  if (biased) A[k * d + k]! += lam * regBias + 1e-9
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

/** Checks the options shared by the SGD rating models. */
export function checkLrDecay(value: number): void {
  if (!(value > 0 && value <= 1)) throw new RecForgeError('INVALID_ARGUMENT', `option "lrDecay" must be in (0, 1]; got ${value}`)
}
