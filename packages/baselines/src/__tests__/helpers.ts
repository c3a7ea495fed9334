import { InteractionsBuilder, type Interactions } from '@recforge/core'

/** Builds interactions from rows of [item, value] (users u0.., items i0..i{items-1}). */
export function fromRows(items: number, rows: readonly (readonly (readonly [number, number])[])[], timestamps?: readonly (readonly number[])[]): Interactions {
  const b = new InteractionsBuilder({ timestamps: timestamps !== undefined })
  for (let i = 0; i < items; i++) b.items.add(`i${i}`)
  rows.forEach((row, u) => {
    b.users.add(`u${u}`)
    row.forEach(([i, v], k) => b.push(`u${u}`, `i${i}`, v, timestamps?.[u]?.[k] ?? 0))
  })
  return b.build()
}

/** Plain Gauss-Jordan inverse with partial pivoting (row-major n x n, float64), the test oracle. */
export function gaussJordanInverse(M: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(M)
  const inv = new Float64Array(n * n)
  for (let i = 0; i < n; i++) inv[i * n + i] = 1
  for (let k = 0; k < n; k++) {
    let piv = k
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k]!) > Math.abs(a[piv * n + k]!)) piv = i
    if (piv !== k) {
      for (let j = 0; j < n; j++) {
        ;[a[k * n + j], a[piv * n + j]] = [a[piv * n + j]!, a[k * n + j]!]
        ;[inv[k * n + j], inv[piv * n + j]] = [inv[piv * n + j]!, inv[k * n + j]!]
      }
    }
    const p = a[k * n + k]!
    for (let j = 0; j < n; j++) {
      a[k * n + j] = a[k * n + j]! / p
      inv[k * n + j] = inv[k * n + j]! / p
    }
    for (let i = 0; i < n; i++) {
      if (i === k) continue
      const f = a[i * n + k]!
      if (f === 0) continue
      for (let j = 0; j < n; j++) {
        a[i * n + j] = a[i * n + j]! - f * a[k * n + j]!
        inv[i * n + j] = inv[i * n + j]! - f * inv[k * n + j]!
      }
    }
  }
  return inv
}

/** X^T X + lambda I of binary or valued interactions, dense float64. */
export function denseGram(data: Interactions, lambda: number, binary = true): Float64Array {
  const n = data.items.size
  const G = new Float64Array(n * n)
  for (let u = 0; u < data.users.size; u++) {
    for (let p = data.indptr[u]!; p < data.indptr[u + 1]!; p++) {
      for (let q = data.indptr[u]!; q < data.indptr[u + 1]!; q++) {
        const vi = binary ? 1 : data.values[p]!
        const vj = binary ? 1 : data.values[q]!
        G[data.indices[p]! * n + data.indices[q]!] = G[data.indices[p]! * n + data.indices[q]!]! + vi * vj
      }
    }
  }
  for (let i = 0; i < n; i++) G[i * n + i] = G[i * n + i]! + lambda
  return G
}

/** A random implicit dataset with skewed item popularity. */
export function randomImplicit(users: number, items: number, perUser: number, rng: { float(): number }): Interactions {
  const b = new InteractionsBuilder()
  for (let i = 0; i < items; i++) b.items.add(`i${i}`)
  for (let u = 0; u < users; u++) {
    b.users.add(`u${u}`)
    const seen = new Set<number>()
    for (let k = 0; k < perUser; k++) {
      const i = Math.min(items - 1, Math.floor(items * rng.float() ** 2))
      if (seen.has(i)) continue
      seen.add(i)
      b.push(`u${u}`, `i${i}`, 1)
    }
  }
  return b.build()
}

/** Largest absolute difference between `got` and `want`, relative to the largest magnitude in `want`. */
export function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let err = 0
  let scale = 0
  for (let k = 0; k < want.length; k++) {
    err = Math.max(err, Math.abs(got[k]! - want[k]!))
    scale = Math.max(scale, Math.abs(want[k]!))
  }
  return err / scale
}
