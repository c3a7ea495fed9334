/** The Gram matrix of a factor matrix (the Cholesky solve lives in `@recforge/compute`). */

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
  finishGram(g, k, reg)
  return g
}

/** Adds `reg` to the diagonal of an upper-triangular Gram matrix and mirrors it into the lower triangle, in place. */
export function finishGram(g: Float64Array, k: number, reg: number): void {
  for (let f = 0; f < k; f++) {
    g[f * k + f]! += reg
    for (let h = 0; h < f; h++) g[f * k + h] = g[h * k + f]!
  }
}
