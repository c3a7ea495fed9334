/** out[i] = dot(M row i, v) for a row-major n × d matrix. */
export function matVec(M: Float32Array, d: number, v: Float32Array, out: Float32Array): void {
  const n = out.length
  for (let i = 0; i < n; i++) {
    let s = 0
    const o = i * d
    for (let j = 0; j < d; j++) s += M[o + j]! * v[j]!
    out[i] = s
  }
}

/** Squared L2 norms of the rows of a row-major n × d matrix. */
export function rowNorms2(M: Float32Array, d: number): Float32Array {
  const n = M.length / d
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    let s = 0
    for (let j = 0; j < d; j++) s += M[i * d + j]! * M[i * d + j]!
    out[i] = s
  }
  return out
}

/** Standardises the finite entries of `x` in place (mean 0, std 1); returns false when they are constant. */
export function standardize(x: Float32Array, mask?: Uint8Array): boolean {
  let s = 0
  let s2 = 0
  let n = 0
  for (let i = 0; i < x.length; i++) {
    if (mask && !mask[i]) continue
    s += x[i]!
    s2 += x[i]! * x[i]!
    n++
  }
  if (n === 0) return false
  const mean = s / n
  const sd = Math.sqrt(Math.max(0, s2 / n - mean * mean))
  for (let i = 0; i < x.length; i++) x[i] = sd > 1e-12 ? (x[i]! - mean) / sd : 0
  return sd > 1e-12
}
