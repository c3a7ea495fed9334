import type { Layout, Weights } from './layout'

/**
 * Scores of a trained NCF network on plain typed arrays: the GMF product with the user row scaled
 * by the output weights once, and the first MLP layer split into a user part (per call) and an
 * item part (for every item, computed once).
 */
export class NCFScorer {
  private itemFirstLayer: Float32Array | undefined

  constructor(
    readonly layout: Layout,
    readonly weights: Weights,
    private readonly numUsers: number,
    private readonly numItems: number,
  ) {}

  /** Item-side part of the first MLP layer (i_m · W1_bottom + b1) for every item, computed once. */
  private firstLayerItems(): Float32Array {
    if (this.itemFirstLayer) return this.itemFirstLayer
    const L = this.layout
    const { emb, dense } = this.weights
    const nU = this.numUsers
    const nI = this.numItems
    const m = L.mats[0]!
    const out = new Float32Array(nI * m.out)
    for (let i = 0; i < nI; i++) {
      const row = (nU + i) * L.D + L.f
      for (let o = 0; o < m.out; o++) {
        let s = dense[m.b + o]!
        for (let k = 0; k < L.e; k++) s += emb[row + k]! * dense[m.w + (L.e + k) * m.out + o]!
        out[i * m.out + o] = s
      }
    }
    this.itemFirstLayer = out
    return out
  }

  /** Scores of `items` (or every item when `items` is undefined) for `user`, written into `out`. */
  scoreInto(user: number, items: Int32Array | undefined, out: Float32Array): void {
    const L = this.layout
    const { emb, dense } = this.weights
    const nU = this.numUsers
    const count = items ? items.length : this.numItems
    const uRow = user * L.D
    // GMF: sum_k p_uk q_ik h_k, with p_u ⊙ h precomputed
    const uh = new Float32Array(L.f)
    for (let k = 0; k < L.f; k++) uh[k] = emb[uRow + k]! * dense[L.h + k]!
    let itemPart: Float32Array | undefined
    let userPart: Float32Array | undefined
    const widest = L.mats.reduce((x, m) => Math.max(x, m.out), 1)
    const a = new Float32Array(widest)
    const b = new Float32Array(widest)
    if (L.e > 0) {
      itemPart = this.firstLayerItems()
      const m = L.mats[0]!
      userPart = new Float32Array(m.out)
      for (let o = 0; o < m.out; o++) {
        let s = 0
        for (let k = 0; k < L.e; k++) s += emb[uRow + L.f + k]! * dense[m.w + k * m.out + o]!
        userPart[o] = s
      }
    }
    const hb = dense[L.hb]!
    for (let j = 0; j < count; j++) {
      const i = items ? items[j]! : j
      let z = hb
      const iRow = (nU + i) * L.D
      for (let k = 0; k < L.f; k++) z += uh[k]! * emb[iRow + k]!
      if (userPart && itemPart) {
        const m0 = L.mats[0]!
        for (let o = 0; o < m0.out; o++) a[o] = Math.max(0, userPart[o]! + itemPart[i * m0.out + o]!)
        let cur = a
        let nxt = b
        for (let l = 1; l < L.mats.length; l++) {
          const m = L.mats[l]!
          for (let o = 0; o < m.out; o++) {
            let s = dense[m.b + o]!
            for (let k = 0; k < m.in; k++) s += cur[k]! * dense[m.w + k * m.out + o]!
            nxt[o] = s > 0 ? s : 0
          }
          const t = cur
          cur = nxt
          nxt = t
        }
        const last = L.mats[L.mats.length - 1]!.out
        for (let k = 0; k < last; k++) z += cur[k]! * dense[L.h + L.f + k]!
      }
      out[j] = z
    }
  }
}
