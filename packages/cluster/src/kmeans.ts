import { RecForgeError, Random, topK } from '@recforge/core'
import { checkEmbedding, checkK, checkOption } from './internal/check'
import { squaredL2 } from '@recforge/compute'
import { assignAll, meanVariance, packClustering, seedPlusPlus } from './internal/kernels'
import type { Clustering, Embedding } from './types'

/** Options of {@link kmeans}. */
export interface KMeansOptions {
  /** Number of clusters, at most the number of rows. */
  k: number
  /** Independent k-means++ seedings; the run with the lowest inertia is kept. Defaults to `4`. */
  restarts?: number
  /** Cap on Lloyd iterations per run. Defaults to `300`. */
  maxIterations?: number
  /**
   * A run stops when the summed squared movement of the centroids in one iteration is at most
   * `tolerance` times the mean per-dimension variance of the data. Defaults to `1e-4`.
   */
  tolerance?: number
  /** Seed of the k-means++ draws. Defaults to `42`. */
  seed?: number
  /**
   * How each assignment step finds the nearest centroids: `hamerly` skips the distances that
   * Hamerly's bounds prove cannot change a row's cluster, `lloyd` computes all of them. Both give
   * the same clustering, except where a row is exactly equidistant from two centroids.
   * Defaults to `'hamerly'`.
   */
  algorithm?: 'hamerly' | 'lloyd'
}

/** What {@link kmeans} returns: the kept run's clustering and how it got there. */
export interface KMeansResult extends Clustering {
  /** Inertia after each assignment step of the kept run, the final assignment last (never increases). */
  readonly inertiaHistory: Float64Array
  /** Final inertia of every restart, in the order they ran. */
  readonly restartInertias: Float64Array
}

/**
 * k-means clustering: k-means++ seeding, then Lloyd iterations (assign each row to its nearest
 * centroid, move each centroid to the mean of its rows) until the centroids stop moving; several
 * seeded restarts, keeping the lowest inertia. A cluster that empties is given the row farthest
 * from its centroid. With fewer distinct rows than `k`, some centroids coincide and (with
 * `algorithm: 'lloyd'`) their clusters may end empty, numbered last. The same seed gives the same
 * result.
 *
 * @example
 * ```ts
 * const points = Float32Array.of(0, 0, 0, 2, 2, 0, 2, 2, 10, 10, 10, 12, 12, 10, 12, 12)
 * const { labels, centroids, inertia } = kmeans({ vectors: points, dimensions: 2 }, { k: 2 })
 * // labels [0, 0, 0, 0, 1, 1, 1, 1], centroids [1, 1, 11, 11], inertia 16
 * ```
 *
 * @throws RecForgeError INVALID_ARGUMENT for bad options, `k` above the number of rows or a
 * non-finite value (naming the row); DIMENSION_MISMATCH when the vectors are not whole rows;
 * EMPTY_INPUT for no rows.
 */
export function kmeans(embedding: Embedding, options: KMeansOptions): KMeansResult {
  const what = 'kmeans'
  const n = checkEmbedding(what, embedding)
  const { vectors: x, dimensions: d } = embedding
  const k = options.k
  checkK(what, k, n)
  const restarts = checkOption(what, 'restarts', options.restarts ?? 4, { min: 1, integer: true })
  const maxIterations = checkOption(what, 'maxIterations', options.maxIterations ?? 300, { min: 1, integer: true })
  const tolerance = checkOption(what, 'tolerance', options.tolerance ?? 1e-4, { min: 0 })
  const algorithm = options.algorithm ?? 'hamerly'
  if (algorithm !== 'hamerly' && algorithm !== 'lloyd') throw new RecForgeError('INVALID_ARGUMENT', `${what}: algorithm must be "hamerly" or "lloyd"; got ${JSON.stringify(algorithm)}`)
  const rng = new Random(options.seed ?? 42)
  const tol = tolerance * meanVariance(x, n, d)
  const all = Int32Array.from({ length: n }, (_, i) => i)
  let best: { labels: Int32Array; centers: Float64Array; inertia: number; history: number[]; converged: boolean } | undefined
  const restartInertias = new Float64Array(restarts)
  for (let r = 0; r < restarts; r++) {
    const assigner = algorithm === 'hamerly' ? hamerlyAssigner(x, n, d, k) : fullAssigner(x, n, d, k)
    const run = lloyd(x, n, d, k, seedPlusPlus(x, all, d, k, rng), maxIterations, tol, assigner)
    restartInertias[r] = run.inertia
    if (!best || run.inertia < best.inertia) best = run
  }
  const b = best!
  return {
    ...packClustering(b.labels, b.centers, k, d, b.inertia, b.history.length - 1, b.converged),
    inertiaHistory: Float64Array.from(b.history),
    restartInertias,
  }
}

