import { RecForgeError, Random } from '@recforge/core'
import { checkEmbedding, checkLabels, checkMetric, checkOption, unitRows } from './internal/check'
import { dot, squaredL2 } from '@recforge/compute'
import type { ClusterMetric, Embedding } from './types'

/** Options of {@link silhouette}. */
export interface SilhouetteOptions {
  /** `l2` (Euclidean) or `cosine` (`1 - cos`). Defaults to `'l2'`. */
  metric?: ClusterMetric
  /**
   * Rows whose silhouette is computed (a seeded sample, each against every row): O(sample × rows)
   * distances instead of O(rows²). Defaults to every row.
   */
  sampleSize?: number
  /** Seed of the sample. Defaults to `42`. */
  seed?: number
}

/** What {@link silhouette} returns. */
export interface SilhouetteResult {
  /** Mean silhouette of the evaluated rows, in [-1, 1]: near 1 for tight, well-separated clusters. */
  readonly score: number
  /** The silhouette of each evaluated row. */
  readonly values: Float64Array
  /** The evaluated rows, ascending (every labelled row without sampling). */
  readonly rows: Int32Array
}

/**
 * The silhouette of a clustering (Rousseeuw 1987): for each row, `a` is its mean distance to
 * the other rows of its cluster and `b` the lowest mean distance to the rows of another cluster;
 * its silhouette is `(b - a) / max(a, b)`, and 0 for a row alone in its cluster. Rows labelled
 * `-1` (DBSCAN's noise) are left out entirely.
 *
 * @example
 * ```ts
 * const line = { vectors: Float32Array.of(0, 1, 4, 5), dimensions: 1 }
 * silhouette(line, Int32Array.of(0, 0, 1, 1)).score // (7/9 + 5/7) / 2 = 0.746
 * ```
 *
 * @throws RecForgeError INVALID_ARGUMENT with fewer than two clusters, for a label below -1, bad
 * options or a non-finite value (naming the row); DIMENSION_MISMATCH when there is not one label
 * per row.
 */
export function silhouette(embedding: Embedding, labels: Int32Array, options: SilhouetteOptions = {}): SilhouetteResult {
  const what = 'silhouette'
  const n = checkEmbedding(what, embedding)
  const d = embedding.dimensions
  checkLabels(what, labels, n)
  const metric = options.metric ?? 'l2'
  checkMetric(what, metric)
  const { compact, k } = compactLabels(what, labels, true)
  if (k < 2) throw new RecForgeError('INVALID_ARGUMENT', `${what}: needs at least two clusters; the labels hold ${k}`)
  let m = 0
  for (let i = 0; i < n; i++) if (compact[i]! >= 0) m++
  const labelled = new Int32Array(m)
  const group = new Int32Array(m)
  for (let i = 0, t = 0; i < n; i++) {
    if (compact[i]! < 0) continue
    labelled[t] = i
    group[t++] = compact[i]!
  }
  let rows = labelled
  if (options.sampleSize !== undefined) {
    const size = checkOption(what, 'sampleSize', options.sampleSize, { min: 1, integer: true })
    if (size < m) rows = new Random(options.seed ?? 42).shuffle(labelled.slice()).slice(0, size).sort()
  }
  const sizes = new Float64Array(k)
  for (let t = 0; t < m; t++) sizes[group[t]!]!++
  const x = embedding.vectors
  const unit = metric === 'cosine' ? unitRows(what, x, n, d) : undefined
  const query = new Float64Array(d)
  const sums = new Float64Array(k)
  const values = new Float64Array(rows.length)
  let total = 0
  for (let r = 0; r < rows.length; r++) {
    const p = rows[r]!
    sums.fill(0)
    if (unit) {
      for (let t = 0; t < m; t++) {
        const q = labelled[t]!
        if (q !== p) sums[group[t]!]! += 1 - dot(unit, p * d, unit, q * d, d)
      }
    } else {
      for (let j = 0; j < d; j++) query[j] = x[p * d + j]!
      for (let t = 0; t < m; t++) {
        const q = labelled[t]!
        if (q !== p) sums[group[t]!]! += Math.sqrt(squaredL2(x, q * d, query, 0, d))
      }
    }
    const own = compact[p]!
    let s = 0
    if (sizes[own]! > 1) {
      const a = sums[own]! / (sizes[own]! - 1)
      let b = Infinity
      for (let c = 0; c < k; c++) if (c !== own && sizes[c]! > 0) b = Math.min(b, sums[c]! / sizes[c]!)
      const top = Math.max(a, b)
      s = top > 0 ? (b - a) / top : 0
    }
    values[r] = s
    total += s
  }
  return { score: total / rows.length, values, rows }
}

/**
 * The adjusted Rand index of two labelings of the same rows (Hubert & Arabie 1985): 1 for the
 * same partition (whatever the label numbers), about 0 for independent ones. Compares
 * clusterings, e.g. two seeds or mini-batch against full k-means.
 *
 * @example
 * ```ts
 * adjustedRandIndex(Int32Array.of(0, 0, 1, 1), Int32Array.of(1, 1, 0, 0)) // 1
 * adjustedRandIndex(Int32Array.of(0, 0, 1, 1), Int32Array.of(0, 0, 1, 2)) // 4/7
 * ```
 *
 * @throws RecForgeError DIMENSION_MISMATCH for labelings of different lengths; INVALID_ARGUMENT
 * for labels that are not Int32Arrays.
 */
export function adjustedRandIndex(a: Int32Array, b: Int32Array): number {
  const what = 'adjustedRandIndex'
  checkLabels(what, a, a?.length ?? 0)
  checkLabels(what, b, a.length)
  const n = a.length
  const ca = compactLabels(what, a, false)
  const cb = compactLabels(what, b, false)
  const table = new Map<number, number>()
  for (let i = 0; i < n; i++) {
    const key = ca.compact[i]! * cb.k + cb.compact[i]!
    table.set(key, (table.get(key) ?? 0) + 1)
  }
  const pairs = (m: number) => (m * (m - 1)) / 2
  let index = 0
  for (const m of table.values()) index += pairs(m)
  const rowsA = new Float64Array(ca.k)
  const rowsB = new Float64Array(cb.k)
  for (let i = 0; i < n; i++) {
    rowsA[ca.compact[i]!]!++
    rowsB[cb.compact[i]!]!++
  }
  let sumA = 0
  let sumB = 0
  for (const m of rowsA) sumA += pairs(m)
  for (const m of rowsB) sumB += pairs(m)
  const all = pairs(n)
  const expected = all > 0 ? (sumA * sumB) / all : 0
  const max = (sumA + sumB) / 2
  // both partitions trivial (one cluster, or all singletons) and so identical
  if (max === expected) return 1
  return (index - expected) / (max - expected)
}

/** Renumbers labels to 0..k-1 in order of first appearance; `-1` stays `-1` when `noise` is allowed. */
function compactLabels(what: string, labels: Int32Array, noise: boolean): { compact: Int32Array; k: number } {
  const ids = new Map<number, number>()
  const compact = new Int32Array(labels.length)
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!
    if (l === -1 && noise) {
      compact[i] = -1
      continue
    }
    if (l < 0 && noise) throw new RecForgeError('INVALID_ARGUMENT', `${what}: row ${i} has label ${l}; labels are cluster numbers >= 0, or -1 for noise`)
    let c = ids.get(l)
    if (c === undefined) ids.set(l, (c = ids.size))
    compact[i] = c
  }
  return { compact, k: ids.size }
}
