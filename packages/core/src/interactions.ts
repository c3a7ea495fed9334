import { RecForgeError } from './errors'
import { IdVocabulary, checkId, type Vocabulary } from './vocabulary'

/**
 * User-item interactions in compressed sparse row form, one row per user.
 * Row `u` holds items `indices[indptr[u]..indptr[u+1])` with `values` (ratings or weights) and
 * optional `timestamps` (seconds since the epoch). Within a row, entries keep their input order.
 */
export interface Interactions {
  readonly users: Vocabulary
  readonly items: Vocabulary
  readonly indptr: Int32Array
  readonly indices: Int32Array
  readonly values: Float32Array
  readonly timestamps?: Float64Array
}

/** Number of stored interactions. */
export function nnz(data: Interactions): number {
  return data.indptr[data.users.size] ?? 0
}

/** The items, values and timestamps of one user's row, as views (no copy). */
export function userRow(data: Interactions, user: number): { items: Int32Array; values: Float32Array; timestamps?: Float64Array } {
  if (!Number.isInteger(user) || user < 0 || user >= data.users.size) {
    throw new RecForgeError('UNKNOWN_ID', `user index ${user} is outside 0..${data.users.size - 1}`)
  }
  const a = data.indptr[user]!
  const b = data.indptr[user + 1]!
  return {
    items: data.indices.subarray(a, b),
    values: data.values.subarray(a, b),
    ...(data.timestamps ? { timestamps: data.timestamps.subarray(a, b) } : {}),
  }
}

/** Coordinate-form input: parallel arrays, one entry per interaction. */
export interface CooInput {
  users: Vocabulary
  items: Vocabulary
  userIdx: Int32Array
  itemIdx: Int32Array
  values: Float32Array
  timestamps?: Float64Array
}

/**
 * Builds CSR interactions from coordinate arrays with a stable counting sort by user,
 * so each row keeps the input order. Checks every index against the vocabularies.
 */
export function fromCoo(input: CooInput): Interactions {
  const { users, items, userIdx, itemIdx, values, timestamps } = input
  const n = userIdx.length
  if (itemIdx.length !== n || values.length !== n || (timestamps && timestamps.length !== n)) {
    throw new RecForgeError(
      'DIMENSION_MISMATCH',
      `coordinate arrays differ in length: users ${n}, items ${itemIdx.length}, values ${values.length}${timestamps ? `, timestamps ${timestamps.length}` : ''}`,
    )
  }
  const nu = users.size
  const ni = items.size
  const indptr = new Int32Array(nu + 1)
  for (let k = 0; k < n; k++) {
    const u = userIdx[k]!
    const i = itemIdx[k]!
    if (u < 0 || u >= nu) throw new RecForgeError('UNKNOWN_ID', `entry ${k}: user index ${u} is outside 0..${nu - 1}`)
    if (i < 0 || i >= ni) throw new RecForgeError('UNKNOWN_ID', `entry ${k}: item index ${i} is outside 0..${ni - 1}`)
    indptr[u + 1]!++
  }
  for (let u = 0; u < nu; u++) indptr[u + 1]! += indptr[u]!
  const fill = indptr.slice(0, nu)
  const indices = new Int32Array(n)
  const vals = new Float32Array(n)
  const ts = timestamps ? new Float64Array(n) : undefined
  for (let k = 0; k < n; k++) {
    const p = fill[userIdx[k]!]!++
    indices[p] = itemIdx[k]!
    vals[p] = values[k]!
    if (ts) ts[p] = timestamps![k]!
  }
  return { users, items, indptr, indices, values: vals, ...(ts ? { timestamps: ts } : {}) }
}

/**
 * Accumulates interactions one at a time into growable typed arrays (no per-row objects),
 * mapping external ids through vocabularies. Loaders stream into this.
 *
 * @example
 * ```ts
 * const b = new InteractionsBuilder({ timestamps: true })
 * b.push('u1', 'i9', 4.5, 1700000000)
 * const data = b.build()
 * ```
 */
