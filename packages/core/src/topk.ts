import type { ScoredItems } from './types'

/**
 * Selects the `k` best-scoring entries with a size-k min-heap (O(n log k)).
 * `scores[j]` belongs to item `candidates ? candidates[j] : j`. NaN scores never win; ties go to
 * the smaller item index. Items in `exclude` (any order) are skipped.
 *
 * @example
 * ```ts
 * topK(new Float32Array([0.1, 0.9, 0.5]), 2) // items [1, 2]
 * ```
 */
export function topK(scores: Float32Array, k: number, opts: { candidates?: Int32Array; exclude?: Int32Array | readonly Int32Array[] } = {}): ScoredItems {
  const n = scores.length
  const { candidates } = opts
  const excludeLists = opts.exclude === undefined ? [] : opts.exclude instanceof Int32Array ? [opts.exclude] : opts.exclude
  let excluded: Int32Array | undefined
  if (excludeLists.length === 1) excluded = Int32Array.from(excludeLists[0]!).sort()
  else if (excludeLists.length > 1) {
    let total = 0
    for (const l of excludeLists) total += l.length
    excluded = new Int32Array(total)
    let o = 0
    for (const l of excludeLists) {
      excluded.set(l, o)
      o += l.length
    }
    excluded.sort()
  }
  const kk = Math.max(0, Math.min(Math.floor(k), n))
  const heapItem = new Int32Array(kk)
  const heapScore = new Float32Array(kk)
  let size = 0
  // "worse" in heap order: lower score, or equal score and larger item index
  const worse = (sa: number, ia: number, sb: number, ib: number) => sa < sb || (sa === sb && ia > ib)
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < size && worse(heapScore[l]!, heapItem[l]!, heapScore[m]!, heapItem[m]!)) m = l
      if (r < size && worse(heapScore[r]!, heapItem[r]!, heapScore[m]!, heapItem[m]!)) m = r
      if (m === i) return
      const ts = heapScore[i]!
      const ti = heapItem[i]!
      heapScore[i] = heapScore[m]!
      heapItem[i] = heapItem[m]!
      heapScore[m] = ts
      heapItem[m] = ti
      i = m
    }
  }
  const isExcluded = (item: number): boolean => {
    if (!excluded) return false
    let lo = 0
    let hi = excluded.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const v = excluded[mid]!
      if (v === item) return true
      if (v < item) lo = mid + 1
      else hi = mid - 1
    }
    return false
  }
  if (kk > 0) {
    for (let j = 0; j < n; j++) {
      const s = scores[j]!
      if (s !== s) continue
      const item = candidates ? candidates[j]! : j
      if (size === kk && !worse(heapScore[0]!, heapItem[0]!, s, item)) continue
      if (isExcluded(item)) continue
      if (size < kk) {
        // sift up
        let i = size++
        heapScore[i] = s
        heapItem[i] = item
        while (i > 0) {
          const p = (i - 1) >> 1
          if (!worse(heapScore[i]!, heapItem[i]!, heapScore[p]!, heapItem[p]!)) break
          const ts = heapScore[i]!
          const ti = heapItem[i]!
          heapScore[i] = heapScore[p]!
          heapItem[i] = heapItem[p]!
          heapScore[p] = ts
          heapItem[p] = ti
          i = p
        }
      } else {
        heapScore[0] = s
        heapItem[0] = item
        siftDown(0)
      }
    }
  }
  // pop into best-first order
  const items = new Int32Array(size)
  const out = new Float32Array(size)
  for (let p = size - 1; p >= 0; p--) {
    items[p] = heapItem[0]!
    out[p] = heapScore[0]!
    size--
    heapScore[0] = heapScore[size]!
    heapItem[0] = heapItem[size]!
    siftDown(0)
  }
  return { items, scores: out }
}
