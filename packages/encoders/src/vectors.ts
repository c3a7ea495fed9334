import { RecForgeError } from '@recforge/core'

/**
 * Scales each row of a row-major `n × dimensions` matrix to unit L2 length, in place. Zero rows stay zero.
 *
 * @example
 * ```ts
 * normalizeRows(new Float32Array([3, 4]), 2) // [0.6, 0.8]
 * ```
 * @throws RecForgeError DIMENSION_MISMATCH when the length is not a multiple of `dimensions`.
 */
export function normalizeRows(vectors: Float32Array, dimensions: number): Float32Array {
  checkMatrix(vectors, dimensions, 'vectors')
  const n = vectors.length / dimensions
  for (let i = 0; i < n; i++) {
    const o = i * dimensions
    let s = 0
    for (let j = 0; j < dimensions; j++) s += vectors[o + j]! * vectors[o + j]!
    if (s > 0) {
      const inv = 1 / Math.sqrt(s)
      for (let j = 0; j < dimensions; j++) vectors[o + j]! *= inv
    }
  }
  return vectors
}

/**
 * Checks that `vectors` holds whole rows of `dimensions` finite values.
 *
 * @example
 * ```ts
 * checkMatrix(new Float32Array(6), 3, 'item vectors') // 2 rows
 * ```
 * @throws RecForgeError DIMENSION_MISMATCH for a partial row; INVALID_ARGUMENT for bad dimensions.
 */
export function checkMatrix(vectors: Float32Array, dimensions: number, what: string): number {
  if (!Number.isInteger(dimensions) || dimensions < 1) throw new RecForgeError('INVALID_ARGUMENT', `${what}: dimensions must be a positive integer; got ${dimensions}`)
  if (vectors.length % dimensions !== 0) {
    throw new RecForgeError('DIMENSION_MISMATCH', `${what} has ${vectors.length} values, not a whole number of rows of ${dimensions} dimensions`)
  }
  return vectors.length / dimensions
}

/** Dot product of row `a` of `A` and row `b` of `B` (both with `d` columns). */
export function rowDot(A: Float32Array, a: number, B: Float32Array, b: number, d: number): number {
  let s = 0
  const ao = a * d
  const bo = b * d
  for (let j = 0; j < d; j++) s += A[ao + j]! * B[bo + j]!
  return s
}
