import { searchCumulative, type Random } from '@recforge/core'
import { squaredL2 } from '@recforge/compute'
import type { Clustering } from '../types'

/** The index of the centre nearest to row `xo` (ties to the lower index); its squared distance goes to `scratch[0]`. */
export function nearestCenter(x: Float32Array, xo: number, centers: Float64Array, k: number, d: number, scratch: Float64Array): number {
  let best = 0
  let bestD = Infinity
  for (let c = 0; c < k; c++) {
    const s = squaredL2(x, xo, centers, c * d, d)
    if (s < bestD) {
      bestD = s
      best = c
    }
  }
  scratch[0] = bestD
  return best
}

/** Assigns every row to its nearest centre, writing `labels` and the squared distances; returns the inertia. */
export function assignAll(x: Float32Array, n: number, d: number, centers: Float64Array, k: number, labels: Int32Array, dist: Float64Array): number {
  const scratch = new Float64Array(1)
  let inertia = 0
  for (let i = 0; i < n; i++) {
    labels[i] = nearestCenter(x, i * d, centers, k, d, scratch)
    dist[i] = scratch[0]!
    inertia += scratch[0]!
  }
  return inertia
}

/**
 * Greedy k-means++ seeding (Arthur & Vassilvitskii 2007) over the rows listed in `rows`: the
 * first centre uniformly, each next one the best of `2 + ⌊ln k⌋` candidates drawn with
 * probability proportional to the squared distance to the nearest centre so far.
 */
export function seedPlusPlus(x: Float32Array, rows: Int32Array, d: number, k: number, rng: Random): Float64Array {
  const m = rows.length
  const centers = new Float64Array(k * d)
  const closest = new Float64Array(m)
  const cumulative = new Float64Array(m)
  let best = new Float64Array(m)
  let candidate = new Float64Array(m)
  const picked = new Float64Array(d)
  const copy = (c: number, row: number) => {
    for (let j = 0; j < d; j++) centers[c * d + j] = x[row * d + j]!
  }
  copy(0, rows[rng.int(m)]!)
  let potential = 0
  for (let i = 0; i < m; i++) potential += closest[i] = squaredL2(x, rows[i]! * d, centers, 0, d)
  const trials = 2 + Math.floor(Math.log(k))
  for (let c = 1; c < k; c++) {
    let acc = 0
    for (let i = 0; i < m; i++) cumulative[i] = acc += closest[i]!
    let bestRow = -1
    let bestPotential = Infinity
    for (let t = 0; t < trials; t++) {
      // when every row coincides with a chosen centre, any row is as good as another
      const row = rows[potential > 0 ? searchCumulative(cumulative, rng.float() * potential) : rng.int(m)]!
      for (let j = 0; j < d; j++) picked[j] = x[row * d + j]!
      let p = 0
      for (let i = 0; i < m; i++) {
        const s = Math.min(closest[i]!, squaredL2(x, rows[i]! * d, picked, 0, d))
        candidate[i] = s
        p += s
      }
      if (p < bestPotential) {
        bestPotential = p
        bestRow = row
        const t2 = best
        best = candidate
        candidate = t2
      }
    }
    copy(c, bestRow)
    closest.set(best)
    potential = bestPotential
  }
  return centers
}

/**
 * Renumbers clusters in order of their first row (empty ones last) and packs the result.
 * `labels` is rewritten in place.
 */
export function packClustering(labels: Int32Array, centers: Float64Array, k: number, d: number, inertia: number, iterations: number, converged: boolean): Clustering {
  const order = new Int32Array(k).fill(-1)
  let next = 0
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!
    if (order[c] === -1) order[c] = next++
  }
  for (let c = 0; c < k; c++) if (order[c] === -1) order[c] = next++
  const centroids = new Float32Array(k * d)
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) centroids[order[c]! * d + j] = centers[c * d + j]!
  const sizes = new Int32Array(k)
  for (let i = 0; i < labels.length; i++) {
    const c = order[labels[i]!]!
    labels[i] = c
    sizes[c]!++
  }
  return { labels, centroids, k, dimensions: d, sizes, inertia, iterations, converged }
}

/** Mean over dimensions of the per-dimension variance of the rows: the scale of a tolerance. */
export function meanVariance(x: Float32Array, n: number, d: number): number {
  const mean = new Float64Array(d)
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]!
  for (let j = 0; j < d; j++) mean[j]! /= n
  let s = 0
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const t = x[i * d + j]! - mean[j]!
      s += t * t
    }
  }
  return s / (n * d)
}
