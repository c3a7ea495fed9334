import type { IdVocabulary } from '@recforge/core'

/** Ids at or above this value go through the vocabulary's map (the table would cost 4 bytes per id value). */
const TABLE_LIMIT = 1 << 22

/**
 * {@link IdVocabulary.add} with a shortcut for ids written as plain non-negative integers ("0",
 * "42", "138493"; not "007" or "+4", which stay distinct strings): their index is kept in a typed
 * array by numeric value, so the common case of a rating file needs no string hashing. Any other
 * id, and integers of {@link TABLE_LIMIT} and more, go through the map as before; the vocabulary
 * itself is unchanged, so the two paths always agree.
 */
export class IdAdder {
  /** index + 1 by numeric id value; 0 = not seen yet */
  private table = new Int32Array(1024)

  constructor(private readonly vocab: IdVocabulary) {}

  add(id: string): number {
    const n = id.length
    if (n > 0 && n < 8) {
      let v = 0
      let k = 0
      for (; k < n; k++) {
        const c = id.charCodeAt(k) - 48
        if (c < 0 || c > 9) break
        v = v * 10 + c
      }
      if (k === n && (n === 1 || id.charCodeAt(0) !== 48) && v < TABLE_LIMIT) {
        let t = this.table
        if (v >= t.length) {
          let cap = t.length
          while (cap <= v) cap *= 2
          const g = new Int32Array(Math.min(cap, TABLE_LIMIT))
          g.set(t)
          this.table = t = g
        }
        const hit = t[v]!
        if (hit > 0) return hit - 1
        const i = this.vocab.add(id)
        t[v] = i + 1
        return i
      }
    }
    return this.vocab.add(id)
  }
}
