/**
 * Row-major vectors: `vectors.length / dimensions` rows of `dimensions` values each. The shape
 * `itemVectors()` of a fitted recommender returns, so its output can be passed straight in.
 */
export interface Embedding {
  readonly vectors: Float32Array
  readonly dimensions: number
}

/** Distances the clustering functions understand: Euclidean, or cosine distance `1 - cos`. */
export type ClusterMetric = 'l2' | 'cosine'

/** A partition of the rows of an embedding into `k` clusters around centroids. */
export interface Clustering {
  /** The cluster of each row, in `0..k-1`; clusters are numbered in order of their first row. */
  readonly labels: Int32Array
  /** Row-major `k × dimensions` centroids; row `c` is the centre of cluster `c`. */
  readonly centroids: Float32Array
  readonly k: number
  readonly dimensions: number
  /** Rows per cluster. */
  readonly sizes: Int32Array
  /** Sum of squared Euclidean distances from each row to its centroid. */
  readonly inertia: number
  /** Iterations the kept run took (Lloyd steps, or mini-batches). */
  readonly iterations: number
  /** Whether the kept run stopped on its tolerance before the iteration cap. */
  readonly converged: boolean
}
