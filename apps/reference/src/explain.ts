import { transpose, type Interactions, type ItemMajor } from '@recforge/core'

/** Why an item was recommended: the liked item it is most similar to. */
export interface Explanation {
  /** Index of the history item the recommendation is closest to. */
  readonly because: number
  /** Similarity in [0, 1] (cosine of item vectors, or Jaccard of co-occurring users). */
  readonly similarity: number
}

/**
 * Explains recommendations "because you liked X": for each recommended item, the item of the
 * user's history it is most similar to. With model item vectors it uses their cosine; otherwise
 * the Jaccard overlap of the users who interacted with both items in training.
 */
export class Explainer {
  private readonly byItem: ItemMajor
  private readonly mark: Int32Array
  private epoch = 0
  private readonly norms?: Float32Array

  constructor(
    private readonly data: Interactions,
    private readonly vectors?: { vectors: Float32Array; dimensions: number },
  ) {
    this.byItem = transpose(data)
    this.mark = new Int32Array(data.users.size)
    if (vectors) {
      const n = vectors.vectors.length / vectors.dimensions
      this.norms = new Float32Array(n)
      for (let i = 0; i < n; i++) {
        let s = 0
        for (let j = 0; j < vectors.dimensions; j++) s += vectors.vectors[i * vectors.dimensions + j]! ** 2
        this.norms[i] = Math.sqrt(s)
      }
    }
  }

  private cosine(a: number, b: number): number {
    const { vectors, dimensions: d } = this.vectors!
    let dot = 0
    for (let j = 0; j < d; j++) dot += vectors[a * d + j]! * vectors[b * d + j]!
    const den = this.norms![a]! * this.norms![b]!
    return den > 0 ? dot / den : 0
  }

  private jaccard(a: number, b: number): number {
    const { indptr, indices } = this.byItem
    if (a >= indptr.length - 1 || b >= indptr.length - 1) return 0
    this.epoch++
    const na = indptr[a + 1]! - indptr[a]!
    const nb = indptr[b + 1]! - indptr[b]!
    for (let k = indptr[a]!; k < indptr[a + 1]!; k++) this.mark[indices[k]!] = this.epoch
    let both = 0
    for (let k = indptr[b]!; k < indptr[b + 1]!; k++) if (this.mark[indices[k]!] === this.epoch) both++
    const union = na + nb - both
    return union > 0 ? both / union : 0
  }

  /** The history item most similar to `item`, or undefined for an empty history. */
  explain(item: number, history: ArrayLike<number>): Explanation | undefined {
    let best: Explanation | undefined
    for (let j = 0; j < history.length; j++) {
      const h = history[j]!
      if (h === item) continue
      const s = this.vectors && h < this.norms!.length && item < this.norms!.length ? this.cosine(item, h) : this.jaccard(item, h)
      if (!best || s > best.similarity) best = { because: h, similarity: s }
    }
    return best
  }
}
