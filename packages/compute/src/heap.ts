/**
 * Binary heaps of (key, id) pairs on caller-owned typed arrays, as a graph search keeps its
 * candidate and result lists: `order` 1 keeps the smallest key at the root (a min-heap), -1 the
 * largest (a max-heap). The caller holds the count and grows the arrays; ties keep their order of
 * arrival undefined, as in any binary heap. Keys are compared before they are stored, so a float64
 * key is compared at full precision and stored rounded to float32.
 */

/**
 * Adds (key, id) to the heap of `size` entries in `keys`/`ids` (which must have room for one more).
 *
 * @example
 * ```ts
 * const keys = new Float32Array(8)
 * const ids = new Int32Array(8)
 * let n = 0
 * heapPush(keys, ids, n++, 0.5, 7, 1)
 * heapPush(keys, ids, n++, 0.25, 3, 1) // ids[0] is 3: the smallest key is at the root
 * ```
 */
export function heapPush(keys: Float32Array, ids: Int32Array, size: number, key: number, id: number, order: 1 | -1): void {
  const k = order * key
  let i = size
  while (i > 0) {
    const p = (i - 1) >> 1
    if (order * keys[p]! <= k) break
    keys[i] = keys[p]!
    ids[i] = ids[p]!
    i = p
  }
  keys[i] = key
  ids[i] = id
}

/**
 * Removes the root of a heap that holds `size + 1` entries, leaving `size` (pass the count after
 * the removal, as `heapPop(keys, ids, --n, order)`).
 *
 * @example
 * ```ts
 * heapPop(keys, ids, --n, 1) // the next smallest key is now at the root
 * ```
 */
export function heapPop(keys: Float32Array, ids: Int32Array, size: number, order: 1 | -1): void {
  if (size === 0) return
  const key = keys[size]!
  const id = ids[size]!
  const k = order * key
  let i = 0
  for (;;) {
    let c = 2 * i + 1
    if (c >= size) break
    if (c + 1 < size && order * keys[c + 1]! < order * keys[c]!) c++
    if (order * keys[c]! >= k) break
    keys[i] = keys[c]!
    ids[i] = ids[c]!
    i = c
  }
  keys[i] = key
  ids[i] = id
}
