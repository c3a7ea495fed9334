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
  const heap = new TopKHeap(Math.min(Math.floor(k), n))
  if (heap.capacity > 0) {
    for (let j = 0; j < n; j++) {
      const s = scores[j]!
      const item = candidates ? candidates[j]! : j
      // most pairs fail the heap's test; only the others pay for the binary search
      if (!heap.wouldKeep(s, item) || (excluded && isExcluded(excluded, item))) continue
      heap.push(s, item)
    }
  }
  const items = new Int32Array(heap.size)
  const out = new Float32Array(heap.size)
  heap.drain(items, out, 0)
  return { items, scores: out }
}

/** Whether `item` is in the sorted list `excluded` (binary search). */
function isExcluded(excluded: Int32Array, item: number): boolean {
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


/**
 * Keeps the `capacity` best (score, index) pairs seen so far, in float64: a size-bounded min-heap
 * on typed arrays whose root is the worst kept pair. Higher scores are better; of equal scores
 * the smaller index is better. NaN scores are never kept. Reuse one heap across rows: {@link
 * TopKHeap.drain} empties it.
 *
 * {@link topK} selects from a whole `Float32Array` of scores through it; kernels push pairs one
 * at a time as they find them. Scores are compared in float64.
 *
 * @example
 * ```ts
 * const heap = new TopKHeap(2)
 * heap.push(0.5, 7)
 * heap.push(0.9, 3)
 * heap.push(0.5, 1)
 * const items = new Int32Array(2)
 * const scores = new Float32Array(2)
 * heap.drain(items, scores, 0) // 2; items [3, 1], scores [0.9, 0.5]
 * ```
 */
export class TopKHeap {
  /** The most pairs kept. */
  readonly capacity: number
  private n = 0
  private readonly score: Float64Array
  private readonly index: Int32Array

  constructor(capacity: number) {
    this.capacity = Math.max(0, Math.floor(capacity))
    this.score = new Float64Array(this.capacity)
    this.index = new Int32Array(this.capacity)
  }

  /** Number of pairs kept now. */
  get size(): number {
    return this.n
  }

  /** Whether {@link TopKHeap.push} would keep this pair now. */
  wouldKeep(s: number, j: number): boolean {
    if (s !== s || this.capacity === 0) return false
    if (this.n < this.capacity) return true
    const hs = this.score[0]!
    return !(s < hs || (s === hs && j > this.index[0]!))
  }

  /** Offers one pair; it is kept when it is among the best `capacity` pairs so far. */
  push(s: number, j: number): void {
    if (!this.wouldKeep(s, j)) return
    const S = this.score
    const J = this.index
    if (this.n === this.capacity) {
      S[0] = s
      J[0] = j
      this.siftDown()
      return
    }
    let x = this.n++
    S[x] = s
    J[x] = j
    while (x > 0) {
      const p = (x - 1) >> 1
      if (!(S[x]! < S[p]! || (S[x] === S[p] && J[x]! > J[p]!))) break
      this.swap(x, p)
      x = p
    }
  }

  /**
   * Writes the kept pairs best-first to `indices` and `scores` from `offset`, empties the heap,
   * and returns how many were written.
   */
  drain(indices: Int32Array, scores: Float32Array | Float64Array, offset: number): number {
    const count = this.n
    const S = this.score
    const J = this.index
    // pop worst-first into the row from its end, so the row reads best-first
    for (let pos = offset + count - 1; pos >= offset; pos--) {
      indices[pos] = J[0]!
      scores[pos] = S[0]!
      this.n--
      S[0] = S[this.n]!
      J[0] = J[this.n]!
      this.siftDown()
    }
    return count
  }

  private siftDown(): void {
    const S = this.score
    const J = this.index
    const size = this.n
    let x = 0
    for (;;) {
      const l = 2 * x + 1
      const r = l + 1
      let m = x
      if (l < size && (S[l]! < S[m]! || (S[l] === S[m] && J[l]! > J[m]!))) m = l
      if (r < size && (S[r]! < S[m]! || (S[r] === S[m] && J[r]! > J[m]!))) m = r
      if (m === x) break
      this.swap(x, m)
      x = m
    }
  }

  private swap(x: number, y: number): void {
    const S = this.score
    const J = this.index
    const ts = S[x]!
    const tj = J[x]!
    S[x] = S[y]!
    J[x] = J[y]!
    S[y] = ts
    J[y] = tj
  }
}
