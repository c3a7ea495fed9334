/** Small dense linear algebra on row-major typed arrays, in float64. */

/**
 * Solves `A x = b` for a symmetric positive definite `A` (n × n, row-major; only its lower
 * triangle is read) by a Cholesky factorisation `A = L Lᵀ` written over that lower triangle, then
 * forward and back substitution; x replaces `b`, which is returned. A pivot that is not positive
 * is clamped to 1e-300 instead of failing, so a nearly singular system still gives finite values.
 *
 * @example
 * ```ts
 * choleskySolve(new Float64Array([4, 0, 2, 3]), new Float64Array([8, 7]), 2) // Float64Array [2, 1]
 * ```
 */
export function choleskySolve(A: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let i = 0; i < n; i++) {
    const io = i * n
    for (let j = 0; j <= i; j++) {
      const jo = j * n
      let s = A[io + j]!
      for (let m = 0; m < j; m++) s -= A[io + m]! * A[jo + m]!
      if (i === j) A[io + i] = Math.sqrt(s > 1e-300 ? s : 1e-300)
      else A[io + j] = s / A[jo + j]!
    }
  }
  for (let i = 0; i < n; i++) {
    let s = b[i]!
    const io = i * n
    for (let m = 0; m < i; m++) s -= A[io + m]! * b[m]!
    b[i] = s / A[io + i]!
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!
    for (let m = i + 1; m < n; m++) s -= A[m * n + i]! * b[m]!
    b[i] = s / A[i * n + i]!
  }
  return b
}
