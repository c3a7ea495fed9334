import { RecForgeError } from '@recforge/core'

function sortedCopy(keys: Int32Array, where: string): Int32Array {
  if (!(keys instanceof Int32Array)) throw new RecForgeError('INVALID_ARGUMENT', `${where}: keys must be an Int32Array; got ${Object.prototype.toString.call(keys)}`)
  return Int32Array.from(keys).sort()
}

function has(sorted: Int32Array, key: number): boolean {
  let lo = 0
  let hi = sorted.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const v = sorted[mid]!
    if (v === key) return true
    if (v < key) lo = mid + 1
    else hi = mid - 1
  }
  return false
}

/**
 * A search filter that leaves out `keys` (e.g. items the user has seen). Binary search over a
 * sorted copy, so it costs no hashing and little memory.
 *
 * @example
 * ```ts
 * index.search(q, 10, excludeKeys(seenItems))
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `keys` is not an Int32Array.
 */
export function excludeKeys(keys: Int32Array): (key: number) => boolean {
  const s = sortedCopy(keys, 'excludeKeys')
  return (key) => !has(s, key)
}

/**
 * A search filter that keeps only `keys` (an allow-list, e.g. items in stock).
 *
 * @example
 * ```ts
 * index.search(q, 10, allowKeys(inStock))
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `keys` is not an Int32Array.
 */
export function allowKeys(keys: Int32Array): (key: number) => boolean {
  const s = sortedCopy(keys, 'allowKeys')
  return (key) => has(s, key)
}

/**
 * Combines filters: a key passes when every given filter passes it (undefined entries are skipped).
 *
 * @example
 * ```ts
 * index.search(q, 10, allFilters(excludeKeys(seen), allowKeys(inStock)))
 * ```
 * @throws Never.
 */
export function allFilters(...filters: readonly ((key: number) => boolean)[]): (key: number) => boolean {
  const fs = filters.filter((f): f is (key: number) => boolean => typeof f === 'function')
  if (fs.length === 1) return fs[0]!
  return (key) => {
    for (const f of fs) if (!f(key)) return false
    return true
  }
}
