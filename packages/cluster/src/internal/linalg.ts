import type { Random } from '@recforge/core'
import { dot } from '@recforge/compute'

// Dense float64 helpers for randomized SVD. Tall matrices are stored column by column
// (column j of an m × l matrix is a[j*m .. j*m+m)), so each column is contiguous.

/**
 * Orthonormalises the `l` columns (length `m`) of `a` in place: Gram-Schmidt run twice per
 * column, which keeps the columns orthogonal to working precision. A column that is (numerically)
 * in the span of the earlier ones is replaced by a random direction orthogonal to them, so the
 * result is always `l` orthonormal columns (`l <= m`).
 */
export function orthonormalize(a: Float64Array, m: number, l: number, rng: Random): void {
  for (let j = 0; j < l; j++) {
    const jo = j * m
    let original = Math.sqrt(dot(a, jo, a, jo, m))
    for (let attempt = 0; ; attempt++) {
      for (let pass = 0; pass < 2; pass++) {
        for (let i = 0; i < j; i++) {
          const io = i * m
          const p = dot(a, io, a, jo, m)
          for (let r = 0; r < m; r++) a[jo + r]! -= p * a[io + r]!
        }
      }
      const norm = Math.sqrt(dot(a, jo, a, jo, m))
      if (norm > 1e-10 * original && norm > 0) {
        for (let r = 0; r < m; r++) a[jo + r]! /= norm
        break
      }
      for (let r = 0; r < m; r++) a[jo + r] = rng.normal()
      original = Math.sqrt(dot(a, jo, a, jo, m))
      if (attempt > 8) throw new Error('orthonormalize: could not complete an orthonormal basis')
    }
  }
}

/**
 * Singular value decomposition of a small `m × l` matrix `g` (column-major, `l <= m`) by
 * one-sided Jacobi rotations (Hestenes): rotates pairs of columns until all are orthogonal.
 * Returns the singular values (descending), the left singular vectors `w` (`m × l`,
 * column-major; orthonormal, completed with random directions where a singular value is zero)
 * and the right singular vectors `v` (`l × l`, column-major), so that `g = w diag(s) vᵀ`.
 */
export function jacobiSvd(g: Float64Array, m: number, l: number, rng: Random): { s: Float64Array; w: Float64Array; v: Float64Array } {
  const a = g.slice()
  const v = new Float64Array(l * l)
  for (let j = 0; j < l; j++) v[j * l + j] = 1
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false
    for (let p = 0; p < l - 1; p++) {
      for (let q = p + 1; q < l; q++) {
        const po = p * m
        const qo = q * m
        const alpha = dot(a, po, a, po, m)
        const beta = dot(a, qo, a, qo, m)
        const gamma = dot(a, po, a, qo, m)
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue
        rotated = true
        const zeta = (beta - alpha) / (2 * gamma)
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta))
        const c = 1 / Math.sqrt(1 + t * t)
        const s = c * t
        for (let r = 0; r < m; r++) {
          const x = a[po + r]!
          const y = a[qo + r]!
          a[po + r] = c * x - s * y
          a[qo + r] = s * x + c * y
        }
        for (let r = 0; r < l; r++) {
          const x = v[p * l + r]!
          const y = v[q * l + r]!
          v[p * l + r] = c * x - s * y
          v[q * l + r] = s * x + c * y
        }
      }
    }
    if (!rotated) break
  }
  const norms = Float64Array.from({ length: l }, (_, j) => Math.sqrt(dot(a, j * m, a, j * m, m)))
  const order = Array.from({ length: l }, (_, j) => j).sort((x, y) => norms[y]! - norms[x]! || x - y)
  const top = norms[order[0]!] ?? 0
  const s = new Float64Array(l)
  const w = new Float64Array(m * l)
  const vs = new Float64Array(l * l)
  let rank = 0
  for (let j = 0; j < l; j++) {
    const src = order[j]!
    const sigma = norms[src]!
    vs.set(v.subarray(src * l, src * l + l), j * l)
    // singular values at rounding level are zero: their directions are noise
    if (sigma > 0 && sigma > top * 1e-12) {
      s[j] = sigma
      for (let r = 0; r < m; r++) w[j * m + r] = a[src * m + r]! / sigma
      rank = j + 1
    }
  }
  if (rank < l) {
    for (let j = rank; j < l; j++) for (let r = 0; r < m; r++) w[j * m + r] = rng.normal()
    orthonormalize(w, m, l, rng)
  }
  return { s, w, v: vs }
}
