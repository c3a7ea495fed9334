/**
 * Row ranges for splitting work over threads, as boundaries: range p is rows
 * `[bounds[p], bounds[p + 1])`, `bounds[0] = 0`, `bounds[parts] = n`.
 */

/**
 * Splits `0..n` into `parts` contiguous ranges of near-equal length.
 *
 * @example
 * ```ts
 * splitEven(10, 3) // Int32Array [0, 3, 7, 10]
 * ```
 */
export function splitEven(n: number, parts: number): Int32Array {
  const b = new Int32Array(parts + 1)
  for (let p = 0; p <= parts; p++) b[p] = Math.round((n * p) / parts)
  return b
}

/**
 * Splits the rows of a lower triangle (row i has i + 1 entries) into `parts` ranges of about the
 * same area.
 *
 * @example
 * ```ts
 * splitTriangle(1000, 4) // Int32Array [0, 500, 707, 866, 1000]
 * ```
 */
export function splitTriangle(n: number, parts: number): Int32Array {
  const b = new Int32Array(parts + 1)
  for (let p = 0; p <= parts; p++) b[p] = Math.min(n, Math.round(n * Math.sqrt(p / parts)))
  b[parts] = n
  return b
}

/**
 * Splits rows `0..n` into `parts` contiguous ranges of about equal weight, from the cumulative
 * weight `prefix(i)` of rows `0..i` (non-decreasing, `prefix(0) = 0`): each boundary is the first
 * row whose prefix reaches its share of `prefix(n)`.
 *
 * @example
 * ```ts
 * // CSR rows weighted by their entries plus a constant cost per row
 * splitByPrefix((i) => indptr[i]! + 8 * i, rows, threads)
 * ```
 */
export function splitByPrefix(prefix: (row: number) => number, n: number, parts: number): Int32Array {
  const b = new Int32Array(parts + 1)
  const total = prefix(n)
  let row = 0
  for (let p = 1; p < parts; p++) {
    const target = (total * p) / parts
    while (row < n && prefix(row) < target) row++
    b[p] = row
  }
  b[parts] = n
  return b
}