/** One assignment step: writes labels and exact squared distances, returns the inertia; `reset` forgets what it knows of a row. */
interface Assigner {
  assign(centers: Float64Array, labels: Int32Array, dist: Float64Array): number
  reset(row: number): void
}

/** Every row against every centre. */
function fullAssigner(x: Float32Array, n: number, d: number, k: number): Assigner {
  return { assign: (centers, labels, dist) => assignAll(x, n, d, centers, k, labels, dist), reset: () => {} }
}

/**
 * Hamerly's bounds (2010, "Making k-means even faster"): per row a lower bound on the distance
 * to any centre but its own, lowered by how far the centres moved. A row whose distance to its
 * own centre is within both that bound and half the distance from its centre to the nearest
 * other centre cannot change cluster, so its other distances are not computed.
 * The labels are those of the full search, except that a row exactly equidistant from two
 * centres may keep the one it had.
 */
function hamerlyAssigner(x: Float32Array, n: number, d: number, k: number): Assigner {
  const lower = new Float64Array(n)
  const moved = new Float64Array(k)
  const half = new Float64Array(k)
  let previous: Float64Array | undefined
  const scan = (i: number, centers: Float64Array, labels: Int32Array, dist: Float64Array) => {
    let best = 0
    let d1 = Infinity
    let d2 = Infinity
    for (let c = 0; c < k; c++) {
      const s = squaredL2(x, i * d, centers, c * d, d)
      if (s < d1) {
        d2 = d1
        d1 = s
        best = c
      } else if (s < d2) d2 = s
    }
    labels[i] = best
    dist[i] = d1
    lower[i] = Math.sqrt(d2)
  }
  return {
    reset: (row) => {
      lower[row] = 0
    },
    assign: (centers, labels, dist) => {
      let inertia = 0
      if (!previous) {
        previous = centers.slice()
        for (let i = 0; i < n; i++) {
          scan(i, centers, labels, dist)
          inertia += dist[i]!
        }
        return inertia
      }
      let most = 0
      let next = 0
      let fastest = -1
      for (let c = 0; c < k; c++) {
        const m = Math.sqrt(squaredL2(previous, c * d, centers, c * d, d))
        moved[c] = m
        if (m > most) {
          next = most
          most = m
          fastest = c
        } else if (m > next) next = m
        half[c] = Infinity
      }
      for (let c = 0; c < k; c++) {
        for (let o = c + 1; o < k; o++) {
          const h = 0.5 * Math.sqrt(squaredL2(centers, c * d, centers, o * d, d))
          if (h < half[c]!) half[c] = h
          if (h < half[o]!) half[o] = h
        }
      }
      previous.set(centers)
      for (let i = 0; i < n; i++) {
        const a = labels[i]!
        lower[i]! -= a === fastest ? next : most
        const bound = Math.max(half[a]!, lower[i]!)
        // the exact distance to the own centre (needed for the inertia anyway) serves as the upper bound
        const s = squaredL2(x, i * d, centers, a * d, d)
        dist[i] = s
        if (Math.sqrt(s) > bound) scan(i, centers, labels, dist)
        inertia += dist[i]!
      }
      return inertia
    },
  }
}

function lloyd(x: Float32Array, n: number, d: number, k: number, centers: Float64Array, maxIterations: number, tol: number, assigner: Assigner) {
  const labels = new Int32Array(n)
  const dist = new Float64Array(n)
  const sums = new Float64Array(k * d)
  const counts = new Int32Array(k)
  const history: number[] = []
  let converged = false
  for (let it = 0; it < maxIterations; it++) {
    history.push(assigner.assign(centers, labels, dist))
    sums.fill(0)
    counts.fill(0)
    for (let i = 0; i < n; i++) {
      const c = labels[i]!
      counts[c]!++
      const o = c * d
      const xo = i * d
      for (let j = 0; j < d; j++) sums[o + j]! += x[xo + j]!
    }
    for (let c = 0; c < k; c++) if (counts[c] === 0) assigner.reset(refill(x, d, labels, dist, sums, counts, c))
    let shift = 0
    for (let c = 0; c < k; c++) {
      const inv = 1 / counts[c]!
      for (let j = 0; j < d; j++) {
        const o = c * d + j
        const m = sums[o]! * inv
        const t = m - centers[o]!
        shift += t * t
        centers[o] = m
      }
    }
    if (shift <= tol) {
      converged = true
      break
    }
  }
  const inertia = assigner.assign(centers, labels, dist)
  history.push(inertia)
  return { labels, centers, inertia, history, converged }
}

