/**
 * Vector kernels on row-major `Float32Array` or `Float64Array` storage, addressed by element
 * offsets. Unrolled by four with independent accumulators so V8 keeps four multiply-add chains in
 * flight; the sums are added as `(s0 + s1) + (s2 + s3)`. The sums are always in double precision.
 */

/** Row-major vector storage the kernels read: single or double precision. */
export type FloatArray = Float32Array | Float64Array

/**
 * Dot product of `a[ao..ao+d)` and `b[bo..bo+d)`.
 *
 * @example
 * ```ts
 * dot(new Float32Array([1, 2, 3]), 0, new Float32Array([4, 5, 6]), 0, 3) // 32
 * ```
 */
export function dot(a: FloatArray, ao: number, b: FloatArray, bo: number, d: number): number {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  let j = 0
  const end4 = d - (d & 3)
  for (; j < end4; j += 4) {
    s0 += a[ao + j]! * b[bo + j]!
    s1 += a[ao + j + 1]! * b[bo + j + 1]!
    s2 += a[ao + j + 2]! * b[bo + j + 2]!
    s3 += a[ao + j + 3]! * b[bo + j + 3]!
  }
  for (; j < d; j++) s0 += a[ao + j]! * b[bo + j]!
  return s0 + s1 + (s2 + s3)
}

/**
 * Squared Euclidean distance of `a[ao..ao+d)` and `b[bo..bo+d)`.
 *
 * @example
 * ```ts
 * squaredL2(new Float32Array([1, 2]), 0, new Float32Array([4, 6]), 0, 2) // 25
 * ```
 */
export function squaredL2(a: FloatArray, ao: number, b: FloatArray, bo: number, d: number): number {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  let j = 0
  const end4 = d - (d & 3)
  for (; j < end4; j += 4) {
    const t0 = a[ao + j]! - b[bo + j]!
    const t1 = a[ao + j + 1]! - b[bo + j + 1]!
    const t2 = a[ao + j + 2]! - b[bo + j + 2]!
    const t3 = a[ao + j + 3]! - b[bo + j + 3]!
    s0 += t0 * t0
    s1 += t1 * t1
    s2 += t2 * t2
    s3 += t3 * t3
  }
  for (; j < d; j++) {
    const t = a[ao + j]! - b[bo + j]!
    s0 += t * t
  }
  return s0 + s1 + (s2 + s3)
}

/**
 * Scales `v[o..o+d)` to unit length in place (zero vectors stay zero).
 *
 * @example
 * ```ts
 * normalizeInPlace(new Float32Array([3, 4]), 0, 2) // the array becomes [0.6, 0.8]
 * ```
 */
export function normalizeInPlace(v: Float32Array, o: number, d: number): void {
  let n = 0
  for (let j = 0; j < d; j++) n += v[o + j]! * v[o + j]!
  if (n === 0) return
  const inv = 1 / Math.sqrt(n)
  for (let j = 0; j < d; j++) v[o + j] = v[o + j]! * inv
}
