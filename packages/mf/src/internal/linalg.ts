/** Small dense linear algebra on typed arrays (row-major). */

/** `YᵀY + reg·I` of a row-major `rows × k` factor matrix, in float64. */
export function gramMatrix(y: Float32Array, rows: number, k: number, reg: number): Float64Array {
  const g = new Float64Array(k * k)
  for (let r = 0; r < rows; r++) {
    const o = r * k
    for (let f = 0; f < k; f++) {
      const yf = y[o + f]!
      if (yf === 0) continue
      const go = f * k
      for (let h = f; h < k; h++) g[go + h]! += yf * y[o + h]!
    }
  }
  for (let f = 0; f < k; f++) {
    g[f * k + f]! += reg
    for (let h = 0; h < f; h++) g[f * k + h] = g[h * k + f]!
  }
  return g
}

/**
 * Solves `A x = b` for symmetric positive-definite `A` (n × n, overwritten by its Cholesky
 * factor) and returns x in `b`'s place.
 */
export function solveSpd(A: Float64Array, b: Float64Array, n: number): Float64Array {
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

/** Dot product of rows `ao` and `bo` (offsets) over `k` entries. */
export function dotAt(a: Float32Array, ao: number, b: Float32Array, bo: number, k: number): number {
  let s = 0
  for (let f = 0; f < k; f++) s += a[ao + f]! * b[bo + f]!
  return s
}