/** Moves the row farthest from its centroid (in a cluster of two or more) into empty cluster `c`; returns the row. */
function refill(x: Float32Array, d: number, labels: Int32Array, dist: Float64Array, sums: Float64Array, counts: Int32Array, c: number): number {
  let far = -1
  for (let i = 0; i < labels.length; i++) if (counts[labels[i]!]! > 1 && (far < 0 || dist[i]! > dist[far]!)) far = i
  const from = labels[far]!
  for (let j = 0; j < d; j++) {
    const v = x[far * d + j]!
    sums[from * d + j]! -= v
    sums[c * d + j] = v
  }
  counts[from]!--
  counts[c] = 1
  labels[far] = c
  dist[far] = 0
  return far
}

/**
 * The nearest centroid of each row and its squared Euclidean distance: assigns new rows to the
 * clusters of a {@link kmeans} or {@link miniBatchKMeans} result.
 *
 * @example
 * ```ts
 * const { labels } = nearestCentroids({ vectors: Float32Array.of(0.5, 0.5, 11, 12), dimensions: 2 }, clustering.centroids)
 * // labels [0, 1]
 * ```
 *
 * @throws RecForgeError DIMENSION_MISMATCH when the centroids are not whole rows of the embedding's
 * dimensions; as {@link kmeans} for a bad embedding.
 */
export function nearestCentroids(embedding: Embedding, centroids: Float32Array): { labels: Int32Array; distances: Float64Array } {
  const n = checkEmbedding('nearestCentroids', embedding)
  const d = embedding.dimensions
  if (!(centroids instanceof Float32Array) || centroids.length === 0 || centroids.length % d !== 0) {
    throw new RecForgeError('DIMENSION_MISMATCH', `nearestCentroids: centroids must be a non-empty Float32Array of whole rows of ${d} dimensions (the embedding's); got ${centroids?.length ?? 0} values`)
  }
  const labels = new Int32Array(n)
  const distances = new Float64Array(n)
  assignAll(embedding.vectors, n, d, Float64Array.from(centroids), centroids.length / d, labels, distances)
  return { labels, distances }
}

/**
 * The most typical rows of each cluster: its members nearest to its centroid, nearest first
 * (ties to the lower row). Entry `c` lists cluster `c`'s rows; a cluster smaller than `count`
 * lists all of its members.
 *
 * @example
 * ```ts
 * const typical = typicalMembers(embedding, kmeans(embedding, { k: 8 }), { count: 5 })
 * typical[0] // Int32Array: the 5 rows of cluster 0 closest to its centroid
 * ```
 *
 * @throws RecForgeError DIMENSION_MISMATCH when the clustering does not fit the embedding
 * (labels per row, centroid dimensions); INVALID_ARGUMENT for a bad `count` or a label outside
 * `0..k-1`.
 */
export function typicalMembers(embedding: Embedding, clustering: Pick<Clustering, 'labels' | 'centroids' | 'k'>, options: { count?: number } = {}): Int32Array[] {
  const what = 'typicalMembers'
  const n = checkEmbedding(what, embedding)
  const d = embedding.dimensions
  const count = checkOption(what, 'count', options.count ?? 10, { min: 0, integer: true })
  const { labels, centroids, k } = clustering
  if (labels.length !== n) throw new RecForgeError('DIMENSION_MISMATCH', `${what}: the clustering has ${labels.length} labels; the embedding has ${n} rows`)
  if (centroids.length !== k * d) throw new RecForgeError('DIMENSION_MISMATCH', `${what}: ${centroids.length} centroid values are not ${k} rows of the embedding's ${d} dimensions`)
  const members: number[][] = Array.from({ length: k }, () => [])
  for (let i = 0; i < n; i++) {
    const c = labels[i]!
    if (!(c >= 0 && c < k)) throw new RecForgeError('INVALID_ARGUMENT', `${what}: row ${i} has label ${c}; labels must lie in 0..${k - 1}`)
    members[c]!.push(i)
  }
  const centres = Float64Array.from(centroids)
  return members.map((rows, c) => {
    const candidates = Int32Array.from(rows)
    const closeness = Float32Array.from(rows, (i) => -squaredL2(embedding.vectors, i * d, centres, c * d, d))
    return topK(closeness, count, { candidates }).items
  })
}
