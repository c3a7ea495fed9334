import { MAX_AUTO_THREADS, toShared } from '@recforge/compute'
import { itemCounts, param, transpose, type Interactions, type IntParam, type ItemMajor, type Vocabulary } from '@recforge/core'

/**
 * The `threads` parameter of a baselines model: compute's thread rule, with the catalogue size
 * from which `threads: 0` starts worker threads.
 */
export function threadsParam(what: string, minItems: number): IntParam {
  return param.int({
    default: 0,
    min: 0,
    max: 64,
    description: `threads for ${what} (0 = one per core, at most ${MAX_AUTO_THREADS}, from ${minItems.toLocaleString('en-US')} items up)`,
  })
}

/** The user-major (`u*`) and item-major (`i*`) CSR arrays a kernel reads (on shared memory when threads share them). */
export interface CsrPairArgs {
  uIndptr: Int32Array
  uIndices: Int32Array
  uValues: Float32Array
  iIndptr: Int32Array
  iIndices: Int32Array
  iValues: Float32Array
}

/** The arrays of a {@link SortedCsr} as kernel arguments, copied to shared memory with `shared`. */
export function csrPairArgs(csr: SortedCsr, shared: boolean): CsrPairArgs {
  const { byUser: u, byItem: i } = csr
  const s = <A extends Int32Array | Float32Array>(a: A) => toShared(a, shared)
  return { uIndptr: s(u.indptr), uIndices: s(u.indices), uValues: s(u.values), iIndptr: s(i.indptr), iIndices: s(i.indices), iValues: s(i.values) }
}

/** The same arrays with the roles of users and items swapped. */
export function swapCsrPair(p: CsrPairArgs): CsrPairArgs {
  return { uIndptr: p.iIndptr, uIndices: p.iIndices, uValues: p.iValues, iIndptr: p.uIndptr, iIndices: p.uIndices, iValues: p.uValues }
}

/**
 * The interactions restricted to `keep` items (renumbered 0..keep.length-1 in the given order)
 * as user-major and item-major CSR, each with indices ascending within a row.
 */
export interface SortedCsr {
  /** Number of items in the restricted catalogue. */
  readonly items: number
  readonly users: number
  readonly byUser: ItemMajor
  readonly byItem: ItemMajor
}

/** A vocabulary that only knows its size: transpose needs no more, and it avoids building id strings. */
function sized(size: number): Vocabulary {
  return { size, index: () => undefined, id: (i: number) => String(i), ids: () => [] }
}

/** Builds {@link SortedCsr} for `data`, optionally restricted to `keep` items and with all values set to 1 (`binary`). */
export function sortedCsr(data: Interactions, opts: { keep?: Int32Array; binary?: boolean } = {}): SortedCsr {
  const nu = data.users.size
  const ni = data.items.size
  let local: Int32Array | undefined
  if (opts.keep) {
    local = new Int32Array(ni).fill(-1)
    for (let l = 0; l < opts.keep.length; l++) local[opts.keep[l]!] = l
  }
  const m = opts.keep ? opts.keep.length : ni
  const n = data.indptr[nu]!
  const indptr = new Int32Array(nu + 1)
  const indices = new Int32Array(n)
  const values = new Float32Array(n)
  let p = 0
  for (let u = 0; u < nu; u++) {
    for (let q = data.indptr[u]!; q < data.indptr[u + 1]!; q++) {
      const j = local ? local[data.indices[q]!]! : data.indices[q]!
      if (j < 0) continue
      indices[p] = j
      values[p] = opts.binary ? 1 : data.values[q]!
      p++
    }
    indptr[u + 1] = p
  }
  const byItem = transpose({ users: sized(nu), items: sized(m), indptr, indices: indices.subarray(0, p), values: values.subarray(0, p) })
  const byUser = transpose({ users: sized(m), items: sized(nu), indptr: byItem.indptr, indices: byItem.indices, values: byItem.values })
  return { items: m, users: nu, byUser, byItem }
}

/** The `max` most frequent items (ties by index), in ascending item order. */
export function mostPopular(data: Interactions, max: number): Int32Array {
  const counts = itemCounts(data)
  const order = Int32Array.from({ length: counts.length }, (_, i) => i)
  order.sort((a, b) => counts[b]! - counts[a]! || a - b)
  return order.slice(0, Math.min(max, order.length)).sort()
}