export class InteractionsBuilder {
  readonly users: IdVocabulary
  readonly items: IdVocabulary
  private u: Int32Array
  private i: Int32Array
  private v: Float32Array
  private t: Float64Array | undefined
  private n = 0

  constructor(opts: { timestamps?: boolean; capacity?: number; users?: IdVocabulary; items?: IdVocabulary } = {}) {
    const cap = Math.max(16, opts.capacity ?? 1024)
    this.users = opts.users ?? new IdVocabulary()
    this.items = opts.items ?? new IdVocabulary()
    this.u = new Int32Array(cap)
    this.i = new Int32Array(cap)
    this.v = new Float32Array(cap)
    this.t = opts.timestamps ? new Float64Array(cap) : undefined
  }

  get length(): number {
    return this.n
  }

  /**
   * Makes room for at least `capacity` interactions in all, so a loader that can estimate its row
   * count (from a file's size) allocates once instead of doubling; never shrinks.
   */
  reserve(capacity: number): void {
    if (Number.isFinite(capacity) && capacity > this.u.length) this.grow(Math.ceil(capacity))
  }

  private grow(cap = this.u.length * 2): void {
    const g = <T extends Int32Array | Float32Array | Float64Array>(a: T, C: new (n: number) => T): T => {
      const b = new C(cap)
      b.set(a)
      return b
    }
    this.u = g(this.u, Int32Array)
    this.i = g(this.i, Int32Array)
    this.v = g(this.v, Float32Array)
    if (this.t) this.t = g(this.t, Float64Array)
  }

  /**
   * Adds one interaction by external ids.
   *
   * @throws RecForgeError INVALID_ARGUMENT when `user` or `item` is not a string.
   */
  push(user: string, item: string, value = 1, timestamp = 0): void {
    checkId(user, 'user id')
    checkId(item, 'item id')
    this.pushIndex(this.users.add(user), this.items.add(item), value, timestamp)
  }

  /** Adds one interaction by dense indices (already in the vocabularies). */
  pushIndex(user: number, item: number, value = 1, timestamp = 0): void {
    if (this.n === this.u.length) this.grow()
    this.u[this.n] = user
    this.i[this.n] = item
    this.v[this.n] = value
    if (this.t) this.t[this.n] = timestamp
    this.n++
  }

  /** The coordinate arrays collected so far (views, trimmed to length). */
  coo(): CooInput {
    return {
      users: this.users,
      items: this.items,
      userIdx: this.u.subarray(0, this.n),
      itemIdx: this.i.subarray(0, this.n),
      values: this.v.subarray(0, this.n),
      ...(this.t ? { timestamps: this.t.subarray(0, this.n) } : {}),
    }
  }

  /** Builds the CSR interactions. */
  build(): Interactions {
    return fromCoo(this.coo())
  }
}

/** Converts CSR interactions back to coordinate arrays (row order). */
export function toCoo(data: Interactions): CooInput {
  const n = nnz(data)
  const userIdx = new Int32Array(n)
  for (let u = 0; u < data.users.size; u++) userIdx.fill(u, data.indptr[u]!, data.indptr[u + 1]!)
  return {
    users: data.users,
    items: data.items,
    userIdx,
    itemIdx: data.indices.slice(0, n),
    values: data.values.slice(0, n),
    ...(data.timestamps ? { timestamps: data.timestamps.slice(0, n) } : {}),
  }
}

/** Item-major view of the same interactions (compressed sparse columns): row `i` lists the users of item `i`. */
export interface ItemMajor {
  readonly indptr: Int32Array
  readonly indices: Int32Array
  readonly values: Float32Array
}

