import { Random } from '@recforge/core'
import { checkEmbedding, checkK, checkOption } from './internal/check'
import { assignAll, nearestCenter, packClustering, seedPlusPlus } from './internal/kernels'
import type { Clustering, Embedding } from './types'

/** Options of {@link miniBatchKMeans}. */
export interface MiniBatchKMeansOptions {
  /** Number of clusters, at most the number of rows. */
  k: number
  /** Rows drawn (with replacement) per mini-batch. Defaults to `1024`. */
  batchSize?: number
  /** Cap on mini-batch steps. Defaults to `100`. */
  maxIterations?: number
  /**
   * Stop after this many consecutive steps without a new low of the smoothed batch inertia
   * (an exponentially weighted average over batches); `0` runs every step. Defaults to `10`.
   */
  patience?: number
  /**
   * Rows the k-means++ seedings run on (a seeded sample; all rows when there are fewer).
   * Defaults to `3 × batchSize`, and at least `k`.
   */
  initSize?: number
  /** k-means++ seedings tried on the init sample; the one with the lowest inertia there is kept. Defaults to `3`. */
  restarts?: number
  /** Seed of the sample, the seedings and the batches. Defaults to `42`. */
  seed?: number
}

/**
 * Mini-batch k-means (Sculley 2010, "Web-scale k-means clustering") for inputs too large for
 * full Lloyd iterations: each step draws a batch of rows, assigns them to their nearest centroid
 * and moves each centroid towards its rows with a per-centroid learning rate of 1 / (rows it has
 * absorbed), so every centroid is the running mean of the rows it was given. Seeds with
 * k-means++ on a sample; the final labels and inertia come from one full assignment pass.
 *
 * @example
 * ```ts
 * const result = miniBatchKMeans({ vectors, dimensions: 64 }, { k: 16, batchSize: 2048, seed: 7 })
 * result.labels // Int32Array, one cluster per row; result.inertia over all rows
 * ```
 *
 * @throws RecForgeError as {@link kmeans}.
 */
export function miniBatchKMeans(embedding: Embedding, options: MiniBatchKMeansOptions): Clustering {
  const what = 'miniBatchKMeans'
  const n = checkEmbedding(what, embedding)
  const { vectors: x, dimensions: d } = embedding
  const k = options.k
  checkK(what, k, n)
  const batchSize = checkOption(what, 'batchSize', options.batchSize ?? 1024, { min: 1, integer: true })
  const maxIterations = checkOption(what, 'maxIterations', options.maxIterations ?? 100, { min: 1, integer: true })
  const patience = checkOption(what, 'patience', options.patience ?? 10, { min: 0, integer: true })
  const restarts = checkOption(what, 'restarts', options.restarts ?? 3, { min: 1, integer: true })
  const initSize = Math.min(n, Math.max(k, checkOption(what, 'initSize', options.initSize ?? 3 * batchSize, { min: 1, integer: true })))
  const rng = new Random(options.seed ?? 42)

  const sample = initSize === n ? Int32Array.from({ length: n }, (_, i) => i) : rng.permutation(n).slice(0, initSize)
  const scratch = new Float64Array(1)
  let centers: Float64Array | undefined
  let bestInit = Infinity
  for (let r = 0; r < restarts; r++) {
    const c = seedPlusPlus(x, sample, d, k, rng)
    let inertia = 0
    for (let s = 0; s < sample.length; s++) {
      nearestCenter(x, sample[s]! * d, c, k, d, scratch)
      inertia += scratch[0]!
    }
    if (inertia < bestInit) {
      bestInit = inertia
      centers = c
    }
  }
  const cen = centers!

  const counts = new Float64Array(k)
  const batch = new Int32Array(batchSize)
  const assigned = new Int32Array(batchSize)
  const sums = new Float64Array(k * d)
  const inBatch = new Int32Array(k)
  const alpha = Math.min(1, (2 * batchSize) / (n + 1))
  let smoothed = Number.NaN
  let bestSmoothed = Infinity
  let stale = 0
  let iterations = 0
  let converged = false
  for (let it = 0; it < maxIterations; it++) {
    iterations++
    let batchInertia = 0
    for (let b = 0; b < batchSize; b++) {
      const row = rng.int(n)
      batch[b] = row
      assigned[b] = nearestCenter(x, row * d, cen, k, d, scratch)
      batchInertia += scratch[0]!
    }
    sums.fill(0)
    inBatch.fill(0)
    for (let b = 0; b < batchSize; b++) {
      const c = assigned[b]!
      inBatch[c]!++
      const xo = batch[b]! * d
      for (let j = 0; j < d; j++) sums[c * d + j]! += x[xo + j]!
    }
    // equal to Sculley's per-row updates c ← (1 - 1/v) c + (1/v) x applied to the batch's rows in turn
    for (let c = 0; c < k; c++) {
      const m = inBatch[c]!
      if (m === 0) continue
      const v = counts[c]! + m
      for (let j = 0; j < d; j++) cen[c * d + j] = (cen[c * d + j]! * counts[c]! + sums[c * d + j]!) / v
      counts[c] = v
    }
    const perRow = batchInertia / batchSize
    smoothed = Number.isNaN(smoothed) ? perRow : smoothed * (1 - alpha) + perRow * alpha
    if (smoothed < bestSmoothed) {
      bestSmoothed = smoothed
      stale = 0
    } else if (patience > 0 && ++stale >= patience) {
      converged = true
      break
    }
  }
  const labels = new Int32Array(n)
  const inertia = assignAll(x, n, d, cen, k, labels, new Float64Array(n))
  return packClustering(labels, cen, k, d, inertia, iterations, converged)
}
