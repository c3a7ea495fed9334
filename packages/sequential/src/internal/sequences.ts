import { RecForgeError, nnz, type Interactions } from '@recforge/core'

/** How a user's history is put in order. */
export type SequenceOrder = 'time' | 'input'

/** Every user's history in order, as CSR over the training rows: `items[indptr[u]..indptr[u+1])`, item indices (not shifted). */
export interface OrderedHistories {
  readonly indptr: Int32Array
  readonly items: Int32Array
}

/**
 * Orders each user's interactions by timestamp, ties by input order (a stable sort), or keeps the
 * input order when `order` is `input`.
 *
 * @throws RecForgeError INVALID_ARGUMENT when `order` is `time` and the data has no timestamps, or a timestamp is not finite.
 */
export function orderHistories(data: Interactions, order: SequenceOrder, model: string): OrderedHistories {
  const n = nnz(data)
  const nU = data.users.size
  const items = new Int32Array(n)
  const indptr = data.indptr.slice(0, nU + 1)
  if (order === 'input') {
    items.set(data.indices.subarray(0, n))
    return { indptr, items }
  }
  const ts = data.timestamps
  if (!ts) {
    throw new RecForgeError(
      'INVALID_ARGUMENT',
      `${model}: orders each user's history by time, but the interactions have no timestamps; load data with a time column, or set order: 'input' to use the order of the rows`,
    )
  }
  let scratch = new Int32Array(16)
  for (let u = 0; u < nU; u++) {
    const a = data.indptr[u]!
    const b = data.indptr[u + 1]!
    const len = b - a
    if (scratch.length < len) scratch = new Int32Array(len * 2)
    const view = scratch.subarray(0, len)
    let sorted = true
    for (let k = a; k < b; k++) {
      const t = ts[k]!
      if (!Number.isFinite(t)) {
        throw new RecForgeError('INVALID_ARGUMENT', `${model}: user ${JSON.stringify(data.users.id(u))} has a timestamp of ${t} (entry ${k - a} of the user's row); timestamps must be finite numbers`)
      }
      view[k - a] = k
      if (k > a && t < ts[k - 1]!) sorted = false
    }
    // Array.prototype.sort is stable, and the tie-break on the entry index makes the order explicit
    if (!sorted) view.sort((x, y) => ts[x]! - ts[y]! || x - y)
    for (let j = 0; j < len; j++) items[a + j] = data.indices[view[j]!]!
  }
  return { indptr, items }
}

/** Training windows: row-major `count × length` inputs and next-item targets, item index + 1 (0 pads on the left). */
export interface Windows {
  readonly count: number
  readonly length: number
  readonly inputs: Int32Array
  readonly targets: Int32Array
  /** The user of each window (for negative sampling outside the user's history). */
  readonly users: Int32Array
}

/**
 * Cuts every history into windows of `length` next-item transitions, from the most recent
 * backwards, so every transition is a target exactly once; the oldest window of a user is padded
 * on the left. Users with fewer than two items have no transition and give no window.
 */
export function trainingWindows(h: OrderedHistories, length: number): Windows {
  const nU = h.indptr.length - 1
  let count = 0
  for (let u = 0; u < nU; u++) {
    const t = h.indptr[u + 1]! - h.indptr[u]! - 1
    if (t > 0) count += Math.ceil(t / length)
  }
  const inputs = new Int32Array(count * length)
  const targets = new Int32Array(count * length)
  const users = new Int32Array(count)
  let w = 0
  for (let u = 0; u < nU; u++) {
    const a = h.indptr[u]!
    const b = h.indptr[u + 1]!
    // transition j (a <= j < b - 1): input items[j], target items[j + 1]
    for (let end = b - 1; end > a; end -= length) {
      const start = Math.max(a, end - length)
      const pad = length - (end - start)
      const o = w * length
      for (let j = start; j < end; j++) {
        inputs[o + pad + j - start] = h.items[j]! + 1
        targets[o + pad + j - start] = h.items[j + 1]! + 1
      }
      users[w++] = u
    }
  }
  return { count, length, inputs, targets, users }
}

/** Writes the last `length` items of `items` (index + 1), left-padded with 0, into `out` at `offset`. */
export function lastWindow(items: Int32Array, length: number, out: Int32Array, offset: number): void {
  const take = Math.min(length, items.length)
  const pad = length - take
  out.fill(0, offset, offset + pad)
  for (let j = 0; j < take; j++) out[offset + pad + j] = items[items.length - take + j]! + 1
}