/** Transposes CSR by user into CSR by item (users in ascending order within each item). */
export function transpose(data: Interactions): ItemMajor {
  const ni = data.items.size
  const n = nnz(data)
  const indptr = new Int32Array(ni + 1)
  for (let k = 0; k < n; k++) indptr[data.indices[k]! + 1]!++
  for (let i = 0; i < ni; i++) indptr[i + 1]! += indptr[i]!
  const fill = indptr.slice(0, ni)
  const indices = new Int32Array(n)
  const values = new Float32Array(n)
  for (let u = 0; u < data.users.size; u++) {
    for (let k = data.indptr[u]!; k < data.indptr[u + 1]!; k++) {
      const p = fill[data.indices[k]!]!++
      indices[p] = u
      values[p] = data.values[k]!
    }
  }
  return { indptr, indices, values }
}

/**
 * Keeps the entries for which `keep(k)` is true (k indexes the CSR arrays), same vocabularies.
 * Splitters use this to cut train and test parts without copying ids.
 */
export function filterEntries(data: Interactions, keep: (k: number) => boolean): Interactions {
  const nu = data.users.size
  const indptr = new Int32Array(nu + 1)
  const n = nnz(data)
  const mask = new Uint8Array(n)
  let m = 0
  for (let u = 0; u < nu; u++) {
    for (let k = data.indptr[u]!; k < data.indptr[u + 1]!; k++) {
      if (keep(k)) {
        mask[k] = 1
        m++
      }
    }
    indptr[u + 1] = m
  }
  const indices = new Int32Array(m)
  const values = new Float32Array(m)
  const ts = data.timestamps ? new Float64Array(m) : undefined
  let p = 0
  for (let k = 0; k < n; k++) {
    if (!mask[k]) continue
    indices[p] = data.indices[k]!
    values[p] = data.values[k]!
    if (ts) ts[p] = data.timestamps![k]!
    p++
  }
  return { users: data.users, items: data.items, indptr, indices, values, ...(ts ? { timestamps: ts } : {}) }
}

/** Number of interactions per item (popularity counts). */
export function itemCounts(data: Interactions): Int32Array {
  const c = new Int32Array(data.items.size)
  const n = nnz(data)
  for (let k = 0; k < n; k++) c[data.indices[k]!]!++
  return c
}

/** Sorted copy of a user's item indices, for fast membership tests with {@link sortedHas}. */
export function sortedRow(data: Interactions, user: number): Int32Array {
  return data.indices.slice(data.indptr[user]!, data.indptr[user + 1]!).sort()
}

/** Binary search in a sorted Int32Array. */
export function sortedHas(sorted: Int32Array, x: number): boolean {
  let lo = 0
  let hi = sorted.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const v = sorted[mid]!
    if (v === x) return true
    if (v < x) lo = mid + 1
    else hi = mid - 1
  }
  return false
}

/** Checks that a CSR object is internally consistent; throws INVALID_ARGUMENT naming the first problem. */
export function validateInteractions(data: Interactions): void {
  const nu = data.users.size
  const ni = data.items.size
  if (data.indptr.length !== nu + 1) throw new RecForgeError('INVALID_ARGUMENT', `indptr has length ${data.indptr.length}; expected users.size + 1 = ${nu + 1}`)
  const n = data.indptr[nu]!
  if (data.indices.length < n || data.values.length < n) throw new RecForgeError('INVALID_ARGUMENT', `indptr says ${n} entries; indices has ${data.indices.length}, values ${data.values.length}`)
  for (let u = 0; u < nu; u++) if (data.indptr[u]! > data.indptr[u + 1]!) throw new RecForgeError('INVALID_ARGUMENT', `indptr decreases at user ${u}`)
  for (let k = 0; k < n; k++) {
    const i = data.indices[k]!
    if (i < 0 || i >= ni) throw new RecForgeError('INVALID_ARGUMENT', `entry ${k} has item index ${i}, outside 0..${ni - 1}`)
    if (!Number.isFinite(data.values[k]!)) throw new RecForgeError('INVALID_ARGUMENT', `entry ${k} has a non-finite value ${data.values[k]}`)
  }
}
