import { RecForgeError } from '@recforge/core'
import { checkEmbedding, checkMetric, checkOption, unitRows } from './internal/check'
import { dot, squaredL2 } from '@recforge/compute'
import type { ClusterMetric, Embedding } from './types'

/** Options of {@link dbscan}. */
export interface DBSCANOptions {
  /** Neighbourhood radius: rows within `eps` of each other (inclusive) are neighbours. */
  eps: number
  /** Neighbours (the row itself included) a row needs to be a core row. Defaults to `5`. */
  minPoints?: number
  /** `l2` (Euclidean) or `cosine` (`1 - cos`). Defaults to `'l2'`. */
  metric?: ClusterMetric
}

/** What {@link dbscan} returns. */
export interface DBSCANResult {
  /** The cluster of each row in `0..clusters-1`, numbered in the order they were found; `-1` for noise. */
  readonly labels: Int32Array
  /** `1` for core rows (at least `minPoints` neighbours), else `0`. */
  readonly core: Uint8Array
  readonly clusters: number
  /** Rows labelled noise. */
  readonly noise: number
  /** Rows per cluster. */
  readonly sizes: Int32Array
}

const UNVISITED = -2
const NOISE = -1

/**
 * DBSCAN (Ester, Kriegel, Sander & Xu 1996): clusters are the sets of rows density-reachable
 * from core rows (rows with at least `minPoints` rows within `eps`, themselves included); rows
 * reachable from no core row are noise (`-1`). A border row reachable from two clusters joins
 * the one found first (clusters grow from rows in input order), so the result is deterministic.
 * Neighbourhoods are found by exact search over all rows: O(n² d) time, O(n) memory.
 *
 * @example
 * ```ts
 * const line = Float32Array.of(0, 1, 2, 3, 10, 11, 12, 50)
 * dbscan({ vectors: line, dimensions: 1 }, { eps: 1.5, minPoints: 2 }).labels
 * // Int32Array [0, 0, 0, 0, 1, 1, 1, -1]
 * ```
 *
 * @throws RecForgeError INVALID_ARGUMENT for a negative or non-finite `eps`, a bad `minPoints` or
 * metric, a non-finite value, or an all-zero row under `cosine`; DIMENSION_MISMATCH and
 * EMPTY_INPUT as {@link kmeans}.
 */
export function dbscan(embedding: Embedding, options: DBSCANOptions): DBSCANResult {
  const what = 'dbscan'
  const n = checkEmbedding(what, embedding)
  const d = embedding.dimensions
  if (options?.eps === undefined) throw new RecForgeError('INVALID_ARGUMENT', `${what}: option "eps" (the neighbourhood radius) is required`)
  const eps = checkOption(what, 'eps', options.eps, { min: 0 })
  const minPoints = checkOption(what, 'minPoints', options.minPoints ?? 5, { min: 1, integer: true })
  const metric = options.metric ?? 'l2'
  checkMetric(what, metric)
  const neighbours = regionQuery(embedding.vectors, n, d, eps, metric, what)

  const labels = new Int32Array(n).fill(UNVISITED)
  const core = new Uint8Array(n)
  const queue = new Int32Array(n)
  const sizes: number[] = []
  let clusters = 0
  for (let p = 0; p < n; p++) {
    if (labels[p] !== UNVISITED) continue
    const around = neighbours(p)
    if (around.length < minPoints) {
      labels[p] = NOISE
      continue
    }
    const c = clusters++
    let size = 1
    labels[p] = c
    core[p] = 1
    let head = 0
    let tail = 0
    const absorb = (list: Int32Array) => {
      for (const q of list) {
        const l = labels[q]!
        if (l === UNVISITED) {
          labels[q] = c
          queue[tail++] = q
          size++
        } else if (l === NOISE) {
          labels[q] = c // a border row: never expanded, it has too few neighbours
          size++
        }
      }
    }
    absorb(around)
    while (head < tail) {
      const q = queue[head++]!
      const next = neighbours(q)
      if (next.length >= minPoints) {
        core[q] = 1
        absorb(next)
      }
    }
    sizes.push(size)
  }
  let noise = 0
  for (let i = 0; i < n; i++) if (labels[i] === NOISE) noise++
  return { labels, core, clusters, noise, sizes: Int32Array.from(sizes) }
}

/** Exact neighbourhood search: the rows within `eps` of row `p`, `p` included, in row order. */
function regionQuery(v: Float32Array, n: number, d: number, eps: number, metric: ClusterMetric, what: string): (p: number) => Int32Array {
  const buf = new Int32Array(n)
  if (metric === 'cosine') {
    const u = unitRows(what, v, n, d)
    // 1 - cos <= eps  <=>  cos >= 1 - eps
    const minCos = 1 - eps
    return (p) => {
      let m = 0
      const po = p * d
      for (let i = 0; i < n; i++) if (i === p || dot(u, po, u, i * d, d) >= minCos) buf[m++] = i
      return buf.slice(0, m)
    }
  }
  const eps2 = eps * eps
  const w = Float64Array.from(v)
  return (p) => {
    let m = 0
    const po = p * d
    for (let i = 0; i < n; i++) {
      // most pairs are far apart: give up on a pair once its partial sum passes eps²
      const io = i * d
      let s = 0
      for (let j = 0; j < d && s <= eps2; j += 16) s += squaredL2(v, io + j, w, po + j, Math.min(16, d - j))
      if (s <= eps2) buf[m++] = i
    }
    return buf.slice(0, m)
  }
}
