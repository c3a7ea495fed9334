/**
 * Keeps the `capacity` best (score, index) pairs seen so far, in float64: a size-bounded min-heap
 * on typed arrays whose root is the worst kept pair. Higher scores are better; of equal scores
 * the smaller index is better. NaN scores are never kept. Reuse one heap across rows: {@link
 * TopKHeap.drain} empties it.
 *
 * (core's `topK` selects from a whole `Float32Array` of scores; this heap takes pairs one at a
 * time, as a kernel finds them, and compares them in float64.)
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

  /** Offers one pair; it is kept when it is among the best `capacity` pairs so far. */
  push(s: number, j: number): void {
    if (s !== s || this.capacity === 0) return
    const S = this.score
    const J = this.index
    if (this.n === this.capacity) {
      const hs = S[0]!
      if (s < hs || (s === hs && j > J[0]!)) return
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
