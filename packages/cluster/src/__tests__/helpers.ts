import { Random } from '@recforge/core'
import type { Embedding } from '../types'

/** `perBlob` rows around each of `centers` (row-major, `d` values each), Gaussian with `std`; rows blob by blob. */
export function blobs(centers: readonly number[], d: number, perBlob: number, std: number, seed = 1): Embedding & { truth: Int32Array } {
  const k = centers.length / d
  const rng = new Random(seed)
  const vectors = new Float32Array(k * perBlob * d)
  const truth = new Int32Array(k * perBlob)
  for (let c = 0; c < k; c++) {
    for (let p = 0; p < perBlob; p++) {
      const row = c * perBlob + p
      truth[row] = c
      for (let j = 0; j < d; j++) vectors[row * d + j] = centers[c * d + j]! + rng.normal(0, std)
    }
  }
  return { vectors, dimensions: d, truth }
}

/** `k` centres in `d` dimensions, `spread` apart on average, seeded. */
export function randomCenters(k: number, d: number, spread: number, seed = 2): number[] {
  const rng = new Random(seed)
  return Array.from({ length: k * d }, () => rng.normal(0, spread))
}

/** Squared Euclidean distance between row `i` of `a` and row `j` of `b`. */
export function sq(a: Float32Array, i: number, b: Float32Array | Float64Array, j: number, d: number): number {
  let s = 0
  for (let c = 0; c < d; c++) s += (a[i * d + c]! - b[j * d + c]!) ** 2
  return s
}

/** An arbitrary embedding for property tests: rows × d values in [-10, 10], from fast-check integers. */
export function fromInts(values: readonly number[], d: number): Embedding {
  const rows = Math.floor(values.length / d)
  return { vectors: Float32Array.from(values.slice(0, rows * d), (v) => v / 10), dimensions: d }
}
